"""What changed and alerts: the ``changes`` and ``alerts`` tables, filtered (page, feed, country strip, digest).

Every query is parameterised and cached on (warehouse stamp, arguments) through ``dashboard.data``.
A change is *dated* by when it took effect: the source's date for history rows (an R2P level's ``as_of``, an EWP
edition, a figure's year end), the update's time for rows found by comparing two warehouses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from dashboard import data

KINDS = ("new_figure", "revised_figure", "risk_level", "factor_status", "ewp_rank", "source_added",
         "source_updated", "source_failed", "source_stale")
KIND_LABELS = {"new_figure": "New figure", "revised_figure": "Revised figure", "risk_level": "Risk level",
               "factor_status": "Risk-factor status", "ewp_rank": "EWP rank", "source_added": "Source added",
               "source_updated": "Source updated", "source_failed": "Source failed", "source_stale": "Source stale"}
DIRECTIONS = ("worse", "better", "neutral")
SEVERITIES = ("high", "medium", "low", "info")  # most severe first
MAX_ROWS = 500
REGION_CODES = {"002": "Africa", "019": "Americas", "142": "Asia", "150": "Europe", "009": "Oceania"}


@dataclass(frozen=True)
class Filters:
    """The /changes filters; hashable so queries cache on them. ``since`` None = the latest update only."""

    since: date | None = None
    region: str | None = None
    iso3: tuple[str, ...] = ()
    factor: int | None = None
    kind: tuple[str, ...] = ()
    direction: tuple[str, ...] = ()
    min_severity: str | None = None


def available() -> bool:
    return data.has("changes") and data.has("alerts")


@data.cached
def updates() -> list[datetime]:
    """Update times, newest first (``detected_at`` values)."""
    if not available():
        return []
    return [r[0] for r in data.warehouse().rows("SELECT DISTINCT detected_at FROM changes ORDER BY 1 DESC")]


def region_name(value: str) -> str | None:
    """An M49 region given by name or code ('Africa' or '002'), else None."""
    value = value.strip()
    if value in REGION_CODES:
        return REGION_CODES[value]
    names = {n.lower(): n for n in data.regions()}
    return names.get(value.lower())


def _where(f: Filters, alias: str = "ch") -> tuple[str, list]:
    clauses, params = [], []
    if f.since is None:
        clauses.append(f"{alias}.detected_at = (SELECT max(detected_at) FROM changes)")
    else:
        clauses.append(f"coalesce(CASE WHEN {alias}.basis = 'history' THEN {alias}.as_of END, "
                       f"CAST({alias}.detected_at AS DATE)) >= ?")
        params.append(f.since)
    if f.region:
        clauses.append("c.m49_region = ?")
        params.append(f.region)
    if f.iso3:
        clauses.append(f"{alias}.iso3 IN (SELECT unnest(?))")
        params.append(list(f.iso3))
    if f.factor is not None:
        clauses.append(f"(({alias}.kind = 'factor_status' AND {alias}.subject = ?) OR {alias}.subject IN "
                       "(SELECT indicator_id FROM indicators WHERE list_contains(risk_factors, ?)))")
        params += [str(f.factor), f.factor]
    if f.kind:
        clauses.append(f"{alias}.kind IN (SELECT unnest(?))")
        params.append(list(f.kind))
    if f.direction:
        clauses.append(f"{alias}.direction IN (SELECT unnest(?))")
        params.append(list(f.direction))
    if f.min_severity:
        allowed = list(SEVERITIES[:SEVERITIES.index(f.min_severity) + 1])
        clauses.append(f"{alias}.severity IN (SELECT unnest(?))")
        params.append(allowed)
    return " AND ".join(clauses), params


@data.cached
def changes(f: Filters, limit: int = MAX_ROWS) -> tuple[pl.DataFrame, int]:
    """Filtered changes, newest first (at most ``limit``), and the total count that matched."""
    if not available():
        return pl.DataFrame(), 0
    where, params = _where(f)
    base = f"FROM changes ch LEFT JOIN countries c USING (iso3) WHERE {where}"
    total = data.warehouse().rows(f"SELECT count(*) {base}", params)[0][0]
    frame = data.warehouse().frame(
        f"""SELECT ch.change_id, ch.detected_at, coalesce(CASE WHEN ch.basis = 'history' THEN ch.as_of END,
                   CAST(ch.detected_at AS DATE)) AS dated, ch.kind, ch.iso3, c.name AS country, ch.subject,
                   ch.subject_label, ch.period, ch.old_label, ch.new_label, ch.old_value, ch.new_value, ch.direction,
                   ch.severity, ch.basis, ch.source_ids, ch.source_versions, ch.detail
            {base}
            ORDER BY dated DESC, CASE ch.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END,
                     ch.iso3 NULLS LAST, ch.subject, ch.change_id
            LIMIT ?""", [*params, limit])
    return frame, total


@data.cached
def alerts(since: date | None, iso3: tuple[str, ...] = (), region: str | None = None,
           limit: int = MAX_ROWS) -> pl.DataFrame:
    """Alerts whose period starts on or after ``since`` (all when None), newest first."""
    if not available():
        return pl.DataFrame()
    clauses, params = ["TRUE"], []
    if since is not None:
        clauses.append("a.period_start >= ?")
        params.append(since)
    if iso3:
        clauses.append("a.iso3 IN (SELECT unnest(?))")
        params.append(list(iso3))
    if region:
        clauses.append("c.m49_region = ?")
        params.append(region)
    return data.warehouse().frame(
        f"""SELECT a.alert_id, a.rule_id, a.iso3, c.name AS country, a.period, a.period_start, a.severity,
                   a.sentence, a.source_ids, a.source_versions, a.method_url, a.detected_at
            FROM alerts a LEFT JOIN countries c USING (iso3) WHERE {' AND '.join(clauses)}
            ORDER BY a.period_start DESC, a.rule_id, a.iso3 LIMIT ?""", [*params, limit])


@data.cached
def country_latest(iso3: str) -> pl.DataFrame:
    """Per subject, the newest change recorded for one country (the country page's 'What changed' strip)."""
    if not available():
        return pl.DataFrame()
    return _COUNTRY_LATEST.rows(iso3)


_COUNTRY_LATEST = data.CountryTable(
    """SELECT iso3 AS slice_iso3, kind, subject, subject_label, period, old_label, new_label, old_value, new_value,
              direction, severity, basis, source_ids, source_versions, detail,
              coalesce(CASE WHEN basis = 'history' THEN as_of END, CAST(detected_at AS DATE)) AS dated
       FROM changes
       QUALIFY row_number() OVER (PARTITION BY iso3, kind IN ('new_figure', 'revised_figure'), subject
                                  ORDER BY dated DESC, period DESC, detected_at DESC) = 1
       ORDER BY subject, kind""", "changes")  # a subject's figure change and its other change: in a fixed order


CANDIDATE = "len(string_split(source_version, '.')) = 3"  # GED candidate releases are yy.0.m


@data.cached
def candidate_months() -> tuple[date, ...]:
    """Months a loaded candidate release covers (release yy.0.m covers month m of 20yy), oldest first."""
    if not data.has("events"):
        return ()
    rows = data.warehouse().rows(f"SELECT DISTINCT source_version FROM events WHERE source = 'ucdp_ged' "
                                 f"AND {CANDIDATE}")
    months = set()
    for (version,) in rows:
        parts = version.split(".")
        if len(parts) == 3 and all(p.isdigit() for p in parts) and 1 <= int(parts[2]) <= 12:
            months.add(date(2000 + int(parts[0]), int(parts[2]), 1))
    return tuple(sorted(months))


@data.cached
def recent_events(iso3: str) -> tuple[pl.DataFrame, date | None]:
    """GED candidate events of the 12 months up to the newest month a candidate release covers, by month and
    violence type; and that month (None when no candidate release is loaded)."""
    months = candidate_months()
    if not months:
        return pl.DataFrame(), None
    newest = months[-1]
    frame = data.warehouse().frame(
        f"""SELECT CAST(date_trunc('month', event_date) AS DATE) AS month, violence_type, count(*) AS events,
                  CAST(sum(deaths_best) AS BIGINT) AS deaths_best,
                  string_agg(DISTINCT source_version, ', ' ORDER BY source_version) AS versions
           FROM events WHERE iso3 = ? AND {CANDIDATE} AND event_date >= ? - INTERVAL 11 MONTH
                 AND event_date < ? + INTERVAL 1 MONTH
           GROUP BY ALL ORDER BY month, violence_type""", [iso3, newest, newest])
    return frame, newest


@data.cached
def factor_statuses(iso3: str) -> dict[int, str]:
    if not data.has("risk_factor_status"):
        return {}
    return dict(_FACTOR_STATUSES.rows(iso3).iter_rows())


_FACTOR_STATUSES = data.CountryTable("SELECT iso3 AS slice_iso3, factor, status FROM risk_factor_status",
                                     "risk_factor_status")


def last_update() -> datetime | None:
    times = updates()
    return times[0] if times else None


def previous_update() -> datetime | None:
    times = updates()
    return times[1] if len(times) > 1 else None
