"""The warehouse contract (see docs/warehouse.md): public table names, columns and types.

Analysts query these names directly, so they are stable. Source modules hand the loader Polars frames whose
columns are a subset of these; the loader adds ``source_id`` and fills absent nullable columns with NULL.
A source may add its own tables through ``Source.table_schemas``.
"""

from __future__ import annotations

import polars as pl

S, I, F, D, B = pl.String, pl.Int64, pl.Float64, pl.Date, pl.Boolean  # noqa: E741

CORE: dict[str, dict[str, pl.DataType]] = {
    "m49_regions": {
        "iso3": S, "m49_code": S, "name": S, "m49_region": S, "m49_subregion": S, "m49_intermediate_region": S,
        "ldc": B, "lldc": B, "sids": B, "source_id": S,
    },
    "events": {
        "source": S, "event_id": S, "source_version": S, "iso3": S, "event_date": D, "date_end": D, "year": I,
        "latitude": F, "longitude": F, "adm1": S, "adm2": S, "where_description": S,
        "violence_type": S, "deaths_best": I, "deaths_low": I, "deaths_high": I,
        "deaths_civilians": I, "deaths_a": I, "deaths_b": I, "deaths_unknown": I,
        "side_a": S, "side_b": S, "conflict_name": S, "dyad_name": S, "conflict_id": S, "dyad_id": S,
        "where_prec": I, "date_prec": I, "event_clarity": I, "code_status": S, "gw_code": S,
        "file_name": S, "row_number": I,
        # ACLED's own classification (NULL for UCDP events), kept next to the partial violence_type mapping
        "event_type": S, "sub_event_type": S,
    },
    "indicator_values": {
        "iso3": S, "year": I, "indicator_id": S, "value": F, "source_id": S, "file_name": S, "row_number": I,
    },
    "displacement": {
        "year": I, "origin_iso3": S, "asylum_iso3": S, "origin_code": S, "asylum_code": S,
        "refugees": I, "asylum_seekers": I, "idps": I, "returned_refugees": I, "returned_idps": I,
        "stateless": I, "others_of_concern": I, "other_in_need": I, "host_community": I,
        "source_id": S, "file_name": S, "row_number": I,
    },
    "r2p_risk_levels": {
        "iso3": S, "situation": S, "risk_level": S, "as_of": D, "source_url": S, "quote": S, "list_id": S,
        "source_id": S, "file_name": S, "row_number": I,
    },
    "boundaries": {
        "iso3": S, "name": S, "resolution": S, "geometry_wkb": pl.Binary, "source_id": S,
    },
    # derived after all sources are loaded (etl/derive/, rules in etl/reference/risk_factor_rules.csv)
    "risk_factor_proxies": {
        "iso3": S, "factor": I, "indicator_id": S, "year": I, "value": F, "world_percentile": F, "baseline": F,
        "trend_pct": F, "signal": S, "rule": S, "newest_year": I, "source_id": S, "file_name": S, "row_number": I,
    },
    "risk_factor_status": {
        "iso3": S, "factor": I, "status": S, "reason": S, "driver_indicator": S, "n_proxies": I, "n_stale": I,
        "n_evidence": I, "n_commitments": I, "latest_year": I,
    },
    # International response (issue 17; etl/sources/response_*.py, unsc_*.py, geo_pko.py). ``start``/``end``/``as_of``
    # are ISO dates or partial dates ("2005", "2019-09") exactly as precise as the source; ``start_year``/``end_year``
    # carry the year for filtering. The national sphere (Pillar I commitments) is read from ``commitment_status`` by
    # the dashboard's query layer, not copied here.
    "response_measures": {
        "iso3": S, "sphere": S, "kind": S, "name": S, "body": S, "start": S, "end": S, "start_year": I, "end_year": I,
        "status": S, "detail": S, "source_id": S, "source_url": S, "as_of": S, "file_name": S, "row_number": I,
    },
    "security_council_outcomes": {
        "date": D, "year": I, "symbol": S, "kind": S, "topic": S, "iso3_list": pl.List(pl.String), "vote": S,
        "meeting": S, "source_id": S, "file_name": S, "row_number": I,
    },
    "security_council_vetoes": {
        "date": D, "year": I, "draft": S, "meeting": S, "agenda_item": S, "situation": S, "iso3": S, "vetoed_by": S,
        "source_id": S, "file_name": S, "row_number": I,
    },
    "pko_deployments": {
        "mission": S, "year": I, "iso3": S, "location": S, "latitude": F, "longitude": F, "troops": I, "hq": I,
        "unpol": I, "unmo": I, "source_id": S, "file_name": S, "row_number": I,
    },
    # computed on every update (etl/derive/changes.py, etl/derive/alerts.py); `changes` accumulates across updates
    "changes": {
        "change_id": S, "detected_at": pl.Datetime, "kind": S, "iso3": S, "subject": S, "subject_label": S,
        "period": S, "as_of": D, "old_value": F, "new_value": F, "old_label": S, "new_label": S, "direction": S,
        "severity": S, "basis": S, "source_ids": S, "source_versions": S, "detail": S,
    },
    "alerts": {
        "alert_id": S, "rule_id": S, "iso3": S, "period": S, "period_start": D, "severity": S, "sentence": S,
        "value": F, "baseline": F, "threshold": F, "evidence": S, "source_ids": S, "source_versions": S,
        "method_url": S, "detected_at": pl.Datetime,
    },
}
CHANGES = CORE["changes"]
ALERTS = CORE["alerts"]

INDICATORS = {
    "indicator_id": S, "label": S, "unit": S, "source_id": S, "description": S, "higher_is_worse": B,
    "risk_factors": pl.List(pl.Int64),
}

SOURCES = {
    "source_id": S, "title": S, "publisher": S, "version": S, "licence": S, "citation": S, "url": S,
    "file_name": S, "file_sha256": S, "retrieved_at": S, "rows_read": I, "rows_loaded": I, "rows_rejected": I,
    "rows_duplicate": I, "rows_excluded": I, "status": S, "message": S, "redistributable": B,
}

REJECTS = {"source_id": S, "file_name": S, "row_number": I, "reason": S, "raw": S}

# primary keys the loader checks before publishing (a violation fails the source, never the warehouse)
KEYS: dict[str, tuple[str, ...]] = {
    "events": ("source", "event_id"),
    "indicator_values": ("iso3", "year", "indicator_id"),
    "m49_regions": ("iso3",),
    "risk_factors": ("factor",),
    "commitment_status": ("iso3", "commitment"),
    "risk_factor_proxies": ("iso3", "factor", "indicator_id"),
    "risk_factor_status": ("iso3", "factor"),
    "changes": ("change_id",),
    "alerts": ("alert_id",),
}

# Derived tables: computed from the published ``events`` during the build (never by a source), so they always
# agree with it. ``event_cells`` pre-aggregates events into 0.5° cells per country, year, violence type and
# release (the dashboard's event maps and counts); ``event_country_year`` holds the yearly totals per country and
# violence type. The dashboard reads them instead of millions of event rows.
DERIVED: dict[str, tuple[dict[str, pl.DataType], str]] = {
    "event_cells": (
        {"iso3": S, "year": I, "violence_type": S, "source_version": S, "latitude": F, "longitude": F, "events": I,
         "deaths": I, "deaths_best": I, "deaths_low": I, "deaths_high": I, "deaths_civilians": I},
        "SELECT iso3, year, violence_type, source_version, floor(latitude * 2) / 2 + 0.25 AS latitude, "
        "floor(longitude * 2) / 2 + 0.25 AS longitude, count(*) AS events, sum(coalesce(deaths_best, 0)) AS deaths, "
        "sum(deaths_best) AS deaths_best, sum(deaths_low) AS deaths_low, sum(deaths_high) AS deaths_high, "
        "sum(deaths_civilians) AS deaths_civilians FROM events WHERE source <> 'acled' GROUP BY ALL "
        "ORDER BY iso3, year, violence_type, source_version, latitude, longitude",
    ),
    "event_country_year": (
        {"iso3": S, "year": I, "violence_type": S, "events": I, "deaths_best": I, "deaths_low": I, "deaths_high": I,
         "deaths_civilians": I, "versions": S},
        "SELECT iso3, year, violence_type, count(*) AS events, sum(deaths_best) AS deaths_best, "
        "sum(deaths_low) AS deaths_low, sum(deaths_high) AS deaths_high, sum(deaths_civilians) AS deaths_civilians, "
        "string_agg(DISTINCT source_version, ', ' ORDER BY source_version) AS versions FROM events "
        "WHERE source <> 'acled' GROUP BY ALL ORDER BY iso3, year, violence_type",
    ),
    # Monthly events and fatalities per country and event source (UCDP GED and ACLED side by side; HDX HAPI's
    # monthly figures are in conflict_monthly). ``fatalities_mapped`` counts only events with a UCDP violence
    # type, so ACLED's protests, riots and strategic developments are not compared with UCDP's organised violence.
    "event_country_month": (
        {"iso3": S, "month": D, "source": S, "events": I, "fatalities": I, "events_mapped": I,
         "fatalities_mapped": I, "last_event_date": D},
        "SELECT iso3, date_trunc('month', event_date)::DATE AS month, source, count(*) AS events, "
        "coalesce(sum(deaths_best), 0) AS fatalities, count(violence_type) AS events_mapped, "
        "coalesce(sum(deaths_best) FILTER (WHERE violence_type IS NOT NULL), 0) AS fatalities_mapped, "
        "max(event_date) AS last_event_date FROM events WHERE event_date IS NOT NULL GROUP BY ALL "
        "ORDER BY iso3, month, source",
    ),
}

_DUCK = {
    pl.String: "VARCHAR", pl.Int64: "BIGINT", pl.Float64: "DOUBLE", pl.Date: "DATE", pl.Boolean: "BOOLEAN",
    pl.Binary: "BLOB", pl.Int32: "INTEGER", pl.Datetime: "TIMESTAMP",
}


def duck_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.List):
        return f"{duck_type(dtype.inner)}[]"
    for k, v in _DUCK.items():
        if dtype == k:
            return v
    raise TypeError(f"no DuckDB type for {dtype}")


def ddl(table: str, schema: dict[str, pl.DataType]) -> str:
    cols = ", ".join(f'"{c}" {duck_type(t)}' for c, t in schema.items())
    return f'CREATE TABLE "{table}" ({cols})'


def conform(frame: pl.DataFrame, table: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Order, cast and complete a source's frame to the table's schema; unknown columns are a coding error."""
    unknown = [c for c in frame.columns if c not in schema and not c.startswith("_")]
    if unknown:
        raise ValueError(f"table {table}: unknown column(s) {unknown}")
    return frame.select(
        [(pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t)).alias(c) for c, t in schema.items()]
    )
