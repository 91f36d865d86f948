"""Country-page queries that the data manager does not already answer (read-only, parameterised)."""

from __future__ import annotations

import datetime as dt

from dashboard import data


@data.cached
def event_coverage(iso3: str) -> tuple[dt.date, dt.date] | None:
    """First and last GED event date recorded for a country: the latest year is often a part year (candidate
    events run to the last released month), and the page must say so."""
    if not data.has("events"):
        return None
    lo, hi = data.warehouse().rows("SELECT min(event_date), max(event_date) FROM events WHERE iso3 = ?", [iso3])[0]
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
