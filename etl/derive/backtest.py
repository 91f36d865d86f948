"""Backtest of the alert rules against the EWP mass-killing master list's onsets: how often did a rule fire in the
year before a new mass killing began, how early, and how often did it fire with no onset following?

Why yearly: the master list dates an episode's onset by its start **year** only, so an alert can be placed before or
after an onset only at year resolution. Definitions (docs/methodology.md, "Backtest of the alert rules"):

- an onset in year *Y* is **preceded** when the rule raised an alert for that country in calendar year *Y−1*; the
  lead time is the months from the alert's month to 1 January *Y* (1–12; the earliest alert of that year counts);
- an onset **counts** for a rule only when the rule could be evaluated for that country in *Y−1* (the rule's
  coverage: GED months loaded for the whole year, an EWP edition ranking the country, the indicator's values for
  *Y−2* and *Y−1*, an R2P Monitor listing history that spans the year);
- an alert in year *A* has **no onset** when the country has no onset in *A* or *A+1*; such alerts in a country with
  an episode already under way (started before *A*, not ended before *A*) are counted apart: the rules describe
  violence, and an ongoing mass killing is violence, but it is not a new onset.

The rules are evaluated over the whole loaded history by ``etl.derive.alerts`` (the ``alerts`` table); this module
only reads the published warehouse.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from etl.derive.alerts import AlertRule, ged_coverage, load_rules

NOT_HISTORICAL = {"factor_elevated": "factor statuses are compared between updates only: no history to replay"}


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    alerts: int
    onsets: int  # onsets in the rule's coverage
    preceded: int
    median_lead_months: float | None
    same_year_only: int  # onsets with an alert in the onset year but none in the year before
    no_onset: int
    no_onset_ongoing: int
    note: str = ""


def onsets(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """iso3, year of each episode's onset (the master list's start year, by the country where it took place)."""
    return con.sql("SELECT DISTINCT iso3, CAST(start_year AS INTEGER) AS year FROM mass_killing_episodes "
                   "WHERE iso3 IS NOT NULL AND start_year IS NOT NULL ORDER BY iso3, year").pl()


def ongoing_years(con: duckdb.DuckDBPyConnection) -> set[tuple[str, int]]:
    """(iso3, year) with an episode that began in an earlier year and had not ended before that year."""
    rows = con.execute("SELECT iso3, start_year, coalesce(end_year, 9999) FROM mass_killing_episodes "
                       "WHERE iso3 IS NOT NULL AND start_year IS NOT NULL").fetchall()
    last = con.execute("SELECT max(year) FROM (SELECT year(period_start) AS year FROM alerts)").fetchone()[0] or 0
    return {(iso3, y) for iso3, start, end in rows for y in range(start + 1, min(end, last) + 1)}


def coverage(con: duckdb.DuckDBPyConnection, rule: AlertRule) -> set[tuple[str, int]] | None:
    """(iso3, year) in which the rule could have fired, or None when it cannot be replayed on history."""
    if rule.evaluator in NOT_HISTORICAL:
        return None
    if rule.evaluator.startswith("monthly"):
        years: set[tuple[str, int]] = set()
        for iso3, months in ged_coverage(con).items():
            per_year: dict[int, int] = {}
            for m in months:
                per_year[m.year] = per_year.get(m.year, 0) + 1
            years |= {(iso3, y) for y, n in per_year.items() if n == 12}
        return years
    if rule.evaluator == "ewp_enters_top":
        first = con.execute("SELECT min(edition) FROM ewp_forecasts").fetchone()[0]
        return {(i, int(e)) for i, e in con.execute(
            "SELECT DISTINCT iso3, edition FROM ewp_forecasts WHERE iso3 IS NOT NULL AND edition > ?",
            [first]).fetchall()}
    if rule.evaluator == "yearly_rise":
        return {(i, int(y)) for i, y in con.execute(
            "SELECT v.iso3, v.year FROM indicator_values v JOIN indicator_values p ON p.iso3 = v.iso3 "
            "AND p.indicator_id = v.indicator_id AND p.year = v.year - 1 WHERE v.indicator_id = ? "
            "AND v.value IS NOT NULL AND p.value IS NOT NULL", [rule.measure]).fetchall()}
    if rule.evaluator == "r2p_raised":
        lo, hi = con.execute("SELECT min(year(as_of)), max(year(as_of)) FROM r2p_risk_levels").fetchone()
        listed = [r[0] for r in con.execute("SELECT DISTINCT iso3 FROM r2p_risk_levels").fetchall()]
        return {(i, y) for i in listed for y in range(lo, hi + 1)} if lo is not None else set()
    return None


def _lead(alert_month: date, onset_year: int) -> int:
    return (onset_year - alert_month.year) * 12 - (alert_month.month - 1)


def _alerts_by_year(alerts: pl.DataFrame) -> dict[tuple[str, int], list[date]]:
    by_year: dict[tuple[str, int], list[date]] = {}
    for iso3, start in alerts.select("iso3", "period_start").iter_rows():
        by_year.setdefault((iso3, start.year), []).append(start)
    return by_year


def preceded(alerts: pl.DataFrame, onset: pl.DataFrame, covered: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """(iso3, onset year) → lead time in months, for each counted onset with an alert in the year before."""
    by_year = _alerts_by_year(alerts)
    return {(i, y): _lead(min(by_year[(i, y - 1)]), y) for i, y in onset.iter_rows()
            if (i, y - 1) in covered and (i, y - 1) in by_year}


def score_rule(rule: AlertRule, alerts: pl.DataFrame, onset: pl.DataFrame, covered: set[tuple[str, int]] | None,
               ongoing: set[tuple[str, int]]) -> RuleResult:
    """One rule's row of the backtest table (see the module docstring for each column)."""
    if covered is None:
        return RuleResult(rule.rule_id, alerts.height, 0, 0, None, 0, 0, 0, NOT_HISTORICAL.get(rule.evaluator, ""))
    by_year = _alerts_by_year(alerts)
    onset_set = {(i, y) for i, y in onset.iter_rows()}
    counted = [(i, y) for i, y in onset_set if (i, y - 1) in covered]
    leads = list(preceded(alerts, onset, covered).values())
    same_year = sum(1 for i, y in counted if (i, y - 1) not in by_year and (i, y) in by_year)
    lonely = [(i, a) for (i, a), starts in by_year.items() for _ in starts
              if (i, a) not in onset_set and (i, a + 1) not in onset_set]
    return RuleResult(rule.rule_id, alerts.height, len(counted), len(leads),
                      statistics.median(leads) if leads else None, same_year, len(lonely),
                      sum(1 for key in lonely if key in ongoing))


def backtest(con: duckdb.DuckDBPyConnection, rules: list[AlertRule] | None = None) -> list[RuleResult]:
    """Every rule scored on the alerts and onsets of one published warehouse."""
    rules = rules or load_rules()
    alerts = con.sql("SELECT rule_id, iso3, period_start FROM alerts WHERE iso3 IS NOT NULL").pl()
    onset, ongoing = onsets(con), ongoing_years(con)
    return [score_rule(r, alerts.filter(pl.col("rule_id") == r.rule_id), onset, coverage(con, r), ongoing)
            for r in rules]


def markdown(results: list[RuleResult]) -> str:
    """The table docs/methodology.md shows."""
    head = ("| rule | alerts | onsets the rule could see | preceded by an alert in the year before | median lead "
            "(months) | alert only in the onset year | alerts with no onset that year or the next | of which "
            "during an ongoing episode |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    lines = [head]
    for r in results:
        if r.note:
            lines.append(f"| `{r.rule_id}` | {r.alerts} | – | – | – | – | – | – ({r.note}) |")
            continue
        share = f" ({r.preceded / r.onsets:.0%})" if r.onsets else ""
        lead = f"{r.median_lead_months:g}" if r.median_lead_months is not None else "–"
        lines.append(f"| `{r.rule_id}` | {r.alerts} | {r.onsets} | {r.preceded}{share} | {lead} | "
                     f"{r.same_year_only} | {r.no_onset} | {r.no_onset_ongoing} |")
    return "\n".join(lines)


def run(db: str) -> int:
    """``python -m etl backtest``: print the table for a published warehouse."""
    con = duckdb.connect(db, read_only=True)
    try:
        print(markdown(backtest(con)))
    finally:
        con.close()
    return 0
