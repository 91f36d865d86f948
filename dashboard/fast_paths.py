"""The hand-written stand-ins for Polars that the bench shows are worth keeping (a saving of ~1 ms or more per
answer), each next to its equivalence test in tests/test_country_fast_paths.py. Everything else is plain Polars.

- ``row_numbers``: the time-series builder picks each series' rows from numpy arrays converted once, instead of a
  partition and sort per series: 0.42 ms against 0.93 ms for a 3-series chart, ~3 ms per country page (17 series).

Still elsewhere, each with its equivalence test in tests/test_country_fast_paths.py and not yet re-measured: the
deaths chart's long frame (``pages/country._deaths_long``, dict lookups instead of a join per violence type), the
Markdown table cells (``components.md_table``), the listing labels (``data``) and the one warehouse stat per page
(``data.one_stamp``, not a stand-in for Polars). Gone back to plain Polars in issue 20: split by value, rounding,
sorting by date, the events-by-type sums, the EWP percent and long frames, a country's indicator rows, the proxy
rows and the explorer's scatter points (each under 1 ms an answer; answers byte-identical, bench/RESULTS.md).
"""

from __future__ import annotations

from typing import Any

import polars as pl


def row_numbers(df: pl.DataFrame, column: str) -> dict[Any, list[int]]:
    """Row numbers of each value of ``column``, values in first-appearance order; a null value gets no rows (as a
    filter on it would)."""
    index: dict[Any, list[int]] = {}
    for i, v in enumerate(df[column].to_list()):
        index.setdefault(v, []).append(i)
    if None in index:
        index[None] = []
    return index
