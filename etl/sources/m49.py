"""UN M49 regions (UNSD): the region / sub-region of every country, for the map and explorer filters.

UNSD serves the table only through the export button of its overview page (no stable file URL), so there is no
automatic download: save the page's CSV export into ``data/raw/m49/`` (or use ``--from``). Until then regions keep
their previous values (or stay empty on a first build) and ``sources`` says why.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from etl.model import Context, FileResult, Rejects, Source
from etl.readers import header_of, read_delimited

COLUMNS = {
    "Region Name": "m49_region", "Sub-region Name": "m49_subregion",
    "Intermediate Region Name": "m49_intermediate_region", "Country or Area": "name", "M49 Code": "m49_code",
    "ISO-alpha3 Code": "iso3",
}


class M49(Source):
    id = "m49"
    title = "Standard country or area codes for statistical use (M49)"
    publisher = "United Nations Statistics Division (UNSD)"
    licence = "United Nations website terms of use (free reuse with attribution)"
    citation = "Source: United Nations Statistics Division, Standard country or area codes for statistical use (M49)."
    url = "https://unstats.un.org/unsd/methodology/m49/overview/"
    folder = "m49"
    tables = ("m49_regions",)
    order = 0

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return "ISO-alpha3 Code" in cols and "M49 Code" in cols

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df = read_delimited(path, separator=";", required=[*COLUMNS, "Least Developed Countries (LDC)"])
        rejects = Rejects(self.id, path.name)
        rows_read = df.height
        flags = {"Least Developed Countries (LDC)": "ldc", "Land Locked Developing Countries (LLDC)": "lldc",
                 "Small Island Developing States (SIDS)": "sids"}
        df = df.rename(COLUMNS).with_columns(
            pl.col("m49_code").str.zfill(3),
            *((pl.col(src).fill_null("").str.strip_chars().str.to_lowercase() == "x").alias(dst)
              for src, dst in flags.items() if src in df.columns),
        )
        no_iso = df.filter(pl.col("iso3").is_null())
        rejects.add_rows(no_iso, "column 'ISO-alpha3 Code': empty")
        df = df.filter(pl.col("iso3").is_not_null())
        unknown = df.filter(~pl.col("iso3").is_in(list(ctx.countries.base["iso3"])))
        rejects.add_rows(unknown, pl.format("column 'ISO-alpha3 Code': '{}' is not an ISO 3166-1 code", "iso3"))
        df = df.filter(pl.col("iso3").is_in(list(ctx.countries.base["iso3"]))).select(
            "iso3", "m49_code", "name", "m49_region", "m49_subregion", "m49_intermediate_region", *flags.values()
        )
        return FileResult(path, "UNSD M49 (undated export)", rows_read, {"m49_regions": df}, rejects.frame())


SOURCE = M49()
