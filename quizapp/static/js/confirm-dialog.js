// Confirmation in a dialog: a link marked data-confirm-dialog="id" opens the <dialog> with
// that id instead of the confirmation page it leads to without JavaScript.
(function () {
  "use strict";

  document.querySelectorAll("[data-confirm-dialog]").forEach(function (opener) {
    var dialog = document.getElementById(opener.getAttribute("data-confirm-dialog"));
    if (!dialog || typeof dialog.showModal !== "function") {
      return;  // the link still leads to the confirmation page
    }
    opener.addEventListener("click", function (event) {
      event.preventDefault();
      dialog.showModal();
      var stay = dialog.querySelector("[data-close-dialog]");
      if (stay) {
        stay.focus();  // the choice that changes nothing comes first
      }
    });
    dialog.querySelectorAll("[data-close-dialog]").forEach(function (button) {
      button.addEventListener("click", function () {
        dialog.close();
        opener.focus();
      });
    });
  });
})();
