"""`/changes` — what changed since a date or since the previous update (default), newest first, filtered by region,
risk factor, kind, direction and severity; each item links to its country page and its source. State in the URL;
the same filters give the Atom feed (/changes.atom)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from dashboard import data, params
from dashboard.changes_filters import encode, spec, to_filters
from dashboard.components import guarded, notices, url_sync
from dashboard.queries import changes as q

dash.register_page(__name__, path="/changes", title="What changed", name="What changed", order=4)

SINCE = "ch-since"
REGION = "ch-region"
FACTOR = "ch-factor"
KIND = "ch-kind"
DIRECTION = "ch-direction"
SEVERITY = "ch-severity"
ISO3 = "ch-iso3"
LIST = "ch-list"
SUMMARY = "ch-summary"
FEED = "ch-feed"
QUERY = "ch-query"
NOTICE = "ch-notice"
EMPTY = "ch-empty"  # the empty state (tests address it)
PAGE_ROWS = 100  # a reader scans the newest hundred; 500 items made a 550 KB page. The summary gives the total.
ARROWS = {"worse": ("▲", "worse", "text-danger"), "better": ("▼", "better", "text-success"),
          "neutral": ("●", "no direction", "text-secondary")}


@guarded
def layout(**kwargs: Any) -> html.Div:
    if not q.available():
        return html.Div([html.H1("What changed", className="h3"),
                         html.P("This warehouse has no change log yet: run `python -m etl update` once more.")])
    values, notes = params.parse(kwargs, spec())
    f = to_filters(values)
    summary, items = view(f)
    return html.Div([
        html.H1("What changed", className="h3"),
        notices(notes, id=NOTICE),
        html.P(["Every update of the warehouse is compared with the one it replaces; history already inside the "
                "data (EWP editions, R2P levels, the newest year of each series) is listed too. Arrows follow each "
                "indicator's direction (▲ worse, ▼ better). Rules and thresholds: ",
                html.A("methodology", href="/sources"), "."], className="small"),
        _controls(f),
        html.P(summary, id=SUMMARY, className="small mt-2", role="status"),
        html.P(html.A("Subscribe to these changes (Atom feed)", id=FEED, href="/changes.atom" + encode(f)),
               className="small"),
        dcc.Store(id=QUERY),
        html.Div(id=QUERY + "-sync", hidden=True),
        html.Div(items, id=LIST),
    ])


def _controls(f: q.Filters) -> dbc.Row:
    regions = list(data.regions())
    factors = [{"label": f"Factor {i}", "value": i} for i in range(1, 15)]
    return dbc.Row([
        dbc.Col([dbc.Label("Since (blank = the latest update)", html_for=SINCE),
                 dcc.Input(id=SINCE, type="text", placeholder="YYYY-MM-DD", debounce=True,
                           value=f.since.isoformat() if f.since else "", className="form-control")], md=2),
        dbc.Col([dbc.Label("Region", html_for=REGION),
                 dcc.Dropdown(id=REGION, options=regions, value=f.region, placeholder="All regions")], md=2),
        dbc.Col([dbc.Label("Risk factor", html_for=FACTOR),
                 dcc.Dropdown(id=FACTOR, options=factors, value=f.factor, placeholder="Any")], md=2),
        dbc.Col([dbc.Label("Kind", html_for=KIND),
                 dcc.Dropdown(id=KIND, options=[{"label": q.KIND_LABELS[k], "value": k} for k in q.KINDS],
                              value=list(f.kind), multi=True, placeholder="All kinds")], md=2),
        dbc.Col([dbc.Label("Direction", html_for=DIRECTION),
                 dcc.Dropdown(id=DIRECTION, options=list(q.DIRECTIONS), value=list(f.direction), multi=True,
                              placeholder="Any")], md=2),
        dbc.Col([dbc.Label("Severity at least", html_for=SEVERITY),
                 dcc.Dropdown(id=SEVERITY, options=list(q.SEVERITIES), value=f.min_severity, placeholder="Any")],
                md=2),
        dcc.Store(id=ISO3, data=list(f.iso3)),
    ], className="g-2")


def _item(row: dict) -> html.Li:
    arrow, word, cls = ARROWS.get(row["direction"], ARROWS["neutral"])
    who = [html.A(row["country"] or row["iso3"], href=f"/country/{row['iso3']}"), ": "] if row["iso3"] else []
    source = html.A(row["source_ids"], href=f"/sources#src-{(row['source_ids'] or '').split(',')[0].strip()}")
    return html.Li([
        html.Span(arrow, className=f"{cls} me-1", title=word, **{"aria-label": word}),
        html.Span(str(row["dated"]), className="text-muted me-2"),
        *who, html.Strong(row["subject_label"] or row["subject"]),
        f" ({row['period']})" if row["period"] else "", f": {row['old_label'] or '—'} → {row['new_label'] or '—'}",
        html.Span(f" · {q.KIND_LABELS.get(row['kind'], row['kind'])} · severity {row['severity']}",
                  className="small text-muted"),
        html.Div([row["detail"] or "", " · Source: ", source, f" ({row['source_versions'] or 'version not given'})"],
                 className="small text-muted"),
    ], className="mb-2", **{"data-change-id": row["change_id"]})


def view(f: q.Filters) -> tuple[str, Any]:
    frame, total = q.changes(f, PAGE_ROWS)
    last = q.last_update()
    when = last.strftime("%Y-%m-%d %H:%M UTC") if last else "never"
    scope = f"since {f.since.isoformat()}" if f.since else f"at the latest update ({when})"
    if total == 0:
        return (f"No changes {scope} match these filters.",
                html.P(f"Nothing changed {scope} for this selection. The warehouse was last updated {when}; "
                       "widen the filters or pick an earlier date.", className="text-muted", id=EMPTY))
    shown = (f"; showing the newest {frame.height:,} (narrow the filters or pick a later date to see the others; the "
             "Atom feed and `python -m etl digest` list them too)") if frame.height < total else ""
    summary = f"{total:,} changes {scope}{shown}. Last update: {when}."
    return summary, html.Ul([_item(r) for r in frame.to_dicts()], className="list-unstyled")


@callback(Output(SUMMARY, "children"), Output(LIST, "children"), Output(QUERY, "data"), Output(FEED, "href"),
          Input(SINCE, "value"), Input(REGION, "value"), Input(FACTOR, "value"), Input(KIND, "value"),
          Input(DIRECTION, "value"), Input(SEVERITY, "value"), Input(ISO3, "data"), prevent_initial_call=True)
def update(since: Any, region: Any, factor: Any, kind: Any, direction: Any, severity: Any, iso3: Any) -> tuple:
    raw = {"since": since or None, "region": region, "factor": factor, "kind": kind or None,
           "direction": direction or None, "min_severity": severity, "iso3": iso3 or None}
    values, _notes = params.parse({k: v for k, v in raw.items() if v not in (None, "", [])}, spec())
    f = to_filters(values)
    summary, items = view(f)
    return summary, items, encode(f), "/changes.atom" + encode(f)


url_sync(QUERY, QUERY + "-sync")
