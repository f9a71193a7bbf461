// Deep linking: hand the chosen test back to the LMS at once (the button does it without JS).
(function () {
  "use strict";
  var form = document.getElementById("lti-deep-link-return");
  if (form) form.submit();
})();
