/* The desk: live timers, lease renewal, keyboard shortcuts and the outcome form's helpers (also on
 * the pages of an inbound call: the search and the person's file).
 *
 * No inline script (CSP): everything reads data attributes of the page, and every handler is
 * delegated to the document, so that it keeps working when htmx swaps #desk.
 */
(function () {
  "use strict";

  var URGENT_MS = 2 * 3600 * 1000;
  var renewal = { assignment: null, lastAt: 0, lost: false, busy: false };

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function elapsed(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    return (h ? h + ":" + pad(m) : m) + ":" + pad(s % 60);
  }

  function remaining(ms) {
    var minutes = Math.floor(ms / 60000);
    if (minutes < 1) return "< 1 min";
    var h = Math.floor(minutes / 60);
    return h ? h + " h " + pad(minutes % 60) + " min" : minutes + " min";
  }

  function tickTimers(now) {
    document.querySelectorAll("[data-since]").forEach(function (el) {
      var since = Number(el.dataset.since) * 1000;
      if (since) el.textContent = elapsed(now - since);
    });
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = Number(el.dataset.deadline) * 1000 - now;
      el.classList.toggle("countdown--overdue", left <= 0);
      el.classList.toggle("countdown--urgent", left > 0 && left < URGENT_MS);
      el.textContent = left <= 0 ? el.dataset.overdueLabel || "overdue" : remaining(left);
    });
  }

  /* --- Lease renewal: the call stays the agent's while the page is open. ---------------- */

  function show(id, visible) {
    var el = document.getElementById(id);
    if (el) el.hidden = !visible;
  }

  function renew(form) {
    if (renewal.busy || renewal.lost) return;
    renewal.busy = true;
    renewal.lastAt = Date.now();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (response.status === 409) {
          renewal.lost = true;
          show("lease-lost", true);
        } else if (!response.ok) {
          show("lease-error", true);
        } else {
          show("lease-error", false);
        }
      })
      .catch(function () {
        show("lease-error", true);
      })
      .finally(function () {
        renewal.busy = false;
      });
  }

  function tickRenewal(now) {
    var form = document.getElementById("renew-form");
    if (!form) {
      renewal.assignment = null;
      return;
    }
    var card = document.getElementById("contact-card");
    var assignment = card ? card.dataset.assignmentId : form.action;
    if (assignment !== renewal.assignment) {
      // A new call: its lease was just granted.
      renewal.assignment = assignment;
      renewal.lastAt = now;
      renewal.lost = false;
    }
    if (renewal.lost) {
      show("lease-lost", true);
      return;
    }
    var every = (Number(form.dataset.renewSeconds) || 300) * 1000;
    if (now - renewal.lastAt >= every) renew(form);
  }

  /* --- Notices: what changed without this page (a supervisor's action, a lost session). -- */

  var desk = { interrupted: false };

  function showNotice(text, options) {
    var notice = document.getElementById("desk-notice");
    if (!notice) return;
    document.getElementById("desk-notice-text").textContent = text;
    var link = document.getElementById("desk-notice-continue");
    if (options && options.href) {
      link.href = options.href;
      link.textContent = options.label;
    }
    var info = !!(options && options.info);
    // A status changed: the desk is drawn again, the notice only says why. A call lost: the
    // agent reads the notice, then goes on.
    notice.classList.toggle("desk-notice--info", info);
    link.hidden = info;
    document.getElementById("desk-notice-close").hidden = !info;
    notice.hidden = false;
  }

  document.addEventListener("click", function (event) {
    if (event.target.id === "desk-notice-close") document.getElementById("desk-notice").hidden = true;
  });

  // The call on the screen is no longer the agent's: say why, and keep what she typed in sight
  // (its draft is on the server), but record nothing more on it.
  function interrupt(text, options) {
    if (desk.interrupted) return;
    desk.interrupted = true;
    stopDrafts();
    showNotice(text, options);
    var deskEl = document.getElementById("desk");
    if (deskEl) deskEl.classList.add("desk--interrupted");
    var button = document.getElementById("record-outcome");
    if (button) button.disabled = true;
  }

  function loggedOut() {
    var notice = document.getElementById("desk-notice");
    if (!notice) return;
    poll.stopped = true;
    interrupt(notice.dataset.loggedOut, {
      href: notice.dataset.loginHref,
      label: notice.dataset.loginLabel,
    });
  }

  function refreshDesk() {
    var deskEl = document.getElementById("desk");
    if (deskEl && window.htmx) {
      window.htmx.ajax("GET", deskEl.dataset.refreshUrl, { target: "#desk", swap: "outerHTML" });
    }
  }

  /* --- Messages from supervisors: each stays in sight until the agent marks it read. ------- */

  // Ids marked read on this page: an answer to a poll sent before the click does not bring them
  // back.
  var readMessages = {};

  function messageList() {
    return document.getElementById("desk-messages-list");
  }

  function updateMessagesPanel() {
    var section = document.getElementById("desk-messages");
    var list = messageList();
    if (section && list) section.hidden = !list.querySelector("[data-message-id]");
  }

  // The unread messages the server knows of: new ones are added (oldest first, as sent), ones
  // read meanwhile (in another tab) leave. Text goes in as text, never as markup.
  function showMessages(unread) {
    var list = messageList();
    var template = document.getElementById("desk-message-template");
    if (!list || !template || !Array.isArray(unread)) return;
    var wanted = {};
    unread.forEach(function (message) {
      wanted[message.id] = true;
    });
    list.querySelectorAll("[data-message-id]").forEach(function (item) {
      if (!wanted[item.dataset.messageId]) item.remove();
    });
    unread.forEach(function (message) {
      if (readMessages[message.id]) return;
      if (list.querySelector('[data-message-id="' + message.id + '"]')) return;
      var item = template.content.firstElementChild.cloneNode(true);
      item.dataset.messageId = message.id;
      ["author", "scope", "time", "body"].forEach(function (field) {
        item.querySelector("[data-field=" + field + "]").textContent = message[field];
      });
      item.querySelector("time").setAttribute("datetime", message.sent_at);
      item.querySelector("form").action = message.read_url;
      list.appendChild(item);
    });
    updateMessagesPanel();
  }

  // « Lu »: the message leaves at once; if the server did not take it, the next poll brings it
  // back.
  function readMessage(form) {
    var item = form.closest("[data-message-id]");
    if (!item) return;
    var id = item.dataset.messageId;
    var next = item.nextElementSibling || item.previousElementSibling;
    readMessages[id] = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) delete readMessages[id];
      })
      .catch(function () {
        delete readMessages[id];
      });
    item.remove();
    updateMessagesPanel();
    // Keyboard users stay in the list rather than fall back to the top of the page.
    var button = next && next.querySelector("button");
    if (button) button.focus();
  }

  /* --- Heartbeat and poll: the agent is at her desk; has anything changed without it? ----- */

  // Every DESK_POLL_SECONDS while the tab is visible, every DESK_HEARTBEAT_SECONDS otherwise.
  // `version` moves with every request of the page itself: an answer computed before the agent's
  // own action is not read as a change made by someone else.
  var poll = { lastAt: 0, busy: false, stopped: false, version: 0 };

  // The call's life as the carrier reports it (ringing, answered...): shown on the card as it
  // comes, without a click. Once the carrier says the person answered, the agent's own
  // « Answered » button has nothing left to say.
  function showCarrier(carrier) {
    var el = document.getElementById("carrier-state");
    if (!el || !carrier) return;
    el.dataset.carrierState = carrier.state;
    el.querySelector("[data-carrier-label]").textContent = carrier.label;
    el.hidden = false;
    if (carrier.state === "answered" && carrier.answered_by === "person") {
      var button = document.getElementById("connected");
      if (button && button.form) button.form.hidden = true;
      // Talk time counts from the carrier's answer: no need to ask for the agent's click.
      var prompt = document.getElementById("answered-prompt");
      if (prompt) prompt.remove();
    }
  }

  function follow(state) {
    if (desk.interrupted) return;
    var card = document.getElementById("contact-card");
    var deskEl = document.getElementById("desk");
    if (card) {
      if (!state.ended && String(state.assignment) === card.dataset.assignmentId) {
        showCarrier(state.carrier);
      }
      if (state.ended) interrupt(state.ended.notice);
      else if (String(state.assignment) !== card.dataset.assignmentId) refreshDesk();
      return;
    }
    if (!deskEl) return;
    if (state.assignment) {
      // A call taken for her elsewhere (another tab, a supervisor's "call now").
      refreshDesk();
    } else if (state.status !== deskEl.dataset.status) {
      refreshDesk();
      showNotice(state.status_notice, { info: true });
    }
  }

  function tickHeartbeat(now) {
    var form = document.getElementById("heartbeat-form");
    if (!form || poll.busy || poll.stopped) return;
    var visible = document.visibilityState === "visible";
    var seconds = visible ? Number(form.dataset.pollSeconds) || 3 : Number(form.dataset.heartbeatSeconds) || 60;
    if (now - poll.lastAt < seconds * 1000) return;
    poll.busy = true;
    poll.lastAt = now;
    var version = poll.version;
    var data = new FormData(form);
    var card = document.getElementById("contact-card");
    if (card) data.append("assignment", card.dataset.assignmentId);
    fetch(form.action, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (response.redirected || response.status === 401 || response.status === 403) {
          loggedOut();
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (state) showMessages(state.messages);
        if (state && version === poll.version) follow(state);
      })
      .catch(function () {
        /* The next beat tries again; the server only acts after several missed minutes. */
      })
      .finally(function () {
        poll.busy = false;
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") poll.lastAt = 0;
  });
  document.body.addEventListener("htmx:beforeRequest", function () {
    poll.version += 1;
  });

  /* --- Drafts: what the agent types on a call's card is kept on the server as she types. --- */

  var DRAFT_DELAY_MS = 700;
  var draft = { timer: null, busy: false, again: false, last: null, assignment: null, stopped: false, pending: null };

  function outcomeForm() {
    var form = document.getElementById("outcome-form");
    return form && form.dataset.draftUrl ? form : null;
  }

  function serialize(form) {
    var params = new URLSearchParams(new FormData(form));
    params.delete("csrfmiddlewaretoken");
    return params.toString();
  }

  function draftState(key, error) {
    var el = document.getElementById("draft-state");
    if (!el) return;
    var text = el.dataset[key] || "";
    if (!error) text += " " + new Date().toLocaleTimeString(document.documentElement.lang || undefined);
    el.textContent = text;
    el.classList.toggle("draft-state--error", !!error);
  }

  function stopDrafts() {
    draft.stopped = true;
    window.clearTimeout(draft.timer);
    draft.timer = null;
  }

  function scheduleDraft() {
    if (draft.stopped || !outcomeForm()) return;
    window.clearTimeout(draft.timer);
    draft.timer = window.setTimeout(saveDraft, DRAFT_DELAY_MS);
  }

  // Returns a promise settled once what is typed is on the server (or could not be put there).
  function saveDraft(leaving) {
    var form = outcomeForm();
    window.clearTimeout(draft.timer);
    draft.timer = null;
    if (!form || draft.stopped) return Promise.resolve();
    var body = serialize(form);
    if (body === draft.last) return Promise.resolve();
    if (draft.busy && !leaving) {
      draft.again = true;
      return draft.pending || Promise.resolve();
    }
    draft.busy = true;
    var assignment = form.dataset.assignmentId;
    draft.pending = fetch(form.dataset.draftUrl, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      // Sent even when the page goes away (a reload typed before the delay ran out).
      keepalive: !!leaving,
    })
      .then(function (response) {
        var current = outcomeForm();
        // The card changed meanwhile, or its outcome is being recorded: nothing to say.
        if (draft.stopped || !current || current.dataset.assignmentId !== assignment) return;
        if (response.redirected) return loggedOut();
        if (response.ok) {
          draft.last = body;
          return draftState("savedLabel");
        }
        if (response.status === 409 || response.status === 404) {
          return response.json().then(function (json) {
            interrupt(json.detail);
          });
        }
        draftState("errorLabel", true);
      })
      .catch(function () {
        draftState("errorLabel", true);
      })
      .finally(function () {
        draft.busy = false;
        draft.pending = null;
        if (draft.again) {
          draft.again = false;
          scheduleDraft();
        }
      });
    return draft.pending;
  }

  // A request that draws the desk again (« Answered », Offline…) draws the card from its draft:
  // what was typed in the last instants goes to the server first.
  document.body.addEventListener("htmx:confirm", function (event) {
    var form = outcomeForm();
    var elt = event.detail.elt;
    if (!form || draft.stopped || event.detail.verb !== "post" || elt === form) return;
    if (serialize(form) === draft.last && !draft.busy) return;
    event.preventDefault();
    saveDraft().then(function () {
      event.detail.issueRequest(true);
    });
  });

  // A new card (or the same one drawn again): what it shows is what the server has.
  function watchCard() {
    var form = outcomeForm();
    var assignment = form ? form.dataset.assignmentId : null;
    if (assignment !== draft.assignment) {
      draft.assignment = assignment;
      draft.last = form ? serialize(form) : null;
      draft.stopped = false;
      desk.interrupted = false;
    } else if (form) {
      draft.stopped = false;
      scheduleDraft();
    }
  }

  window.addEventListener("pagehide", function () {
    if (draft.timer) saveDraft(true);
  });

  function tick() {
    var now = Date.now();
    tickTimers(now);
    tickRenewal(now);
    tickHeartbeat(now);
  }

  /* --- The outcome form -------------------------------------------------------------------- */

  function selectedOutcome() {
    var checked = document.querySelector("#outcome-form input[name=outcome]:checked");
    return checked ? checked.value : "";
  }

  function toggleOutcomeFields() {
    var outcome = selectedOutcome();
    document.querySelectorAll("#outcome-form [data-show-for]").forEach(function (el) {
      el.hidden = el.dataset.showFor !== outcome;
    });
  }

  function isoDate(value) {
    var parts = (value || "").split("-");
    if (parts.length !== 3) return null;
    var d = new Date(Date.UTC(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2])));
    return isNaN(d.getTime()) ? null : d;
  }

  function updateIsolation() {
    var out = document.getElementById("isolation-until");
    if (!out) return;
    var onsetInput = document.getElementById(out.dataset.onsetInput);
    var symptomatic = document.getElementById(out.dataset.symptomaticInput);
    var start = (symptomatic && symptomatic.checked && onsetInput && isoDate(onsetInput.value)) || isoDate(out.dataset.sampleDate);
    if (!start) return;
    start.setUTCDate(start.getUTCDate() + Number(out.dataset.days || 0));
    out.textContent = start.toLocaleDateString(document.documentElement.lang || undefined, {
      day: "numeric",
      month: "long",
      year: "numeric",
      timeZone: "UTC",
    });
  }

  /* --- « Answered »: talk time counts from the click; typing or a conversation without it is
   * prompted, never stamped behind the agent's back. --------------------------------------- */

  var answered = { dismissed: false, assignment: null };

  function answeredPrompt() {
    return document.getElementById("answered-prompt");
  }

  function needsConversation(prompt) {
    var outcome = selectedOutcome();
    return !!outcome && prompt.dataset.outcomes.split(" ").indexOf(outcome) !== -1;
  }

  function showAnsweredPrompt(reason) {
    var prompt = answeredPrompt();
    if (!prompt) return;
    var assignment = prompt.dataset.assignmentId;
    if (assignment !== answered.assignment) {
      answered.assignment = assignment;
      answered.dismissed = false;
    }
    var outcome = selectedOutcome();
    var conversation = needsConversation(prompt);
    if (reason === "outcome") {
      // A conversation chosen: asked again even if put off; another outcome: no talk to count.
      if (conversation) answered.dismissed = false;
      prompt.hidden = !conversation;
      return;
    }
    // Typing: prompted unless put off, or an outcome without a conversation is chosen.
    if (answered.dismissed || (outcome && !conversation)) return;
    prompt.hidden = false;
  }

  document.addEventListener("click", function (event) {
    if (event.target.id === "answered-later") {
      var prompt = answeredPrompt();
      if (prompt) prompt.hidden = true;
      answered.dismissed = true;
    }
  });

  function refresh() {
    toggleOutcomeFields();
    updateIsolation();
    tick();
  }

  /* --- Keyboard ---------------------------------------------------------------------------- */

  function isTyping(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    return ["radio", "checkbox", "button", "submit", "reset"].indexOf(el.type) === -1;
  }

  function press(id) {
    var el = document.getElementById(id);
    if (el && !el.disabled) {
      el.click();
      return true;
    }
    return false;
  }

  function submitOutcome() {
    var button = document.getElementById("record-outcome");
    if (!button || button.disabled) return;
    // A click on the record button, so that htmx sends it as the submitter: never "add a
    // contact" (the form's first button, or the last one clicked).
    button.click();
  }

  function pause(select) {
    // The reason shown in the list: the one the agent picked, or the first one, shown on P.
    if (!select.value && select.options.length > 1) select.selectedIndex = 1;
    return press("status-pause");
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    var form = target.closest ? target.closest("#outcome-form") : null;
    var field = target.tagName === "INPUT" && ["button", "submit", "reset"].indexOf(target.type) === -1;
    if (event.key === "Enter" && form && field) {
      event.preventDefault();
      if (event.shiftKey && target.closest("#contact-rows")) {
        // Shift+Enter in a contact row: one more row, the cursor in it.
        press("add-contact");
      } else {
        // Enter saves, whatever the call: the server checks the form and says what is missing.
        submitOutcome();
      }
      return;
    }
    if (event.key === "Enter" && target.id === "pause-reason") {
      event.preventDefault();
      pause(target);
      return;
    }
    if (event.key === "Escape" && target.id === "pause-reason") {
      target.blur();
      return;
    }
    if (isTyping(target)) return;
    var key = event.key.toLowerCase();
    var handled = false;
    if (key === "n") {
      handled = press("next-call");
    } else if (key === "r") {
      handled = press("status-ready");
    } else if (key === "p") {
      // P shows the reason Enter will use (the first if none is picked); arrows change it.
      var select = document.getElementById("pause-reason");
      if (select && !select.disabled) {
        if (!select.value && select.options.length > 1) select.selectedIndex = 1;
        select.focus();
        handled = true;
      }
    } else if (key === "/") {
      // Someone calls in: straight to the search box (on the desk, a search or a person's file).
      var search = document.getElementById("desk-search-q");
      if (search) {
        search.focus();
        search.select();
        handled = true;
      }
    } else if (/^[1-9]$/.test(key)) {
      var radios = document.querySelectorAll("#outcome-form input[name=outcome]");
      var radio = radios[Number(key) - 1];
      if (radio) {
        radio.checked = true;
        radio.focus();
        radio.dispatchEvent(new Event("change", { bubbles: true }));
        handled = true;
      }
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "outcome") {
      toggleOutcomeFields();
      showAnsweredPrompt("outcome");
    }
    if (target.closest && target.closest("#script")) updateIsolation();
    if (target.closest && target.closest("#outcome-form")) scheduleDraft();
  });
  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest("#outcome-form") && isTyping(event.target)) {
      showAnsweredPrompt("typing");
    }
    if (event.target.closest && event.target.closest("#script")) updateIsolation();
    if (event.target.closest && event.target.closest("#outcome-form")) scheduleDraft();
  });

  // "Keep it now": with JavaScript, renewed in the background like the automatic renewal.
  document.addEventListener("submit", function (event) {
    if (event.target.id === "renew-form") {
      event.preventDefault();
      renewal.lost = false;
      renew(event.target);
    }
    // The outcome discards the draft: a save crossing it would only be refused.
    if (event.target.id === "outcome-form") stopDrafts();
    if (event.target.classList.contains("desk-message__read")) {
      event.preventDefault();
      readMessage(event.target);
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "contact-rows") {
      // A row added: the cursor in its first field.
      var rows = event.target.querySelectorAll(".contact-row");
      var first = rows.length ? rows[rows.length - 1].querySelector("input, select") : null;
      if (first) first.focus();
    }
    if (event.target.id === "desk") {
      // The page's own messages are stale once the desk shows its own.
      document.querySelectorAll("#main > .messages").forEach(function (el) {
        el.remove();
      });
    }
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    refresh();
    watchCard();
  });

  refresh();
  watchCard();
  window.setInterval(tick, 1000);
})();
