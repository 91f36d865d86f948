"""UNHCR Refugee Population Statistics (refugees R package layout): displacement stocks, flows and solutions.

Files, recognised by their header (never by name):

* ``population.csv`` (end-year stocks by origin × asylum) → the ``displacement`` table, one row per file row, and
  aggregated country-year indicators (``row_number`` NULL): refugees / asylum-seekers *from* a country (summed over
  asylum countries), refugees / asylum-seekers *hosted*, IDPs (UNHCR records IDPs with origin = asylum),
  returned refugees (by country returned to) and stateless persons (by country of residence).
* ``flows.csv`` (new arrivals / applications during the year) → new refugees and new asylum applications by origin.
  ``refugee_like`` and ``oip`` flows are not loaded (rows carrying only those are counted as excluded).
* ``solutions.csv`` → resettlement by origin and naturalisation by asylum country. Its ``returned_refugees`` and
  ``returned_idps`` columns repeat ``population.csv`` exactly (same yearly sums), so they are not loaded twice;
  rows carrying only those are counted as excluded.
* ``unrwa.csv`` (Palestine refugees under UNRWA's mandate) → UNRWA refugees by host country. Kept out of
  ``displacement``: its ``refugees`` column means refugees under UNHCR's mandate only.
* ``countries.csv`` (UNHCR's own code list, ``iso_code, unhcr_code, …``) is recognised but not loaded: countries
  are resolved on the ``*_iso`` columns UNHCR publishes next to its codes, so all its rows count as excluded.
  The ``.rda`` originals are ignored.

Country codes: UNHCR's 3-letter codes clash with ISO3 (``AUS`` is Austria for UNHCR, Australia for ISO), so rows
are resolved on ``coo_iso`` / ``coa_iso`` (system ``unhcr``), and the raw UNHCR codes are kept in
``origin_code`` / ``asylum_code``. Pseudo-codes that are not countries — Unknown (``UNK``, ``UKN``, ``XXX``),
Stateless (``XXA``, ``STA``), Tibetan (``TIB``) — are listed in ``etl/reference/codes/unhcr.csv`` with action
``exclude``. Such rows stay in ``displacement`` with ``origin_iso3`` / ``asylum_iso3`` NULL (so hosted totals stay
complete) but are never counted toward a real country. Palestinians (UNHCR code ``GAZ``) carry ISO ``PSE`` and count
toward the State of Palestine; UNHCR reports Kosovo under Serbia (``SRB``, "Serbia and Kosovo: S/RES/1244 (1999)").
Any other code is unknown → the row is rejected with the code in the reason.

Missingness by design (SOURCE.md): zeros before a population type was collected mean "not collected", so in
``displacement`` and the indicators ``idps`` before 1993, ``others_of_concern`` before 1997, ``stateless`` before
2004 and ``host_community`` before 2019 are NULL, not 0.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, Download, FileResult, Indicator, Rejects, Source, SourceError
from etl.readers import (
    duplicates_of,
    header_of,
    parse_numbers,
    read_delimited,
    reject_share_guard,
    require_columns,
    this_year,
)

KEY_COLS = ("year", "coo", "coo_iso", "coa", "coa_iso")
POP_COLS = ("refugees", "asylum_seekers", "returned_refugees", "idps", "returned_idps", "stateless", "ooc", "oip",
            "hst")
FLOW_COLS = ("refugees", "asylum_seekers", "refugee_like", "oip")
SOLUTION_COLS = ("returned_refugees", "resettlement", "naturalisation", "returned_idps")
UNRWA_COLS = ("total",)
CODE_LIST = ("iso_code", "unhcr_code", "unhcr_region")

# column → first year it was collected (earlier zeros mean "not collected"; SOURCE.md)
COLLECTED_FROM = {"idps": 1993, "ooc": 1997, "stateless": 2004, "hst": 2019}

DISPLACEMENT_NAMES = {
    "coo": "origin_code", "coa": "asylum_code", "ooc": "others_of_concern", "oip": "other_in_need",
    "hst": "host_community",
}

AGG = "Aggregated by the ETL from UNHCR origin × asylum rows (row_number NULL)."


def _ind(iid: str, label: str, desc: str, worse: bool | None, factors: tuple[int, ...] = (7,)) -> Indicator:
    return Indicator(iid, label, "persons", f"{desc} {AGG}", worse, factors)


INDICATORS = (
    _ind("unhcr_refugees_origin", "Refugees from the country",
         "Refugees under UNHCR's mandate originating from the country at end of year, summed over all asylum "
         "countries.", True),
    _ind("unhcr_asylum_seekers_origin", "Asylum-seekers from the country",
         "Asylum-seekers (pending cases) originating from the country at end of year, summed over asylum countries.",
         True),
    _ind("unhcr_refugees_hosted", "Refugees hosted by the country",
         "Refugees under UNHCR's mandate living in the country at end of year, summed over all origins (including "
         "unknown origin, stateless and Tibetan).", None, ()),
    _ind("unhcr_asylum_seekers_hosted", "Asylum-seekers hosted by the country",
         "Asylum-seekers with pending claims in the country at end of year, summed over all origins.", None, ()),
    _ind("unhcr_idps", "IDPs of concern to UNHCR",
         "Internally displaced persons of concern to UNHCR in the country at end of year (rows with origin = "
         "asylum); from 1993.", True),
    _ind("unhcr_returned_refugees", "Refugees returned to the country",
         "Refugees who returned to their country of origin during the year, summed over the countries they "
         "returned from.", None, ()),
    _ind("unhcr_stateless", "Stateless persons in the country",
         "Persons under UNHCR's statelessness mandate living in the country at end of year; from 2004.", True, (9,)),
    _ind("unhcr_new_refugees_origin", "New refugees from the country (flows)",
         "Refugees from the country newly recognised or granted protection during the year (UNHCR flows table), "
         "summed over asylum countries; cells left blank by UNHCR are not counted.", True),
    _ind("unhcr_new_asylum_applications_origin", "New asylum applications from the country (flows)",
         "Asylum applications lodged by people from the country during the year (UNHCR flows table), summed over "
         "asylum countries.", True),
    _ind("unhcr_resettled_origin", "Refugees from the country resettled",
         "Refugees from the country resettled to a third country during the year (UNHCR solutions table).", None, ()),
    _ind("unhcr_naturalised_hosted", "Refugees naturalised in the country",
         "Refugees naturalised by the country of asylum during the year (UNHCR solutions table).", None, ()),
    _ind("unhcr_unrwa_refugees_hosted", "Palestine refugees under UNRWA's mandate in the country",
         "Palestine refugees registered with UNRWA in the country or territory at end of year (UNHCR's unrwa "
         "table).", None, ()),
)


def _layout(cols: list[str]) -> str | None:
    have = set(cols)
    if not set(KEY_COLS) <= have:
        return None
    if {"idps", "hst", "stateless"} <= have and set(POP_COLS) - {"oip", "hst"} <= have:
        return "population"
    if {"refugee_like", "refugees", "asylum_seekers"} <= have:
        return "flows"
    if {"resettlement", "naturalisation"} <= have:
        return "solutions"
    if "total" in have:
        return "unrwa"
    return None


def _is_unrwa(head: str) -> bool:
    """UNRWA's table and UNHCR's republication of IDMC stocks share one header; UNRWA rows all have origin PSE."""
    lines = [ln for ln in head.lstrip("\ufeff").splitlines()[1:] if ln.strip()]
    if len(head) >= 65536 and lines:
        lines = lines[:-1]  # the last line of a truncated head may be partial
    cols = header_of(head)
    i_iso, i_coa = cols.index("coo_iso"), cols.index("coa_iso")
    rows = [r for r in csv.reader(lines) if len(r) > max(i_iso, i_coa)]
    return bool(rows) and all(r[i_iso] == "PSE" for r in rows) and any(r[i_coa] != "PSE" for r in rows)


class UNHCRPopulation(Source):
    id = "unhcr_population"
    title = "UNHCR Refugee Population Statistics Database"
    publisher = "UNHCR – The UN Refugee Agency"
    licence = "CC BY 4.0"
    citation = ("Source: UNHCR Refugee Population Statistics Database (refugees R package v2025.12.1), "
                "https://www.unhcr.org/refugee-statistics/ — licensed CC BY 4.0.")
    url = "https://www.unhcr.org/refugee-statistics/"
    folder = "unhcr-population"
    downloads: ClassVar = (
        # Refugee Data Finder API, short column names (year, coo, coo_iso, coa, coa_iso, refugees, ...)
        Download("https://api.unhcr.org/population/v1/population/?limit=1000000&yearFrom=1951&coo_all=true"
                 "&coa_all=true&download=true", "unhcr_population.zip", unzip=True),
        Download("https://api.unhcr.org/population/v1/solutions/?limit=1000000&yearFrom=1951&coo_all=true"
                 "&coa_all=true&download=true", "unhcr_solutions.zip", unzip=True),
    )
    indicators = INDICATORS
    tables = ("displacement", "indicator_values")

    def recognise(self, path: Path, head: str) -> bool:
        if head == "<zip>" or not head.strip():
            return False
        layout = _layout(header_of(head))
        if layout == "unrwa":
            return _is_unrwa(head)
        return layout is not None or set(CODE_LIST) <= set(header_of(head))

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df = read_delimited(path, separator=",")
        if set(CODE_LIST) <= set(df.columns) and not set(KEY_COLS) <= set(df.columns):
            return FileResult(path, "UNHCR country code list", df.height, {}, Rejects(self.id, path.name).frame(),
                              rows_loaded=0, rows_excluded=df.height,
                              note="UNHCR code list: not loaded (rows are resolved on UNHCR's ISO columns)")
        require_columns(df, KEY_COLS, path)
        layout = _layout(df.columns)
        if layout is None:
            raise SourceError(path, "not a UNHCR population/flows/solutions/unrwa table (columns not recognised)",
                              row=1)
        rejects = Rejects(self.id, path.name)
        rows_read = df.height
        value_cols = {"population": POP_COLS, "flows": FLOW_COLS, "solutions": SOLUTION_COLS,
                      "unrwa": UNRWA_COLS}[layout]
        value_cols = tuple(c for c in value_cols if c in df.columns)
        df = parse_numbers(df, ["year"], rejects, integer=True, minimum=1951, maximum=this_year(), required=True)
        df = parse_numbers(df, value_cols, rejects, integer=True, minimum=0)
        df = self._resolve(df, "coo_iso", "origin_iso3", ctx, rejects)
        df = self._resolve(df, "coa_iso", "asylum_iso3", ctx, rejects)
        df, n_dup = duplicates_of(df, ["year", "coo_iso", "coa_iso"], rejects, what="origin × asylum row")
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        for col, first in COLLECTED_FROM.items():
            if col in df.columns:
                df = df.with_columns(pl.when(pl.col("year") < first).then(None).otherwise(pl.col(col)).alias(col))
        tables, loaded, note = getattr(self, f"_{layout}")(df, path.name)
        years = df["year"]
        version = f"UNHCR {layout} {years.min()}–{years.max()}" if df.height else f"UNHCR {layout} (no rows)"
        return FileResult(path, version, rows_read, tables, rejects.frame(), rows_duplicate=n_dup,
                          rows_loaded=loaded, rows_excluded=df.height - loaded, note=note)

    @staticmethod
    def _resolve(df: pl.DataFrame, col: str, out: str, ctx: Context, rejects: Rejects) -> pl.DataFrame:
        """Map ISO-ish codes; keep pseudo-codes (action exclude) with a NULL country; reject unknown ones."""
        matches = {c: ctx.countries.lookup(c, "unhcr") for c in df[col].unique().to_list()}
        mapping = pl.DataFrame(
            {col: list(matches), out: [m.iso3 if m.action == "map" else None for m in matches.values()],
             "__bad": [None if m.action in ("map", "exclude") else m.reason for m in matches.values()]},
            schema={col: pl.String, out: pl.String, "__bad": pl.String},
        )
        df = df.join(mapping, on=col, how="left", nulls_equal=True)
        bad = pl.col("__bad").is_not_null()
        rejects.add_rows(df.filter(bad).drop(out), pl.format(f"column '{col}': {{}}", pl.col("__bad")))
        return df.filter(~bad).drop("__bad")

    @staticmethod
    def _sum(df: pl.DataFrame, by: str, value: str, indicator: str, file_name: str) -> pl.DataFrame:
        """Country-year sums over rows with a real country; groups whose cells are all blank give no value."""
        return (
            df.filter(pl.col(by).is_not_null())
            .group_by("year", by)
            .agg(pl.col(value).sum().alias("value"), pl.col(value).is_not_null().any().alias("__any"))
            .filter(pl.col("__any"))
            .select(pl.col(by).alias("iso3"), "year", pl.lit(indicator).alias("indicator_id"),
                    pl.col("value").cast(pl.Float64), pl.lit(file_name).alias("file_name"),
                    pl.lit(None, pl.Int64).alias("row_number"))
            .sort("iso3", "year")
        )

    def _population(self, df: pl.DataFrame, file_name: str) -> tuple[dict[str, pl.DataFrame], int, str]:
        if "oip" not in df.columns:
            df = df.with_columns(pl.lit(None, pl.Int64).alias("oip"))
        if "hst" not in df.columns:
            df = df.with_columns(pl.lit(None, pl.Int64).alias("hst"))
        displacement = df.rename(DISPLACEMENT_NAMES).select(
            "year", "origin_iso3", "asylum_iso3", "origin_code", "asylum_code", "refugees", "asylum_seekers", "idps",
            "returned_refugees", "returned_idps", "stateless", "others_of_concern", "other_in_need",
            "host_community", pl.lit(file_name).alias("file_name"), pl.col("_row").alias("row_number"),
        )
        domestic = df.filter(pl.col("origin_iso3") == pl.col("asylum_iso3"))
        values = pl.concat([
            self._sum(df, "origin_iso3", "refugees", "unhcr_refugees_origin", file_name),
            self._sum(df, "origin_iso3", "asylum_seekers", "unhcr_asylum_seekers_origin", file_name),
            self._sum(df, "asylum_iso3", "refugees", "unhcr_refugees_hosted", file_name),
            self._sum(df, "asylum_iso3", "asylum_seekers", "unhcr_asylum_seekers_hosted", file_name),
            self._sum(domestic, "asylum_iso3", "idps", "unhcr_idps", file_name),
            self._sum(df, "origin_iso3", "returned_refugees", "unhcr_returned_refugees", file_name),
            self._sum(df, "asylum_iso3", "stateless", "unhcr_stateless", file_name),
        ])
        pseudo = df.filter(pl.col("origin_iso3").is_null() | pl.col("asylum_iso3").is_null()).height
        return ({"displacement": displacement, "indicator_values": values}, df.height,
                f"{pseudo} rows with a UNHCR pseudo-code (unknown/stateless/Tibetan) kept with NULL country")

    def _flows(self, df: pl.DataFrame, file_name: str) -> tuple[dict[str, pl.DataFrame], int, str]:
        values = pl.concat([
            self._sum(df, "origin_iso3", "refugees", "unhcr_new_refugees_origin", file_name),
            self._sum(df, "origin_iso3", "asylum_seekers", "unhcr_new_asylum_applications_origin", file_name),
        ])
        used = pl.col("origin_iso3").is_not_null() & (pl.col("refugees").is_not_null()
                                                      | pl.col("asylum_seekers").is_not_null())
        loaded = df.filter(used).height
        return ({"indicator_values": values}, loaded,
                f"{df.height - loaded} rows excluded: pseudo-code origin or only refugee_like/oip figures")

    def _solutions(self, df: pl.DataFrame, file_name: str) -> tuple[dict[str, pl.DataFrame], int, str]:
        values = pl.concat([
            self._sum(df, "origin_iso3", "resettlement", "unhcr_resettled_origin", file_name),
            self._sum(df, "asylum_iso3", "naturalisation", "unhcr_naturalised_hosted", file_name),
        ])
        used = ((pl.col("origin_iso3").is_not_null() & pl.col("resettlement").is_not_null())
                | (pl.col("asylum_iso3").is_not_null() & pl.col("naturalisation").is_not_null()))
        loaded = df.filter(used).height
        return ({"indicator_values": values}, loaded,
                f"{df.height - loaded} rows excluded: only returns (loaded from population.csv) or pseudo-code "
                "country")

    def _unrwa(self, df: pl.DataFrame, file_name: str) -> tuple[dict[str, pl.DataFrame], int, str]:
        values = self._sum(df, "asylum_iso3", "total", "unhcr_unrwa_refugees_hosted", file_name)
        loaded = df.filter(pl.col("asylum_iso3").is_not_null() & pl.col("total").is_not_null()).height
        return ({"indicator_values": values}, loaded,
                f"{df.height - loaded} rows excluded: host country unknown (pseudo-code) or blank total")


SOURCE = UNHCRPopulation()
