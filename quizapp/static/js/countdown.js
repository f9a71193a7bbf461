// The countdown of a timed test page (the exam's questions and review, the adaptive check).
// Without this file the page shows the minutes left as the server counted them; the server's
// deadline is the authority either way. With it: the time left every second, announced to
// screen readers only at set points, a "Hide timer" button, and at zero the page moves on by
// itself: a page with `data-time-up-url` (the exam's review, the adaptive check, whose unsent
// answer does not count) goes there, the exam's question page posts its form as "time-up" (the
// server saves its answer if it can and shows the results, or the break between sections).
(function () {
  "use strict";

  var exam = document.querySelector(".exam");
  var form = document.getElementById("answer-form");
  var secondsAttr = exam ? exam.getAttribute("data-seconds-left") : null;
  var timeUpUrl = exam ? exam.getAttribute("data-time-up-url") : null;
  if (secondsAttr === null || !(form || timeUpUrl)) {
    return;
  }
  var deadline = Date.now() + parseInt(secondsAttr, 10) * 1000;
  var timerBox = document.getElementById("timer-box");
  var text = document.getElementById("timer-text");
  var staticText = document.querySelector(".timer-static");
  var loadNote = document.querySelector(".timer-load-note");  // a static time's caveat
  if (loadNote) {
    loadNote.remove();  // the time runs from here on
  }
  var announcer = document.getElementById("timer-announcer");
  var toggle = document.getElementById("timer-toggle");
  var hiddenKey = "exam-timer-hidden-" + exam.getAttribute("data-attempt");
  var announced = {};
  var WARNING_SECONDS = 300;
  var storage = (function () {
    try {
      return window.sessionStorage;
    } catch (e) {
      return null;  // storage disabled: "Hide timer" is not remembered, the rest works
    }
  })();

  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  var format = function (s) {
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + ":" + pad(m) : m) + ":" + pad(sec);
  };
  var announce = function (message) { announcer.textContent = message; };
  var minutesMessage = function (m) {
    return m === 1 ? "1 minute left." : m + " minutes left.";
  };

  var timeUp = function () {
    if (timeUpUrl) {
      announce("Time is up. Your results are being prepared.");
      window.location.assign(timeUpUrl);
      return;
    }
    announce("Time is up. Your answers are being saved.");
    var action = document.createElement("input");
    action.type = "hidden";
    action.name = "action";
    action.value = "time-up";
    form.appendChild(action);
    // requestSubmit lets exam.js first wait for an autosave on its way (the post must carry
    // the revision it produces).
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  };

  var tick = function () {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    text.textContent = format(left);
    staticText.textContent = minutesMessage(Math.ceil(left / 60));
    timerBox.classList.toggle("timer-warning", left <= WARNING_SECONDS);
    var minute = Math.ceil(left / 60);
    var key = null;
    if (left > 0 && left % 60 === 0 && (minute % 10 === 0 || minute === 5 || minute === 1)) {
      key = minute;
    }
    if (key !== null && !announced[key]) {
      announced[key] = true;
      announce(minutesMessage(key));
    }
    if (left === 0) {
      clearInterval(timer);
      timeUp();
    }
  };
  var timer = setInterval(tick, 1000);
  tick();

  // "Hide timer" is remembered for the rest of the attempt (this tab's session).
  var setHidden = function (hide) {
    text.hidden = hide;
    toggle.textContent = hide ? "Show timer" : "Hide timer";
    toggle.setAttribute("aria-expanded", hide ? "false" : "true");
    if (storage) {
      if (hide) {
        storage.setItem(hiddenKey, "1");
      } else {
        storage.removeItem(hiddenKey);
      }
    }
  };
  toggle.hidden = false;
  setHidden(storage !== null && storage.getItem(hiddenKey) === "1");
  toggle.addEventListener("click", function () { setHidden(!text.hidden); });
})();
