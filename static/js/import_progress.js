// Keeps each running import's progress current: fetches its fragment every few seconds
// and swaps it in, until the job has ended. Without this script the Refresh link does it.
(function () {
  "use strict";
  var INTERVAL = 2000;

  function poll(job) {
    var url = job.dataset.pollUrl;
    if (!url) return;
    window.setTimeout(function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) throw new Error("status " + response.status);
          return response.text();
        })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html.trim();
          var fresh = holder.firstElementChild;
          if (!fresh) return;
          job.replaceWith(fresh);
          poll(fresh);
        })
        .catch(function () {
          poll(job);
        });
    }, INTERVAL);
  }

  document.querySelectorAll(".import-job[data-poll-url]").forEach(poll);
})();
