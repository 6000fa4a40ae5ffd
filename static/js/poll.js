/* Poll the live parts of a page while its tab is visible.
 *
 * An element with data-poll-seconds gets an htmx "poll" event every so often, and at once when
 * the tab comes back. htmx's own `every Ns` trigger would keep polling a hidden tab, and a
 * trigger filter on document.visibilityState needs eval, which our CSP and htmx config forbid.
 */
(function () {
  "use strict";

  function poll(el) {
    if (document.visibilityState === "visible" && window.htmx) window.htmx.trigger(el, "poll");
  }

  function start() {
    document.querySelectorAll("[data-poll-seconds]").forEach(function (el) {
      var seconds = Number(el.dataset.pollSeconds) || 10;
      window.setInterval(function () {
        poll(el);
      }, seconds * 1000);
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") document.querySelectorAll("[data-poll-seconds]").forEach(poll);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
