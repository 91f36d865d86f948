/* Skip chart resizes that would not change the chart's size.
 * Dash's Graph asks plotly.js to resize every chart twice just after drawing it (once when it first plots, once when
 * its size observer starts). plotly.js then recomputes the whole figure (a relayout with autosize) even when the
 * chart's box is the size it was drawn at: on a country page, 16 relayouts of 8 charts arriving as the event map is
 * drawn, ~0.1 s of a first visit (bench/RESULTS.md, session 9). A resize whose box is unchanged (within plotly's own
 * 1 px tolerance) is answered at once; a real change (window resize, phone rotation) goes to plotly.js as before.
 * plotly.js loads after this file, so the wrapper is installed when Dash assigns window.Plotly. No requests. */
(function () {
  'use strict';

  function unchanged(gd) {
    var full = gd && gd._fullLayout, layout = gd && gd.layout;
    if (!full || !layout || gd.offsetParent === null) { return false; }  // not drawn, or hidden: plotly decides
    var sameWidth = layout.width || Math.abs(gd.clientWidth - full.width) <= 1;
    var sameHeight = layout.height || Math.abs(gd.clientHeight - full.height) <= 1;
    return Boolean(sameWidth && sameHeight);
  }

  function wrap(plotly) {
    var plots = plotly && plotly.Plots;
    if (!plots || !plots.resize || plots.resize.r2pSkipsUnchanged) { return; }
    var resize = plots.resize;
    plots.resize = function (gd) {
      var el = typeof gd === 'string' ? document.getElementById(gd) : gd;
      return unchanged(el) ? Promise.resolve(el) : resize.apply(this, arguments);
    };
    plots.resize.r2pSkipsUnchanged = true;
  }

  if (window.Plotly) { wrap(window.Plotly); return; }
  var prior = Object.getOwnPropertyDescriptor(window, 'Plotly'), current;  // another asset may hook it too
  Object.defineProperty(window, 'Plotly', {
    configurable: true, enumerable: true,
    get: function () { return prior && prior.get ? prior.get() : current; },
    set: function (value) { if (prior && prior.set) { prior.set(value); } current = value; wrap(value); }
  });
})();
