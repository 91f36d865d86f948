"""Shared reading and validation helpers, so every dataset module fails the same clear way."""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from etl.model import Rejects, SourceError

HEAD_BYTES = 65536
ROW = "_row"  # 1-based record number in the file; the header row is row 1


def sniff(path: Path, size: int = HEAD_BYTES) -> str:
    """The first bytes of a file as text, for ``Source.recognise`` (never raises on odd bytes)."""
    with open(path, "rb") as fh:
        raw = fh.read(size)
    if raw.startswith(b"PK\x03\x04"):
        return "<zip>"
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def header_of(head: str) -> list[str]:
    """Column names of a delimited text's first line (quotes and BOM removed, delimiter guessed)."""
    first = head.lstrip("\ufeff").splitlines()[0] if head.strip() else ""
    delim = guess_delimiter(first)
    try:
        return [c.strip() for c in next(csv.reader(io.StringIO(first), delimiter=delim))]
    except StopIteration:
        return []


def guess_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def looks_like_html(head: str) -> bool:
    start = head.lstrip("\ufeff \r\n\t").lower()[:512]
    return start.startswith(("<!doctype html", "<html", "<?xml")) or "<html" in start or "<body" in start


def check_not_html_or_empty(path: Path, head: str | None = None) -> str:
    """Raise a clear SourceError for the two classic broken-download cases; return the head text."""
    if path.stat().st_size == 0:
        raise SourceError(path, "the file is empty (0 bytes) — was the download interrupted?")
    head = sniff(path) if head is None else head
    if looks_like_html(head):
        raise SourceError(path, "this is an HTML page, not data — the publisher probably served an error or login page")
    if head == "<zip>" and not zipfile.is_zipfile(path):  # .zip and .xlsx: the directory sits at the very end
        raise SourceError(path, "a truncated or damaged zip/Excel file (its directory at the end is missing) — was "
                                "the download interrupted?")
    return head


def decode_text(path: Path, encoding: str, fallback: str | None) -> tuple[str, str]:
    """The file as text; bad bytes raise a SourceError naming the line and offset (unless a fallback is given)."""
    raw = path.read_bytes()
    try:
        return raw.decode(encoding), encoding
    except UnicodeDecodeError as err:
        if fallback:
            return raw.decode(fallback), fallback
        line = raw[: err.start].count(b"\n") + 1
        raise SourceError(
            path,
            f"not valid {encoding.upper()} text: byte 0x{raw[err.start]:02x} at offset {err.start}; "
            f"re-save the file as {encoding.upper()}",
            row=line,
        ) from None


def read_delimited(
    path: Path,
    *,
    separator: str | None = None,
    encoding: str = "utf-8-sig",
    fallback_encoding: str | None = None,
    hxl: bool = False,
    required: Iterable[str] = (),
) -> pl.DataFrame:
    """Read a CSV-like file with every column as text plus ``_row`` (record number, header = 1).

    Text first, types later: a bad value then becomes a reject naming its row and column instead of a parser
    crash or a silently nulled cell. ``hxl`` skips the HDX hashtag row under the header.
    """
    head = check_not_html_or_empty(path).lstrip("\ufeff")
    if "\x00" in head[:4096]:
        raise SourceError(path, "NUL bytes in the text: UTF-16 or a binary file, not a UTF-8 CSV — re-save it as "
                                "CSV UTF-8", row=head[: head.index("\x00")].count("\n") + 1)
    first = head.split("\n", 1)[0].rstrip("\r")
    sep = separator or guess_delimiter(first)
    if separator and separator not in first and len(first) > 0:
        found = guess_delimiter(first)
        raise SourceError(
            path, f"expected columns separated by {separator!r} but the header uses {found!r}", row=1
        )
    options = {"separator": sep, "infer_schema": False, "skip_rows_after_header": 1 if hxl else 0,
               "truncate_ragged_lines": False, "raise_if_empty": True}
    try:
        try:  # fast path: the parser reads the file itself (parallel, no Python copy)
            df = pl.read_csv(path, encoding="utf8", **options)
        except pl.exceptions.ComputeError:
            # slow path, to name the exact problem: bad bytes (with the byte offset) or a ragged row
            text, _ = decode_text(path, encoding, fallback_encoding)
            try:
                df = pl.read_csv(text.lstrip("\ufeff").encode(), **options)
            except pl.exceptions.ComputeError as err:
                row, detail = _first_ragged_row(text.lstrip("\ufeff"), sep)
                raise SourceError(path, detail or f"not a well-formed delimited file: {str(err).splitlines()[0]}",
                                  row=row) from None
    except pl.exceptions.NoDataError:
        raise SourceError(path, "the file has no rows") from None
    if df.columns and df.columns[0].startswith("\ufeff"):
        df = df.rename({df.columns[0]: df.columns[0].lstrip("\ufeff")})
    df = df.rename({c: c.strip() for c in df.columns})
    offset = 3 if hxl else 2
    df = df.with_row_index(ROW, offset=offset).with_columns(pl.col(ROW).cast(pl.Int64))
    require_columns(df, required, path)
    _check_cell_sizes(df, path)
    return df


MAX_CELL_BYTES = 1_000_000  # no real dataset has a cell near this; a longer one is a runaway quote or a broken export


def _check_cell_sizes(df: pl.DataFrame, path: Path) -> None:
    """A megabyte-long cell is damage (an unclosed quote, binary junk), not data: name its row and column."""
    text = [c for c, t in df.schema.items() if t == pl.String]
    if not text or df.height == 0:
        return
    longest = df.select(pl.col(text).str.len_bytes().max()).row(0, named=True)  # offsets only: cheap at any size
    for col in text:
        if (longest[col] or 0) > MAX_CELL_BYTES:
            row = df.filter(pl.col(col).str.len_bytes() > MAX_CELL_BYTES)[ROW][0]
            raise SourceError(path, f"a value of {longest[col]:,} bytes (limit {MAX_CELL_BYTES:,}) — an unclosed "
                                    "quote or a damaged export?", row=row, column=col)


def _first_ragged_row(text: str, sep: str) -> tuple[int | None, str]:
    """Find the record whose field count differs from the header's, for a message a person can act on."""
    reader = csv.reader(io.StringIO(text), delimiter=sep, strict=True)
    try:
        width = len(next(reader))
    except (StopIteration, csv.Error):
        return None, ""
    number = 1
    try:
        for number, record in enumerate(reader, start=2):
            if len(record) > width:
                return number, (f"{len(record)} fields where the header has {width} — an unquoted "
                                f"{sep!r} in a value, or the wrong delimiter?")
    except csv.Error as err:
        if "unexpected end of data" in str(err):  # the record after the last good one opened a quote
            return number + 1, "a quote (\") opened in this record is never closed, so it swallows the rest of the file"
        return number + 1, f"malformed CSV: {err}"
    return None, ""


def require_columns(df: pl.DataFrame, required: Iterable[str], path: Path) -> None:
    missing = [c for c in required if c not in df.columns]
    if not missing:
        return
    hints = []
    for col in missing:
        close = difflib.get_close_matches(col, df.columns, n=1)
        hints.append(f"'{col}'" + (f" (found '{close[0]}' — renamed?)" if close else ""))
    raise SourceError(path, f"missing column(s) {', '.join(hints)}", row=1, column=missing[0])


_NUMERIC_JUNK = re.compile(r"[\s,_]")
MAX_INTEGER = 2**53  # the largest integer a double holds exactly; counts beyond it are corrupt


def parse_numbers(
    df: pl.DataFrame,
    columns: Iterable[str],
    rejects: Rejects,
    *,
    integer: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
    required: bool = False,
    null_values: Iterable[str] = ("", "NA", "N/A", "na", "..", "-", "null", "NULL", "NaN", "nan"),
) -> pl.DataFrame:
    """Cast text columns to numbers; rows with an unparseable or out-of-range value go to rejects.

    The reject reason names the column and the offending value, so an analyst can find it in the file.
    Whole-number floats ("15960.0", as pandas writes them) are accepted for integer columns.
    """
    nulls = list(null_values)
    columns = [c for c in columns if c in df.columns]
    if not columns:
        return df
    kind = "n integer" if integer else " number"
    # pass 1: the string work, once per column — the number and whether the cell is blank
    parsed = df.select(
        *(pl.col(c).str.strip_chars().cast(pl.Float64, strict=False).alias(f"__num_{c}") for c in columns),
        *((pl.col(c).is_null() | pl.col(c).str.strip_chars().is_in(nulls)).alias(f"__blank_{c}") for c in columns),
    )
    # pass 2: cheap checks on numbers and booleans, in the order a person would fix them
    checks: list[tuple[pl.Expr, pl.Expr]] = []
    for col in columns:
        num, blank = pl.col(f"__num_{col}"), pl.col(f"__blank_{col}")
        text = pl.col(col).str.strip_chars()
        bad = ~blank & num.is_null()
        if integer:
            bad = bad | (num.is_not_null() & (num != num.round(0)))
        checks.append((bad, pl.format(f"column '{col}': '{{}}' is not a{kind}", text)))
        # "1e400" parses to inf, 1e23 overflows a 64-bit integer: absurd, never a value to load
        huge = num.is_infinite() | (num.abs() > MAX_INTEGER if integer else pl.lit(False))
        checks.append((huge.fill_null(False), pl.format(f"column '{col}': '{{}}' is too large to be a real value",
                                                        text)))
        if required:
            checks.append((blank, pl.lit(f"column '{col}': value is missing")))
        if minimum is not None:
            checks.append(((num < minimum).fill_null(False),
                           pl.format(f"column '{col}': {{}} is below the allowed {minimum:g}", text)))
        if maximum is not None:
            checks.append(((num > maximum).fill_null(False),
                           pl.format(f"column '{col}': {{}} is above the allowed {maximum:g}", text)))
    masks = parsed.select(*(m.alias(f"__bad{k}") for k, (m, _) in enumerate(checks)))
    any_bad = masks.select(pl.any_horizontal(pl.all())).to_series()
    values = parsed.select(
        *((pl.col(f"__num_{c}").cast(pl.Int64, strict=False) if integer else pl.col(f"__num_{c}")).alias(c)
          for c in columns)  # not strict: rows too large for Int64 are rejected above and filtered out below
    )
    if any_bad.any():  # only the (rare) bad rows get a reason; the first failing check names it
        bad_rows = pl.concat([df.filter(any_bad), masks.filter(any_bad)], how="horizontal")
        reason = pl.when(pl.col("__bad0")).then(checks[0][1])
        for k, (_, why) in enumerate(checks[1:], start=1):
            reason = reason.when(pl.col(f"__bad{k}")).then(why)
        rejects.add_rows(bad_rows, reason.alias("reason"))
        keep = ~any_bad
        return df.filter(keep).with_columns(values.filter(keep))
    return df.with_columns(values)


def today() -> dt.date:
    """The run's date: no source reports the future (a date after it is a typo or a corrupt cell)."""
    return dt.date.today()


def this_year() -> int:
    """The largest plausible data year for any source (years after today's are rejects)."""
    return today().year


def parse_dates(df: pl.DataFrame, column: str, rejects: Rejects, *, earliest: str = "1946-01-01",
                latest: str | None = None) -> pl.DataFrame:
    """Accept ``YYYY-MM-DD`` with or without a time part; reject unparseable dates, dates before the source's
    documented first date (``earliest``) and dates after ``latest`` (default: today)."""
    latest = latest or today().isoformat()
    text = pl.col(column).str.strip_chars().str.slice(0, 10)
    df = df.with_columns(text.str.to_date("%Y-%m-%d", strict=False).alias("__date"))
    lo, hi = pl.lit(earliest).str.to_date(), pl.lit(latest).str.to_date()
    masks = df.select(pl.col("__date").is_null().alias("bad"),
                      ((pl.col("__date") < lo) | (pl.col("__date") > hi)).fill_null(False).alias("out"))
    bad, out = masks["bad"], masks["out"]
    rejects.add_rows(df.filter(bad).drop("__date"),
                     pl.format(f"column '{column}': '{{}}' is not a date (YYYY-MM-DD)", pl.col(column)))
    why = pl.when(pl.col("__date") < lo).then(pl.lit("before the source's first date")).otherwise(
        pl.lit("after today (a date in the future)" if latest == today().isoformat() else "after the file's release"))
    rejects.add_rows(df.filter(out),
                     pl.format(f"column '{column}': {{}} is outside {earliest}…{latest}: {{}}", pl.col(column), why))
    # one pass over the (possibly millions of) kept rows, not one per check
    return df.filter(~(bad | out)).with_columns(pl.col("__date").alias(column)).drop("__date")


def duplicates_of(df: pl.DataFrame, keys: list[str], rejects: Rejects, what: str = "row") -> tuple[pl.DataFrame, int]:
    """Drop exact repeats (counted as duplicates) and reject conflicting repeats of the same key.

    Returns the de-duplicated frame and the number of exact duplicates removed.
    """
    key_dup = df.select(keys).is_duplicated()
    if not key_dup.any():  # the common case: one cheap pass over the key columns only
        return df, 0
    data_cols = [c for c in df.columns if not c.startswith("_")]
    exact = df.select(data_cols).is_duplicated() & ~df.select(pl.struct(data_cols).is_first_distinct()).to_series()
    n_exact = int(exact.sum())
    df = df.filter(~exact)
    conflicting = df.select(keys).is_duplicated() & ~df.select(pl.struct(keys).is_first_distinct()).to_series()
    rejects.add_rows(df.filter(conflicting),
                     f"duplicate {what} for {', '.join(keys)} with different values (first occurrence kept)")
    return df.filter(~conflicting), n_exact


def reject_share_guard(path: Path, rows_read: int, rejects: Rejects, max_share: float) -> None:
    """A file where most rows fail is structurally wrong (wrong delimiter, shifted columns): fail the source."""
    if rows_read and len(rejects) / rows_read > max_share and len(rejects) > 5:
        sample = rejects.frame().head(1).to_dicts()[0]
        raise SourceError(
            path,
            f"{len(rejects)} of {rows_read} rows rejected (> {max_share:.0%}); first: row {sample['row_number']}: "
            f"{sample['reason']}",
        )
