"""What a country briefing pack contains, gathered once for the PDF and the PPTX.

Every value comes from the country view-model the page itself reads (dashboard.viewmodels.country: level, EWP,
key figures with change, elevated factors, summary), dashboard.risk.board and the page's charts rebuilt from its
layout, so the pack says what the page says.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from dashboard import narratives, risk
from dashboard.export import charts, render
from dashboard.viewmodels import country as vm

# main charts in the order a briefer reads them; the pack drops from the end to stay within 4 pages
CHART_ORDER = ("co-deaths", "co-event-map", "co-risk-timeline", "co-displacement", "co-ewp-series", "co-pts",
               "co-vdem")
PACK_SCALE = 1.5  # 1000 px charts at 1.5× ≈ 210 dpi across an A4 text column
NON_COMMERCIAL = re.compile(r"\bNC\b|non-?commercial", re.I)


@dataclass
class Chart:
    """One chart of the pack, labelled for export; ``png`` is filled by ``Briefing.images`` when it is used."""

    chart_id: str
    title: str
    source: str
    figure: Any
    width: int
    height: int
    source_ids: list[str] = field(default_factory=list)
    png: bytes | None = None
    subtitle: str = ""


@dataclass
class Briefing:
    iso3: str
    name: str
    region: str
    generated: dt.datetime
    risk_level: str | None
    risk_as_of: str | None
    risk_source_url: str | None
    ewp_text: str | None
    key_figures: list[dict[str, Any]]
    summary: str
    board: pl.DataFrame | None
    narrative: narratives.Narrative | None
    charts: list[Chart]
    source_ids: list[str] = field(default_factory=list)
    link: str = ""
    batch: render.Batch | None = None
    brief: vm.Brief | None = None

    def images(self, n: int | None = None) -> list[Chart]:
        """The first ``n`` charts (all by default) with their images, waiting for the background rendering."""
        shown = self.charts[: len(self.charts) if n is None else n]
        if self.batch is None:
            self.batch = start_rendering(self.charts)
        for c, png in zip(shown, self.batch.get(len(shown)), strict=True):
            c.png = png
        return shown

    def sources(self, charts_shown: list[Chart]) -> list[dict[str, str]]:
        """Credits for the page figures plus the charts actually shown, each flagged when non-commercial."""
        ids = [*self.source_ids, *(s for c in charts_shown for s in c.source_ids)]
        out = charts.source_credits([s for s in dict.fromkeys(ids) if s])
        for s in out:
            s["non_commercial"] = "yes" if is_non_commercial(s["licence"]) else ""
        return out


def is_non_commercial(licence: str | None) -> bool:
    return bool(NON_COMMERCIAL.search(licence or ""))


def key_figures(code: str, src_ids: list[str]) -> list[dict[str, Any]]:
    """The key figures of one country as rows (the table export's entry point); their sources go to ``src_ids``."""
    b = vm.brief(code)
    if b is None:
        return []
    src_ids.extend(f.source_id for f in b.key_figures)
    return key_figure_rows(b)


def key_figure_rows(b: vm.Brief) -> list[dict[str, Any]]:
    """The brief's key figures as table rows: label, value, unit, year (or part-year period), change, source."""
    return [{"indicator_id": f.indicator_id, "label": f.label, "value": f.text, "raw": f.value, "unit": f.unit,
             "year": f.period, "range": f.range_text, "change": f.change_text, "direction": f.direction,
             "source": f.source} for f in b.key_figures]


def _board(code: str, src_ids: list[str]) -> pl.DataFrame:
    """The risk-factor board (dashboard.risk.board) and the sources of its proxies."""
    df = risk.board(code)
    titles = risk.proxies(code)
    if "source_title" in titles.columns:
        for title in titles["source_title"].drop_nulls().unique().to_list():
            src_ids.extend(charts.source_ids_for(title))
    return df


def _pick_charts(code: str, args: Mapping[str, Any], link: str) -> list[Chart]:
    figs = charts.page_figures(charts.page_of("co-deaths"), {**charts.page_args(args), "iso3": code})
    order = [c for c in CHART_ORDER if c in figs] + [c for c in figs if c not in CHART_ORDER]
    out = []
    for cid in order:
        fig = figs[cid]
        exported, width, height = charts.for_export(fig, link)
        out.append(Chart(cid, charts.title_of(fig), charts.source_line(fig), exported, width, height,
                         charts.source_ids_for(str((fig.layout.meta or {}).get("source", ""))),
                         subtitle=charts.subtitle_of(fig)))
    return out


def start_rendering(chart_list: list[Chart], scale: float = PACK_SCALE) -> render.Batch:
    """Start rendering every chart (in pack order) in the background while the rest of the pack is gathered."""
    return render.Batch([(c.figure, "png", c.width, c.height, scale) for c in chart_list])


def gather(code: str, args: Mapping[str, Any], link: str = "", render_now: bool = True) -> Briefing:
    """Everything the pack shows for one country (``code`` already validated) and the page's query ``args``.

    The charts start rendering at once, in the background (``render_now``); ``Briefing.images`` waits for them.
    """
    chart_list = _pick_charts(code, args, link)
    batch = start_rendering(chart_list) if render_now else None
    try:
        generated = dt.datetime.now(dt.UTC).replace(microsecond=0)
        brief = vm.brief(code, generated.date())
        if brief is None:
            raise charts.ExportNotFound(f"there is no country with the code '{code}' in the warehouse")
        src_ids = list(brief.sources)
        board = _board(code, src_ids)
    except BaseException:
        if batch is not None:
            batch.cancel()
        raise
    lvl = brief.level
    return Briefing(iso3=code, name=brief.name, region=brief.region, generated=generated,
                    risk_level=lvl.risk_level if lvl else None, risk_as_of=str(lvl.as_of) if lvl else None,
                    risk_source_url=lvl.source_url if lvl else None,
                    ewp_text=brief.forecast.sentence if brief.forecast else None,
                    key_figures=key_figure_rows(brief), summary=brief.summary, board=board,
                    narrative=narratives.load(code), charts=chart_list, source_ids=src_ids, link=link, batch=batch,
                    brief=brief)
