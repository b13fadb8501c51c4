// Renders the formulas blogbuild marked up: each .math element holds one, as \(…\) or
// \[…\], given to KaTeX whole (auto-render's search for the closing delimiter counts
// braces, and a `%` comment holding a `{` would hide it). The formulas of one post
// (its page, or its entry on a listing)
// share one macro table, so \newcommand carries to its later formulas but not into
// the next post's entry (two posts of a series defining \bx each); they may use
// \htmlStyle and in-page \href. Each reader comment (and each line of the sidebar)
// gets a table of its own, and no trust at all. As blogbuild checked them.
(function () {
  "use strict";
  function render() {
    if (!window.katex) return;
    var config = JSON.parse(document.getElementById("math-config").textContent);
    var DELIMITERS = { "\\(": "\\)", "\\[": "\\]" };
    function trustAuthor(context) {
      if (context.command === "\\htmlStyle") return true;
      // relative links only: equation references and pages of this site
      return context.command === "\\href" && /^(#|\/(?!\/)|\.\.?\/)/.test(context.url);
    }
    function options(macros, trusted) {
      return {
        throwOnError: false, strict: "ignore",
        globalGroup: true, macros: macros, trust: trusted ? trustAuthor : false,
      };
    }
    var tables = new Map(); // the element a table belongs to → the table
    function macrosOf(owner, untrusted) {
      if (!tables.has(owner)) {
        // each starts from the site's macros: nobody redefines them for the others
        tables.set(owner, Object.assign({}, config.author, untrusted ? config.reader : {},
                                        config.macros));
      }
      return tables.get(owner);
    }
    document.querySelectorAll(".math").forEach(function (element) {
      // a reader's: in a comment, or anywhere in the sidebar's recent comments (a theme
      // may list them in other elements than <li>: such a formula is its own owner)
      var untrusted = element.closest("[data-untrusted], .recent-comments");
      var owner = untrusted ? element.closest("[data-untrusted], .recent-comments li") || element
                            : element.closest("article") || element;
      var text = element.textContent.trim(), left = text.slice(0, 2);
      if (!(left in DELIMITERS) || text.slice(-2) !== DELIMITERS[left]) return;
      var settings = options(macrosOf(owner, !!untrusted), !untrusted);
      settings.displayMode = left === "\\[";
      window.katex.render(text.slice(2, -2), element, settings);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
