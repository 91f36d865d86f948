"""CSV and XLSX downloads of the dashboard's tables, headed by attribution rows.

Tables: the data behind every exportable chart (read back from the very figure the page draws, so the numbers are
the plotted ones), the country page's key figures and risk-factor board, and the sources catalogue. The first rows
say what the table is, which selection it reflects, when it was generated and every source with version, access
date and licence; sources under a non-commercial licence get a row of their own saying so.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import polars as pl

from dashboard import data
from dashboard.export import briefing, cells, charts
from dashboard.export.licence import guard as licence_guard

TABLE_FORMATS = ("csv", "xlsx")
COUNTRY_TABLES = {"co-key-figures": "Key figures", "co-risk-factors": "Risk-factor board"}
OTHER_TABLES = {"sources": "Sources loaded into the warehouse"}


@dataclass
class Table:
    title: str
    frame: pl.DataFrame
    source_ids: list[str]
    selection: str


def _array(v: Any) -> list:
    """A trace array as a list, whether numpy, list or plotly's base64 typed array."""
    if v is None:
        return []
    if isinstance(v, dict) and "bdata" in v:
        v = np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).reshape(v.get("shape", -1))
    if isinstance(v, list | tuple):
        return list(v)
    arr = np.asarray(v)
    if arr.dtype == np.float32:  # float32 map coordinates: shortest text, not float64 noise (50.45, not 50.4500007)
        return [[float(str(x)) for x in row] for row in arr] if arr.ndim == 2 else [float(str(x)) for x in arr]
    return arr.tolist()


def _axis_title(layout: dict, axis: str, default: str) -> str:
    title = layout.get(axis, {}).get("title")
    text = title.get("text") if isinstance(title, dict) else title
    return str(text or default)


def chart_frame(fig: go.Figure) -> pl.DataFrame:
    """The numbers a chart plots, as a table (maps: one row per country or event; series: year × series)."""
    d = fig.to_plotly_json()
    layout = d.get("layout", {})
    rows: list[dict[str, Any]] = []
    series: dict[str, dict[Any, Any]] = {}
    bands: dict[str, list[list]] = {}
    for tr in d.get("data", []):
        kind, name = tr.get("type"), tr.get("name")
        if kind == "choropleth":
            locs, text = _array(tr.get("locations")), _array(tr.get("text"))
            custom = _array(tr.get("customdata"))
            values = custom if custom and not isinstance(custom[0], str) else _array(tr.get("z"))
            for i, iso3 in enumerate(locs):
                row = {"country": text[i] if i < len(text) else "", "iso3": iso3}
                if name:  # categorical map (risk level, factor status)
                    row["category"] = name
                    if custom and isinstance(custom[0], str):
                        row["detail"] = custom[i]
                else:
                    row["value"] = values[i] if i < len(values) else None
                rows.append(row)
        elif kind == "scattergeo":
            lat, lon, custom = _array(tr.get("lat")), _array(tr.get("lon")), _array(tr.get("customdata"))
            text = _array(tr.get("text"))
            for i in range(len(lat)):
                c = custom[i] if i < len(custom) else None
                row = {"type": name, "latitude": lat[i], "longitude": lon[i],
                       "deaths_best": c[0] if isinstance(c, list) else c}
                if isinstance(c, list) and len(c) > 1:
                    row["events"] = c[1]
                if text:
                    row["label"] = text[i]
                rows.append(row)
        elif kind == "scatter":
            x, y, text = _array(tr.get("x")), _array(tr.get("y")), _array(tr.get("text"))
            if tr.get("hoverinfo") == "skip":  # low-high band: the high trace comes first, then the low one
                bands.setdefault(str(tr.get("legendgroup")), []).append([x, y])
            elif text and len(text) == len(x) and str(tr.get("mode", "")).startswith("markers"):
                xl, yl = _axis_title(layout, "xaxis", "x"), _axis_title(layout, "yaxis", "y")
                rows += [{"country": t, "group": name, xl: a, yl: b} for t, a, b in zip(text, x, y, strict=False)]
            else:  # a line; labelled points (e.g. risk level over time) keep their label, not its plotted rank
                labels = text if text and len(text) == len(y) and all(isinstance(t, str) for t in text) else y
                series.setdefault(str(name), {}).update(zip(x, labels, strict=False))
    if series:
        xs = sorted({k for s in series.values() for k in s}, key=str)
        wide: dict[str, list] = {"x": xs}
        for name, pts in series.items():
            wide[name] = [pts.get(k) for k in xs]
            for label, (bx, by) in zip(("high", "low"), bands.get(name, []), strict=False):
                b = dict(zip(bx, by, strict=False))
                wide[f"{name} ({label})"] = [b.get(k) for k in xs]
        frame = pl.DataFrame(wide, strict=False)
        xname = "year" if all(isinstance(v, int | float) for v in xs) else "date"
        return frame.rename({"x": xname})
    return pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame({"note": ["no values"]})


def table(table_id: str, args: Mapping[str, Any]) -> Table:
    """Build one table by id for the page query ``args``; ExportNotFound for unknown ids or countries."""
    query = charts.page_args(args)
    selection = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    if table_id in OTHER_TABLES:
        src = data.sources()
        return Table(OTHER_TABLES[table_id], src, src["source_id"].unique(maintain_order=True).to_list(), "/sources")
    if table_id in COUNTRY_TABLES:
        code = charts.country_code(args.get("iso3"))
        src_ids: list[str] = []
        if table_id == "co-key-figures":
            cols = ("indicator_id", "label", "raw", "unit", "year", "range", "source")
            rows = [{c: r[c] for c in cols} for r in briefing.key_figures(code, src_ids)]
            frame = pl.DataFrame(rows, infer_schema_length=None).rename({"raw": "value"}) if rows \
                else pl.DataFrame({"note": ["no key figures for this country"]})
        else:
            board = briefing._board(code, src_ids)
            if board is None:
                raise charts.ExportNotFound("this version has no risk-factor board")
            frame = board
        return Table(f"{data.country_names()[code]}: {COUNTRY_TABLES[table_id]}", frame, src_ids,
                     f"/country/{code}{selection}")
    fig = charts.figure(table_id, args)
    page = charts.page_of(table_id)
    path = f"/country/{str(args.get('iso3', '')).upper()}" if page.needs_iso3 else page.path
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    return Table(charts.title_of(fig) or table_id, chart_frame(fig),
                 charts.source_ids_for(str(meta.get("source", ""))), path + selection)


def attribution(t: Table, today: dt.date | None = None) -> list[str]:
    """Header rows: what, which selection, when, every source (version, access date, licence), NC flags."""
    lines = [f"{charts.APP_NAME}: {t.title}", f"Selection: {t.selection}",
             f"Generated: {(today or dt.date.today()).isoformat()}"]
    credits = charts.source_credits(list(dict.fromkeys(s for s in t.source_ids if s)))
    for c in credits:
        lines.append(f"Source: {c['title']} ({c['publisher']}), {c['version']}, accessed {c['accessed']}. "
                     f"Licence: {c['licence'].rstrip('.')}. {c['url']}".strip())
    for c in credits:
        if briefing.is_non_commercial(c["licence"]):
            lines.append(f"NON-COMMERCIAL LICENCE: {c['title']} is published under '{c['licence']}'; "
                         "do not use these values commercially.")
    return lines


def to_csv(t: Table) -> bytes:
    """'# ' attribution rows, then the table with a header row (UTF-8); formula-like text neutralised (cells.py)."""
    licence_guard(t.source_ids, t.selection, t.frame.columns)
    buf = io.StringIO()
    cells.safe_frame(t.frame).write_csv(buf)
    head = "".join(f"# {cells.one_line(line)}\n" for line in attribution(t))
    return (head + buf.getvalue()).encode("utf-8")


def to_xlsx(t: Table) -> bytes:
    """Attribution rows (non-commercial ones in red, bold), a blank row, then the table, in one sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    licence_guard(t.source_ids, t.selection, t.frame.columns)

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    lines = attribution(t)
    for line in lines:
        ws.append([line])
        if line.startswith("NON-COMMERCIAL"):
            ws.cell(row=ws.max_row, column=1).font = Font(bold=True, color="C00000")
    ws.cell(row=1, column=1).font = Font(bold=True)
    ws.append([])
    ws.append(t.frame.columns)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in t.frame.iter_rows():
        ws.append([v if isinstance(v, int | float | str | type(None)) else str(v) for v in row])
    for row in ws.iter_rows(min_row=len(lines) + 2):  # the header and the table: text, never a formula
        for cell in row:
            if isinstance(cell.value, str) and cells.is_risky(cell.value):
                cell.data_type, cell.quotePrefix = "s", True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
