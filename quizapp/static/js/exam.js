// Exam page enhancements. Everything works without this file (plain form posts); with it:
// answers autosave as they change, and a countdown shows the server's remaining time.
(function () {
  "use strict";

  var exam = document.querySelector(".exam");
  var form = document.getElementById("answer-form");
  if (!exam || !form) {
    return;
  }

  // ---- Countdown: shown every second, announced only at set points for screen readers ----
  var secondsAttr = exam.getAttribute("data-seconds-left");
  if (secondsAttr !== null) {
    var deadline = Date.now() + parseInt(secondsAttr, 10) * 1000;
    var text = document.getElementById("timer-text");
    var announcer = document.getElementById("timer-announcer");
    var toggle = document.getElementById("timer-toggle");
    var announced = {};

    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var format = function (s) {
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      return (h ? h + ":" + pad(m) : m) + ":" + pad(sec);
    };
    var announce = function (message) { announcer.textContent = message; };
    var minutesMessage = function (m) {
      return m === 1 ? "1 minute left." : m + " minutes left.";
    };

    var staticText = document.querySelector(".timer-static");
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      text.textContent = format(left);
      staticText.textContent = minutesMessage(Math.ceil(left / 60));
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
        announce("Time is up. Your answers are being saved.");
        var review = document.createElement("input");
        review.type = "hidden";
        review.name = "action";
        review.value = "review";
        form.appendChild(review);
        form.submit();
      }
    };
    var timer = setInterval(tick, 1000);
    tick();

    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var hide = !text.hidden;
      text.hidden = hide;
      toggle.textContent = hide ? "Show timer" : "Hide timer";
      toggle.setAttribute("aria-expanded", hide ? "false" : "true");
    });
  }

  // ---- Autosave (exam mode only: in tutor mode "Check answer" grades and locks) ----
  if (exam.getAttribute("data-mode") !== "exam") {
    return;
  }
  var url = exam.getAttribute("data-autosave-url");
  var status = document.getElementById("autosave-status");
  var revision = form.querySelector("input[name=revision]");
  var pending = null;
  var dirty = false;
  var typingTimer = null;

  var save = function () {
    if (pending) {
      // One save at a time: each must carry the revision the previous one produced.
      return pending.then(save);
    }
    if (!dirty) {
      return Promise.resolve();
    }
    dirty = false;
    var data = new FormData(form);
    data.delete("action");
    var request = fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) {
        if (body.saved) {
          revision.value = body.revision;
          status.textContent = "Answer saved " + new Date().toLocaleTimeString() + ".";
        } else if (body.finished) {
          window.location.assign(body.results_url);
        } else {
          status.textContent = body.message;
          if (response.status === 409) {
            window.location.reload();
          }
        }
      });
    }).catch(function () {
      dirty = true;  // try again on the next change or the periodic save
      status.textContent = "Could not save just now; your answer will be saved when you move on.";
    }).finally(function () {
      pending = null;
    });
    pending = request;
    return request;
  };

  form.addEventListener("change", function () { dirty = true; save(); });
  form.addEventListener("input", function (event) {
    if (event.target.type === "text") {
      dirty = true;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(save, 1500);
    }
  });
  setInterval(save, 60000);

  // A form post must carry the revision an autosave just produced: wait for it first.
  form.addEventListener("submit", function (event) {
    if (pending) {
      event.preventDefault();
      var submitter = event.submitter;
      pending.finally(function () { form.requestSubmit(submitter); });
    }
  });
})();
