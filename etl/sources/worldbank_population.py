"""World Bank population, total (SP.POP.TOTL): the denominator for per-capita displacement and deaths.

Two layouts, recognised by content:

* the World Bank API download (``API_SP.POP.TOTL_DS2_*.csv``): metadata lines ("Data Source", "Last Updated
  Date"), then a wide header ``Country Name, Country Code, Indicator Name, Indicator Code, 1960 … 2024``; the file
  must name ``SP.POP.TOTL``. It is melted to long form.
* the Frictionless "core" package ``datasets/population`` (``Country Name, Country Code, Year, Value``), the
  same figures already melted by the packager. Its header is generic, so the file is only claimed when most
  ``Value`` cells of the first lines are whole numbers (head counts, unlike GDP-style decimals).

Counts are country-year *values* in both layouts (a blank wide cell is no value), so rows_read = loaded +
rejected + duplicate + excluded holds the same way for both; ``rows_loaded`` is set explicitly.

World Bank aggregates (regions, income and lending groups, demographic-dividend groups, "World" WLD, "Not
classified" INX) are not countries: they are listed with action ``exclude`` in ``etl/reference/codes/wb.csv``
(the codes whose Region is empty in the World Bank's country metadata) and counted as excluded, not rejected.
``CHI`` (Channel Islands, Jersey + Guernsey together) has no ISO code and is excluded too; Kosovo ``XKX`` maps.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, Download, FileResult, Indicator, Rejects, Source, SourceError
from etl.readers import (
    check_not_html_or_empty,
    decode_text,
    duplicates_of,
    guess_delimiter,
    header_of,
    parse_numbers,
    read_delimited,
    reject_share_guard,
    require_columns,
    this_year,
)

SERIES = "SP.POP.TOTL"
LONG_COLS = ("Country Name", "Country Code", "Year", "Value")
WIDE_COLS = ("Country Name", "Country Code", "Indicator Name", "Indicator Code")
YEAR = re.compile(r"^\d{4}$")


def _wide_header_line(lines: list[str]) -> int | None:
    """Index of the wide header line (after the API file's metadata lines), if any."""
    for i, line in enumerate(lines[:20]):
        cols = header_of(line) if line.strip() else []
        if all(c in cols for c in WIDE_COLS):
            return i
    return None


def _long_values_are_counts(head: str) -> bool:
    lines = [ln for ln in head.lstrip("\ufeff").splitlines()[1:50] if ln.strip()]
    values = [v for v in (ln.rsplit(",", 1)[-1].strip().strip('"') for ln in lines) if v]
    whole = sum(bool(re.fullmatch(r"\d+(\.0+)?", v)) for v in values)
    return bool(values) and whole >= 0.8 * len(values)  # a stray bad cell is a reject, not another dataset


class WorldBankPopulation(Source):
    id = "worldbank_population"
    title = "Population, total (SP.POP.TOTL), World Development Indicators"
    publisher = "World Bank"
    licence = "CC BY 4.0"
    citation = ("Source: World Bank, World Development Indicators, Population, total (SP.POP.TOTL), "
                "https://data.worldbank.org/indicator/SP.POP.TOTL — CC BY 4.0.")
    url = "https://data.worldbank.org/indicator/SP.POP.TOTL"
    folder = "worldbank-population"
    downloads: ClassVar = (
        Download("https://api.worldbank.org/v2/en/indicator/SP.POP.TOTL?downloadformat=csv",
                 "API_SP.POP.TOTL.zip", unzip=True),
    )
    indicators = (
        Indicator("population", "Population, total", "persons",
                  "Midyear de facto population (World Bank WDI SP.POP.TOTL); denominator for per-capita rates.",
                  None, ()),
    )
    tables = ("indicator_values",)

    def recognise(self, path: Path, head: str) -> bool:
        if head == "<zip>" or not head.strip():
            return False
        lines = head.lstrip("\ufeff").splitlines()
        if _wide_header_line(lines) is not None:
            return SERIES in head
        cols = header_of(head)
        return list(cols[:4]) == list(LONG_COLS) and _long_values_are_counts(head)

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        head = check_not_html_or_empty(path)
        if _wide_header_line(head.lstrip("\ufeff").splitlines()) is not None:
            df, version = self._read_wide(path)
        else:
            df = read_delimited(path, required=LONG_COLS)
            version = f"World Bank {SERIES} via datasets/population"
        rejects = Rejects(self.id, path.name)
        rows_read = df.height
        df = parse_numbers(df, ["Year"], rejects, integer=True, minimum=1960, maximum=this_year(), required=True)
        df = parse_numbers(df, ["Value"], rejects, minimum=0, required=True)
        before, rejected_before = df.height, len(rejects)
        df, _ = ctx.countries.resolve(df, "Country Code", "wb", rejects)
        # counted per value: resolve() counts distinct _row, and a wide line holds many values
        n_excluded = before - df.height - (len(rejects) - rejected_before)
        df, n_dup = duplicates_of(df, ["iso3", "Year"], rejects, what="country-year")
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        values = df.select(
            "iso3", pl.col("Year").alias("year"), pl.lit("population").alias("indicator_id"),
            pl.col("Value").cast(pl.Float64).alias("value"), pl.lit(path.name).alias("file_name"),
            pl.col("_row").alias("row_number"),
        ).sort("iso3", "year")
        if values.height:
            version = f"{version}, {values['year'].min()}–{values['year'].max()}"
        return FileResult(path, version, rows_read, {"indicator_values": values}, rejects.frame(),
                          rows_duplicate=n_dup, rows_loaded=values.height, rows_excluded=n_excluded,
                          note=f"counts are country-year values; {n_excluded} aggregate values excluded (wb.csv)")

    @staticmethod
    def _read_wide(path: Path) -> tuple[pl.DataFrame, str]:
        """Melt the API layout to (Country Code, Year, Value, _row = line number); blank cells are no value."""
        text, _ = decode_text(path, "utf-8-sig", "cp1252")
        lines = text.lstrip("\ufeff").splitlines()
        h = _wide_header_line(lines)
        assert h is not None
        meta = {r[0]: r[1] for r in (header_of(ln) for ln in lines[:h] if ln.strip()) if len(r) > 1}
        body = "\n".join(lines[h:])
        try:
            df = pl.read_csv(io.StringIO(body), separator=guess_delimiter(lines[h]), infer_schema=False,
                             truncate_ragged_lines=False)
        except pl.exceptions.ComputeError as err:
            raise SourceError(path, f"not a well-formed delimited file: {str(err).splitlines()[0]}") from None
        df = df.rename({c: c.strip() for c in df.columns})
        require_columns(df, WIDE_COLS, path)
        df = df.with_row_index("_row", offset=h + 2).with_columns(pl.col("_row").cast(pl.Int64))
        other = df.filter(pl.col("Indicator Code").str.strip_chars() != SERIES)
        if other.height:
            raise SourceError(path, f"indicator {other['Indicator Code'][0]!r} is not {SERIES}",
                              row=int(other["_row"][0]), column="Indicator Code")
        years = [c for c in df.columns if YEAR.match(c)]
        if not years:
            raise SourceError(path, "no year columns (1960, 1961, …) in the header", row=h + 1)
        long = (
            df.unpivot(on=years, index=["Country Name", "Country Code", "_row"], variable_name="Year",
                       value_name="Value")
            .filter(pl.col("Value").is_not_null() & (pl.col("Value").str.strip_chars() != ""))
            .select("Country Name", "Country Code", "Year", "Value", "_row")
        )
        updated = meta.get("Last Updated Date")
        return long, f"World Bank API {SERIES}" + (f", last updated {updated}" if updated else "")


SOURCE = WorldBankPopulation()
