/* Topic suggestions as you type: refreshes the <datalist> from /api/taxonomie/onderwerp?q=.
   The form works without this script (the datalist is filled on the server with the whole list).
   The list never empties while typing: an empty or failed answer keeps what is shown, and only the
   answer to the latest keystroke is used (an earlier, slower answer is dropped). */
(function () {
  var input = document.querySelector('input[list="topic-suggestions"]');
  var list = document.getElementById('topic-suggestions');
  if (!input || !list || !window.fetch) return;
  var initial = Array.prototype.map.call(list.options, function (o) { return o.value; });
  var timer = null;
  var latest = 0;

  function fill(values) {
    var seen = {};
    list.innerHTML = '';
    values.forEach(function (value) {
      if (seen[value]) return;
      seen[value] = true;
      var opt = document.createElement('option');
      opt.value = value;
      list.appendChild(opt);
    });
  }

  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var text = input.value.trim();
      if (!text) { fill(initial); return; }
      var ticket = ++latest;
      var url = list.getAttribute('data-source') + '?q=' + encodeURIComponent(text);
      fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (ticket !== latest || !data || !data.results.length) return;
          fill(data.results.map(function (item) { return item.value; }));
        })
        .catch(function () {});
    }, 150);
  });
})();
