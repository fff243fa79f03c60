// Adds posts archived since the last poll to a live chat's page, in post-time order and
// never twice, every few seconds while the tab is visible. A reader who scrolled up is
// not moved: a "N new posts" button takes them to the first unseen post instead.
// The page is complete without this script; it only saves a reload.
(function () {
  "use strict";
  var list = document.getElementById("posts");
  if (!list || !list.dataset.liveUrl) return;
  var interval = parseInt(list.dataset.pollMs, 10) || 5000;
  var notice = document.getElementById("live-new-posts");
  var question = document.getElementById("current-question");
  var refresh = document.getElementById("live-refresh");
  var unseen = [];
  var busy = false;

  if (refresh) refresh.hidden = true;

  function timeOf(el) {
    return Date.parse(el.dataset.created) || 0;
  }

  function placementOf(el) {
    return parseInt(el.dataset.placement, 10) || 0;
  }

  // The highest placement id received, kept rather than read off the list: a post an edit
  // replaced leaves the list, and the next poll must not ask for it (and what follows) again.
  var last = 0;
  list.querySelectorAll("li[data-placement]").forEach(function (el) {
    last = Math.max(last, placementOf(el));
  });

  function atBottom() {
    return list.getBoundingClientRect().bottom <= window.innerHeight + 40;
  }

  function alreadyShown(post) {
    if (post.id && document.getElementById(post.id)) return true;
    return !!list.querySelector('li[data-placement="' + post.dataset.placement + '"]');
  }

  // A late post (earlier time, later arrival) goes where its time puts it.
  function insertInOrder(post) {
    var when = timeOf(post);
    var items = list.querySelectorAll("li[data-placement]");
    for (var i = items.length - 1; i >= 0; i--) {
      if (timeOf(items[i]) <= when) {
        items[i].after(post);
        return;
      }
    }
    list.prepend(post);
  }

  function updateQuestion(template) {
    if (!question || !template) return;
    var when = Date.parse(template.dataset.created) || 0;
    var shown = Date.parse(question.dataset.created || "") || 0;
    if (!question.hidden && when < shown) return;
    question.replaceChildren(template.content.cloneNode(true));
    question.dataset.created = template.dataset.created;
    question.hidden = false;
  }

  function firstUnseen() {
    return unseen.reduce(function (first, post) {
      return !first || timeOf(post) < timeOf(first) ? post : first;
    }, null);
  }

  // One button, updated in place, so that a reader whose focus is on it keeps it while
  // more posts arrive.
  var button = document.createElement("button");
  button.type = "button";
  button.className = "live-new-button";
  button.addEventListener("click", function () {
    clearUnseen(true);
  });

  function showNotice() {
    if (!notice) return;
    if (!unseen.length) {
      if (document.activeElement === button) {
        list.tabIndex = -1;
        list.focus();
      }
      button.remove();
      return;
    }
    button.textContent = unseen.length + (unseen.length === 1 ? " new post" : " new posts");
    if (!button.isConnected) notice.appendChild(button);
  }

  // Marks the new posts seen, and with `go` takes the reader to the first of them. Focus
  // on the vanishing button moves to that post rather than falling back to <body>.
  function clearUnseen(go) {
    var target = firstUnseen();
    var hadFocus = document.activeElement === button;
    unseen.forEach(function (post) { post.classList.remove("post-new"); });
    unseen = [];
    showNotice();
    if (!target || !target.isConnected) return;
    if (hadFocus) {
      target.tabIndex = -1;
      target.focus({ preventScroll: true });
    }
    if (go) target.scrollIntoView({ block: "start" });
  }

  // Posts hidden by a moderator or removed by their author after the page showed them:
  // the placeholder takes their place (a version an edit replaced just goes).
  function withdraw(template) {
    if (!template) return;
    template.content.querySelectorAll("li[data-placement]").forEach(function (stub) {
      var selector = 'li[data-placement="' + stub.dataset.placement + '"]:not([data-withdrawn])';
      var shown = list.querySelector(selector);
      if (!shown) return;
      if (stub.dataset.withdrawn === "replaced") shown.remove();
      else shown.replaceWith(stub.cloneNode(true));
      unseen = unseen.filter(function (post) { return post !== shown; });
    });
    showNotice();
  }

  function add(html) {
    var parsed = document.createElement("template");
    parsed.innerHTML = html;
    withdraw(parsed.content.querySelector("template[data-withdrawn]"));
    var follow = atBottom();
    var added = [];
    parsed.content.querySelectorAll("li[data-placement]").forEach(function (post) {
      last = Math.max(last, placementOf(post));
      if (alreadyShown(post)) return;
      insertInOrder(post);
      added.push(post);
    });
    updateQuestion(parsed.content.querySelector("template[data-current-question]"));
    if (!added.length) return;
    var empty = document.getElementById("posts-empty");
    if (empty) empty.remove();
    if (follow) {
      list.lastElementChild.scrollIntoView({ block: "end" });
    } else {
      added.forEach(function (post) { post.classList.add("post-new"); });
      unseen = unseen.concat(added);
      showNotice();
    }
  }

  // The chat is over (the poll says so): stop polling and stop saying "Live now".
  function ended(status) {
    clearInterval(timer);
    document.querySelectorAll(".chat-status .badge.live").forEach(function (badge) {
      badge.className = "badge " + status;
      badge.textContent = status === "cancelled" ? "Cancelled" : "Ended";
    });
    var updating = document.querySelector("#posts-heading .meta");
    if (updating) updating.textContent = "(the chat has ended: the transcript has them all)";
  }

  function poll() {
    if (document.hidden || busy) return;
    busy = true;
    fetch(list.dataset.liveUrl + "?after=" + last, { credentials: "same-origin" })
      .then(function (response) {
        var status = response.headers.get("X-Chat-Status");
        if (status && status !== "live") ended(status);
        return response.ok ? response.text() : "";
      })
      .then(function (html) { if (html.trim()) add(html); })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .finally(function () { busy = false; });
  }

  window.addEventListener("scroll", function () {
    if (unseen.length && atBottom()) clearUnseen(false);
  }, { passive: true });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) poll();
  });
  // compose.js asks for this after a post is sent: it shows up without waiting.
  document.addEventListener("live:refresh", poll);
  var timer = setInterval(poll, interval);
})();
