/* Language pickers: type to filter the list (accents and case ignored); Enter picks the first
 * match of a single choice. No inline script (CSP): every select[data-language-picker] gets a
 * search box, including those htmx brings in later (the desk's contact rows).
 */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function filter(select, query) {
    var wanted = fold(query.trim());
    var first = null;
    select.querySelectorAll("option").forEach(function (option) {
      var match = !wanted || !option.value || fold(option.textContent).indexOf(wanted) !== -1;
      option.hidden = !match;
      if (match && option.value && first === null) first = option;
    });
    select.querySelectorAll("optgroup").forEach(function (group) {
      group.hidden = !group.querySelector("option:not([hidden])");
    });
    return first;
  }

  function enhance(select) {
    if (select.dataset.pickerReady) return;
    select.dataset.pickerReady = "1";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "picker-search";
    box.placeholder =
      document.documentElement.lang === "en" ? "Type to filter…" : "Tapez pour filtrer…";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("data-testid", "language-filter");
    box.addEventListener("input", function () {
      var first = filter(select, box.value);
      if (first && !select.multiple) select.value = first.value;
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        var first = filter(select, box.value);
        if (first && !select.multiple) {
          select.value = first.value;
          select.dispatchEvent(new Event("change", { bubbles: true }));
          select.focus();
        }
      }
    });
    select.parentNode.insertBefore(box, select);
  }

  function enhanceAll(root) {
    (root || document).querySelectorAll("select[data-language-picker]").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhanceAll(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    enhanceAll(event.target);
  });
})();
