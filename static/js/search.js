// The search box: Pagefind's UI over the index `blogbuild build` writes to pagefind/.
(function () {
  "use strict";
  function start() {
    var element = document.getElementById("search");
    if (!element || !window.PagefindUI) return;
    new window.PagefindUI({
      element: "#search", bundlePath: element.dataset.bundle,
      showImages: false, showSubResults: true, resetStyles: false,
      // Pagefind counts a Chinese word as a word: its 30 make a snippet of a dozen
      // characters, too short to tell one post's passage from another's
      excerptLength: 60,
    });
    // the header's link to the box (on a phone the box is at the page's end): type at once
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest('a[href="#search"]');
      var input = element.querySelector("input");
      if (link && input) {
        event.preventDefault();
        input.focus();
        (element.closest(".widget") || element).scrollIntoView({block: "start"});
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
