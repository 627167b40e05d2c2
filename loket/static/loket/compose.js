// The ticket page's reply box (loket/tickets/compose.py says why Markdown in a textarea):
// drafts saved as the agent types, a formatting toolbar, the server's preview, pasted and
// dropped images uploaded through the attachment checks, and the Undo countdown of a reply
// still inside its window. Everything is delegated from the document, so it keeps working
// when htmx swaps the page or the live stream refreshes the timeline.
(function () {
  "use strict";
  var SAVE_AFTER_MS = 700;
  var timers = new WeakMap();
  var pending = new WeakMap();

  function formOf(el) { return el && el.closest ? el.closest("form[data-draft-url]") : null; }
  function csrf(form) {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function state(text) {
    var box = document.getElementById("reply-draft-state");
    if (box) { box.textContent = text; }
  }
  function post(url, form, data) {
    return fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(form), "X-Requested-With": "fetch" }
    });
  }

  // Drafts ------------------------------------------------------------------------------
  function draftData(form) {
    var data = new FormData();
    data.append("kind", form.getAttribute("data-draft-kind"));
    data.append("body", form.querySelector("textarea[name=body]").value);
    return data;
  }
  function saveDraft(form) {
    timers.delete(form);
    pending.delete(form);
    var box = document.getElementById("reply-draft-state");
    post(form.getAttribute("data-draft-url"), form, draftData(form)).then(function (r) {
      if (form.id === "reply-form" && box) {
        state(box.getAttribute(r.ok ? "data-saved-text" : "data-failed-text"));
      }
      form.dispatchEvent(new CustomEvent("loket:draft-saved", { bubbles: true, detail: { ok: r.ok } }));
    });
  }
  function scheduleSave(form) {
    clearTimeout(timers.get(form));
    pending.set(form, true);
    timers.set(form, setTimeout(function () { saveDraft(form); }, SAVE_AFTER_MS));
  }
  document.addEventListener("input", function (ev) {
    var form = formOf(ev.target);
    if (form && ev.target.name === "body") { scheduleSave(form); }
  });
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.matches && form.matches("form[data-draft-url]")) {
      clearTimeout(timers.get(form));  // the send deletes the draft; no late save revives it
      pending.delete(form);
    }
  }, true);
  window.addEventListener("pagehide", function () {
    document.querySelectorAll("form[data-draft-url]").forEach(function (form) {
      if (!pending.get(form)) { return; }
      var data = draftData(form);
      data.append("csrfmiddlewaretoken", csrf(form));
      navigator.sendBeacon(form.getAttribute("data-draft-url"), data);
    });
  });

  // Toolbar -----------------------------------------------------------------------------
  function replyBox() { return document.getElementById("reply-body"); }
  function changed(area) { area.dispatchEvent(new Event("input", { bubbles: true })); }
  function wrap(area, before, after, placeholder) {
    var start = area.selectionStart, end = area.selectionEnd;
    var picked = area.value.slice(start, end) || placeholder;
    area.setRangeText(before + picked + after, start, end, "end");
    area.setSelectionRange(start + before.length, start + before.length + picked.length);
    area.focus();
    changed(area);
  }
  function prefixLines(area, numbered, mark) {
    var start = area.value.lastIndexOf("\n", area.selectionStart - 1) + 1;
    var end = area.selectionEnd;
    var lines = area.value.slice(start, end).split("\n");
    var out = lines.map(function (line, i) { return (numbered ? (i + 1) + ". " : mark) + line; });
    area.setRangeText(out.join("\n"), start, end, "end");
    area.focus();
    changed(area);
  }
  function togglePreview(button) {
    var form = formOf(button), area = replyBox(), pane = document.getElementById("reply-preview");
    if (!form || !area || !pane) { return; }
    if (!pane.hidden) {
      pane.hidden = true; area.hidden = false;
      button.setAttribute("aria-pressed", "false");
      button.textContent = button.getAttribute("data-label");
      area.focus();
      return;
    }
    var data = new FormData();
    data.append("body", area.value);
    post(form.getAttribute("data-preview-url"), form, data).then(function (r) { return r.json(); })
      .then(function (answer) {
        pane.innerHTML = answer.html || "";  // sanitised on the server (nh3 allow-list)
        pane.hidden = false; area.hidden = true;
        button.setAttribute("aria-pressed", "true");
        if (!button.getAttribute("data-label")) { button.setAttribute("data-label", button.textContent); }
        button.textContent = button.getAttribute("data-write-text");
        pane.focus();
      });
  }
  function act(kind, button) {
    var area = replyBox();
    if (!area) { return; }
    if (kind === "bold") { wrap(area, "**", "**", "text"); }
    else if (kind === "italic") { wrap(area, "_", "_", "text"); }
    else if (kind === "list") { prefixLines(area, false, "- "); }
    else if (kind === "numbered") { prefixLines(area, true, ""); }
    else if (kind === "quote") { prefixLines(area, false, "> "); }
    else if (kind === "link") {
      var bar = document.querySelector("[data-editor-bar] [data-md=link]");
      var url = window.prompt(bar ? bar.getAttribute("data-link-prompt") : "https://", "https://");
      if (url) { wrap(area, "[", "](" + url + ")", "link"); }
    } else if (kind === "preview") { togglePreview(button); }
  }
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest && ev.target.closest("[data-editor-bar] [data-md]");
    if (button) { ev.preventDefault(); act(button.getAttribute("data-md"), button); }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.target.id !== "reply-body" || !(ev.ctrlKey || ev.metaKey) || ev.altKey) { return; }
    var key = ev.key.toLowerCase();
    var kind = { b: "bold", i: "italic", k: "link" }[key];
    if (kind) { ev.preventDefault(); act(kind, null); }
  });

  // Pasted and dropped images -----------------------------------------------------------
  function images(list) {
    return Array.prototype.filter.call(list || [], function (f) { return /^image\//.test(f.type); });
  }
  function showImage(answer, name) {
    var list = document.getElementById("reply-images");
    if (!list) { return; }
    var item = document.createElement("li");
    var img = document.createElement("img");
    img.src = answer.url; img.alt = name; img.setAttribute("data-cid", answer.cid);
    item.appendChild(img);
    list.appendChild(item);
    list.hidden = false;
  }
  function upload(area, files) {
    var form = formOf(area);
    var box = document.getElementById("reply-draft-state");
    files.forEach(function (file) {
      if (box) { state(box.getAttribute("data-uploading-text")); }
      var data = new FormData();
      data.append("image", file, file.name || "image.png");
      post(form.getAttribute("data-image-url"), form, data)
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
        .then(function (res) {
          if (!res.ok) { state(res.body.error || ""); return; }
          var at = area.selectionStart;
          var text = (at > 0 && area.value[at - 1] !== "\n" ? "\n" : "") + res.body.markdown + "\n";
          area.setRangeText(text, at, area.selectionEnd, "end");
          changed(area);
          showImage(res.body, file.name || "image");
          area.dispatchEvent(new CustomEvent("loket:image-added", { bubbles: true, detail: res.body }));
        });
    });
  }
  document.addEventListener("paste", function (ev) {
    if (ev.target.id !== "reply-body" || !ev.clipboardData) { return; }
    var files = images(ev.clipboardData.files);
    if (files.length) { ev.preventDefault(); upload(ev.target, files); }
  });
  document.addEventListener("dragover", function (ev) {
    if (ev.target.id === "reply-body") { ev.preventDefault(); }
  });
  document.addEventListener("drop", function (ev) {
    if (ev.target.id !== "reply-body" || !ev.dataTransfer) { return; }
    var files = images(ev.dataTransfer.files);
    if (files.length) { ev.preventDefault(); upload(ev.target, files); }
  });

  // Undo countdown ----------------------------------------------------------------------
  function arm() {
    document.querySelectorAll("form[data-undo]:not([data-armed])").forEach(function (form) {
      form.setAttribute("data-armed", "1");
      var left = parseInt(form.getAttribute("data-remaining-ms"), 10) || 0;
      setTimeout(function () {
        var held = form.closest("[data-held-reply]");
        form.remove();
        if (held) {
          held.setAttribute("data-window-over", "1");
          var note = held.querySelector("[data-sent-text]");
          if (note) { note.textContent = note.getAttribute("data-sent-text"); }
        }
      }, left);
    });
  }
  document.addEventListener("DOMContentLoaded", arm);
  document.addEventListener("htmx:afterSettle", arm);
  new MutationObserver(arm).observe(document.documentElement, { childList: true, subtree: true });
})();
