/* Ask before a form with data-confirm="question" is sent (e.g. merging or splitting a cluster).
   A static file instead of onsubmit="...", so the Content-Security-Policy needs no inline code.
   Without JavaScript the form is sent as it is; the server checks everything anyway. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
