/* The plateau board: polls its live part while the tab is visible, and ticks the time in status.
 *
 * No inline script (CSP), and no htmx trigger filter (allowEval is off): the live part
 * (#board-live) listens for a "board-refresh" event, which this script sends every
 * data-poll-seconds, except when the tab is hidden or a button of the board has the focus.
 */
(function () {
  "use strict";

  var timer = null;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function elapsed(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    return (h ? h + ":" + pad(m) : m) + ":" + pad(s % 60);
  }

  function live() {
    return document.getElementById("board-live");
  }

  function busy(el) {
    // Replacing the rows under a button the supervisor is pressing would lose the click.
    var active = document.activeElement;
    return Boolean(active && active !== document.body && el.contains(active));
  }

  function poll() {
    var el = live();
    if (!el || document.visibilityState !== "visible" || busy(el) || !window.htmx) return;
    window.htmx.trigger(el, "board-refresh");
  }

  function stop() {
    if (timer !== null) window.clearInterval(timer);
    timer = null;
  }

  function start() {
    stop();
    var el = live();
    if (!el || document.visibilityState !== "visible") return;
    var seconds = Number(el.dataset.pollSeconds) || 5;
    timer = window.setInterval(poll, seconds * 1000);
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("#board-live [data-since]").forEach(function (el) {
      var since = Number(el.dataset.since) * 1000;
      if (since) el.textContent = elapsed(now - since);
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      // Back on the tab: catch up at once, then poll again.
      poll();
      start();
    } else {
      stop();
    }
  });

  start();
  window.setInterval(tick, 1000);
})();
