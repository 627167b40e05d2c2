// The live draft check on the ticket page: while the agent types a reply, the draft is sent
// (debounced) to the desk's check URL and the findings are listed under the text box.
(function () {
  "use strict";
  var DELAY_MS = 600;

  function start() {
    var box = document.getElementById("assist-draft");
    var body = document.getElementById("reply-body");
    if (!box || !body || box.dataset.ready) return;
    box.dataset.ready = "1";
    var list = document.getElementById("assist-findings");
    var form = body.form;
    var timer = null;
    var sent = 0;

    function csrf() {
      var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
      return input ? input.value : "";
    }

    function show(findings) {
      list.textContent = "";
      findings.forEach(function (f) {
        var item = document.createElement("li");
        item.className = "assist-finding assist-" + f.severity;
        item.dataset.code = f.code;
        var reason = document.createElement("span");
        reason.textContent = f.reason;
        var fix = document.createElement("span");
        fix.className = "small muted";
        fix.textContent = " " + f.fix;
        item.appendChild(reason);
        item.appendChild(fix);
        list.appendChild(item);
      });
      box.dataset.count = String(findings.length);
    }

    function check() {
      var text = body.value;
      var mine = ++sent;
      if (!text.trim()) { show([]); return; }
      var data = new FormData();
      data.append("body", text);
      fetch(box.dataset.checkUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf() },
      })
        .then(function (r) { return r.ok ? r.json() : { findings: [] }; })
        .then(function (answer) { if (mine === sent) show(answer.findings || []); })
        .catch(function () { /* the send-time check still runs */ });
    }

    body.addEventListener("input", function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(check, DELAY_MS);
    });
  }

  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", start);
  if (document.readyState !== "loading") start();
})();
