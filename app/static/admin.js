/* Admin console. The token stays in this tab's sessionStorage and is sent only as
 * "Authorization: Bearer"; every value from the server is set with textContent. */
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("admin-texts").textContent);
  var KEY = "hoidap-admin-token";
  function $(id) { return document.getElementById(id); }
  function token() { return sessionStorage.getItem(KEY) || ""; }

  function api(method, path, body) {
    var opts = { method: method, headers: { Authorization: "Bearer " + token() } };
    if (body) opts.body = body;
    return fetch(path, opts).then(function (res) {
      var type = res.headers.get("content-type") || "";
      var read = type.indexOf("json") >= 0 && type.indexOf("ndjson") < 0 ? res.json() : res.text();
      return read.then(function (data) {
        if (res.status === 401 || res.status === 403) { logout(data && data.message); throw new Error(data.message); }
        if (!res.ok) throw new Error((data && data.message) || T.error);
        return data;
      });
    });
  }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }
  function say(id, text, bad) { var el = $(id); el.textContent = text || ""; el.className = "status" + (bad ? " error" : ""); }
  function when(ts) { return ts ? new Date(ts * 1000).toLocaleString("vi-VN") : ""; }

  function loadDocs() {
    return api("GET", "/api/admin/documents").then(function (data) {
      var body = $("docs-body");
      body.textContent = "";
      var indexed = data.documents.filter(function (d) { return d.status !== "copy"; }).length;
      $("docs-caption").textContent = T.documents_count.replace("{n}", indexed);
      data.documents.forEach(function (d) {
        var tr = document.createElement("tr");
        var name = cell(tr, "");
        if (d.url) {  // the document's page, as citizens see it, in a new tab
          var a = document.createElement("a");
          a.href = d.url; a.target = "_blank"; a.rel = "noopener";
          a.textContent = d.title || d.source;
          a.setAttribute("aria-label", T.open_page.replace("{title}", d.title || d.source));
          name.appendChild(a);
        } else name.textContent = d.title || d.source;
        var file = document.createElement("div");
        file.className = "muted file";
        file.textContent = d.source;  // the file name: for operators only, never on citizens' pages
        name.appendChild(file);
        if (d.unreadable) {
          var warn = document.createElement("div");
          warn.className = "flag";
          warn.textContent = T.unreadable;
          name.appendChild(warn);
        }
        cell(tr, d.number || "");
        cell(tr, d.date || d.issued || "");
        cell(tr, d.chunks);
        if (d.status === "copy") cell(tr, T.copy[d.copy_reason].replace("{kept}", "“" + (d.copy_of_title || d.copy_of) + "”"), "old");
        else if (d.status === "indexing") cell(tr, T.indexing.replace("{done}", (d.progress || {}).done || 0).replace("{total}", (d.progress || {}).total || "?"));
        else cell(tr, T.status[d.validity] || T.status.news, d.validity && d.validity !== "in_force" && d.validity !== "partly_amended" ? "old" : "ok");
        cell(tr, (d.indexed_at || "").replace("T", " "));
        var td = cell(tr, "");
        var del = document.createElement("button");
        del.type = "button";
        del.className = "danger";
        del.textContent = T.delete;
        del.setAttribute("aria-label", T.delete + ": " + (d.title || d.source));
        del.addEventListener("click", function () {
          if (!window.confirm(T.confirm_delete.replace("{title}", d.title || d.source))) return;
          say("docs-status", T.deleting);
          api("DELETE", "/api/admin/documents/" + encodeURIComponent(d.id)).then(function () {
            say("docs-status", T.deleted.replace("{title}", d.title || d.source));
            return loadDocs();
          }).catch(function (e) { say("docs-status", e.message, true); });
        });
        if (d.status !== "copy") td.appendChild(del);  // a copy is not in the index: nothing to delete
        body.appendChild(tr);
      });
    });
  }

  function poll(job, done) {
    api("GET", "/api/admin/jobs/" + job.id).then(function (j) {
      if (j.status === "done") { done(j); return; }
      if (j.status === "failed") { say("docs-status", j.error, true); return; }
      var p = j.progress || {};
      say("docs-status", T.indexing.replace("{done}", p.done || 0).replace("{total}", p.total || "?"));
      setTimeout(function () { poll(job, done); }, 1000);
    }).catch(function (e) { say("docs-status", e.message, true); });
  }

  $("upload-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = $("file").files[0];
    if (!file) return;
    var form = new FormData();
    form.append("file", file);
    say("docs-status", T.uploading.replace("{name}", file.name));
    api("POST", "/api/admin/documents?wait=0", form).then(function (data) {
      poll(data.job, function (j) {
        var r = (j && j.result) || {};
        say("docs-status", r.copy_of ? T.copy[r.copy_reason].replace("{kept}", r.copy_of.split("/").pop())
                                     : T.uploaded.replace("{name}", file.name), !!r.copy_of);
        $("file").value = "";
        loadDocs();
      });
    }).catch(function (e) { say("docs-status", e.message, true); });
  });

  $("reindex").addEventListener("click", function () {
    say("docs-status", T.reindexing);
    api("POST", "/api/admin/reindex").then(function (data) {
      poll(data.job, function (j) { say("docs-status", T.reindexed + " " + ((j.result || {}).summary || "")); loadDocs(); });
    }).catch(function (e) { say("docs-status", e.message, true); });
  });

  function loadFeedback() {
    var rating = $("rating").value;
    return api("GET", "/api/admin/feedback" + (rating ? "?rating=" + rating : "")).then(function (data) {
      var body = $("feedback-body");
      body.textContent = "";
      say("feedback-status", T.feedback_count.replace("{n}", data.feedback.length));
      data.feedback.forEach(function (f) {
        var tr = document.createElement("tr");
        cell(tr, when(f.created));
        cell(tr, f.rating > 0 ? "👍" : "👎").setAttribute("aria-label", f.rating > 0 ? T.liked : T.disliked);
        cell(tr, f.question);
        cell(tr, f.answer.length > 400 ? f.answer.slice(0, 400) + "…" : f.answer);
        cell(tr, (f.citations || []).map(function (c) { return "[" + c.n + "] " + (c.title || c.source || ""); }).join("; "));
        cell(tr, f.comment);
        body.appendChild(tr);
      });
    });
  }
  $("rating").addEventListener("change", function () { loadFeedback().catch(function (e) { say("feedback-status", e.message, true); }); });
  $("export").addEventListener("click", function () {
    api("GET", "/api/admin/feedback/export").then(function (text) {
      var url = URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" }));
      var a = document.createElement("a");
      a.href = url;
      a.download = "feedback-cases.jsonl";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    }).catch(function (e) { say("feedback-status", e.message, true); });
  });

  function loadUsage() {
    return api("GET", "/api/admin/usage").then(function (u) {
      var stats = $("usage-stats");
      stats.textContent = "";
      [[T.total, u.total], [T.refusal_rate, Math.round(u.refusal_rate * 100) + "%"], [T.retention, u.retention_days + " " + T.days]]
        .forEach(function (s) {
          var box = document.createElement("div");
          box.className = "stat";
          var b = document.createElement("b");
          b.textContent = String(s[1]);
          box.appendChild(b);
          box.appendChild(document.createTextNode(s[0]));
          stats.appendChild(box);
        });
      var days = $("usage-days");
      days.textContent = "";
      u.per_day.forEach(function (d) { var tr = document.createElement("tr"); cell(tr, d.day); cell(tr, d.questions); days.appendChild(tr); });
      var reasons = $("usage-reasons");
      reasons.textContent = "";
      Object.keys(u.reasons).forEach(function (r) {
        var tr = document.createElement("tr");
        cell(tr, T.reasons[r] || r);
        cell(tr, u.reasons[r].count);
        cell(tr, Math.round(u.reasons[r].share * 100) + "%");
        reasons.appendChild(tr);
      });
      var un = $("usage-unanswered");
      un.textContent = "";
      u.unanswered.forEach(function (q) { var tr = document.createElement("tr"); cell(tr, q.question); cell(tr, q.count); cell(tr, q.nearest); un.appendChild(tr); });
    });
  }

  var tabs = { docs: loadDocs, feedback: loadFeedback, usage: loadUsage };
  function show(name) {
    Object.keys(tabs).forEach(function (k) {
      $("tab-" + k).setAttribute("aria-selected", String(k === name));
      $("panel-" + k).hidden = k !== name;
    });
    tabs[name]().catch(function (e) { say(name === "docs" ? "docs-status" : name + "-status", e.message, true); });
  }
  Object.keys(tabs).forEach(function (k) { $("tab-" + k).addEventListener("click", function () { show(k); }); });

  function logout(message) {
    sessionStorage.removeItem(KEY);
    $("console").hidden = true;
    $("logout").hidden = true;
    $("login").hidden = false;
    say("login-status", message || "", !!message);
  }
  function enter() {
    $("login").hidden = true;
    $("console").hidden = false;
    $("logout").hidden = false;
    show("docs");
  }
  $("logout").addEventListener("click", function () { logout(); $("token").focus(); });
  $("login-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(KEY, $("token").value);
    $("token").value = "";
    api("GET", "/api/admin/documents").then(enter).catch(function () {});
  });

  var disabled = $("disabled");
  if (disabled.getAttribute("data-message")) {
    disabled.hidden = false;
    $("disabled-text").textContent = disabled.getAttribute("data-message");
  } else if (token()) {
    enter();
  } else {
    logout();
  }
})();
