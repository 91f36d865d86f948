"""UCDP One-sided Violence Dataset (v23.1): who deliberately kills civilians, where — perpetrators per country-year.

Actor-year rows (≥ 25 civilians killed by the actor in the year). Deaths are *not* turned into a country-year
indicator: an actor's figure is one total over all its location countries (IS 2015 lists some twenty), so it cannot
be split; the geo-coded, additive one-sided deaths are ``ucdp_onesided_deaths`` (Organized Violence country-year,
newer 25.1). What this dataset adds is the perpetrators: counts of actors (all / governments) per country-year and
the ``onesided_actors`` table (one row per actor-year and location country, with the actor-year totals).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, Download, FileResult, Indicator, Source
from etl.readers import duplicates_of, header_of, parse_numbers, reject_share_guard
from etl.sources._ucdp import (
    AGGREGATED,
    UCDP_LICENCE,
    UCDP_URL,
    aggregate,
    codes_in,
    loaded_rows,
    location_count,
    open_release,
    resolve_gw,
)

DEATHS = {"best_fatality_estimate": "deaths_best", "low_fatality_estimate": "deaths_low",
          "high_fatality_estimate": "deaths_high"}
REQUIRED = ("conflict_id", "dyad_id", "actor_id", "actor_name", "year", *DEATHS, "is_government_actor", "location",
            "gwno_location", "version")
NOTE = (" An actor active in several countries counts in each. " + AGGREGATED.format(what="actor-year"))

ONESIDED_ACTORS = {
    "conflict_id": pl.String, "dyad_id": pl.String, "actor_id": pl.String, "actor_name": pl.String,
    "is_government_actor": pl.Boolean, "year": pl.Int64, "iso3": pl.String, "location": pl.String,
    "gwno_location": pl.String, "location_count": pl.Int64, "deaths_best": pl.Int64, "deaths_low": pl.Int64,
    "deaths_high": pl.Int64, "source_version": pl.String, "source_id": pl.String, "file_name": pl.String,
    "row_number": pl.Int64,
}


class UcdpOneSided(Source):
    id = "ucdp_onesided"
    title = "UCDP One-sided Violence Dataset"
    publisher = "Uppsala Conflict Data Program (UCDP), Uppsala University"
    licence = UCDP_LICENCE
    citation = ("Eck, Kristine & Lisa Hultman (2007). Violence Against Civilians in War. Journal of Peace Research "
                "44(2); Davies, Shawn, Therese Pettersson & Magnus Öberg (2023). Organized violence 1989–2022 and "
                "the return of conflicts between states? Journal of Peace Research 60(4).")
    url = UCDP_URL
    folder = "ucdp-onesided"
    downloads: ClassVar = (Download("https://ucdp.uu.se/downloads/nsos/ucdp-onesided-231-csv.zip",
                                    "ucdp-onesided-231-csv.zip", unzip=True),)
    indicators: ClassVar = (
        Indicator("ucdp_onesided_actor_count", "Perpetrators of one-sided violence", "actors",
                  "Number of distinct actors (governments or organised armed groups) that deliberately killed at "
                  "least 25 civilians in the country in the year (UCDP One-sided Violence)." + NOTE, True, (2, 11)),
        Indicator("ucdp_onesided_govt_actor_count", "Governments committing one-sided violence", "actors",
                  "Number of distinct government actors (the country's own or a foreign government) that "
                  "deliberately killed at least 25 civilians in the country in the year (UCDP One-sided Violence); 0 "
                  "where only non-state perpetrators are recorded." + NOTE, True, (2, 11)),
    )
    tables = ("indicator_values", "onesided_actors")
    table_schemas: ClassVar = {"onesided_actors": ONESIDED_ACTORS}

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return "is_government_actor" in cols and "gwno_location" in cols

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df, rows_read, rejects, version = open_release(self.id, path, REQUIRED)
        df = parse_numbers(df, list(DEATHS), rejects, integer=True, minimum=0, required=True)
        df = parse_numbers(df, ["is_government_actor"], rejects, integer=True, required=True)
        df = codes_in(df, "is_government_actor", (0, 1), rejects, "government-actor flag")
        df, n_dup = duplicates_of(df, ["dyad_id", "year"], rejects, what="actor-year")
        df, n_excl = resolve_gw(df, "gwno_location", ctx, rejects, multi=True)
        df = location_count(df)
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        govt = pl.col("is_government_actor") == 1
        values = pl.concat([
            aggregate(df, "ucdp_onesided_actor_count", pl.col("actor_id").n_unique(), path),
            aggregate(df, "ucdp_onesided_govt_actor_count", pl.col("actor_id").filter(govt).n_unique(), path),
        ])
        actors = df.rename(DEATHS).select(
            "conflict_id", "dyad_id", "actor_id", "actor_name", (pl.col("is_government_actor") == 1),
            "year", "iso3", "location", "gwno_location", "location_count", *DEATHS.values(),
            pl.lit(version).alias("source_version"), pl.lit(path.name).alias("file_name"),
            pl.col("_row").alias("row_number"),
        ).sort("iso3", "year", "actor_id")
        return FileResult(path, version, rows_read, {"indicator_values": values, "onesided_actors": actors},
                          rejects.frame(), rows_duplicate=n_dup, rows_loaded=loaded_rows(df),
                          rows_excluded=n_excl, note=rejects.dropped_note())


SOURCE = UcdpOneSided()
