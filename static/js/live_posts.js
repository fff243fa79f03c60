// Appends posts archived since the last poll to a live chat's page, every 15 s.
// The page is complete without this script; it only saves a reload.
(function () {
  "use strict";
  var list = document.getElementById("posts");
  if (!list || !list.dataset.liveUrl) return;
  var INTERVAL_MS = 15000;

  function lastSeen() {
    var ids = Array.prototype.map.call(list.querySelectorAll("[data-placement]"), function (el) {
      return parseInt(el.dataset.placement, 10) || 0;
    });
    return ids.length ? Math.max.apply(null, ids) : 0;
  }

  function poll() {
    if (document.hidden) return;
    fetch(list.dataset.liveUrl + "?after=" + lastSeen(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (!html.trim()) return;
        list.insertAdjacentHTML("beforeend", html);
        var empty = document.getElementById("posts-empty");
        if (empty) empty.remove();
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  setInterval(poll, INTERVAL_MS);
})();
