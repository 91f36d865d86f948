"""Alerts computed from the published data, by rules kept as data in ``etl/reference/alert_rules.csv``.

Each rule names an *evaluator* (how to read the data), a measure, a threshold, a floor, a severity, its source
and a plain-language sentence template. Alerts are recomputed from the whole warehouse on every update (so a
fresh warehouse has the history too); an alert already present in the previous warehouse keeps the date it was
first detected. Method and limits: docs/methodology.md, section "What changed and alerts".

Monthly GED series: a country's month counts as *covered* when a loaded release holds that month for that country
— a yearly release (GED yy.1) covers January 1989 to December 20(yy−1) for every country it holds (the loader's
own rule, etl/sources/ucdp_ged.py); a candidate release yy.0.m covers month m of 20yy everywhere. Months without
events inside the coverage count as zero; a rule is evaluated only where its whole window is covered.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

from etl.schema import ALERTS
from etl.sources.ucdp_ged import coverage_end, version_key, version_kind

RULES_FILE = Path(__file__).resolve().parents[1] / "reference" / "alert_rules.csv"
GED_START = date(1989, 1, 1)
BASELINE_MONTHS = 12


@dataclass(frozen=True)
class AlertRule:
    rule_id: str
    evaluator: str
    measure: str
    threshold: float | None
    floor: float | None
    window_months: int | None
    severity: str
    source: str
    sentence: str
    method_url: str


class AlertRuleError(ValueError):
    """The rules file is malformed: names the row and field."""


def load_rules(path: Path = RULES_FILE) -> list[AlertRule]:
    rules = []
    with open(path, newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            try:
                num = {k: float(row[k]) if row[k] else None for k in ("threshold", "floor")}
                window = int(row["window_months"]) if row["window_months"] else None
            except ValueError as err:
                raise AlertRuleError(f"{path.name} row {n}: {err}") from None
            if row["severity"] not in ("high", "medium", "low"):
                raise AlertRuleError(f"{path.name} row {n}, severity: '{row['severity']}' is not high|medium|low")
            if row["evaluator"] not in EVALUATORS:
                raise AlertRuleError(f"{path.name} row {n}, evaluator: unknown '{row['evaluator']}'")
            rules.append(AlertRule(row["rule_id"], row["evaluator"], row["measure"], num["threshold"], num["floor"],
                                   window, row["severity"], row["source"], row["sentence"], row["method_url"]))
    return rules


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def ged_coverage(con: duckdb.DuckDBPyConnection) -> dict[str, set[date]]:
    """Covered months per country (see the module docstring)."""
    rows = con.execute("SELECT iso3, list(DISTINCT source_version) FROM events WHERE iso3 IS NOT NULL "
                       "GROUP BY iso3").fetchall()
    candidates = {v for _, vs in rows for v in vs if version_kind(v) == "candidate"}
    cand_months = {date(2000 + version_key(v)[0], version_key(v)[2], 1) for v in candidates}
    out: dict[str, set[date]] = {}
    for iso3, versions in rows:
        ends = [coverage_end(v) for v in versions if version_kind(v) == "yearly"]
        months = set(cand_months)
        if ends:
            end = max(e for e in ends if e)
            months |= {_add_months(GED_START, i) for i in range(_months_between(GED_START, end) + 1)}
        out[iso3] = months
    return out


def ged_monthly(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per country and covered month: events, deaths (best) and one-sided events, zeros filled; with versions."""
    counts = con.sql("""
        SELECT iso3, CAST(date_trunc('month', event_date) AS DATE) AS month, count(*) AS events,
               sum(coalesce(deaths_best, 0)) AS deaths, count(*) FILTER (violence_type = 'one-sided') AS osv_events,
               string_agg(DISTINCT source_version, ', ' ORDER BY source_version) AS versions
        FROM events WHERE iso3 IS NOT NULL AND event_date IS NOT NULL GROUP BY ALL""").pl()
    grid = [(iso3, m) for iso3, months in ged_coverage(con).items() for m in months]
    if not grid:
        return counts.clear().with_columns(pl.lit(True).alias("covered"))
    frame = pl.DataFrame(grid, schema={"iso3": pl.String, "month": pl.Date}, orient="row")
    span = frame.group_by("iso3").agg(pl.col("month").min().alias("lo"), pl.col("month").max().alias("hi"))
    full = (span.with_columns(pl.date_ranges("lo", "hi", interval="1mo").alias("month")).explode("month")
            .select("iso3", "month"))
    full = (full.join(frame.with_columns(pl.lit(True).alias("covered")), on=["iso3", "month"], how="left")
            .join(counts, on=["iso3", "month"], how="left")
            .with_columns(pl.col("covered").fill_null(False))
            .with_columns([pl.when(pl.col("covered")).then(pl.col(c).fill_null(0)).alias(c)
                           for c in ("events", "deaths", "osv_events")]))
    return full.sort("iso3", "month")


def monthly_surge(rule: AlertRule, monthly: pl.DataFrame, names: dict[str, str]) -> list[dict]:
    """Recent window sum ≥ threshold × (window × median month of the 12 before) and ≥ floor; first month only."""
    col, w = rule.measure, rule.window_months or 3
    n = w + BASELINE_MONTHS
    f = monthly.with_columns(
        pl.col(col).cast(pl.Float64).rolling_sum(w).over("iso3").alias("recent"),
        (pl.col(col).cast(pl.Float64).rolling_median(BASELINE_MONTHS).shift(w).over("iso3") * w).alias("base"),
        pl.col("covered").cast(pl.Int32).rolling_sum(n).over("iso3").alias("ok"),
    ).with_columns(((pl.col("ok") == n) & (pl.col("recent") >= rule.floor)
                    & (pl.col("recent") >= rule.threshold * pl.col("base"))).fill_null(False).alias("fire"))
    f = f.with_columns(pl.col("fire").shift(1).over("iso3").fill_null(False).alias("was"))
    out = []
    for r in f.filter(pl.col("fire") & ~pl.col("was")).iter_rows(named=True):
        out.append(_alert(rule, r["iso3"], r["month"].strftime("%Y-%m"), r["month"], names, r["recent"], r["base"],
                          {"months": w, "versions": r["versions"]}, r["versions"]))
    return out


def monthly_first(rule: AlertRule, monthly: pl.DataFrame, names: dict[str, str]) -> list[dict]:
    """One-sided violence in a month after ``window_months`` covered months with none."""
    w = rule.window_months or 12
    f = monthly.with_columns(
        pl.col("osv_events").cast(pl.Float64).rolling_sum(w).shift(1).over("iso3").alias("before"),
        pl.col("covered").cast(pl.Int32).rolling_sum(w + 1).over("iso3").alias("ok"),
    ).filter((pl.col("ok") == w + 1) & (pl.col("before") == 0) & (pl.col("osv_events") >= rule.floor))
    return [_alert(rule, r["iso3"], r["month"].strftime("%Y-%m"), r["month"], names, r["osv_events"], 0.0,
                   {"months_without": w, "versions": r["versions"]}, r["versions"]) for r in f.iter_rows(named=True)]


def ewp_enters_top(rule: AlertRule, con: duckdb.DuckDBPyConnection, names: dict[str, str]) -> list[dict]:
    rows = con.execute("""
        WITH f AS (SELECT edition, iso3, coalesce(rank, rank_computed) AS rank, onset_risk_2yr,
                          lag(coalesce(rank, rank_computed)) OVER (PARTITION BY iso3 ORDER BY edition) AS prev_rank
                   FROM ewp_forecasts WHERE iso3 IS NOT NULL)
        SELECT edition, iso3, rank, prev_rank, onset_risk_2yr FROM f
        WHERE rank <= ? AND (prev_rank IS NULL OR prev_rank > ?) ORDER BY edition, iso3""",
                       [rule.threshold, rule.threshold]).fetchall()
    first = con.execute("SELECT min(edition) FROM ewp_forecasts").fetchone()[0]
    return [_alert(rule, iso3, str(ed), date(ed, 1, 1), names, float(rank), float(prev) if prev else None,
                   {"onset_risk_2yr": p, "previous_rank": prev}, f"edition {ed}",
                   baseline_text=str(prev) if prev else "not ranked")
            for ed, iso3, rank, prev, p in rows if ed != first]


def yearly_rise(rule: AlertRule, con: duckdb.DuckDBPyConnection, names: dict[str, str]) -> list[dict]:
    """A yearly figure up by ``threshold`` (share) and ``floor`` (people) on the year before; the alert names the
    source version the figure came from (the release, not only its file)."""
    rows = con.execute("""
        SELECT v.iso3, v.year, v.value, p.value, v.file_name, coalesce(s.version, v.file_name)
        FROM indicator_values v JOIN indicator_values p
          ON p.iso3 = v.iso3 AND p.indicator_id = v.indicator_id AND p.year = v.year - 1
        LEFT JOIN (SELECT DISTINCT source_id, file_name, version FROM sources) s
          ON s.source_id = v.source_id AND s.file_name = v.file_name
        WHERE v.indicator_id = ? AND v.value - p.value >= ? AND v.value >= p.value * (1 + ?)
        ORDER BY v.iso3, v.year""", [rule.measure, rule.floor, rule.threshold]).fetchall()
    return [_alert(rule, iso3, str(y), date(y, 12, 31), names, v, p, {"indicator": rule.measure, "file": fn},
                   version, share=(v - p) / p if p else None) for iso3, y, v, p, fn, version in rows]


def r2p_raised(rule: AlertRule, con: duckdb.DuckDBPyConnection, names: dict[str, str]) -> list[dict]:
    rows = con.execute("SELECT iso3, as_of, old_label, new_label, old_value, new_value, source_versions FROM changes "
                       "WHERE kind = 'risk_level' AND subject = 'gcr2p' AND old_value IS NOT NULL "
                       "AND new_value > old_value ORDER BY as_of, iso3").fetchall()
    return [_alert(rule, iso3, d.isoformat(), d, names, nv, ov, {"from": old, "to": new}, ver,
                   baseline_text=old, value_text=new) for iso3, d, old, new, ov, nv, ver in rows]


def factor_elevated(rule: AlertRule, con: duckdb.DuckDBPyConnection, names: dict[str, str]) -> list[dict]:
    rows = con.execute("SELECT iso3, period, subject_label, old_label, detail, source_versions, "
                       "CAST(detected_at AS DATE) FROM changes WHERE kind = 'factor_status' AND new_label = 'elevated' "
                       "ORDER BY detected_at, iso3, subject").fetchall()
    return [_alert(rule, iso3, str(d), d, names, 3.0, None, {"from": old, "reason": why}, ver, subject=label,
                   evidence_text=f"was {old}; {why}") for iso3, _p, label, old, why, ver, d in rows]


EVALUATORS = {"monthly_surge", "monthly_first", "ewp_enters_top", "yearly_rise", "r2p_raised", "factor_elevated"}


def _alert(rule: AlertRule, iso3: str, period: str, start: date, names: dict[str, str], value: float | None,
           base: float | None, evidence: dict, versions: str | None, **extra) -> dict:
    fields = {"country": names.get(iso3, iso3), "value": value or 0.0, "baseline": base or 0.0, "period": period,
              "threshold": rule.threshold or 0.0, "floor": rule.floor or 0.0, "share": extra.get("share") or 0.0,
              "baseline_text": extra.get("baseline_text", ""), "value_text": extra.get("value_text", ""),
              "subject": extra.get("subject", ""), "evidence": extra.get("evidence_text", "")}
    key = f"{rule.rule_id}|{iso3}|{period}"
    return {"alert_id": hashlib.sha1(key.encode()).hexdigest()[:20], "rule_id": rule.rule_id, "iso3": iso3,
            "period": period, "period_start": start, "severity": rule.severity,
            "sentence": rule.sentence.format(**fields), "value": value, "baseline": base,
            "threshold": rule.threshold, "evidence": json.dumps(evidence, default=str, sort_keys=True),
            "source_ids": rule.source, "source_versions": versions, "method_url": rule.method_url}


def compute(con: duckdb.DuckDBPyConnection, rules: list[AlertRule]) -> pl.DataFrame:
    names = dict(con.execute("SELECT iso3, name FROM countries").fetchall())
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_catalog = current_database()").fetchall()}
    monthly = ged_monthly(con) if any(r.evaluator.startswith("monthly") for r in rules) else None
    rows: list[dict] = []
    for rule in rules:
        if rule.evaluator == "monthly_surge":
            rows += monthly_surge(rule, monthly, names)
        elif rule.evaluator == "monthly_first":
            rows += monthly_first(rule, monthly, names)
        elif rule.evaluator == "ewp_enters_top" and "ewp_forecasts" in tables:
            rows += ewp_enters_top(rule, con, names)
        elif rule.evaluator == "yearly_rise":
            rows += yearly_rise(rule, con, names)
        elif rule.evaluator == "r2p_raised":
            rows += r2p_raised(rule, con, names)
        elif rule.evaluator == "factor_elevated":
            rows += factor_elevated(rule, con, names)
    schema = {k: v for k, v in ALERTS.items() if k != "detected_at"}
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


def record_alerts(con: duckdb.DuckDBPyConnection, prev_tables: set[str], now: datetime | None = None,
                  rules_path: Path = RULES_FILE) -> int:
    """Fill ``alerts``; an alert the previous warehouse had keeps its first detection time."""
    now = (now or datetime.now(UTC)).replace(tzinfo=None, microsecond=0)
    found = compute(con, load_rules(rules_path)).with_columns(pl.lit(now).alias("detected_at")).unique("alert_id")
    arrow = found.to_arrow()  # noqa: F841 — read by DuckDB's replacement scan below
    con.execute("DELETE FROM alerts")
    prev = ("LEFT JOIN (SELECT alert_id, detected_at AS first_at FROM prev.alerts) p USING (alert_id)"
            if "alerts" in prev_tables else "LEFT JOIN (SELECT NULL AS alert_id, NULL AS first_at) p USING (alert_id)")
    cols = ", ".join(f'"{c}"' for c in ALERTS if c != "detected_at")
    con.execute(f"INSERT INTO alerts SELECT {cols}, coalesce(CAST(p.first_at AS TIMESTAMP), a.detected_at) "
                f"FROM arrow a {prev} ORDER BY period_start, rule_id, iso3")
    return con.execute("SELECT count(*) FROM alerts").fetchone()[0]
