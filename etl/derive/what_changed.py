"""The build's "what changed" step: the change log, then the alerts (which read it). Called by the publish step."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from etl.derive.alerts import record_alerts
from etl.derive.changes import record_changes


def record(con: duckdb.DuckDBPyConnection, prev_tables: set[str]) -> None:
    """Fill ``changes`` and ``alerts`` inside the new warehouse (``prev`` attached read-only when it exists)."""
    now = datetime.now(UTC)
    record_changes(con, prev_tables, now)
    record_alerts(con, prev_tables, now)
