"""International response, cited fact tables: ICC situations, UN sanctions regimes, UN peace operations, Human
Rights Council country mechanisms and regional organisation memberships.

Read in place from ``../shared/data/curated/response/`` (or any ``--from`` folder); each table is recognised by its
header, never by its name. Every row becomes one ``response_measures`` row (sphere ``multilateral`` or
``regional``) with its own source link and as-of date; what cannot be placed — an unknown ISO3, a bad date, an
unknown ICC stage or mechanism kind — is a named reject. Thematic regimes without a country (ISIL/Al-Qaida) and
regimes on states that no longer exist are counted as *excluded*: they are real, but about no country page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from etl.model import Context, FileResult, Rejects, Source, SourceError
from etl.readers import header_of, read_delimited

ICC_STAGES = ("preliminary_examination", "investigation", "closed")
HRC_KINDS = ("commission_of_inquiry", "fact_finding_mission", "special_rapporteur", "independent_expert", "other")
REGIONAL_STATUSES = ("member", "suspended", "observer")
PKO_KINDS = ("peacekeeping", "special_political_mission")
DATE_RE = r"^\d{4}(-\d{2}(-\d{2})?)?$"  # a full or partial ISO date, as precise as the source


@dataclass(frozen=True)
class Table:
    """One curated table: how to recognise it and which columns hold the measure's parts."""

    key: str
    header: tuple[str, ...]
    iso3: str
    start: str
    end: str | None


TABLES = (
    Table("icc", ("iso3", "situation", "stage", "stage_date", "referral", "source_url", "as_of"), "iso3",
          "stage_date", None),
    Table("sanctions", ("iso3", "regime", "committee", "established_by", "start_year", "end_year", "source_url",
                        "as_of"), "iso3", "start_year", "end_year"),
    Table("pko", ("mission_acronym", "mission_name", "kind", "host_iso3", "start_date", "end_date", "poc_mandate",
                  "source_url", "as_of"), "host_iso3", "start_date", "end_date"),
    Table("hrc", ("iso3", "mechanism", "kind", "mandated_by", "start_year", "end_year", "source_url", "as_of"),
          "iso3", "start_year", "end_year"),
    Table("regional", ("org", "iso3", "status", "since", "source_url", "as_of"), "iso3", "since", None),
)

OUT = ("iso3", "sphere", "kind", "name", "body", "start", "end", "start_year", "end_year", "status", "detail",
       "source_url", "as_of", "file_name", "row_number")


def _table_of(cols: list[str]) -> Table | None:
    return next((t for t in TABLES if list(t.header) == cols[: len(t.header)]), None)


def _reject_pattern(df: pl.DataFrame, col: str, rejects: Rejects, *, required: bool) -> pl.DataFrame:
    """Dates must be (partial) ISO dates; an empty optional date is fine."""
    value = pl.col(col).str.strip_chars()
    month = value.str.slice(5, 2).cast(pl.Int64, strict=False)
    real = (value.str.len_chars() < 7) | month.is_between(1, 12)
    real = real & ((value.str.len_chars() != 10) | value.str.to_date("%Y-%m-%d", strict=False).is_not_null())
    ok = (value.str.contains(DATE_RE) & real).fill_null(False)
    if not required:
        ok = ok | value.is_null() | (value == "")
    rejects.add_rows(df.filter(~ok), pl.format(f"column '{col}': '{{}}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)",
                                               pl.col(col).fill_null("")))
    return df.filter(ok)


def _reject_not_in(df: pl.DataFrame, col: str, allowed: tuple[str, ...], rejects: Rejects, what: str) -> pl.DataFrame:
    bad = ~pl.col(col).str.strip_chars().is_in(list(allowed)).fill_null(False)
    rejects.add_rows(df.filter(bad), pl.format(f"column '{col}': unknown {what} '{{}}' (expected one of "
                                               + ", ".join(allowed) + ")", pl.col(col).fill_null("")))
    return df.filter(~bad)


def _year(col: str) -> pl.Expr:
    return pl.col(col).str.strip_chars().str.slice(0, 4).cast(pl.Int64, strict=False)


def _measures(t: Table, df: pl.DataFrame) -> pl.DataFrame:
    """The table's rows as ``response_measures`` columns (everything already validated)."""
    c = pl.col
    end_year = _year(t.end) if t.end else pl.lit(None, pl.Int64)
    if t.key == "icc":
        cols = dict(sphere=pl.lit("multilateral"), kind=pl.lit("ICC situation"), name=c("situation"),
                    body=pl.lit("International Criminal Court"), status=c("stage").str.replace_all("_", " "),
                    detail=pl.format("stage since {}; trigger: {}", c("stage_date"),
                                     c("referral").str.replace_all("_", " ").fill_null("not recorded")))
    elif t.key == "sanctions":
        cols = dict(sphere=pl.lit("multilateral"), kind=pl.lit("UN sanctions regime"), name=c("regime"),
                    body=pl.format("UN Security Council — Committee {}", c("committee")),
                    status=pl.when(end_year.is_null()).then(pl.lit("active")).otherwise(pl.lit("terminated")),
                    detail=pl.format("established by resolution {}", c("established_by")))
    elif t.key == "pko":
        cols = dict(sphere=pl.lit("multilateral"),
                    kind=pl.when(c("kind") == "peacekeeping").then(pl.lit("UN peace operation"))
                    .otherwise(pl.lit("UN special political mission")),
                    name=pl.format("{} ({})", c("mission_name"), c("mission_acronym")),
                    body=pl.lit("United Nations"),
                    status=pl.when(c("end_date").fill_null("") == "").then(pl.lit("active"))
                    .otherwise(pl.lit("closed")),
                    detail=pl.format("protection-of-civilians mandate: {}",
                                     pl.when(c("poc_mandate").fill_null("") == "").then(pl.lit("not stated in the "
                                                                                              "sources read"))
                                     .otherwise(c("poc_mandate"))))
    elif t.key == "hrc":
        cols = dict(sphere=pl.lit("multilateral"), kind=pl.lit("HRC mechanism"), name=c("mechanism"),
                    body=pl.lit("UN Human Rights Council"),
                    status=pl.when(end_year.is_null()).then(pl.lit("no end recorded")).otherwise(pl.lit("ended")),
                    detail=pl.format("{}; mandated by {}", c("kind").str.replace_all("_", " "),
                                     c("mandated_by").fill_null("(resolution not recorded)")))
    else:
        cols = dict(sphere=pl.lit("regional"),
                    kind=pl.when(c("status") == "suspended").then(pl.lit("regional suspension"))
                    .otherwise(pl.lit("regional membership")),
                    name=pl.format("{} — {}", c("org"), c("status")), body=c("org"), status=c("status"),
                    detail=pl.lit(None, pl.String))
    start = c(t.start).str.strip_chars()
    end = c(t.end).str.strip_chars() if t.end else pl.lit(None, pl.String)
    if t.key == "icc":  # a closed situation ends on its closing date (stage_date)
        end = pl.when(c("stage") == "closed").then(start).otherwise(None)
        end_year = pl.when(c("stage") == "closed").then(_year(t.start)).otherwise(None)
    return df.select(
        c("iso3"), *(v.alias(k) for k, v in cols.items()),
        pl.when(start == "").then(None).otherwise(start).alias("start"),
        pl.when(end == "").then(None).otherwise(end).alias("end"),
        _year(t.start).alias("start_year"), end_year.alias("end_year"),
        c("source_url").str.strip_chars(), c("as_of").str.strip_chars(),
        pl.col("_row").alias("row_number"),
    ).select(*(k for k in OUT if k != "file_name"))


class ResponseCurated(Source):
    id = "response_curated"
    title = "International response — ICC situations, UN sanctions, UN peace operations, HRC mechanisms, regional " \
            "organisations"
    publisher = "Compiled from icc-cpi.int, OpenSanctions metadata, the UN Peace and Security Data Hub, OHCHR, UNSD " \
                "and others (see the SOURCE.md beside each table)"
    licence = ("Cited facts with a source link per row. Underlying terms vary by table: UN terms of use; ICC site "
               "terms; OpenSanctions metadata CC BY-NC 4.0 (sanctions table — check before commercial reuse); "
               "CC BY-SA for Wikipedia copies; see each <table>.SOURCE.md")
    citation = ("R2P dashboard international-response fact tables (curated/response/), compiled 2026-12-05; one "
                "source URL per row.")
    url = "https://www.un.org/securitycouncil/"
    folder = "response"
    tables = ("response_measures",)
    order = 16

    def recognise(self, path: Path, head: str) -> bool:
        return path.suffix.lower() == ".csv" and _table_of(header_of(head)) is not None

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        head = path.read_text(encoding="utf-8-sig", errors="replace")[:4096]
        table = _table_of(header_of(head))
        if table is None:
            raise SourceError(path, "not one of the curated response tables (ICC situations, sanctions regimes, "
                                    "peace operations, HRC mechanisms, regional organisations): header not recognised")
        df = read_delimited(path, separator=",", required=table.header)
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        df = df.with_columns(pl.col(table.iso3).str.strip_chars().str.to_uppercase().alias("__code"))
        no_country = pl.col("__code").fill_null("") == ""
        excluded = df.filter(no_country).height if table.key == "sanctions" else 0  # thematic / defunct-state regimes
        if table.key != "sanctions":
            rejects.add_rows(df.filter(no_country), f"column '{table.iso3}': empty (a measure without a country)")
        df = df.filter(~no_country)
        df = _reject_pattern(df, table.start, rejects, required=table.key in ("icc", "pko"))
        if table.end:
            df = _reject_pattern(df, table.end, rejects, required=False)
        df = _reject_pattern(df, "as_of", rejects, required=False)
        if table.key == "icc":
            df = _reject_not_in(df, "stage", ICC_STAGES, rejects, "ICC stage")
        elif table.key == "hrc":
            df = _reject_not_in(df, "kind", HRC_KINDS, rejects, "mechanism kind")
        elif table.key == "regional":
            df = _reject_not_in(df, "status", REGIONAL_STATUSES, rejects, "membership status")
        elif table.key == "pko":
            df = _reject_not_in(df, "kind", PKO_KINDS, rejects, "operation kind")
        no_url = ~pl.col("source_url").str.contains(r"https?://").fill_null(False)
        rejects.add_rows(df.filter(no_url), "column 'source_url': missing (every fact needs its source)")
        df = df.filter(~no_url)
        df, n_excluded = ctx.countries.resolve(df, "__code", "iso3", rejects)
        excluded += n_excluded
        out = _measures(table, df).with_columns(pl.lit(path.name).alias("file_name")).select(OUT)
        as_of = out["as_of"].drop_nulls().max() if out.height else None
        version = f"{table.key} table, evidence to {as_of or 'undated'}"
        return FileResult(path, version, rows_read, {"response_measures": out}, rejects.frame(),
                          rows_excluded=excluded, rows_loaded=out.height)


SOURCE = ResponseCurated()
