// Confirmation dialogs. Without this file a destructive button is a link to a confirmation page
// (GET) whose form makes the change (POST). With it, the same question comes in a modal
// <dialog> on the page itself:
//   <a href="URL" data-confirm="Question?" data-confirm-detail="What happens."
//      data-confirm-label="Do it" data-confirm-token="CSRF token">  -> the dialog POSTs to URL;
//   <form data-confirm="Question?" data-confirm-detail=... data-confirm-label=...> -> the dialog
//      submits that form.
// The dialog is modal (focus stays inside, Escape cancels), Cancel has the focus first, and
// focus returns to the button that opened it.
(function () {
  "use strict";

  if (typeof HTMLDialogElement !== "function") {
    return; // old browsers keep the confirmation page
  }

  var dialog, title, detail, form, token, confirmButton, opener, pendingForm;

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
    form.addEventListener("submit", function (event) {
      if (pendingForm) {
        event.preventDefault();
        var target = pendingForm;
        dialog.close();
        HTMLFormElement.prototype.submit.call(target);
      }
    });
    dialog.addEventListener("close", function () {
      pendingForm = null;
      if (opener && document.contains(opener)) { opener.focus(); }
    });
  }

  // `source` carries the data-confirm attributes; focus returns to `trigger` afterwards.
  function open(source, trigger, action, csrf) {
    if (!dialog) { build(); }
    opener = trigger;
    title.textContent = source.getAttribute("data-confirm");
    detail.textContent = source.getAttribute("data-confirm-detail") || "";
    confirmButton.textContent = source.getAttribute("data-confirm-label") || "Confirm";
    form.setAttribute("action", action || "");
    token.value = csrf || "";
    dialog.showModal();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-confirm]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    pendingForm = null;
    open(link, link, link.getAttribute("href"), link.getAttribute("data-confirm-token"));
  });

  document.addEventListener("submit", function (event) {
    var target = event.target;
    if (!target.matches("form[data-confirm]")) {
      return;
    }
    event.preventDefault();
    open(target, event.submitter || target, null, null);
    pendingForm = target;
  });
})();
