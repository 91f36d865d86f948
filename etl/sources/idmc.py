"""IDMC internal displacement: the GIDD Excel export, and IDMC conflict IDP stocks as republished by UNHCR.

* GIDD xlsx (recognised by a sheet whose header has ``ISO3``, ``Year`` and the displacement columns, whatever the
  file or sheet is called) → four indicators. The rounded columns are IDMC's published headline figures and are
  the ones loaded; the "(Raw)" columns are not (IDMC leaves the rounded cell blank where the raw one is 0, and a
  blank means "no figure", not zero). The sex/age sheet (``2_IDPs_SADD_estimates``, modelled estimates for
  2021–2022) and the README sheet are not loaded. Counts are per row of the data sheet: a row is loaded when it
  gives at least one figure; rows with no figure at all, or for Abyei (``AB9``), are excluded.
* ``unhcr_refugees_idmc.csv`` (table ``idmc`` of UNHCR's refugees R package: ``year, coo…, coa_iso, total`` with
  origin = asylum in every row) → ``idmc_conflict_idps_stock_unhcr``. It is a *different vintage* from the GIDD
  file (values differ for the same country-year), so it is a separate indicator, never merged into the GIDD
  series. Its 1990–2008 global rows (code ``UNK``) are excluded.

Abyei Area (``AB9``) is claimed by Sudan and South Sudan and has no ISO code: excluded (listed in
``etl/reference/codes/idmc.csv``), never counted toward either country. Kosovo is ``XKX``.

No automatic download: the GIDD export is produced interactively at
https://www.internal-displacement.org/database/displacement-data (place the xlsx in ``data/raw/idmc/``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import fastexcel
import openpyxl
import polars as pl

from etl.model import Context, FileResult, Indicator, Rejects, Source, SourceError
from etl.readers import duplicates_of, header_of, parse_numbers, read_delimited, reject_share_guard, this_year

GIDD_VALUES = {
    "Conflict Stock Displacement": "idmc_conflict_idps_stock",
    "Conflict Internal Displacements": "idmc_conflict_new_displacements",
    "Disaster Internal Displacements": "idmc_disaster_new_displacements",
    "Disaster Stock Displacement": "idmc_disaster_idps_stock",
}
GIDD_REQUIRED = ("ISO3", "Year", *GIDD_VALUES)
UNHCR_COLS = ("year", "coo", "coo_iso", "coa", "coa_iso", "total")

INDICATORS = (
    Indicator("idmc_conflict_idps_stock", "IDPs (conflict and violence), IDMC", "persons",
              "Total number of people internally displaced by conflict and violence at the end of the year (IDMC "
              "GIDD, rounded headline figure).", True, (1, 7)),
    Indicator("idmc_conflict_new_displacements", "New internal displacements (conflict and violence), IDMC",
              "displacements",
              "Internal displacements (movements) caused by conflict and violence during the year (IDMC GIDD, "
              "rounded); people displaced several times are counted several times.", True, (1, 7)),
    Indicator("idmc_disaster_new_displacements", "New internal displacements (disasters), IDMC", "displacements",
              "Internal displacements caused by disasters during the year (IDMC GIDD, rounded); context for "
              "displacement not linked to violence.", None, ()),
    Indicator("idmc_disaster_idps_stock", "IDPs (disasters), IDMC", "persons",
              "Total number of people internally displaced by disasters at the end of the year (IDMC GIDD, "
              "rounded).", None, ()),
    Indicator("idmc_conflict_idps_stock_unhcr", "IDPs (conflict and violence), IDMC via UNHCR", "persons",
              "IDMC's conflict/violence IDP stock at the end of the year as republished by UNHCR (refugees R "
              "package, table idmc). A later vintage than the GIDD file and not merged with it.", True, (1, 7)),
)


HEADER_SEARCH_ROWS = 20  # an export with a title or notes above the header: look this far down for it


def _gidd_sheet(path: Path) -> tuple[str, int] | None:
    """The sheet whose header holds the GIDD displacement columns and the header's 0-based row, if any.

    The header is searched in the first rows, not only the first: an export with a title line above it is the
    same data, and reading it from row 1 would silently lose every row."""
    try:
        reader = fastexcel.read_excel(str(path))
        for name in reader.sheet_names:
            top = reader.load_sheet(name, header_row=None, n_rows=HEADER_SEARCH_ROWS).to_polars()
            for index, row in enumerate(top.iter_rows()):
                cells = {str(c).strip() for c in row if c is not None}
                if all(c in cells for c in GIDD_REQUIRED):
                    return name, index
    except Exception:  # not a readable workbook: not ours
        return None
    return None


def _uncached_formulas(path: Path, sheet: str, header_row: int) -> dict[int, tuple[str, str]]:
    """Record number -> (column, formula) of value cells holding a formula: a workbook saved without calculating
    (written by a script) has no stored result for them, and the reader sees an empty cell."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        rows = wb[sheet].iter_rows(min_row=header_row + 1, values_only=True)
        header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
        wanted = {i: h for i, h in enumerate(header) if h in ("ISO3", "Year", *GIDD_VALUES)}
        found: dict[int, tuple[str, str]] = {}
        for number, row in enumerate(rows, start=header_row + 2):
            for i, col in wanted.items():
                if i < len(row) and isinstance(row[i], str) and row[i].startswith("="):
                    found.setdefault(number, (col, row[i]))
        return found
    finally:
        wb.close()


def _is_unhcr_idmc(head: str) -> bool:
    """UNHCR's ``idmc`` table: the same header as its ``unrwa`` table, but origin = asylum in every row."""
    cols = header_of(head)
    if not all(c in cols for c in UNHCR_COLS):
        return False
    lines = [ln for ln in head.lstrip("\ufeff").splitlines()[1:] if ln.strip()]
    if len(head) >= 65536 and lines:
        lines = lines[:-1]
    i, j = cols.index("coo_iso"), cols.index("coa_iso")
    rows = [r for r in csv.reader(lines) if len(r) > max(i, j)]
    return bool(rows) and all(r[i] == r[j] for r in rows)


class IDMC(Source):
    id = "idmc"
    title = "Global Internal Displacement Database (GIDD)"
    publisher = "Internal Displacement Monitoring Centre (IDMC); conflict stocks also via UNHCR"
    licence = "CC BY-NC 4.0 (non-commercial)"
    citation = ("Source: Internal Displacement Monitoring Centre (IDMC), Global Internal Displacement Database, "
                "https://www.internal-displacement.org/database — CC BY-NC 4.0. IDMC data via UNHCR Refugee "
                "Population Statistics Database (refugees R package v2025.12.1).")
    url = "https://www.internal-displacement.org/database/displacement-data"
    folder = "idmc"
    indicators = INDICATORS
    tables = ("indicator_values",)

    def recognise(self, path: Path, head: str) -> bool:
        if head == "<zip>":
            return _gidd_sheet(path) is not None
        return bool(head.strip()) and _is_unhcr_idmc(head)

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        if path.read_bytes()[:4] == b"PK\x03\x04":
            return self._read_gidd(path, ctx)
        return self._read_unhcr(path, ctx)

    def _read_gidd(self, path: Path, ctx: Context) -> FileResult:
        found = _gidd_sheet(path)
        if found is None:
            raise SourceError(path, f"no sheet with the GIDD columns {', '.join(GIDD_REQUIRED)} in its first "
                                    f"{HEADER_SEARCH_ROWS} rows", row=1)
        sheet, header_row = found
        df = pl.read_excel(path, sheet_name=sheet, engine="calamine", infer_schema_length=0, drop_empty_rows=False,
                           read_options={"header_row": header_row})
        df = df.with_row_index("_row", offset=header_row + 2).with_columns(pl.col("_row").cast(pl.Int64))
        formulas = _uncached_formulas(path, sheet, header_row)
        rejects = Rejects(self.id, path.name)
        if formulas:  # a formula whose result was never saved reads as an empty cell: reject the row, naming it
            lost = [n for n, (col, _) in formulas.items() if df.filter(pl.col("_row") == n)[col].is_null().any()]
            reason = pl.col("_row").replace_strict(
                {n: f"column '{formulas[n][0]}': formula '{formulas[n][1]}' has no saved result (the workbook was "
                    "saved without calculating: open it in Excel or LibreOffice and save it again)" for n in lost},
                default="", return_dtype=pl.String)
            rejects.add_rows(df.filter(pl.col("_row").is_in(lost)), reason)
            df = df.filter(~pl.col("_row").is_in(lost))
        df = df.filter(~pl.all_horizontal(pl.exclude("_row").is_null()))  # blank spreadsheet rows are not data
        rows_read = df.height + len(rejects)
        df = df.with_columns(pl.col("ISO3").str.strip_chars().str.to_uppercase())
        df = parse_numbers(df, ["Year"], rejects, integer=True, minimum=2008, maximum=this_year(), required=True)
        df = parse_numbers(df, list(GIDD_VALUES), rejects, integer=True, minimum=0)
        df, n_excluded = ctx.countries.resolve(df, "ISO3", "idmc", rejects)
        df, n_dup = duplicates_of(df, ["iso3", "Year"], rejects, what="country-year")
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        values = (
            df.unpivot(on=list(GIDD_VALUES), index=["iso3", "Year", "_row"], variable_name="col", value_name="value")
            .filter(pl.col("value").is_not_null())
            .select("iso3", pl.col("Year").alias("year"),
                    pl.col("col").replace_strict(GIDD_VALUES).alias("indicator_id"),
                    pl.col("value").cast(pl.Float64), pl.lit(path.name).alias("file_name"),
                    pl.col("_row").alias("row_number"))
            .sort("indicator_id", "iso3", "year")
        )
        loaded = values["row_number"].n_unique()
        empty = df.height - loaded
        years = values["year"]
        version = f"GIDD export, sheet '{sheet}', {years.min()}–{years.max()}" if values.height else "GIDD (empty)"
        note = f"{n_excluded} rows excluded as not a country (Abyei AB9…), {empty} rows without any figure"
        return FileResult(path, version, rows_read, {"indicator_values": values}, rejects.frame(),
                          rows_duplicate=n_dup, rows_loaded=loaded, rows_excluded=n_excluded + empty, note=note)

    def _read_unhcr(self, path: Path, ctx: Context) -> FileResult:
        df = read_delimited(path, separator=",", required=UNHCR_COLS)
        rejects = Rejects(self.id, path.name)
        rows_read = df.height
        df = parse_numbers(df, ["year"], rejects, integer=True, minimum=1990, maximum=this_year(), required=True)
        df = parse_numbers(df, ["total"], rejects, integer=True, minimum=0)
        mismatch = pl.col("coo_iso").fill_null("") != pl.col("coa_iso").fill_null("")
        rejects.add_rows(df.filter(mismatch), "origin and asylum differ: not an internal-displacement row")
        df = df.filter(~mismatch)
        df, n_excluded = ctx.countries.resolve(df, "coo_iso", "idmc", rejects)
        df, n_dup = duplicates_of(df, ["iso3", "year"], rejects, what="country-year")
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        values = df.filter(pl.col("total").is_not_null()).select(
            "iso3", "year", pl.lit("idmc_conflict_idps_stock_unhcr").alias("indicator_id"),
            pl.col("total").cast(pl.Float64).alias("value"), pl.lit(path.name).alias("file_name"),
            pl.col("_row").alias("row_number"),
        ).sort("iso3", "year")
        blank = df.height - values.height
        years = values["year"]
        version = (f"UNHCR refugees package table idmc, {years.min()}–{years.max()}" if values.height
                   else "UNHCR idmc (empty)")
        return FileResult(path, version, rows_read, {"indicator_values": values}, rejects.frame(),
                          rows_duplicate=n_dup, rows_loaded=values.height, rows_excluded=n_excluded + blank,
                          note=f"{n_excluded} rows excluded (global 'Unknown' rows, Abyei), {blank} blank totals")


SOURCE = IDMC()
