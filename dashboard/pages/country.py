"""`/country/<ISO3>` — R2P-Monitor-style country page built only from warehouse figures."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, callback, dcc, html

from dashboard import board, data, figures, ids, narratives, params, risk
from dashboard.components import (
    disclaimer,
    graph,
    guarded,
    lazy_details,
    md_table,
    notices,
    source_list,
    url_sync,
)
from dashboard.export.links import pack_buttons
from dashboard.panels import Panel, Section, analyst_mode, build_all
from dashboard.queries import country as country_q
from dashboard.queries import fresh_events
from dashboard.sections import recent_events, side_by_side, what_changed
from dashboard.sections import response as response_section
from dashboard.viewmodels import country as vm

dash.register_page(__name__, path_template="/country/<iso3>", title="Country page", name="Country", order=1)

VDEM_PREFERRED = ("vdem_v2x_polyarchy", "vdem_v2x_libdem", "vdem_v2x_civlib", "vdem_v2x_clphy", "vdem_v2x_rule",
                  "vdem_v2xcs_ccsi")
MAP_LAYERS = ("pko",)  # switchable layers of the event map (Geo-PKO deployments), kept in the URL as ?layers=pko
VT_LABELS = {"state-based": "State-based", "non-state": "Non-state", "one-sided": "One-sided (against civilians)"}


def close_matches(text: str, n: int = 5) -> list[tuple[str, str]]:
    """Countries whose code or name resembles ``text`` (difflib), for the not-found page."""
    names = data.country_names()
    text = (text or "").strip()
    by_code = difflib.get_close_matches(text.upper(), list(names), n=n, cutoff=0.6)
    lower = {v.casefold(): k for k, v in names.items()}
    by_name = [lower[m] for m in difflib.get_close_matches(text.casefold(), list(lower), n=n, cutoff=0.5)]
    by_prefix = [k for k, v in names.items() if text and v.casefold().startswith(text.casefold()[:4])][:n]
    out = list(dict.fromkeys(by_code + by_name + by_prefix))[:n]
    return [(c, names[c]) for c in out]


def not_found(raw: str) -> html.Div:
    shown = (raw or "")[:40]
    matches = close_matches(shown)
    return html.Div([
        html.H1("Country not found", className="h3"),
        html.P([f"There is no country with the code '{shown}' in the warehouse. Country pages use ISO 3166-1 "
                "alpha-3 codes, for example ", dcc.Link("/country/SDN", href="/country/SDN"), "."]),
        html.P("Did you mean:") if matches else html.P("No close match."),
        html.Ul([html.Li(dcc.Link(f"{name} ({code})", href=f"/country/{code}")) for code, name in matches],
                id=ids.CO_CLOSE_MATCHES),
        dcc.Link("Back to the overview", href="/"),
    ], className="py-4", id=ids.CO_NOT_FOUND)


def title(iso3: str | None = None, **_: Any) -> str:
    try:
        name = data.country_names().get((iso3 or "").upper()) if data.status()["ok"] else None
    except data.WarehouseMissing:  # the file failed under an open connection: the layout says why
        name = None
    return f"{name} — R2P country page" if name else "Country page"


dash.page_registry[__name__]["title"] = title


@guarded
def layout(iso3: str = "", **kwargs: Any) -> html.Div:
    with data.one_stamp():  # one os.stat of the warehouse for the page, not one per cached call (~280)
        return _page(iso3, kwargs)


def _page(iso3: str, kwargs: dict[str, Any]) -> html.Div:
    code = (iso3 or "").strip().upper()
    info = data.country(code)
    if info is None:
        return not_found(iso3)
    yrs = data.event_years(code)
    spec = [
        params.Param("from", yrs[0] if yrs else None, params.as_int(*(yrs or (1900, 2100)))),
        params.Param("to", yrs[1] if yrs else None, params.as_int(*(yrs or (1900, 2100)))),
        params.Param("types", list(data.VIOLENCE_TYPES), params.as_choice(data.VIOLENCE_TYPES), multi=True),
        params.Param("layers", [], params.as_choice(MAP_LAYERS), multi=True),
        params.Param(side_by_side.URL_PARAM, fresh_events.UCDP, params.as_choice(fresh_events.SOURCES)),
    ]
    values, notes = params.parse(kwargs, spec)
    if yrs and values["from"] > values["to"]:
        notes.append("'from' is after 'to'; showing all years.")
        values["from"], values["to"] = yrs
    ctx = Context(code, info, vm.brief(code), yrs, values)
    built = build_all(PANELS, ctx)
    used = tuple(dict.fromkeys(s for _, sec in built for s in sec.sources))
    body: list[Any] = [
        html.Div([html.Div([html.H1(info["name"], className="h2 mb-0", id=ids.CO_NAME),
                            html.P(f"{code} · {ctx.brief.region}", className="text-muted mb-0 small")]),
                  pack_buttons(code)], className="d-flex flex-wrap justify-content-between align-items-end gap-2"),
        section_menu(PANELS),
        notices(notes, id=ids.CO_NOTICE),
    ]
    for panel, sec in built:
        body.append(html.Section([html.H2(panel.heading or panel.label, className="h5 mt-3")
                                  if panel.heading != "-" else None, *sec.children],
                                 id=panel.anchor, className="co-section", **{"aria-label": panel.label}))
    body.append(html.Section(source_list(data.source_lines(list(used)), heading="Sources for every figure on "
                                         "this page"), id="sources", className="co-section"))
    body += [dcc.Store(id=ids.CO_ISO3, data=code), dcc.Store(id=ids.CO_QUERY),
             html.Div(id=ids.CO_QUERY + "-sync", hidden=True)]
    return html.Div(body)


@dataclass(frozen=True)
class Context:
    """What every panel builder may read: the country, its brief (view-model) and the page's query."""

    code: str
    info: dict
    brief: vm.Brief
    years: tuple[int, int] | None
    values: dict[str, Any]


def section_menu(panels: tuple[Panel, ...]) -> html.Nav:
    """The sticky section menu (Summary · Risk factors · … · Sources): in-page links, first in the Tab order."""
    links = [html.A(p.label, href=f"#{p.anchor}", className="nav-link px-2 py-1") for p in panels if p.in_menu]
    links.append(html.A("Sources", href="#sources", className="nav-link px-2 py-1"))
    return html.Nav(html.Div(links, className="nav flex-nowrap overflow-auto small"), id=ids.CO_MENU,
                    className="co-menu bg-white border-bottom mb-2", **{"aria-label": "Sections of this page"})


# ---------------------------------------------------------------------------------------------- summary


ARROWS = {"worse": ("▲", "worse", "trend-worse"), "better": ("▼", "better", "trend-better"),
          "same": ("▬", "unchanged", "trend-same")}


def level_badge(level: str | None, **kw: Any) -> html.Span:
    """The risk level in the one palette (figures.RISK_COLOURS, dark text: WCAG AA on every level colour)."""
    extra = kw.pop("className", "fs-6")
    if not level:
        return html.Span("Not listed", className=f"badge text-bg-light border {extra}", **kw)
    return html.Span(level, className=f"badge risk-badge {extra}", style={
        "backgroundColor": figures.RISK_COLOURS.get(level, "#6c757d"), "color": figures.RISK_TEXT}, **kw)


def summary_panel(ctx: Context) -> Section:
    """The first screen: level with date and age, EWP rank of N, key figures with change, elevated factors."""
    b = ctx.brief
    if b.level:
        lvl = html.Div([
            level_badge(b.level.risk_level, id=ids.CO_RISK_BADGE),
            html.Span([" R2P Monitor: ", html.Strong(b.level.age_text, id=ids.CO_LEVEL_AGE), "; ",
                       b.level.later_text, " · ",
                       html.A("source", href=b.level.source_url, target="_blank", rel="noopener noreferrer")],
                      className="small ms-2")], id=ids.CO_LEVEL, className="mb-1")
    else:
        lvl = html.Div(html.Span("Not listed by R2P Monitor in the warehouse.", className="text-muted",
                                 id=ids.CO_RISK_BADGE), id=ids.CO_LEVEL, className="mb-1")
    ewp = (html.Div(b.forecast.sentence, id=ids.CO_EWP, className="small mb-2") if b.forecast else
           html.Div("No Early Warning Project forecast in the warehouse.", className="small text-muted mb-2",
                    id=ids.CO_EWP))
    left = [html.H3("Key figures", className="h6 mb-1"), key_figure_cards(b.key_figures)]
    right = [html.H3(f"Elevated risk factors ({len(b.elevated)} of 14)", className="h6 mb-1"),
             elevated_list(b.elevated),
             html.P([f"All 14 factors: {b.factor_counts}. ", html.A("Details", href="#risk-factors")],
                    className="small text-muted mb-0")]
    grid = dbc.Row([dbc.Col(left, lg=7, className="mb-2"), dbc.Col(right, lg=5)], className="g-3")
    return Section.of(lvl, ewp, grid, html.P(b.summary, id=ids.CO_SUMMARY, className="small mt-2"),
                      sources=b.sources)


def key_figure_cards(figs: tuple[vm.KeyFigure, ...]) -> Any:
    if not figs:
        return html.P("No key figures in the warehouse for this country.", className="text-muted")
    return html.Div([_card(f) for f in figs], id=ids.CO_CARDS, className="key-figures")


def _card(f: vm.KeyFigure) -> html.Div:
    arrow = ARROWS.get(f.direction)
    # the arrow is read out as its word ("worse: −12.6% vs 2023"): one element, not an icon and a hidden word
    change = (html.Div([html.Span(arrow[0], className=f"trend-arrow {arrow[2]}", role="img",
                                  **{"aria-label": f"{arrow[1]}:"}), f" {f.change_text}"],
                       className="small key-change", **{"data-direction": f.direction})
              if arrow else html.Div(f.change_text or ("not compared: part year" if f.part_year else "no earlier "
                                                       "value"), className="small text-muted key-change"))
    title = " · ".join(x for x in (f.unit, f.source, f"range {f.range_text}" if f.range_text else "", f.note) if x)
    return html.Div([
        html.Div(f.label, className="small text-muted key-label"),
        html.Span(f.text, className="fs-5 fw-bold", **{"data-indicator": f.indicator_id, "data-year": str(f.year)}),
        html.Span(f" {f.period}", className="small ms-1 key-period"),
        change,
    ], className="key-figure border rounded px-2 py-1", title=title)


def elevated_list(factors: tuple[vm.ElevatedFactor, ...]) -> Any:
    if not factors:
        return html.P("No risk factor is elevated on the documented rules.", className="small", id=ids.CO_ELEVATED)
    return html.Ul([html.Li([html.Strong(f"{f.factor}. {f.name}", className="d-block"), f.sentence, " ",
                             board.rule_details(f.rule)], className="small mb-1")
                    for f in factors], id=ids.CO_ELEVATED, className="list-unstyled mb-1")


def factors_panel(ctx: Context) -> Section:
    board_sec = board.risk_factor_board(ctx.code)
    pillar = board.pillar_one(ctx.code)
    return board_sec + Section.of(html.H3("Pillar I commitments", className="h6 mt-3"), *pillar.children,
                                  sources=pillar.sources)


def trends_panel(ctx: Context) -> Section:
    return _levels_and_forecasts(ctx) + trends(ctx.code, ctx.info["name"])


def _levels_and_forecasts(ctx: Context) -> Section:
    """The risk-level timeline with its listings, and the EWP editions table."""
    code = ctx.code
    hist = data.risk_history(code)
    gc = figures.by_value(hist, "list_id").get(risk.GCR2P, hist.head(0))
    parts: list[Any] = [board.risk_timeline(code, ctx.info["name"]), _watchlist_badges(hist)]
    if gc.height:
        parts.append(lazy_details("risk-history", f"Risk-level history ({gc.height} listings)", md_table(
            gc.with_columns(pl.col("as_of").cast(pl.String)), {"as_of": "As of", "risk_level": "Risk level",
                                                         "situation": "Situation", "source_url": "Source"})))
    ewp = data.ewp_history(code)
    if ewp.height:
        parts.append(lazy_details("ewp-editions", f"EWP editions ({ewp.height})", md_table(
            _ewp_percent(ewp), {"edition": "Edition", "window_start": "Window from", "window_end": "to",
                                "onset_risk": "Onset risk, 2 yr (%)", "onset_risk_1yr": "1 yr (%)",
                                "rank": "Rank"})))
    return Section.of(*parts, sources=["r2p_monitor"] if hist.height else [])


def _watchlist_badges(hist: pl.DataFrame) -> html.Div | None:
    """An organisation's own watchlist levels next to the Global Centre's (same shape, own list id)."""
    own = [rows.row(0, named=True) for list_id, rows in figures.by_value(hist, "list_id").items()
           if list_id is not None and list_id != risk.GCR2P]
    if not own:
        return None
    return html.Div([html.Span([
        level_badge(r["risk_level"], className="me-1"),
        html.Span(f"{risk.list_label(r['list_id'])}, as of {r['as_of']}", className="small me-3"),
    ], **{"data-list": r["list_id"]}) for r in own], id=ids.CO_WATCHLISTS, className="mb-1")


def _ewp_percent(ewp: pl.DataFrame) -> pl.DataFrame:
    """EWP editions with both risks in %, rounded to 2 decimals."""
    return ewp.with_columns((pl.col(c) * 100).round(2) for c in ("onset_risk", "onset_risk_1yr"))


def events_panel(ctx: Context) -> Section:
    return Section.of(event_section(ctx.code, ctx.years, ctx.values), sources=["ucdp_ged"] if ctx.years else [])


def narrative_panel(ctx: Context) -> Section:
    return Section.of(narrative_section(ctx.code))


# The page, top to bottom. Adding a section is one entry (a builder taking the Context and returning a Section).
PANELS: tuple[Panel, ...] = (
    Panel("summary", "Summary", summary_panel, heading="-"),
    Panel("what-changed", "What changed", lambda ctx: Section.of(what_changed.section(ctx.code))),
    Panel("risk-factors", "Risk factors", factors_panel, heading="Risk factors (UN Framework of Analysis)"),
    Panel("trends", "Trends", trends_panel),
    Panel("fatalities", "Sources compared",
          lambda ctx: Section.of(side_by_side.section(ctx.code, ctx.values[side_by_side.URL_PARAM])),
          heading="-", in_menu=False),
    Panel("events", "Events", events_panel, heading="Events (UCDP GED)"),
    Panel("recent-events", "Recent events", lambda ctx: Section.of(recent_events.section(ctx.code)),
          heading="Recent events (UCDP candidate, monthly)", in_menu=False),
    Panel("response", "Response", lambda ctx: Section.of(response_section.section(ctx.code, ctx.info["name"])),
          heading="International response"),
    Panel("narrative", "Narrative", narrative_panel),
)


# ---------------------------------------------------------------------------------------------- trends


def trends(code: str, name: str) -> Section:
    out: list[Any] = []
    src_ids: list[str] = []  # local to this section: returned with what it shows
    have = set(data.country_indicator_ids(code))
    # deaths by violence type with low-high ranges
    ids3 = [i for i in data.DEATH_INDICATORS.values() if i in have]
    if ids3:
        want = tuple(ids3) + tuple(f"{i}_{s}" for i in ids3 for s in ("low", "high"))
        long = _deaths_long(data.country_values(code, want), ids3)
        srcs = _sources_of(ids3, src_ids)
        out.append(_chart("co-deaths", figures.time_series(
            long, f"{name}: deaths by type of violence", "Best estimate; shaded band = low–high estimate "
            "(y axis fitted to the best estimates)", srcs, _span(long), "deaths", colours=figures.VIOLENCE_COLOURS,
            fit_to_value=True), long, "Deaths by type of violence"))
    out += _simple_series(code, name, data.DISPLACEMENT_INDICATORS, have, src_ids, "co-displacement",
                          f"{name}: displacement", "Refugees and asylum-seekers from the country; IDPs inside it",
                          "people")
    idps = vm.idp_figures(code)
    if len(idps) > 1:
        out.append(html.Div([html.P("Why the IDP figures differ:", className="small mb-0 fw-bold"), html.Ul([
            html.Li(f"{label}: {value} ({year}). {definition}", className="small") for label, value, year,
            definition in idps], className="mb-2")], id=ids.CO_IDP_NOTE))
    out += _simple_series(code, name, data.PTS_INDICATORS, have, src_ids, "co-pts", f"{name}: Political Terror Scale",
                          "Three coders; 1 = secure rule of law … 5 = terror extends to the whole population", "score",
                          yrange=(0.5, 5.5))
    others = sorted(i for i in have if i.startswith("vdem_") and i not in VDEM_PREFERRED
                    and str((data.indicator_info(i) or {}).get("unit", "")).startswith("index"))
    vdem = tuple([i for i in VDEM_PREFERRED if i in have] + others)[:6]
    out += _simple_series(code, name, vdem, have, src_ids, "co-vdem", f"{name}: V-Dem indices",
                          "Expert-coded indices, 0–1; last 30 years, three indices shown (click the legend for "
                          "more)", "index", yrange=(0, 1), recent_years=30, visible=3)
    ewp = data.ewp_history(code)
    if ewp.height and ewp["onset_risk"].null_count() < ewp.height:
        long = _ewp_long(ewp)
        if long.height:
            out.append(_chart("co-ewp-series", figures.time_series(
                long, f"{name}: Early Warning Project onset risk", "Risk of a new mass-killing onset within two "
                "years, by edition", _sources_of([data.EWP_RISK], src_ids) or "Early Warning Project",
                _span(long), "%"), long, "EWP onset risk by edition"))
    if not out:
        out.append(html.P("No time series in the warehouse for this country.", className="text-muted"))
    return Section.of(*out, sources=src_ids)


def _ewp_long(ewp: pl.DataFrame) -> pl.DataFrame:
    """year, value, series: both EWP risks per edition (in % when stored as probabilities), rows with a year and a
    value; the year is the edition's first four characters."""
    scale = 100.0 if ewp["onset_risk"].max() <= 1 else 1.0
    year = pl.col("edition").str.slice(0, 4).cast(pl.Int64, strict=False).alias("year")
    return pl.concat([
        ewp.select(year, (pl.col(c).cast(pl.Float64) * scale).alias("value"), pl.lit(label).alias("series"))
        for c, label in (("onset_risk", "Onset risk (2 yr)"), ("onset_risk_1yr", "Onset risk (1 yr)"))
    ]).drop_nulls(["year", "value"])


def _deaths_long(df: pl.DataFrame, ids3: list[str]) -> pl.DataFrame:
    """year, value, low, high, series: each violence type's best estimates, with the low and high estimate of the
    same year, in violence-type order (``indicator_values`` has one row per country, year and indicator)."""
    wide = df.pivot(on="indicator_id", index="year", values="value").sort("year")

    def column(name: str) -> pl.Expr:
        return pl.col(name) if name in wide.columns else pl.lit(None, df.schema["value"])

    return pl.concat([
        wide.select("year", pl.col(ind).alias("value"), column(f"{ind}_low").alias("low"),
                    column(f"{ind}_high").alias("high"), pl.lit(vt, pl.String).alias("series"))
        .filter(pl.col("value").is_not_null())
        for vt, ind in data.DEATH_INDICATORS.items() if ind in ids3])


def _simple_series(code: str, name: str, inds: tuple[str, ...], have: set[str], src_ids: list[str], gid: str,
                   title: str, subtitle: str, unit: str, yrange: tuple[float, float] | None = None,
                   recent_years: int | None = None, visible: int | None = None) -> list[Any]:
    inds = tuple(i for i in inds if i in have)
    if not inds:
        return []
    df = data.country_values(code, inds)
    labels = {i: (data.indicator_info(i) or {}).get("label", i) for i in inds}
    # the label column built in Python: replace_strict + select cost two Polars collects (~0.5 ms)
    long = pl.DataFrame([df["year"], df["value"],
                         pl.Series("series", [labels[i] for i in df["indicator_id"].to_list()], dtype=pl.String)])
    fig = figures.time_series(long, title, subtitle, _sources_of(list(inds), src_ids), _span(long), unit,
                              yrange=yrange, recent_years=recent_years, visible=visible)
    return [_chart(gid, fig, long, title)]


def _sources_of(inds: list[str], src_ids: list[str]) -> str:
    titles = []
    for i in inds:
        info = data.indicator_info(i)
        if info:
            src_ids.append(info["source_id"])
            titles.append(info.get("source_title") or info["source_id"])
    return "; ".join(dict.fromkeys(t for t in titles if t))


def _span(df: pl.DataFrame) -> str:
    return f"{df['year'].min()}–{df['year'].max()}" if df.height else ""


def _chart(gid: str, fig: Any, long: pl.DataFrame, label: str) -> html.Div:
    return html.Div([graph(gid, fig, label=label),
                     lazy_details(gid, f"Table: {label}", md_table(figures.year_table(long), max_rows=200))])


# ---------------------------------------------------------------------------------------------- events


def event_section(code: str, yrs: tuple[int, int] | None, values: dict[str, Any]) -> html.Div:
    if not yrs:
        return html.P("No UCDP GED events in the warehouse for this country.", className="text-muted")
    y0, y1 = values["from"], values["to"]
    marks = {y: str(y) for y in range(yrs[0], yrs[1] + 1) if (y - yrs[0]) % max(1, (yrs[1] - yrs[0]) // 8) == 0}
    fig, note, tbl, _ = build_events(code, y0, y1, values["types"], tuple(values["layers"]))
    return html.Div([
        dbc.Row([
            dbc.Col([dbc.Label("Years", html_for=ids.CO_YEARS),
                     dcc.RangeSlider(id=ids.CO_YEARS, min=yrs[0], max=yrs[1], step=1, value=[y0, y1], marks=marks,
                                     allowCross=False, tooltip={"placement": "bottom"},
                                     allow_direct_input=False)], md=8),  # its number boxes had no label (axe)
            dbc.Col([dbc.Label("Violence type", html_for=ids.CO_TYPES),
                     # native checkboxes with their labels (dcc.Checklist nested them: axe 'nested-interactive')
                     dbc.Checklist(id=ids.CO_TYPES, options=[{"label": VT_LABELS[v], "value": v}
                                                             for v in data.VIOLENCE_TYPES],
                                   value=values["types"], inline=False)], md=4),
        ]),
        dcc.Loading(graph(ids.CO_EVENT_MAP, fig, geo=True, label="Map of UCDP GED events")),
        response_section.layer_toggle(code, "pko" in values["layers"]),
        disclaimer(),
        html.P(note, id=ids.CO_EVENT_NOTE, className="small"),
        html.Div(tbl, id=ids.CO_EVENT_TABLE),
    ])


def build_events(code: str, y0: int, y1: int, types: list[str], layers: tuple = (),
                 headline: str = fresh_events.UCDP) -> tuple[Any, str, Any, str]:
    """The event map, its note and table, and the page's query string (with the layers and the side-by-side
    headline, which live in other sections, so that the address bar keeps them)."""
    types_t = tuple(t for t in data.VIOLENCE_TYPES if t in (types or []))
    df, aggregated = data.events(code, int(y0), int(y1), types_t)
    name = data.country_names().get(code, code)
    bbox = _bbox(code)
    src = "UCDP Georeferenced Event Dataset (GED)"
    span = event_span(code, int(y0), int(y1))
    fig = figures.event_map(df, aggregated, f"{name}: UCDP GED events, {span}",
                            ", ".join(types_t) or "no violence type selected", src, span, bbox)
    fig = response_section.add_deployment_layer(fig, code, "pko" in layers)  # Geo-PKO layer (switch)
    n_events = int(df["events"].sum()) if df.height else 0
    deaths = int(df["deaths"].sum()) if df.height else 0
    note = (f"{n_events:,} events with {deaths:,} deaths (best estimate) match; "
            + ("shown as 0.5° grid cells because there are more than "
               f"{data.MAX_EVENT_POINTS:,} points." if aggregated else "each point is one event."))
    summary = _by_violence_type(df) if df.height else df
    tbl = lazy_details("events-by-type", "Table: events by violence type", md_table(
        summary, {"violence_type": "Violence type", "events": "Events", "deaths": "Deaths (best)"}))
    qs = params.encode({"from": y0, "to": y1, "types": list(types_t) or ["none"],
                        "layers": [x for x in MAP_LAYERS if x in layers],
                        side_by_side.URL_PARAM: headline if headline != fresh_events.UCDP else None})
    return fig, note, tbl, qs


def event_span(code: str, y0: int, y1: int) -> str:
    """'1989–2026 (2026 to 30 Apr)' when the last year is a part year of candidate events, else '1989–2024'."""
    cover = country_q.event_coverage(code)
    span = f"{y0}–{y1}" if y0 != y1 else str(y0)
    if cover and cover[1].year == y1 and (cover[1].month, cover[1].day) != (12, 31):
        span += f" ({y1} to {cover[1].day} {vm.MONTHS[cover[1].month - 1]})"
    return span


def _by_violence_type(df: pl.DataFrame) -> pl.DataFrame:
    """violence_type, events, deaths summed per type present, sorted by type (``df`` holds the selected types)."""
    return df.group_by("violence_type").agg(pl.col("events").sum(), pl.col("deaths").sum()).sort("violence_type")


def _bbox(code: str) -> tuple[float, float, float, float] | None:
    years = data.event_years(code)
    if not years:  # no GED event here (the page then shows no map; an export or a test may still ask)
        return None
    df, _ = data.events(code, *years, data.VIOLENCE_TYPES)
    if df.height == 0:
        return None
    lat, lon = df["latitude"], df["longitude"]
    return (float(lon.quantile(0.005)), float(lat.quantile(0.005)), float(lon.quantile(0.995)),
            float(lat.quantile(0.995)))


@callback(
    Output(ids.CO_EVENT_MAP, "figure"),
    Output(ids.CO_EVENT_NOTE, "children"),
    Output(ids.CO_EVENT_TABLE, "children"),
    Output(ids.CO_QUERY, "data"),
    Input(ids.CO_YEARS, "value"),
    Input(ids.CO_TYPES, "value"),
    Input(response_section.LAYER_ID, "value"),
    State(ids.CO_ISO3, "data"),
    State(side_by_side.PICKED_ID, "data"),
    prevent_initial_call=True,
)
def update_events(years: list[int], types: list[str], layers: list[str] | None, code: str, headline: Any) -> tuple:
    if data.country(code or "") is None or not isinstance(years, list) or len(years) != 2:
        return dash.no_update, dash.no_update, dash.no_update, dash.no_update
    return build_events(code, int(years[0]), int(years[1]), [t for t in (types or []) if t in data.VIOLENCE_TYPES],
                        tuple(layers or ()), headline if headline in fresh_events.SOURCES else fresh_events.UCDP)


# ------------------------------------------------------------------------------------------- narrative


def narrative_section(code: str) -> html.Div:
    nar = narratives.load(code)
    if nar is None or not nar.sections:
        how_to = (html.P(["Analysts add one as ", html.Code(f"data/curated/countries/{code}.md"), " with front "
                          "matter (author, date, sources) and the sections " + " · ".join(narratives.SECTIONS) + "."],
                         className="small text-muted analyst-note") if analyst_mode() else None)
        return html.Div([
            html.P("No curated narrative for this country yet. Nothing on this page is written by the dashboard "
                   "except the data summary.", className="text-muted"), how_to,
        ], id=ids.CO_NARRATIVE)
    parts: list[Any] = [html.P(f"By {nar.author or 'unknown author'}, {nar.date or 'undated'}.",
                               className="small text-muted")]
    stale = risk.narrative_staleness(code, nar.date) if nar.date else []
    if stale:
        parts.append(html.Div([dbc.Badge("possibly out of date", color="warning", text_color="dark",
                                         className="me-2"), "; ".join(stale)], className="small mb-1",
                              id=ids.CO_NARRATIVE_STALE))
    if nar.problems:
        parts.append(notices([f"Narrative file: {p}" for p in nar.problems]))
    for sec in narratives.SECTIONS:
        parts.append(html.H3(sec, className="h6 mt-2"))
        parts.append(dcc.Markdown(nar.sections[sec]) if sec in nar.sections
                     else html.P("Not written yet.", className="text-muted small"))
    if nar.sources:
        parts.append(source_list(nar.sources, heading="Narrative sources"))
    return html.Div(parts, id=ids.CO_NARRATIVE)


url_sync(ids.CO_QUERY, ids.CO_QUERY + "-sync")
