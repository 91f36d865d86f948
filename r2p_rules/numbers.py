"""Numbers as people write them (shared by the ETL's rule reasons and the dashboard's notes)."""

from __future__ import annotations

import math


def fmt(value: float | None) -> str:
    """A figure as people write it: 2,334 and 0.104, never 2334.0."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
