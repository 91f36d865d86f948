"""Spreadsheet formula injection guard for every table download (OWASP "CSV Injection").

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula by Excel,
LibreOffice and Google Sheets when the download is opened (``=HYPERLINK(...)``, DDE payloads). Names in the
warehouse come from public files (a country name, a file name in ``sources``), so no text cell is trusted.

CSV: such a cell gets a leading single quote, as OWASP advises; the spreadsheet shows it as text. XLSX: the cell is
written as a text cell with Excel's own "quote prefix" flag (what typing ``'=...`` does), so the text is unchanged.
Numbers stay numbers: numeric columns are never touched, and text that is just a number ("-5", "+1.5e3") is left
as it is (a number cannot run anything). Why not ``defusedcsv``: it wraps the ``csv`` module (these downloads are
written by Polars and openpyxl), reaches only through a private function, and does not cover tab or CR.
"""

from __future__ import annotations

import re

import polars as pl

TRIGGERS = "=+-@\t\r"
_RISKY = r"^[=+\-@\t\r]"
_NUMBER = r"^[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
_NUMBER_RE = re.compile(_NUMBER)
_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def is_risky(text: str) -> bool:
    """Would a spreadsheet read this text as a formula?"""
    return bool(text) and text[0] in TRIGGERS and not _NUMBER_RE.match(text)


def neutralise(text: str) -> str:
    """The text as a CSV cell no spreadsheet runs: a leading ``'`` when it starts like a formula."""
    return "'" + text if is_risky(text) else text


def one_line(text: str) -> str:
    """A '#' comment line that stays one line: a CR or LF inside a source's title or citation would otherwise start
    a new CSV row outside the comment (and that row could start with a formula)."""
    return _BREAKS.sub(" ", text)


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text cell and column name neutralised for CSV; numeric columns untouched."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype in (pl.String, pl.Categorical, pl.Enum):
            col = col.cast(pl.String)
            col = pl.when(col.str.contains(_RISKY) & ~col.str.contains(_NUMBER)).then(pl.lit("'") + col) \
                .otherwise(col)
        exprs.append(col.alias(neutralise(name)))
    return frame.select(exprs) if exprs else frame
