/* Topic suggestions as you type: refreshes the <datalist> from /api/taxonomie/onderwerp?q=.
   The form works without this script (the datalist is filled on the server). */
(function () {
  var input = document.querySelector('input[list="topic-suggestions"]');
  var list = document.getElementById('topic-suggestions');
  if (!input || !list || !window.fetch) return;
  var timer = null;
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var url = list.getAttribute('data-source') + '?q=' + encodeURIComponent(input.value);
      fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          list.innerHTML = '';
          data.results.forEach(function (item) {
            var opt = document.createElement('option');
            opt.value = item.value;
            list.appendChild(opt);
          });
        })
        .catch(function () {});
    }, 150);
  });
})();
