"""Geo-PKO v2.3: UN peacekeeping deployment locations by mission and year, 1994–2024 (Uppsala University).

The Geo-PKO dashboard's ``FrontMap`` table (mission, year, country, location, coordinates, troop counts by type)
is the map layer of the country page. Country names go through the shared resolver (``etl/reference/codes/``);
a location without coordinates or with a non-numeric count is a named reject. The troop-contributor and
troop-type tables of the same release are not loaded (not used on screen).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, FileResult, Rejects, Source
from etl.readers import header_of, parse_numbers, read_delimited

REQUIRED = ("mission", "year", "country", "location", "latitude", "longitude", "NoTroops", "hq", "UNPOL", "UNMO")
OUT = ("mission", "year", "iso3", "location", "latitude", "longitude", "troops", "hq", "unpol", "unmo", "file_name",
       "row_number")


class GeoPko(Source):
    id = "geo_pko"
    title = "Geo-PKO v2.3 — UN peacekeeping deployment locations (mission, year, location)"
    publisher = "Uppsala University, Department of Peace and Conflict Research"
    licence = "Geo-PKO data: cite Cil et al. 2020 (Uppsala terms not seen here); copy from geopko/Geo-PKO-Shiny-" \
              "Dashboard (GPL-2.0)"
    citation = "Cil, D., Fjelde, H., Hultman, L. & Nilsson, D. (2020). Mapping blue helmets: Introducing the " \
               "Geocoded Peacekeeping Operations (Geo-PKO) dataset. Journal of Peace Research 57(2). Version 2.3."
    url = "https://www.uu.se/en/department/peace-and-conflict-research/research/research-data/geo-pko"
    folder = "geo-pko"
    ignore: ClassVar = ("TCCMap*.csv", "TTMap*.csv")  # troop-contributor and troop-type tables: not loaded (yet)
    tables = ("pko_deployments",)
    order = 111

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return all(c in cols for c in REQUIRED)

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df = read_delimited(path, separator=",", required=REQUIRED)
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        df = parse_numbers(df, ["year"], rejects, integer=True, required=True, minimum=1948, maximum=2100)
        df = parse_numbers(df, ["latitude", "longitude"], rejects, required=True)
        df = parse_numbers(df, ["NoTroops", "hq", "UNPOL", "UNMO"], rejects, integer=True, minimum=0)
        bad = ~(pl.col("latitude").is_between(-90, 90) & pl.col("longitude").is_between(-180, 180))
        rejects.add_rows(df.filter(bad), "columns 'latitude'/'longitude': outside the globe")
        df = df.filter(~bad)
        df, excluded = ctx.countries.resolve(df, "country", "name", rejects)
        out = df.select(
            pl.col("mission").str.strip_chars(), "year", "iso3", pl.col("location").str.strip_chars(), "latitude",
            "longitude", pl.col("NoTroops").alias("troops"), "hq", pl.col("UNPOL").alias("unpol"),
            pl.col("UNMO").alias("unmo"), pl.lit(path.name).alias("file_name"), pl.col("_row").alias("row_number"),
        )
        years = f"{out['year'].min()}–{out['year'].max()}" if out.height else "no rows"
        return FileResult(path, f"v2.3 FrontMap {years}", rows_read, {"pko_deployments": out}, rejects.frame(),
                          rows_excluded=excluded, rows_loaded=out.height)


SOURCE = GeoPko()
