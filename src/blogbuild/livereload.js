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
  // One request: answered as soon as the site has changed since `epoch` (at once if it
  // has already); `done(answer)`, or `done(null, aborted)` if it failed. A tab whose page
  // changed reloads instead.
  function ask(done) {
    var request = new AbortController();
    var url = "/__blogbuild/wait?epoch=" + epoch + "&hash=" + encodeURIComponent(hash) +
      "&path=" + encodeURIComponent(path);
    fetch(url, {cache: "no-store", signal: request.signal}).then(function (r) {
      return r.json();
    }).then(function (a) {
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
  // Each wait holds a connection, and a browser opens six at most to one host: a wait
  // per tab kept a seventh tab from loading. So the tabs share one: the tab holding a
  // Web Lock waits, and tells the others of each change through a BroadcastChannel;
  // each then asks whether its own page changed (answered at once). When that tab
  // closes, the next one waiting for the lock takes over.
  function lead(channel) {
    navigator.locks.request("blogbuild-livereload", function () {
      return new Promise(function () {  // held as long as this tab shows this page
        (function wait() {
          ask(function (answer) {
            if (!answer) { setTimeout(wait, 1000); return; }
            channel.postMessage(answer.epoch);
            wait();
          });
        })();
      });
    });
  }
  function follow(channel) {
    var asking = false;
    channel.onmessage = function (message) {
      if (message.data === epoch || asking) return;
      asking = true;
      (function check() {
        ask(function (answer) {
          if (answer) asking = false; else setTimeout(check, 1000);
        });
      })();
    };
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
    if (window.BroadcastChannel && navigator.locks) {
      var channel = new BroadcastChannel("blogbuild-livereload");
      follow(channel);
      lead(channel);
      return;
    }
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) { if (waiting) waiting.abort(); } else poll();
    });
    poll();
  }
  // the page's own files first (its fonts are asked for late): where each tab waits for
  // itself, five other tabs may hold a connection each, and this tab's wait would take
  // the last one from them
  var started = false;
  function once() { if (!started) { started = true; start(); } }
  if (document.readyState === "complete") once();
  else { window.addEventListener("load", once); setTimeout(once, 3000); }
})();
