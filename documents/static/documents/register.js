// Search-as-you-type for the paper desk: the page's GET search form works without it; this
// only fills the same result list while the clerk types (no inline script: CSP).
(function () {
  "use strict";
  var form = document.getElementById("sender-search");
  var input = document.getElementById("id_q");
  var list = document.getElementById("sender-results-list");
  var status = document.getElementById("sender-results-status");
  if (!form || !input || !list || !window.fetch) { return; }
  var timer = null;
  var asked = "";
  function show(results, q) {
    if (q !== input.value.trim()) { return; }  // an older answer arriving late
    list.textContent = "";
    results.forEach(function (c) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "?korespondent=" + encodeURIComponent(c.id);
      link.textContent = c.name;
      item.appendChild(link);
      if (c.address) { item.appendChild(document.createTextNode(", " + c.address)); }
      list.appendChild(item);
    });
    status.textContent = results.length + " \u2013 " + (form.dataset.found || "");
  }
  function search() {
    var q = input.value.trim();
    if (q === asked) { return; }
    asked = q;
    if (q.length < 2) { list.textContent = ""; status.textContent = ""; return; }
    fetch(form.dataset.json + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) { show(data.results || [], q); })
      .catch(function () { /* the search button still works */ });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
}());
