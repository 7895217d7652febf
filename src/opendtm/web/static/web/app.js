// Small behaviours of the pages (no inline scripts: the CSP forbids them).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target && target.classList && target.classList.contains("autosubmit") && target.form) {
    target.form.submit();
  }
});

// A wide table scrolls inside its own box rather than widening the page on a phone. The box
// can take the keyboard's focus (so arrow keys scroll it) and is named after the table's
// caption or its card's heading. Done here, once for every table.data of every page, and
// again for the tables HTMX swaps in.
(function () {
  "use strict";

  function nameOf(table) {
    if (table.caption) { return table.caption.textContent.trim(); }
    var section = table.closest("section");
    var heading = section && section.querySelector("h2, h3");
    return heading ? heading.textContent.trim() : "";
  }

  function wrapTables(root) {
    if (!root || !root.querySelectorAll) { return; }
    var tables = Array.prototype.slice.call(root.querySelectorAll("table.data"));
    if (root.matches && root.matches("table.data")) { tables.push(root); }
    tables.forEach(function (table) {
      // A template may have put the box there already: it is made reachable all the same.
      var box = table.parentElement;
      if (!box.classList.contains("table-scroll")) {
        box = document.createElement("div");
        box.className = "table-scroll";
        table.parentNode.insertBefore(box, table);
        box.appendChild(table);
      }
      if (box.hasAttribute("tabindex")) { return; }
      box.tabIndex = 0;
      var name = nameOf(table);
      if (name) { box.setAttribute("role", "region"); box.setAttribute("aria-label", name); }
    });
  }

  wrapTables(document.body);
  document.addEventListener("htmx:load", function (event) { wrapTables(event.detail.elt); });
})();
