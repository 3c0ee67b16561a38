/* hoidap-yte chat widget. One tag on the host page:
 *   <script src="https://HOST/widget.js" data-site="SITE_ID" async></script>
 * Options (data-attributes): data-site, data-title, data-greeting, data-color, data-position ("right"|"left").
 * Everything renders inside a Shadow DOM (host styles do not leak in or out); all text is set with
 * textContent, so HTML in questions or documents is shown, never executed. */
(function () {
  "use strict";
  var T = __HOIDAP_TEXTS__;
  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script || window.__hoidapWidget) return;
  window.__hoidapWidget = true;
  var d = script.dataset || {};
  var base = new URL(script.src, location.href).origin;
  var cfg = {
    site: d.site || "",
    title: d.title || T.widget_title,
    greeting: d.greeting || T.widget_greeting,
    color: /^#[0-9a-fA-F]{3,8}$|^[a-z]+$/.test(d.color || "") ? d.color : "#0f766e",
    left: d.position === "left"
  };
  var history = [];
  var busy = false;

  var css =
    ":host{all:initial}*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}" +
    ".btn{position:fixed;bottom:20px;" + (cfg.left ? "left" : "right") + ":20px;width:58px;height:58px;border-radius:50%;" +
    "border:0;background:var(--c);color:#fff;display:flex;align-items:center;justify-content:center;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483646}" +
    ".panel{position:fixed;bottom:90px;" + (cfg.left ? "left" : "right") + ":20px;width:380px;max-width:calc(100vw - 24px);" +
    "height:560px;max-height:calc(100vh - 110px);background:#fff;color:#1f2937;border-radius:14px;display:none;" +
    "flex-direction:column;box-shadow:0 10px 40px rgba(0,0,0,.25);overflow:hidden;z-index:2147483647;font-size:14px}" +
    ".panel.open{display:flex}" +
    ".head{background:var(--c);color:#fff;padding:12px 14px;display:flex;align-items:center;justify-content:space-between;font-weight:600;font-size:15px}" +
    ".x{background:transparent;border:0;color:#fff;font-size:22px;cursor:pointer;line-height:1}" +
    ".log{flex:1;overflow-y:auto;padding:12px;background:#f8fafc}" +
    ".msg{margin:0 0 10px;padding:9px 11px;border-radius:12px;line-height:1.45;white-space:pre-wrap;word-wrap:break-word;max-width:92%}" +
    ".me{background:var(--c);color:#fff;margin-left:auto;border-bottom-right-radius:4px}" +
    ".bot{background:#fff;border:1px solid #e5e7eb;border-bottom-left-radius:4px}" +
    "sup{color:var(--c);font-weight:700;margin-left:1px}.bot.me sup{color:#fff}" +
    ".src{margin-top:8px;border-top:1px dashed #d1d5db;padding-top:6px;font-size:12.5px}" +
    ".src a,sup a{color:var(--c)}.src b{display:block;margin-bottom:3px}.src ol{margin:0;padding-left:18px}.src li{margin-bottom:6px}" +
    ".meta{color:#6b7280}.q{display:block;border-left:3px solid var(--c);padding-left:6px;margin-top:2px;color:#374151}" +
    ".foot{display:flex;gap:6px;padding:10px;border-top:1px solid #e5e7eb;background:#fff}" +
    "textarea{flex:1;resize:none;border:1px solid #d1d5db;border-radius:10px;padding:8px 10px;font-size:14px;height:42px;color:#111}" +
    ".send{border:0;background:var(--c);color:#fff;border-radius:10px;padding:0 14px;font-size:14px;cursor:pointer}" +
    ".emergency{background:#fef2f2;border:2px solid #b91c1c;color:#7f1d1d}.emergency .t{display:block;font-weight:700;color:#991b1b;margin-bottom:4px}" +
    ".call{display:inline-block;margin-top:8px;background:#b91c1c;color:#fff;font-weight:700;padding:6px 14px;border-radius:999px;text-decoration:none}" +
    "button:focus-visible,textarea:focus-visible,a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}" +
    ".send:disabled{opacity:.5;cursor:default}.note{font-size:11px;color:#6b7280;padding:0 12px 8px;background:#fff}" +
    "@media (max-width:480px){.panel{left:0;right:0;bottom:0;width:100vw;max-width:100vw;height:85vh;max-height:85vh;border-radius:14px 14px 0 0}" +
    ".btn{bottom:14px}}";

  var host = document.createElement("div");
  host.id = "hoidap-widget";
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var style = document.createElement("style");
  style.textContent = css;
  root.appendChild(style);

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  var wrap = el("div");
  wrap.style.setProperty("--c", cfg.color);
  var btn = el("button", "btn");
  var svgNS = "http://www.w3.org/2000/svg";
  var icon = document.createElementNS(svgNS, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("width", "28");
  icon.setAttribute("height", "28");
  var path = document.createElementNS(svgNS, "path");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2zm3 5v2h10V8H7zm0 4v2h7v-2H7z");
  icon.appendChild(path);
  btn.appendChild(icon);
  btn.setAttribute("aria-label", T.widget_open);
  btn.setAttribute("aria-expanded", "false");
  btn.setAttribute("part", "button");
  var panel = el("div", "panel");
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", cfg.title);
  var head = el("div", "head");
  head.appendChild(el("span", null, cfg.title));
  var close = el("button", "x", "×");
  close.setAttribute("aria-label", T.widget_close);
  head.appendChild(close);
  var log = el("div", "log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  var foot = el("div", "foot");
  var input = el("textarea");
  input.placeholder = T.placeholder;
  input.setAttribute("aria-label", T.placeholder);
  var send = el("button", "send", T.send);
  foot.appendChild(input);
  foot.appendChild(send);
  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(foot);
  panel.appendChild(el("div", "note", T.footer));
  wrap.appendChild(btn);
  wrap.appendChild(panel);
  root.appendChild(wrap);
  (document.body || document.documentElement).appendChild(host);

  log.appendChild(el("div", "msg bot", cfg.greeting));

  var checked = false;
  // While the server builds its first index, say so as soon as the panel opens.
  function checkReady() {
    if (checked) return;
    checked = true;
    fetch(base + "/api/health").then(function (r) { return r.json(); }).then(function (h) {
      if (h.status !== "indexing") return;
      var p = h.progress || {};
      log.appendChild(el("div", "msg bot", T.indexing.replace("${done}", p.done || 0).replace("${total}", p.total || "?")));
      checked = false;
    }).catch(function () { checked = false; });
  }

  function toggle(open) {
    panel.classList.toggle("open", open);
    btn.setAttribute("aria-expanded", String(open));
    // Focus goes into the panel when it opens and back to the button when it closes.
    if (open) { checkReady(); setTimeout(function () { input.focus(); }, 0); }
    else btn.focus();
  }
  btn.addEventListener("click", function () { toggle(!panel.classList.contains("open")); });
  close.addEventListener("click", function () { toggle(false); });
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { e.preventDefault(); toggle(false); }
  });

  // Answer text from text nodes only; a marker [n] links to its source's page (new tab, assistant's origin).
  function renderAnswer(node, text, cites) {
    node.textContent = "";
    var urls = {};
    (cites || []).forEach(function (c) { urls[c.n] = c.url; });
    var parts = String(text).split(/(\[\d{1,3}\])/);
    for (var i = 0; i < parts.length; i++) {
      var m = /^\[(\d{1,3})\]$/.exec(parts[i]);
      if (m) node.appendChild(el("sup")).appendChild(urls[m[1]] ? link(urls[m[1]], parts[i]) : document.createTextNode(parts[i]));
      else if (parts[i]) node.appendChild(document.createTextNode(parts[i]));
    }
  }

  function link(url, text) {
    var a = el("a", null, text);
    a.href = base + url;
    a.target = "_blank";
    a.rel = "noopener";
    return a;
  }

  function renderSources(node, reply) {
    var cites = reply.citations || [];
    if (!cites.length) return;
    var box = el("div", "src");
    box.appendChild(el("b", null, T.sources_heading));
    var ol = el("ol");
    cites.forEach(function (c) {
      var li = el("li");
      var t = "[" + c.n + "] " + (c.title || T.no_title);
      li.appendChild(el("div")).appendChild(c.url ? link(c.url, t) : document.createTextNode(t));
      var doc = c.document || {};
      var meta = [c.date || T.no_date];
      if (doc.number) meta.unshift(T.status.number + ": " + doc.number);
      if (c.section) meta.push(T.section_label + ": " + c.section);
      if (doc.status) meta.push((T.status[doc.status] || doc.status) +
        (doc.replaced_by ? " (" + T.status.replaced_by + ": " + doc.replaced_by + ")" : ""));
      li.appendChild(el("div", "meta", meta.join(" · ")));
      if (c.quote) li.appendChild(el("span", "q", "“" + c.quote + "”"));
      ol.appendChild(li);
    });
    box.appendChild(ol);
    node.appendChild(box);
  }

  function renderEmergency(node, reply) {
    node.textContent = "";
    node.classList.add("emergency");
    node.setAttribute("role", "alert");
    node.appendChild(el("span", "t", T.emergency_label));
    node.appendChild(document.createTextNode(reply.answer));
    node.appendChild(document.createElement("br"));
    var call = el("a", "call", T.emergency_call);
    call.href = "tel:115";
    node.appendChild(call);
  }

  function scroll() { log.scrollTop = log.scrollHeight; }

  function ask() {
    var q = input.value.trim();
    if (!q || busy) return;
    busy = true;
    send.disabled = true;
    input.value = "";
    log.appendChild(el("div", "msg me", q));
    var bot = el("div", "msg bot", T.thinking);
    bot.setAttribute("data-role", "answer");
    bot.setAttribute("aria-busy", "true");
    log.appendChild(bot);
    scroll();
    var text = "";
    var done = false;
    fetch(base + "/api/ask/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Hoidap-Site": cfg.site },
      body: JSON.stringify({ question: q, history: history.slice(-12), site: cfg.site })
    }).then(function (res) {
      if (!res.ok || !res.body) {
        return res.json().then(function (j) { throw new Error(j.message || T.error_generic); },
          function () { throw new Error(T.error_generic); });
      }
      var reader = res.body.getReader();
      var dec = new TextDecoder();
      var buf = "";
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) return;
          buf += dec.decode(r.value, { stream: true });
          var events = buf.split("\n\n");
          buf = events.pop();
          events.forEach(function (raw) {
            var kind = (raw.match(/^event: (.*)$/m) || [])[1];
            var data = (raw.match(/^data: (.*)$/m) || [])[1];
            if (!kind || !data) return;
            var msg = JSON.parse(data);
            if (kind === "delta") {
              text += msg.text;
              renderAnswer(bot, text);
            } else if (kind === "final") {
              done = true;
              var reply = msg.reply;
              if (reply.reason === "emergency") renderEmergency(bot, reply);
              else { renderAnswer(bot, reply.answer, reply.citations); renderSources(bot, reply); }
              bot.setAttribute("data-reason", reply.reason);
              history.push({ role: "user", content: q }, { role: "assistant", content: reply.answer });
            } else if (kind === "error") {
              done = true;
              bot.textContent = msg.message;
            }
            scroll();
          });
          return pump();
        });
      }
      return pump();
    }).catch(function (err) {
      done = true;
      bot.textContent = (err && err.message) || T.error_generic;
    }).then(function () {
      if (!done) bot.textContent = T.error_generic;
      bot.removeAttribute("aria-busy");
      busy = false;
      send.disabled = false;
      scroll();
    });
  }
  send.addEventListener("click", ask);
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); ask(); }
  });
})();
