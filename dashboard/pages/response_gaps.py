"""`/response-gaps` — countries where warning meets no recorded multilateral response.

Countries with elevated risk (at least N risk factors rated elevated, or a current R2P Monitor listing) and no
multilateral measure recorded in force in the last K years. About the loaded sources' records, not a judgement of
what was or was not done. State (N, K, listing) lives in the URL; ranked table, map and CSV download.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, callback, dcc, html, no_update

from dashboard import params
from dashboard.components import disclaimer, graph, guarded, md_table, notices, url_sync
from dashboard.figures import categorical_choropleth
from dashboard.queries import response as q

dash.register_page(__name__, path="/response-gaps", title="Response gaps", name="Response gaps", order=4)

GAP_MIN, GAP_YEARS, GAP_LISTED = "gap-min-factors", "gap-years", "gap-listed"
GAP_MAP, GAP_TABLE, GAP_NOTE, GAP_QUERY = "gap-map", "gap-table", "gap-note", "gap-query"
GAP_DOWNLOAD, GAP_DOWNLOAD_BTN = "gap-download", "gap-download-btn"
WORDING = ("This page lists countries where the loaded sources record elevated risk but no multilateral measure "
           "(UN peace operation, UN sanctions regime, ICC situation, Human Rights Council mechanism or Security "
           "Council resolution/presidential statement naming the country) in force in the chosen window. It is "
           "about recorded measures only, not a judgement of whether a response was needed or given: sources are "
           "partial (Security Council outcomes stop in June 2022; special political missions are mostly missing).")
COLOURS = {"listed by the R2P Monitor": "#D55E00", "elevated risk factors": "#E69F00"}


def spec() -> list[params.Param]:
    return [params.Param("min", 3, params.as_int(1, 14)), params.Param("years", 5, params.as_int(1, 30)),
            params.Param("listed", "yes", params.as_choice(["yes", "no"]))]


@guarded
def layout(**kwargs: Any) -> html.Div:
    values, notes = params.parse(kwargs, spec())
    fig, tbl, note, qs = build(values["min"], values["years"], values["listed"])
    return html.Div([
        html.H1("Response gaps", className="h3"),
        html.P(WORDING, className="small", id="gap-wording"),
        notices(notes),
        dbc.Row([
            dbc.Col([dbc.Label("Elevated risk factors, at least", html_for=GAP_MIN),
                     dcc.Slider(id=GAP_MIN, min=1, max=14, step=1, value=values["min"],
                                marks={k: str(k) for k in (1, 3, 5, 7, 10, 14)})], md=5),
            dbc.Col([dbc.Label("No multilateral measure recorded in the last (years)", html_for=GAP_YEARS),
                     dcc.Slider(id=GAP_YEARS, min=1, max=30, step=1, value=values["years"],
                                marks={k: str(k) for k in (1, 5, 10, 20, 30)})], md=5),
            dbc.Col([dbc.Checklist(id=GAP_LISTED, options=[{"label": " or listed by the R2P Monitor", "value": "yes"}],
                                   value=["yes"] if values["listed"] == "yes" else [])], md=2),
        ]),
        dcc.Loading(html.Div(graph(GAP_MAP, fig, geo=True, label="map of countries with a response gap"),
                             id=GAP_MAP + "-wrap")),
        disclaimer(),
        html.P(note, id=GAP_NOTE, className="small"),
        dbc.Button("Download CSV", id=GAP_DOWNLOAD_BTN, size="sm", color="secondary", className="mb-2"),
        dcc.Download(id=GAP_DOWNLOAD),
        html.Div(tbl, id=GAP_TABLE, className="table-responsive"),
        dcc.Store(id=GAP_QUERY, data=qs), html.Div(id=GAP_QUERY + "-sync", hidden=True),
    ])


def _rows(min_factors: int, years: int, listed: str) -> pl.DataFrame:
    return q.response_gaps(int(min_factors), int(years), listed == "yes")


def build(min_factors: int, years: int, listed: str) -> tuple[Any, Any, str, str]:
    df = _rows(min_factors, years, listed)
    cur = dt.date.today().year
    window = f"{cur - years}–{cur}"
    shown = df.with_columns(pl.when(pl.col("r2p_listed")).then(pl.lit("listed by the R2P Monitor"))
                            .otherwise(pl.lit("elevated risk factors")).alias("why")) if df.height else \
        pl.DataFrame(schema={"iso3": pl.String, "name": pl.String, "why": pl.String, "elevated_factors": pl.Int64})
    fig = categorical_choropleth(shown, "why", COLOURS, pl.col("elevated_factors").cast(pl.String),
                                 "{category}; elevated factors: %{customdata}",
                                 f"No multilateral measure recorded {window}",
                                 f"countries with ≥ {min_factors} elevated risk factors"
                                 + (" or an R2P Monitor listing" if listed == "yes" else ""),
                                 "response tables (ICC, UN sanctions, UN peace operations, HRC, Security Council "
                                 "outcomes) and risk-factor ratings", window)
    display = df.with_columns(pl.col("last_multilateral_year").cast(pl.String).fill_null("none recorded"),
                              pl.when(pl.col("r2p_listed")).then(pl.lit("listed")).otherwise(pl.lit(""))
                              .alias("r2p_listed")) if df.height else df
    tbl = md_table(display, {"name": "Country", "elevated_factors": "Elevated factors", "factors": "Which factors",
                        "r2p_listed": "R2P Monitor listing", "last_multilateral_year": "Last multilateral measure"},
                   max_rows=250, links={"name": lambda r: f"/country/{r['iso3']}"}) if df.height else \
        html.P("No country meets both conditions in the loaded sources.", className="text-muted")
    note = f"{df.height} countries: elevated risk and no multilateral measure recorded in {window}."
    return fig, tbl, note, params.encode({"min": min_factors, "years": years, "listed": listed})


@callback(Output(GAP_MAP + "-wrap", "children"), Output(GAP_TABLE, "children"), Output(GAP_NOTE, "children"),
          Output(GAP_QUERY, "data"), Input(GAP_MIN, "value"), Input(GAP_YEARS, "value"), Input(GAP_LISTED, "value"),
          prevent_initial_call=True)
def update(min_factors: int, years: int, listed: list[str] | None) -> tuple:
    if not isinstance(min_factors, int) or not isinstance(years, int):
        return no_update, no_update, no_update, no_update
    fig, tbl, note, qs = build(max(1, min(14, min_factors)), max(1, min(30, years)),
                               "yes" if listed and "yes" in listed else "no")
    return graph(GAP_MAP, fig, geo=True, label="map of countries with a response gap"), tbl, note, qs


def _safe(value: Any) -> Any:
    """Spreadsheet formula guard: a text cell starting with = + - @ is prefixed with an apostrophe."""
    return "'" + value if isinstance(value, str) and re.match(r"^[=+\-@\t\r]", value) else value


@callback(Output(GAP_DOWNLOAD, "data"), Input(GAP_DOWNLOAD_BTN, "n_clicks"), State(GAP_QUERY, "data"),
          prevent_initial_call=True)
def download(n: int | None, query: str | None) -> Any:
    if not n:
        return no_update
    args = dict(p.split("=", 1) for p in (query or "").lstrip("?").split("&") if "=" in p)
    values, _ = params.parse(args, spec())
    df = _rows(values["min"], values["years"], values["listed"])
    df = df.with_columns(pl.col(pl.String).map_elements(_safe, return_dtype=pl.String))
    head = (f"# {WORDING}\n# parameters: at least {values['min']} elevated factors"
            f"{' or an R2P Monitor listing' if values['listed'] == 'yes' else ''}; window {values['years']} years; "
            f"generated {dt.date.today()}\n")
    return {"content": head + df.write_csv(), "filename": f"r2p-response-gaps-{values['min']}-{values['years']}.csv",
            "type": "text/csv", "base64": False}


url_sync(GAP_QUERY, GAP_QUERY + "-sync", on_load=True)
