// The search box: Pagefind's UI over the index `blogbuild build` writes to pagefind/.
(function () {
  "use strict";
  function start() {
    var element = document.getElementById("search");
    if (!element || !window.PagefindUI) return;
    new window.PagefindUI({
      element: "#search", bundlePath: element.dataset.bundle,
      showImages: false, showSubResults: true, resetStyles: false,
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
