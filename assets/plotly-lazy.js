/* Draw a chart when it comes near the screen; draw the others once the page is idle.
 * A country page holds 8 charts and the event map, all 3 to 7 screens below its first screen (the brief). Drawing
 * them as the page mounts kept the browser busy for ~1 s after the brief was on screen (bench/RESULTS.md, session
 * 10): a click or a scroll waited for charts nobody was looking at. Now a chart's first draw (Dash's Graph calling
 * Plotly.react) waits until the chart is within one screen of the visible one; charts still off screen are drawn one
 * at a time when the browser is idle and Dash has no callback in flight, so the whole page is ready shortly after
 * and nothing appears late when scrolled to. Before printing, every chart is drawn. Redraws of a chart already on
 * the page (a new year, a filter) go straight to plotly.js. Until its first draw a chart keeps Dash's
 * "dash-graph--pending" class (a resize asked for meanwhile waits for that draw). No requests. */
(function () {
  'use strict';
  var pending = new Map();  // chart div -> {args, waiting: [{resolve, reject}]}; in mount (= page) order
  var observer = null, idleQueued = false, react = null;

  function settle(job, ok, value) {
    job.waiting.forEach(function (w) { (ok ? w.resolve : w.reject)(value); });
  }

  function draw(gd) {
    var job = pending.get(gd);
    if (!job) { return; }
    pending.delete(gd);
    if (observer) { observer.unobserve(gd); }
    if (!gd.isConnected) { settle(job, true, undefined); return; }  // unmounted before it was drawn: nothing to do
    try {
      Promise.resolve(react.apply(window.Plotly, job.args)).then(
        function (v) { settle(job, true, v); }, function (e) { settle(job, false, e); });
    } catch (e) { settle(job, false, e); }
  }

  function dashBusy() { return Boolean(document.querySelector('[data-dash-is-loading="true"]')); }

  function drawNextWhenIdle() {
    if (idleQueued || !pending.size) { return; }
    idleQueued = true;
    var later = window.requestIdleCallback || function (f) { return window.setTimeout(f, 50); };
    later(function () {
      idleQueued = false;
      if (dashBusy()) { window.setTimeout(drawNextWhenIdle, 50); return; }
      var next = pending.keys().next();
      if (!next.done) { draw(next.value); }
      drawNextWhenIdle();
    }, {timeout: 2000});
  }

  function seen(entries) {
    entries.forEach(function (entry) { if (entry.isIntersecting) { draw(entry.target); } });
    drawNextWhenIdle();
  }

  function deferredReact(gd) {
    var el = typeof gd === 'string' ? document.getElementById(gd) : gd;
    var args = Array.prototype.slice.call(arguments);
    if (!el || el._fullLayout || !window.IntersectionObserver) { return react.apply(this, args); }  // a redraw
    var job = pending.get(el);
    if (!job) {
      job = {waiting: []};
      pending.set(el, job);
      observer = observer || new IntersectionObserver(seen, {rootMargin: '100% 0px'});  // one screen up and down
      observer.observe(el);
    }
    job.args = args;  // the newest figure wins
    return new Promise(function (resolve, reject) { job.waiting.push({resolve: resolve, reject: reject}); });
  }

  function drawAll() { Array.from(pending.keys()).forEach(draw); }

  function wrap(plotly) {
    if (!plotly || !plotly.react || plotly.react.r2pLazy) { return; }
    react = plotly.react;
    plotly.react = deferredReact;
    plotly.react.r2pLazy = true;
    var resize = plotly.Plots && plotly.Plots.resize;
    if (!resize) { return; }
    plotly.Plots.resize = function (gd) {  // a chart not drawn yet will be drawn at its box of then: just wait
      var el = typeof gd === 'string' ? document.getElementById(gd) : gd, job = pending.get(el);
      if (!job) { return resize.apply(this, arguments); }
      return new Promise(function (resolve, reject) {
        job.waiting.push({resolve: function () { resolve(el); }, reject: reject});
      });
    };
  }

  window.addEventListener('beforeprint', drawAll);
  if (window.Plotly) { wrap(window.Plotly); return; }
  var prior = Object.getOwnPropertyDescriptor(window, 'Plotly'), current;
  Object.defineProperty(window, 'Plotly', {
    configurable: true, enumerable: true,
    get: function () { return prior && prior.get ? prior.get() : current; },
    set: function (value) { if (prior && prior.set) { prior.set(value); } current = value; wrap(value); }
  });
})();
