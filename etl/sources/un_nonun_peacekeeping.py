"""Regional and coalition peace operations, 1993–2016 (Bara & Hultman, UN and Non-UN Peacekeeping v2-2019).

The dataset is monthly (conflict episode × month × mission) with ``org`` 1 = UN, 2 = regional organisation,
3 = international coalition. UN missions are counted as *excluded* here: the cited UN peace-operations table
(curated/response) is their record. Regional (AU, ECOWAS, EU…) and coalition operations become one
``response_measures`` row per mission and host country (first and last month recorded), regional sphere for
org 2 and multilateral for org 3. Host countries are Correlates of War codes (``ccode``), resolved through the
Gleditsch–Ward table, which shares them for every post-1993 host in this file; an unknown code is a named reject.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, FileResult, Rejects, Source
from etl.readers import header_of, read_delimited

REQUIRED = ("ccode", "location", "date", "year", "missionid", "mission", "org")
ORGS = {"1": "UN", "2": "regional", "3": "coalition"}
DATASET_END = "2016-12-01"  # the last month of v2-2019: an operation still recorded then was ongoing


class UnNonUnPeacekeeping(Source):
    id = "un_nonun_peacekeeping"
    title = "UN and Non-UN Peacekeeping v2-2019 — regional and coalition operations, 1993–2016"
    publisher = "Bara & Hultman (Uppsala University), with SIPRI and IPI personnel data"
    licence = "No licence stated in the repository or codebook; the codebook asks for citation (facts reused)"
    citation = "Bara, C. & Hultman, L. (2020). Just Different Hats? Comparing UN and Non-UN Peacekeeping. " \
               "International Peacekeeping 27(3). Dataset v2-2019."
    url = "https://www.tandfonline.com/doi/full/10.1080/13533312.2020.1737023"
    folder = "un-nonun-peacekeeping"
    ignore: ClassVar = ("*.pdf",)  # the codebook
    tables = ("response_measures",)
    order = 113

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return all(c in cols for c in REQUIRED) and "totals_backward" in cols

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df = read_delimited(path, separator=",", required=REQUIRED)
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        df = df.with_columns(pl.col("org").str.strip_chars().str.replace(r"\.0$", "").alias("__org"),
                             pl.col("ccode").str.strip_chars().str.replace(r"\.0$", ""),
                             pl.col("date").str.strip_chars().str.to_date("%Y-%m-%d", strict=False).alias("__date"))
        bad_org = ~pl.col("__org").is_in(list(ORGS)).fill_null(False)
        rejects.add_rows(df.filter(bad_org), pl.format("column 'org': '{}' is not 1 (UN), 2 (regional) or 3 "
                                                       "(coalition)", pl.col("org")))
        df = df.filter(~bad_org)
        un = df.filter(pl.col("__org") == "1").height
        df = df.filter(pl.col("__org") != "1")
        bad_date = pl.col("__date").is_null()
        rejects.add_rows(df.filter(bad_date), pl.format("column 'date': '{}' is not a date (YYYY-MM-DD)",
                                                        pl.col("date")))
        df = df.filter(~bad_date)
        df, excluded = ctx.countries.resolve(df, "ccode", "gw", rejects)
        out = (df.group_by("mission", "iso3", "__org").agg(
            pl.col("__date").min().alias("first"), pl.col("__date").max().alias("last"),
            pl.col("location").first(), pl.col("_row").min().alias("row_number"), pl.len().alias("months"))
            .sort("iso3", "first", "mission"))
        ongoing = pl.col("last") >= pl.lit(DATASET_END).str.to_date()
        measures = out.select(
            "iso3", pl.when(pl.col("__org") == "2").then(pl.lit("regional")).otherwise(pl.lit("multilateral"))
            .alias("sphere"),
            pl.when(pl.col("__org") == "2").then(pl.lit("regional peace operation"))
            .otherwise(pl.lit("coalition peace operation")).alias("kind"),
            pl.col("mission").str.strip_chars().alias("name"),
            pl.when(pl.col("__org") == "2").then(pl.lit("regional organisation (see mission)"))
            .otherwise(pl.lit("international coalition")).alias("body"),
            pl.col("first").dt.strftime("%Y-%m").alias("start"), pl.col("last").dt.strftime("%Y-%m").alias("end"),
            pl.col("first").dt.year().cast(pl.Int64).alias("start_year"),
            pl.when(ongoing).then(None).otherwise(pl.col("last").dt.year().cast(pl.Int64)).alias("end_year"),
            pl.when(ongoing).then(pl.lit("ongoing at dataset end (Dec 2016)")).otherwise(pl.lit("ended"))
            .alias("status"),
            pl.format("{} months recorded in conflict location {}", pl.col("months"), pl.col("location"))
            .alias("detail"),
            pl.lit(self.url).alias("source_url"), pl.lit("2016-12").alias("as_of"),
            pl.lit(path.name).alias("file_name"), "row_number",
        )
        loaded = df.height
        return FileResult(path, "v2-2019 (1993–2016)", rows_read, {"response_measures": measures}, rejects.frame(),
                          rows_excluded=un + excluded, rows_loaded=loaded,
                          note=f"{measures.height} regional/coalition operation-country rows from {loaded} months")


SOURCE = UnNonUnPeacekeeping()
