// Practice-test builder. Without this file the server adds and removes parts, totals them and
// checks every count when the form is posted. With it, the total and each part's check follow
// what is typed: a part asking for more questions than its bank or topic holds says so at once.
(function () {
  "use strict";

  var form = document.getElementById("blueprint-form");
  var total = document.getElementById("blueprint-total");
  if (!form || !total) { return; }
  var max = parseInt(total.getAttribute("data-max"), 10);

  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  function update() {
    var sum = 0;
    form.querySelectorAll(".blueprint-part").forEach(function (part, index) {
      var select = part.querySelector("select");
      var count = parseInt(part.querySelector("input[type=number]").value, 10);
      var check = part.querySelector(".part-check");
      var option = select.options[select.selectedIndex];
      var message = "";
      if (select.value && count > 0) {
        sum += count;
        var available = parseInt(option.getAttribute("data-available"), 10);
        if (count > available) {
          message = "Part " + (index + 1) + " asks for " + count + " questions; only " +
            available + " are available.";
        }
      }
      if (check.textContent !== message) { check.textContent = message; }
    });
    var text = sum + (sum === 1 ? " question" : " questions");
    if (sum > max) { text += ": more than " + max + ", remove some"; }
    if (total.textContent !== text) { total.textContent = text; }
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
