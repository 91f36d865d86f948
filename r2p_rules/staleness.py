"""When is something written about a country out of date? One pure rule, shared by the ETL and the dashboard.

An evidence item (or a narrative section) written on ``written`` is stale for a risk factor when, among the
indicators that are proxies of that factor for that country:

* an indicator has data for a year later than the year it was written ("newer data exists: <indicator> <year>"),
* or an indicator moved by ≥ 50% between the year it was written (or the latest year before it with a value)
  and its latest year ("<indicator> moved +62% since 2021 (…)"). A move from 0 to anything counts.

The ETL stores the result in ``evidence.stale`` / ``evidence.stale_reason`` (via ``etl.derive.staleness``, which
re-exports this module); the dashboard calls :func:`stale_reasons` for narratives with the series it already has.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from r2p_rules.numbers import fmt

MOVE_THRESHOLD = 0.5  # ≥ 50% change since the item was written


def stale_reasons(written: dt.date, series: pl.DataFrame, *, threshold: float = MOVE_THRESHOLD) -> list[str]:
    """Why an item written on ``written`` is stale, given proxy values ``series`` [indicator_id, year, value].

    Returns an empty list when it is not stale. Null values are ignored; the order is by indicator id.
    """
    if series.height == 0:
        return []
    reasons: list[str] = []
    data = (series.select("indicator_id", pl.col("year").cast(pl.Int64), pl.col("value").cast(pl.Float64))
            .filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan())
            .sort("indicator_id", "year"))
    for (indicator,), group in data.group_by(["indicator_id"], maintain_order=True):
        years, values = group["year"].to_list(), group["value"].to_list()
        latest_year, latest = years[-1], values[-1]
        if latest_year > written.year:
            reasons.append(f"newer data exists: {indicator} {latest_year}")
        before = [(y, v) for y, v in zip(years, values, strict=True) if y <= written.year]
        if not before or latest_year <= before[-1][0]:
            continue
        ref_year, ref = before[-1]
        if ref == 0:
            if latest != 0:
                reasons.append(f"{indicator} moved from 0 in {ref_year} to {fmt(latest)} in {latest_year}")
            continue
        change = (latest - ref) / abs(ref)
        if abs(change) >= threshold:
            reasons.append(f"{indicator} moved {change:+.0%} since {ref_year} ({fmt(ref)} → {fmt(latest)} in "
                           f"{latest_year})")
    return reasons
