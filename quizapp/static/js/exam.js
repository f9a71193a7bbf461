// Exam page enhancements. Everything works without this file (plain form posts); with it:
// answers and struck options autosave as they change (countdown.js shows the time left),
// keyboard shortcuts (listed in a help dialog), a calculator, highlighting in the question,
// and the tutor's verdict is announced.
(function () {
  "use strict";

  var exam = document.querySelector(".exam");
  var form = document.getElementById("answer-form");
  if (!exam || !form) {
    return;
  }
  var attemptId = exam.getAttribute("data-attempt");
  var position = form.getAttribute("action").split("/").pop();
  var storage = (function () {
    try {
      return window.sessionStorage;
    } catch (e) {
      return null;  // storage disabled: nothing is remembered, everything still works
    }
  })();
  var remember = function (key, value) {
    if (storage) {
      if (value === null) {
        storage.removeItem(key);
      } else {
        storage.setItem(key, value);
      }
    }
  };
  var recall = function (key) { return storage ? storage.getItem(key) : null; };

  // Builds an element: el("button", {type: "button", class: "btn"}, ["text", child]).
  var el = function (tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  };
  var show = function (id) {
    var node = document.getElementById(id);
    if (node) {
      node.hidden = false;
    }
    return node;
  };

  // ---- Autosave: answers and struck options as they change. It never grades: in tutor mode
  // "Check answer" does (and then locks the form, so nothing changes any more). ----
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
          status.textContent = "Saved " + new Date().toLocaleTimeString() + ".";
        } else if (body.finished) {
          window.location.assign(body.results_url);
        } else {
          status.textContent = body.message;
          if (response.status === 409) {
            // Changed in another tab, or the section closed: show what is saved now. The
            // server flashed the message, so the reloaded page still says why.
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
  var changed = function () { dirty = true; save(); };

  form.addEventListener("change", changed);
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

  // ---- Strike out an option: toggled here and autosaved (a form post without JavaScript) ----
  var strike = function (button) {
    var choice = button.closest(".answer-choice");
    var token = button.value.slice("strike-".length);
    var struck = !choice.classList.contains("struck");
    choice.classList.toggle("struck", struck);
    button.setAttribute("aria-pressed", struck ? "true" : "false");
    var label = choice.querySelector(".form-check-label");
    var note = label.querySelector(".struck-note");
    var input = choice.querySelector("input[name=struck]");
    if (struck) {
      if (!note) {
        label.appendChild(el("span", { class: "visually-hidden struck-note" }, [" (struck out)"]));
      }
      if (!input) {
        choice.appendChild(el("input", { type: "hidden", name: "struck", value: token }));
      }
    } else {
      if (note) {
        note.remove();
      }
      if (input) {
        input.remove();
      }
    }
    status.textContent = (struck ? "Option struck out" : "Option restored") + ".";
    changed();
  };
  form.querySelectorAll(".form-check-label .visually-hidden").forEach(function (note) {
    note.classList.add("struck-note");  // the server's "(struck out)" notes
  });
  form.addEventListener("click", function (event) {
    var button = event.target.closest(".strike-toggle");
    if (button) {
      event.preventDefault();
      strike(button);
    }
  });

  // ---- Tutor feedback: focus it after "Check answer" and announce the verdict, and any
  // message the page came with (a notice after a reload, a refused answer): screen readers
  // do not read out what is already there when a page loads. ----
  var feedback = document.getElementById("feedback");
  var verdict = document.getElementById("feedback-announcer");
  var announce = Array.prototype.map.call(
    document.querySelectorAll(".flash-messages .alert, .exam > .alert"),
    function (notice) { return notice.textContent.trim(); }
  );
  if (feedback && verdict && verdict.getAttribute("data-verdict")) {
    if (window.location.hash === "#feedback") {
      feedback.focus();
    }
    announce.unshift(verdict.getAttribute("data-verdict") + ".");
  }
  if (verdict && announce.length) {
    // Filled after the page settles, so screen readers hear the change.
    setTimeout(function () { verdict.textContent = announce.join(" "); }, 300);
  }

  // ---- Highlighting in the question (kept in this tab's session, not on the server) ----
  var stem = document.getElementById("question-stem");
  var highlight = show("highlight-toggle");
  var highlightKey = "exam-highlights-" + attemptId + "-" + position;

  var offsetsOf = function (range) {
    var before = document.createRange();
    before.selectNodeContents(stem);
    before.setEnd(range.startContainer, range.startOffset);
    var start = before.toString().length;
    return [start, start + range.toString().length];
  };
  var rangeAt = function (start, end) {
    var walker = document.createTreeWalker(stem, NodeFilter.SHOW_TEXT);
    var range = document.createRange();
    var seen = 0, node, started = false;
    while ((node = walker.nextNode())) {
      var length = node.nodeValue.length;
      if (!started && start <= seen + length) {
        range.setStart(node, start - seen);
        started = true;
      }
      if (started && end <= seen + length) {
        range.setEnd(node, end - seen);
        return range;
      }
      seen += length;
    }
    return null;
  };
  var wrap = function (range) {
    var mark = document.createElement("mark");
    mark.appendChild(range.extractContents());
    range.insertNode(mark);
  };
  var saveHighlights = function () {
    var spans = Array.prototype.map.call(stem.querySelectorAll("mark"), function (mark) {
      var range = document.createRange();
      range.selectNodeContents(mark);
      return offsetsOf(range);
    });
    remember(highlightKey, spans.length ? JSON.stringify(spans) : null);
  };
  try {
    (JSON.parse(recall(highlightKey)) || []).forEach(function (span) {
      var range = rangeAt(span[0], span[1]);
      if (range) {
        wrap(range);
      }
    });
  } catch (e) {
    remember(highlightKey, null);
  }
  var highlightSelection = function () {
    var selection = window.getSelection();
    if (highlight.getAttribute("aria-pressed") !== "true" || !selection.rangeCount) {
      return;
    }
    var range = selection.getRangeAt(0);
    if (range.collapsed || !stem.contains(range.commonAncestorContainer)) {
      return;
    }
    wrap(range);
    selection.removeAllRanges();
    stem.normalize();
    saveHighlights();
  };
  highlight.addEventListener("click", function () {
    var on = highlight.getAttribute("aria-pressed") !== "true";
    highlight.setAttribute("aria-pressed", on ? "true" : "false");
    exam.classList.toggle("highlighting", on);
    status.textContent = on
      ? "Highlighting on: select words in the question to mark them; select a mark to remove it."
      : "Highlighting off.";
  });
  stem.addEventListener("mouseup", highlightSelection);
  stem.addEventListener("keyup", highlightSelection);
  stem.addEventListener("click", function (event) {
    var mark = event.target.closest("mark");
    if (mark && highlight.getAttribute("aria-pressed") === "true" && window.getSelection().isCollapsed) {
      mark.replaceWith.apply(mark, Array.prototype.slice.call(mark.childNodes));
      stem.normalize();
      saveHighlights();
    }
  });

  // ---- Calculator: a small non-modal dialog; type or press keys, Enter or = for the result ----
  var calculate = function (input) {
    var s = input.replace(/×/g, "*").replace(/÷/g, "/").replace(/[−–]/g, "-")
      .replace(/,/g, ".").replace(/\s+/g, "");
    var i = 0;
    var fail = function () { throw new Error("syntax"); };
    var number = function () {
      var match = /^(\d+\.?\d*|\.\d+)/.exec(s.slice(i));
      if (!match) {
        fail();
      }
      i += match[0].length;
      return parseFloat(match[0]);
    };
    var factor = function () {
      if (s[i] === "-") { i++; return -factor(); }
      if (s[i] === "+") { i++; return factor(); }
      if (s[i] === "(") {
        i++;
        var inner = sum();
        if (s[i] !== ")") {
          fail();
        }
        i++;
        return inner;
      }
      return number();
    };
    var product = function () {
      var value = factor();
      while (s[i] === "*" || s[i] === "/") {
        var op = s[i++];
        var right = factor();
        value = op === "*" ? value * right : value / right;
      }
      return value;
    };
    var sum = function () {
      var value = product();
      while (s[i] === "+" || s[i] === "-") {
        var op = s[i++];
        var right = product();
        value = op === "+" ? value + right : value - right;
      }
      return value;
    };
    var value = sum();
    if (i !== s.length || !isFinite(value)) {
      fail();
    }
    return parseFloat(value.toPrecision(12)).toString();
  };

  var calcOpen = show("calculator-open");
  var calcInput = el("input", {
    id: "calculator-input", class: "form-control", type: "text", inputmode: "decimal",
    autocomplete: "off", spellcheck: "false", "aria-describedby": "calculator-hint"
  });
  var calcResult = el("output", { id: "calculator-result", for: "calculator-input", "aria-live": "polite" });
  var calcKeys = el("div", { class: "calculator-keys mt-2", role: "group", "aria-label": "Calculator keys" });
  var keyNames = { "÷": "divided by", "×": "times", "−": "minus", "+": "plus", "=": "equals",
    "C": "clear", "⌫": "delete last character", ".": "decimal point", "(": "open bracket",
    ")": "close bracket" };
  "7 8 9 ÷ 4 5 6 × 1 2 3 − 0 . ( ) C ⌫ + =".split(" ").forEach(function (key) {
    var attributes = { type: "button", class: "btn btn-sm btn-outline-secondary", "data-key": key };
    if (keyNames[key]) {
      attributes["aria-label"] = keyNames[key];
    }
    calcKeys.appendChild(el("button", attributes, [key]));
  });
  var calcClose = el("button", { type: "button", class: "btn-close", "aria-label": "Close the calculator" });
  var calculator = el("dialog", { class: "calculator", "aria-labelledby": "calculator-title" }, [
    el("div", { class: "d-flex justify-content-between align-items-center mb-2" }, [
      el("h2", { class: "h6 mb-0", id: "calculator-title" }, ["Calculator"]), calcClose
    ]),
    el("label", { class: "form-label small mb-1", for: "calculator-input" }, ["Calculation"]),
    calcInput,
    el("p", { class: "small text-body-secondary mb-1", id: "calculator-hint" },
      ["For example 250 * 2 / 5, then Enter."]),
    calcResult,
    calcKeys
  ]);
  document.body.appendChild(calculator);

  var showResult = function () {
    if (!calcInput.value.trim()) {
      calcResult.textContent = "";
      return;
    }
    try {
      var value = calculate(calcInput.value);
      calcResult.textContent = "Result: " + value;
    } catch (e) {
      calcResult.textContent = "Cannot calculate that: check the numbers, signs and brackets.";
    }
  };
  var closeCalculator = function () {
    calculator.close();
    calcOpen.focus();
  };
  calcOpen.addEventListener("click", function () {
    if (calculator.open) {
      closeCalculator();
      return;
    }
    calculator.show();
    calcInput.focus();
  });
  calcClose.addEventListener("click", closeCalculator);
  calculator.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      closeCalculator();
    } else if (event.key === "Enter" && event.target === calcInput) {
      event.preventDefault();
      showResult();
    }
  });
  calcKeys.addEventListener("click", function (event) {
    var key = event.target.getAttribute("data-key");
    if (!key) {
      return;
    }
    if (key === "=") {
      showResult();
    } else if (key === "C") {
      calcInput.value = "";
      calcResult.textContent = "";
    } else if (key === "⌫") {
      calcInput.value = calcInput.value.slice(0, -1);
    } else {
      calcInput.value += key;
    }
  });

  // ---- Keyboard shortcuts and their help dialog ----
  var SHORTCUTS = [
    ["A–E", "Choose option A to E"],
    ["1–9", "Choose the option with that number"],
    ["N", "Next question"],
    ["P", "Previous question"],
    ["F", "Flag or unflag this question"],
    ["Enter", "Check your answer (tutor mode), or go on to the next question"],
    ["?", "Show these shortcuts"],
    ["Esc", "Close a dialog or the question list"]
  ];
  var helpOpen = show("help-open");
  var helpClose = el("button", { type: "button", class: "btn btn-primary" }, ["Close"]);
  var helpList = el("dl", { class: "mb-3" });
  SHORTCUTS.forEach(function (pair) {
    helpList.appendChild(el("dt", {}, [el("kbd", {}, [pair[0]])]));
    helpList.appendChild(el("dd", {}, [pair[1]]));
  });
  var help = el("dialog", { class: "shortcut-help", "aria-labelledby": "shortcut-help-title" }, [
    el("h2", { class: "h5", id: "shortcut-help-title" }, ["Keyboard shortcuts"]),
    el("p", {}, ["They work anywhere on the question page except while you type in a text box."]),
    helpList,
    helpClose
  ]);
  document.body.appendChild(help);
  var opener = null;
  var openHelp = function () {
    opener = document.activeElement;
    help.showModal();
    helpClose.focus();
  };
  helpOpen.addEventListener("click", openHelp);
  helpClose.addEventListener("click", function () { help.close(); });
  help.addEventListener("close", function () {
    if (opener && opener.focus) {
      opener.focus();
    }
  });

  var navigator = document.querySelector(".exam-navigator");
  var typing = function (target) {
    if (target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT") {
      return true;
    }
    return target.tagName === "INPUT" &&
      ["radio", "checkbox", "button", "submit", "reset"].indexOf(target.type) === -1;
  };
  var press = function (name) {
    var button = document.querySelector("[data-shortcut='" + name + "']");
    if (button) {
      button.click();
    }
  };
  var choose = function (index) {
    var inputs = form.querySelectorAll(".answer-choice input[name=answer]");
    var input = inputs[index];
    if (!input || input.disabled) {
      return;
    }
    input.checked = input.type === "radio" ? true : !input.checked;
    input.focus();
    input.dispatchEvent(new Event("change", { bubbles: true }));
  };
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (event.key === "Escape" && navigator && navigator.open) {
      navigator.open = false;
      navigator.querySelector("summary").focus();
      return;
    }
    if (typing(event.target) || help.open || calculator.contains(event.target)) {
      return;
    }
    var key = event.key.toLowerCase();
    var letter = "abcde".indexOf(key);
    var digit = "123456789".indexOf(key);
    if (key === "?") {
      openHelp();
    } else if (letter !== -1 && key.length === 1) {
      choose(letter);
    } else if (digit !== -1 && key.length === 1) {
      choose(digit);
    } else if (key === "n") {
      press("next");
    } else if (key === "p") {
      press("prev");
    } else if (key === "f") {
      press("flag");
    } else {
      return;
    }
    event.preventDefault();
  });
})();
