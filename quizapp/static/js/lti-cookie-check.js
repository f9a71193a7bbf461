// LTI launch in an LMS frame: continue in the frame when this browser keeps our cookies
// there; otherwise show the message and leave the "new window" link (pylti1p3's fallback).
(function () {
  "use strict";
  var box = document.getElementById("lti-cookie-check");
  if (!box) return;
  document.cookie = "lti_cookie_check=1; SameSite=None; Secure; path=/";
  if (document.cookie.indexOf("lti_cookie_check=1") !== -1) {
    window.location.href = box.dataset.continueUrl;
  } else {
    document.getElementById("lti-cookies-blocked").hidden = false;
  }
})();
