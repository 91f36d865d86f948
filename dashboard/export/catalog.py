"""Which charts can be exported: the pages that hold them (by graph-id prefix) and the chart-id check.

Its own module so that the links under each chart (``export.links``, drawn by the pages) do not import the code
that rebuilds a chart from a page (``export.charts``, which calls the pages' layouts): no import circle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHART_ID = re.compile(r"^[a-z][a-z0-9-]{1,48}$")


class ExportNotFound(LookupError):
    """Unknown chart id, format or country, or the chart is not shown for this selection (→ HTTP 404)."""


@dataclass(frozen=True)
class Page:
    """A page whose charts can be exported: its module and the prefix of its graph ids."""

    prefix: str
    module: str
    label: str
    path: str
    needs_iso3: bool = False


PAGES = (
    Page("ov-", "dashboard.pages.overview", "Overview", "/"),
    Page("co-", "dashboard.pages.country", "Country page", "/country/", needs_iso3=True),
    Page("ex-", "dashboard.pages.explore", "Explore", "/explore"),
)


def page_of(chart_id: str) -> Page:
    if not CHART_ID.match(chart_id or ""):
        raise ExportNotFound(f"'{(chart_id or '')[:40]}' is not a chart id")
    for page in PAGES:
        if chart_id.startswith(page.prefix):
            return page
    raise ExportNotFound(f"there is no chart '{chart_id}'")
