// Renders the formulas blogbuild marked up, with KaTeX's auto-render, only inside
// .math elements. Post formulas share one macro table (so \newcommand carries to
// later formulas of the page) and may use \htmlStyle and in-page \href; reader
// comments get a table of their own and no trust at all.
(function () {
  "use strict";
  function render() {
    if (!window.renderMathInElement) return;
    var config = JSON.parse(document.getElementById("math-config").textContent);
    var delimiters = [
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ];
    function trustAuthor(context) {
      if (context.command === "\\htmlStyle") return true;
      // relative links only: equation references and pages of this site
      return context.command === "\\href" && /^(#|\/(?!\/)|\.\.?\/)/.test(context.url);
    }
    function options(macros, trusted) {
      return {
        delimiters: delimiters, throwOnError: false, strict: "ignore",
        globalGroup: true, macros: macros, trust: trusted ? trustAuthor : false,
      };
    }
    var authorMacros = Object.assign({ "\\style": "\\htmlStyle{#1}{#2}" }, config.macros);
    document.querySelectorAll(".math").forEach(function (element) {
      var untrusted = element.closest("[data-untrusted], .recent-comments");
      // each comment starts from the site's macros: readers cannot redefine them for others
      var macros = untrusted ? Object.assign({}, config.macros) : authorMacros;
      window.renderMathInElement(element, options(macros, !untrusted));
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
