// blogbuild serve: reloads this tab when its page changes; shows build errors.
(function () {
  "use strict";
  var me = document.currentScript;
  var epoch = Number(me.dataset.epoch), hash = me.dataset.hash, path = location.pathname;
  var key = "blogbuild-scroll:" + path;
  var saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    var y = Number(saved), restore = function () { window.scrollTo(0, y); };
    restore();
    document.addEventListener("DOMContentLoaded", restore);
    window.addEventListener("load", function () { restore(); setTimeout(restore, 50); });
  }
  function overlay(text) {
    var box = document.getElementById("blogbuild-error");
    if (!text) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "blogbuild-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;top:0;z-index:2147483647;" +
        "max-height:60vh;overflow:auto;margin:0;padding:12px 16px;background:#fff0f0;" +
        "color:#900;border-bottom:3px solid #c00;font:13px/1.5 ui-monospace,monospace;" +
        "white-space:pre-wrap;box-shadow:0 2px 8px rgba(0,0,0,.3)";
      (document.body || document.documentElement).appendChild(box);
    }
    // the page itself says that nothing could be built: there is no good version yet
    box.textContent = (document.getElementById("blogbuild-failed")
      ? "blogbuild: the site did not build; fix this and the tab reloads."
      : "blogbuild: the last change did not build; showing the last good version.") +
      "\n\n" + text;
  }
  overlay(me.dataset.error || "");
  // Only a tab in view waits for a change: each wait holds a connection, and a browser
  // opens six at most to one host, so hidden tabs holding theirs would keep a seventh
  // tab from loading. A tab shown again asks at once (and reloads if its page changed).
  var waiting = null;
  function poll() {
    if (waiting || document.hidden) return;
    var url = "/__blogbuild/wait?epoch=" + epoch + "&hash=" + encodeURIComponent(hash) +
      "&path=" + encodeURIComponent(path);
    var request = waiting = new AbortController();
    fetch(url, {cache: "no-store", signal: request.signal}).then(function (r) {
      return r.json();
    }).then(function (a) {
      waiting = null;
      if (a.reload) {
        sessionStorage.setItem(key, String(window.scrollY));
        location.reload();
        return;
      }
      epoch = a.epoch;
      overlay(a.error);
      poll();
    }).catch(function () {
      if (waiting === request) waiting = null;
      if (request.signal.aborted) poll(); else setTimeout(poll, 1000);
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { if (waiting) waiting.abort(); } else poll();
  });
  // the page's own files first (its fonts are asked for late): with five other tabs in
  // view holding a connection each, this tab's wait would take the last one from them
  if (document.readyState === "complete") poll();
  else { window.addEventListener("load", poll); setTimeout(poll, 3000); }
})();
