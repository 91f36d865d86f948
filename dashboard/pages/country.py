"""`/country/<ISO3>` — R2P-Monitor-style country page built only from warehouse figures."""

from __future__ import annotations

import difflib
from typing import Any

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, callback, dcc, html

from dashboard import board, data, figures, ids, narratives, params, risk
from dashboard.components import (
    details,
    disclaimer,
    graph,
    guarded,
    lazy_details,
    md_table,
    notices,
    source_list,
    table,
    url_sync,
)
from dashboard.export.links import pack_buttons
from dashboard.sections import side_by_side

dash.register_page(__name__, path_template="/country/<iso3>", title="Country page", name="Country", order=1)

VDEM_PREFERRED = ("vdem_v2x_polyarchy", "vdem_v2x_libdem", "vdem_v2x_civlib", "vdem_v2x_clphy", "vdem_v2x_rule",
                  "vdem_v2xcs_ccsi")
VT_LABELS = {"state-based": "State-based", "non-state": "Non-state", "one-sided": "One-sided (against civilians)"}
RISK_BADGE = {"Current Crisis": "danger", "Imminent Risk": "warning", "Serious Concern": "info"}


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
                id="close-matches"),
        dcc.Link("Back to the overview", href="/"),
    ], className="py-4", id="country-not-found")


def title(iso3: str | None = None, **_: Any) -> str:
    name = data.country_names().get((iso3 or "").upper()) if data.status()["ok"] else None
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
    ]
    values, notes = params.parse(kwargs, spec)
    if yrs and values["from"] > values["to"]:
        notes.append("'from' is after 'to'; showing all years.")
        values["from"], values["to"] = yrs
    src_ids: list[str] = []
    body = [
        header(code, info, src_ids),
        pack_buttons(code),
        notices(notes, id="co-notice"),
        html.H2("Key figures", className="h5 mt-3"),
        key_figures(code, src_ids),
        html.H2("What the data says", className="h5 mt-3"),
        html.P(what_the_data_says(code, info["name"]), id="co-summary"),
        html.H2("Risk factors (UN Framework of Analysis)", className="h5 mt-3", id="risk-factors"),
        board.risk_factor_board(code, src_ids),
        html.H2("Pillar I commitments", className="h5 mt-3"),
        board.pillar_one(code, src_ids),
        html.H2("Trends", className="h5 mt-3"),
        *trends(code, info["name"], src_ids),
        side_by_side.section(code),
        html.H2("Events (UCDP GED)", className="h5 mt-3"),
        event_section(code, yrs, values),
        html.H2("Narrative", className="h5 mt-3"),
        narrative_section(code),
        source_list(data.source_lines(list(dict.fromkeys(src_ids))), heading="Sources for every figure on this page"),
        dcc.Store(id=ids.CO_ISO3, data=code),
        dcc.Store(id=ids.CO_QUERY),
        html.Div(id=ids.CO_QUERY + "-sync", hidden=True),
    ]
    return html.Div(body)


# ---------------------------------------------------------------------------------------------- header


def header(code: str, info: dict, src_ids: list[str]) -> html.Div:
    hist = data.risk_history(code)
    gc = figures.split_by(hist, "list_id").get(risk.GCR2P, hist.head(0))
    if gc.height:
        latest = gc.row(0, named=True)
        src_ids.append("r2p_monitor")
        badge = html.Span([
            dbc.Badge(latest["risk_level"], color=RISK_BADGE.get(latest["risk_level"], "secondary"),
                      className="me-2 fs-6", id=ids.CO_RISK_BADGE),
            html.Span(f"R2P Monitor, as of {latest['as_of']} · "),
            html.A("source", href=latest["source_url"], target="_blank", rel="noopener noreferrer"),
        ])
        history = details(f"Risk-level history ({gc.height} listings)", table(
            _replaced(gc, gc["as_of"].cast(pl.String)), {"as_of": "As of", "risk_level": "Risk level",
                                                         "situation": "Situation", "source_url": "Source"}))
    else:
        badge = html.Span("Not listed by R2P Monitor in the warehouse.", className="text-muted",
                          id=ids.CO_RISK_BADGE)
        history = None
    ewp = data.ewp_history(code)
    with_risk = [i for i, v in enumerate(ewp["onset_risk"].to_list()) if v is not None]
    if with_risk:
        last = ewp.row(with_risk[-1], named=True)
        src_ids.append(_source_of(data.EWP_RISK) or "ewp_sra")
        onset = last["onset_risk"]
        risk_text = f"{onset * 100:.1f}%" if onset is not None and onset <= 1 else figures.fmt(onset)
        rank = f", rank {int(last['rank'])}" if last["rank"] is not None else ""
        window = (f" ({last['window_start']}–{last['window_end']})" if last.get("window_end") else "")
        ewp_block = html.Div([
            html.Span(f"Early Warning Project, {last['edition']} edition: risk of a new mass-killing onset within "
                      f"two years{window} {risk_text}{rank}.", id="co-ewp"),
            lazy_details("ewp-editions", f"EWP editions ({ewp.height})", md_table(
                _ewp_percent(ewp), {"edition": "Edition", "window_start": "Window from", "window_end": "to",
                                    "onset_risk": "Onset risk, 2 yr (%)", "onset_risk_1yr": "1 yr (%)",
                                    "rank": "Rank"})),
        ])
    else:
        ewp_block = html.Span("No Early Warning Project forecast in the warehouse.", className="text-muted",
                              id="co-ewp")
    region = " · ".join(x for x in (info.get("m49_region"), info.get("m49_subregion")) if x)
    return html.Div([
        html.H1(f"{info['name']}", className="h2 mb-0", id="co-name"),
        html.P(f"{code} · {region}", className="text-muted mb-1"),
        html.Div(badge, className="mb-1"),
        _watchlist_badges(hist),
        history,
        board.risk_timeline(code, info["name"]),
        html.Div(ewp_block, className="small"),
    ], className="border-bottom pb-2")


def _watchlist_badges(hist: pl.DataFrame) -> html.Div | None:
    """An organisation's own watchlist levels next to the Global Centre's (same shape, own list id)."""
    own = [rows.row(0, named=True) for list_id, rows in figures.split_by(hist, "list_id").items()
           if list_id is not None and list_id != risk.GCR2P]
    if not own:
        return None
    return html.Div([html.Span([
        dbc.Badge(r["risk_level"], color=RISK_BADGE.get(r["risk_level"], "secondary"), className="me-1"),
        html.Span(f"{risk.list_label(r['list_id'])}, as of {r['as_of']}", className="small me-3"),
    ], **{"data-list": r["list_id"]}) for r in own], id="co-watchlists", className="mb-1")


def _ewp_percent(ewp: pl.DataFrame) -> pl.DataFrame:
    """EWP editions with both risks in % rounded to 2 decimals: ``ewp.with_columns((pl.col(c) * 100).round(2))``
    without the Polars collect (~0.3 ms in a page render)."""
    return _replaced(ewp, figures.rounded(ewp["onset_risk"] * 100, 2), figures.rounded(ewp["onset_risk_1yr"] * 100, 2))


def _replaced(df: pl.DataFrame, *columns: pl.Series) -> pl.DataFrame:
    """``df.with_columns(*columns)`` for existing columns, without a Polars collect."""
    new = {c.name: c for c in columns}
    return pl.DataFrame([new.get(c.name, c) for c in df.get_columns()])


def _source_of(indicator_id: str) -> str | None:
    info = data.indicator_info(indicator_id)
    return info["source_id"] if info else None


# ----------------------------------------------------------------------------------------------- cards

CARD_INDICATORS = (
    ("ucdp_state_based_deaths", "State-based deaths"),
    ("ucdp_nonstate_deaths", "Non-state deaths"),
    ("ucdp_onesided_deaths", "One-sided deaths (civilians targeted)"),
    ("unhcr_refugees_origin", "Refugees from the country"),
    ("unhcr_idps", "IDPs"),
    ("pts_amnesty", "PTS (Amnesty)"),
    ("pts_hrw", "PTS (HRW)"),
    ("pts_state_dept", "PTS (State Dept)"),
    ("population", "Population"),
)


@data.cached  # used twice per page (cards and summary); callers only read it
def latest_values(code: str) -> dict[str, dict[str, Any]]:
    """indicator_id → {year, value, low, high} at the latest year with a value (for cards and the summary)."""
    wanted = tuple(i for i, _ in CARD_INDICATORS) + tuple(f"{i}_{s}" for i in data.DEATH_INDICATORS.values()
                                                         for s in ("low", "high"))
    df = data.country_values(code, wanted)
    # one pass into Python dicts: a Polars filter per indicator and year costs ~0.2 ms each (45 of them)
    by_year: dict[str, dict[int, Any]] = {}
    for ind, year, value in zip(df["indicator_id"].to_list(), df["year"].to_list(), df["value"].to_list(),
                                strict=True):
        by_year.setdefault(ind, {}).setdefault(year, value)  # first row wins, as a filter()[0] did
    out: dict[str, dict[str, Any]] = {}
    for ind, _ in CARD_INDICATORS:
        years = by_year.get(ind)
        if not years:
            continue
        year = int(max(years))
        row = {"year": year, "value": years[year], "previous": years.get(year - 1)}
        for s in ("low", "high"):
            row[s] = by_year.get(f"{ind}_{s}", {}).get(year)
        out[ind] = row
    return out


def key_figure_rows(code: str, src_ids: list[str]) -> list[dict[str, Any]]:
    """The key figures as rows (label, value, unit, year, source, low–high range): the cards and the briefing pack
    both read these, so they always agree."""
    vals = latest_values(code)
    rows: list[dict[str, Any]] = []
    for ind, label in CARD_INDICATORS:
        if ind not in vals:
            continue
        v = vals[ind]
        info = data.indicator_info(ind) or {}
        src_ids.append(info.get("source_id", ""))
        rng = (f"{figures.fmt(v['low'])}–{figures.fmt(v['high'])}"
               if v.get("low") is not None and v.get("high") is not None else "")
        rows.append({"indicator_id": ind, "label": label, "value": figures.fmt(v["value"]), "raw": v["value"],
                     "unit": str(info.get("unit", "")), "year": str(v["year"]), "range": rng,
                     "source": str(info.get("source_title") or info.get("source_id", ""))})
    same_year = vals.get("ucdp_onesided_deaths", vals.get("ucdp_state_based_deaths", {})).get("year")
    civ = _civilian_deaths(code, same_year)
    if civ:
        src_ids.append("ucdp_ged")
        rows.append({"indicator_id": "ged_civilian_deaths", "label": "Civilian deaths (GED events, all violence types)",
                     "value": figures.fmt(civ["value"]), "raw": civ["value"], "unit": "deaths",
                     "year": str(civ["year"]), "range": "", "source": f"UCDP GED {civ['versions']}"})
    return rows


def key_figures(code: str, src_ids: list[str]) -> html.Div:
    cards = [_card(r["indicator_id"], r["label"], r["value"], r["unit"], r["year"], r["source"],
                   f"range {r['range']}" if r["range"] else "") for r in key_figure_rows(code, src_ids)]
    if not cards:
        return html.P("No key figures in the warehouse for this country.", className="text-muted")
    return dbc.Row([dbc.Col(c, xs=6, md=4, lg=3, className="mb-2") for c in cards], className="g-2",
                   id=ids.CO_CARDS)


def _civilian_deaths(code: str, year: int | None) -> dict[str, Any] | None:
    """Civilian deaths summed over GED events, for the year of the country-year cards (the latest GED year may be a
    partial year of candidate events), else the latest year."""
    tot = data.event_totals(code)
    if tot.height == 0 or tot["deaths_civilians"].null_count() == tot.height:
        return None
    if year is None or year not in tot["year"].to_list():
        year = int(tot["year"].max())
    keep = tot["year"] == year  # Series filters: a frame gather costs ~0.25 ms in a render
    versions = {v.strip() for vs in tot["versions"].filter(keep).to_list() if vs for v in vs.split(",") if v.strip()}
    return {"year": year, "value": tot["deaths_civilians"].filter(keep).sum(), "versions": ", ".join(sorted(versions))}


def _card(ind: str, label: str, value: str, unit: str, year: int | str, source: str, extra: str) -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.Div(label, className="small text-muted"),
        html.Div(value, className="fs-4 fw-bold", **{"data-indicator": ind, "data-year": str(year)}),
        html.Div(extra, className="small") if extra else None,
        html.Div(f"{unit} · {year} · {source}", className="small text-muted"),
    ]), className="h-100 key-figure")


# --------------------------------------------------------------------------------------------- summary


def what_the_data_says(code: str, name: str) -> str:
    """Sentences generated only from warehouse values (no adjectives beyond rises/falls)."""
    vals = latest_values(code)
    parts: list[str] = []
    deaths = [(vt, vals[i]) for vt, i in data.DEATH_INDICATORS.items() if i in vals]
    if deaths:
        year = max(v["year"] for _, v in deaths)
        items = [f"{figures.fmt(v['value'])} {vt}" for vt, v in deaths if v["year"] == year]
        parts.append(f"In {year}, UCDP recorded {', '.join(items)} deaths (best estimates) in {name}.")
        one = vals.get("ucdp_onesided_deaths")
        if one and one["previous"] is not None and one["year"] == year:
            diff = one["value"] - one["previous"]
            verb = "up" if diff > 0 else "down" if diff < 0 else "unchanged"
            parts.append(f"One-sided violence against civilians was {verb}"
                         f"{'' if verb == 'unchanged' else ' ' + figures.fmt(abs(diff))} from {year - 1} "
                         f"({figures.fmt(one['previous'])}).")
    for ind, label in (("unhcr_refugees_origin", "refugees originating from the country"), ("unhcr_idps", "IDPs")):
        if ind in vals:
            parts.append(f"UNHCR counted {figures.fmt(vals[ind]['value'])} {label} in {vals[ind]['year']}.")
    pts = [(ind, vals[ind]) for ind in data.PTS_INDICATORS if ind in vals]
    if pts:
        year = max(v["year"] for _, v in pts)
        scores = ", ".join(f"{ind.removeprefix('pts_').replace('_', ' ')} {figures.fmt(v['value'])}"
                           for ind, v in pts if v["year"] == year)
        parts.append(f"Political Terror Scale scores for {year} (1 best – 5 worst): {scores}.")
    hist = data.risk_history(code)
    gc = [i for i, v in enumerate(hist["list_id"].to_list()) if v == risk.GCR2P]
    if gc:
        r = hist.row(gc[0], named=True)
        parts.append(f"The Global Centre for R2P listed it as '{r['risk_level']}' as of {r['as_of']}.")
    return " ".join(parts) or "The warehouse holds no figures for this country yet."


# ---------------------------------------------------------------------------------------------- trends


def trends(code: str, name: str, src_ids: list[str]) -> list[Any]:
    out: list[Any] = []
    have = set(data.country_indicator_ids(code))
    # deaths by violence type with low-high ranges
    ids3 = [i for i in data.DEATH_INDICATORS.values() if i in have]
    if ids3:
        want = tuple(ids3) + tuple(f"{i}_{s}" for i in ids3 for s in ("low", "high"))
        long = _deaths_long(data.country_values(code, want), ids3)
        srcs = _sources_of(ids3, src_ids)
        out.append(_chart("co-deaths", figures.time_series(
            long, f"{name}: deaths by type of violence", "Best estimate; shaded band = low–high estimate",
            srcs, _span(long), "deaths", colours=figures.VIOLENCE_COLOURS), long, "Deaths by type of violence"))
    out += _simple_series(code, name, data.DISPLACEMENT_INDICATORS, have, src_ids, "co-displacement",
                          f"{name}: displacement", "Refugees and asylum-seekers from the country; IDPs inside it",
                          "people")
    out += _simple_series(code, name, data.PTS_INDICATORS, have, src_ids, "co-pts", f"{name}: Political Terror Scale",
                          "Three coders; 1 = secure rule of law … 5 = terror extends to the whole population", "score",
                          yrange=(0.5, 5.5))
    others = sorted(i for i in have if i.startswith("vdem_") and i not in VDEM_PREFERRED
                    and str((data.indicator_info(i) or {}).get("unit", "")).startswith("index"))
    vdem = tuple([i for i in VDEM_PREFERRED if i in have] + others)[:6]
    out += _simple_series(code, name, vdem, have, src_ids, "co-vdem", f"{name}: V-Dem indices",
                          "Expert-coded indices, 0–1", "index", yrange=(0, 1))
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
    return out


def _ewp_long(ewp: pl.DataFrame) -> pl.DataFrame:
    """year, value, series: both EWP risks per edition (in % when stored as probabilities), rows with a year and a
    value. Built in plain Python: the former lazy concat + drop_nulls, or a ``str.slice``, is a Polars collect (~0.3 ms
    each in a page render); Polars' own cast still parses the year (first 4 characters of the edition)."""
    scale = 100.0 if ewp["onset_risk"].max() <= 1 else 1.0
    firsts = [None if e is None else e[:4] for e in ewp["edition"].to_list()]
    years = pl.Series(firsts, dtype=pl.String).cast(pl.Int64, strict=False).to_list()
    risks = (("onset_risk", "Onset risk (2 yr)"), ("onset_risk_1yr", "Onset risk (1 yr)"))
    rows = [(y, v, label) for c, label in risks
            for y, v in zip(years, (ewp[c].cast(pl.Float64) * scale).to_list(), strict=True)
            if y is not None and v is not None]
    return pl.DataFrame(rows, schema={"year": pl.Int64, "value": pl.Float64, "series": pl.String}, orient="row")


def _deaths_long(df: pl.DataFrame, ids3: list[str]) -> pl.DataFrame:
    """year, value, low, high, series: each violence type's best estimates, with the low and high estimate of the
    same year, in violence-type order. Built from row gathers and dict lookups (a Polars filter/join plan cost
    ~2 ms); ``indicator_values`` has one row per country, year and indicator (its key), so a year maps to one value.
    """
    by_ind = figures.split_by(df, "indicator_id")
    value_type = df.schema["value"]
    frames = []
    for vt, ind in data.DEATH_INDICATORS.items():
        if ind not in ids3:
            continue
        base = by_ind.get(ind, df.head(0))
        years = base["year"].to_list()
        cols = [base["year"], base["value"]]
        for s in ("low", "high"):
            est = by_ind.get(f"{ind}_{s}", df.head(0))
            by_year = dict(zip(est["year"].to_list(), est["value"].to_list(), strict=True))
            cols.append(pl.Series(s, [by_year.get(y) for y in years], dtype=value_type))
        cols.append(pl.Series("series", [vt] * len(years), dtype=pl.String))
        frames.append(pl.DataFrame(cols))
    return data.stacked(frames)


def _simple_series(code: str, name: str, inds: tuple[str, ...], have: set[str], src_ids: list[str], gid: str,
                   title: str, subtitle: str, unit: str, yrange: tuple[float, float] | None = None) -> list[Any]:
    inds = tuple(i for i in inds if i in have)
    if not inds:
        return []
    df = data.country_values(code, inds)
    labels = {i: (data.indicator_info(i) or {}).get("label", i) for i in inds}
    # the label column built in Python: replace_strict + select cost two Polars collects (~0.5 ms)
    long = pl.DataFrame([df["year"], df["value"],
                         pl.Series("series", [labels[i] for i in df["indicator_id"].to_list()], dtype=pl.String)])
    fig = figures.time_series(long, title, subtitle, _sources_of(list(inds), src_ids), _span(long), unit,
                              yrange=yrange)
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
    fig, note, tbl, _ = build_events(code, y0, y1, values["types"])
    return html.Div([
        dbc.Row([
            dbc.Col([dbc.Label("Years", html_for=ids.CO_YEARS),
                     dcc.RangeSlider(id=ids.CO_YEARS, min=yrs[0], max=yrs[1], step=1, value=[y0, y1], marks=marks,
                                     allowCross=False, tooltip={"placement": "bottom"})], md=8),
            dbc.Col([dbc.Label("Violence type", html_for=ids.CO_TYPES),
                     dcc.Checklist(id=ids.CO_TYPES, options=[{"label": f" {VT_LABELS[v]}", "value": v}
                                                             for v in data.VIOLENCE_TYPES],
                                   value=values["types"], inline=False)], md=4),
        ]),
        dcc.Loading(graph(ids.CO_EVENT_MAP, fig, geo=True, label="Map of UCDP GED events")),
        disclaimer(),
        html.P(note, id=ids.CO_EVENT_NOTE, className="small"),
        html.Div(tbl, id=ids.CO_EVENT_TABLE),
    ])


def build_events(code: str, y0: int, y1: int, types: list[str]) -> tuple[Any, str, Any, str]:
    types_t = tuple(t for t in data.VIOLENCE_TYPES if t in (types or []))
    df, aggregated = data.events(code, int(y0), int(y1), types_t)
    name = data.country_names().get(code, code)
    bbox = _bbox(code)
    src = "UCDP Georeferenced Event Dataset (GED)"
    fig = figures.event_map(df, aggregated, f"{name}: UCDP GED events, {y0}–{y1}",
                            ", ".join(types_t) or "no violence type selected", src, f"{y0}–{y1}", bbox)
    n_events = int(df["events"].sum()) if df.height else 0
    deaths = int(df["deaths"].sum()) if df.height else 0
    note = (f"{n_events:,} events with {deaths:,} deaths (best estimate) match; "
            + ("shown as 0.5° grid cells because there are more than "
               f"{data.MAX_EVENT_POINTS:,} points." if aggregated else "each point is one event."))
    summary = _by_violence_type(df, types_t) if df.height else df
    tbl = details("Table: events by violence type", table(summary, {"violence_type": "Violence type",
                                                                   "events": "Events", "deaths": "Deaths (best)"}))
    qs = params.encode({"from": y0, "to": y1, "types": list(types_t) or ["none"]})
    return fig, note, tbl, qs


def _by_violence_type(df: pl.DataFrame, types: tuple[str, ...]) -> pl.DataFrame:
    """violence_type, events, deaths summed per type present, sorted by type: the frame ``group_by`` + ``sort`` gave,
    from Series masks and sums (that group_by was a Polars collect, ~1 ms in a page render). ``df`` holds only the
    selected ``types`` (the events query filters on them); sums are of integers or decimals, so exact in any order."""
    rows = []
    for vt in sorted(types):
        mask = df["violence_type"] == vt
        if mask.any():
            rows.append((vt, df["events"].filter(mask).sum(), df["deaths"].filter(mask).sum()))
    return pl.DataFrame(rows, schema=["violence_type", "events", "deaths"], orient="row")


def _bbox(code: str) -> tuple[float, float, float, float] | None:
    df, _ = data.events(code, *data.event_years(code), data.VIOLENCE_TYPES)  # type: ignore[misc]
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
    State(ids.CO_ISO3, "data"),
    prevent_initial_call=True,
)
def update_events(years: list[int], types: list[str], code: str) -> tuple:
    if data.country(code or "") is None or not isinstance(years, list) or len(years) != 2:
        return dash.no_update, dash.no_update, dash.no_update, dash.no_update
    return build_events(code, int(years[0]), int(years[1]), [t for t in (types or []) if t in data.VIOLENCE_TYPES])


# ------------------------------------------------------------------------------------------- narrative


def narrative_section(code: str) -> html.Div:
    nar = narratives.load(code)
    if nar is None or not nar.sections:
        return html.Div([
            html.P(["No curated narrative for this country yet. Analysts add one as ",
                    html.Code(f"data/curated/countries/{code}.md"), " with front matter (author, date, sources) and "
                    "the sections " + " · ".join(narratives.SECTIONS) + ". Nothing on this page is written by the "
                    "dashboard except the data summary above."], className="text-muted"),
        ], id="co-narrative")
    parts: list[Any] = [html.P(f"By {nar.author or 'unknown author'}, {nar.date or 'undated'}.",
                               className="small text-muted")]
    stale = risk.narrative_staleness(code, nar.date) if nar.date else []
    if stale:
        parts.append(html.Div([dbc.Badge("possibly out of date", color="warning", text_color="dark",
                                         className="me-2"), "; ".join(stale)], className="small mb-1",
                              id="co-narrative-stale"))
    if nar.problems:
        parts.append(notices([f"Narrative file: {p}" for p in nar.problems]))
    for sec in narratives.SECTIONS:
        parts.append(html.H3(sec, className="h6 mt-2"))
        parts.append(dcc.Markdown(nar.sections[sec]) if sec in nar.sections
                     else html.P("Not written yet.", className="text-muted small"))
    if nar.sources:
        parts.append(source_list(nar.sources, heading="Narrative sources"))
    return html.Div(parts, id="co-narrative")


url_sync(ids.CO_QUERY, ids.CO_QUERY + "-sync")
