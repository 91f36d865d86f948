"""Monthly fatalities per country from UCDP GED, ACLED and HDX HAPI, for the side-by-side section.

Reads the derived ``event_country_month`` (UCDP and ACLED, built from ``events``) and ``conflict_monthly`` (HAPI)
through the data manager — aggregates only, never ACLED's event rows. Comparable figures (docs/methodology.md,
"ACLED, HDX HAPI and UCDP side by side"): UCDP's best estimate of all its events; ACLED's fatalities of the event
types that map to a UCDP violence type (no protests, riots or strategic developments); HAPI's
``political_violence`` fatalities at the most detailed admin level it gives for the country and month.
"""

from __future__ import annotations

import polars as pl

from dashboard import data

UCDP, ACLED, HAPI = "ucdp_ged", "acled", "hdx_hapi"
SOURCES = (UCDP, ACLED, HAPI)
LABELS = {UCDP: "UCDP GED", ACLED: "ACLED", HAPI: "HDX HAPI (ACLED aggregates)"}
MONTHLY_SCHEMA = {"month": pl.Date, "source": pl.String, "fatalities": pl.Int64, "events": pl.Int64}

_HAPI_SQL = (
    "WITH r AS (SELECT month, admin_level, events, fatalities, "
    "max(admin_level) OVER (PARTITION BY month) AS finest FROM conflict_monthly "
    "WHERE iso3 = ? AND event_type = 'political_violence') "
    "SELECT month, 'hdx_hapi' AS source, coalesce(sum(fatalities), 0)::BIGINT AS fatalities, "
    "sum(events)::BIGINT AS events FROM r WHERE admin_level = finest GROUP BY month ORDER BY month"
)


@data.cached
def monthly(iso3: str) -> pl.DataFrame:
    """month, source, fatalities, events — one row per source and month with at least one event."""
    parts = []
    if data.has("event_country_month"):
        parts.append(data.warehouse().frame(
            "SELECT month, source, (CASE WHEN source = 'acled' THEN fatalities_mapped ELSE fatalities END)::BIGINT "
            "AS fatalities, (CASE WHEN source = 'acled' THEN events_mapped ELSE events END)::BIGINT AS events "
            "FROM event_country_month WHERE iso3 = ? AND source IN ('ucdp_ged', 'acled') ORDER BY month, source",
            [iso3]))
    if data.has("conflict_monthly"):
        parts.append(data.warehouse().frame(_HAPI_SQL, [iso3]))
    parts = [p.cast(MONTHLY_SCHEMA) for p in parts if p.height]  # type: ignore[arg-type]
    return pl.concat(parts) if parts else pl.DataFrame(schema=MONTHLY_SCHEMA)


@data.cached
def coverage() -> dict[str, tuple]:
    """Per source, the first and last month it covers anywhere (outside it, a missing month is not a zero)."""
    out: dict[str, tuple] = {}
    if data.has("event_country_month"):
        for source, lo, hi in data.warehouse().rows(
                "SELECT source, min(month), max(month) FROM event_country_month "
                "WHERE source IN ('ucdp_ged', 'acled') GROUP BY source"):
            out[source] = (lo, hi)
    if data.has("conflict_monthly"):
        lo, hi = data.warehouse().rows("SELECT min(month), max(month) FROM conflict_monthly")[0]
        if lo is not None:
            out[HAPI] = (lo, hi)
    return out


@data.cached
def loaded_sources() -> dict[str, tuple]:
    """Per event source with files loaded: (retrieved at, statuses, versions) — the same for every country."""
    return {r[0]: tuple(r[1:]) for r in data.warehouse().rows(
        "SELECT source_id, max(retrieved_at), string_agg(DISTINCT status, ', ' ORDER BY status), "
        "string_agg(DISTINCT version, ', ' ORDER BY version) FROM sources "
        "WHERE source_id IN ('ucdp_ged', 'acled', 'hdx_hapi') AND file_name IS NOT NULL GROUP BY source_id")}


@data.cached
def staleness(iso3: str) -> list[dict]:
    """Per source: loaded at all?, status, retrieved at, last event date overall and for this country."""
    loaded = loaded_sources()
    last: dict[str, object] = {}
    if data.has("event_country_month"):
        last.update(dict(data.warehouse().rows(
            "SELECT source, max(last_event_date) FROM event_country_month WHERE iso3 = ? GROUP BY source", [iso3])))
    if data.has("conflict_monthly"):
        (hapi_last,) = data.warehouse().rows(
            "SELECT max(coalesce(reference_period_end, month)) FROM conflict_monthly WHERE iso3 = ?", [iso3])[0]
        if hapi_last is not None:
            last[HAPI] = hapi_last
    cov = coverage()
    return [{"source": s, "label": LABELS[s], "loaded": s in loaded,
             "retrieved_at": loaded.get(s, (None,))[0], "status": loaded.get(s, (None, None))[1],
             "version": loaded.get(s, (None, None, None))[2], "last_event": last.get(s),
             "covers_to": cov.get(s, (None, None))[1]} for s in SOURCES]
