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
  document.addEventListener("click", function (ev) {
    var row = ev.target.closest && ev.target.closest("tr[data-href]");
    if (row && !ev.target.closest("a,button,input")) { window.location.href = row.getAttribute("data-href"); }
  });
})();
