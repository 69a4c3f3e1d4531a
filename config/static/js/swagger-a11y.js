// Swagger UI draws its selects (a parameter's choices, a response's examples) without a
// name, so a screen reader announces only "combo box". Name each from the row it sits in,
// as Swagger UI renders and re-renders them. Served as a file: the CSP allows no inline script.
(function () {
  "use strict";

  function nameOf(select) {
    var parameter = select.closest("tr[data-param-name]");
    if (parameter) {
      var where = parameter.getAttribute("data-param-in");
      return parameter.getAttribute("data-param-name") + (where ? " (" + where + " parameter)" : "");
    }
    var response = select.closest("tr[data-code]");
    if (select.closest(".examples-select")) {
      return "Example" + (response ? " of the " + response.getAttribute("data-code") + " response" : "");
    }
    if (select.closest(".content-type-wrapper, .response-control-media-type, .body-param-content-type")) {
      return "Media type";
    }
    return null;
  }

  function nameSelects(root) {
    root.querySelectorAll("select:not([aria-label]):not([aria-labelledby])").forEach(function (select) {
      if (select.labels && select.labels.length) {
        return;
      }
      var name = nameOf(select);
      if (name) {
        select.setAttribute("aria-label", name);
      }
    });
  }

  var root = document.getElementById("swagger-ui");
  if (root) {
    new MutationObserver(function () {
      nameSelects(root);
    }).observe(root, { childList: true, subtree: true });
  }
})();
