"""Freedom House, Freedom in the World: aggregate scores and status per country/territory and edition.

**Opt-in.** The workbook carries no licence and Freedom House content is copyrighted; its terms were not
verified (see the dataset's SOURCE.md). So by default the file is recognised and read (to report on it) but no
value is loaded: every row is counted as excluded and the ``sources`` table says why. An organisation that has
confirmed its right to use the data sets ``R2P_OPT_IN=freedomhouse`` (comma-separated source ids); the values
are then loaded with ``redistributable = False`` (do not publish them in exports).

Decisions:
* ``Edition`` is the report year; ``year`` = Edition − 1, the year of the events assessed (Edition 2025 → 2024).
* ``fh_status``: 1 = Free (F), 2 = Partly Free (PF), 3 = Not Free (NF) — higher is worse.
* names resolve through system ``name`` (etl/reference/codes/fh.csv): "Congo (Kinshasa)" → COD (the generic
  "(…)"-stripping would give COG), FH's "West Bank" territory is the PSE series (as V-Dem's PSE unit), "Gaza Strip"
  and disputed territories (Abkhazia, Crimea, Tibet, Kashmir…) are rejected, never merged into a State.
* PR can be negative (down to −4 through the additional discretionary question), hence the ranges below.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, Download, FileResult, Indicator, Rejects, Source, SourceError
from etl.readers import (
    check_not_html_or_empty,
    duplicates_of,
    parse_numbers,
    reject_share_guard,
    require_columns,
    this_year,
)

OPT_IN_ENV = "R2P_OPT_IN"
NAME, EDITION = "Country/Territory", "Edition"
SCORES = {"Total": ("fh_total_score", -4, 100), "PR": ("fh_political_rights", -4, 40),
          "CL": ("fh_civil_liberties", 0, 60)}
STATUS = {"F": 1, "PF": 2, "NF": 3}
REQUIRED = (NAME, EDITION, "Status", *SCORES)
HEADER_ROW = 1  # 0-based: a title in row 1, the header in row 2 (Excel numbering)


def opted_in(source_id: str = "freedomhouse") -> bool:
    return source_id in {s.strip() for s in os.environ.get(OPT_IN_ENV, "").split(",")}


def _sheet_names(path: Path) -> list[str]:
    import fastexcel

    return list(fastexcel.read_excel(str(path)).sheet_names)


class FreedomHouse(Source):
    id = "freedomhouse"
    title = "Freedom in the World — aggregate scores and status"
    publisher = "Freedom House"
    licence = ("Not an open licence; terms not verified — loaded only when opted in (R2P_OPT_IN=freedomhouse), "
               "never redistributed")
    citation = "Source: Freedom House, Freedom in the World 2013–2025."
    url = "https://freedomhouse.org/report/freedom-world"
    folder = "freedomhouse"
    downloads: ClassVar = (
        Download("https://freedomhouse.org/sites/default/files/2025-02/All_data_FIW_2013-2024.xlsx",
                 "All_data_FIW_2013-2024.xlsx"),
    )
    indicators: ClassVar = (
        Indicator("fh_total_score", "Freedom in the World total score", "score 0–100",
                  "Political rights + civil liberties aggregate (higher = freer); year = edition − 1.", False, (6,)),
        Indicator("fh_political_rights", "Freedom House political rights score", "score 0–40",
                  "Aggregate of subcategories A–C (can be below 0 through the discretionary question).", False, ()),
        Indicator("fh_civil_liberties", "Freedom House civil liberties score", "score 0–60",
                  "Aggregate of subcategories D–G: expression, association, rule of law, personal rights.",
                  False, (6,)),
        Indicator("fh_status", "Freedom House status", "code 1–3",
                  "1 = Free, 2 = Partly Free, 3 = Not Free.", True, (6,)),
    )
    tables = ("indicator_values",)
    redistributable = False
    order = 50

    def recognise(self, path: Path, head: str) -> bool:
        if head != "<zip>":
            return False
        try:
            with zipfile.ZipFile(path) as zf:
                if "xl/workbook.xml" not in zf.namelist():
                    return False
            return any(s.upper().startswith("FIW") for s in _sheet_names(path))
        except (zipfile.BadZipFile, OSError, ValueError):
            return False

    def _data_sheet(self, path: Path) -> str:
        try:
            names = _sheet_names(path)
        except Exception as err:  # fastexcel raises its own error types for a damaged workbook
            raise SourceError(path, f"not a readable Excel workbook: {err}") from None
        for name in names:
            if name.upper().startswith("FIW"):
                return name
        raise SourceError(path, f"no data sheet 'FIW…' among sheets {names}")

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        check_not_html_or_empty(path)
        sheet = self._data_sheet(path)
        df = pl.read_excel(path, sheet_name=sheet, read_options={"header_row": HEADER_ROW}, infer_schema_length=0)
        df = df.rename({c: c.strip() for c in df.columns})
        require_columns(df, REQUIRED, path)
        # Excel row number: header on row HEADER_ROW + 1, first data row just below it
        df = df.with_row_index("_row", offset=HEADER_ROW + 2).with_columns(pl.col("_row").cast(pl.Int64))
        df = df.filter(~pl.all_horizontal(pl.col(c).is_null() for c in REQUIRED))  # trailing blank rows
        rows_read = df.height
        if not opted_in(self.id):
            empty = pl.DataFrame(schema={"iso3": pl.String, "year": pl.Int64, "indicator_id": pl.String,
                                         "value": pl.Float64, "file_name": pl.String, "row_number": pl.Int64})
            return FileResult(path, f"FIW, sheet {sheet}", rows_read, {"indicator_values": empty},
                              Rejects(self.id, path.name).frame(), rows_excluded=rows_read,
                              note=f"not loaded: Freedom House terms of use not verified; set {OPT_IN_ENV}="
                                   f"{self.id} after confirming permission")
        rejects = Rejects(self.id, path.name)
        df = df.with_columns(pl.col(NAME).str.strip_chars(), pl.col("Status").str.strip_chars().str.to_uppercase())
        df = parse_numbers(df, [EDITION], rejects, integer=True, minimum=1973, maximum=this_year(), required=True)
        for col, (_, lo, hi) in SCORES.items():
            df = parse_numbers(df, [col], rejects, minimum=lo, maximum=hi)
        bad_status = ~pl.col("Status").is_in(list(STATUS)) & pl.col("Status").is_not_null()
        rejects.add_rows(df.filter(bad_status), pl.format("column 'Status': '{}' is not F / PF / NF", "Status"))
        df = df.filter(~bad_status).with_columns(
            pl.col("Status").replace_strict(STATUS, default=None, return_dtype=pl.Float64).alias("status_code"),
            (pl.col(EDITION) - 1).alias("year"),
        )
        df, n_excluded = ctx.countries.resolve(df, NAME, "name", rejects)
        df, n_dup = duplicates_of(df, ["iso3", EDITION], rejects, what="country-edition")
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        cols = {**{c: v[0] for c, v in SCORES.items()}, "status_code": "fh_status"}
        values = (
            df.select("iso3", "year", pl.col("_row").alias("row_number"), *(pl.col(c).cast(pl.Float64) for c in cols))
            .unpivot(index=["iso3", "year", "row_number"], on=list(cols), variable_name="col", value_name="value")
            .filter(pl.col("value").is_not_null())
            .select("iso3", "year", pl.col("col").replace_strict(cols).alias("indicator_id"), "value",
                    pl.lit(path.name).alias("file_name"), "row_number")
            .sort("iso3", "year", "indicator_id")
        )
        editions = f"{df[EDITION].min()}–{df[EDITION].max()}" if df.height else "none"
        return FileResult(path, f"FIW editions {editions} (sheet {sheet})", rows_read, {"indicator_values": values},
                          rejects.frame(), rows_duplicate=n_dup, rows_excluded=n_excluded,
                          note="loaded by opt-in; not redistributable")


SOURCE = FreedomHouse()
