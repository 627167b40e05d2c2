/* Loket website chat. Embed with
 *   <script src="https://desk.example/chat/widget.js" data-channel="KEY" async></script>
 * Plain JS, no framework; everything lives in a Shadow DOM (host CSS cannot reach in), styled
 * by a constructed stylesheet (no inline style or script: works under a strict CSP that allows
 * this desk in script-src and connect-src). Texts come translated from the desk (nl/ru/en, from
 * data-lang, the page's lang or the browser). The session (id + token) is kept in
 * localStorage, so a reload or a later visit continues the conversation. Files go up and
 * down with the token (fetch, never a token in a URL); read state goes both ways; a
 * channel may greet a visitor proactively on matching pages. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch || !window.EventSource) return;
  var key = script.getAttribute("data-channel") || "";
  var base = new URL(script.src, location.href).origin;
  var api = base + "/api/chat/" + encodeURIComponent(key);
  var storeKey = "loket-chat:" + key;
  var pick = (script.getAttribute("data-lang") || document.documentElement.lang || navigator.language || "en").toLowerCase();
  var lang = ["nl", "ru"].indexOf(pick.slice(0, 2)) >= 0 ? pick.slice(0, 2) : "en";
  var user = {
    id: script.getAttribute("data-user-id") || "",
    hash: script.getAttribute("data-user-hash") || "",
    name: script.getAttribute("data-user-name") || "",
    email: script.getAttribute("data-user-email") || ""
  };
  var CSS = [
    ":host{all:initial!important;display:block!important;position:fixed!important;z-index:2147483000!important;bottom:16px!important;right:16px!important;left:auto!important;top:auto!important;font:15px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif!important;color:#1b1b1b!important;visibility:visible!important;opacity:1!important;transform:none!important}",
    ":host(.left){left:16px!important;right:auto!important}",
    "*{box-sizing:border-box;font:inherit;margin:0}",
    "[hidden]{display:none!important}",
    ".launcher{background:var(--lk-accent,#1f5fbf);color:var(--lk-on,#fff);border:0;border-radius:24px;padding:12px 18px;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.25);font-weight:600}",
    "button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #ffbf47;outline-offset:1px}",
    ".panel{display:flex;flex-direction:column;width:360px;max-width:calc(100vw - 32px);height:520px;max-height:calc(100vh - 32px);background:#fff;border-radius:12px;box-shadow:0 6px 24px rgba(0,0,0,.3);overflow:hidden}",
    "header{display:flex;align-items:center;gap:8px;background:var(--lk-accent,#1f5fbf);color:var(--lk-on,#fff);padding:10px 12px}",
    "h2{flex:1;font-size:16px;font-weight:600}",
    ".x{background:transparent;color:inherit;border:0;font-size:22px;line-height:1;cursor:pointer;padding:4px 8px;border-radius:6px}",
    ".status{padding:8px 12px;font-size:13px;color:#444;background:#f4f5f7}",
    ".log{flex:1;overflow-y:auto;list-style:none;padding:12px;display:flex;flex-direction:column;gap:8px}",
    ".msg{max-width:85%;padding:8px 10px;border-radius:10px;background:#eef0f3;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".msg.visitor{align-self:flex-end;background:var(--lk-accent,#1f5fbf);color:var(--lk-on,#fff)}",
    ".who{display:block;font-size:12px;font-weight:600;opacity:.8}",
    ".body a{color:inherit;text-decoration:underline}",
    ".typing,.error{padding:0 12px 6px;font-size:13px;color:#555;min-height:1em}",
    ".error{color:#b00020}",
    "form{display:flex;flex-direction:column;gap:6px;padding:10px 12px;border-top:1px solid #e3e5e8}",
    "label{font-size:13px;color:#333}",
    "input,textarea{width:100%;border:1px solid #9aa0a6;border-radius:6px;padding:8px;background:#fff;color:#1b1b1b}",
    "textarea{resize:none;min-height:44px}",
    ".row{display:flex;gap:6px;align-items:flex-end}",
    ".send,.start{background:var(--lk-accent,#1f5fbf);color:var(--lk-on,#fff);border:0;border-radius:6px;padding:9px 14px;cursor:pointer;font-weight:600}",
    ".files{list-style:none;padding:4px 0 0;display:flex;flex-direction:column;gap:2px}",
    ".files button{background:transparent;color:inherit;border:0;padding:0;text-decoration:underline;cursor:pointer;text-align:left}",
    ".read{display:block;font-size:11px;opacity:.85;text-align:right}",
    ".attach{background:#eef0f3;color:#1b1b1b;border:1px solid #9aa0a6;border-radius:6px;padding:8px 10px;cursor:pointer}",
    ".agent{display:flex;align-items:center;gap:8px}",
    ".agent img{width:32px;height:32px;border-radius:50%;object-fit:cover}",
    ".tools{display:flex;justify-content:flex-end;padding:0 12px 4px}",
    ".link{background:transparent;border:0;color:#1f4fa0;text-decoration:underline;cursor:pointer;font-size:13px;padding:2px}",
    ".nudge{display:flex;gap:6px;align-items:flex-start;max-width:280px;margin-bottom:8px;background:#fff;border-radius:10px;padding:10px 12px;box-shadow:0 2px 10px rgba(0,0,0,.25)}",
    ".nudge p{flex:1}",
    ".nudge .x{color:#444;font-size:18px}",
    ".rating{padding:10px 12px;border-top:1px solid #e3e5e8;display:flex;flex-direction:column;gap:6px}",
    ".choices{display:flex;flex-wrap:wrap;gap:6px}",
    ".choice,.end{background:#fff;color:#1b1b1b;border:1px solid #9aa0a6;border-radius:6px;padding:7px 12px;cursor:pointer}",
    ".choice[aria-pressed=true]{background:var(--lk-accent,#1f5fbf);color:var(--lk-on,#fff);border-color:transparent}",
    ".end{align-self:flex-start;font-size:13px;padding:4px 10px}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@media (max-width:480px){:host(.open){inset:0!important;bottom:0!important;right:0!important;left:0!important;top:0!important}.open .panel{width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0}}"
  ].join("\n");

  var T = {};
  var state = load();
  var source = null;
  var lastId = 0;
  var seen = {};
  var typingTimer = null;
  var typedAt = 0;
  var el = {};
  var readSent = 0;
  var agentRead = 0;
  var newestAgent = 0;

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "null"); } catch (e) { return null; }
  }
  function save() {
    try {
      if (state) localStorage.setItem(storeKey, JSON.stringify(state));
      else localStorage.removeItem(storeKey);
    } catch (e) { /* private mode: the conversation lasts as long as the page */ }
  }
  function h(tag, attrs, kids) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (attrs[k] === true) node.setAttribute(k, "");
      else if (attrs[k] !== false && attrs[k] != null) node.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (kid) { node.appendChild(kid); });
    return node;
  }
  function fmt(text, name) { return (text || "").replace("%(name)s", name); }

  function auth() { return state && state.token ? { Authorization: "Bearer " + state.token } : {}; }

  function call(method, path, body) {
    var headers = auth();
    var form = body instanceof FormData;
    if (body && !form) headers["Content-Type"] = "application/json";
    return fetch(api + path, {
      method: method, headers: headers, body: body ? (form ? body : JSON.stringify(body)) : undefined,
      credentials: "omit", mode: "cors"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        return { status: r.status, ok: r.ok, data: data };
      });
    });
  }

  function field(label, input) {
    return h("label", {}, [document.createTextNode(label), input]);
  }

  function build(cfg) {
    var host = h("loket-chat", { "data-loket-chat": "" });
    if (cfg.position === "left") host.classList.add("left");
    var root = host.attachShadow({ mode: "open" });
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    el.host = host;
    el.launcher = h("button", { type: "button", "class": "launcher", "aria-expanded": "false", "aria-controls": "lk-panel", text: T.open });
    el.close = h("button", { type: "button", "class": "x", "aria-label": T.close, text: "\u00d7" });
    el.status = h("p", { "class": "status", role: "status" });
    el.log = h("ol", { "class": "log", role: "log", "aria-live": "polite", "aria-label": T.log });
    el.typing = h("p", { "class": "typing", "aria-live": "polite" });
    el.error = h("p", { "class": "error", role: "alert" });
    el.name = h("input", { name: "name", autocomplete: "name", required: true, maxlength: "150" });
    el.email = h("input", { name: "email", type: "email", autocomplete: "email", required: true, maxlength: "254" });
    el.first = h("textarea", { name: "message", rows: "3", required: true, maxlength: "5000" });
    el.name.value = user.name;
    el.email.value = user.email;
    el.prechat = h("form", { "class": "prechat" }, [
      field(T.name, el.name), field(T.email, el.email), field(T.message, el.first),
      h("button", { type: "submit", "class": "start", text: T.start })
    ]);
    el.input = h("textarea", { name: "body", rows: "2", maxlength: "5000", "aria-label": T.message });
    el.file = h("input", { type: "file", name: "file", "class": "sr", tabindex: "-1", "aria-hidden": "true" });
    el.attach = h("button", { type: "button", "class": "attach", "aria-label": T.attach, title: T.attach, text: "\ud83d\udcce" });
    el.end = h("button", { type: "button", "class": "end", text: T.end });
    el.compose = h("form", { "class": "compose", hidden: true }, [
      h("div", { "class": "row" }, [el.input, el.attach, el.file, h("button", { type: "submit", "class": "send", text: T.send })]),
      el.end
    ]);
    el.transcript = h("button", { type: "button", "class": "link transcript", text: T.transcript });
    el.tools = h("div", { "class": "tools", hidden: true }, [el.transcript]);
    el.rating = h("section", { "class": "rating", "aria-label": T.rate, hidden: true });
    el.panel = h("section", { id: "lk-panel", "class": "panel", role: "dialog", "aria-label": T.title, hidden: true }, [
      h("header", {}, [h("h2", { text: T.title }), el.close]), el.status, el.log, el.typing, el.error, el.tools, el.rating, el.prechat, el.compose
    ]);
    el.nudgeText = h("p", {});
    el.nudgeClose = h("button", { type: "button", "class": "x", "aria-label": T.dismiss, text: "\u00d7" });
    el.nudge = h("div", { "class": "nudge", role: "status", hidden: true }, [el.nudgeText, el.nudgeClose]);
    var wrap = h("div", { "class": "wrap" }, [el.nudge, el.launcher, el.panel]);
    wrap.style.setProperty("--lk-accent", cfg.accent);
    wrap.style.setProperty("--lk-on", cfg.text_on_accent);
    root.appendChild(wrap);
    el.wrap = wrap;
    document.body.appendChild(host);

    el.launcher.addEventListener("click", function () { toggle(true); });
    el.close.addEventListener("click", function () { toggle(false); });
    el.panel.addEventListener("keydown", function (ev) { if (ev.key === "Escape") toggle(false); });
    el.prechat.addEventListener("submit", function (ev) { ev.preventDefault(); start(); });
    el.compose.addEventListener("submit", function (ev) { ev.preventDefault(); send(); });
    el.input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); send(); }
    });
    el.input.addEventListener("input", typingNow);
    el.attach.addEventListener("click", function () { el.file.click(); });
    el.file.addEventListener("change", upload);
    el.transcript.addEventListener("click", mailTranscript);
    el.nudgeClose.addEventListener("click", function () { dismissNudge(); el.launcher.focus(); });
    el.nudgeText.addEventListener("click", function () { toggle(true); });
    document.addEventListener("visibilitychange", markRead);
    el.end.addEventListener("click", endChat);
    status(cfg.online);
    if (cfg.greeting) addLine({ id: "greeting", kind: "agent", author: "", body: cfg.greeting });
    if (cfg.proactive) proactive(cfg.proactive);
  }

  function matches(pattern, path) {
    var re = "^" + pattern.split("*").map(function (part) {
      return part.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    }).join(".*") + "$";
    return new RegExp(re).test(path);
  }

  function proactive(rule) {
    var seenKey = storeKey + ":greeted";
    try { if (sessionStorage.getItem(seenKey)) return; } catch (e) { /* no storage: greet */ }
    if (state || !rule.pages.some(function (p) { return matches(p, location.pathname); })) return;
    el.nudgeTimer = setTimeout(function () {
      if (state || !el.panel.hidden) return;
      el.nudgeText.textContent = rule.text;
      el.nudge.hidden = false;
      try { sessionStorage.setItem(seenKey, "1"); } catch (e) { /* greets again next page */ }
    }, rule.after_seconds * 1000);
  }

  function dismissNudge() {
    clearTimeout(el.nudgeTimer);
    el.nudge.hidden = true;
  }

  function toggle(open) {
    dismissNudge();
    el.panel.hidden = !open;
    el.launcher.hidden = open;
    el.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    el.host.classList.toggle("open", open);
    el.wrap.classList.toggle("open", open);
    if (open) (state ? el.input : el.name.value ? el.first : el.name).focus();
    else el.launcher.focus();
    markRead();
  }

  function status(online, agent, photo) {
    var text = agent ? fmt(T.answering, agent) : online ? T.online : T.offline;
    if (el.status.getAttribute("data-text") === text + (photo || "")) return;
    el.status.setAttribute("data-text", text + (photo || ""));
    el.status.textContent = "";
    var img = photo ? h("img", { src: photo, alt: "", width: "32", height: "32" }) : null;
    if (img) img.addEventListener("error", function () { img.remove(); }); // a host CSP without img-src
    el.status.appendChild(h("span", { "class": "agent" }, img ? [img, h("span", { text: text })] : [h("span", { text: text })]));
  }

  function markRead() {
    if (!state || el.panel.hidden || document.hidden || newestAgent <= readSent) return;
    readSent = newestAgent;
    call("POST", "/sessions/" + state.id + "/read", { upto: newestAgent }).catch(function () { readSent = 0; });
  }

  function showRead(upto) {
    agentRead = Math.max(agentRead, upto || 0);
    el.log.querySelectorAll("li.visitor").forEach(function (li) {
      var mark = li.querySelector(".read");
      if (!mark && Number(li.getAttribute("data-id")) <= agentRead) {
        li.appendChild(h("span", { "class": "read", text: T.read }));
      }
    });
  }

  function download(a) {
    fetch(api + "/sessions/" + state.id + "/attachments/" + a.id, { headers: auth(), credentials: "omit", mode: "cors" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.blob(); })
      .then(function (blob) {
        var url = URL.createObjectURL(blob);
        var link = h("a", { href: url, download: a.filename });
        el.wrap.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
      }).catch(function () { showError(T.failed); });
  }

  function upload() {
    var file = el.file.files && el.file.files[0];
    if (!file || !state) return;
    showError("");
    var form = new FormData();
    form.append("file", file, file.name);
    if (el.input.value.trim()) form.append("body", el.input.value);
    el.attach.disabled = true;
    call("POST", "/sessions/" + state.id + "/attachments", form).then(function (r) {
      if (r.status === 401) { forget(); return failed(r); }
      if (!r.ok) return failed(r);
      el.input.value = "";
      addLine(r.data);
    }).catch(function () { showError(T.failed); }).then(function () {
      el.attach.disabled = false;
      el.file.value = "";
      el.attach.focus();
    });
  }

  function mailTranscript() {
    if (!state) return;
    call("POST", "/sessions/" + state.id + "/transcript").then(function (r) {
      if (!r.ok) return failed(r);
      el.typing.textContent = T.transcript_sent;
    }).catch(function () { showError(T.failed); });
  }

  function addLine(m) {
    if (seen[m.id]) return;
    seen[m.id] = true;
    if (typeof m.id === "number" && m.id > lastId) lastId = m.id;
    if (m.kind === "agent" && typeof m.id === "number" && m.id > newestAgent) newestAgent = m.id;
    var who = m.kind === "visitor" ? T.you : m.author;
    var li = h("li", { "class": "msg " + m.kind, "data-kind": m.kind, "data-id": String(m.id) }, [
      h("span", { "class": "who", text: who || T.title }), linked(m.body || "")
    ]);
    if (m.attachments && m.attachments.length) {
      li.appendChild(h("ul", { "class": "files" }, m.attachments.map(function (a) {
        var b = h("button", { type: "button", text: a.filename, "aria-label": fmt(T.download, a.filename) });
        b.addEventListener("click", function () { download(a); });
        return h("li", {}, [b]);
      })));
    }
    el.log.appendChild(li);
    el.log.scrollTop = el.log.scrollHeight;
    if (m.kind === "visitor") showRead(0);
  }

  // http(s) and mailto addresses in a message become links, made node by node (never
  // innerHTML); any other scheme (javascript:, data:) stays text.
  var LINK = /\b(?:https?:\/\/|mailto:)[^\s<>"]+/gi;
  function linked(text) {
    var span = h("span", { "class": "body" }), at = 0, m, raw, url;
    LINK.lastIndex = 0;
    while ((m = LINK.exec(text))) {
      raw = m[0];
      // trailing punctuation is the sentence's, and a ")" only the link's when it opened one
      while (/[.,;:!?'\]}>]$/.test(raw) || (/\)$/.test(raw) && raw.split(")").length > raw.split("(").length)) raw = raw.slice(0, -1);
      LINK.lastIndex = m.index + raw.length;
      try { url = new URL(raw); } catch (e) { url = null; }
      if (!url || !/^(https?|mailto):$/.test(url.protocol)) continue;
      span.appendChild(document.createTextNode(text.slice(at, m.index)));
      span.appendChild(h("a", { href: url.href, target: "_blank", rel: "noopener noreferrer nofollow", text: raw }));
      at = m.index + raw.length;
    }
    span.appendChild(document.createTextNode(text.slice(at)));
    return span;
  }

  function showError(text) { el.error.textContent = text || ""; }

  function failed(r) {
    showError(r.status === 429 ? T.busy : (r.data && r.data.message) || T.failed);
  }

  function chatting() {
    dismissNudge();
    el.prechat.hidden = true;
    el.compose.hidden = false;
    el.tools.hidden = false;
  }

  function forget() {
    state = null;
    save();
    if (source) source.close();
    source = null;
    el.compose.hidden = true;
    el.tools.hidden = true;
    el.prechat.hidden = false;
  }

  function start() {
    showError("");
    var body = {
      name: el.name.value, email: el.email.value, message: el.first.value,
      language: lang, page_url: location.href.slice(0, 500)
    };
    if (user.id) { body.user_id = user.id; body.user_hash = user.hash; }
    call("POST", "/sessions", body).then(function (r) {
      if (!r.ok) return failed(r);
      state = { id: r.data.session, token: r.data.token };
      save();
      el.first.value = "";
      chatting();
      el.input.focus();
      refresh();
      listen();
    }).catch(function () { showError(T.failed); });
  }

  function send() {
    var text = el.input.value;
    if (!text.trim() || !state) return;
    showError("");
    var wasClosed = state.closed;
    call("POST", "/sessions/" + state.id + "/messages", { body: text }).then(function (r) {
      if (r.status === 401) { forget(); return failed(r); }
      if (!r.ok) return failed(r);
      el.input.value = "";
      addLine(r.data);
      if (wasClosed) { state.closed = false; listen(); }
    }).catch(function () { showError(T.failed); });
  }

  function typingNow() {
    var now = Date.now();
    if (!state || now - typedAt < 3000) return;
    typedAt = now;
    call("POST", "/sessions/" + state.id + "/typing").catch(function () {});
  }

  function refresh() {
    if (!state) return;
    call("GET", "/sessions/" + state.id + "?after=" + lastId).then(function (r) {
      if (r.status === 401) return forget();
      if (!r.ok) return;
      r.data.messages.forEach(addLine);
      status(r.data.online, r.data.agent, r.data.agent_photo);
      showRead(r.data.agent_read_upto);
      markRead();
      clearTimeout(typingTimer);
      el.typing.textContent = r.data.agent_typing ? (r.data.typist ? fmt(T.typing, r.data.typist) : T.someone_typing) : "";
      if (r.data.agent_typing) typingTimer = setTimeout(function () { el.typing.textContent = ""; }, 8000);
      var ended = r.data.state === "closed";
      if (ended && !state.closed) askSurvey();
      if (!ended) el.rating.hidden = true;
      state.closed = ended;
      el.end.hidden = ended;
      if (state.closed) el.typing.textContent = T.closed;
    }).catch(function () {});
  }

  /* The survey at the end of a conversation: offered once it has ended (by an agent or
   * with "End the chat"); the rating is sent with the survey's signed token. */
  function endChat() {
    if (!state) return;
    showError("");
    call("POST", "/sessions/" + state.id + "/end").then(function (r) {
      if (r.status === 401) return forget();
      if (!r.ok) return failed(r);
      state.closed = true;
      el.typing.textContent = T.closed;
      el.end.hidden = true;
      offer(r.data.survey);
    }).catch(function () { showError(T.failed); });
  }

  function askSurvey() {
    call("GET", "/sessions/" + state.id + "/survey").then(function (r) {
      if (r.ok) offer(r.data.survey);
    }).catch(function () {});
  }

  function offer(survey) {
    if (!survey || !survey.open) { el.rating.hidden = true; return; }
    state.survey = survey.token;
    var buttons = survey.choices.map(function (c) {
      var b = h("button", { type: "button", "class": "choice", "data-score": String(c.score), "aria-pressed": String(survey.score === c.score), text: c.label });
      b.addEventListener("click", function () { rate({ score: c.score }); });
      return b;
    });
    var kids = [h("p", { "class": "ask", text: T.rate }), h("div", { "class": "choices" }, buttons)];
    if (survey.score !== null) {
      var note = h("textarea", { name: "comment", rows: "2", maxlength: "2000", "aria-label": T.comment });
      note.value = survey.comment || "";
      var send = h("button", { type: "button", "class": "send", text: T.send_comment });
      send.addEventListener("click", function () { rate({ comment: note.value }); });
      kids.push(h("p", { "class": "thanks", role: "status", text: T.thanks }), field(T.comment, note), send);
    }
    el.rating.textContent = "";
    kids.forEach(function (k) { el.rating.appendChild(k); });
    el.rating.hidden = false;
  }

  function rate(body) {
    body.token = state.survey;
    call("POST", "/sessions/" + state.id + "/rating", body).then(function (r) {
      if (!r.ok) return failed(r);
      offer(r.data);
      if (body.comment !== undefined) {
        var done = el.rating.querySelector(".thanks");
        if (done) done.textContent = T.comment_thanks;
      }
    }).catch(function () { showError(T.failed); });
  }

  function listen() {
    if (source) source.close();
    source = new EventSource(api + "/sessions/" + state.id + "/events?token=" + encodeURIComponent(state.token));
    ["ticket", "presence", "reset"].forEach(function (type) { source.addEventListener(type, refresh); });
    source.addEventListener("ready", refresh);
    source.addEventListener("read", function (ev) {
      try { showRead(JSON.parse(ev.data).agent); } catch (e) { /* not for us */ }
    });
    source.addEventListener("denied", forget);
  }

  call("GET", "/config?lang=" + lang).then(function (r) {
    if (!r.ok) return; // unknown channel or a website this channel does not allow
    T = r.data.texts;
    build(r.data);
    if (state) { chatting(); refresh(); listen(); }
  }).catch(function () {});
})();
