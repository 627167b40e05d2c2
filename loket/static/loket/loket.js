// Keyboard shortcuts for agents: j/k move through the inbox, Enter opens, r reply, n note,
// g i back to the inbox, / search. Nothing fires while typing in a field.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-href]")); }
  var lastKey = "";
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) { return; }
    var list = rows();
    var current = list.findIndex(function (r) { return r.classList.contains("selected"); });
    var key = ev.key;
    if ((key === "j" || key === "k") && list.length) {
      var next = key === "j" ? Math.min(current + 1, list.length - 1) : Math.max(current - 1, 0);
      if (current >= 0) { list[current].classList.remove("selected"); }
      list[next].classList.add("selected");
      list[next].scrollIntoView({ block: "nearest" });
      ev.preventDefault();
    } else if (key === "Enter" && current >= 0) {
      window.location.href = list[current].getAttribute("data-href");
    } else if (key === "r" || key === "n") {
      var box = document.getElementById(key === "r" ? "reply-body" : "note-body");
      if (box) { box.focus(); ev.preventDefault(); }
    } else if (key === "]" || key === "[") {
      var link = document.querySelector(key === "]" ? "a[data-next-ticket]" : "a[data-prev-ticket]");
      if (link) { window.location.href = link.getAttribute("href"); }
    } else if (key === "/") {
      var search = document.getElementById("search");
      if (search) { search.focus(); ev.preventDefault(); }
    } else if (key === "i" && lastKey === "g") {
      var inbox = document.querySelector("a[data-inbox]");
      if (inbox) { window.location.href = inbox.getAttribute("href"); }
    }
    lastKey = key;
  });
  // Bulk changes: the toolbar shows once a ticket is picked, with the fields its change needs.
  function bulkSync() {
    var bar = document.querySelector("[data-bulk]");
    if (!bar) { return; }
    var picked = document.querySelectorAll("input.pick:checked").length;
    bar.hidden = picked === 0;
    var op = bar.querySelector("[data-bulk-op]");
    var need = { assign: "assign", state: "state", priority: "priority", team: "team", tag: "tag", merge: "merge", spam: "spam" }[op.value];
    bar.querySelectorAll("[data-bulk-for]").forEach(function (el) {
      el.hidden = el.getAttribute("data-bulk-for") !== need;
    });
    var count = bar.querySelector("[data-bulk-count]");
    if (count) { count.setAttribute("data-picked", String(picked)); }
  }
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t.matches && t.matches("[data-pick-all]")) {
      document.querySelectorAll("input.pick").forEach(function (box) { box.checked = t.checked; });
    }
    if (t.matches && t.matches("input.pick, [data-pick-all], [data-bulk-op]")) { bulkSync(); }
  });
  document.addEventListener("DOMContentLoaded", bulkSync);
  document.addEventListener("htmx:afterSettle", bulkSync);
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "x" || ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) { return; }
    var row = document.querySelector("tr[data-href].selected input.pick");
    if (row) { row.checked = !row.checked; bulkSync(); }
  });
  document.addEventListener("click", function (ev) {
    var row = ev.target.closest && ev.target.closest("tr[data-href]");
    if (row && !ev.target.closest("a,button,input")) { window.location.href = row.getAttribute("data-href"); }
  });
})();
