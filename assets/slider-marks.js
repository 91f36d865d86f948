/* Range-slider year marks that would overlap (a phone at 390 px, or a long range) are hidden, keeping the first and
 * last: labels never run together. Re-checked on resize and when Dash re-renders a slider. */
(function () {
  'use strict';

  function thin(root) {
    var marks = Array.prototype.slice.call(root.querySelectorAll('.dash-slider-mark'));
    marks.forEach(function (m) { m.style.visibility = ''; });
    if (marks.length < 3) { return; }
    var boxes = marks.map(function (m) { return m.getBoundingClientRect(); });
    var gap = 4;
    var lastRight = boxes[0].right;
    var end = boxes[boxes.length - 1];
    for (var i = 1; i < marks.length - 1; i++) {
      if (boxes[i].left < lastRight + gap || boxes[i].right + gap > end.left) {
        marks[i].style.visibility = 'hidden';
      } else {
        lastRight = boxes[i].right;
      }
    }
  }

  var queued = false;
  function apply() {
    queued = false;
    document.querySelectorAll('.dash-slider-root.has-marks').forEach(thin);
  }
  function schedule() {
    if (!queued) { queued = true; window.requestAnimationFrame(apply); }
  }
  new MutationObserver(function (records) {
    for (var i = 0; i < records.length; i++) {
      var t = records[i].target;
      if (t.nodeType === 1 && (t.closest('.dash-slider-container') || t.querySelector('.dash-slider-root'))) {
        schedule();
        return;
      }
    }
  }).observe(document.documentElement, {childList: true, subtree: true});
  window.addEventListener('resize', schedule);
  document.addEventListener('DOMContentLoaded', schedule);
})();
