"""Country-page sections for "why is this country at risk?": the UN Framework risk-factor board, the risk-level
timeline and Pillar I commitments. Layout only; the figures come from ``dashboard.risk`` (warehouse tables)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import dash_bootstrap_components as dbc
import polars as pl
from dash import html

from dashboard import figures, risk
from dashboard.components import graph, lazy_details, md_table
from dashboard.panels import Section, analyst_mode
from dashboard.viewmodels import country as vm

BOARD_ID = "co-board"
PILLAR_ID = "co-pillar1"
TIMELINE_ID = "co-risk-timeline"


def rule_details(rule: str) -> html.Details:
    """'rule' that opens to the documented rule behind a factor's status (keyboard: the summary is focusable)."""
    return html.Details([html.Summary("rule", className="d-inline"), " ", rule],
                        className="d-inline factor-rule small text-muted")


def status_badge(status: str, factor: int) -> html.Span:
    colour = risk.STATUS_COLOURS.get(status, "secondary")
    return html.Span(status, className=f"badge text-bg-{colour} me-2 factor-status",
                     **{"data-factor": str(factor), "data-status": status})


def _proxy_rows(px: pl.DataFrame) -> pl.DataFrame:
    """Every factor's proxy rows as shown: the proxy's label (else its id), its latest value and trend as text."""
    latest = [None if v is None else figures.fmt(v) for v in px["value"].to_list()]
    trend = [None if v is None else _trend(v) for v in px["trend_pct"].to_list()]
    return px.select(
        "factor", pl.col("label").fill_null(pl.col("indicator_id")).alias("proxy"),
        pl.Series("latest", latest, dtype=pl.String), "year", pl.col("world_percentile").round(0).alias("pct"),
        pl.Series("trend", trend, dtype=pl.String), "signal", "rule", pl.col("source_title").alias("source"))


def _proxy_table(shown: pl.DataFrame) -> Any:
    """One factor's rows of :func:`_proxy_rows` as a Markdown table."""
    return md_table(shown, {"proxy": "Proxy", "latest": "Latest", "year": "Year", "pct": "World percentile",
                            "trend": "vs 3-yr baseline", "signal": "Signal", "rule": "Rule", "source": "Source"})


def _trend(v: float | None) -> str:
    if v is None:
        return "–"
    return f"{'+' if v > 0 else ''}{v:.0f}%"


def _evidence_items(ev: pl.DataFrame) -> html.Ul:
    items = []
    for r in ev.iter_rows(named=True):
        stale = [html.Span(" stale", className="badge bg-warning text-dark ms-1",
                           title=r["stale_reason"] or "")] if r["stale"] else []
        items.append(html.Li([
            html.Span(f"{r['date']} · ", className="text-muted"), r["claim"], " — ",
            html.A("citation", href=r["citation_url"], target="_blank", rel="noopener noreferrer"),
            html.Span(f" ({r['author']})", className="text-muted"), *stale,
            html.Div(r["stale_reason"], className="small text-warning-emphasis") if r["stale"] and r["stale_reason"]
            else None,
        ], className="evidence-item", **{"data-stale": "true" if r["stale"] else "false"}))
    return html.Ul(items, className="small mb-1")


def risk_factor_board(code: str) -> Section:
    """The 14 factors, grouped as the Framework groups them: status, why, proxies, analyst evidence."""
    b = risk.board(code)
    px = risk.proxies(code)
    ev = risk.evidence(code)
    pillar = risk.commitments(code)
    fac = risk.factors()
    ev_only = {f for f, e in zip(fac["factor"].to_list(), fac["evidence_only"].to_list(), strict=True) if e}
    sources = _source_ids(px) if px.height else []
    counts = Counter(b["status"].to_list())  # plain Python: a group_by is a Polars collect
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda t: risk.STATUSES.index(t[0])
                                                      if t[0] in risk.STATUSES else 9))
    groups: list[Any] = [html.P([
        f"Status of the 14 risk factors of the UN Framework of Analysis for Atrocity Crimes (2014): {summary}. "
        "Statuses follow documented rules on the proxies listed under each factor (the rule is shown beside each "
        "proxy); factors without a public proxy are analyst-evidence slots and never get a score."],
        className="small")]
    px_by = figures.by_value(_proxy_rows(px), "factor") if px.height else {}
    ev_by = figures.by_value(ev, "factor") if ev.height else {}
    board_rows = b.rows(named=True)
    plain = vm.plain_factors(code)  # the same sentences as the page's summary
    for heading, numbers in risk.CRIME_GROUPS:
        rows = []
        for r in (r for r in board_rows if r["factor"] in numbers):
            f = r["factor"]
            fpx = px_by.get(f)
            fev = ev_by.get(f)
            said = plain.get(f)
            body: list[Any] = ([html.Div([said.sentence, " ", rule_details(said.rule)], className="small")]
                               if said else [html.Div(r["reason"] or "", className="small")])
            if fpx is not None and fpx.height:
                body.append(lazy_details(f"proxies-{f}", f"Proxies ({fpx.height})", _proxy_table(fpx)))
            if f == 6 and pillar.height:
                body.append(html.Div(f"Pillar I commitments (mitigating): {_pillar_summary(pillar)}",
                                     className="small"))
            if fev is not None and fev.height:
                n_stale = sum(1 for stale in fev["stale"].to_list() if stale)  # no fill_null: a Polars collect
                body.append(html.Div([html.Strong(f"Analyst evidence ({fev.height}"
                                                  f"{f', {n_stale} stale' if n_stale else ''})", className="small"),
                                      _evidence_items(fev)]))
            elif f in ev_only or r["status"] in ("no data", "evidence only"):
                how_to = ([" Add items to ", html.Code(f"data/curated/evidence/{code}.yaml"), "."]
                          if analyst_mode() else [])
                body.append(html.Div(["No analyst evidence recorded.", *how_to], className="small text-muted"))
            rows.append(html.Div([  # the badge and name on one line, the block below them
                status_badge(r["status"], f), html.Strong(f"{f}. {r['name']}"), html.Div(body, className="ms-4"),
            ], className="factor-row border-bottom py-1", id=f"co-factor-{f}"))
        groups.append(html.Div([html.H3(heading, className="h6 mt-2 mb-1"), *rows]))
    return Section.of(html.Div(groups, id=BOARD_ID), sources=sources)


def _source_ids(px: pl.DataFrame) -> list[str]:
    from dashboard import data

    # first-seen order: plain unique() gave a different source-list order from run to run
    return [(data.indicator_info(i) or {}).get("source_id", "") for i in dict.fromkeys(px["indicator_id"].to_list())]


def _pillar_summary(df: pl.DataFrame) -> str:
    parts = []
    for r in df.iter_rows(named=True):
        since = f" since {r['since']}" if r["since"] else ""
        withdrawn = f", withdrawal effective {r['withdrawn_on']}" if r["withdrawn_on"] else ""
        parts.append(f"{r['label']}: {r['status']}{since}{withdrawn}")
    return "; ".join(parts)


def pillar_one(code: str) -> Section:
    """Genocide Convention, Rome Statute, ICCPR-OP1, R2P focal point, ACT: status with dates and source links."""
    df = risk.commitments(code)
    gaps = risk.commitment_gaps(code)
    if df.height == 0 and not gaps:
        return Section.of(html.P("No Pillar I commitment tables in this warehouse.", className="text-muted",
                                 id=PILLAR_ID))
    rows = []
    for r in df.iter_rows(named=True):
        since = str(r["since"]) if r["since"] else "–"
        rows.append(html.Tr([
            html.Td(r["label"]), html.Td(r["status"], **{"data-commitment": r["commitment"]}), html.Td(since),
            html.Td(str(r["withdrawn_on"]) if r["withdrawn_on"] else ""),
            html.Td(html.A("source", href=r["source_url"], target="_blank", rel="noopener noreferrer")
                    if r["source_url"] else ""),
            html.Td(r["note"] or "", className="small text-muted"),
        ]))
    for label in gaps:
        rows.append(html.Tr([html.Td(label), html.Td("not recorded here", className="text-muted"),
                             html.Td(""), html.Td(""), html.Td(""),
                             html.Td("The table is partial: absence is not proof of non-participation.",
                                     className="small text-muted")]))
    head = html.Thead(html.Tr([html.Th(h) for h in ("Commitment", "Status", "Since", "Withdrawal effective",
                                                     "Source", "Coverage")]))
    return Section.of(html.Div([
        html.P("Pillar I (the State's own responsibility to protect): treaty status and commitments, counted as "
               "mitigating evidence under risk factor 6.", className="small"),
        dbc.Table([head, html.Tbody(rows)], bordered=False, size="sm", striped=True, responsive=True),
    ], id=PILLAR_ID), sources=["commitments"])


def risk_timeline(code: str, name: str) -> html.Div | None:
    """Step chart of risk-level listings (R2P Monitor and any watchlist) and the table of level changes."""
    from dashboard import data

    hist = data.risk_history(code)
    if hist.height == 0:
        return None
    # frames assembled from Series (with_columns / select / fill_null are a Polars collect each)
    last = hist["as_of"].max()
    fig = figures.risk_timeline(pl.DataFrame([_list_labels(hist["list_id"]), hist["as_of"], hist["risk_level"]]),
                                f"{name}: risk level over time",
                                "Each marker is a dated listing; steps show when the level changed",
                                "Global Centre for R2P, R2P Monitor" + (" and organisation watchlists"
                                                                        if hist["list_id"].n_unique() > 1 else ""),
                                f"to {last}")
    changes = risk.level_changes(code)
    previous = [p if p is not None else "(first listing)" for p in changes["previous"].to_list()]
    shown = pl.DataFrame([changes["as_of"].cast(pl.String), _list_labels(changes["list_id"]),
                          pl.Series("previous", previous, dtype=pl.String), changes["risk_level"],
                          changes["source_url"]])
    tbl = md_table(shown, {"as_of": "Date", "list": "List", "previous": "From", "risk_level": "To",
                           "source_url": "Source"})
    return html.Div([graph(TIMELINE_ID, fig, label="Risk-level timeline"),
                     lazy_details("level-changes", f"Level changes ({changes.height})", tbl)])


def _list_labels(list_ids: pl.Series) -> pl.Series:
    """``list`` column: each list id's label (plain Python: ``map_elements`` costs ~0.5 ms a call)."""
    return pl.Series("list", [None if i is None else risk.list_label(i) for i in list_ids.to_list()], dtype=pl.String)
