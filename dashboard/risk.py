"""Read-only queries for the risk-factor board, risk levels and watchlists, and Pillar I commitments.

Statuses are derived by the ETL (tables ``risk_factor_status`` / ``risk_factor_proxies``, rules in
docs/methodology.md); this module only reads them, so the page, the map filter and the briefing pack agree. Every
function degrades to an empty frame when a warehouse predates these tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from dashboard import data
from dashboard.data import cached, has, warehouse
from r2p_rules.staleness import stale_reasons

STATUSES = ("elevated", "watch", "low", "no data", "evidence only")
STATUS_COLOURS = {"elevated": "danger", "watch": "warning", "low": "success", "no data": "secondary",
                  "evidence only": "light"}
GCR2P = "gcr2p"
CRIME_GROUPS = (
    ("Common risk factors (all atrocity crimes)", range(1, 9)),
    ("Genocide", range(9, 11)),
    ("Crimes against humanity", range(11, 13)),
    ("War crimes", range(13, 15)),
)
# The Framework's own names; used only when a warehouse predates the `risk_factors` table.
FALLBACK_NAMES = {
    1: "Situations of armed conflict or other forms of instability",
    2: "Record of serious violations of international human rights and humanitarian law",
    3: "Weakness of State structures", 4: "Motives or incentives", 5: "Capacity to commit atrocity crimes",
    6: "Absence of mitigating factors", 7: "Enabling circumstances or preparatory action", 8: "Triggering factors",
    9: "Intergroup tensions or patterns of discrimination against protected groups",
    10: "Signs of an intent to destroy in whole or in part a protected group",
    11: "Signs of a widespread or systematic attack against any civilian population",
    12: "Signs of a plan or policy to attack any civilian population",
    13: "Serious threats to those protected under international humanitarian law",
    14: "Serious threats to humanitarian or peacekeeping operations",
}


def _empty(schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def _readable(df: pl.DataFrame) -> pl.DataFrame:
    """Name the driving proxy by its catalog label in ``reason`` (the warehouse keeps the indicator id).

    Columns are swapped as Series, not with ``with_columns``/``drop`` (a Polars collect each, ~0.2 ms)."""
    if "driver_indicator" not in df.columns or df.height == 0:
        return _without(df, "driver_indicator")
    labels = _labels()
    reasons = [r.replace(f"{d} =", f"{labels[d]} =", 1) if r and d in labels else r
               for r, d in zip(df["reason"].to_list(), df["driver_indicator"].to_list(), strict=True)]
    reason = pl.Series("reason", reasons, dtype=pl.String)
    return pl.DataFrame([reason if c.name == "reason" else c for c in df.get_columns()
                         if c.name != "driver_indicator"])


@cached
def _labels() -> dict[str, str]:
    """indicator_id → catalog label (callers only read it)."""
    return dict(zip(data.indicators()["indicator_id"].to_list(), data.indicators()["label"].to_list(), strict=True))


def _without(df: pl.DataFrame, column: str) -> pl.DataFrame:
    """``df.drop(column, strict=False)`` without a Polars collect."""
    return pl.DataFrame([c for c in df.get_columns() if c.name != column]) if column in df.columns else df




# ------------------------------------------------------------------------------------------------ factors


def warm() -> None:
    """Fill the risk-factor and watchlist menus' caches (server.warm calls it after ``data.warm``)."""
    if not data.status()["ok"]:
        return
    factor_numbers()
    factors()
    for list_id in lists():
        list_years(list_id)


@cached
def factors() -> pl.DataFrame:
    """factor, name, definition, crimes (list), kind, evidence_only — the 14 factors of the UN Framework."""
    if has("risk_factors"):
        return warehouse().frame("SELECT CAST(factor AS BIGINT) AS factor, name, definition, crimes, kind, "
                                 "evidence_only FROM risk_factors ORDER BY factor")
    return pl.DataFrame({"factor": list(FALLBACK_NAMES), "name": list(FALLBACK_NAMES.values())}).with_columns(
        pl.lit(None, pl.String).alias("definition"), pl.lit(None, pl.List(pl.String)).alias("crimes"),
        pl.lit(None, pl.String).alias("kind"), pl.lit(False).alias("evidence_only"))


@cached
def factor_names() -> dict[int, str]:
    return dict(zip(factors()["factor"].to_list(), factors()["name"].to_list(), strict=True))


def factor_label(n: int) -> str:
    return f"{n}. {factor_names().get(n, FALLBACK_NAMES.get(n, 'Risk factor'))}"


def factor_numbers() -> list[int]:
    """Factors a user can filter by: all 14 when statuses exist, else those with mapped indicators."""
    if has("risk_factor_status"):
        return sorted(factor_names())
    return data.risk_factors_available()


# ------------------------------------------------------------------------------------------------- board


@cached
def board(iso3: str) -> pl.DataFrame:
    """One row per factor for a country: factor, name, status, reason, n_proxies, n_evidence, latest_year."""
    if not has("risk_factor_status") or not has("risk_factors"):  # both come from the same ETL step
        return factors().select("factor", "name").with_columns(
            pl.lit("no data").alias("status"),
            pl.lit("Risk-factor statuses are not in this warehouse; rebuild it with `python -m etl update`.")
            .alias("reason"),
            pl.lit(0, pl.Int64).alias("n_proxies"), pl.lit(0, pl.Int64).alias("n_evidence"),
            pl.lit(None, pl.Int64).alias("latest_year"))
    # the 14 factors joined and defaulted by DuckDB (a Polars join, fills and sort: four collects); a country with
    # no status rows gets the 14 factors as 'no data' from the same query
    if iso3 in _BOARD:
        return _readable(_BOARD.rows(iso3))
    return _readable(warehouse().frame(_BOARD_SQL.format(countries="(SELECT ? AS iso3)"), [iso3])
                     .drop(data.SLICE_KEY))


_BOARD_SQL = (
    "SELECT c.iso3 AS slice_iso3, CAST(f.factor AS BIGINT) AS factor, f.name, coalesce(s.status, 'no data') AS status, "
    "s.reason, coalesce(CAST(s.n_proxies AS BIGINT), 0) AS n_proxies, "
    "coalesce(CAST(s.n_evidence AS BIGINT), 0) AS n_evidence, CAST(s.latest_year AS BIGINT) AS latest_year, "
    "s.driver_indicator FROM {countries} c CROSS JOIN risk_factors f "
    "LEFT JOIN risk_factor_status s ON s.factor = f.factor AND s.iso3 = c.iso3 ORDER BY f.factor")
_BOARD = data.CountryTable(_BOARD_SQL.format(countries="(SELECT DISTINCT iso3 FROM risk_factor_status)"),
                           "risk_factor_status", "risk_factors")


@cached
def proxies(iso3: str) -> pl.DataFrame:
    """The proxy indicators behind each factor for one country, with label, unit and source title."""
    if not has("risk_factor_proxies"):
        return _empty({"factor": pl.Int64, "indicator_id": pl.String, "year": pl.Int64, "value": pl.Float64,
                       "world_percentile": pl.Float64, "baseline": pl.Float64, "trend_pct": pl.Float64,
                       "signal": pl.String, "rule": pl.String, "label": pl.String, "unit": pl.String,
                       "source_title": pl.String})
    df = _PROXIES.rows(iso3)
    # the catalog columns looked up in Python (a Polars select + join cost two collects); same left join
    schema = data.indicators().schema
    ids = df["indicator_id"].to_list()
    known = {i: data.indicator_info(i) for i in dict.fromkeys(ids) if i is not None}  # once per indicator, not row
    info = [known.get(i) for i in ids]
    return df.hstack([pl.Series(c, [r[c] if r else None for r in info], dtype=schema[c])
                      for c in ("label", "unit", "source_title")])


_PROXIES = data.CountryTable(
    "SELECT iso3 AS slice_iso3, CAST(factor AS BIGINT) AS factor, indicator_id, CAST(year AS BIGINT) AS year, value, "
    "world_percentile, baseline, trend_pct, signal, rule FROM risk_factor_proxies "
    "ORDER BY factor, CASE signal WHEN 'elevated' THEN 0 WHEN 'watch' THEN 1 WHEN 'low' THEN 2 ELSE 3 END, "
    "indicator_id", "risk_factor_proxies")


@cached
def statuses(factor: int) -> pl.DataFrame:
    """iso3, status, reason for one factor across all countries (map colouring and filters)."""
    if not has("risk_factor_status"):
        return _empty({"iso3": pl.String, "status": pl.String, "reason": pl.String})
    return _readable(warehouse().frame("SELECT iso3, status, reason, driver_indicator FROM risk_factor_status "
                                       "WHERE factor = ?", [int(factor)]))


def countries_with(factor: int | None, wanted: list[str] | tuple[str, ...]) -> set[str] | None:
    """ISO3 codes whose status on ``factor`` is one of ``wanted``; None means 'no filter'."""
    if factor is None or not wanted:
        return None
    df = statuses(int(factor))
    return set(df.filter(pl.col("status").is_in(list(wanted)))["iso3"].to_list())


# ---------------------------------------------------------------------------------------------- evidence


@cached
def evidence(iso3: str) -> pl.DataFrame:
    """Analyst evidence items: factor, date, claim, citation_url, author, stale, stale_reason, file_name."""
    schema = {"factor": pl.Int64, "date": pl.Date, "claim": pl.String, "citation_url": pl.String,
              "author": pl.String, "stale": pl.Boolean, "stale_reason": pl.String, "file_name": pl.String}
    if not has("evidence"):
        return _empty(schema)
    return _EVIDENCE.rows(iso3)


_EVIDENCE = data.CountryTable(
    "SELECT iso3 AS slice_iso3, CAST(factor AS BIGINT) AS factor, date, claim, citation_url, author, stale, "
    "stale_reason, file_name FROM evidence ORDER BY factor, date DESC", "evidence")


# ------------------------------------------------------------------------------------------- risk levels


@cached
def lists() -> list[str]:
    """Risk-level lists in the warehouse: the Global Centre's first, then organisations' own watchlists."""
    if not has("r2p_risk_levels"):
        return []
    ids = [r[0] for r in warehouse().rows(
        "SELECT DISTINCT list_id FROM r2p_risk_levels ORDER BY 1")]
    return sorted(ids, key=lambda x: (x != GCR2P, x))


def list_label(list_id: str) -> str:
    return "R2P Monitor (Global Centre for R2P)" if list_id == GCR2P else f"Watchlist: {list_id}"


@cached
def list_years(list_id: str) -> list[int]:
    if not has("r2p_risk_levels"):
        return []
    rows = warehouse().rows("SELECT DISTINCT year(as_of) FROM r2p_risk_levels WHERE list_id = ? "
                            "AND as_of IS NOT NULL ORDER BY 1", [list_id])
    return [int(r[0]) for r in rows]


@cached
def levels_in_year(list_id: str, year: int) -> pl.DataFrame:
    """Each country's last listing on ``list_id`` during ``year``: iso3, risk_level, as_of, source_url, name…"""
    if not has("r2p_risk_levels"):
        return _empty({"iso3": pl.String, "risk_level": pl.String, "as_of": pl.Date, "source_url": pl.String,
                       "situation": pl.String})
    df = warehouse().frame(
        """
        SELECT iso3, risk_level, as_of, source_url, situation FROM r2p_risk_levels
        WHERE list_id = ? AND year(as_of) = ?
        QUALIFY row_number() OVER (PARTITION BY iso3 ORDER BY as_of DESC, row_number DESC) = 1
        """, [list_id, int(year)])
    return df.join(data.countries(), on="iso3", how="inner")


@cached
def level_changes(iso3: str) -> pl.DataFrame:
    """The listings where a country's level changed (and its first listing), per list, oldest first.

    Columns: list_id, as_of, risk_level, previous, source_url.
    """
    hist = data.risk_history(iso3)
    if hist.height == 0:
        return _empty({"list_id": pl.String, "as_of": pl.Date, "risk_level": pl.String, "previous": pl.String,
                       "source_url": pl.String})
    # plain Python rather than a Polars sort / shift-over / filter (four collects); a stable sort, nulls first
    lists, dates, levels = hist["list_id"].to_list(), hist["as_of"].to_list(), hist["risk_level"].to_list()
    keep: list[int] = []
    previous: list[str | None] = []
    last_list, last_level = None, None
    order = sorted(range(hist.height), key=lambda i: (lists[i] is not None, lists[i] or "", dates[i] is not None,
                                                       dates[i] or dt.date.min))
    for i in order:
        prev = last_level if lists[i] == last_list else None
        if prev is None or prev != levels[i]:
            keep.append(i)
            previous.append(prev)
        last_list, last_level = lists[i], levels[i]
    g = hist[keep]
    return pl.DataFrame([g["list_id"], g["as_of"], g["risk_level"],
                         pl.Series("previous", previous, dtype=hist.schema["risk_level"]), g["source_url"]])


# -------------------------------------------------------------------------------------------- Pillar I

COMMITMENT_LABELS = {
    "genocide_convention": "Genocide Convention (1948)",
    "rome_statute": "Rome Statute of the ICC (1998)",
    "iccpr_op1": "ICCPR Optional Protocol 1 (individual complaints)",
    "r2p_focal_point": "R2P focal point (Global Network)",
    "act_code_of_conduct": "ACT Code of Conduct (Security Council veto restraint)",
}


_COMMITMENTS = data.CountryTable(
    "SELECT iso3 AS slice_iso3, commitment, status, since, withdrawn_on, source_url, CAST(as_of AS VARCHAR) AS as_of, "
    "completeness || ': ' || coverage_note AS note FROM commitment_status", "commitment_status")


@cached
def commitments(iso3: str) -> pl.DataFrame:
    """Pillar I status rows for one country: commitment, label, status, since, withdrawn_on, source_url, note."""
    if not has("commitment_status"):
        return _empty({"commitment": pl.String, "label": pl.String, "status": pl.String, "since": pl.Date,
                       "withdrawn_on": pl.Date, "source_url": pl.String, "as_of": pl.String, "note": pl.String})
    df = _COMMITMENTS.rows(iso3)
    # labels and the fixed order in Python (stable sort; unknown commitments last), without three Polars collects
    names = df["commitment"].to_list()
    rank = {c: i for i, c in enumerate(COMMITMENT_LABELS)}
    perm = sorted(range(len(names)), key=lambda i: rank.get(names[i], len(rank)))
    if perm != list(range(len(names))):  # a row gather costs ~0.2 ms in a render: only when needed
        df = df[perm]
    return df.hstack([pl.Series("label", [COMMITMENT_LABELS.get(names[i], names[i]) for i in perm],
                                dtype=df.schema["commitment"])])


def commitment_gaps(iso3: str) -> list[str]:
    """Commitments with no row for the country: 'not recorded here', never 'not a party' (partial tables)."""
    have = set(commitments(iso3)["commitment"].to_list())
    return [label for c, label in COMMITMENT_LABELS.items() if c not in have] if has("commitment_status") else []


# ------------------------------------------------------------------------------------------- staleness


def narrative_staleness(iso3: str, written: str) -> list[str]:
    """Why a narrative dated ``written`` may be out of date: newer data, or a key indicator moved ≥ 50%.

    The ETL's rule for evidence items (``r2p_rules.staleness``), so narratives and evidence items are judged alike.
    """
    try:
        when = dt.date.fromisoformat(str(written)[:10])
    except ValueError:
        return []
    keys = tuple(i for i in (*data.DEATH_INDICATORS.values(), *data.DISPLACEMENT_INDICATORS, *data.PTS_INDICATORS,
                             data.EWP_RISK) if i in set(data.country_indicator_ids(iso3)))
    series = data.country_values(iso3, keys).select("indicator_id", "year", "value")
    return list(stale_reasons(when, series))
