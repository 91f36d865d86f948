"""The overview's watchlist: every situation with a recorded listing on the chosen list, its level, listing date
and age, and the country's EWP rank "of N"; sortable by any column with keyboard-reachable header buttons.

Sorting runs on the server (a few dozen rows): the table is re-rendered, never reordered behind React's back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from dashboard import data, risk
from dashboard.queries import listings

TABLE = "ov-watchlist"
SORT = "ov-watchlist-sort"
HEADER = "ov-watchlist-header"
HEADING = "watchlist-heading"
LEVEL_ORDER = {"Current Crisis": 0, "Imminent Risk": 1, "Serious Concern": 2}
# column id → (header text, sort key column, first direction)
COLUMNS: dict[str, tuple[str, str, str]] = {
    "situation": ("Situation", "situation", "asc"),
    "name": ("Country", "name", "asc"),
    "risk_level": ("Risk level", "level_order", "asc"),
    "as_of": ("Listed", "as_of", "desc"),
    "age": ("Age", "age_months", "asc"),
    "later": ("Later editions", "later", "asc"),
    "ewp": ("EWP rank", "ewp_rank", "asc"),
}
DEFAULT_SORT = {"column": "risk_level", "direction": "asc"}


def rows(list_id: str, today: dt.date | None = None) -> pl.DataFrame:
    """Latest listing per country up to today, with the country's latest EWP rank and the number ranked then."""
    ref = today or dt.date.today()
    df = listings.latest(list_id, ref)
    if df.height == 0:
        return df
    ranks = listings.ewp_ranks(ref.year)
    df = df.join(ranks, on="iso3", how="left")
    return df.with_columns(pl.col("risk_level").replace_strict(LEVEL_ORDER, default=9).alias("level_order"))


def ewp_text(rank: int | None, of: int | None, year: int | None) -> str:
    return "–" if rank is None else f"{rank} of {of} ({year})"


def sorted_rows(df: pl.DataFrame, column: str, direction: str) -> pl.DataFrame:
    key = COLUMNS.get(column, COLUMNS[DEFAULT_SORT["column"]])[1]
    desc = direction == "desc"
    return df.sort([key, "level_order", "name"], descending=[desc, False, False], nulls_last=True)


def table(list_id: str, sort: dict | None = None, today: dt.date | None = None) -> html.Div:
    sort = sort or DEFAULT_SORT
    df = rows(list_id, today)
    ref = today or dt.date.today()
    if df.height == 0:
        return html.P("No listing recorded on this list.")
    df = sorted_rows(df, sort["column"], sort["direction"])
    head = html.Tr([_header(c, sort) for c in COLUMNS])
    body = [html.Tr([
        html.Td(r["situation"]),
        html.Td(dcc.Link(r["name"], href=f"/country/{r['iso3']}")),
        html.Td(r["risk_level"]),
        html.Td(str(r["as_of"])),
        html.Td(r["age"], title=r["note"]),
        html.Td(r["later"], title=r["note"]),
        html.Td(ewp_text(r["ewp_rank"], r["ewp_of"], r["ewp_year"])),
    ]) for r in df.iter_rows(named=True)]
    caption = (f"{risk.list_label(list_id)}: each country's latest recorded listing up to {ref} ({df.height} "
               "countries). Age is counted to today; a missing later listing is not proof the situation was dropped. "
               "EWP rank: the Early Warning Project's latest ranking (1 = highest risk of a new mass killing) of N "
               "countries ranked that year.")
    return html.Div(html.Table([html.Caption(caption), html.Thead(head), html.Tbody(body)],
                               className="table table-sm watchlist"), className="table-responsive")


def _header(column: str, sort: dict) -> html.Th:
    text = COLUMNS[column][0]
    active = sort.get("column") == column
    state = ("ascending" if sort.get("direction") == "asc" else "descending") if active else "none"
    arrow = {"ascending": " ▲", "descending": " ▼", "none": ""}[state]
    return html.Th(html.Button([text, html.Span(arrow, **{"aria-hidden": "true"})],
                               id={"type": HEADER, "column": column}, className="btn btn-link btn-sm p-0 text-start",
                               title=f"Sort by {text}"),
                   scope="col", **{"aria-sort": state})


def section(list_id: str = risk.GCR2P) -> html.Section:
    return html.Section([
        html.H2("Watchlist: situations with a recorded listing", className="h5 mt-3", id=HEADING),
        dcc.Store(id=SORT, data=DEFAULT_SORT),
        html.Div(table(list_id), id=TABLE),
    ], **{"aria-labelledby": HEADING})


@callback(
    Output(TABLE, "children"),
    Output(SORT, "data"),
    Input({"type": HEADER, "column": ALL}, "n_clicks"),
    Input("ov-list", "value"),
    State(SORT, "data"),
    prevent_initial_call=True,
)
def resort(_clicks: Any, list_id: Any, sort: Any) -> tuple:
    """A header click sorts by that column (again: the other direction); a new list keeps the sort."""
    sort = sort if isinstance(sort, dict) and sort.get("column") in COLUMNS else dict(DEFAULT_SORT)
    trig = ctx.triggered_id
    if isinstance(trig, dict) and trig.get("column") in COLUMNS:
        if not any(_clicks or []):
            return no_update, no_update
        column = trig["column"]
        first = COLUMNS[column][2]
        flip = {"asc": "desc", "desc": "asc"}
        direction = flip[sort["direction"]] if sort["column"] == column else first
        sort = {"column": column, "direction": direction}
    list_id = list_id if list_id in risk.lists() else risk.GCR2P
    with data.one_stamp():
        return table(list_id, sort), sort
