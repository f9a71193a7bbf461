// Custom-test builder. Without this file the server already reads "All of X" as the whole bank
// and the error summary has the autofocus attribute. With it: ticking "All of X" ticks the
// bank's topics (and unticking one topic unticks "All of X"), and the error summary is focused
// in browsers that ignore autofocus on it.
(function () {
  "use strict";

  var summary = document.getElementById("error-summary");
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    var bank = box.getAttribute("data-whole-bank");
    if (bank) {
      document.querySelectorAll('input[data-bank="' + CSS.escape(bank) + '"]').forEach(function (topic) {
        topic.checked = box.checked;
      });
      return;
    }
    bank = box.getAttribute("data-bank");
    if (bank && !box.checked) {
      var whole = document.querySelector('input[data-whole-bank="' + CSS.escape(bank) + '"]');
      if (whole) { whole.checked = false; }
    }
  });
})();
