/* Only when Dash's own polyfill is served (R2P_POLYFILL=babel; by default dashboard/polyfill.py answers its URL
 * with regenerator-runtime alone, and this file changes nothing). Dash loads @babel/polyfill 7 (core-js 2) for old
 * browsers. In current browsers it still swaps String#trim and
 * parseFloat/parseInt for regex-based copies (its whitespace check expects U+180E, which Unicode 6.3 dropped), and
 * plotly.js calls them for every colour and number it reads: ~70 ms of a country page's load on a slow machine.
 * This file runs twice: first in <head>, before the polyfill, where it keeps the browser's own functions; then as
 * an ordinary asset, after the polyfill, where it puts exactly those back. Nothing else of the polyfill changes. */
(function () {
  var s = String.prototype, names = ["trim", "trimStart", "trimEnd", "trimLeft", "trimRight"];
  var kept = window.__r2pNativeBuiltins;
  if (!kept) {
    kept = {parseFloat: window.parseFloat, parseInt: window.parseInt};
    names.forEach(function (n) { kept[n] = s[n]; });
    window.__r2pNativeBuiltins = kept;
    return;
  }
  names.forEach(function (n) { if (typeof kept[n] === "function") { s[n] = kept[n]; } });
  window.parseFloat = Number.parseFloat = kept.parseFloat;
  window.parseInt = Number.parseInt = kept.parseInt;
})();
