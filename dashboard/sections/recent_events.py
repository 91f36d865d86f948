"""Country page: "Recent events" — the last 12 months of UCDP GED *candidate* events, by month and violence type,
kept apart from the annual totals. The partial current year is labelled as such ("2026 to date, Jan–Apr"), and a
month that no loaded monthly release covers says so instead of showing a zero."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from dash import html

from dashboard import data
from dashboard.queries import changes as q

PANEL = "co-recent-events"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _back(d: date, n: int) -> date:
    m = d.month - 1 - n
    return date(d.year + m // 12, m % 12 + 1, 1)


def partial_label(newest: date) -> str:
    """'2026 to date, Jan–Apr' (a whole year is just '2026')."""
    if newest.month == 12:
        return str(newest.year)
    span = MONTHS[0] if newest.month == 1 else f"{MONTHS[0]}–{MONTHS[newest.month - 1]}"
    return f"{newest.year} to date, {span}"


def _cell(sub: pl.DataFrame, vt: str) -> str:
    row = sub.filter(pl.col("violence_type") == vt)
    if row.height == 0:
        return "0"
    return f"{row['events'][0]:,} ({row['deaths_best'][0] or 0:,} deaths)"


def section(iso3: str) -> Any:
    frame, newest = q.recent_events(iso3)
    if newest is None:
        return html.P("No UCDP candidate (monthly) release is loaded: recent events cannot be shown.",
                      className="small text-muted", id=PANEL)
    covered = set(q.candidate_months())
    months = [_back(newest, i) for i in range(11, -1, -1)]
    head = html.Tr([html.Th("Month", scope="col"), *[html.Th(vt, scope="col") for vt in data.VIOLENCE_TYPES]])
    rows = []
    for m in months:
        sub = frame.filter(pl.col("month") == m) if frame.height else frame
        label = f"{MONTHS[m.month - 1]} {m.year}"
        if m not in covered:
            note = "no monthly release loaded" + (f"; {sub['events'].sum():,} late-reported events" if sub.height
                                                   else "")
            rows.append(html.Tr([html.Th(label, scope="row"),
                                 html.Td(note, colSpan=len(data.VIOLENCE_TYPES), className="text-muted")]))
            continue
        rows.append(html.Tr([html.Th(label, scope="row"), *[html.Td(_cell(sub, vt)) for vt in data.VIOLENCE_TYPES]]))
    versions = ", ".join(sorted(set(", ".join(frame["versions"].to_list()).split(", ")))) if frame.height else "—"
    return html.Div([
        html.P([f"Last 12 months to {MONTHS[newest.month - 1]} {newest.year} — ", html.Strong(partial_label(newest)),
                " is a partial year: do not set it beside full years. Candidate events are preliminary and are "
                "revised in the next yearly GED release; annual totals above come from the yearly releases."],
               className="small"),
        html.Table([html.Thead(head), html.Tbody(rows)], className="table table-sm small"),
        html.P(f"Source: UCDP Candidate Events Dataset, releases {versions} (events, and deaths: best estimate).",
               className="small text-muted"),
    ], id=PANEL)
