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
  // Each wait holds a connection, and a browser opens six at most to one host: a wait
  // per tab kept a seventh tab from loading. So the tabs share one: the tab holding a
  // Web Lock waits, and tells the others of each new epoch through a BroadcastChannel
  // (and localStorage, for a tab that starts listening after the news); each tab behind
  // it asks whether its own page changed, answered at once. When that tab closes or
  // reloads, the next one waiting for the lock takes over.
  var channel = window.BroadcastChannel && navigator.locks
    ? new BroadcastChannel("blogbuild-livereload") : null;
  var EPOCH_KEY = "blogbuild-livereload-epoch";
  function tell(news) {
    if (!channel) return;
    channel.postMessage(news);
    try { localStorage.setItem(EPOCH_KEY, String(news)); } catch (e) { /* no storage */ }
  }
  // One request: answered as soon as the site has changed since `epoch` (at once if it
  // has already); `done(answer)`, or `done(null, aborted)` if it failed. A tab whose page
  // changed reloads instead (the tab that waits for all tells the others first).
  function ask(done, leading) {
    var request = new AbortController();
    var url = "/__blogbuild/wait?epoch=" + epoch + "&hash=" + encodeURIComponent(hash) +
      "&path=" + encodeURIComponent(path);
    fetch(url, {cache: "no-store", signal: request.signal}).then(function (r) {
      return r.json();
    }).then(function (a) {
      if (leading) tell(a.epoch);
      if (a.reload) {
        sessionStorage.setItem(key, String(window.scrollY));
        location.reload();
        return;
      }
      epoch = a.epoch;
      overlay(a.error);
      done(a);
    }).catch(function () { done(null, request.signal.aborted); });
    return request;
  }
  function lead() {
    navigator.locks.request("blogbuild-livereload", function () {
      return new Promise(function () {  // held as long as this tab shows this page
        (function wait() {
          ask(function (answer) { if (answer) wait(); else setTimeout(wait, 1000); }, true);
        })();
      });
    });
  }
  // Epochs only grow (they count from the server's start, in ms): a tab asks while the
  // latest it heard of is newer than its own, once at a time.
  var latest = 0, asking = false;
  function hear(news) {
    latest = Math.max(latest, Number(news) || 0);
    if (asking || latest <= epoch) return;
    asking = true;
    ask(function (answer) {
      asking = false;
      if (answer) hear(latest); else setTimeout(function () { hear(latest); }, 1000);
    });
  }
  if (channel) {  // from the start: news may come before this page has loaded
    channel.onmessage = function (message) { hear(message.data); };
    try { hear(localStorage.getItem(EPOCH_KEY)); } catch (e) { /* no storage */ }
  }
  // Without Web Locks (they need a secure context: an address other than localhost has
  // none), each tab in view waits for itself, and a hidden one gives its connection up;
  // shown again, it asks at once (and reloads if its page changed).
  var waiting = null;
  function poll() {
    if (waiting || document.hidden) return;
    waiting = ask(function (answer, aborted) {
      waiting = null;
      if (answer || aborted) poll(); else setTimeout(poll, 1000);
    });
  }
  function start() {
    if (channel) { lead(); return; }
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) { if (waiting) waiting.abort(); } else poll();
    });
    poll();
  }
  // the page's own files first (its fonts are asked for late): a wait that starts
  // earlier may take the last connection from them
  var started = false;
  function once() { if (!started) { started = true; start(); } }
  if (document.readyState === "complete") once();
  else { window.addEventListener("load", once); setTimeout(once, 3000); }
})();
