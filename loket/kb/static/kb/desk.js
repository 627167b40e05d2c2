// Knowledge base in the agent desk: canned replies typed as "/shortcut" in the reply box, and
// "insert link" / "use this answer" buttons of the suggestions. Listeners sit on the document,
// so content swapped in by htmx works too. No inline script or style is needed (strict CSP).
(function () {
  "use strict";
  if (window.loketKbDesk) { return; }
  window.loketKbDesk = true;

  var TOKEN = /(^|\s)\/([\w-]{0,40})$/;
  var state = { items: [], index: 0, start: -1, timer: null, pending: null };

  function picker() { return document.getElementById("macro-picker"); }
  function box() { return document.getElementById("reply-body"); }
  function url(template, id) { return template.replace("/0/", "/" + id + "/"); }
  function csrf() {
    var field = document.querySelector("#reply-form [name=csrfmiddlewaretoken], [name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function close() {
    var p = picker();
    if (p) { p.hidden = true; p.textContent = ""; }
    state.items = [];
    state.start = -1;
  }

  function show(items) {
    var p = picker();
    var b = box();
    if (!p || !b) { return; }
    if (p.previousElementSibling !== b) { b.insertAdjacentElement("afterend", p); }
    p.textContent = "";
    state.items = items;
    state.index = 0;
    if (!items.length) {
      var empty = document.createElement("div");
      empty.className = "kb-picker-empty";
      empty.textContent = p.getAttribute("data-label-empty") || "";
      p.appendChild(empty);
    }
    items.forEach(function (item, i) {
      var option = document.createElement("button");
      option.type = "button";
      option.className = "kb-picker-item" + (i === 0 ? " active" : "");
      option.setAttribute("role", "option");
      option.setAttribute("data-macro", String(item.id));
      var code = document.createElement("code");
      code.textContent = "/" + item.shortcut;
      option.appendChild(code);
      option.appendChild(document.createTextNode(" " + item.title));
      p.appendChild(option);
    });
    p.hidden = false;
  }

  function highlight() {
    var p = picker();
    if (!p) { return; }
    Array.prototype.forEach.call(p.querySelectorAll(".kb-picker-item"), function (el, i) {
      el.classList.toggle("active", i === state.index);
      el.setAttribute("aria-selected", i === state.index ? "true" : "false");
    });
  }

  function lookup() {
    var b = box();
    var p = picker();
    if (!b || !p) { return; }
    var before = b.value.slice(0, b.selectionStart);
    var match = TOKEN.exec(before);
    if (!match) { close(); return; }
    state.start = before.length - match[2].length - 1;
    var query = match[2];
    var list = p.getAttribute("data-list-url") + "?q=" + encodeURIComponent(query);
    fetch(list, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (data) { if (state.start >= 0) { show(data.items || []); } })
      .catch(close);
  }

  function insertAt(b, start, end, text) {
    b.value = b.value.slice(0, start) + text + b.value.slice(end);
    var caret = start + text.length;
    b.setSelectionRange(caret, caret);
    b.focus();
    b.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function choose(id) {
    var b = box();
    var p = picker();
    if (!b || !p || state.start < 0) { return; }
    var start = state.start;
    var end = b.selectionStart;
    var ticket = p.getAttribute("data-ticket");
    var render = url(p.getAttribute("data-render-url"), id) + "?ticket=" + encodeURIComponent(ticket);
    close();
    fetch(render, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        insertAt(b, start, end, data.body);
        var select = document.querySelector("#reply-form select[name=then_state]");
        if (data.state && select && select.querySelector("option[value='" + data.state + "']")) {
          select.value = data.state;
        }
        state.pending = data.has_changes ? id : null;
      })
      .catch(function () { /* the "/shortcut" text stays; nothing else changes */ });
  }

  document.addEventListener("input", function (ev) {
    if (ev.target && ev.target.id === "reply-body" && picker()) {
      window.clearTimeout(state.timer);
      state.timer = window.setTimeout(lookup, 120);
    }
  });

  document.addEventListener("keydown", function (ev) {
    var p = picker();
    if (!p || p.hidden || !ev.target || ev.target.id !== "reply-body") { return; }
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (!state.items.length) { return; }
      var step = ev.key === "ArrowDown" ? 1 : -1;
      state.index = (state.index + step + state.items.length) % state.items.length;
      highlight();
      ev.preventDefault();
    } else if ((ev.key === "Enter" || ev.key === "Tab") && state.items.length) {
      choose(state.items[state.index].id);
      ev.preventDefault();
    } else if (ev.key === "Escape") {
      close();
      ev.preventDefault();
    }
  }, true);

  document.addEventListener("click", function (ev) {
    var target = ev.target && ev.target.closest ? ev.target : null;
    if (!target) { return; }
    var option = target.closest("[data-macro]");
    if (option) { choose(option.getAttribute("data-macro")); ev.preventDefault(); return; }
    var insert = target.closest("[data-kb-insert]");
    if (insert) {
      var b = box();
      if (!b) { return; }
      var text = insert.getAttribute("data-kb-insert");
      var pos = b.selectionStart || b.value.length;
      var lead = pos > 0 && b.value.charAt(pos - 1) !== "\n" ? "\n" : "";
      insertAt(b, pos, pos, lead + text);
      ev.preventDefault();
      return;
    }
    if (!target.closest("#macro-picker")) { close(); }
  });

  // The macro's priority and tags are applied just before the reply is sent (its state goes
  // with the reply form's own "then" field): the form waits for the change, then submits.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var p = picker();
    if (!form || form.id !== "reply-form" || !state.pending || !p) { return; }
    ev.preventDefault();
    ev.stopPropagation();
    var id = state.pending;
    state.pending = null;
    var submitter = ev.submitter || null;
    var data = new FormData();
    data.append("ticket", p.getAttribute("data-ticket"));
    data.append("state", "0");
    fetch(url(p.getAttribute("data-apply-url"), id), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": csrf() }
    }).catch(function () { /* the reply goes out regardless */ }).then(function () {
      if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
    });
  }, true);
})();
