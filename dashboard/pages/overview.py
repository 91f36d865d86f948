"""`/` — world map by indicator or R2P risk level, with a ranked table beside it."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html, no_update

from dashboard import data, figures, ids, params, risk, watchlist
from dashboard.components import disclaimer, graph, guarded, md_table, notices, source_list, url_sync
from dashboard.queries import listings

dash.register_page(__name__, path="/", title="R2P risk overview", name="Overview", order=0)

ALL = ""


FACTOR_MODE = "risk_factor_status"  # pseudo-indicator: colour the map by the chosen factor's status


def indicator_options(factor: int | None) -> list[dict[str, Any]]:
    """Map-colour choices: risk level and factor status first, then the indicators grouped by source and sorted by
    label, each group under a disabled heading option (a dropdown has no option groups)."""
    allowed = set(data.indicators_for_factor(factor))
    opts: list[dict[str, Any]] = [{"label": "Risk level (R2P Monitor or a watchlist)", "value": data.RISK_LEVEL_MODE}] \
        if risk.lists() else []
    if factor is not None and risk.statuses(factor).height:
        opts.insert(0, {"label": f"Status of risk factor {factor}", "value": FACTOR_MODE})
    group = None
    for ind_id, label, _factors, source in _sorted_indicators():
        if ind_id not in allowed:
            continue
        if source != group:
            group = source
            opts.append({"label": f"— {source} —", "value": f"{GROUP_PREFIX}{source}", "disabled": True})
        opts.append({"label": label, "value": ind_id})
    return opts


GROUP_PREFIX = "__group__:"


@data.cached
def _sorted_indicators() -> list[list[Any]]:
    """[indicator_id, "label (unit)", risk factors, source title] sorted by source title, then label."""
    rows = [[r["indicator_id"], f"{r['label']} ({r['unit']})", list(r["risk_factors"] or []),
             r["source_title"] or r["source_id"] or "Other"] for r in data.indicators().iter_rows(named=True)]
    return sorted(rows, key=lambda r: (r[3].casefold(), r[1].casefold()))


def years_for(indicator: str, list_id: str = risk.GCR2P) -> list[int]:
    """Years offered for a map mode (factor statuses are current, so they have none)."""
    if indicator == FACTOR_MODE:
        return []
    return listings.list_year_range(list_id) if indicator == data.RISK_LEVEL_MODE else data.indicator_years(indicator)


def _year_runs(years: list[int]) -> list[list[int]]:
    """[[first, last], ...] runs of consecutive years: a few KB for every indicator instead of ~30 KB."""
    runs: list[list[int]] = []
    for y in years:
        if runs and runs[-1][1] == y - 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    return runs


@data.cached
def _status_factors() -> list[int]:
    """Factors with at least one country status (the same test as ``risk.statuses(f).height``, in one query)."""
    if not data.has("risk_factor_status"):
        return []
    return [int(r[0]) for r in data.warehouse().rows("SELECT DISTINCT factor FROM risk_factor_status ORDER BY 1")]


@data.cached
def browser_lookup() -> dict[str, Any]:
    """What the page's clientside callbacks need to fill the dependent menus in the browser, with no server round
    trip: region → sub-regions, map-colour options per risk factor, years per indicator and list, country codes.
    The same rules as ``indicator_options`` / ``years_for`` / the region filter, applied to these lists."""
    lists = risk.lists()
    factors = risk.factor_numbers()
    status = set(_status_factors())
    return {
        "regions": [[r, subs] for r, subs in data.regions().items()],
        "factors": factors,
        "status_factors": [f for f in factors if f in status],
        "risk_option": {"label": "Risk level (R2P Monitor or a watchlist)", "value": data.RISK_LEVEL_MODE}
        if lists else None,
        "indicators": _sorted_indicators(),
        "group_prefix": GROUP_PREFIX,
        "years": {i: _year_runs(y) for i, y in data.indicator_year_map().items()},
        "lists": lists,
        "list_years": {x: listings.list_year_range(x) for x in dict.fromkeys([*lists, risk.GCR2P])},
        "default_list": risk.GCR2P,
        "risk_mode": data.RISK_LEVEL_MODE,
        "factor_mode": FACTOR_MODE,
        "iso3": sorted(data.country_names()),
    }


def spec() -> list[params.Param]:
    ind_ids = [*data.indicator_ids(), data.RISK_LEVEL_MODE, FACTOR_MODE]
    regions = data.regions()
    subs = [s for v in regions.values() for s in v]
    return [
        params.Param("indicator", data.default_indicator(), params.as_choice(ind_ids)),
        params.Param("year", None, params.as_int(1900, 2100)),
        params.Param("region", ALL, params.as_choice(list(regions))),
        params.Param("subregion", ALL, params.as_choice(subs)),
        params.Param("factor", None, params.as_int(choices=risk.factor_numbers())),
        params.Param("status", [], params.as_choice(risk.STATUSES), multi=True),
        params.Param("list", risk.GCR2P, params.as_choice(risk.lists() or [risk.GCR2P])),
    ]


def resolve(values: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """Cross-field validation: indicator within factor, year available for indicator, sub-region within region."""
    v = dict(values)
    if v["indicator"] == FACTOR_MODE and v["factor"] is None:
        notes.append("Choose a risk factor to colour the map by its status; showing the default indicator.")
        v["indicator"] = data.default_indicator()
    if v["status"] and v["factor"] is None:
        notes.append("The status filter needs a risk factor; ignored.")
        v["status"] = []
    if v["factor"] is not None and v["indicator"] not in (data.RISK_LEVEL_MODE, FACTOR_MODE) and \
            v["indicator"] not in data.indicators_for_factor(v["factor"]):
        allowed = data.indicators_for_factor(v["factor"])
        fallback = allowed[0] if allowed else (FACTOR_MODE if risk.statuses(v["factor"]).height
                                               else data.RISK_LEVEL_MODE)
        notes.append(f"Indicator '{v['indicator']}' is not mapped to risk factor {v['factor']}; showing "
                     f"'{fallback}'.")
        v["indicator"] = fallback
    years = years_for(v["indicator"], v["list"])
    if v["year"] is not None and v["year"] not in years:
        notes.append(f"No values for {v['year']}; showing the latest year.")
        v["year"] = None
    if v["year"] is None:
        v["year"] = years[-1] if years else None
    regions = data.regions()
    if v["subregion"] and v["region"] and v["subregion"] not in regions.get(v["region"], []):
        notes.append(f"Sub-region '{v['subregion']}' is not in region '{v['region']}'; ignored.")
        v["subregion"] = ALL
    if v["subregion"] and not v["region"]:
        v["region"] = next((r for r, subs in regions.items() if v["subregion"] in subs), ALL)
    return v


@guarded
def layout(**kwargs: Any) -> html.Div:
    values, notes = params.parse(kwargs, spec())
    v = resolve(values, notes)
    regions = data.regions()
    factor_opts = [{"label": risk.factor_label(n), "value": n} for n in risk.factor_numbers()]
    lists = risk.lists()
    sub_opts = [{"label": s, "value": s} for s in regions.get(v["region"], [])] if v["region"] else \
        [{"label": s, "value": s} for subs in regions.values() for s in subs]
    controls = dbc.Row([
        dbc.Col([dbc.Label("Risk factor (UN Framework)", html_for=ids.OV_FACTOR),
                 dcc.Dropdown(id=ids.OV_FACTOR, options=factor_opts, value=v["factor"], placeholder="All factors",
                              clearable=True)], md=3),
        dbc.Col([dbc.Label("Only countries where the factor is", html_for=ids.OV_STATUS),
                 dcc.Dropdown(id=ids.OV_STATUS, options=list(risk.STATUSES), value=v["status"], multi=True,
                              placeholder="any status")], md=2),
        dbc.Col([dbc.Label("Map colour", html_for=ids.OV_INDICATOR),
                 dcc.Dropdown(id=ids.OV_INDICATOR, options=indicator_options(v["factor"]), value=v["indicator"],
                              clearable=False)], md=4),
        dbc.Col([dbc.Label("Risk-level list", html_for=ids.OV_LIST),
                 dcc.Dropdown(id=ids.OV_LIST, options=[{"label": risk.list_label(x), "value": x} for x in lists],
                              value=v["list"], clearable=False)], md=2,
                style={} if len(lists) > 1 else {"display": "none"}),
        dbc.Col([dbc.Label("Year", html_for=ids.OV_YEAR),
                 dcc.Dropdown(id=ids.OV_YEAR, options=[{"label": str(y), "value": y}
                                                       for y in reversed(years_for(v["indicator"], v["list"]))],
                              value=v["year"], clearable=False)], md=1),
        dbc.Col([dbc.Label("Region (M49)", html_for=ids.OV_REGION),
                 dcc.Dropdown(id=ids.OV_REGION, options=[{"label": r, "value": r} for r in regions],
                              value=v["region"] or None, placeholder="World")], md=2),
        dbc.Col([dbc.Label("Sub-region", html_for=ids.OV_SUBREGION),
                 dcc.Dropdown(id=ids.OV_SUBREGION, options=sub_opts, value=v["subregion"] or None,
                              placeholder="All")], md=2),
    ], className="g-2 mb-2")
    fig, legend, tbl, _ = build(v["indicator"], v["year"], v["region"], v["subregion"], v["factor"], v["status"],
                                v["list"])
    return html.Div([
        html.H1("Atrocity-risk overview", className="h3"),
        notices(notes, id=ids.OV_NOTICE),
        # on a phone the filters fold behind a button, so the map is on the first screen (assets/phone.js)
        html.Button("Filters", className="btn btn-outline-secondary btn-sm mb-2 d-sm-none", type="button",
                    **{"data-r2p-toggle": ids.OV_FILTERS, "aria-controls": ids.OV_FILTERS, "aria-expanded": "false"}),
        html.Div(controls, id=ids.OV_FILTERS, className="ov-filters"),
        dbc.Row([
            dbc.Col([graph(ids.OV_MAP, fig, geo=True, label="World map"), disclaimer(),
                     html.Div(legend, id=ids.OV_LEGEND)], lg=8),
            dbc.Col(html.Div(tbl, id=ids.OV_TABLE, className="ranked"), lg=4),
        ]),
        watchlist.section(v["list"]),
        dcc.Link("Response gaps: risk, no recorded response", href="/response-gaps", className="small d-block mb-2"),
        dcc.Store(id=ids.OV_QUERY),
        dcc.Store(id=ids.OV_LOOKUP, data=browser_lookup()),
        html.Div(id=ids.OV_QUERY + "-sync", hidden=True),
        dcc.Location(id=ids.OV_NAV, refresh="callback-nav"),
    ])


def build(indicator: str, year: int | None, region: str, subregion: str, factor: int | None = None,
          status: list[str] | tuple[str, ...] = (), list_id: str = risk.GCR2P) -> tuple[Any, Any, Any, str]:
    """Figure, legend, ranked table and query string for one selection."""
    qs = params.encode({"indicator": indicator, "year": year, "region": region, "subregion": subregion,
                        "factor": factor, "status": list(status), "list": "" if list_id == risk.GCR2P else list_id})
    scope = subregion or region or "World"
    only = risk.countries_with(factor, status)
    if only is not None:
        scope += f" · factor {factor} {' / '.join(status)}"
    if indicator == FACTOR_MODE and factor is not None:
        return (*_zoomed(_factor_map(factor, region, subregion, only, scope), region or subregion), qs)
    if indicator == data.RISK_LEVEL_MODE:
        return (*_zoomed(_risk_map(list_id, year, region, subregion, only, scope), region or subregion), qs)
    info = data.indicator_info(indicator) or {"label": indicator, "unit": "", "source_title": "", "higher_is_worse":
                                              True, "source_id": "", "description": ""}
    df = _filter(data.map_values(indicator, year) if year else pl.DataFrame(), region, subregion, only)
    if df.height:  # each country's latest listing up to that year, e.g. "Current Crisis (2024-05)"
        label = data.listing_labels(year)
        df = df.with_columns(pl.Series("risk_level", [label.get(c) for c in df["iso3"].to_list()], dtype=pl.String))
    src = info.get("source_title") or info.get("source_id") or ""
    title = f"{info['label']}, {year}"
    fig = figures.choropleth(df, title, f"{scope} · {info['unit']}", src, str(year), info["unit"],
                             bool(info.get("higher_is_worse", True) is not False))
    fig = _zoomed((fig,), region or subregion)[0]
    ranked = df.sort("value", descending=info.get("higher_is_worse") is not False, nulls_last=True) \
        .with_row_index("rank", offset=1) if df.height else df
    if df.height:  # plain Python over ~200 values: map_elements costs ~0.5 ms more
        change = [None if v is None else _signed(v) for v in ranked["change"].to_list()]
        ranked = ranked.with_columns(pl.Series("change", change, dtype=pl.String))
    cols = {"rank": "#", "name": "Country", "value": info["unit"] or "Value", "change": f"Change vs {year - 1}"
            if year else "Change", "risk_level": "R2P risk level (as of)"}
    tbl = md_table(ranked, cols, caption=f"{info['label']} ({info['unit']}), {year}: {df.height} countries, ranked",
                   links={"name": _href}, max_rows=250) if df.height else html.P("No values for this selection.")
    legend = html.Div([
        html.Strong("Legend: "), f"colour = {info['label']} in {info['unit']}, {year}",
        " (log scale)" if df.height and df["value"].max() > 1000 and df["value"].min() >= 0 else "", ". ",
        info.get("description") or "", " Risk level: latest R2P Monitor listing up to that year. ",
        source_list(data.source_lines([info["source_id"], "r2p_monitor"])),
    ], className="small")
    return fig, legend, tbl, qs


def _risk_map(list_id: str, year: int | None, region: str, subregion: str, only: set[str] | None,
              scope: str) -> tuple[Any, Any, Any]:
    """Each country's LATEST listing up to the chosen year (today for this year), with its date and age; a country
    a complete edition shows was dropped is left off the map and named in the table."""
    ref = listings.reference_date(year) if year else None
    df = _filter(listings.latest(list_id, ref), region, subregion, only) if ref else pl.DataFrame()
    label = risk.list_label(list_id)
    src = data.source_lines(["r2p_monitor"])
    shown = df.filter(pl.col("later") != listings.DROPPED) if df.height else df
    detail = pl.format("listed {}, {} before {}", pl.col("as_of").cast(pl.String), pl.col("age"), pl.lit(str(ref)))
    fig = figures.categorical_choropleth(shown, "risk_level", figures.RISK_COLOURS, detail,
                                         "{category}<br>%{customdata}", f"{label}: latest risk level up to {ref}",
                                         f"{scope} · each country's latest recorded listing, with its age",
                                         label, f"as of {ref}")
    ranked = df.with_columns(pl.col("as_of").cast(pl.String)).sort(["risk_level", "name"]) if df.height else df
    tbl = md_table(ranked, {"name": "Country", "risk_level": "Risk level", "as_of": "Listed", "age": "Age"},
                   caption=f"Latest listing up to {ref}: {ranked.height} countries", links={"name": _href},
                   max_rows=250) if df.height else html.P("No listings for this selection.")
    legend = html.Div([html.Strong("Legend: "), f"colour = each country's latest risk level on {label} up to {ref} "
                       "(Current Crisis, Imminent Risk, Serious Concern), whatever its age: hover for the listing's "
                       "date. The table lists when and how old. A listing stays the latest recorded one until a later "
                       "one is recorded; 'dropped' is said only where an edition read in full shows it.",
                       source_list(src)], className="small")
    return fig, legend, tbl


def _zoomed(parts: tuple, zoom: bool) -> tuple:
    """Choosing a region or sub-region zooms the map to the countries it shows (the figure is the first part).

    Every overview map also gets narrow side margins and its colour bar under the map, so that on a phone (390 px)
    the map takes the screen's width instead of a corner beside a vertical colour bar."""
    fig = parts[0]
    if not isinstance(fig, go.Figure):
        return parts
    fig.update_layout(margin={"l": 8, "r": 8})
    fig.update_traces(colorbar={"orientation": "h", "x": 0.5, "xanchor": "center", "y": 0, "yanchor": "top",
                                "thickness": 10, "len": 0.6, "title": {"side": "top"}},
                      selector={"type": "choropleth", "showscale": None})
    if zoom and any(getattr(t, "locations", None) is not None and len(t.locations) for t in fig.data):
        fig.update_geos(fitbounds="locations", lataxis_range=None)
    return parts


def _signed(v: float | None) -> str:
    return "–" if v is None else ("+" if v > 0 else "") + figures.fmt(v) if v >= 0 else "−" + figures.fmt(-v)


def _href(row: dict) -> str:
    return f"/country/{row['iso3']}"


def _filter(df: pl.DataFrame, region: str, subregion: str, only: set[str] | None = None) -> pl.DataFrame:
    if df.height == 0:
        return df
    if region:
        df = df.filter(pl.col("m49_region") == region)
    if subregion:
        df = df.filter(pl.col("m49_subregion") == subregion)
    if only is not None:
        df = df.filter(pl.col("iso3").is_in(sorted(only)))
    return df


def _factor_map(factor: int, region: str, subregion: str, only: set[str] | None, scope: str) -> tuple[Any, Any, Any]:
    """Map and table of one risk factor's status across countries (the ETL's documented rules)."""
    df = _filter(risk.statuses(factor).join(data.countries(), on="iso3", how="inner"), region, subregion, only)
    label = risk.factor_label(factor)
    fig = figures.status_choropleth(df, f"Risk factor {label}: status", scope, "derived from the proxies listed "
                                    "on each country page (docs/methodology.md)", "latest data")
    order = {s: i for i, s in enumerate(risk.STATUSES)}
    ranked = df.with_columns(pl.col("status").replace_strict(order, default=9).alias("_o")).sort(["_o", "name"])
    tbl = md_table(ranked, {"name": "Country", "status": "Status", "reason": "Why"},
                   caption=f"{label}: {df.height} countries", links={"name": _href}, max_rows=250) \
        if df.height else html.P("No country matches this selection.")
    srcs = sorted({(data.indicator_info(i) or {}).get("source_id", "") for i in data.indicators_for_factor(factor)}
                  - {""})
    legend = html.Div([html.Strong("Legend: "), f"colour = status of risk factor {factor} (elevated / watch / low / "
                       "no data), from documented rules on its proxy indicators; evidence-only factors never get a "
                       "level.", source_list(data.source_lines(srcs))], className="small")
    return fig, legend, tbl


@callback(
    Output(ids.OV_MAP, "figure"),
    Output(ids.OV_LEGEND, "children"),
    Output(ids.OV_TABLE, "children"),
    Output(ids.OV_QUERY, "data"),
    Input(ids.OV_INDICATOR, "value"),
    Input(ids.OV_YEAR, "value"),
    Input(ids.OV_REGION, "value"),
    Input(ids.OV_SUBREGION, "value"),
    Input(ids.OV_FACTOR, "value"),
    Input(ids.OV_STATUS, "value"),
    Input(ids.OV_LIST, "value"),
    prevent_initial_call=True,
)
def update(indicator: str, year: int | None, region: str | None, subregion: str | None, factor: Any = None,
           status: Any = None, list_id: Any = None) -> tuple:
    if indicator not in [*data.indicator_ids(), data.RISK_LEVEL_MODE, FACTOR_MODE]:
        return no_update, no_update, no_update, no_update
    factor = factor if factor in risk.factor_numbers() else None
    status = [s for s in (status or []) if s in risk.STATUSES] if isinstance(status, list) else []
    list_id = list_id if list_id in risk.lists() else risk.GCR2P
    if indicator == FACTOR_MODE and factor is None:
        indicator = data.default_indicator() or data.RISK_LEVEL_MODE
    years = years_for(indicator, list_id)
    if year not in years:
        year = years[-1] if years else None
    return build(indicator, year, region if region in data.regions() else ALL,
                 subregion if isinstance(subregion, str) else ALL, factor, status, list_id)


# The dependent menus and the map click run in the browser (clientside callbacks on the lookup above): they need no
# data the page does not already hold, so they cost no server round trip. Same rules as indicator_options(),
# years_for() and the region filter; tests/browser/test_dashboard_browser.py checks them against the warehouse.
clientside_callback(
    """
    function (factor, indicator, lk) {
        // a new factor narrows the map-colour choices; an indicator it does not cover gives way to its status
        var nu = window.dash_clientside.no_update;
        if (!lk) { return [nu, nu]; }
        if (lk.factors.indexOf(factor) < 0) { factor = null; }
        var opts = lk.risk_option ? [lk.risk_option] : [];
        if (factor !== null && lk.status_factors.indexOf(factor) >= 0) {
            opts.unshift({label: 'Status of risk factor ' + factor, value: lk.factor_mode});
        }
        var group = null;  // sorted by source, then label, each source under a disabled heading (as the server does)
        lk.indicators.forEach(function (r) {
            if (factor !== null && r[2].indexOf(factor) < 0) { return; }
            if (r[3] !== group) {
                group = r[3];
                opts.push({label: '\u2014 ' + group + ' \u2014', value: lk.group_prefix + group, disabled: true});
            }
            opts.push({label: r[1], value: r[0]});
        });
        var values = opts.filter(function (o) { return !o.disabled; }).map(function (o) { return o.value; });
        if (values.indexOf(indicator) >= 0 && !(indicator === lk.factor_mode && factor === null)) {
            return [opts, indicator];
        }
        var preferred = values.filter(function (v) { return v !== lk.risk_mode; });
        return [opts, (preferred.length ? preferred : (values.length ? values : [lk.risk_mode]))[0]];
    }
    """,
    Output(ids.OV_INDICATOR, "options"),
    Output(ids.OV_INDICATOR, "value"),
    Input(ids.OV_FACTOR, "value"),
    State(ids.OV_INDICATOR, "value"),
    State(ids.OV_LOOKUP, "data"),
    prevent_initial_call=True,
)

clientside_callback(
    """
    function (indicator, listId, year, lk) {
        // the years offered for a map mode (factor statuses are current, so they have none); newest first
        var nu = window.dash_clientside.no_update;
        if (!lk) { return [nu, nu]; }
        var has = function (o, k) { return Object.prototype.hasOwnProperty.call(o, k); };
        if (lk.lists.indexOf(listId) < 0) { listId = lk.default_list; }
        var years = [];
        if (indicator === lk.risk_mode) {
            years = has(lk.list_years, listId) ? lk.list_years[listId] : [];
        } else if (indicator !== lk.factor_mode && has(lk.years, indicator)) {
            lk.years[indicator].forEach(function (run) {
                for (var y = run[0]; y <= run[1]; y++) { years.push(y); }
            });
        }
        var opts = years.slice().reverse().map(function (y) { return {label: String(y), value: y}; });
        var value = years.indexOf(year) >= 0 ? year : (years.length ? years[years.length - 1] : null);
        return [opts, value];
    }
    """,
    Output(ids.OV_YEAR, "options"),
    Output(ids.OV_YEAR, "value"),
    Input(ids.OV_INDICATOR, "value"),
    Input(ids.OV_LIST, "value"),
    State(ids.OV_YEAR, "value"),
    State(ids.OV_LOOKUP, "data"),
    prevent_initial_call=True,
)

clientside_callback(
    ClientsideFunction("r2p", "subregions"),  # assets/menus.js (shared with the explorer)
    Output(ids.OV_SUBREGION, "options"),
    Output(ids.OV_SUBREGION, "value"),
    Input(ids.OV_REGION, "value"),
    State(ids.OV_SUBREGION, "value"),
    State(ids.OV_LOOKUP, "data"),
    prevent_initial_call=True,
)

clientside_callback(
    """
    function (click, lk) {
        // a click on a country of the map opens its page
        var nu = window.dash_clientside.no_update;
        var point = click && click.points && click.points[0];
        if (!lk || !point) { return nu; }
        var iso3 = point.location;
        if (!iso3 && Array.isArray(point.customdata) && point.customdata.length) {
            iso3 = point.customdata[point.customdata.length - 1];
        }
        return lk.iso3.indexOf(iso3) >= 0 ? '/country/' + iso3 : nu;
    }
    """,
    Output(ids.OV_NAV, "href"),
    Input(ids.OV_MAP, "clickData"),
    State(ids.OV_LOOKUP, "data"),
    prevent_initial_call=True,
)

url_sync(ids.OV_QUERY, ids.OV_QUERY + "-sync")
