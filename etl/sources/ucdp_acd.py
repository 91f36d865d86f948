"""UCDP/PRIO Armed Conflict Dataset (v23.1): conflict presence and intensity per country-year, and the conflict list.

Country attribution is ``gwno_loc`` (the government(s) whose territory/government is contested); a conflict with a
list such as "651, 666" counts for each listed country. Two outputs:

* ``indicator_values``: ``ucdp_acd_active_conflicts`` (distinct conflicts) and ``ucdp_acd_max_intensity`` (1 =
  25–999 battle deaths, 2 = war, ≥ 1,000) per country-year. Country-years without an active conflict have no row in
  the file, so none here (absence = no conflict recorded, not a zero we impute).
* ``armed_conflicts``: one row per conflict-year and location country, for analysts (sides, incompatibility, type).

A row whose location list holds a historical state (South Yemen 680, South Vietnam 817, Hyderabad 751) is rejected
as a whole with the crosswalk's reason — all of them are pre-1990.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, Download, FileResult, Indicator, Source
from etl.readers import duplicates_of, header_of, parse_dates, parse_numbers, reject_share_guard
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

REQUIRED = ("conflict_id", "location", "side_a", "side_b", "incompatibility", "territory_name", "year",
            "intensity_level", "type_of_conflict", "start_date", "gwno_loc", "version")
INCOMPATIBILITY = {1: "territory", 2: "government", 3: "government and territory"}
TYPE_OF_CONFLICT = {1: "extrasystemic", 2: "interstate", 3: "intrastate", 4: "internationalized intrastate"}
NOTE = (" Conflicts are attributed to every country in gwno_loc (an interstate conflict counts for each side's "
        "country). " + AGGREGATED.format(what="conflict-year"))

ARMED_CONFLICTS = {
    "conflict_id": pl.String, "year": pl.Int64, "iso3": pl.String, "location": pl.String, "gwno_loc": pl.String,
    "location_count": pl.Int64, "side_a": pl.String, "side_b": pl.String, "incompatibility": pl.Int64,
    "incompatibility_label": pl.String, "territory_name": pl.String, "type_of_conflict": pl.Int64,
    "type_of_conflict_label": pl.String, "intensity_level": pl.Int64, "start_date": pl.Date,
    "source_version": pl.String, "source_id": pl.String, "file_name": pl.String, "row_number": pl.Int64,
}


class UcdpArmedConflict(Source):
    id = "ucdp_acd"
    title = "UCDP/PRIO Armed Conflict Dataset"
    publisher = "Uppsala Conflict Data Program (UCDP), Uppsala University, and Peace Research Institute Oslo (PRIO)"
    licence = UCDP_LICENCE
    citation = ("Gleditsch, Nils Petter, Peter Wallensteen, Mikael Eriksson, Margareta Sollenberg & Håvard Strand "
                "(2002). Armed Conflict 1946–2001: A New Dataset. Journal of Peace Research 39(5); Davies, Shawn, "
                "Therese Pettersson & Magnus Öberg (2023). Organized violence 1989–2022 and the return of conflicts "
                "between states? Journal of Peace Research 60(4).")
    url = UCDP_URL
    folder = "ucdp-acd"
    downloads: ClassVar = (Download("https://ucdp.uu.se/downloads/ucdpprio/ucdp-prio-acd-231-csv.zip",
                                    "ucdp-prio-acd-231-csv.zip", unzip=True),)
    indicators: ClassVar = (
        Indicator("ucdp_acd_active_conflicts", "Active state-based armed conflicts", "conflicts",
                  "Number of distinct state-based armed conflicts (≥ 25 battle deaths in the year, a government is a "
                  "party) located in the country (UCDP/PRIO ACD)." + NOTE, True, (1,)),
        Indicator("ucdp_acd_max_intensity", "Highest armed-conflict intensity",
                  "intensity level (1 = 25–999 battle deaths, 2 = ≥ 1,000)",
                  "Highest intensity level among the state-based armed conflicts located in the country that year "
                  "(UCDP/PRIO ACD: 1 minor, 2 war)." + NOTE, True, (1,)),
    )
    tables = ("indicator_values", "armed_conflicts")
    table_schemas: ClassVar = {"armed_conflicts": ARMED_CONFLICTS}

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return "intensity_level" in cols and "gwno_loc" in cols and "conflict_id" in cols

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df, rows_read, rejects, version = open_release(self.id, path, REQUIRED, first_year=1946)
        df = parse_numbers(df, ["intensity_level", "incompatibility", "type_of_conflict"], rejects, integer=True,
                           required=True)
        df = codes_in(df, "intensity_level", (1, 2), rejects, "intensity")
        df = codes_in(df, "incompatibility", INCOMPATIBILITY, rejects, "incompatibility")
        df = codes_in(df, "type_of_conflict", TYPE_OF_CONFLICT, rejects, "conflict type")
        df = parse_dates(df, "start_date", rejects, earliest="1900-01-01")  # episodes from 1939 on
        df, n_dup = duplicates_of(df, ["conflict_id", "year"], rejects, what="conflict-year")
        df, n_excl = resolve_gw(df, "gwno_loc", ctx, rejects, multi=True)
        df = location_count(df)
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        values = pl.concat([
            aggregate(df, "ucdp_acd_active_conflicts", pl.col("conflict_id").n_unique(), path),
            aggregate(df, "ucdp_acd_max_intensity", pl.col("intensity_level").max(), path),
        ])
        conflicts = df.select(
            "conflict_id", "year", "iso3", "location", "gwno_loc", "location_count", "side_a", "side_b",
            "incompatibility",
            pl.col("incompatibility").replace_strict(INCOMPATIBILITY, return_dtype=pl.String)
            .alias("incompatibility_label"),
            pl.col("territory_name").replace("", None), "type_of_conflict",
            pl.col("type_of_conflict").replace_strict(TYPE_OF_CONFLICT, return_dtype=pl.String)
            .alias("type_of_conflict_label"),
            "intensity_level", "start_date", pl.lit(version).alias("source_version"),
            pl.lit(path.name).alias("file_name"), pl.col("_row").alias("row_number"),
        ).sort("conflict_id", "year", "iso3")
        return FileResult(path, version, rows_read, {"indicator_values": values, "armed_conflicts": conflicts},
                          rejects.frame(), rows_duplicate=n_dup, rows_loaded=loaded_rows(df),
                          rows_excluded=n_excl, note=rejects.dropped_note())


SOURCE = UcdpArmedConflict()
