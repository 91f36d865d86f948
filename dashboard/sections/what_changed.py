"""Country page, near the top: "What changed" — a worse / better / unchanged arrow per headline figure and risk
factor, from the newest change the log holds for each (the rule in a tooltip, the source beside it)."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard import data
from dashboard.queries import changes as q

STRIP = "co-what-changed"
HEADLINE = ("gcr2p", "ewp_rank", *data.DEATH_INDICATORS.values(), *data.PTS_INDICATORS,
            *data.DISPLACEMENT_INDICATORS, "idmc_conflict_idps_stock")
ARROWS = {"worse": ("▲", "worse", "text-danger"), "better": ("▼", "better", "text-success"),
          "unchanged": ("=", "unchanged", "text-secondary"), "neutral": ("●", "changed, no direction",
                                                                         "text-secondary")}
RULES = {
    "new_figure": "Newest year against the year before; the arrow follows the indicator catalog's "
                  "'higher is worse'. Differences within 0.1 % (and 1e-6) count as unchanged.",
    "revised_figure": "The publisher revised this figure since the previous update (beyond 0.1 % and 1e-6).",
    "risk_level": "R2P Monitor level against its previous listing (Serious Concern < Imminent Risk < Current "
                  "Crisis).",
    "ewp_rank": "EWP edition against the one before; a smaller rank (nearer 1) is worse.",
    "factor_status": "Risk-factor status against the previous update (low < watch < elevated).",
}


def _direction(row: dict) -> str:
    if row["direction"] == "neutral" and row["old_label"] == row["new_label"]:
        return "unchanged"
    return row["direction"]


def _chip(label: str, row: dict | None, fallback: str = "") -> html.Li:
    if row is None:
        arrow, word, cls = ARROWS["unchanged"]
        return html.Li([html.Span(arrow, className=f"{cls} me-1", **{"aria-hidden": "true"}),
                        f"{label}: {fallback or 'no change recorded'}"],
                       className="list-inline-item me-3 small", title="No change recorded in the log.")
    arrow, word, cls = ARROWS[_direction(row)]
    rule = RULES.get(row["kind"], "")
    text = f"{label}: {row['old_label'] or '—'} → {row['new_label'] or '—'}"
    period = f" ({row['period']})" if row["period"] else ""
    return html.Li([html.Span(arrow, className=f"{cls} me-1", **{"aria-hidden": "true"}),
                    f"{text}{period}", html.Span(f" {word}", className="visually-hidden")],
                   className="list-inline-item me-3 small", title=f"{word}. {rule} Source: {row['source_ids']} "
                   f"({row['source_versions'] or 'version not given'}).", tabIndex=0)


def section(iso3: str) -> Any:
    """The strip, or a one-line note when the warehouse has no change log."""
    if not q.available():
        return html.P("No change log in this warehouse yet.", className="small text-muted", id=STRIP)
    latest: dict[str, dict] = {}
    for r in q.country_latest(iso3).to_dicts():  # an edition move wins over the same-named yearly series
        if r["subject"] not in latest or r["kind"] not in ("new_figure", "revised_figure"):
            latest[r["subject"]] = r
    labels = {r["indicator_id"]: r["label"] for r in data.indicator_catalog().select("indicator_id", "label")
              .to_dicts()}
    chips = []
    for subject in HEADLINE:
        row = latest.get(subject)
        if row is None and subject not in ("gcr2p",):
            continue
        label = "R2P Monitor level" if subject == "gcr2p" else "EWP rank" if subject == "ewp_rank" else \
            labels.get(subject, subject)
        chips.append(_chip(label, row, "not listed" if subject == "gcr2p" else ""))
    statuses = q.factor_statuses(iso3)
    for factor in sorted(statuses):
        if statuses[factor] in ("no data", "evidence only"):
            continue
        chips.append(_chip(f"Factor {factor}", latest.get(str(factor)), statuses[factor]))
    when = q.last_update()
    return html.Div([
        html.Ul(chips, className="list-inline mb-1"),
        html.P(["Against the previous figure, edition or update; hover or focus an item for the rule. ",
                html.A("All changes for this country", href=f"/changes?iso3={iso3}&since=1900-01-01"),
                f" · last update {when:%Y-%m-%d}" if when else ""], className="small text-muted mb-0"),
    ], id=STRIP)
