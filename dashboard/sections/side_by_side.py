"""Country page: fatalities from UCDP, ACLED and HDX HAPI side by side, as a range with each source named.

The disagreement rule (docs/methodology.md, "ACLED, HDX HAPI and UCDP side by side"): in a period covered by at
least two sources, they *disagree* when the largest figure is at least ``FLOOR`` fatalities and more than
``RATIO`` times the smallest (a zero counts as disagreeing). A source that is loaded but has nothing for the
country, or is not loaded at all, is said in words — never left out silently. UCDP is the default headline.
"""

from __future__ import annotations

import datetime as dt

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from dashboard import data
from dashboard.queries import fresh_events as q

RATIO = 2.0
FLOOR = 25
ACLED_ATTRIBUTION = ("ACLED figures: Armed Conflict Location & Event Data (ACLED), www.acleddata.com, loaded "
                     "with the user's own account; HDX HAPI figures are ACLED data aggregated by OCHA HDX HAPI. "
                     "ACLED data are not redistributed.")
COLOURS = {q.UCDP: "#0072B2", q.ACLED: "#D55E00", q.HAPI: "#009E73"}  # Okabe-Ito: colour-blind safe
SECTION_ID = "co-side-by-side"
# dict ids: these graphs are not offered as chart/table downloads (the export layer lists string ids only)
HEADLINE_ID, ISO3_ID = {"sbs": "headline"}, {"sbs": "iso3"}
# the reader's pick, always on the page (also where a country has no figures), so the URL can carry it
PICKED_ID, PICKED_SYNC_ID = {"sbs": "picked"}, {"sbs": "picked-sync"}
URL_PARAM = "headline"
GRAPH_IDS = {"year": {"sbs": "year"}, "month": {"sbs": "month"}}


def by_period(monthly: pl.DataFrame, period: str, coverage: dict[str, tuple]) -> pl.DataFrame:
    """Wide table period × source (fatalities); NULL outside a source's coverage, 0 inside it when no event."""
    if monthly.height == 0:
        return pl.DataFrame({"period": []})
    key = pl.col("month").dt.truncate("1y") if period == "year" else pl.col("month")
    agg = monthly.group_by(key.alias("period"), "source").agg(pl.col("fatalities").sum()).sort("period")
    periods = agg["period"].unique().sort()
    wide = pl.DataFrame({"period": periods})
    for source in q.SOURCES:
        lo, hi = coverage.get(source, (None, None))
        if lo is None:
            continue
        if period == "year":
            lo, hi = dt.date(lo.year, 1, 1), dt.date(hi.year, 1, 1)
        vals = agg.filter(pl.col("source") == source).select("period", pl.col("fatalities").alias(source))
        wide = wide.join(vals, on="period", how="left").with_columns(
            pl.when(pl.col("period").is_between(lo, hi)).then(pl.col(source).fill_null(0)).alias(source))
    return wide


def disagreements(wide: pl.DataFrame) -> list[dict]:
    """Periods where the sources disagree by the rule in the module docstring (newest first)."""
    cols = [s for s in q.SOURCES if s in wide.columns]
    out = []
    for row in wide.iter_rows(named=True):
        vals = {s: row[s] for s in cols if row[s] is not None}
        if len(vals) < 2:
            continue
        hi, lo = max(vals.values()), min(vals.values())
        if hi >= FLOOR and (lo == 0 or hi / lo > RATIO):
            out.append({"period": row["period"], **vals})
    return sorted(out, key=lambda r: r["period"], reverse=True)


def figure(wide: pl.DataFrame, title: str, period: str, headline: str = q.UCDP) -> go.Figure:
    """Pure figure builder: a grey min–max range of all sources, one named line per source, headline bold."""
    fig = go.Figure()
    cols = [s for s in q.SOURCES if s in wide.columns]
    x = wide["period"].to_list() if wide.height else []
    if len(cols) > 1:
        lo = wide.select(pl.min_horizontal(cols)).to_series().to_list()
        hi = wide.select(pl.max_horizontal(cols)).to_series().to_list()
        fig.add_trace(go.Scatter(x=x + x[::-1], y=hi + lo[::-1], fill="toself", fillcolor="rgba(120,120,120,0.18)",
                                 line={"width": 0}, hoverinfo="skip", name="range across sources"))
    for s in cols:
        fig.add_trace(go.Scatter(
            x=x, y=wide[s].to_list(), name=q.LABELS[s] + (" (headline)" if s == headline else ""),
            mode="lines+markers", line={"color": COLOURS[s], "width": 3 if s == headline else 1.5,
                                        "dash": "solid" if s == headline else "dot"},
            hovertemplate="%{x|" + ("%Y" if period == "year" else "%b %Y") + "}: %{y:,} fatalities<extra>"
                          + q.LABELS[s] + "</extra>"))
    fig.update_layout(title={"text": title}, yaxis_title="fatalities", xaxis_title=period, height=320,
                      margin={"l": 50, "r": 10, "t": 50, "b": 40}, legend={"orientation": "h", "y": -0.25},
                      meta={"source": ", ".join(cols), "attribution": ACLED_ATTRIBUTION})
    return fig


def presence_notes(iso3: str, monthly: pl.DataFrame, stale: list[dict]) -> list[str]:
    """Say which source has nothing for the country, and why when we know."""
    have = set(monthly["source"].unique().to_list()) if monthly.height else set()
    notes = []
    for s in stale:
        if not s["loaded"]:
            notes.append(f"{s['label']}: not loaded in this warehouse"
                         + (" (connect your own ACLED account: see the README, 'Updating the data')."
                            if s["source"] == q.ACLED else "."))
        elif s["source"] not in have:
            notes.append(f"{s['label']}: loaded, but no event recorded for this country — absent, not zero "
                         "deaths confirmed.")
    return notes


def _staleness_table(stale: list[dict]) -> html.Table:
    head = html.Thead(html.Tr([html.Th(c) for c in ("Source", "Last event here", "Covers to", "Retrieved",
                                                      "Status")]))
    body = html.Tbody([html.Tr([html.Td(s["label"]), html.Td(str(s["last_event"] or "—")),
                                html.Td(str(s["covers_to"] or "—")), html.Td(str(s["retrieved_at"] or "—")),
                                html.Td(s["status"] or "not loaded")]) for s in stale])
    return html.Table([head, body], className="table table-sm small")


@data.cached
def _wide(iso3: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Yearly (all years) and monthly (last 24 months) source × period tables: computed once per country and
    warehouse, read by the badge, the charts and the headline pick."""
    monthly = q.monthly(iso3)
    cov = q.coverage()
    recent = monthly.filter(pl.col("month") >= monthly["month"].max() - dt.timedelta(days=730))
    return by_period(monthly, "year", cov), by_period(recent, "month", cov)


def _figures(iso3: str, headline: str) -> dict[str, go.Figure]:
    """Both charts with the reader's headline source."""
    name = data.country_names().get(iso3, iso3)
    yearly, monthly = _wide(iso3)
    return {"year": figure(yearly, f"{name}: fatalities per year", "year", headline),
            "month": figure(monthly, f"{name}: fatalities per month, last 24 months", "month", headline)}


def _badge(iso3: str) -> dbc.Badge | None:
    yearly, monthly = _wide(iso3)
    dis = disagreements(yearly) + disagreements(monthly)
    if not dis:
        return None
    latest = max(dis, key=lambda r: r["period"])
    figs = ", ".join(f"{q.LABELS[s]} {latest[s]:,}" for s in q.SOURCES if s in latest)
    return dbc.Badge(f"Sources disagree: {len(dis)} period(s), latest {latest['period']:%Y-%m} ({figs})",
                     color="warning", text_color="dark", className="mb-2", id=f"{SECTION_ID}-badge")


def picked_store(headline: str) -> list:
    """The reader's pick and the element its URL sync writes to (on the page even with nothing to pick)."""
    return [dcc.Store(id=PICKED_ID, data=headline), html.Div(id=PICKED_SYNC_ID, hidden=True)]


def section(iso3: str, headline: str = q.UCDP) -> html.Div:
    """The side-by-side block for one country; UCDP is the headline unless the reader picks another."""
    monthly = q.monthly(iso3)
    stale = q.staleness(iso3)
    parts: list = [html.H3("Fatalities: UCDP, ACLED and HDX HAPI side by side", className="h5")]
    present = [s for s in q.SOURCES if s in set(monthly["source"].to_list())] if monthly.height else []
    if present == [q.UCDP]:  # nothing to set beside it, and the Trends charts already draw UCDP's figures
        headline = q.UCDP
        parts.append(html.P([f"Only {q.LABELS[q.UCDP]} holds figures for this country here, so there is nothing "
                             "to compare them with; its yearly deaths are on the ",
                             dcc.Link("country page", href=f"/country/{iso3}#trends"), " under Trends."],
                            className="small"))
    elif present:
        if badge := _badge(iso3):
            parts.append(badge)
        headline = headline if headline in present else present[0]  # UCDP first, when it has figures here
        parts.append(html.Fieldset([html.Legend("Headline source", className="small fw-bold mb-0"), dbc.RadioItems(
            id=HEADLINE_ID, options=[{"label": q.LABELS[s], "value": s} for s in present],
            value=headline, inline=True,
            inputStyle={"marginRight": "4px", "marginLeft": "10px"}, className="small")], className="mb-1"))
        parts.append(dcc.Store(id=ISO3_ID, data=iso3))
        figs = _figures(iso3, headline)
        parts += [dcc.Graph(id=GRAPH_IDS[p], figure=figs[p], config={"displaylogo": False}) for p in ("year", "month")]
    else:
        parts.append(html.P("No source holds conflict events for this country."))
    parts += picked_store(headline)
    parts += [html.P(n, className="small text-muted mb-1") for n in presence_notes(iso3, monthly, stale)]
    parts.append(_staleness_table(stale))
    parts.append(html.P(f"Disagreement: the largest figure ≥ {FLOOR} fatalities and more than {RATIO:g}× the "
                        "smallest. ACLED counts only event types with a UCDP equivalent. " + ACLED_ATTRIBUTION,
                        className="small text-muted"))
    return html.Div(parts, id=SECTION_ID, className="mb-4")


@callback(Output(GRAPH_IDS["year"], "figure"), Output(GRAPH_IDS["month"], "figure"), Output(PICKED_ID, "data"),
          Input(HEADLINE_ID, "value"), State(ISO3_ID, "data"), prevent_initial_call=True)
def pick_headline(headline: str, iso3: str) -> tuple[go.Figure, go.Figure, str]:
    """Redraw both charts with the reader's headline source (the tables behind them are cached)."""
    code = str(iso3 or "").upper()
    source = headline if headline in q.SOURCES else q.UCDP
    figs = _figures(code, source)
    return figs["year"], figs["month"], source


# The pick goes into the address bar (?headline=…; UCDP, the default, is left out) without touching the page's other
# parameters, so a shared link opens with the same headline.
clientside_callback(
    """
    function(source) {
        if (typeof source !== 'string') { return window.dash_clientside.no_update; }
        var p = new URLSearchParams(window.location.search);
        if (source === '""" + q.UCDP + """') { p.delete('""" + URL_PARAM + """'); }
        else { p.set('""" + URL_PARAM + """', source); }
        var s = p.toString().replace(/%2C/g, ',');
        var url = window.location.pathname + (s ? '?' + s : '') + window.location.hash;
        if (url !== window.location.pathname + window.location.search + window.location.hash) {
            window.history.replaceState(window.history.state, '', url);
        }
        return source;
    }
    """,
    Output(PICKED_SYNC_ID, "title"),
    Input(PICKED_ID, "data"),
    # not on load: the store then holds the pick the page read from its own address (a run would change nothing
    # and costs the browser Dash's callback bookkeeping over every component of the page)
    prevent_initial_call=True,
)
