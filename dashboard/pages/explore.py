"""`/explore` — analysts: filter countries, compare series, scatter two indicators, download what is filtered.

The filters are one ``ExploreState`` (dashboard/explore_state.py), parsed once from the URL or the controls; an
answer is one ``Answer``. The sub-region and indicator menus are filled in the browser (assets/menus.js).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import numpy as np
import orjson
import polars as pl
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html, no_update

from dashboard import data, figures, ids
from dashboard import risk as riskdata
from dashboard.components import graph, guarded, lazy_details, md_table, notices, url_sync
from dashboard.explore_state import MAX_COUNTRIES, MAX_INDICATORS, ExploreState, from_controls, parse
from dashboard.export.cells import one_line, safe_frame
from dashboard.sections import side_by_side

dash.register_page(__name__, path="/explore", title="Explore — R2P risk data", name="Explore", order=2)

NUMBER_FORMAT = ("params.value == null ? '' : (Math.abs(params.value) >= 1000 ? d3.format(',.0f')(params.value) "
                 ": d3.format(',.4~g')(params.value))")


def grid_row_cap(n_columns: int) -> int:
    """Rows the grid receives: about 700 KB of JSON (~130 bytes per row plus ~25 per indicator column)."""
    return max(500, 700_000 // (130 + 25 * max(0, n_columns - 4)))


def indicator_options(factor: int | None, violence: list[str] | tuple[str, ...],
                      keep: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Catalog entries, narrowed to a risk factor and, for UCDP deaths, to the chosen violence types; the
    indicators in ``keep`` (already chosen) stay, so narrowing the menu never clears a choice."""
    allowed = set(data.indicators_for_factor(factor))
    if violence:
        excluded = {i for vt, i in data.DEATH_INDICATORS.items() if vt not in violence}
        allowed = {a for a in allowed if not any(a == e or a.startswith(e + "_") for e in excluded)}
    allowed |= set(keep)
    return [{"label": f"{r['label']} ({r['unit']})", "value": r["indicator_id"]}
            for r in data.indicators().iter_rows(named=True) if r["indicator_id"] in allowed]


@data.cached
def browser_lookup() -> dict[str, Any]:
    """What the clientside callbacks need to fill the sub-region and indicator menus in the browser (no server
    round trip): region → sub-regions, and every catalog entry with its risk factors; ``indicator_options`` rules."""
    return {
        "regions": [[r, subs] for r, subs in data.regions().items()],
        "factors": data.risk_factors_available(),
        "violence_types": list(data.VIOLENCE_TYPES),
        "death_indicators": [[vt, i] for vt, i in data.DEATH_INDICATORS.items()],
        "indicators": [[r["indicator_id"], f"{r['label']} ({r['unit']})", list(r["risk_factors"] or [])]
                       for r in data.indicators().iter_rows(named=True)],
    }


@guarded
def layout(**kwargs: Any) -> html.Div:
    state, notes = parse(kwargs)
    out = build(state)
    return html.Div([
        html.H1("Explore", className="h3"),
        dcc.Link("Response gaps: risk, no recorded response", href="/response-gaps", className="small"),
        notices(notes, id=ids.EX_NOTICE),
        _controls(state),
        dbc.Row([dbc.Col(html.Div(out.series, id=ids.EX_SERIES), lg=7),
                 dbc.Col(html.Div(out.scatter, id=ids.EX_SCATTER), lg=5)]),
        html.Div([html.Span(out.count, id=ids.EX_COUNT, className="me-3 small"),
                  dbc.Button("Download CSV of this selection", id=ids.EX_DOWNLOAD_BTN, size="sm", color="primary",
                             className="me-2"),
                  dbc.Button("Download the table as filtered in the grid", id=ids.EX_GRID_CSV_BTN, size="sm",
                             color="secondary", outline=True)],
                 className="my-2"),
        dag.AgGrid(id=ids.EX_GRID, rowData=out.rows, columnDefs=out.cols,
                   defaultColDef={"sortable": True, "filter": True, "resizable": True, "floatingFilter": True},
                   dashGridOptions={"pagination": True, "paginationPageSize": 50, "animateRows": False},
                   style={"height": "480px"}, className="ag-theme-quartz", csvExportParams=out.csv),
        html.Section([html.H2("Event sources compared", className="h5 mt-3", id=ids.EX_COMPARE + "-heading"),
                      dbc.Row(_dropdown("Fatalities of one country in UCDP, ACLED and HDX HAPI", ids.EX_COMPARE, 6,
                                        options=[{"label": n, "value": c} for c, n in data.country_names().items()],
                                        value=state.compare or None, placeholder="Choose a country")),
                      html.Div(compare_part(state.compare, state.headline), id=ids.EX_COMPARE_OUT)],
                     **{"aria-labelledby": ids.EX_COMPARE + "-heading"}),
        dcc.Download(id=ids.EX_DOWNLOAD),
        dcc.Store(id=ids.EX_QUERY, data=out.query),
        dcc.Store(id=ids.EX_SHOWN, data=out.shown),
        dcc.Store(id=ids.EX_LOOKUP, data=browser_lookup()),
        html.Div(id=ids.EX_QUERY + "-sync", hidden=True),
    ])


def _dropdown(label: str, cid: str, md: int, **props: Any) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=cid), dcc.Dropdown(id=cid, **props)], md=md)


def _controls(s: ExploreState) -> dbc.Row:
    """The filters, showing ``s``."""
    regions = data.regions()
    lo, hi = data.year_bounds()
    ind_all = [{"label": o["label"], "value": o["value"]} for o in indicator_options(None, [])]
    marks = {y: str(y) for y in range(lo, hi + 1) if (hi - y) % 10 == 0}
    names = data.country_names()
    factors = [{"label": riskdata.factor_label(n), "value": n} for n in riskdata.factor_numbers()]
    return dbc.Row([
        _dropdown("Region (M49)", ids.EX_REGION, 3, options=list(regions), value=s.region or None,
                  placeholder="World"),
        _dropdown("Sub-region", ids.EX_SUBREGION, 3, options=[x for v in regions.values() for x in v],
                  value=s.subregion or None, placeholder="All"),
        _dropdown("Risk factor", ids.EX_FACTOR, 3, options=factors, value=s.factor, placeholder="All factors"),
        _dropdown("Only countries where the factor is", ids.EX_STATUS, 3, options=list(riskdata.STATUSES),
                  value=list(s.status), multi=True, placeholder="any status"),
        _dropdown("R2P risk level (latest)", ids.EX_RISK, 3, options=list(data.RISK_LEVELS), value=list(s.risk),
                  multi=True, placeholder="Any (listed or not)"),
        _dropdown("Violence type (UCDP deaths)", ids.EX_VIOLENCE, 3, options=list(data.VIOLENCE_TYPES),
                  value=list(s.violence), multi=True, placeholder="All types"),
        _dropdown(f"Indicators (up to {MAX_INDICATORS})", ids.EX_INDICATORS, 9,
                  options=indicator_options(s.factor, s.violence, s.indicators), value=list(s.indicators),
                  multi=True),
        dbc.Col([dbc.Label("Years", html_for=ids.EX_YEARS),
                 dcc.RangeSlider(id=ids.EX_YEARS, min=lo, max=hi, step=1, value=[s.y0, s.y1], marks=marks,
                                 tooltip={"placement": "bottom"}, allowCross=False)], md=12),
        _dropdown(f"Countries to compare (up to {MAX_COUNTRIES})", ids.EX_COUNTRIES, 6,
                  options=[{"label": n, "value": c} for c, n in names.items()], value=list(s.countries),
                  multi=True, placeholder="Top countries of the first indicator"),
        _dropdown("Scatter x", ids.EX_X, 3, options=ind_all, value=s.x, placeholder="First indicator"),
        _dropdown("Scatter y", ids.EX_Y, 3, options=ind_all, value=s.y, placeholder="Second indicator"),
    ], className="g-2 mb-2")


def countries_in(region: str, subregion: str, risk: list[str], factor: int | None = None,
                 status: list[str] | tuple[str, ...] = ()) -> tuple[str, ...]:
    """Countries passing the region, R2P-level and risk-factor-status filters (in name order)."""
    df = data.countries()
    only = riskdata.countries_with(factor, status)
    conds = []
    if only is not None:
        conds.append(pl.col("iso3").is_in(sorted(only)))
    if region:
        conds.append(pl.col("m49_region") == region)
    if subregion:
        conds.append(pl.col("m49_subregion") == subregion)
    if risk:
        levels = data.risk_levels_asof(None).filter(pl.col("risk_level").is_in(risk))
        conds.append(pl.col("iso3").is_in(levels["iso3"].implode()))
    # one filter for all conditions (each eager Polars operation costs a fraction of a millisecond)
    return tuple((df.filter(*conds) if conds else df)["iso3"].to_list())


BASE_COLUMNS = ("iso3", "name", "m49_region", "m49_subregion", "year")
EMPTY_WIDE = {"iso3": pl.String, "name": pl.String, "m49_region": pl.String, "m49_subregion": pl.String,
              "year": pl.Int64}
EMPTY_POINTS = {"iso3": pl.String, "name": pl.String, "m49_region": pl.String, "x": pl.Float64, "y": pl.Float64}


def _table(full: pl.DataFrame | None, inds: tuple[str, ...]) -> pl.DataFrame:
    """The grid's (and the CSV's) rows from ``data.explore_wide``: the indicators' columns that hold a value, the
    country-years with at least one of them (``full`` may carry extra scatter-only columns)."""
    if full is None or not inds:
        return pl.DataFrame(schema=EMPTY_WIDE)
    cols = [i for i in inds if full[i].null_count() < full.height]
    if len(full.columns) > len(BASE_COLUMNS) + len(inds):  # rows that only the scatter's indicators fill: out
        full = full.filter(pl.any_horizontal(pl.col(cols).is_not_null())) if cols else full.clear()
    elif len(cols) == len(inds):
        return full  # already the table (the common case): no copy
    return full.select(*BASE_COLUMNS, *cols)


def filtered(region: str, subregion: str, indicators: list[str], y0: int, y1: int,
             risk: list[str], factor: int | None = None, status: list[str] | tuple[str, ...] = ()) -> pl.DataFrame:
    """The wide table the grid shows and the CSV contains: one row per country-year, one column per indicator."""
    inds = tuple(dict.fromkeys(i for i in indicators if i in data.indicator_ids()))
    iso3s = countries_in(region, subregion, risk, factor, status)
    if not inds or not iso3s:
        return pl.DataFrame(schema=EMPTY_WIDE)
    return _table(data.explore_wide(inds, iso3s, int(y0), int(y1)), inds)


def _series_rows(wide: pl.DataFrame, first: str, chosen: list[str]) -> pl.DataFrame:
    """year, value, series (country name) of the compared countries, in name, year order: the chosen ones that have
    values of ``first`` (up to MAX_COUNTRIES), else the top 5 by its value in the last year any country has one."""
    values = wide[first]
    has = values.is_not_null()
    if chosen:
        have = set(wide["iso3"].filter(has).to_list())
        pick = [c for c in chosen if c in have][:MAX_COUNTRIES]
    else:
        # numpy on the column (a Polars filter + sort + head costs ~4× more here); stable: ties keep name order
        ok, years = has.to_numpy(), wide["year"].to_numpy()
        rows = np.flatnonzero(ok & (years == years[ok].max())) if ok.any() else np.zeros(0, dtype=np.int64)
        pick = wide["iso3"].gather(rows[np.argsort(-values.to_numpy()[rows], kind="stable")][:5]).to_list()
    keep = has & wide["iso3"].is_in(pick)  # Series filters, not a lazy query: half the time on this small table
    return pl.DataFrame([wide["year"].filter(keep), values.filter(keep).alias("value"),
                         wide["name"].filter(keep).alias("series")])


def _scatter_points(full: pl.DataFrame | None, xi: str, yi: str) -> pl.DataFrame:
    """Each country's latest value of ``xi`` and of ``yi`` within the range (countries with both), ordered by the
    first year either has a value, then name (the order of the scatter's points)."""
    if full is None or not full.height:
        return pl.DataFrame(schema=EMPTY_POINTS)
    # rows are in name, year order: per country, the last value of each axis is its latest; points are ordered by
    # the first year either axis has a value (stable, so ties stay in name order)
    either = pl.col(xi).is_not_null() | pl.col(yi).is_not_null()
    points = full.group_by("iso3", maintain_order=True).agg(
        pl.col("name").filter(either).first(), pl.col("m49_region").filter(either).first(),
        pl.col(xi).drop_nulls().last().alias("x"), pl.col(yi).drop_nulls().last().alias("y"),
        pl.col("year").filter(either).first().alias("first_year"))
    return (points.filter(pl.col("x").is_not_null() & pl.col("y").is_not_null())
            .sort("first_year", maintain_order=True).drop("first_year"))


def grid_rows(df: pl.DataFrame) -> orjson.Fragment:
    """The grid's rowData as JSON written by Polars (in Rust) and embedded as is in the answer: the same bytes as
    encoding ``df.to_dicts()`` with orjson (tests/test_explore_wide.py) at a third of the cost (~1 ms for 7,000
    rows instead of ~3.5 ms for the dicts and their encoding)."""
    return orjson.Fragment(df.write_json())


PARTS = ("series", "scatter", "grid")


@dataclass(frozen=True)
class Answer:
    """What the page shows for a state: each part, or ``no_update`` where the page already shows it."""

    series: Any
    scatter: Any
    rows: Any  # the grid's rowData, columnDefs and csvExportParams
    cols: Any
    csv: dict
    count: Any
    query: str  # the link
    shown: dict[str, str]  # what each part is drawn from (``drawn_from``), kept by the page


def drawn_from(s: ExploreState) -> dict[str, str]:
    """Per part of the page, the inputs it is drawn from, as text. The page keeps them (``EX_SHOWN``); an answer
    leaves out a part whose inputs did not change: picking countries to compare redraws only the series, a scatter
    axis only the scatter; the 350 KB grid is not sent again and keeps its scroll position."""
    # a risk factor without a status filters no country (it only narrows the indicator menu): not an input here
    common = [s.region, s.subregion, s.factor if s.status else None, list(s.status), s.y0, s.y1, list(s.risk)]
    indicators = list(s.indicators)
    return {"series": orjson.dumps([*common, indicators, list(s.countries)]).decode(),
            "scatter": orjson.dumps([*common, list(s.scatter_ids)]).decode(),
            "grid": orjson.dumps([*common, indicators]).decode()}


def build(s: ExploreState, shown: Any = None) -> Answer:
    """The page's parts for ``s``; a part whose inputs equal ``shown``'s (what the page holds) is ``no_update``
    and not computed."""
    keys = drawn_from(s)
    shown = shown if isinstance(shown, dict) else {}
    todo = {part for part in PARTS if shown.get(part) != keys[part]}
    # one query for the parts to draw: the country-year table of every indicator they need, pivoted in DuckDB
    # (data.explore_wide); the rest is a few small steps on it
    iso3s = countries_in(s.region, s.subregion, list(s.risk), s.factor, s.status)
    inds = s.indicators if todo & {"series", "grid"} else ()
    wanted = tuple(dict.fromkeys((*inds, *(s.scatter_ids if "scatter" in todo else ()))))
    full = data.explore_wide(wanted, iso3s, s.y0, s.y1) if wanted and iso3s else None
    wide = _table(full, inds)
    qs = s.query()
    series_div = _series_part(wide, s) if "series" in todo else no_update
    scatter_div: Any = no_update
    if "scatter" in todo:
        scatter_div = _scatter_part(full, s) if s.scatter_ids else \
            html.P("Choose two indicators for the scatter.", className="text-muted")
    attribution = "\n".join(attribution_lines(list(s.indicators), bool(s.risk), qs))
    csv = {"fileName": f"r2p-explore-grid-{s.y0}-{s.y1}.csv", "prependContent": attribution + "\n"}
    if "grid" not in todo:
        return Answer(series_div, scatter_div, no_update, no_update, csv, no_update, qs, keys)
    rows, cols, count = _grid(wide, s.indicators)
    return Answer(series_div, scatter_div, rows, cols, csv, count, qs, keys)


def _grid(wide: pl.DataFrame, indicators: tuple[str, ...]) -> tuple[orjson.Fragment, list[dict], str]:
    """The grid's rows (capped under 1 MB), its columns and the count line under it."""
    labels = {i: (data.indicator_info(i) or {}).get("label", i) for i in indicators}
    cols = [{"field": "name", "headerName": "Country", "pinned": "left"}, {"field": "iso3", "headerName": "ISO3"},
            {"field": "m49_subregion", "headerName": "Sub-region"}, {"field": "year", "headerName": "Year"}]
    # the grid's own CSV download writes the values, not their on-screen format (same numbers as the server's CSV)
    cols += [{"field": i, "headerName": labels[i], "type": "numericColumn", "filter": "agNumberColumnFilter",
              "valueFormatter": {"function": NUMBER_FORMAT}, "useValueFormatterForExport": False}
             for i in indicators if i in wide.columns]
    max_rows = grid_row_cap(len(cols))
    count = f"{wide.height:,} country-years, {wide['iso3'].n_unique() if wide.height else 0} countries."
    if wide.height > max_rows:
        count += (f" The grid shows the first {max_rows:,} (keeps responses under 1 MB); "
                  "the CSV download has them all.")
    return grid_rows(wide.head(max_rows)), cols, count


def _series_part(wide: pl.DataFrame, s: ExploreState) -> Any:
    """The comparison time series: chosen countries (or the top 5 by the first indicator's latest value)."""
    indicators, chosen, y0, y1 = s.indicators, list(s.countries), s.y0, s.y1
    if not (indicators and wide.height):
        return html.P("Choose at least one indicator with values for this selection.", className="text-muted")
    first = indicators[0]
    info = data.indicator_info(first) or {"label": first, "unit": "", "source_title": ""}
    # the first indicator may have no value at all here (its column is then absent): an empty chart, no error
    long = _series_rows(wide, first, chosen) if first in wide.columns else \
        pl.DataFrame(schema={"year": wide.schema["year"], "value": pl.Float64, "series": pl.String})
    fig = figures.time_series(long, f"{info['label']}: comparison",
                              ", ".join(dict.fromkeys(long["series"].to_list())) or "no country",
                              info.get("source_title") or "", f"{y0}–{y1}", info["unit"])
    table = figures.year_table(long) if long.height else long
    return [graph("ex-series-graph", fig, label="Comparison time series"),
            lazy_details("ex-series", "Table: comparison", md_table(table))]


def _scatter_part(full: pl.DataFrame | None, s: ExploreState) -> Any:
    """Scatter of two indicators: each country's latest value of each within the range."""
    xi, yi, y0, y1 = s.scatter_x, s.scatter_y, s.y0, s.y1
    pts = _scatter_points(full, xi, yi)
    ix, iy = data.indicator_info(xi) or {}, data.indicator_info(yi) or {}
    fig = figures.scatter(pts, f"{ix.get('label', xi)} ({ix.get('unit', '')})",
                          f"{iy.get('label', yi)} ({iy.get('unit', '')})",
                          f"{iy.get('label', yi)} vs {ix.get('label', xi)}",
                          f"Latest value per country within {y0}–{y1}",
                          "; ".join(dict.fromkeys(s for s in (ix.get("source_title"), iy.get("source_title")) if s)),
                          f"{y0}–{y1}")
    return [graph("ex-scatter-graph", fig, label="Scatter of two indicators"),
            lazy_details("ex-scatter", "Table: scatter values",
                         md_table(pts.sort("name"), {"name": "Country", "x": "x", "y": "y"}))]


def compare_part(iso3: str, headline: str) -> Any:
    """The country page's side-by-side block for one country (the same code: no second implementation), or a hint;
    the headline store is always on the page so the explorer's link can carry the pick."""
    if not iso3:
        return [html.P("Choose a country to see its yearly and monthly fatalities from each event source, their "
                       "range, and where they disagree.", className="small text-muted"),
                *side_by_side.picked_store(headline)]
    return side_by_side.section(iso3, headline)


@callback(Output(ids.EX_COMPARE_OUT, "children"), Input(ids.EX_COMPARE, "value"),
          State(side_by_side.PICKED_ID, "data"), prevent_initial_call=True)
def update_compare(iso3: Any, headline: Any) -> Any:
    """Another country to compare: validated like a URL (a browser can send anything)."""
    s, _notes = parse({k: v for k, v in (("compare", iso3), ("headline", headline)) if isinstance(v, str) and v})
    return compare_part(s.compare, s.headline)


STATE = [Input(ids.EX_REGION, "value"), Input(ids.EX_SUBREGION, "value"), Input(ids.EX_FACTOR, "value"),
         Input(ids.EX_INDICATORS, "value"), Input(ids.EX_YEARS, "value"), Input(ids.EX_VIOLENCE, "value"),
         Input(ids.EX_RISK, "value"), Input(ids.EX_COUNTRIES, "value"), Input(ids.EX_X, "value"),
         Input(ids.EX_Y, "value"), Input(ids.EX_STATUS, "value"), Input(ids.EX_COMPARE, "value")]

# the menus the browser fills (assets/menus.js, same rules as indicator_options() and the region filter)
clientside_callback(
    ClientsideFunction("r2p", "exploreIndicators"),
    Output(ids.EX_INDICATORS, "options"), Input(ids.EX_FACTOR, "value"), Input(ids.EX_VIOLENCE, "value"),
    State(ids.EX_INDICATORS, "value"), State(ids.EX_LOOKUP, "data"), prevent_initial_call=True,
)
clientside_callback(
    ClientsideFunction("r2p", "subregions"),
    Output(ids.EX_SUBREGION, "options"), Output(ids.EX_SUBREGION, "value"), Input(ids.EX_REGION, "value"),
    State(ids.EX_SUBREGION, "value"), State(ids.EX_LOOKUP, "data"), prevent_initial_call=True,
)


@callback(
    Output(ids.EX_SERIES, "children"), Output(ids.EX_SCATTER, "children"), Output(ids.EX_GRID, "rowData"),
    Output(ids.EX_GRID, "columnDefs"), Output(ids.EX_GRID, "csvExportParams"), Output(ids.EX_COUNT, "children"),
    Output(ids.EX_QUERY, "data"), Output(ids.EX_SHOWN, "data"), *STATE, State(side_by_side.PICKED_ID, "data"),
    State(ids.EX_SHOWN, "data"),
    prevent_initial_call=True,
)
def update(*args: Any) -> tuple:
    """Redraw what the changed inputs affect. What the page holds comes from ``EX_SHOWN`` (a State the answer
    updates), not from Dash's list of changed inputs: Dash drops an in-flight answer when the same callback fires
    again, so an answer must also redraw what a dropped one would have."""
    out = build(from_controls(*args[:-1]), shown=args[-1])
    return out.series, out.scatter, out.rows, out.cols, out.csv, out.count, out.query, out.shown


# AG Grid's own export: respects the grid's column filters and sort; attribution lines are prepended (csvExportParams)
clientside_callback("function (n) { return !!n; }", Output(ids.EX_GRID, "exportDataAsCsv"),
                    Input(ids.EX_GRID_CSV_BTN, "n_clicks"), prevent_initial_call=True)


def csv_text(region: str, subregion: str, indicators: list[str], y0: int, y1: int, risk: list[str],
             query: str, factor: int | None = None, status: list[str] | tuple[str, ...] = ()) -> str:
    """The filtered table as CSV, preceded by '#' attribution lines (sources, licence, filter, date)."""
    wide = filtered(region, subregion, indicators, y0, y1, risk, factor, status)
    buf = io.StringIO()
    safe_frame(csv_numbers(wide)).write_csv(buf)  # raw numbers (700, not 700.0); formula-like text neutralised
    return "\n".join(map(one_line, attribution_lines(indicators, bool(risk), query))) + "\n" + buf.getvalue()


def csv_numbers(wide: pl.DataFrame) -> pl.DataFrame:
    """Indicator values as the grid's own CSV writes them (JavaScript numbers): 700, not 700.0; 0.25 as is."""
    floats = [c for c, t in wide.schema.items() if t.is_float()]
    whole = (pl.col(floats) == pl.col(floats).round(0)) & (pl.col(floats).abs() < 1e15)
    return wide.with_columns(pl.when(whole).then(pl.col(floats).cast(pl.Int64).cast(pl.String))
                             .otherwise(pl.col(floats).cast(pl.String)).name.keep()) if floats else wide


def attribution_lines(indicators: list[str], with_risk: bool, query: str) -> list[str]:
    """'#' lines heading every export: date, the filter (a link path), each source's citation/licence, columns."""
    src_ids = [(data.indicator_info(i) or {}).get("source_id", "") for i in indicators]
    lines = [f"# R2P atrocity-risk dashboard export, {date.today().isoformat()}",
             f"# Filter: /explore{query}"]
    lines += [f"# Source: {s}" for s in data.source_lines([s for s in src_ids if s])]
    if with_risk:
        lines += [f"# Source: {s}" for s in data.source_lines(["r2p_monitor"])]
    for i in indicators:
        info = data.indicator_info(i)
        if info:
            lines.append(f"# Column {i}: {info['label']} ({info['unit']})")
    return lines


@callback(Output(ids.EX_DOWNLOAD, "data"), Input(ids.EX_DOWNLOAD_BTN, "n_clicks"),
          *(State(i.component_id, i.component_property) for i in STATE), State(ids.EX_QUERY, "data"),
          prevent_initial_call=True)
def download(n: int | None, *args: Any) -> Any:
    if not n:
        return no_update
    s = from_controls(*args[:-1])
    query = args[-1] if isinstance(args[-1], str) else ""
    text = csv_text(s.region, s.subregion, list(s.indicators), s.y0, s.y1, list(s.risk), query, s.factor, s.status)
    return {"content": text, "filename": f"r2p-explore-{s.y0}-{s.y1}.csv", "type": "text/csv", "base64": False}


url_sync(ids.EX_QUERY, ids.EX_QUERY + "-sync", on_load=True)
