"""The licence gate of every table download: data of a non-redistributable source (ACLED, HDX HAPI's ACLED
aggregates) never leaves the app as a file. The sources catalogue (metadata, no data) is the one exception."""

from __future__ import annotations

from dashboard import data
from dashboard.export.charts import ExportNotFound


class RestrictedExport(ExportNotFound):
    """A download would contain rows of a source whose licence forbids redistribution (answered like a
    missing export: a friendly page, never a file)."""


@data.cached
def restricted_sources() -> frozenset[str]:
    if "redistributable" not in data.columns_of("sources"):
        return frozenset()
    return frozenset(r[0] for r in data.warehouse().rows(
        "SELECT DISTINCT source_id FROM sources WHERE redistributable = false"))


def guard(source_ids: list[str], selection: str, frame_columns: list[str] | None = None) -> None:
    """Raise RestrictedExport when a table's sources include one that may not be redistributed."""
    if selection.startswith("/sources"):
        return
    bad = sorted(set(source_ids) & restricted_sources())
    if bad or any(c.lower().startswith(("acled", "hdx hapi")) for c in frame_columns or []):
        raise RestrictedExport(f"this table holds data of {', '.join(bad) or 'ACLED'}, whose terms forbid "
                               "redistribution: it can be viewed in the app but not downloaded")
