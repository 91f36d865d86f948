"""R2P Monitor risk levels (Global Centre for R2P): cited facts, read in place from ``../shared/data/curated/``.

Two tables of that folder (see its SOURCE.md):

* ``r2p-monitor-risk-levels.csv`` — one row per (situation, date) with the level the Centre's page states;
* ``r2p-monitor-editions.csv`` — the dated editions / update rounds seen, and whether each was read in full
  (``complete``). Only a complete edition whose every situation's level was recorded can show that a situation was
  *dropped*; anywhere else a missing row means "no later listing recorded", nothing more.

Also reads an organisation's own watchlist in the risk-level shape: ``data/curated/watchlists/<list_id>.csv``
(``list_id`` taken from a ``list_id`` column when present, else from the file name in a ``watchlists`` folder,
else "gcr2p"). The list id is always written: never NULL.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, FileResult, Rejects, Source
from etl.readers import header_of, parse_dates, read_delimited

LEVELS = ("Current Crisis", "Imminent Risk", "Serious Concern")
REQUIRED = ("situation", "iso3_list", "risk_level", "as_of", "source_url")
EDITION_COLUMNS = ("edition", "as_of", "complete", "n_situations", "source_url")
GCR2P = "gcr2p"

EDITIONS = {
    "edition": pl.String, "as_of": pl.Date, "complete": pl.Boolean, "n_situations": pl.Int64,
    "source_url": pl.String, "file_name": pl.String, "row_number": pl.Int64,
}


class R2PMonitor(Source):
    id = "r2p_monitor"
    title = "R2P Monitor / Populations at Risk — risk levels"
    publisher = "Global Centre for the Responsibility to Protect"
    licence = "Cited facts compiled from public pages (attribution); see ../shared/data/curated/SOURCE.md"
    citation = "Global Centre for the Responsibility to Protect, R2P Monitor / Populations at Risk, globalr2p.org."
    url = "https://www.globalr2p.org/populations-at-risk/"
    folder = "curated"
    tables = ("r2p_risk_levels",)
    table_schemas: ClassVar = {"r2p_monitor_editions": EDITIONS}
    order = 10

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return all(c in cols for c in REQUIRED) or all(c in cols for c in EDITION_COLUMNS)

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df = read_delimited(path, separator=",")
        if "risk_level" not in df.columns and all(c in df.columns for c in EDITION_COLUMNS):
            return read_editions(path, self.id)
        return self.read_levels(path, ctx)

    def read_levels(self, path: Path, ctx: Context) -> FileResult:
        df = read_delimited(path, separator=",", required=REQUIRED)
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        bad_level = ~pl.col("risk_level").is_in(LEVELS)
        rejects.add_rows(df.filter(bad_level),
                         pl.format("column 'risk_level': '{}' is not one of " + " / ".join(LEVELS), "risk_level"))
        df = df.filter(~bad_level)
        df = parse_dates(df, "as_of", rejects, earliest="2005-01-01")
        df = df.with_columns(pl.col("iso3_list").str.split(";").alias("__iso")).explode("__iso")
        df = df.with_columns(pl.col("__iso").str.strip_chars().str.to_uppercase())
        df, _ = ctx.countries.resolve(df, "__iso", "iso3", rejects)
        default_list = pl.lit(list_id_of(path))
        if "list_id" in df.columns:  # a blank cell takes the file's list id: the column is never NULL
            df = df.with_columns(pl.col("list_id").str.strip_chars().replace("", None).fill_null(default_list))
        else:
            df = df.with_columns(default_list.alias("list_id"))
        if "quote" not in df.columns:
            df = df.with_columns(pl.lit(None, pl.String).alias("quote"))
        out = df.select("iso3", "situation", "risk_level", "as_of", "source_url", "quote", "list_id",
                        pl.lit(path.name).alias("file_name"), pl.col("_row").alias("row_number"))
        loaded = out["row_number"].n_unique()
        return FileResult(path, f"as of {out['as_of'].max()}", rows_read, {"r2p_risk_levels": out},
                          rejects.frame(), rows_loaded=loaded)


def read_editions(path: Path, source_id: str) -> FileResult:
    """The editions list: ``complete`` must be yes/no, ``n_situations`` a count ≥ 0, ``as_of`` a date."""
    df = read_delimited(path, separator=",", required=EDITION_COLUMNS)
    rows_read = df.height
    rejects = Rejects(source_id, path.name)
    flag = pl.col("complete").str.strip_chars().str.to_lowercase()
    bad_flag = ~flag.is_in(["yes", "no"])
    rejects.add_rows(df.filter(bad_flag), pl.format("column 'complete': '{}' is not yes / no", "complete"))
    df = df.filter(~bad_flag)
    count = pl.col("n_situations").str.strip_chars().cast(pl.Int64, strict=False)
    bad_count = count.is_null() | (count < 0)
    rejects.add_rows(df.filter(bad_count),
                     pl.format("column 'n_situations': '{}' is not a count", "n_situations"))
    df = parse_dates(df.filter(~bad_count), "as_of", rejects, earliest="2005-01-01")
    out = df.select(pl.col("edition").str.strip_chars(), "as_of", (flag == "yes").alias("complete"),
                    count.alias("n_situations"), "source_url", pl.lit(path.name).alias("file_name"),
                    pl.col("_row").alias("row_number"))
    n_complete = out["complete"].sum()
    return FileResult(path, f"{out.height} editions, {n_complete} read in full", rows_read,
                      {"r2p_monitor_editions": out}, rejects.frame(), rows_loaded=out.height)


def list_id_of(path: Path) -> str:
    """Files in a ``watchlists`` folder are an organisation's own list, named by the file; others are GCR2P's."""
    return path.stem if path.parent.name.lower() == "watchlists" else GCR2P


SOURCE = R2PMonitor()
