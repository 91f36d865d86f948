"""UN Peace and Security Data Hub mission list (DPPADPOSS-PKO) with the mission → country crosswalk.

The list is where the cited UN peace-operations table (curated/response) comes from; it is loaded as-is into
``psdh_missions`` so the country section can show where the two disagree (the Data Hub's 2024 list still marks
MINUSMA active; the mission's mandate ended on 30 June 2023). Host countries come from the crosswalk file (the
repository author's, not official), joined on the mission acronym; a crosswalk code that is not a current country
(e.g. YAR, the former Yemen Arab Republic) is a named reject of the crosswalk, and a mission the crosswalk does
not place keeps an empty ``iso3``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from etl.model import Context, FileResult, Rejects, Source
from etl.readers import header_of, read_delimited

MISSIONS = ("id", "mission_acronym", "mission_name", "lead_department", "mission_isactive", "start_date", "end_date",
            "mission_location", "last_update")
CROSSWALK = ("mission_acronym", "mission_name", "iso3c")
SCHEMA = {"mission_acronym": pl.String, "mission_name": pl.String, "iso3": pl.String, "is_active": pl.Boolean,
          "start_date": pl.Date, "end_date": pl.Date, "location": pl.String, "last_update": pl.Date,
          "file_name": pl.String, "row_number": pl.Int64}


class PsdhMissions(Source):
    id = "psdh_missions"
    title = "UN Peace and Security Data Hub — peacekeeping missions (DPPADPOSS-PKO) + mission→country crosswalk"
    publisher = "United Nations Department of Peace Operations (Peace and Security Data Hub); crosswalk by " \
                "T. D. Ballesteros (tdballesteros/conflict-relapse)"
    licence = "UN terms of use (Data Hub); the crosswalk's repository has no licence (facts reused only)"
    citation = "UN Peace and Security Data Hub, dataset DPPADPOSS-PKO (last update 2024-02-19), " \
               "https://psdata.un.org/dataset/DPPADPOSS-PKO; crosswalk unpko_country_crosswalk (tdballesteros)."
    url = "https://psdata.un.org/dataset/DPPADPOSS-PKO"
    folder = "un-peace-operations-psdh"
    tables = ()
    table_schemas = {"psdh_missions": SCHEMA}
    order = 115

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return all(c in cols for c in MISSIONS) or cols == list(CROSSWALK)

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        head = header_of(path.read_text(encoding="utf-8-sig", errors="replace")[:2048])
        if head == list(CROSSWALK):
            return self._crosswalk(path, ctx)
        df = read_delimited(path, separator=",", required=MISSIONS)
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        dates = {c: pl.col(c).str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
                 for c in ("start_date", "end_date", "last_update")}
        df = df.with_columns(**{f"__{k}": v for k, v in dates.items()})
        bad = pl.col("__start_date").is_null() | (pl.col("end_date").fill_null("").str.strip_chars() != "") & \
            pl.col("__end_date").is_null()
        rejects.add_rows(df.filter(bad).drop("__start_date", "__end_date", "__last_update"),
                         pl.format("column 'start_date'/'end_date': '{}' / '{}' is not a date (YYYY-MM-DD)",
                                   pl.col("start_date").fill_null(""), pl.col("end_date").fill_null("")))
        df = df.filter(~bad)
        out = df.select(pl.col("mission_acronym").str.strip_chars(), pl.col("mission_name").str.strip_chars(),
                        pl.lit(None, pl.String).alias("iso3"),
                        (pl.col("mission_isactive").str.strip_chars().str.to_lowercase() == "yes").alias("is_active"),
                        pl.col("__start_date").alias("start_date"), pl.col("__end_date").alias("end_date"),
                        pl.col("mission_location").alias("location"), pl.col("__last_update").alias("last_update"),
                        pl.lit(path.name).alias("file_name"), pl.col("_row").alias("row_number"))
        return FileResult(path, f"DPPADPOSS-PKO, last update {out['last_update'].max()}", rows_read,
                          {"psdh_missions": out}, rejects.frame())

    def _crosswalk(self, path: Path, ctx: Context) -> FileResult:
        df = read_delimited(path, separator=",", required=CROSSWALK)
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        df = df.with_columns(pl.col("iso3c").str.strip_chars().str.to_uppercase())
        no_host = pl.col("iso3c").fill_null("") == ""
        rejects.add_rows(df.filter(no_host), "column 'iso3c': empty — a mission without a host country")
        df = df.filter(~no_host)
        resolved, excluded = ctx.countries.resolve(df, "iso3c", "iso3", rejects)
        out = resolved.select(pl.col("mission_acronym").str.strip_chars(), "iso3", pl.col("_row").alias("row_number"))
        return FileResult(path, "mission→country crosswalk", rows_read, {"__crosswalk": out}, rejects.frame(),
                          rows_excluded=excluded, rows_loaded=out.height)

    def combine(self, results: list[FileResult], ctx: Context) -> list[FileResult]:
        """One row per mission and host country: the crosswalk's countries joined onto the mission list."""
        walks = [r.tables.pop("__crosswalk") for r in results if "__crosswalk" in r.tables]
        if not walks:
            return results
        walk = pl.concat(walks).unique(["mission_acronym", "iso3"])
        for r in results:
            if "psdh_missions" in r.tables:
                missions = r.tables["psdh_missions"].drop("iso3")
                r.tables["psdh_missions"] = missions.join(walk.select("mission_acronym", "iso3"), on="mission_acronym",
                                                          how="left").select(list(SCHEMA))
        for r in results:
            r.tables.setdefault("psdh_missions", pl.DataFrame(schema=SCHEMA))
        return results


SOURCE = PsdhMissions()
