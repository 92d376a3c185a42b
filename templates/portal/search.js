// Search across the portal's titles and texts: loads search/index.json and its shards (one per
// committee and year), then matches every word of the query, case- and accent-insensitively.
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.getElementById("search");
  var input = document.getElementById("q");
  var status = document.getElementById("status");
  var list = document.getElementById("results");
  var entries = null;

  function fold(text) {
    return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function load() {
    if (entries) { return Promise.resolve(entries); }
    return fetch("search/index.json").then(function (r) { return r.json(); }).then(function (index) {
      return Promise.all(index.shards.map(function (name) {
        return fetch("search/" + name).then(function (r) { return r.json(); });
      }));
    }).then(function (shards) {
      entries = [].concat.apply([], shards).map(function (e) {
        e.haystack = fold([e.title, e.reference, e.kind, e.text].join(" "));
        return e;
      });
      return entries;
    });
  }

  function show(query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!words.length) { status.textContent = ""; return; }
    status.textContent = script.dataset.loading;
    load().then(function (all) {
      var shown = {};
      var hits = all.filter(function (e) {
        var key = e.href + "|" + e.title;  // a paper on several meetings is one hit
        if (shown[key] || !words.every(function (w) { return e.haystack.indexOf(w) !== -1; })) { return false; }
        shown[key] = true;
        return true;
      });
      hits.slice(0, 200).forEach(function (e) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = e.href;
        link.textContent = e.title + (e.reference ? " (" + e.reference + ")" : "");
        item.appendChild(link);
        item.appendChild(document.createTextNode(" – " + e.kind + ", " + e.date));
        list.appendChild(item);
      });
      status.textContent = hits.length ? script.dataset.count.replace("{count}", hits.length) : script.dataset.none;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    show(input.value);
  });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; show(initial); }
}());
