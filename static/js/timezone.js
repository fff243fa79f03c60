// Remembers the browser's time zone in the `tz` cookie and reloads once, so that
// the server can show chat times in it. The page has already rendered (in UTC
// or the chosen zone), so this never blocks it; with no cookie support, no
// Intl, or a reload already tried in this tab, it does nothing.
(function () {
  "use strict";
  var COOKIE = "tz";
  var TRIED = "hc-tz-reloaded";

  function hasCookie() {
    return document.cookie.split(/;\s*/).some(function (pair) {
      return pair.indexOf(COOKIE + "=") === 0;
    });
  }

  function browserZone() {
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      return /^[A-Za-z0-9_+\-\/]+$/.test(zone || "") ? zone : null;
    } catch (error) {
      return null;
    }
  }

  function firstTry() {
    try {
      if (window.sessionStorage.getItem(TRIED)) {
        return false;
      }
      window.sessionStorage.setItem(TRIED, "1");
      return true;
    } catch (error) {
      return false;
    }
  }

  if (hasCookie()) {
    return;
  }
  var zone = browserZone();
  if (!zone) {
    return;
  }
  var secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = COOKIE + "=" + zone + "; path=/; max-age=31536000; SameSite=Lax" + secure;
  if (zone !== "UTC" && hasCookie() && firstTry()) {
    window.location.reload();
  }
})();
