"""Derived tables, computed inside the new warehouse after every source is loaded (fresh or carried over).

``derive(con)`` runs on every update, before validation and publish: it rates every risk-factor proxy
(``risk_factor_proxies``), gives each country a status per UN Framework factor (``risk_factor_status``), and
marks stale analyst evidence (``evidence.stale``). It records itself in ``sources`` as ``risk_factor_rules`` so
a status can be traced to the rules file (and its sha256) that produced it. Any failure raises DeriveError: the
update then stops and the previous warehouse stays published.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from etl.derive.factors import proxy_table, status_table
from etl.derive.rules import RULES_FILE, RuleError, load_rules
from etl.derive.staleness import stale_reasons
from etl.download import sha256_of
from etl.schema import SOURCES

SOURCE_ID = "risk_factor_rules"


class DeriveError(Exception):
    """The derived tables could not be computed; the warehouse is not published."""


def derive(con: duckdb.DuckDBPyConnection, rules_path: Path = RULES_FILE) -> None:
    try:
        rules = load_rules(rules_path)
    except RuleError as err:
        raise DeriveError(f"risk-factor rules: {err}") from None
    try:
        values = con.sql("SELECT iso3, year, indicator_id, value, source_id, file_name, row_number "
                         "FROM indicator_values").pl()
        catalog = con.sql("SELECT indicator_id, higher_is_worse, risk_factors FROM indicators").pl()
        proxies = proxy_table(values, catalog, rules)
        factors = con.sql("SELECT factor, evidence_only FROM risk_factors ORDER BY factor").pl()
        countries = con.sql("SELECT iso3 FROM countries ORDER BY iso3").pl()
        evidence = con.sql("SELECT * FROM evidence").pl()
        commitments = con.sql("SELECT iso3, commitment, status FROM commitment_status").pl()
        status = status_table(proxies, countries, factors, evidence, commitments, rules)
        evidence = mark_stale_evidence(evidence, values, catalog)
        _replace(con, "risk_factor_proxies", proxies)
        _replace(con, "risk_factor_status", status)
        _replace(con, "evidence", evidence)
        n_stale = int(evidence["stale"].sum() or 0) if evidence.height else 0
    except (duckdb.Error, pl.exceptions.PolarsError, KeyError, TypeError, ValueError) as err:
        raise DeriveError(f"risk-factor derivation failed: {type(err).__name__}: {err}") from err
    note = (f"{proxies.height:,} proxy ratings, {status.height:,} factor statuses, {n_stale} stale evidence items"
            + ("" if factors.height else "; risk_factors is empty (un_framework not loaded): no statuses"))
    n_rules = len(rules.by_pattern) + (1 if rules.trend else 0)
    con.execute("DELETE FROM sources WHERE source_id = ?", [SOURCE_ID])
    sha = sha256_of(rules_path)
    row = pl.DataFrame([{
        "source_id": SOURCE_ID, "title": "Risk-factor rules (UN Framework board: proxy ratings, factor statuses, "
        "evidence staleness)", "publisher": "This project (etl/derive/)", "version": f"rules {sha[:12]}",
        "licence": "Project rules, stated in docs/methodology.md", "citation": "Rules in "
        "etl/reference/risk_factor_rules.csv, applied by etl/derive/ (docs/methodology.md).",
        "url": "docs/methodology.md", "file_name": rules_path.name, "file_sha256": sha,
        "retrieved_at": None, "rows_read": n_rules, "rows_loaded": n_rules, "rows_rejected": 0, "rows_duplicate": 0,
        "rows_excluded": 0, "status": "ok", "message": note, "redistributable": True,
    }], schema=SOURCES)
    _append(con, "sources", row)


def mark_stale_evidence(evidence: pl.DataFrame, values: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Fill ``stale`` / ``stale_reason`` of every evidence item from its factor's proxies in its country."""
    if evidence.height == 0:
        return evidence
    mapped = catalog.select("indicator_id", pl.col("risk_factors").alias("factor")).explode("factor")
    series = values.filter(pl.col("iso3").is_in(evidence["iso3"].unique().implode())).join(mapped, on="indicator_id")
    groups = {key: frame for key, frame in series.group_by(["iso3", "factor"])}
    empty = pl.DataFrame(schema={"indicator_id": pl.String, "year": pl.Int64, "value": pl.Float64})
    stale, why = [], []
    for item in evidence.iter_rows(named=True):
        reasons = stale_reasons(item["date"], groups.get((item["iso3"], item["factor"]), empty))
        stale.append(bool(reasons))
        why.append("; ".join(reasons) if reasons else None)
    return evidence.with_columns(pl.Series("stale", stale, pl.Boolean), pl.Series("stale_reason", why, pl.String))


def _replace(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    con.execute(f'DELETE FROM "{table}"')
    _append(con, table, frame)


def _append(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.height == 0:
        return
    arrow = frame.to_arrow()  # noqa: F841 — read by DuckDB's replacement scan below
    con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM arrow')
