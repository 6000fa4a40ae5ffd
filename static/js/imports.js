/* The contact import's upload form: once sent, its button is disabled and says so, so that a
 * second click does not post the file again (the server also refuses the same file while its
 * first upload is being imported). */
(function () {
  "use strict";

  function start() {
    document.querySelectorAll("form[data-import-form]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type=submit]");
        if (!button) return;
        // After the submit event, so that the browser still sends the form.
        window.setTimeout(function () {
          button.disabled = true;
          if (button.dataset.busyLabel) {
            button.dataset.label = button.textContent;
            button.textContent = button.dataset.busyLabel;
          }
          form.setAttribute("aria-busy", "true");
        }, 0);
      });
    });
  }

  // Back to the page from the browser's history: the form is usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-import-form] button[type=submit][disabled]").forEach(function (button) {
      button.disabled = false;
      if (button.dataset.label) button.textContent = button.dataset.label;
    });
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
