"""The hand-written stand-ins the bench shows are worth keeping (a saving of ~1 ms or more per answer), each next to
its equivalence test in tests/test_country_fast_paths.py. Everything else is plain Polars.

- ``row_numbers``: the time-series builder picks each series' rows from numpy arrays converted once, instead of a
  partition and sort per series: 0.42 ms against 0.93 ms for a 3-series chart, ~3 ms per country page (17 series).
- ``md_escaped``: Markdown tables escape a cell only when a regex finds something to escape (most cells have
  nothing): the 84-row indicator catalog 1.6 ms against 3.1 ms with a translate of every cell.

Re-measured and gone back to plain Polars or plain code (issue 20; answers byte-identical, bench/RESULTS.md): split
by value, rounding, sorting by date, the events-by-type sums, the EWP percent and long frames, a country's indicator
rows, the proxy rows, the explorer's scatter points, the deaths chart's long frame (a pivot: 1.2 ms against 0.7–1.0),
the Markdown cells built column by column (row by row: 0.9 against 0.4 ms for 196 rows) and the world map's listing
labels (a filter and format: 0.5 ms, once per year and warehouse). ``data.one_stamp`` is not a stand-in: it makes a
page read one warehouse version (and stats the file once).
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

# escape Markdown syntax so data (e.g. a rejected raw row) is shown literally; raw HTML is never rendered
MD_ESCAPE = str.maketrans({**{ch: "\\" + ch for ch in "\\`*_[]<>#~|"}, "\n": " ", "\r": " "})
_MD_SPECIAL = re.compile("[" + re.escape("".join(map(chr, MD_ESCAPE))) + "]")  # any character MD_ESCAPE maps


def row_numbers(df: pl.DataFrame, column: str) -> dict[Any, list[int]]:
    """Row numbers of each value of ``column``, values in first-appearance order; a null value gets no rows (as a
    filter on it would)."""
    index: dict[Any, list[int]] = {}
    for i, v in enumerate(df[column].to_list()):
        index.setdefault(v, []).append(i)
    if None in index:
        index[None] = []
    return index


def md_escaped(text: str) -> str:
    """``text.translate(MD_ESCAPE)``, translating only when there is something to escape."""
    return text.translate(MD_ESCAPE) if _MD_SPECIAL.search(text) else text
