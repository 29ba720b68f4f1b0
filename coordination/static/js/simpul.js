// Progressive enhancement only: every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // The language menu switches on change; the button stays for keyboard and no-script users.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });
  // Dangerous buttons ask first.
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
});

// Repeated fieldsets (people, transactions): "add" clones the last one with the next index.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      var section = button.closest("[data-repeat]");
      var rows = section.querySelectorAll(".repeat-row");
      var last = rows[rows.length - 1];
      var next = rows.length;
      var copy = last.cloneNode(true);
      var pattern = new RegExp("^(" + section.getAttribute("data-repeat") + ")-\\d+-");
      copy.setAttribute("data-index", String(next));
      copy.querySelectorAll("[id],[name],[for]").forEach(function (el) {
        ["id", "name", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(pattern, "$1-" + next + "-")); }
        });
        if (el.tagName === "INPUT" || el.tagName === "TEXTAREA") { el.value = ""; }
        if (el.tagName === "SELECT") { el.selectedIndex = 0; }
      });
      copy.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
      var legend = copy.querySelector("legend");
      if (legend) { legend.textContent = legend.textContent.replace(/\d+$/, String(next + 1)); }
      last.after(copy);
    });
  });
});
