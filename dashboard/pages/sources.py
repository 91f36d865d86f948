"""`/sources` — provenance and method: every source file, the rejects (paged), the indicator catalog."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback, dcc, html

from dashboard import data, ids, params
from dashboard.components import details, guarded, md_table, notices, table, url_sync

dash.register_page(__name__, path="/sources", title="Sources and method", name="Sources", order=3)

PAGE_SIZE = 50


def _sources_table() -> html.Div:
    """One summary row per source (versions, licence, retrieval, rows), then each source's citation and files."""
    df = data.sources()
    summary = df.group_by("source_id", maintain_order=True).agg(
        pl.col("title").first(), pl.col("publisher").first(), pl.col("licence").first(),
        pl.col("version").drop_nulls().unique(maintain_order=True).str.join("; ").alias("version"),
        pl.col("retrieved_at").max().alias("retrieved_at"), pl.len().alias("files"),
        pl.col("rows_loaded").sum(), pl.col("rows_rejected").sum(),
        pl.col("status").unique(maintain_order=True).str.join(", ").alias("status"))
    blocks: list = [html.Div(md_table(summary, {"title": "Source", "publisher": "Publisher", "version": "Version(s)",
                                                "licence": "Licence", "retrieved_at": "Retrieved", "files": "Files",
                                                "rows_loaded": "Rows loaded", "rows_rejected": "Rows rejected",
                                                "status": "Status"}, max_rows=100,
                                      links={"title": lambda r: f"#src-{r['source_id']}"}), id=ids.SO_SOURCES_TABLE)]
    for sid in summary["source_id"].to_list():
        sub = df.filter(pl.col("source_id") == sid)
        first = sub.row(0, named=True)
        blocks.append(html.Section([
            html.H2(f"{first['title']}", className="h6 mt-3 mb-1", id=f"src-{sid}"),
            html.P([html.Strong("Citation: "), first["citation"] or "–", " ",
                    html.A(first["url"], href=first["url"], target="_blank", rel="noopener noreferrer")
                    if first["url"] else None, " · ", html.Strong("Licence: "), first["licence"] or "–", " · ",
                    html.Code(sid)], className="small mb-1"),
            details(f"Files ({sub.height})", table(
                sub, {"file_name": "File", "version": "Version", "retrieved_at": "Retrieved", "rows_read": "Read",
                      "rows_loaded": "Loaded", "rows_rejected": "Rejected", "rows_duplicate": "Duplicates",
                      "rows_excluded": "Excluded", "status": "Status", "message": "Message"}, max_rows=100)),
        ]))
    return html.Div(blocks)


@guarded
def layout(**kwargs: Any) -> html.Div:
    choices = data.reject_sources()
    values, notes = params.parse(kwargs, [params.Param("rejects", "", params.as_choice(choices)),
                                          params.Param("page", 1, params.as_int(1, 10**7))])
    cat = data.indicator_catalog()
    info, rows = rejects_view(values["rejects"] or None, values["page"])
    return html.Div([
        html.H1("Sources and method", className="h3"),
        notices(notes, id=ids.SO_NOTICE),
        html.P("Every figure in the dashboard is read from the warehouse built from these files. Rows that could "
               "not be loaded are kept as rejects with a reason; nothing is imputed.", className="small"),
        _sources_table(),
        html.H2("Rejected rows", className="h4 mt-4"),
        dbc.Row([
            dbc.Col([dbc.Label("Source", html_for=ids.SO_REJECT_SOURCE),
                     dcc.Dropdown(id=ids.SO_REJECT_SOURCE, options=choices, value=values["rejects"] or None,
                                  placeholder="All sources")], md=4),
            dbc.Col([dbc.Label("Page", html_for=ids.SO_REJECT_PAGE),
                     dcc.Input(id=ids.SO_REJECT_PAGE, type="number", min=1, step=1, value=values["page"],
                               className="form-control", debounce=True)], md=2),
        ], className="g-2"),
        html.P(info, id=ids.SO_REJECT_INFO, className="small mt-1", role="status"),
        dcc.Store(id=ids.SO_QUERY),
        html.Div(id=ids.SO_QUERY + "-sync", hidden=True),
        html.Div(rows, id=ids.SO_REJECTS),
        html.H2("Indicator catalog", className="h4 mt-4"),
        html.Div(md_table(cat, {"indicator_id": "Indicator", "label": "Label", "unit": "Unit", "source_id": "Source",
                                "description": "Definition", "risk_factors": "Risk factors (UN Framework)",
                                "higher_is_worse": "Higher is worse", "n_values": "Values"}, max_rows=500),
                 id=ids.SO_INDICATOR_CATALOG),
    ])


def rejects_view(source_id: str | None, page: int) -> tuple[str, Any]:
    total = data.rejects_count(source_id)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, int(page or 1)), pages)
    df = data.rejects_page(source_id, page - 1, PAGE_SIZE)
    info = f"{total:,} rejected rows{' from ' + source_id if source_id else ''}; page {page} of {pages}."
    if df.height == 0:
        return info, html.P("No rejected rows.", className="text-muted")
    return info, md_table(df, {"source_id": "Source", "file_name": "File", "row_number": "Row", "reason": "Reason",
                               "raw": "Raw (first 200 characters)"}, max_rows=PAGE_SIZE)


@callback(Output(ids.SO_REJECT_INFO, "children"), Output(ids.SO_REJECTS, "children"), Output(ids.SO_QUERY, "data"),
          Input(ids.SO_REJECT_SOURCE, "value"), Input(ids.SO_REJECT_PAGE, "value"), prevent_initial_call=True)
def update(source_id: str | None, page: Any) -> tuple:
    source_id = source_id if source_id in data.reject_sources() else None
    try:
        page = max(1, int(page))
    except (TypeError, ValueError):
        page = 1
    info, rows = rejects_view(source_id, page)
    return info, rows, params.encode({"rejects": source_id, "page": page if page > 1 else None})


url_sync(ids.SO_QUERY, ids.SO_QUERY + "-sync")
