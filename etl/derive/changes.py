"""What changed: every difference between the warehouse being built and the one it replaces, plus the history
that already sits inside one build (so a fresh warehouse has one too). Rows go into ``changes``.

Two bases (column ``basis``):

* ``update`` — compared with the previous warehouse (attached read-only as ``prev`` during the build): new and
  revised figures in ``indicator_values`` and in the GED country-year totals, risk-factor status changes (both ways),
  sources added, updated, failed or gone stale.
* ``history`` — read from the new warehouse alone: the newest year of every oriented yearly series against the year
  before, successive EWP editions (rank / probability moves), the R2P risk-level history.

A figure counts as *revised* only when both thresholds are exceeded: ``|new − old| > ABS_TOL`` **and**
``|new − old| > REL_TOL × |old|`` — float noise and rounding in a re-export are never a change. ``change_id`` is a
hash of the change's content, so the same change found again keeps the date it was first detected; the previous
warehouse's rows are carried over, so the log accumulates across updates.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import duckdb
import polars as pl

from etl.schema import CHANGES

ABS_TOL = 1e-6  # absolute: below this a difference is float noise
REL_TOL = 0.001  # relative: 0.1 % of the previous value
EWP_PROB_TOL = 0.005  # an EWP probability move under 0.5 percentage point alone is not recorded
R2P_ORDER = {"Serious Concern": 1, "Imminent Risk": 2, "Current Crisis": 3}
STATUS_ORDER = {"low": 1, "watch": 2, "elevated": 3}
ID_FIELDS = ("kind", "iso3", "subject", "period", "old_label", "new_label", "basis", "source_versions")


def _revised(old: str, new: str) -> str:
    """SQL: the documented 'revised' test (both thresholds)."""
    return (f"(abs({new} - {old}) > {ABS_TOL} AND abs({new} - {old}) > {REL_TOL} * abs({old}))")


def _direction_sql(old: str, new: str, hiw: str) -> str:
    return (f"CASE WHEN {old} IS NULL OR {new} IS NULL OR {hiw} IS NULL OR NOT {_revised(old, new)} "
            f"THEN 'neutral' WHEN ({new} > {old}) = {hiw} THEN 'worse' ELSE 'better' END")


def _has(con: duckdb.DuckDBPyConnection, tables: set[str], *names: str) -> bool:
    return all(n in tables for n in names)


def _fmt(v: str) -> str:
    """SQL: a number as a short label (integers without decimals)."""
    return (f"CASE WHEN {v} IS NULL THEN NULL WHEN {v} = round({v}) AND abs({v}) < 1e15 "
            f"THEN format('{{:,}}', CAST({v} AS BIGINT)) ELSE CAST(round({v}, 4) AS VARCHAR) END")


def indicator_history(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Newest year of each oriented yearly series against the year before it (kind ``new_figure``)."""
    return con.sql(f"""
        WITH v AS (
          SELECT v.iso3, v.year, v.indicator_id, v.value, v.source_id, v.file_name, i.label, i.higher_is_worse,
                 lag(v.value) OVER w AS prev_value, lag(v.year) OVER w AS prev_year,
                 row_number() OVER (PARTITION BY v.iso3, v.indicator_id ORDER BY v.year DESC) AS rn
          FROM indicator_values v JOIN indicators i USING (indicator_id)
          WHERE i.higher_is_worse IS NOT NULL AND v.value IS NOT NULL AND NOT isnan(v.value)
          WINDOW w AS (PARTITION BY v.iso3, v.indicator_id ORDER BY v.year))
        SELECT 'new_figure' AS kind, v.iso3, indicator_id AS subject, label AS subject_label,
               CAST(year AS VARCHAR) AS period, make_date(CAST(year AS INT), 12, 31) AS as_of,
               prev_value AS old_value, value AS new_value, {_fmt('prev_value')} AS old_label,
               {_fmt('value')} AS new_label, {_direction_sql('prev_value', 'value', 'higher_is_worse')} AS direction,
               'history' AS basis, v.source_id AS source_ids, s.version AS source_versions,
               CASE WHEN prev_year IS NULL THEN 'first year of the series'
                    ELSE 'newest year against ' || prev_year END AS detail
        FROM v LEFT JOIN (SELECT DISTINCT source_id, file_name, version FROM sources) s
          ON s.source_id = v.source_id AND s.file_name = v.file_name
        WHERE rn = 1""").pl()


def indicator_updates(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Figures the previous warehouse did not have (``new_figure``) or had with another value (``revised_figure``)."""
    return con.sql(f"""
        WITH n AS (SELECT v.*, i.label, i.higher_is_worse FROM indicator_values v JOIN indicators i
                   USING (indicator_id) WHERE v.value IS NOT NULL AND NOT isnan(v.value)),
        p AS (SELECT iso3, year, indicator_id, value, file_name FROM prev.indicator_values),
        j AS (
          SELECT n.*, p.value AS prev_value, p.file_name AS prev_file, p.iso3 IS NULL AS is_new,
                 y.value AS year_before
          FROM n LEFT JOIN p USING (iso3, year, indicator_id)
          LEFT JOIN indicator_values y ON y.iso3 = n.iso3 AND y.indicator_id = n.indicator_id AND y.year = n.year - 1
          WHERE p.iso3 IS NULL OR p.value IS NULL OR isnan(p.value) OR {_revised('p.value', 'n.value')})
        SELECT CASE WHEN is_new THEN 'new_figure' ELSE 'revised_figure' END AS kind, j.iso3,
               indicator_id AS subject, label AS subject_label, CAST(year AS VARCHAR) AS period,
               make_date(CAST(year AS INT), 12, 31) AS as_of,
               CASE WHEN is_new THEN year_before ELSE prev_value END AS old_value, value AS new_value,
               {_fmt('CASE WHEN is_new THEN year_before ELSE prev_value END')} AS old_label,
               {_fmt('value')} AS new_label,
               {_direction_sql('CASE WHEN is_new THEN year_before ELSE prev_value END', 'value', 'higher_is_worse')}
                 AS direction,
               'update' AS basis, j.source_id AS source_ids, s.version AS source_versions,
               CASE WHEN is_new THEN 'new year; compared with ' || (year - 1)
                    ELSE 'revised by the publisher (was in ' || coalesce(prev_file, '?') || ')' END AS detail
        FROM j LEFT JOIN (SELECT DISTINCT source_id, file_name, version FROM sources) s
          ON s.source_id = j.source_id AND s.file_name = j.file_name""").pl()


def ged_updates(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """GED country-year totals per violence type that are new or that a newer release revised."""
    return con.sql(f"""
        WITH n AS (SELECT * FROM event_country_year), p AS (SELECT * FROM prev.event_country_year)
        SELECT CASE WHEN p.iso3 IS NULL THEN 'new_figure' ELSE 'revised_figure' END AS kind, n.iso3,
               'ged_deaths_' || replace(n.violence_type, '-', '_') AS subject,
               'GED deaths (best), ' || n.violence_type AS subject_label, CAST(n.year AS VARCHAR) AS period,
               make_date(CAST(n.year AS INT), 12, 31) AS as_of,
               CAST(p.deaths_best AS DOUBLE) AS old_value, CAST(n.deaths_best AS DOUBLE) AS new_value,
               {_fmt('CAST(p.deaths_best AS DOUBLE)')} AS old_label,
               {_fmt('CAST(n.deaths_best AS DOUBLE)')} AS new_label,
               {_direction_sql('CAST(p.deaths_best AS DOUBLE)', 'CAST(n.deaths_best AS DOUBLE)', 'true')} AS direction,
               'update' AS basis, 'ucdp_ged' AS source_ids, n.versions AS source_versions,
               CASE WHEN p.iso3 IS NULL THEN format('{{}} events (new)', n.events)
                    ELSE format('{{}} → {{}} events; releases {{}} → {{}}', p.events, n.events, p.versions, n.versions)
               END AS detail
        FROM n LEFT JOIN p USING (iso3, year, violence_type)
        WHERE p.iso3 IS NULL OR n.events <> p.events
           OR coalesce({_revised('CAST(p.deaths_best AS DOUBLE)', 'CAST(n.deaths_best AS DOUBLE)')}, false)""").pl()


def ewp_history(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Successive EWP editions: a rank move or a probability move of at least EWP_PROB_TOL."""
    return con.sql(f"""
        WITH f AS (
          SELECT edition, iso3, coalesce(rank, rank_computed) AS rank, onset_risk_2yr AS p, file_name, source_id,
                 lag(coalesce(rank, rank_computed)) OVER w AS prev_rank, lag(onset_risk_2yr) OVER w AS prev_p,
                 lag(edition) OVER w AS prev_edition
          FROM ewp_forecasts WHERE iso3 IS NOT NULL WINDOW w AS (PARTITION BY iso3 ORDER BY edition))
        SELECT 'ewp_rank' AS kind, f.iso3, 'ewp_rank' AS subject, 'EWP statistical risk rank (1 = highest risk)'
                 AS subject_label, CAST(edition AS VARCHAR) AS period, make_date(CAST(edition AS INT), 1, 1) AS as_of,
               CAST(prev_rank AS DOUBLE) AS old_value, CAST(rank AS DOUBLE) AS new_value,
               CAST(prev_rank AS VARCHAR) AS old_label, CAST(rank AS VARCHAR) AS new_label,
               CASE WHEN rank < prev_rank THEN 'worse' WHEN rank > prev_rank THEN 'better' ELSE 'neutral' END
                 AS direction, 'history' AS basis, f.source_id AS source_ids, s.version AS source_versions,
               format('edition {{}} against {{}}; 2-year onset probability {{}} → {{}}', edition, prev_edition,
                      coalesce(format('{{:.1f}} %', prev_p * 100), '—'), coalesce(format('{{:.1f}} %', p * 100), '—'))
                 AS detail
        FROM f LEFT JOIN (SELECT DISTINCT source_id, file_name, version FROM sources) s
          ON s.source_id = f.source_id AND s.file_name = f.file_name
        WHERE prev_edition IS NOT NULL AND (rank IS DISTINCT FROM prev_rank OR abs(p - prev_p) >= {EWP_PROB_TOL})
        """).pl()


def r2p_history(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every change of an R2P (or watchlist) risk level, first listings included, from the dated levels."""
    order = " ".join(f"WHEN '{k}' THEN {v}" for k, v in R2P_ORDER.items())
    return con.sql(f"""
        WITH l AS (
          SELECT list_id, iso3, as_of, arg_max(risk_level, CASE risk_level {order} ELSE 0 END) AS level,
                 max(CASE risk_level {order} ELSE 0 END) AS rnk, any_value(source_id) AS source_id,
                 any_value(source_url) AS source_url
          FROM r2p_risk_levels WHERE iso3 IS NOT NULL GROUP BY ALL),
        h AS (SELECT *, lag(level) OVER w AS prev_level, lag(rnk) OVER w AS prev_rnk, lag(as_of) OVER w AS prev_as_of
              FROM l WINDOW w AS (PARTITION BY list_id, iso3 ORDER BY as_of))
        SELECT 'risk_level' AS kind, iso3, list_id AS subject,
               CASE WHEN list_id = 'gcr2p' THEN 'R2P Monitor risk level' ELSE 'Watchlist ' || list_id || ' level' END
                 AS subject_label, strftime(as_of, '%Y-%m-%d') AS period, as_of,
               CAST(prev_rnk AS DOUBLE) AS old_value, CAST(rnk AS DOUBLE) AS new_value,
               prev_level AS old_label, level AS new_label,
               CASE WHEN prev_rnk IS NULL OR rnk > prev_rnk THEN 'worse' WHEN rnk < prev_rnk THEN 'better'
                    ELSE 'neutral' END AS direction, 'history' AS basis, source_id AS source_ids,
               'as of ' || strftime(as_of, '%Y-%m-%d') AS source_versions,
               CASE WHEN prev_level IS NULL THEN 'first listed' ELSE 'previous level as of ' ||
                    strftime(prev_as_of, '%Y-%m-%d') END || coalesce('; ' || source_url, '') AS detail
        FROM h WHERE prev_level IS NULL OR level <> prev_level""").pl()


def factor_updates(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Risk-factor status changes against the previous warehouse, both ways."""
    order = " ".join(f"WHEN '{k}' THEN {v}" for k, v in STATUS_ORDER.items())
    return con.sql(f"""
        SELECT 'factor_status' AS kind, n.iso3, CAST(n.factor AS VARCHAR) AS subject,
               'Risk factor ' || n.factor || coalesce(': ' || rf.name, '') AS subject_label,
               CAST(n.latest_year AS VARCHAR) AS period, CAST(NULL AS DATE) AS as_of,
               CAST(CASE p.status {order} END AS DOUBLE) AS old_value,
               CAST(CASE n.status {order} END AS DOUBLE) AS new_value, p.status AS old_label, n.status AS new_label,
               CASE WHEN (CASE n.status {order} END) > (CASE p.status {order} END) THEN 'worse'
                    WHEN (CASE n.status {order} END) < (CASE p.status {order} END) THEN 'better' ELSE 'neutral' END
                 AS direction, 'update' AS basis,
               coalesce(i.source_id || ', ', '') || 'risk_factor_rules' AS source_ids,
               (SELECT string_agg(DISTINCT version, ', ') FROM sources WHERE source_id = 'risk_factor_rules')
                 AS source_versions, n.reason AS detail
        FROM risk_factor_status n JOIN prev.risk_factor_status p USING (iso3, factor)
        LEFT JOIN risk_factors rf ON rf.factor = n.factor
        LEFT JOIN indicators i ON i.indicator_id = n.driver_indicator
        WHERE n.status <> p.status""").pl()


def source_updates(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Sources added, updated (another version), failed or gone stale since the previous warehouse."""
    agg = ("SELECT source_id, any_value(title) AS title, string_agg(DISTINCT version, ', ' ORDER BY version) "
           "FILTER (WHERE file_name IS NOT NULL) AS versions, bool_or(status = 'failed') AS failed, "
           "bool_or(status = 'stale') AS stale, bool_or(status = 'ok' AND file_name IS NOT NULL) AS ok, "
           "any_value(message) FILTER (WHERE status IN ('failed', 'no input')) AS message FROM {} GROUP BY ALL")
    return con.sql(f"""
        WITH n AS ({agg.format('sources')}), p AS ({agg.format('prev.sources')}),
        j AS (SELECT n.*, p.versions AS prev_versions, p.ok AS prev_ok, p.failed AS prev_failed,
                     p.stale AS prev_stale, p.source_id IS NULL AS prev_absent
              FROM n LEFT JOIN p USING (source_id)),
        k AS (SELECT *, CASE WHEN failed AND NOT coalesce(prev_failed, false) THEN 'source_failed'
                             WHEN stale AND NOT coalesce(prev_stale, false) THEN 'source_stale'
                             WHEN ok AND (prev_absent OR NOT coalesce(prev_ok, false)) THEN 'source_added'
                             WHEN ok AND versions IS DISTINCT FROM prev_versions THEN 'source_updated' END AS kind
              FROM j)
        SELECT kind, CAST(NULL AS VARCHAR) AS iso3, source_id AS subject, title AS subject_label,
               CAST(NULL AS VARCHAR) AS period, CAST(NULL AS DATE) AS as_of, CAST(NULL AS DOUBLE) AS old_value,
               CAST(NULL AS DOUBLE) AS new_value, prev_versions AS old_label, versions AS new_label,
               CASE WHEN kind IN ('source_failed', 'source_stale') THEN 'worse' ELSE 'neutral' END AS direction,
               'update' AS basis, source_id AS source_ids, versions AS source_versions, message AS detail
        FROM k WHERE kind IS NOT NULL""").pl()


def _severity(frame: pl.DataFrame) -> pl.Expr:
    worse = pl.col("direction") == "worse"
    return (pl.when(worse & pl.col("kind").is_in(["risk_level"])).then(pl.lit("high"))
            .when(worse & (pl.col("kind") == "factor_status") & (pl.col("new_label") == "elevated"))
            .then(pl.lit("high"))
            .when(worse & (pl.col("kind") == "ewp_rank") & (pl.col("new_value") <= 10)).then(pl.lit("high"))
            .when(worse & (pl.col("kind") == "ewp_rank") & (pl.col("new_value") <= 30)).then(pl.lit("medium"))
            .when(worse & pl.col("kind").is_in(["factor_status", "source_failed", "source_stale"]))
            .then(pl.lit("medium"))
            .when(worse & pl.col("kind").is_in(["revised_figure", "new_figure"])).then(pl.lit("low"))
            .otherwise(pl.lit("info")))


def change_id(row: dict) -> str:
    text = "|".join("" if row.get(f) is None else str(row[f]) for f in ID_FIELDS)
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def detect(con: duckdb.DuckDBPyConnection, prev_tables: set[str], now: datetime | None = None) -> pl.DataFrame:
    """All changes of this build (history + update), with ids, severity and the detection time."""
    now = (now or datetime.now(UTC)).replace(tzinfo=None, microsecond=0)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_catalog = current_database()").fetchall()}
    parts = [indicator_history(con)]
    if _has(con, tables, "ewp_forecasts"):
        parts.append(ewp_history(con))
    parts.append(r2p_history(con))
    if "indicator_values" in prev_tables:
        parts.append(indicator_updates(con))
    if _has(con, prev_tables, "event_country_year") and "event_country_year" in tables:
        parts.append(ged_updates(con))
    if "risk_factor_status" in prev_tables:
        parts.append(factor_updates(con))
    if "sources" in prev_tables:
        parts.append(source_updates(con))
    frame = pl.concat([p for p in parts if p.height], how="diagonal_relaxed") if any(p.height for p in parts) \
        else pl.DataFrame(schema={k: v for k, v in CHANGES.items() if k not in ("change_id", "detected_at",
                                                                                 "severity")})
    ids = [change_id(r) for r in frame.select(list(ID_FIELDS)).iter_rows(named=True)]
    frame = frame.with_columns(pl.Series("change_id", ids, pl.String), pl.lit(now).alias("detected_at"),
                               _severity(frame).alias("severity"))
    return frame.unique("change_id", keep="first").select(
        [(pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t)).alias(c) for c, t in CHANGES.items()])


def record_changes(con: duckdb.DuckDBPyConnection, prev_tables: set[str], now: datetime | None = None) -> int:
    """Fill ``changes``: this build's changes, keeping the first detection date of those already recorded, plus
    every earlier row of the previous warehouse (the log accumulates)."""
    found = detect(con, prev_tables, now)
    arrow = found.to_arrow()  # noqa: F841 — read by DuckDB's replacement scan below
    con.execute("DELETE FROM changes")
    if "changes" in prev_tables:
        cols = ", ".join(f'"{c}"' for c in CHANGES)
        con.execute(f"""INSERT INTO changes SELECT {cols} FROM (
            SELECT a.* REPLACE (coalesce(p.detected_at, a.detected_at) AS detected_at) FROM arrow a
            LEFT JOIN (SELECT change_id, detected_at FROM prev.changes) p USING (change_id)
            UNION ALL BY NAME SELECT * FROM prev.changes WHERE change_id NOT IN (SELECT change_id FROM arrow))
            ORDER BY detected_at, kind, iso3 NULLS FIRST, subject, period, change_id""")
    else:
        con.execute("INSERT INTO changes BY NAME SELECT * FROM arrow ORDER BY kind, iso3 NULLS FIRST, subject, "
                    "period, change_id")
    return con.execute("SELECT count(*) FROM changes").fetchone()[0]
