"""What a country briefing pack contains, gathered once for the PDF and the PPTX.

Every value comes from the functions the country page itself uses (dashboard.data, the page's latest_values and
summary, dashboard.risk.board, the page's charts rebuilt from its layout), so the pack says what the page says.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from dashboard import data, figures, narratives
from dashboard.export import charts, render

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


def _country_page() -> Any:
    return importlib.import_module("dashboard.pages.country")


def key_figures(code: str, src_ids: list[str]) -> list[dict[str, Any]]:
    """The country page's key-figure cards as rows: label, value, unit, year, source (+ range)."""
    return _country_page().key_figure_rows(code, src_ids)


def _risk(code: str, src_ids: list[str]) -> tuple[str | None, str | None, str | None]:
    hist = data.risk_history(code).filter(pl.col("list_id") == "gcr2p")
    if hist.height == 0:
        return None, None, None
    src_ids.append("r2p_monitor")
    r = hist.row(0, named=True)
    return r["risk_level"], str(r["as_of"]), r["source_url"]


def _ewp(code: str, src_ids: list[str]) -> str | None:
    ewp = data.ewp_history(code).drop_nulls("onset_risk")
    if ewp.height == 0:
        return None
    info = data.indicator_info(data.EWP_RISK)
    src_ids.append(info["source_id"] if info else "ewp_sra")
    last = ewp.row(-1, named=True)
    risk = last["onset_risk"]
    text = f"{risk * 100:.1f}%" if risk is not None and risk <= 1 else figures.fmt(risk)
    rank = f", rank {int(last['rank'])}" if last["rank"] is not None else ""
    window = f" ({last['window_start']}–{last['window_end']})" if last.get("window_end") else ""
    return (f"Early Warning Project, {last['edition']} edition: risk of a new mass-killing onset within two "
            f"years{window} {text}{rank}.")


def _board(code: str, src_ids: list[str]) -> pl.DataFrame | None:
    """The lead's risk-factor board (dashboard.risk.board), when that module exists in this version."""
    try:
        risk = importlib.import_module("dashboard.risk")
    except ImportError:
        return None
    board_fn = getattr(risk, "board", None)
    if board_fn is None:
        return None
    df = board_fn(code)
    proxies = getattr(risk, "proxies", None)
    if proxies is not None:
        titles = proxies(code)
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
                         charts.source_ids_for(str((fig.layout.meta or {}).get("source", "")))))
    return out


def start_rendering(chart_list: list[Chart], scale: float = PACK_SCALE) -> render.Batch:
    """Start rendering every chart (in pack order) in the background while the rest of the pack is gathered."""
    return render.Batch([(c.figure, "png", c.width, c.height, scale) for c in chart_list])


def gather(code: str, args: Mapping[str, Any], link: str = "", render_now: bool = True) -> Briefing:
    """Everything the pack shows for one country (``code`` already validated) and the page's query ``args``.

    The charts start rendering at once, in the background (``render_now``); ``Briefing.images`` waits for them.
    """
    info = data.country(code) or {"name": code}
    chart_list = _pick_charts(code, args, link)
    batch = start_rendering(chart_list) if render_now else None
    try:
        src_ids: list[str] = []
        risk_level, as_of, url = _risk(code, src_ids)
        ewp_text = _ewp(code, src_ids)
        kf = key_figures(code, src_ids)
        summary = _country_page().what_the_data_says(code, info["name"])
        board = _board(code, src_ids)
    except BaseException:
        if batch is not None:
            batch.cancel()
        raise
    region = " · ".join(x for x in (info.get("m49_region"), info.get("m49_subregion")) if x)
    return Briefing(iso3=code, name=info["name"], region=region, generated=dt.datetime.now(dt.UTC).replace(
        microsecond=0), risk_level=risk_level, risk_as_of=as_of, risk_source_url=url, ewp_text=ewp_text,
        key_figures=kf, summary=summary, board=board, narrative=narratives.load(code), charts=chart_list,
        source_ids=src_ids, link=link, batch=batch)
