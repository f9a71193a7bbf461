// Runs in <head>, before the page is drawn: marks the page as scripted (the no-JS menu rules in
// app.css stop applying) and mirrors the system's light or dark setting into Bootstrap's
// data-bs-theme, following it when it changes. The colours themselves come from app.css.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var apply = function () {
    root.setAttribute("data-bs-theme", dark && dark.matches ? "dark" : "light");
  };
  apply();
  if (dark && dark.addEventListener) {
    dark.addEventListener("change", apply);
  }
})();
