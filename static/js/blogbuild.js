// Renders the formulas blogbuild marked up: each .math element holds one, as \(…\) or
// \[…\], given to KaTeX whole (auto-render's search for the closing delimiter counts
// braces, and a `%` comment holding a `{` would hide it). The formulas of one post
// (its page, or its entry on a listing)
// share one macro table, so \newcommand carries to its later formulas but not into
// the next post's entry (two posts of a series defining \bx each); they may use
// \htmlStyle and in-page \href. Each reader comment (and each line of the sidebar)
// gets a table of its own, no trust at all, and sizes of a few em at most. As
// blogbuild checked them.
//
// Then, in either render mode, an inline formula wider than its line (one KaTeX has
// no place to break, such as a long \left(…\right)) is marked `math-wide`, and the
// theme lets it scroll on its own: on a phone it would widen the whole page. A formula
// that scrolls is marked on the sides where more of it is.
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
      var settings = {
        throwOnError: false, strict: "ignore",
        globalGroup: true, macros: macros, trust: trusted ? trustAuthor : false,
      };
      // a reader's \rule or \kern as large as the page would cover it
      if (!trusted) settings.maxSize = config.reader_max_size;
      return settings;
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
  // A display numbered by a \tag at its top level (a multline's last row, a `$$`
  // formula with a \label, an author's own \tag) is several of KaTeX's boxes, one per
  // place where it may break, and the theme's number rule makes each box an item that
  // wraps: on a phone such a formula broke at its operators, where any other display
  // (an equation's one box) scrolls. Its boxes go into one, which does not break.
  function keepNumberedWhole() {
    document.querySelectorAll(".katex-display > .katex > .katex-html").forEach(function (html) {
      var boxes = html.querySelectorAll(":scope > .katex-base");
      if (boxes.length < 2 || !html.querySelector(":scope > .katex-tag") ||
          html.querySelector(":scope > .katex-newline")) return;
      var whole = document.createElement("span");
      whole.className = "katex-bases";
      html.insertBefore(whole, boxes[0]);
      boxes.forEach(function (box) { whole.appendChild(box); });
    });
  }
  // A display numbered on several rows (an align) carries its first number's id, and
  // the others' on empty anchors before it (mathrender.py): \eqref{…} to the (12) of a
  // twelve-row align scrolled to its first row. Each further id moves onto its number
  // in KaTeX's column of numbers (rows without one have an empty place there); before
  // the page has loaded, so a page opened at such a number scrolls to it. A number
  // stands at its row's middle: its scroll margin is what of the row is above it (a
  // matrix in the row), so the whole row comes into view.
  var rowNumbers = [];
  function anchorRows() {
    document.querySelectorAll(".math.display[id]").forEach(function (display) {
      var anchors = [], before = display.previousElementSibling;
      while (before && before.matches('span[id^="eq-"]:empty')) {
        anchors.unshift(before);
        before = before.previousElementSibling;
      }
      if (!anchors.length) return;
      var numbers = Array.prototype.filter.call(
        display.querySelectorAll(".katex-tag .vlist > span > :not(.pstrut)"),
        function (number) { return number.textContent; });
      if (numbers.length !== anchors.length + 1) return;
      anchors.forEach(function (anchor, i) {
        numbers[i + 1].id = anchor.id;
        anchor.remove();
        rowNumbers.push(numbers[i + 1]);
      });
    });
    fitRowMargins();
  }
  function fitRowMargins() {
    // every row measured first, then every margin set: one layout, not one per number
    var margins = rowNumbers.map(function (number) {
      var slot = number.parentNode, row = Array.prototype.indexOf.call(slot.parentNode.children, slot);
      var table = number.closest(".katex-html").querySelector(".mtable"), top = Infinity;
      Array.prototype.forEach.call(table ? table.children : [], function (column) {
        var cells = column.querySelector(":scope > .vlist-t > .vlist-r > .vlist");
        var cell = cells && cells.children[row] && cells.children[row].lastElementChild;
        if (cell) top = Math.min(top, cell.getBoundingClientRect().top);
      });
      var above = number.getBoundingClientRect().top - top;
      return above > 0 && above < Infinity ? 16 + above + "px" : "";
    });
    rowNumbers.forEach(function (number, i) { number.style.scrollMarginTop = margins[i]; });
  }
  // the display a row's number is in lights up with it, as one whose own id is the
  // target does (the stylesheet cannot reach from the number up to its display)
  function lightRowTarget() {
    document.querySelectorAll(".math.display.row-target").forEach(function (display) {
      display.classList.remove("row-target");
    });
    var id = decodeURIComponent(location.hash.slice(1)), target = id && document.getElementById(id);
    if (target && target.closest(".katex-tag")) target.closest(".math.display").classList.add("row-target");
  }
  // A line never starts with the "。" after an inline formula, nor ends with the "（"
  // before one. Chromium breaks a line between KaTeX's boxes and the text beside them,
  // where it never would between two characters. formulabreaks.py binds a short
  // formula to its marks in the HTML, but a long one must keep the breaks KaTeX makes
  // at its operators: so the marks move into the formula's last box (opening marks
  // into its first), which KaTeX never breaks, in the text's font and style. They are
  // copied from there, as part of the formula (a rich-text paste shows the formula's
  // boxes); screen readers, to which KaTeX's boxes are hidden, get a copy of them
  // inside the formula's element, in its place in the sentence, out of sight and not
  // copied. A run of marks goes whole ("$x$）。").
  var CLOSING = /^[，。、；：？！）》」』】〉”’…,.;:?!)]+/, OPENING = /[（《「『【〈“‘(]+$/;
  function marksBeside(formula) {  // [the closing run after it, the opening run before it]
    var after = formula.nextSibling, before = formula.previousSibling;
    return [after && after.nodeType === Node.TEXT_NODE && CLOSING.exec(after.data),
            before && before.nodeType === Node.TEXT_NODE && OPENING.exec(before.data)];
  }
  function holdMarks() {
    var formulas = Array.prototype.filter.call(document.querySelectorAll(".math"), function (el) {
      return !el.querySelector(".katex-display") && el.querySelector(".katex-html > .katex-base") &&
        marksBeside(el).some(Boolean);
    });
    // every style read before anything changes: one style pass, not one per formula
    var styles = formulas.map(function (el) {
      var style = getComputedStyle(el.parentNode);
      return [style.fontWeight, style.fontStyle];
    });
    formulas.forEach(function (formula, i) {
      var boxes = formula.querySelectorAll(".katex-html > .katex-base");
      // asked again: the text between two formulas may have given the first its marks
      var runs = marksBeside(formula);
      if (runs[0]) hold(formula, boxes[boxes.length - 1], false, runs[0], styles[i]);
      if (runs[1]) hold(formula, boxes[0], true, runs[1], styles[i]);
    });
  }
  function hold(formula, box, atStart, run, style) {
    var text = atStart ? formula.previousSibling : formula.nextSibling;
    var mark = run.index ? text.splitText(run.index) : text;
    if (mark.data.length > run[0].length) mark.splitText(run[0].length);
    mark.parentNode.removeChild(mark);
    var shown = document.createElement("span");
    shown.className = "math-mark";
    shown.textContent = mark.data;
    shown.style.fontWeight = style[0];
    shown.style.fontStyle = style[1];
    box.insertBefore(shown, atStart ? box.firstChild : null);
    var read = document.createElement("span");
    read.className = "visually-hidden math-mark-read";
    read.appendChild(mark);
    formula.insertBefore(read, atStart ? formula.firstChild : null);
  }
  var BLOCKS = "p, li, dd, dt, blockquote, figcaption, h1, h2, h3, h4, h5, h6, div, td, th";
  function beyond(el) {  // sticks out of its line's block
    var line = el.closest(BLOCKS);
    if (!line) return false;
    var box = el.getBoundingClientRect(), room = line.getBoundingClientRect();
    return box.right > room.right + 1 || box.left < room.left - 1;
  }
  function markWide() {
    measuredAt = window.innerWidth;
    // a formula bound to the punctuation beside it (formulabreaks.py) is let go where
    // the two are wider than the line together (its marks are held in its boxes)
    var bound = document.querySelectorAll(".nobr");
    bound.forEach(function (el) { el.classList.remove("nobr-wide"); });
    Array.prototype.filter.call(bound, beyond).forEach(function (el) {
      el.classList.add("nobr-wide");
    });
    var formulas = document.querySelectorAll(".math");
    var inline = Array.prototype.filter.call(formulas, function (el) {
      return !el.querySelector(".katex-display") && !el.closest("table");
    });
    inline.forEach(function (el) { el.classList.remove("math-wide"); });
    // measured all at once, then marked: one layout, not one per formula
    var wide = inline.filter(beyond);
    wide.forEach(function (el) { el.classList.add("math-wide"); });
    var room = Array.prototype.map.call(formulas, scrollRoom);
    Array.prototype.forEach.call(formulas, function (el, i) { markMore(el, room[i]); });
  }
  // A formula wider than its column scrolls sideways (a display's KaTeX box, or an
  // inline formula marked math-wide), and a phone shows no scrollbar: the theme marks
  // the sides where more of the formula is.
  function scrollerOf(formula) {
    return formula.matches(".math-wide") ? formula : formula.querySelector(".katex-display");
  }
  var HIDDEN = 4;  // px out of sight before a side counts (the theme's 2 px padding, a tag's overhang)
  function scrollRoom(formula) {
    var scroller = scrollerOf(formula);
    if (!scroller) return {left: 0, right: 0, below: 0};
    var left = scroller.scrollLeft, right = scroller.scrollWidth - scroller.clientWidth - left;
    // a display's number that went below the formula (the theme's CSS; not where `\\`
    // breaks it into rows: KaTeX's layout stays there) is left unshaded
    var tag = (left > HIDDEN || right > HIDDEN) &&
      scroller.querySelector(".katex-html:not(:has(> .katex-newline)) > .katex-tag");
    var first = tag && tag.parentNode.firstElementChild;
    var below = 0;
    if (tag && first !== tag) {
      var row = tag.getBoundingClientRect();
      if (row.top >= first.getBoundingClientRect().bottom - 1) {
        below = formula.getBoundingClientRect().bottom - row.top;
      }
    }
    return {left: left, right: right, below: below};
  }
  function markMore(formula, room) {
    formula.classList.toggle("more-left", room.left > HIDDEN);
    formula.classList.toggle("more-right", room.right > HIDDEN);
    if (room.below) formula.style.setProperty("--below", room.below + "px");
    else formula.style.removeProperty("--below");
  }
  function scrolled(event) {
    var target = event.target;
    if (target.nodeType !== Node.ELEMENT_NODE) return;
    var formula = target.matches(".math-wide") ? target
                : target.matches(".math.display > .katex-display") ? target.parentNode : null;
    if (formula) markMore(formula, scrollRoom(formula));
  }
  // Printed (or saved as a PDF), a formula cannot scroll: one wider than the column is
  // set smaller until it fits, and back once printing is done. The print media query
  // matches once the page is laid out on paper (beforeprint comes earlier, at the
  // window's width), so its widths are the paper's.
  var shrunk = [];
  function fitForPrint(printing) {
    shrunk.forEach(function (el) { el.style.fontSize = ""; });
    shrunk = [];
    if (!printing) return;
    var wide = document.querySelectorAll(".katex-display, .math.math-wide, .post-body table");
    Array.prototype.forEach.call(wide, function (el) {
      for (var tries = 0; tries < 3 && el.scrollWidth > el.clientWidth + 1; tries++) {
        var now = parseFloat(el.style.fontSize) || 100;
        el.style.fontSize = Math.floor(now * el.clientWidth / el.scrollWidth) - 1 + "%";
        if (tries === 0) shrunk.push(el);
      }
    });
  }
  var pending = false, measuredAt = -1;  // the window's width markWide last measured at
  function start() {
    render();
    keepNumberedWhole();
    anchorRows();
    lightRowTarget();
    window.addEventListener("hashchange", lightRowTarget);
    holdMarks();
    markWide();
    // fonts change every width
    if (document.fonts) document.fonts.ready.then(function () { markWide(); fitRowMargins(); });
    var print = window.matchMedia && window.matchMedia("print");
    if (print && print.addEventListener) {
      print.addEventListener("change", function (event) { fitForPrint(event.matches); });
    }
    // scroll events do not bubble: one listener, capturing, for every formula
    document.addEventListener("scroll", scrolled, {capture: true, passive: true});
    // a phone turned sideways changes the room; its address bar, hiding as the reader
    // scrolls down, changes only the height: nothing to measure again then (a layout
    // of the whole page at every turn of the scroll)
    window.addEventListener("resize", function () {
      if (pending || window.innerWidth === measuredAt) return;
      pending = true;
      window.requestAnimationFrame(function () { pending = false; markWide(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
