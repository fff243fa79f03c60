// Turns "Starts in 2 days, 3 hours" (rendered by the server) into a live
// countdown. Reads the start instant from data-start (ISO 8601, UTC).
(function () {
  "use strict";
  var timers = document.querySelectorAll("[data-countdown][data-start]");
  if (!timers.length) {
    return;
  }

  function unit(count, name) {
    return count + " " + name + (count === 1 ? "" : "s");
  }

  function describe(milliseconds) {
    if (milliseconds <= 0) {
      return "Starting now: reload the page to follow the chat";
    }
    var seconds = Math.floor(milliseconds / 1000);
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var parts = [];
    if (days) {
      parts.push(unit(days, "day"));
    }
    if (days || hours) {
      parts.push(unit(hours, "hour"));
    }
    parts.push(unit(minutes, "minute"));
    if (!days) {
      parts.push(unit(seconds % 60, "second"));
    }
    return "Starts in " + parts.join(", ");
  }

  function tick() {
    var now = Date.now();
    timers.forEach(function (timer) {
      var start = Date.parse(timer.getAttribute("data-start"));
      if (!isNaN(start)) {
        timer.textContent = describe(start - now);
      }
    });
  }

  tick();
  window.setInterval(tick, 1000);
})();
