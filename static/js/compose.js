// The live page's compose box: counts the post as X counts it (the server does, with
// twitter-text), sends it without leaving the page, offers "Reply" on each post, keeps
// the "answering Qn" chip on the current question, and suggests the chat's participants
// after "@". Without this script the form still
// posts and comes back with a message; a refused text comes back in the box.
(function () {
  "use strict";
  var form = document.getElementById("compose-form");
  if (!form) return;
  var text = document.getElementById("compose-text");
  var count = document.getElementById("compose-count");
  var error = document.getElementById("compose-error");
  var status = document.getElementById("compose-status");
  var send = document.getElementById("compose-send");
  var replyTo = document.getElementById("compose-reply-to");
  var replying = document.getElementById("compose-replying");
  var replyingText = document.getElementById("compose-replying-text");
  var chip = document.getElementById("compose-chip");
  var answering = document.getElementById("compose-answering");
  var list = document.getElementById("posts");
  var question = document.getElementById("current-question");
  var sending = false;
  var timer = null;
  var asked = 0;

  // --- counter -----------------------------------------------------------------------

  function showCount(result) {
    var parts = [result.length + " of " + result.max + " characters, as X counts them"];
    if (result.has_link) {
      parts.push(result.links_allowed
        ? "this post has a link: X charges $" + result.cost + " for it"
        : "links are not allowed from this site");
    }
    count.textContent = parts.join("; ") + ".";
    count.classList.toggle("over", !result.valid || (result.has_link && !result.links_allowed));
  }

  function recount() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var params = new URLSearchParams({ text: text.value });
      if (answering && answering.checked && answering.value) params.set("answering", answering.value);
      asked += 1;
      var mine = asked;
      fetch(form.dataset.countUrl + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (result) { if (result && mine === asked) showCount(result); })
        .catch(function () { /* the count returns with the next keystroke */ });
    }, 250);
  }

  // --- errors and status -------------------------------------------------------------

  function showError(message) {
    error.textContent = message;
    error.hidden = !message;
    if (message) text.setAttribute("aria-invalid", "true");
    else text.removeAttribute("aria-invalid");
    var described = (text.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== "compose-error";
    });
    if (message) described.push("compose-error");
    text.setAttribute("aria-describedby", described.join(" "));
  }

  // --- replies -----------------------------------------------------------------------

  function cancelReply() {
    replyTo.value = "";
    replying.hidden = true;
  }

  function authorOf(post) {
    var name = post.querySelector(".post-meta strong");
    return name ? name.textContent.trim() : "this post";
  }

  function offerReply(post) {
    if (!post.dataset.placement || post.dataset.withdrawn || post.querySelector(".reply-button")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "reply-button secondary small";
    button.textContent = "Reply";
    button.setAttribute("aria-label", "Reply to " + authorOf(post));
    button.addEventListener("click", function () {
      replyTo.value = post.dataset.placement;
      replyingText.textContent = "Replying to " + authorOf(post);
      replying.hidden = false;
      text.focus();
    });
    post.appendChild(button);
  }

  function offerReplies() {
    if (!list) return;
    list.querySelectorAll("li[data-placement]").forEach(offerReply);
  }

  // --- the current question ----------------------------------------------------------

  function followQuestion() {
    if (!question || !chip || !answering) return;
    var label = question.querySelector("[data-question]");
    var number = label ? label.dataset.question : "";
    if (!number || number === answering.value) return;
    answering.value = number;
    answering.checked = true;
    document.getElementById("compose-chip-label").textContent = "Q" + number;
    document.getElementById("compose-chip-prefix").textContent = number;
    chip.hidden = false;
    recount();
  }

  // --- mentions ----------------------------------------------------------------------
  // The chat's participants as the list shows them (it grows as posts arrive): typing
  // "@ad" offers "@adaquill"; arrows choose, Enter or Tab takes, Escape closes.

  var mentions = document.getElementById("compose-mentions");
  var mentionsHint = document.getElementById("compose-mentions-hint");
  var options = [];
  var active = -1;

  function participants() {
    var seen = {};
    var handles = [];
    if (!list) return handles;
    list.querySelectorAll("li.post .post-meta").forEach(function (meta) {
      var found = /@(\w{1,15})/.exec(meta.textContent);
      if (found && !seen[found[1].toLowerCase()]) {
        seen[found[1].toLowerCase()] = true;
        handles.push(found[1]);
      }
    });
    return handles;
  }

  function typedMention() {
    var before = text.value.slice(0, text.selectionStart);
    var found = /(^|[^\w@])@(\w{0,15})$/.exec(before);
    return found ? found[2] : null;
  }

  function closeMentions() {
    mentions.hidden = true;
    mentions.replaceChildren();
    options = [];
    active = -1;
    text.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
    active = index;
    if (index >= 0) text.setAttribute("aria-activedescendant", options[index].id);
    else text.removeAttribute("aria-activedescendant");
  }

  function take(handle) {
    var caret = text.selectionStart;
    var before = text.value.slice(0, caret).replace(/@\w{0,15}$/, "@" + handle + " ");
    text.value = before + text.value.slice(caret);
    text.setSelectionRange(before.length, before.length);
    closeMentions();
    text.focus();
    recount();
  }

  function suggest() {
    var partial = typedMention();
    if (partial === null || !mentions) return closeMentions();
    var lower = partial.toLowerCase();
    var matches = participants().filter(function (handle) {
      return handle.toLowerCase().indexOf(lower) === 0 && handle.toLowerCase() !== lower;
    }).slice(0, 6);
    if (!matches.length) return closeMentions();
    mentions.replaceChildren();
    options = matches.map(function (handle, i) {
      var option = document.createElement("li");
      option.id = "compose-mention-" + i;
      option.setAttribute("role", "option");
      option.textContent = "@" + handle;
      option.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep the focus (and the caret) in the box
        take(handle);
      });
      mentions.appendChild(option);
      return option;
    });
    mentions.hidden = false;
    highlight(0);
    mentionsHint.textContent = matches.length + (matches.length === 1 ? " person" : " people") +
      " to mention: arrow keys to choose, Enter to take.";
  }

  function mentionKeys(event) {
    if (mentions.hidden || !options.length || event.ctrlKey || event.metaKey) return false;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + options.length) % options.length);
    } else if (event.key === "Enter" || event.key === "Tab") {
      take(options[Math.max(active, 0)].textContent.slice(1));
    } else if (event.key === "Escape") {
      closeMentions();
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }

  // --- sending -----------------------------------------------------------------------

  function finish(result) {
    form.elements.key.value = result.key;
    if (result.status === "refused") {
      showError(result.message);
      send.textContent = "Try again";
      status.textContent = "";
      return;
    }
    showError("");
    status.textContent = result.message;
    send.textContent = "Post";
    text.value = "";
    cancelReply();
    recount();
    document.dispatchEvent(new CustomEvent("live:refresh"));
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    // One post per press: a second click while the first is on its way does nothing (and
    // the server would answer it with the first one's result, by the key).
    if (sending) return;
    sending = true;
    send.disabled = true;
    status.textContent = "Sending…";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().catch(function () {
          return { status: "refused", message: "The site could not take the post: try again.", key: form.elements.key.value };
        });
      })
      .then(finish)
      .catch(function () {
        // The key stays: if the post did arrive, trying again returns it instead of a second one.
        showError("The site could not be reached. Your text is kept: try again.");
        send.textContent = "Try again";
        status.textContent = "";
      })
      .finally(function () {
        sending = false;
        send.disabled = false;
      });
  });

  text.addEventListener("keydown", function (event) {
    if (mentionKeys(event)) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  text.addEventListener("input", function () {
    recount();
    suggest();
  });
  text.addEventListener("blur", function () { setTimeout(closeMentions, 150); });
  if (answering) answering.addEventListener("change", recount);
  document.getElementById("compose-reply-cancel").addEventListener("click", function () {
    cancelReply();
    text.focus();
  });

  offerReplies();
  if (list) new MutationObserver(offerReplies).observe(list, { childList: true });
  if (question) new MutationObserver(followQuestion).observe(question, { childList: true });
  recount();
})();
