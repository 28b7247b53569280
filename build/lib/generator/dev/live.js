// Gazette preview: reload after each rebuild, swap stylesheets in place, show build errors.
// Added to HTML pages by the preview server only; never part of a built site.
(function () {
  "use strict";
  var me = document.currentScript;
  var generation = Number(me.getAttribute("data-generation"));
  var instance = me.getAttribute("data-instance");
  var OVERLAY = "gazette-overlay";

  function reload() { window.location.reload(); }

  // This page's site path as the server names pages: /a/b/ for /a/b/index.html.
  function here() {
    var path = decodeURIComponent(window.location.pathname);
    return path.slice(-11) === "/index.html" ? path.slice(0, -10) : path;
  }

  function swapStyles(generationNow) {
    var links = document.querySelectorAll('link[rel~="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      var url = new URL(links[i].href, window.location.href);
      if (url.origin !== window.location.origin) continue;
      url.searchParams.set("gazette", String(generationNow));
      links[i].href = url.pathname + url.search;
    }
    generation = generationNow;
  }

  function el(tag, style, text) {
    var node = document.createElement(tag);
    if (style) node.setAttribute("style", style);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function hideProblems() {
    var old = document.getElementById(OVERLAY);
    if (old) old.remove();
  }

  function showProblems(problems) {
    hideProblems();
    var panel = el("div",
      "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
      "background:rgba(20,20,20,.92);color:#f5f5f5;font:14px/1.5 ui-monospace,monospace;");
    panel.id = OVERLAY;
    panel.setAttribute("role", "alert");
    panel.appendChild(el("h2", "margin:0 0 1rem;color:#ff8a80;font-size:1.2rem;",
      "Build failed: the page below is the last good version"));
    problems.forEach(function (p) {
      var box = el("section", "margin:0 0 1.5rem;");
      box.className = "gazette-problem";
      box.appendChild(el("p", "margin:0 0 .5rem;font-weight:bold;white-space:pre-wrap;", p.text));
      if (p.hint) box.appendChild(el("p", "margin:0 0 .5rem;color:#ffd180;", "hint: " + p.hint));
      if (p.excerpt && p.excerpt.length) {
        var pre = el("pre", "margin:0;padding:.5rem;background:#000;overflow:auto;");
        p.excerpt.forEach(function (row) {
          var bad = row[0] === p.line;
          var number = String(row[0]).padStart(5, " ");
          pre.appendChild(el("div", bad ? "background:#5c1a1a;color:#fff;" : "color:#bbb;",
            (bad ? ">" : " ") + number + " | " + row[1]));
        });
        box.appendChild(pre);
      }
      panel.appendChild(box);
    });
    document.body.appendChild(panel);
  }

  function connect() {
    var source = new EventSource("/__gazette__/events");
    source.addEventListener("hello", function (e) {
      var state = JSON.parse(e.data);
      if (state.problems) { showProblems(state.problems); return; }
      if (state.instance !== instance || state.generation !== generation) reload();
      else hideProblems();
    });
    source.addEventListener("reload", function (e) {
      var data = JSON.parse(e.data);
      if (!data.paths || data.paths.indexOf(here()) >= 0) { reload(); return; }
      generation = data.generation;  // this page is as it was: only others changed
    });
    source.addEventListener("css", function (e) { swapStyles(JSON.parse(e.data).generation); });
    source.addEventListener("problem", function (e) {
      showProblems(JSON.parse(e.data).problems);
    });
    source.onerror = function () {
      // The browser retries by itself unless it gave up; then start over (server restarted).
      if (source.readyState === EventSource.CLOSED) { setTimeout(connect, 1000); }
    };
  }

  connect();
})();
