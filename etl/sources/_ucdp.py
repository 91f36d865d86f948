"""Helpers shared by the UCDP country-year modules (``ucdp_organized_violence``, ``ucdp_brd``, ``ucdp_acd``,
``ucdp_onesided``, ``ucdp_nonstate``): the licence and address, reading, version check, GW resolution of code lists,
codebook checks and aggregation to country-year. A module whose name starts with ``_`` is not a source.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from etl.model import Context, Rejects, SourceError
from etl.readers import ROW, parse_numbers, read_delimited, this_year

UCDP_LICENCE = "CC BY 4.0 — Data: Uppsala Conflict Data Program (UCDP), Department of Peace and Conflict Research, " \
               "Uppsala University — ucdp.uu.se."
UCDP_URL = "https://ucdp.uu.se/downloads/"
AGGREGATED = ("Aggregated from the file's {what} rows to country-year: row_number points at the source row when a "
              "single row makes the value and is NULL when the value aggregates several rows.")
INDICATOR_COLS = ("iso3", "year", "indicator_id", "value", "file_name", "row_number")


def read_ucdp(path: Path, required: Iterable[str]) -> pl.DataFrame:
    """All-text read with surrounding whitespace stripped (BRD 25.1 has a quoted ``"East Turkestan\\n"``).

    ``rechunk`` works around a polars 2.1 panic (``pl.format`` on a filtered column produced by ``strip_chars``,
    seen on the ACD file), which would otherwise hit every reject reason.
    """
    df = read_delimited(path, separator=",", required=required)
    return df.with_columns(pl.col(c).str.strip_chars() for c in df.columns if c != ROW).rechunk()


def open_release(source_id: str, path: Path, required: Iterable[str], year_column: str = "year",
                 first_year: int = 1989) -> tuple[pl.DataFrame, int, Rejects, str]:
    """The start every UCDP country-year module shares: the file read as text, its row count, the rejects, the one
    release number, and the year checked (``first_year`` … this year)."""
    df = read_ucdp(path, required)
    rows_read = df.height
    rejects = Rejects(source_id, path.name)
    version = version_of(df, path)
    df = parse_numbers(df, [year_column], rejects, integer=True, minimum=first_year, maximum=this_year(),
                       required=True)
    return df, rows_read, rejects, version


def version_of(df: pl.DataFrame, path: Path) -> str:
    """The single UCDP release number in the ``version`` column; a mixed-version file is structurally wrong."""
    versions = sorted(v for v in df["version"].drop_nulls().unique().to_list() if v)
    if len(versions) != 1:
        raise SourceError(path, f"expected one UCDP version in column 'version', found {versions or 'none'}",
                          column="version")
    return versions[0]


def resolve_gw(df: pl.DataFrame, column: str, ctx: Context, rejects: Rejects, *,
               multi: bool) -> tuple[pl.DataFrame, int]:
    """GW code (or list "651, 666") → one row per (input row, ISO3); two codes of one ISO3 (255/260) count once."""
    out, excluded = ctx.countries.resolve(df, column, "gw", rejects, multi=multi)
    return out.unique([ROW, "iso3"], keep="first", maintain_order=True), excluded


def location_count(df: pl.DataFrame) -> pl.DataFrame:
    """Add how many countries the input row was resolved to (its figures are totals over all of them)."""
    return df.with_columns(pl.len().over(ROW).cast(pl.Int64).alias("location_count"))


def aggregate(df: pl.DataFrame, indicator_id: str, value: pl.Expr, path: Path) -> pl.DataFrame:
    """One indicator_values row per country-year; provenance row_number only when a single row makes the value."""
    grouped = df.group_by("iso3", "year").agg(value.cast(pl.Float64).alias("value"),
                                              pl.col(ROW).unique().alias("__rows"))
    return grouped.select(
        "iso3", pl.col("year").cast(pl.Int64), pl.lit(indicator_id).alias("indicator_id"), "value",
        pl.lit(path.name).alias("file_name"),
        pl.when(pl.col("__rows").list.len() == 1).then(pl.col("__rows").list.first())
        .otherwise(None).cast(pl.Int64).alias("row_number"),
    ).filter(pl.col("value").is_not_null()).sort("iso3", "year")


def codes_in(df: pl.DataFrame, column: str, allowed: Iterable[int], rejects: Rejects, what: str) -> pl.DataFrame:
    """Reject rows whose (already integer) code is outside the codebook's values."""
    allowed = list(allowed)
    bad = ~pl.col(column).is_in(allowed)
    rejects.add_rows(df.filter(bad), pl.format(f"column '{column}': {{}} is not a known {what} code "
                                               f"({', '.join(map(str, allowed))})", pl.col(column)))
    return df.filter(~bad)


def loaded_rows(*frames: pl.DataFrame) -> int:
    """Input rows that reached at least one output frame (one row can become several country rows)."""
    rows = pl.concat([f.select(pl.col(ROW).cast(pl.Int64)) for f in frames if ROW in f.columns])
    return rows[ROW].n_unique()
