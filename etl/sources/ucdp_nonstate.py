"""UCDP Non-State Conflict Dataset (v23.1): non-state conflicts per country-year, and the dyad list.

Dyad-year rows (≥ 25 deaths in fighting between organised groups, no government party). Deaths are not made a
country-year indicator: 55 rows list several location countries with one undivided total; the geo-coded, additive
figure is ``ucdp_nonstate_deaths`` (Organized Violence country-year, newer 25.1). This dataset adds the conflicts
themselves: counts per country-year, separately for communal conflicts (``org`` = 3: informally organised groups
along shared ethnic, religious or other communal identity — a direct sign of intergroup violence, risk factor 9),
and the ``nonstate_conflicts`` table (one row per dyad-year and location country, with the dyad-year totals).
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
ORG = {1: "formally organised groups", 2: "informally organised supporters of a political party",
       3: "informally organised groups along communal lines"}
REQUIRED = ("conflict_id", "dyad_id", "org", "side_a_name", "side_b_name", "year", *DEATHS, "location",
            "gwno_location", "version")
NOTE = " A conflict located in several countries counts in each. " + AGGREGATED.format(what="dyad-year")

NONSTATE_CONFLICTS = {
    "conflict_id": pl.String, "dyad_id": pl.String, "org": pl.Int64, "org_label": pl.String, "side_a": pl.String,
    "side_b": pl.String, "year": pl.Int64, "iso3": pl.String, "location": pl.String, "gwno_location": pl.String,
    "location_count": pl.Int64, "deaths_best": pl.Int64, "deaths_low": pl.Int64, "deaths_high": pl.Int64,
    "source_version": pl.String, "source_id": pl.String, "file_name": pl.String, "row_number": pl.Int64,
}


class UcdpNonState(Source):
    id = "ucdp_nonstate"
    title = "UCDP Non-State Conflict Dataset"
    publisher = "Uppsala Conflict Data Program (UCDP), Uppsala University"
    licence = UCDP_LICENCE
    citation = ("Sundberg, Ralph, Kristine Eck & Joakim Kreutz (2012). Introducing the UCDP Non-State Conflict "
                "Dataset. Journal of Peace Research 49(2); Davies, Shawn, Therese Pettersson & Magnus Öberg (2023). "
                "Organized violence 1989–2022 and the return of conflicts between states? Journal of Peace Research "
                "60(4).")
    url = UCDP_URL
    folder = "ucdp-nonstate"
    downloads: ClassVar = (Download("https://ucdp.uu.se/downloads/nsos/ucdp-nonstate-231-csv.zip",
                                    "ucdp-nonstate-231-csv.zip", unzip=True),)
    indicators: ClassVar = (
        Indicator("ucdp_nonstate_conflict_count", "Active non-state conflicts", "conflicts",
                  "Number of distinct non-state conflicts (organised groups fighting each other, ≥ 25 deaths in the "
                  "year, no government party) located in the country (UCDP Non-State Conflict)." + NOTE, True, (1,)),
        Indicator("ucdp_nonstate_communal_conflict_count", "Active communal non-state conflicts", "conflicts",
                  "Number of distinct non-state conflicts between informally organised groups along communal lines "
                  "(ethnic, religious, tribal; UCDP org = 3) located in the country (UCDP Non-State Conflict); 0 where "
                  "only other non-state conflicts are recorded."
                  + NOTE, True, (1, 9)),
    )
    tables = ("indicator_values", "nonstate_conflicts")
    table_schemas: ClassVar = {"nonstate_conflicts": NONSTATE_CONFLICTS}

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return "side_a_name" in cols and "gwno_location" in cols and "org" in cols

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df, rows_read, rejects, version = open_release(self.id, path, REQUIRED)
        df = parse_numbers(df, list(DEATHS), rejects, integer=True, minimum=0, required=True)
        df = parse_numbers(df, ["org"], rejects, integer=True, required=True)
        df = codes_in(df, "org", ORG, rejects, "organisation level")
        df, n_dup = duplicates_of(df, ["dyad_id", "year"], rejects, what="dyad-year")
        df, n_excl = resolve_gw(df, "gwno_location", ctx, rejects, multi=True)
        df = location_count(df)
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        communal = pl.col("org") == 3
        values = pl.concat([
            aggregate(df, "ucdp_nonstate_conflict_count", pl.col("conflict_id").n_unique(), path),
            aggregate(df, "ucdp_nonstate_communal_conflict_count", pl.col("conflict_id").filter(communal).n_unique(),
                      path),
        ])
        dyads = df.rename(DEATHS).select(
            "conflict_id", "dyad_id", "org",
            pl.col("org").replace_strict(ORG, return_dtype=pl.String).alias("org_label"),
            pl.col("side_a_name").alias("side_a"), pl.col("side_b_name").alias("side_b"), "year", "iso3", "location",
            "gwno_location", "location_count", *DEATHS.values(), pl.lit(version).alias("source_version"),
            pl.lit(path.name).alias("file_name"), pl.col("_row").alias("row_number"),
        ).sort("iso3", "year", "conflict_id", "dyad_id")
        return FileResult(path, version, rows_read, {"indicator_values": values, "nonstate_conflicts": dyads},
                          rejects.frame(), rows_duplicate=n_dup, rows_loaded=loaded_rows(df),
                          rows_excluded=n_excl, note=rejects.dropped_note())


SOURCE = UcdpNonState()
