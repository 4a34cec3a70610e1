/* Optional: hide fields whose visible_if rule is false, with the server's semantics
   (forms_platform/rules.py). Without this script every field is shown and the server
   ignores answers to hidden ones. */
(function () {
  "use strict";
  function valueOf(form, name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    if (!inputs.length) { return null; }
    var first = inputs[0];
    if (first.type === "radio") {
      for (var i = 0; i < inputs.length; i++) { if (inputs[i].checked) { return inputs[i].value === "true" ? true : inputs[i].value === "false" ? false : inputs[i].value; } }
      return null;
    }
    if (first.type === "checkbox") {
      var values = [];
      for (var j = 0; j < inputs.length; j++) { if (inputs[j].checked) { values.push(inputs[j].value); } }
      return values;
    }
    var text = (first.value || "").trim();
    return text === "" ? null : text;
  }
  function empty(v) { return v === null || v === "" || (Array.isArray(v) && v.length === 0); }
  function num(v) { var n = Number(String(v).replace(/\s/g, "").replace(",", ".")); return isNaN(n) ? null : n; }
  function same(v, lit) {
    if (typeof lit === "boolean" || typeof v === "boolean") { return v === lit; }
    if (typeof lit === "number") { return num(v) === lit; }
    return String(v) === String(lit);
  }
  function test(node, form) {
    if (node.all) { return node.all.every(function (n) { return test(n, form); }); }
    if (node.any) { return node.any.some(function (n) { return test(n, form); }); }
    if (node.not) { return !test(node.not, form); }
    var v = valueOf(form, node.field), op = node.op;
    if (op === "empty") { return empty(v); }
    if (op === "filled") { return !empty(v); }
    if (op === "true" || op === "false") { return v === (op === "true"); }
    if (empty(v)) { return op === "!="; }
    var list = Array.isArray(v) ? v : [v];
    if (op === "in") { return list.some(function (x) { return node.value.some(function (l) { return same(x, l); }); }); }
    if (op === "==") { return list.some(function (x) { return same(x, node.value); }); }
    if (op === "!=") { return !list.some(function (x) { return same(x, node.value); }); }
    var a = typeof node.value === "number" ? num(v) : String(v), b = node.value;
    if (a === null) { return false; }
    return op === ">" ? a > b : op === ">=" ? a >= b : op === "<" ? a < b : a <= b;
  }
  function apply(form) {
    form.querySelectorAll("[data-visible-if]").forEach(function (el) {
      try { el.hidden = !test(JSON.parse(el.getAttribute("data-visible-if")), form); } catch (e) { el.hidden = false; }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-visible-if]")) { return; }
      apply(form);
      form.addEventListener("input", function () { apply(form); });
      form.addEventListener("change", function () { apply(form); });
    });
  });
})();
