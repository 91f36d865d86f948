"""Political Terror Scale (PTS): yearly 1–5 scores coded from Amnesty, Human Rights Watch and US State Dept reports.

Why a combine step: releases overlap (PTS-2025 re-issues 1976–2023 of PTS-2024 and adds 2024), so the same
country-year arrives twice; the newest edition wins and the older edition's row is counted as a duplicate.

Decisions (see etl/reference/codes/pts.csv):
* countries are resolved from ``WordBank_Code_A`` (system ``pts``; old codes ADO/KSV/ROM/TMP/WBG/ZAR mapped);
  entities without a code ("NA": Gaza (Hamas), Crimea, Soviet Union, European Union…) are resolved by their
  ``Country`` name in the same system — aggregates (EU, African Union) are excluded, sub-national / occupied /
  historical units are rejected with a reason and never merged into a State's series;
* ``NA`` scores are missing: no value row. A row with no score at all (``NA_Status_*`` 66/77/88/99, e.g. an
  entity in a year it did not exist) is counted as excluded, not rejected;
* a score outside 1–5 (or not an integer) rejects the whole row, naming column and value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, Download, FileResult, Indicator, Rejects, Source, SourceError
from etl.readers import (
    check_not_html_or_empty,
    guess_delimiter,
    header_of,
    parse_numbers,
    read_delimited,
    reject_share_guard,
    this_year,
)

SCORES = {"PTS_A": "pts_amnesty", "PTS_H": "pts_hrw", "PTS_S": "pts_state_dept"}
REQUIRED = ("Country", "Year", "WordBank_Code_A", *SCORES)
NO_CODE = ("", "NA")
KEY = "WordBank_Code_A or Country"  # the resolution key, named for reject reasons
_EDITION = re.compile(r"^PTS-(\d{4})")

_SCALE = ("1 = secure rule of law, no political imprisonment or torture; 3 = extensive political imprisonment, "
          "executions may be common; 5 = terror extends to the whole population. Year = year of the events "
          "covered (not the report year).")


class PoliticalTerrorScale(Source):
    id = "pts"
    title = "Political Terror Scale"
    publisher = "Political Terror Scale project, University of North Carolina Asheville (M. Gibney, P. Haschke)"
    licence = "CC BY-NC 4.0 (per the PTS codebook v2.20): non-commercial use, attribution required"
    citation = ("Gibney, Mark, Peter Haschke, Daniel Arnon, Attilio Pisanò, Gray Barrett, Baekkwan Park, and "
                "Jennifer Barnes. The Political Terror Scale 1976-2024. Political Terror Scale website: "
                "http://www.politicalterrorscale.org/.")
    url = "https://www.politicalterrorscale.org/Data/Download.html"
    folder = "pts"
    downloads: ClassVar = (
        Download("https://www.politicalterrorscale.org/Data/Files/PTS-2025.csv", "PTS-2025.csv"),
    )
    indicators: ClassVar = (
        Indicator("pts_amnesty", "Political Terror Scale (Amnesty International reports)", "score 1–5",
                  f"PTS score coded from Amnesty International annual reports. {_SCALE}", True, (2,)),
        Indicator("pts_hrw", "Political Terror Scale (Human Rights Watch reports)", "score 1–5",
                  f"PTS score coded from Human Rights Watch World Reports (from 2013 on). {_SCALE}", True, (2,)),
        Indicator("pts_state_dept", "Political Terror Scale (US State Department reports)", "score 1–5",
                  f"PTS score coded from US State Department Country Reports on Human Rights Practices (never "
                  f"for the USA itself). {_SCALE}", True, (2,)),
    )
    tables = ("indicator_values",)
    order = 50

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return all(c in cols for c in ("PTS_A", "PTS_H", "PTS_S", "Country", "Year"))

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        head = check_not_html_or_empty(path)
        sep = guess_delimiter(head.lstrip("\ufeff").splitlines()[0])
        # PTS-2025 is UTF-8 (BOM) with ';'; PTS-2024 is cp1252 with ',' — one reader for both
        df = read_delimited(path, separator=sep, fallback_encoding="cp1252", required=REQUIRED)
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        df = df.with_columns(pl.col(c).str.strip_chars() for c in ("Country", "WordBank_Code_A", *SCORES))
        df = parse_numbers(df, ["Year"], rejects, integer=True, minimum=1976, maximum=this_year(), required=True)
        # a release PTS-YYYY covers events up to YYYY-1: the edition comes from content, not the file name
        edition = int(df["Year"].max() or 0) + 1
        df = parse_numbers(df, list(SCORES), rejects, integer=True, minimum=1, maximum=5)
        no_score = pl.all_horizontal(pl.col(c).is_null() for c in SCORES)
        n_no_score = df.filter(no_score).height
        df = df.filter(~no_score)
        # entities without a World Bank code are resolved by their name in the same crosswalk system
        df = df.with_columns(
            pl.when(pl.col("WordBank_Code_A").fill_null("").is_in(NO_CODE))
            .then(pl.col("Country")).otherwise(pl.col("WordBank_Code_A")).alias(KEY)
        )
        df, n_aggregate = ctx.countries.resolve(df, KEY, "pts", rejects)
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        df = self._transition_years(df, ctx, rejects)
        # two PTS entities on one ISO3 would be silently merged: refuse (a crosswalk error, not a data problem)
        clash = df.group_by("iso3", "Year").agg(pl.col("Country").n_unique().alias("n")).filter(pl.col("n") > 1)
        if clash.height:
            first = clash.row(0, named=True)
            raise SourceError(path, f"several PTS entities map to {first['iso3']} in {first['Year']}: fix "
                                    "etl/reference/codes/pts.csv", column="WordBank_Code_A")
        values = self._long(df, path.name)
        note = (f"{n_no_score} rows without any score (NA: not covered / entity did not exist) and "
                f"{n_aggregate} rows of aggregates (EU, African Union) excluded")
        return FileResult(path, f"PTS-{edition} (years {df['Year'].min()}–{edition - 1})", rows_read,
                          {"indicator_values": values}, rejects.frame(), rows_excluded=n_no_score + n_aggregate,
                          note=note)

    @staticmethod
    def _transition_years(df: pl.DataFrame, ctx: Context, rejects: Rejects) -> pl.DataFrame:
        """Years scored for several entities the historical-states policy gives one State (the SFRY and the FRY in
        1991–92, Serbia and Montenegro and Serbia in 2006): the modern State's own row is kept, else the later
        entity's (the one continuing into it); the other rows are rejected with the reason."""
        historical = pl.col(KEY).str.strip_chars().str.to_uppercase().is_in(list(ctx.countries.historical_keys("pts")))
        ranked = df.with_columns(
            historical.alias("__hist"), pl.col("Year").min().over("Country").alias("__first"),
            pl.col("Country").n_unique().over("iso3", "Year").alias("__n"))
        ranked = ranked.with_columns(
            (pl.col("__hist").any().over("iso3", "Year") & (pl.col("__n") > 1)).alias("__transition"))
        best = (
            ranked.filter(pl.col("__transition")).sort(["__hist", "__first"], descending=[False, True])
            .group_by("iso3", "Year", maintain_order=True).first()
            .select("iso3", "Year", pl.col("Country").alias("__keep"))
        )
        if best.height == 0:
            return df
        ranked = ranked.join(best, on=["iso3", "Year"], how="left")
        drop = pl.col("__transition") & (pl.col("Country") != pl.col("__keep"))
        rejects.add_rows(ranked.filter(drop), pl.format(
            "column 'Country': '{}' and '{}' are both scored for {} and the historical-states policy gives both to "
            "{}: the row of the State continuing into it is kept (etl/reference/historical_states.csv)",
            pl.col("Country"), pl.col("__keep"), pl.col("Year"), pl.col("iso3")))
        return ranked.filter(~drop).select(df.columns)

    @staticmethod
    def _long(df: pl.DataFrame, file_name: str) -> pl.DataFrame:
        """Wide (three scores side by side) → long; a missing score gives no row."""
        return (
            df.select("iso3", pl.col("Year").alias("year"), pl.col("_row").alias("row_number"), *SCORES)
            .unpivot(index=["iso3", "year", "row_number"], on=list(SCORES), variable_name="col", value_name="value")
            .filter(pl.col("value").is_not_null())
            .select("iso3", "year", pl.col("col").replace_strict(SCORES).alias("indicator_id"),
                    pl.col("value").cast(pl.Float64), pl.lit(file_name).alias("file_name"), "row_number")
            .sort("iso3", "year", "indicator_id")
        )

    def combine(self, results: list[FileResult], ctx: Context) -> list[FileResult]:
        """Newest edition first: an older edition's country-year already given by a newer one is a duplicate."""
        if len(results) < 2:
            return results
        ordered = sorted(results, key=_edition_key, reverse=True)
        seen = pl.DataFrame(schema={"iso3": pl.String, "year": pl.Int64})
        for result in ordered:
            values = result.tables["indicator_values"]
            keys = values.select("iso3", "year", "row_number").unique()
            dup = keys.join(seen, on=["iso3", "year"], how="semi")
            if dup.height:
                result.tables["indicator_values"] = values.join(dup.select("row_number"), on="row_number", how="anti")
                result.rows_duplicate += dup.height
                newer = [r.path.name for r in ordered if _edition_key(r) > _edition_key(result)]
                result.note += (f"; {dup.height} country-years also in the newer edition ({', '.join(newer)}) "
                                "counted as duplicates (the newer edition's values are kept)")
            seen = pl.concat([seen, keys.select("iso3", "year")]).unique()
        return results


def _edition_key(result: FileResult) -> tuple[int, str]:
    match = _EDITION.search(result.version)
    return (int(match.group(1)) if match else 0, result.path.name)


SOURCE = PoliticalTerrorScale()
