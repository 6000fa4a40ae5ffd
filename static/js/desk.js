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

  /* --- Heartbeat: while the page is open, the agent is at their desk. ------------------- */

  var heartbeat = { lastAt: 0, busy: false };

  function tickHeartbeat(now) {
    var form = document.getElementById("heartbeat-form");
    if (!form || heartbeat.busy) return;
    var every = (Number(form.dataset.heartbeatSeconds) || 60) * 1000;
    if (now - heartbeat.lastAt < every) return;
    heartbeat.busy = true;
    heartbeat.lastAt = now;
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .catch(function () {
        /* The next beat tries again; the server only acts after several missed minutes. */
      })
      .finally(function () {
        heartbeat.busy = false;
      });
  }

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

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (event.key === "Enter" && target.closest && target.closest("#outcome-form") && isTyping(target) && target.tagName !== "TEXTAREA") {
      // Enter in a field must not record the call half-typed.
      event.preventDefault();
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
      var select = document.getElementById("pause-reason");
      if (select && !select.disabled) {
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
    if (target.name === "outcome") toggleOutcomeFields();
    if (target.closest && target.closest("#script")) updateIsolation();
  });
  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest("#script")) updateIsolation();
  });

  // "Keep it now": with JavaScript, renewed in the background like the automatic renewal.
  document.addEventListener("submit", function (event) {
    if (event.target.id === "renew-form") {
      event.preventDefault();
      renewal.lost = false;
      renew(event.target);
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "desk") {
      // The page's own messages are stale once the desk shows its own.
      document.querySelectorAll("#main > .messages").forEach(function (el) {
        el.remove();
      });
    }
  });
  document.body.addEventListener("htmx:afterSettle", refresh);

  refresh();
  window.setInterval(tick, 1000);
})();
