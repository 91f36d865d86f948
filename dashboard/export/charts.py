"""Which charts can be exported, how to rebuild one from a page's query parameters, and its export labelling.

A chart is a ``dcc.Graph`` on a page; its id is the chart id (``co-deaths``, ``ov-map`` …). To export exactly what
is on screen, the chart is rebuilt by the page's own layout function from the page's own query parameters (same
query layer, same figure builders, same defaults for bad values) and picked out of the component tree by id.
Chart ids are only ever looked up in that tree, never used to build a path.

The exported figure gets what a briefing needs: title and subtitle (already in the figure), a source line naming
dataset, version and access date, the generation date, and under maps the UN map disclaimer.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

import dash
import plotly.graph_objects as go
import polars as pl
from dash.development.base_component import Component

from dashboard import data
from dashboard.export.catalog import ExportNotFound, Page, page_of
from dashboard.figures import UN_DISCLAIMER, _wrap

EXPORT_WIDTH = 1000  # px; PNG is rendered at 2× (2000 px wide)
PNG_SCALE = 2
APP_NAME = "R2P atrocity-risk dashboard"
GEO_TRACES = frozenset({"choropleth", "scattergeo"})
LINE_PX = 15  # px per footer line of 10 px text (13 px clipped the last line, "Generated …", in PDF renders)


def country_code(raw: str | None) -> str:
    """A known ISO3 code from the query/path, or ExportNotFound naming it."""
    code = (raw or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code) or data.country(code) is None:
        raise ExportNotFound(f"there is no country with the code '{(raw or '')[:12]}' in the warehouse "
                             "(use an ISO 3166-1 alpha-3 code, e.g. SDN)")
    return code


def _walk(node: Any) -> Iterator[Component]:
    if isinstance(node, list | tuple):
        for child in node:
            yield from _walk(child)
    elif isinstance(node, Component):
        yield node
        yield from _walk(getattr(node, "children", None))


def page_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """Query parameters as the page receives them (a repeated key stays a list), minus ``iso3``."""
    out: dict[str, Any] = {}
    getlist = getattr(args, "getlist", None)
    for key in args:
        if key == "iso3":
            continue
        values = getlist(key) if getlist else args[key]
        out[key] = values[0] if isinstance(values, list) and len(values) == 1 else values
    return out


def page_figures(page: Page, args: Mapping[str, Any]) -> dict[str, go.Figure]:
    """Every chart the page shows for these query parameters, by chart id, built by the page's own layout."""
    entry = dash.page_registry.get(page.module)  # the pages the app registered (Dash's own registry)
    if entry is None or not callable(entry.get("layout")):
        raise ExportNotFound(f"the {page.label.lower()} is not registered in this app")
    kwargs = page_args(args)
    if page.needs_iso3:
        kwargs["iso3"] = country_code(args.get("iso3"))
    tree = entry["layout"](**kwargs)
    return {g.id: g.figure for g in _walk(tree)
            if type(g).__name__ == "Graph" and isinstance(getattr(g, "id", None), str) and g.figure is not None}


def figure(chart_id: str, args: Mapping[str, Any]) -> go.Figure:
    """The chart as the page shows it for ``args``; ExportNotFound when that page has no such chart."""
    page = page_of(chart_id)
    figs = page_figures(page, args)
    if chart_id not in figs:
        raise ExportNotFound(f"the {page.label.lower()} shows no chart '{chart_id}' for this selection")
    fig = figs[chart_id]
    return fig if isinstance(fig, go.Figure) else go.Figure(fig, _validate=False)


# ------------------------------------------------------------------------------------------- labelling


def is_map(fig: go.Figure | dict) -> bool:
    d = fig if isinstance(fig, dict) else fig.to_plotly_json()
    return any(t.get("type") in GEO_TRACES for t in d.get("data", [])) or "geo" in d.get("layout", {})


def _source_parts(meta_source: str) -> list[str]:
    return [p.strip() for p in re.split(r";\s*", meta_source or "") if p.strip()]


def source_ids_for(meta_source: str) -> list[str]:
    """Source ids whose catalogue title matches the figure's source text (titles, ';'-separated).

    A part matches a title when equal, a prefix of it, or containing its short name ('R2P Monitor').
    """
    parts = _source_parts(meta_source)
    if not parts:
        return []
    titles = [(sid, t) for sid, t in data.sources().select("source_id", "title").unique(maintain_order=True)
              .iter_rows() if t]
    out: list[str] = []
    for part in parts:
        exact = [sid for sid, t in titles if t == part]
        prefix = [sid for sid, t in titles if t.startswith(part)]
        short = [sid for sid, t in titles if len(s := re.split(r" — | / ", t)[0].strip()) > 5 and s in part]
        out += exact or prefix or short
    return list(dict.fromkeys(out))


def _versions(versions: list[str]) -> str:
    def key(v: str) -> tuple:
        return (not v[:1].isdigit(), [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", v)])

    vs = sorted({v for v in versions if v}, key=key)
    if len(vs) <= 3:
        return ", ".join(vs)
    numbered = [v for v in vs if v[:1].isdigit()] or vs
    return f"{', '.join(numbered[-2:])} and {len(vs) - min(2, len(numbered))} other files"


def source_credits(source_ids: list[str]) -> list[dict[str, str]]:
    """Per source: title, publisher, version(s), licence, access date (latest retrieval), url."""
    df = data.sources().filter(pl.col("source_id").is_in(source_ids))
    out = []
    for sid in dict.fromkeys(source_ids):
        rows = df.filter(pl.col("source_id") == sid)
        if rows.height == 0:
            continue
        r = rows.row(0, named=True)
        retrieved = sorted(str(x)[:10] for x in rows["retrieved_at"].to_list() if x)
        out.append({"source_id": sid, "title": r["title"] or sid, "publisher": r["publisher"] or "",
                    "version": _versions(rows["version"].to_list()), "licence": r["licence"] or "see source",
                    "citation": r["citation"] or "", "url": r["url"] or "",
                    "accessed": retrieved[-1] if retrieved else ""})
    return out


def source_line(fig: go.Figure) -> str:
    """'Source: <dataset>, <version> (retrieved <date>); … · Data: <years>' for an exported chart; the date is
    when the file was retrieved (``sources.retrieved_at``), not today."""
    meta = (fig.layout.meta or {}) if isinstance(fig.layout.meta, dict) else {}
    credits = source_credits(source_ids_for(str(meta.get("source") or "")))
    if credits:
        text = "; ".join(f"{c['title']}, {c['version']} (retrieved {c['accessed']})" if c["version"]
                         else f"{c['title']} (retrieved {c['accessed']})" for c in credits)
    else:
        text = str(meta.get("source") or "")
    parts = [f"Source: {text}" if text else "", f"Data: {meta.get('date')}" if meta.get("date") else ""]
    return " · ".join(p for p in parts if p)


def for_export(fig: go.Figure, link: str = "", today: dt.date | None = None) -> tuple[go.Figure, int, int]:
    """A copy of ``fig`` labelled for a briefing, with its export width and height in px.

    The page's footer annotation is replaced by: source line (dataset, version, access date), generation date and
    link, and the UN map disclaimer under maps; the bottom margin grows to hold them.
    """
    d = copy.deepcopy(fig.to_plotly_json())
    layout = d.setdefault("layout", {})
    notes = [a for a in layout.get("annotations", []) if not str(a.get("text", "")).startswith("Source:")]
    lines = [source_line(fig) or "Source: see the dashboard's Sources page",
             f"Generated {(today or dt.date.today()).isoformat()} by the {APP_NAME}" + (f" · {link}" if link else "")]
    if is_map(d):
        lines.append(UN_DISCLAIMER)
    text = "<br>".join(_wrap(line, 170) for line in lines)
    n_lines = text.count("<br>") + 1
    margin = layout.setdefault("margin", {})
    base = 40 if layout.get("legend", {}).get("y", 1) >= 0 else 80
    margin["b"] = base + LINE_PX * n_lines
    notes.append({"text": text, "xref": "paper", "yref": "paper", "x": 0, "y": 0, "xanchor": "left",
                  "yanchor": "bottom", "yshift": -margin["b"] + 10, "xshift": -int(margin.get("l", 60)) + 10,
                  "showarrow": False, "align": "left",
                  "font": {"size": 10, "color": "#444"}})
    layout["annotations"] = notes
    layout.pop("width", None)
    height = int(layout.get("height") or 400) + LINE_PX * n_lines
    layout["height"] = height
    layout["autosize"] = False
    return go.Figure(d, _validate=False), EXPORT_WIDTH, height


def subtitle_of(fig: go.Figure) -> str:
    title = fig.layout.title
    sub = getattr(title, "subtitle", None) if title is not None else None
    return str(sub.text or "") if sub is not None else ""


def title_of(fig: go.Figure) -> str:
    title = fig.layout.title
    return str(title.text or "") if title is not None else ""
