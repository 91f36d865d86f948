"""Country-page queries that the data manager does not already answer (read-only, parameterised)."""

from __future__ import annotations

import datetime as dt

from dashboard import data


@data.cached
def event_coverage(iso3: str) -> tuple[dt.date, dt.date] | None:
    """First month and last event date of the UCDP GED events recorded for a country: the latest year is often a
    part year (candidate events run to the last released month), and the page must say so. Read from the monthly
    summary table (a scan of the events table took ~6 ms at 3M events); ACLED's own dates are not GED coverage."""
    if not data.has("event_country_month"):
        return None
    lo, hi = data.warehouse().rows("SELECT min(month), max(last_event_date) FROM event_country_month "
                                   "WHERE iso3 = ? AND source = 'ucdp_ged'", [iso3])[0]
    return (lo, hi) if lo is not None else None


@data.cached
def ewp_field_size(edition: str) -> int | None:
    """How many countries an EWP edition ranks (for "rank 3 of 168")."""
    if not data.has("ewp_forecasts"):
        return None
    n = data.warehouse().rows("SELECT count(*) FROM ewp_forecasts WHERE CAST(edition AS VARCHAR) = ? "
                              "AND onset_risk_2yr IS NOT NULL", [str(edition)])[0][0]
    return int(n) or None


@data.cached
def latest_listing_date() -> dt.date | None:
    """The newest R2P Monitor listing date in the warehouse (any country): the edge of what is recorded here."""
    if not data.has("r2p_risk_levels"):
        return None
    return data.warehouse().rows("SELECT max(as_of) FROM r2p_risk_levels")[0][0]
