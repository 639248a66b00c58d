/* Live progress of a reactivation run: polls the JSON endpoint named in data-progress-url on the
   run page and fills the elements marked data-k="<field>". A static file, so the page needs no
   inline script (Content-Security-Policy: script-src 'self'). */
(function () {
  "use strict";
  var root = document.querySelector("[data-progress-url]");
  if (!root) { return; }
  var url = root.dataset.progressUrl;

  function show(p) {
    document.querySelectorAll("[data-k]").forEach(function (el) {
      if (p[el.dataset.k] !== undefined) { el.textContent = p[el.dataset.k]; }
    });
    var bar = document.getElementById("run-progress");
    if (bar) { bar.max = p.total || 1; bar.value = p.done; }
  }

  function tick() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (p) {
        show(p);
        if (p.status === "running" || p.status === "created") {
          setTimeout(tick, 2000);
        } else {
          var st = document.getElementById("run-status");
          if (st) { st.textContent = p.status_label || p.status; st.className = "status status-" + p.status; }
        }
      })
      .catch(function () { setTimeout(tick, 5000); });
  }

  setTimeout(tick, 1000);
})();
