// Confirmation dialogs. Without this file a destructive button is a link to a confirmation page
// (GET) whose form makes the change (POST). With it, the same question comes in a modal
// <dialog> on the page itself, whose form POSTs to the same URL:
//   <a href="URL" data-confirm="Question?" data-confirm-detail="What happens."
//      data-confirm-label="Do it" data-confirm-token="CSRF token">
// (templates/_macros/confirm.html writes these links.)
// The dialog is modal (focus stays inside, Escape cancels), Cancel has the focus first, and
// focus returns to the button that opened it.
(function () {
  "use strict";

  if (typeof HTMLDialogElement !== "function") {
    return; // old browsers keep the confirmation page
  }

  var dialog, title, detail, form, token, confirmButton, opener;

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function build() {
    dialog = element("dialog", {
      "class": "confirm-dialog border rounded-3 shadow p-4 bg-body text-body",
      "aria-labelledby": "confirm-dialog-title",
      "aria-describedby": "confirm-dialog-detail"
    });
    form = element("form", { method: "post" });
    title = element("h2", { id: "confirm-dialog-title", "class": "h5" });
    detail = element("p", { id: "confirm-dialog-detail" });
    token = element("input", { type: "hidden", name: "csrf_token" });
    var buttons = element("div", { "class": "d-flex flex-wrap gap-2 justify-content-end" });
    var cancel = element("button", { type: "button", "class": "btn btn-outline-secondary", autofocus: "" }, "Cancel");
    confirmButton = element("button", { type: "submit", "class": "btn btn-danger" });
    buttons.append(cancel, confirmButton);
    form.append(title, detail, token, buttons);
    dialog.append(form);
    document.body.append(dialog);

    cancel.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () {
      if (opener && document.contains(opener)) { opener.focus(); }
    });
  }

  function open(link) {
    if (!dialog) { build(); }
    opener = link;
    title.textContent = link.getAttribute("data-confirm");
    detail.textContent = link.getAttribute("data-confirm-detail") || "";
    confirmButton.textContent = link.getAttribute("data-confirm-label") || "Confirm";
    form.setAttribute("action", link.getAttribute("href"));
    token.value = link.getAttribute("data-confirm-token") || "";
    dialog.showModal();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-confirm]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    open(link);
  });
})();
