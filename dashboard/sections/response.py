"""Country page section "International response", by the Framework for Action's four spheres.

National (Pillar I commitments), bilateral (the analyst-evidence slot), regional (memberships, suspensions) and
multilateral (UN peace operations, sanctions, Security Council outcomes and vetoes, ICC, HRC). Every item shows
its source link and as-of date; an empty sphere says what the loaded sources cover, never "none".
Also: the pure figure builders (Security Council outcomes per year, Geo-PKO layer) and the pack page content.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import html

from dashboard import data
from dashboard.components import graph, source_list
from dashboard.figures import apply_template
from dashboard.queries import response as q

SECTION_ID = "co-response"
SC_CHART_ID = "co-response-sc"
SPHERE_TITLES = {
    "national": "National — the State's own commitments (Pillar I)",
    "bilateral": "Bilateral — measures by other States",
    "regional": "Regional — organisations, memberships and suspensions",
    "multilateral": "Multilateral — United Nations and the ICC",
}
NOTHING = "Nothing recorded in the loaded sources."
RES_COLOUR, PRST_COLOUR = "#0072B2", "#E69F00"  # Okabe–Ito: colour-blind safe


def council_figure(per_year: pl.DataFrame, name: str) -> go.Figure:
    """Yearly counts of resolutions and presidential statements whose topic names the country (pure).

    Lines with markers (the app's plotly.js build has no bar trace); years without an outcome are drawn as 0."""
    traces = []
    years = list(range(int(per_year["year"].min()), int(per_year["year"].max()) + 1)) if per_year.height else []
    for kind, colour, dash in (("resolution", RES_COLOUR, "solid"), ("presidential statement", PRST_COLOUR, "dot")):
        counts = dict(per_year.filter(pl.col("kind") == kind).select("year", "n").iter_rows())
        traces.append({"type": "scatter", "mode": "lines+markers", "name": kind.capitalize() + "s", "x": years,
                       "y": [counts.get(y, 0) for y in years], "line": {"color": colour, "dash": dash, "width": 1.5},
                       "marker": {"size": 4}, "hovertemplate": "%{x}: %{y} " + kind + "(s)<extra></extra>"})
    span = f"{years[0]}–{years[-1]}" if years else ""
    fig = {"data": traces, "layout": {"height": 280, "showlegend": True, "legend": {"orientation": "h", "y": -0.25},
                                      "yaxis": {"title": "outcomes", "rangemode": "tozero"}, "xaxis": {"title": None}}}
    return apply_template(fig, f"Security Council outcomes naming {name}", f"per year, {span}",
                          "UN Dag Hammarskjöld Library meeting tables (topic mapped to countries)",
                          "1946 – June 2022")


def deployment_trace(df: pl.DataFrame) -> dict[str, Any]:
    """Geo-PKO deployment locations as a scattergeo trace for the country event map (pure)."""
    text = [f"{m} — {loc}<br>{a}–{b}; up to {t or 0:,} troops{' · HQ' if hq else ''}"
            for m, loc, a, b, t, hq in zip(df["mission"], df["location"], df["first_year"], df["last_year"],
                                          df["max_troops"], df["hq"], strict=True)] if df.height else []
    return {"type": "scattergeo", "name": "UN deployments (Geo-PKO)", "lat": df["latitude"].to_list() if df.height
            else [], "lon": df["longitude"].to_list() if df.height else [], "text": text,
            "hovertemplate": "%{text}<extra>Geo-PKO v2.3</extra>", "mode": "markers",
            "marker": {"symbol": "triangle-up", "size": 9, "color": "#009E73", "line": {"width": 1, "color": "#fff"}}}


def _item(r: dict[str, Any]) -> html.Li:
    dates = " – ".join(x for x in (r["start"] or "", r["end"] or "") if x) or "dates not recorded"
    link = (r["source_url"] or "").split(" ; ")[0]
    return html.Li([
        html.Strong(r["name"]), f" · {r['kind']} · ", html.Span(r["status"] or "", className="fw-semibold"),
        f" · {dates}",
        html.Span([f"{r['detail']} · " if r["detail"] else "", f"{r['body']} · " if r["body"] else "",
                   "source: ", html.A(r["source_id"], href=link, target="_blank", rel="noopener noreferrer")
                   if link else r["source_id"], f" · as of {r['as_of'] or 'undated'}"],
                  className="small text-muted d-block"),
    ], **{"data-kind": r["kind"], "data-status": r["status"] or ""})


def _sphere(sphere: str, rows: pl.DataFrame, coverage: str, extra: list | None = None) -> html.Div:
    items = [_item(r) for r in rows.iter_rows(named=True)]
    body: list = [html.Ul(items, className="mb-1")] if items else []
    body += extra or []
    if not body:
        body = [html.P([NOTHING, html.Span(f"Coverage: {coverage}.", className="small text-muted d-block")],
                       className="text-muted mb-1")]
    return html.Div([html.H3(SPHERE_TITLES[sphere], className="h6 mt-2"), *body],
                    id=f"{SECTION_ID}-{sphere}", **{"data-sphere": sphere, "data-items": str(len(items))})


def _bilateral(iso3: str) -> list:
    ev = q.bilateral_evidence(iso3)
    return [html.Ul([html.Li([r["claim"], " · ", html.A("source", href=r["citation_url"], target="_blank",
                                                         rel="noopener noreferrer"), f" · {r['date']}"])
                     for r in ev.iter_rows(named=True)])] if ev.height else []


def _council(iso3: str, name: str) -> list:
    out: list = []
    per_year = q.council_outcomes_per_year(iso3)
    if per_year.height:
        out.append(graph(SC_CHART_ID, council_figure(per_year, name),
                         label=f"bar chart: Security Council resolutions and presidential statements naming {name}"))
        latest: list = ["Latest: "]
        for k, r in enumerate(q.council_latest(iso3).iter_rows(named=True)):
            label = r["symbol"]
            latest += ["; " if k else "", html.A(label, href=r["record_url"], target="_blank",
                                                 rel="noopener noreferrer") if r["record_url"] else label,
                       f" ({r['date']}{', ' + r['vote'] if r['vote'] else ''})"]
        latest.append(" · source: UN Dag Hammarskjöld Library meeting tables, as of 30 June 2022; records: CR-UNSC "
                      "crosswalk to the UN Digital Library")
        out.append(html.P(latest, className="small", id=f"{SECTION_ID}-latest"))
    for r in q.psdh_disagreements(iso3).iter_rows(named=True):
        out.append(html.P(f"Sources disagree on {r['mission_acronym']}: the UN Peace and Security Data Hub list (last "
                          f"update {r['last_update']}) marks it {'active' if r['is_active'] else 'closed'}; the cited "
                          f"table says {r['status']}{' (' + r['end'] + ')' if r['end'] else ''}.",
                          className="small text-warning-emphasis", **{"data-disagreement": r["mission_acronym"]}))
    vetoes = q.vetoes(iso3)
    if vetoes.height:
        out.append(html.P([html.Strong(f"Vetoed drafts ({vetoes.height}): "), "; ".join(
            f"{r['draft']} ({r['date']}, {r['vetoed_by']})" for r in vetoes.head(8).iter_rows(named=True)),
            " · source: World Politics Data Lab veto list, as of Sept 2022"], className="small",
            id=f"{SECTION_ID}-vetoes"))
    return out


def section(iso3: str, name: str = "") -> html.Div:
    """The four spheres for one country."""
    name = name or iso3
    rows, cover = q.measures(iso3), q.coverage()
    by = {s: rows.filter(pl.col("sphere") == s) for s in q.SPHERES}
    spheres = [
        _sphere("national", by["national"], cover["national"]),
        _sphere("bilateral", by["bilateral"], cover["bilateral"], _bilateral(iso3)),
        _sphere("regional", by["regional"], cover["regional"]),
        _sphere("multilateral", by["multilateral"], cover["multilateral"], _council(iso3, name)),
    ]
    note = html.P("What the loaded sources record about responses to the situation — by the Framework for Action's "
                  "four spheres. Absence here means not recorded in these sources, not that nothing was done.",
                  className="small")
    sources = sorted(set(rows["source_id"].drop_nulls().to_list()) | {"unsc_meetings", "unsc_vetoes"})
    return html.Div([note, dbc.Row([dbc.Col(s, md=6) for s in spheres]),
                     source_list(data.source_lines(sources), heading="Sources of this section")], id=SECTION_ID)


def pack_page(iso3: str) -> dict[str, Any]:
    """The briefing pack's International response page: a title and, per sphere, lines of text (with sources)."""
    rows, cover = q.measures(iso3), q.coverage()
    spheres = {}
    for s in q.SPHERES:
        part = rows.filter(pl.col("sphere") == s)
        spheres[SPHERE_TITLES[s]] = [
            f"{r['name']} — {r['status']} ({r['start'] or '?'}–{r['end'] or ''}); {r['source_id']}, as of "
            f"{r['as_of'] or 'undated'}" for r in part.iter_rows(named=True)
        ] or [f"{NOTHING} Coverage: {cover[s]}."]
    return {"title": "International response", "spheres": spheres}


LAYER_ID = "co-pko-layer"


def layer_toggle(iso3: str, on: bool = False) -> html.Div:
    """The switch for the Geo-PKO layer on the country event map (off unless the URL asks for it)."""
    df = q.deployments(iso3)
    label = (f" UN peacekeeping deployment locations (Geo-PKO v2.3, {df['first_year'].min()}–"
             f"{df['last_year'].max()}, {df.height} locations)" if df.height
             else " UN peacekeeping deployment locations (Geo-PKO v2.3: none recorded for this country, 1994–2024)")
    # dbc.Checklist: a native, labelled checkbox (Dash 4's dcc.Checklist nests its controls: axe nested-interactive)
    return html.Div(dbc.Checklist(id=LAYER_ID, options=[{"label": label, "value": "pko", "disabled": not df.height}],
                                  value=["pko"] if on and df.height else [], className="small"), className="mb-1")


def add_deployment_layer(fig: go.Figure, iso3: str, on: bool) -> go.Figure:
    """The event map with the Geo-PKO locations added as a trace when the layer is switched on."""
    if on:
        df = q.deployments(iso3)
        if df.height:
            fig.add_trace(deployment_trace(df))
    return fig


PACK_ITEMS = 6  # per sphere in the briefing pack; the country page has the full list


def _pack_lines(iso3: str) -> dict[str, list[str]]:
    page = pack_page(iso3)["spheres"]
    out = {}
    for title, lines in page.items():
        more = len(lines) - PACK_ITEMS
        out[title] = lines[:PACK_ITEMS] + ([f"… and {more} more on the country page."] if more > 0 else [])
    return out


def pdf_section(pdf: Any, iso3: str) -> None:
    """The pack's International response part, written with the pack's own heading/para helpers (fpdf2)."""
    pdf.heading("International response")
    pdf.para("Recorded measures by the Framework for Action's four spheres, each with its source and as-of date. "
             "Absence means not recorded in the loaded sources.", size=8)
    for title, lines in _pack_lines(iso3).items():
        pdf.para(title, size=8.5)
        pdf.para("\n".join("- " + x for x in lines), size=7.5, height=3.6)


def pptx_slide(prs: Any, iso3: str, name: str = "") -> None:
    """One slide "International response" (python-pptx): the four spheres as short bulleted text."""
    from pptx.util import Inches, Pt

    slide = prs.slides.add_slide(prs.slide_layouts[6])
    margin, width = Inches(0.5), prs.slide_width - Inches(1.0)
    title = slide.shapes.add_textbox(margin, Inches(0.25), width, Inches(0.6)).text_frame
    title.text = f"International response — {name or iso3}"
    title.paragraphs[0].runs[0].font.size, title.paragraphs[0].runs[0].font.bold = Pt(24), True
    frame = slide.shapes.add_textbox(margin, Inches(1.0), width, prs.slide_height - Inches(1.4)).text_frame
    frame.word_wrap = True
    first = True
    for heading, lines in _pack_lines(iso3).items():
        for text, size, bold in [(heading, 13, True), *((f"• {x}", 10, False) for x in lines)]:
            para = frame.paragraphs[0] if first else frame.add_paragraph()
            first = False
            run = para.add_run()
            run.text, run.font.size, run.font.bold = text, Pt(size), bold
    slide.notes_slide.notes_text_frame.text = ("International response: recorded measures only (not a judgement); "
                                               "sources and as-of dates per line; full list on the country page.")
