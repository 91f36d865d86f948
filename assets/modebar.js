/* Chart toolbars (plotly modebars) stay out of the keyboard Tab order: every chart has export links beneath it,
 * which are the keyboard path to PNG / SVG / PDF / data. The modebar still shows on mouse hover. No requests. */
(function () {
  'use strict';
  function untab(root) {
    (root.querySelectorAll ? root : document).querySelectorAll('.modebar-btn, .modebar a').forEach(function (el) {
      if (el.getAttribute('tabindex') !== '-1') { el.setAttribute('tabindex', '-1'); }
    });
  }
  new MutationObserver(function (records) {
    for (var i = 0; i < records.length; i++) {
      if (records[i].addedNodes.length) { untab(document); return; }
    }
  }).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener('DOMContentLoaded', function () { untab(document); });
})();
