/* Charts on a phone (< 576 px wide). The figures are built once on the server for a desktop column; on a narrow
 * screen plotly would clip their titles and source lines and lay legends over the source. After each draw this
 * re-wraps the title, subtitle and source line to the chart's width, makes room for them and for a legend below
 * the plot (estimated from the legend's entries), keeps the plot area's height, moves the view buttons above the
 * plot, and gives the country event map a window that fits a phone (layout.meta.window: the country's box).
 * Plain plotly.relayout in the browser: no Dash round trip, no requests. */
(function () {
  'use strict';
  var PHONE = 576;

  function unwrap(text) { return String(text || '').replace(/<br\s*\/?>/gi, ' ').replace(/\s+/g, ' ').trim(); }

  function wrap(text, width) {
    var words = text.split(' '), lines = [], cur = '';
    words.forEach(function (w) {
      if (cur && (cur + ' ' + w).length > width) { lines.push(cur); cur = w; } else { cur = cur ? cur + ' ' + w : w; }
    });
    if (cur) { lines.push(cur); }
    return {text: lines.join('<br>'), lines: text ? lines.length : 0};
  }

  function legendRows(gd, width) {
    var rows = 0, x = 0;
    (gd._fullData || []).forEach(function (t) {
      if (t.showlegend === false || t.visible === false || !t.name) { return; }
      var w = 40 + unwrap(t.name).length * 6.3;
      if (rows === 0 || x + w > width) { rows += 1; x = w; } else { x += w; }
    });
    return rows;
  }

  function merc(lat) { return Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360)) * 180 / Math.PI; }
  function unmerc(m) { return (2 * Math.atan(Math.exp(m * Math.PI / 180)) - Math.PI / 2) * 180 / Math.PI; }

  /* lon/lat ranges around the box [lon0, lat0, lon1, lat1], widened on one side to the plot's aspect (Mercator) */
  function fit(box, aspect) {
    var lon0 = box[0], lat0 = box[1], lon1 = box[2], lat1 = box[3];
    var want = (merc(lat1) - merc(lat0)) * aspect;
    if (lon1 - lon0 < want) {
      var mid = (lon0 + lon1) / 2, half = Math.min(want, 359) / 2;
      return {lon: [Math.max(-180, mid - half), Math.min(180, mid + half)], lat: [lat0, lat1]};
    }
    var need = (lon1 - lon0) / aspect, m = (merc(lat0) + merc(lat1)) / 2;
    return {lon: [lon0, lon1], lat: [Math.max(-80, unmerc(m - need / 2)), Math.min(80, unmerc(m + need / 2))]};
  }

  function footerIndex(layout) {
    return (layout.annotations || []).findIndex(function (a) {
      return a.yref === 'paper' && a.y === 0 && a.yanchor === 'bottom' && (a.yshift || 0) < 0;
    });
  }

  function adapt(gd) {
    var full = gd._fullLayout, layout = gd.layout;
    if (window.innerWidth >= PHONE || !full || !layout || !full._size) { return; }
    var width = full.width;
    var legendBelow = full.showlegend && layout.legend && (layout.legend.y || 0) < 0.05;
    // plotly's own measure of the drawn legend, once there is one (the entries' estimate serves the first pass)
    var measured = legendBelow && full.legend && full.legend._height ? full.legend._height + 6 : 0;
    if (layout._r2pPhone === width && (!measured || Math.abs(measured - layout._r2pLegendH) < 6)) { return; }
    layout._r2pPhone = width;
    var geo = !full.xaxis && !!full.geo, upd = {}, title = layout.title || {};
    var t = wrap(unwrap(title.text), Math.max(18, Math.floor((width - 16) / 8.6)));
    var s = wrap(unwrap(title.subtitle && title.subtitle.text), Math.max(24, Math.floor((width - 16) / 6.3)));
    var menus = (layout.updatemenus || []).length;
    upd['title.text'] = t.text;
    if (s.lines) { upd['title.subtitle.text'] = s.text; }
    // the title block pinned to the top edge, the view buttons between it and the plot
    // (plotly anchors a wrapped title's first line, so each further line needs its own room above)
    var extra = 12 * Math.max(0, t.lines - 1);
    upd['title.yref'] = 'container'; upd['title.y'] = 1; upd['title.yanchor'] = 'top';
    upd['title.pad'] = {t: 10 + extra};
    var top = 18 + extra + t.lines * 20 + s.lines * 16 + (menus ? 38 : 0);
    (layout.updatemenus || []).forEach(function (m, i) {
      upd['updatemenus[' + i + '].x'] = 0; upd['updatemenus[' + i + '].xanchor'] = 'left';
      upd['updatemenus[' + i + '].y'] = 1; upd['updatemenus[' + i + '].yanchor'] = 'bottom';
      upd['updatemenus[' + i + '].pad'] = {t: 0, r: 0, b: 6, l: 0};
    });
    var foot = footerIndex(layout), footH = 0;
    if (foot >= 0) {
      var f = wrap(unwrap(layout.annotations[foot].text), Math.max(30, Math.floor((width - 8) / 5.4)));
      upd['annotations[' + foot + '].text'] = f.text;
      footH = f.lines * 13 + 4;
    }
    var axis = geo ? 4 : 38 + (full.xaxis && full.xaxis.title && full.xaxis.title.text ? 16 : 0);
    // a horizontal colour bar under the plot (the overview's maps) takes room like an axis: its drawn height
    var bar = gd.querySelector('.colorbar');
    var barBelow = bar && (gd._fullData || []).some(function (t) {
      return t.showscale !== false && t.colorbar && t.colorbar.orientation === 'h' && t.colorbar.y <= 0.05;
    });
    if (barBelow) { axis += Math.ceil(bar.getBoundingClientRect().height) + 6; }
    var left = geo ? 4 : full.margin.l, right = geo ? 4 : 8;  // the y axis keeps its labels' room
    var legendH = legendBelow ? (measured || legendRows(gd, width - left - right) * 20 + 6) : 0;
    layout._r2pLegendH = legendH;
    var bottom = axis + legendH + footH + 4;
    var plotW = width - left - right;
    var plotH = geo ? full._size.h : Math.max(full._size.h, 200);  // a legend squeezed it at phone width
    if (geo && !(layout.meta && layout.meta.window) && !(full.geo && full.geo.fitbounds)) {
      plotH = Math.min(plotH, Math.round((width - 8) / 1.9));  // a world map is about twice as wide as tall
    }
    if (geo && layout.meta && layout.meta.window) {  // the event map: a taller window around the country
      plotH = Math.round(plotW * 0.9);
      var win = fit(layout.meta.window, plotW / plotH);
      upd['geo.lonaxis.range'] = win.lon; upd['geo.lataxis.range'] = win.lat;
    }
    if (legendBelow) { upd['legend.y'] = -axis / plotH; upd['legend.yanchor'] = 'top'; }
    if (foot >= 0) {  // from the figure's left edge (paper x=0 is the plot's), so the whole width is used
      upd['annotations[' + foot + '].yshift'] = -bottom + 2;
      upd['annotations[' + foot + '].xshift'] = -left + 4;
    }
    upd['margin.t'] = top; upd['margin.b'] = bottom; upd['margin.l'] = left; upd['margin.r'] = right;
    upd.height = plotH + top + bottom;
    // legend entries longer than the plot is wide wrap onto a second line instead of running off the edge
    var names = [], which = [], chars = Math.max(16, Math.floor((plotW - 44) / 6.3));
    (gd.data || []).forEach(function (trace, i) {
      var name = unwrap(trace.name);
      if (legendBelow && name.length > chars) { names.push(wrap(name, chars).text); which.push(i); }
    });
    if (which.length) { window.Plotly.update(gd, {name: names}, upd, which); } else { window.Plotly.relayout(gd, upd); }
  }

  function watch(gd) {
    if (gd._r2pWatched || typeof gd.on !== 'function') { return; }
    gd._r2pWatched = true;
    gd.on('plotly_afterplot', function () { adapt(gd); });
    adapt(gd);
  }

  function scan() { document.querySelectorAll('.js-plotly-plot').forEach(watch); }
  new MutationObserver(scan).observe(document.documentElement, {childList: true, subtree: true});
  window.addEventListener('resize', function () {
    document.querySelectorAll('.js-plotly-plot').forEach(function (gd) { if (gd.layout) { adapt(gd); } });
  });
})();
