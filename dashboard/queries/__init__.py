"""Read-only query modules of dashboard features (parameterised SQL through dashboard.data's warehouse)."""

from __future__ import annotations


def warm() -> None:
    """Fill the caches of the catalogs every country page reads whatever the country (update times, candidate months,
    source coverage, response coverage), so a first visit pays only for its own country's queries."""
    from dashboard import data
    from dashboard.queries import changes, country, fresh_events, response

    if not data.status()["ok"]:
        return
    data.indicator_catalog()
    changes.updates()
    changes.candidate_months()
    country.latest_listing_date()
    fresh_events.coverage()
    fresh_events.loaded_sources()
    response.coverage()
