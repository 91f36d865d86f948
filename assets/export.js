/* Briefing exports. Export links (class "export-link", data-export-kind/id/format) get the page's current query
 * string when used, so an export reproduces exactly the selection on screen; on country pages the ISO3 code from
 * the path is added for chart and table exports. Each chart's modebar gets PNG / SVG / PDF buttons pointing at
 * /export/chart/<id>.<format>. No request is made by this script itself. */
(function () {
  'use strict';
  var CHART = /^(ov|co|ex)-[a-z0-9-]+$/;

  function query(kind) {
    var params = new URLSearchParams(window.location.search);
    var m = window.location.pathname.match(/^\/country\/([A-Za-z]{3})\/?$/);
    if (m && kind !== 'country') { params.set('iso3', m[1].toUpperCase()); }
    var q = params.toString();
    return q ? '?' + q : '';
  }

  function href(kind, id, fmt) {
    return '/export/' + kind + '/' + encodeURIComponent(id) + '.' + fmt + query(kind);
  }

  function refresh(ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest('a[data-export-kind]') : null;
    if (a) { a.href = href(a.dataset.exportKind, a.dataset.exportId, a.dataset.exportFormat); }
  }
  ['mousedown', 'focusin', 'click', 'mouseover'].forEach(function (name) {
    document.addEventListener(name, refresh, true);
  });

  function addModebarButtons() {
    document.querySelectorAll('.modebar').forEach(function (bar) {
      if (bar.querySelector('.r2p-export')) { return; }
      var graph = bar.closest('.dash-graph') || bar.closest('[id]');
      var id = graph && graph.id;
      if (!id || !CHART.test(id)) { return; }
      var group = document.createElement('div');
      group.className = 'modebar-group r2p-export';
      ['png', 'svg', 'pdf'].forEach(function (fmt) {
        var a = document.createElement('a');
        a.className = 'modebar-btn r2p-export-btn';
        a.setAttribute('rel', 'tooltip');
        a.setAttribute('data-title', 'Download ' + fmt.toUpperCase() + ' for a briefing (title, sources, date)');
        a.setAttribute('aria-label', 'Download ' + fmt.toUpperCase() + ' for a briefing');
        a.dataset.exportKind = 'chart';
        a.dataset.exportId = id;
        a.dataset.exportFormat = fmt;
        a.href = href('chart', id, fmt);
        a.textContent = fmt.toUpperCase();
        a.style.cssText = 'font: 600 10px system-ui, sans-serif; padding: 3px 4px; color: #506784; text-decoration: none;';
        group.appendChild(a);
      });
      bar.insertBefore(group, bar.firstChild);
    });
  }

  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; addModebarButtons(); });
  }
  function start() {
    new MutationObserver(schedule).observe(document.body, {childList: true, subtree: true});
    schedule();
  }
  if (document.body) { start(); } else { document.addEventListener('DOMContentLoaded', start); }
}());
