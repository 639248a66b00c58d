/* Registration: show only the fields of the kind chosen ("een school" or "een bedrijf").
   A static file, so the Content-Security-Policy needs no inline script. Without JavaScript both
   groups stay visible and the server ignores the other side's fields. */
(function () {
  "use strict";
  var radios = document.querySelectorAll('input[name="kind"]');
  if (!radios.length) { return; }
  var groups = {school: document.querySelectorAll(".kind-school"), company: document.querySelectorAll(".kind-company")};

  function show() {
    var chosen = document.querySelector('input[name="kind"]:checked');
    var kind = chosen ? chosen.value : null;
    Object.keys(groups).forEach(function (name) {
      groups[name].forEach(function (el) { el.hidden = kind !== name; });
    });
  }

  radios.forEach(function (r) { r.addEventListener("change", show); });
  show();
})();
