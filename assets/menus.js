/* Menus the browser fills itself (Dash clientside callbacks: no server round trip), shared by the pages.
 * Each function reads the page's lookup store (the same catalog the server's own rules use). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  r2p: {
    /* A region narrows the sub-region menu to its M49 sub-regions; a sub-region outside it is cleared (a kept one
     * is left alone: no new request). Returns [options, value]. */
    subregions: function (region, sub, lk) {
      var nu = window.dash_clientside.no_update;
      if (!lk) { return [nu, nu]; }
      var subs = [];
      lk.regions.forEach(function (r) { if (!region || r[0] === region) { subs = subs.concat(r[1]); } });
      var options = subs.map(function (s) { return {label: s, value: s}; });
      return [options, (!sub || subs.indexOf(sub) >= 0) ? nu : null];
    },

    /* The explorer's indicator menu: catalog entries narrowed to a risk factor and, for UCDP deaths, to the chosen
     * violence types (dashboard/pages/explore.py indicator_options). Indicators already chosen stay in the menu,
     * so narrowing it never clears them. */
    exploreIndicators: function (factor, violence, chosen, lk) {
      if (!lk) { return window.dash_clientside.no_update; }
      if (lk.factors.indexOf(factor) < 0) { factor = null; }
      var keep = Array.isArray(chosen) ? chosen : [];
      var types = (Array.isArray(violence) ? violence : []).filter(function (v) {
        return lk.violence_types.indexOf(v) >= 0;
      });
      var excluded = [];
      if (types.length) {
        lk.death_indicators.forEach(function (d) { if (types.indexOf(d[0]) < 0) { excluded.push(d[1]); } });
      }
      return lk.indicators.filter(function (r) {
        return keep.indexOf(r[0]) >= 0 || ((factor === null || r[2].indexOf(factor) >= 0) && !excluded.some(
          function (e) { return r[0] === e || r[0].indexOf(e + '_') === 0; }));
      }).map(function (r) { return {label: r[1], value: r[0]}; });
    }
  }
});
