/* Forms, on every page (loaded with defer; the Content-Security-Policy allows only our own files).
 *
 * Everything here improves a page that already works without it:
 * - the server-rendered error summary ([data-error-summary]) gets the focus when the page loads,
 *   so the page scrolls to it and a screen reader reads it;
 * - a link in the summary moves the focus to its field and scrolls its label or legend into view;
 * - a long text field's counter ([data-char-count-for]) says how many characters are left, and
 *   says so when the browser cut a paste at the field's maxlength.
 */
(function () {
  "use strict";

  var ANNOUNCE_AFTER_MS = 1000; // screen readers hear the count once typing pauses, not per key

  function number(value) {
    return value.toLocaleString("en-GB");
  }

  function scrollTargetFor(input) {
    var fieldset = input.closest("fieldset");
    var legend = fieldset && fieldset.querySelector("legend");
    if (legend && (input.type === "radio" || input.type === "checkbox")) {
      return legend;
    }
    var labels = input.labels;
    return labels && labels.length ? labels[0] : input;
  }

  function focusField(input) {
    scrollTargetFor(input).scrollIntoView({ block: "start" });
    var box = input.getBoundingClientRect();
    if (box.bottom > window.innerHeight || box.top < 0) {
      input.scrollIntoView({ block: "nearest" });
    }
    input.focus({ preventScroll: true });
  }

  function setUpErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) {
      return;
    }
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) {
        return;
      }
      var input = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!input) {
        return;
      }
      event.preventDefault();
      focusField(input);
    });
    summary.focus();
    summary.scrollIntoView({ block: "start" });
  }

  function setUpCounter(counter) {
    var field = document.getElementById(counter.getAttribute("data-char-count-for"));
    var maximum = field && parseInt(field.getAttribute("maxlength"), 10);
    if (!maximum) {
      return;
    }
    var status = document.querySelector(
      "[data-char-count-status-for='" + counter.getAttribute("data-char-count-for") + "']"
    );
    var hint = document.getElementById(field.id + "-hint");
    if (hint) {
      hint.classList.add("visually-hidden"); // the counter says it; screen readers still hear the limit
    }
    var cutBy = 0;
    var timer = null;

    function text() {
      var left = maximum - field.value.length;
      var words;
      if (left < 0) {
        words = number(-left) + (left === -1 ? " character too many" : " characters too many");
      } else {
        words = number(left) + (left === 1 ? " character left" : " characters left");
      }
      if (cutBy > 0) {
        words += ". The pasted text was cut by " + number(cutBy) +
          (cutBy === 1 ? " character" : " characters") + " to fit " + number(maximum) + ".";
      }
      return words;
    }

    function update(announce) {
      counter.textContent = text();
      counter.classList.toggle("char-count-over", field.value.length >= maximum || cutBy > 0);
      if (status && announce) {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          status.textContent = counter.textContent;
        }, ANNOUNCE_AFTER_MS);
      }
    }

    field.addEventListener("paste", function (event) {
      var pasted = (event.clipboardData && event.clipboardData.getData("text")) || "";
      pasted = pasted.replace(/\r\n?/g, "\n");
      var selected = (field.selectionEnd || 0) - (field.selectionStart || 0);
      var room = maximum - (field.value.length - selected);
      cutBy = Math.max(0, pasted.length - Math.max(0, room));
      window.setTimeout(function () {
        update(true); // a paste cut to nothing fires no input event
      }, 0);
    });
    field.addEventListener("input", function (event) {
      if (event.inputType !== "insertFromPaste") {
        cutBy = 0;
      }
      update(true);
    });
    update(false);
  }

  setUpErrorSummary();
  Array.prototype.forEach.call(document.querySelectorAll("[data-char-count-for]"), setUpCounter);
})();
