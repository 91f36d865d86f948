"""Shared page pieces: the no-warehouse page, notices, source lists, text alternatives, guarded layouts."""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import dash_bootstrap_components as dbc
import polars as pl
from dash import MATCH, Input, Output, State, clientside_callback, dcc, html

from dashboard import data, ids
from dashboard.export.links import chart_links
from dashboard.fast_paths import md_escaped
from dashboard.figures import GRAPH_CONFIG, TOPOJSON_CONFIG, UN_DISCLAIMER

log = logging.getLogger(__name__)


def no_warehouse(status: dict[str, Any]) -> html.Div:
    """Shown on every page until a warehouse exists: what is missing and the commands that build it."""
    return html.Div(
        [
            html.H1("No warehouse yet", className="h3"),
            html.P(["The dashboard reads one DuckDB file, ", html.Code(status["path"]), f" ({status['reason']})."]),
            html.P("Build it with one of:"),
            html.Pre(
                "python -m etl update                      # download the public datasets, then load them\n"
                "python -m etl update --from DIR           # load files you already have (offline)\n"
                f"python app.py --db {status['path']}      # then (re)load this page",
                className="bg-light p-3 border",
            ),
            html.P("A newly published warehouse is picked up on the next page load; no restart is needed."),
        ],
        className="py-4",
        id="no-warehouse",
    )


def error_panel(title: str, message: str) -> html.Div:
    return html.Div([html.H1(title, className="h3"), html.P(message)], className="py-4", role="alert")


def guarded(layout: Callable[..., Any]) -> Callable[..., Any]:
    """Page layouts never crash: no warehouse → build instructions; any error → a message, never a traceback."""

    @functools.wraps(layout)
    def wrapper(**kwargs: Any) -> Any:
        status = data.status()
        if not status["ok"]:
            return no_warehouse(status)
        try:
            return layout(**kwargs)
        except data.WarehouseMissing:
            return no_warehouse(data.status())
        except Exception:
            log.error("page layout failed: %s", traceback.format_exc())
            return error_panel("Something went wrong", "This page could not be built from the warehouse. "
                               "The error has been logged; try another selection or reload.")

    return wrapper


def notices(messages: Sequence[str], id: str | None = None) -> html.Div:
    children = [dbc.Alert(m, color="warning", className="py-1 px-2 mb-1 small") for m in messages]
    return html.Div(children, id=id or "notices", role="status", **{"aria-live": "polite"})


def source_list(lines: Sequence[str], heading: str = "Sources") -> html.Div:
    return html.Div([html.H2(heading, className="h6 mt-2"), html.Ul([html.Li(x, className="small") for x in lines])],
                    className="sources")


def graph(graph_id: str, figure: Any, geo: bool = False, label: str = "") -> html.Div:
    """A dcc.Graph with the local-topojson config for maps (never the plotly CDN), labelled for screen readers."""
    config = {**(TOPOJSON_CONFIG if geo else GRAPH_CONFIG),
              "toImageButtonOptions": {"format": "png", "scale": 2, "filename": graph_id}}
    g = dcc.Graph(id=graph_id, figure=figure, config=config)
    # briefing exports (PNG/SVG/PDF with sources, data CSV/XLSX) under every exportable chart
    return html.Div([g, _chart_links(graph_id)], role="figure",
                    **{"aria-label": label or "chart; see the table below"})


@functools.lru_cache(maxsize=256)
def _chart_links(graph_id: str) -> html.Div | None:
    """:func:`chart_links`, built once per chart id and shared by every answer: the links depend on the id only and
    answers only read components (serialise them). Saves ~0.15 ms of component set-up per chart."""
    return chart_links(graph_id)


def disclaimer() -> html.P:
    return html.P(UN_DISCLAIMER, className="small text-muted fst-italic un-disclaimer")


def table(df: pl.DataFrame, columns: dict[str, str] | None = None, caption: str = "", max_rows: int = 60,
          links: dict[str, Callable[[dict], str]] | None = None, table_id: str | None = None) -> html.Div:
    """An accessible HTML table (text alternative for charts); ``links`` turns a column into dcc.Links."""
    columns = columns or {c: c for c in df.columns}
    head = html.Thead(html.Tr([html.Th(label, scope="col") for label in columns.values()]))
    rows = []
    for row in df.head(max_rows).iter_rows(named=True):
        cells = []
        for col in columns:
            value = row.get(col)
            text = str(value) if col in PLAIN and value is not None else _cell(value)
            if links and col in links and value is not None:
                href = links[col](row)
                cells.append(html.Td(html.A(text, href=href) if href.startswith("#") else dcc.Link(text, href=href)))
            else:
                cells.append(html.Td(text, className="text-end" if isinstance(value, int | float) else None))
        rows.append(html.Tr(cells))
    more = (html.P(f"Showing {max_rows} of {df.height} rows.", className="small text-muted")
            if df.height > max_rows else None)
    kw = {"id": table_id} if table_id else {}
    return html.Div([
        html.Table(([html.Caption(caption)] if caption else []) + [head, html.Tbody(rows)],
                   className="table table-sm table-striped small mb-1", **kw),
        more,
    ], className="table-responsive")


def md_table(df: pl.DataFrame, columns: dict[str, str] | None = None, max_rows: int = 200,
             links: dict[str, Callable[[dict], str]] | None = None, caption: str = "") -> dcc.Markdown:
    """The same table as Markdown: one component instead of hundreds, so a 200-row table costs ~1 ms to send.

    ``links`` turns a column into plain links (a full page load, unlike dcc.Link; fine for leaving the page).
    """
    columns = columns or {c: c for c in df.columns}
    schema = df.schema
    lines = ["| " + " | ".join(md_escaped(str(v)) for v in columns.values()) + " |",
             "|" + "|".join("---:" if schema.get(c, pl.String).is_numeric() else "---" for c in columns) + "|"]
    for row in df.head(max_rows).iter_rows(named=True):
        cells = []
        for c in columns:
            value = row.get(c)
            text = md_escaped(str(value) if c in PLAIN and value is not None else _cell(value))
            cells.append(f"[{text}]({links[c](row)})" if links and c in links and value is not None else text)
        lines.append("| " + " | ".join(cells) + " |")
    if df.height > max_rows:
        lines.append(f"\nShowing {max_rows} of {df.height} rows.")
    if caption:
        lines.insert(0, f"{caption}\n")
    return dcc.Markdown("\n".join(lines), className="md-table small")


PLAIN = frozenset({"year", "edition", "window_start", "window_end", "row_number", "iso3"})
def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value != value:  # NaN
            return "–"
        return f"{value:,.0f}" if abs(value) >= 100 or value.is_integer() else f"{value:,.3g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def details(summary: str, child: Any) -> html.Details:
    """A collapsible text alternative beneath a chart (keyboard reachable: <summary> is focusable)."""
    return html.Details([html.Summary(summary, className="small"), child], className="mb-3")


def lazy_details(key: str, summary: str, table: dcc.Markdown) -> html.Details:
    """:func:`details` for a Markdown table that is drawn only when first opened.

    Why: the browser renders Markdown inside a closed ``<details>`` anyway, and a page without any Markdown skips
    loading its two script chunks (466 KB): a country page's 14 such tables cost ~0.2 s of its load. The table's
    text comes with the page (a Store, rendered as nothing); the first click or Enter on the summary puts the
    Markdown component in place in the browser, no server request. ``key`` must be unique on the page.
    """
    return html.Details([
        html.Summary(summary, className="small", id={"type": ids.LAZY_SUMMARY, "index": key}),
        html.Div(id={"type": ids.LAZY_TABLE, "index": key}),
        dcc.Store(id={"type": ids.LAZY_SOURCE, "index": key},
                  data={"children": table.children, "className": table.className}),
    ], className="mb-3")


clientside_callback(
    """
    function(n, props, shown) {
        if (!n || shown) { return window.dash_clientside.no_update; }
        return {namespace: 'dash_core_components', type: 'Markdown', props: props};
    }
    """,
    Output({"type": ids.LAZY_TABLE, "index": MATCH}, "children"),
    Input({"type": ids.LAZY_SUMMARY, "index": MATCH}, "n_clicks"),
    State({"type": ids.LAZY_SOURCE, "index": MATCH}, "data"),
    State({"type": ids.LAZY_TABLE, "index": MATCH}, "children"),
    prevent_initial_call=True,
)


def url_sync(store_id: str, dummy_id: str, on_load: bool = False) -> None:
    """Write a page's filter query string into the address bar without re-rendering the page (replaceState).

    ``on_load``: the page's layout fills the store with its normalised query, to be written at once (a bad
    parameter dropped from the address). Otherwise the store starts empty and the first run would do nothing but
    cost the browser a pass over every component of the page (Dash's callback bookkeeping)."""
    clientside_callback(
        """
        function(q) {
            if (typeof q !== 'string') { return window.dash_clientside.no_update; }
            var url = window.location.pathname + q;
            if (url !== window.location.pathname + window.location.search) {
                window.history.replaceState(window.history.state, '', url);
            }
            return q;
        }
        """,
        Output(dummy_id, "title"),
        Input(store_id, "data"),
        prevent_initial_call=not on_load,
    )
