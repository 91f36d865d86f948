"""Security Council vetoes, 1946 – September 2022 (World Politics Data Lab, from the UN library's veto list).

One row per vetoed draft with its ``crisis_topic``; the topic (else the agenda item) is mapped to countries by the
same reference table as the meeting outcomes (``etl/reference/unsc_topics.csv``). A veto about no country
("Admission", "Disarmament") is a named reject, so the count of vetoes placed on country pages is auditable.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from etl.model import Context, FileResult, Rejects, Source
from etl.readers import header_of, read_delimited
from etl.sources.unsc_meetings import topic_countries

REQUIRED = ("year", "date", "draft", "meeting_record", "agenda_item", "crisis_topic", "member_veto1", "member_veto2",
            "member_veto3")
OUT = ("date", "year", "draft", "meeting", "agenda_item", "situation", "iso3", "vetoed_by", "file_name", "row_number")


class UnscVetoes(Source):
    id = "unsc_vetoes"
    title = "UN Security Council vetoes 1946 – Sept 2022"
    publisher = "The World Politics Data Lab (from the UN Dag Hammarskjöld Library veto list)"
    licence = "MIT (repository LICENSE, © 2022 The World Politics Data Lab)"
    citation = "World Politics Data Lab, vetoes-un-security-council, unsc_vetoes_1946_sept2022.csv; source: UN " \
               "Dag Hammarskjöld Library, Security Council – Veto List, research.un.org/en/docs/sc/quick/veto."
    url = "https://github.com/world-politics-datalab/vetoes-un-security-council"
    folder = "unsc-vetoes"
    tables = ("security_council_vetoes",)
    order = 112

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return all(c in cols for c in REQUIRED)

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df = read_delimited(path, separator=",", required=REQUIRED)
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        df = df.with_columns(pl.col("date").str.strip_chars().str.to_date("%m/%d/%Y", strict=False).alias("__date"))
        bad = pl.col("__date").is_null()
        rejects.add_rows(df.filter(bad).drop("__date"),
                         pl.format("column 'date': '{}' is not a date (M/D/YYYY)", pl.col("date")))
        df = df.filter(~bad)
        codes = [";".join(topic_countries(t) or topic_countries(a))
                 for t, a in zip(df["crisis_topic"].fill_null(""), df["agenda_item"].fill_null(""), strict=True)]
        df = df.with_columns(pl.Series("__codes", codes, dtype=pl.String))
        none = pl.col("__codes") == ""
        rejects.add_rows(df.filter(none).drop("__date", "__codes"),
                         pl.format("crisis topic names no country: '{}' (no pattern in etl/reference/unsc_topics.csv)",
                                   pl.col("crisis_topic")))
        df = df.filter(~none)
        vetoed_by = pl.concat_str([pl.col(f"member_veto{i}") for i in (1, 2, 3)], separator=", ", ignore_nulls=True)
        out = df.with_columns(pl.col("__codes").str.split(";").alias("iso3")).explode("iso3").select(
            pl.col("__date").alias("date"), pl.col("__date").dt.year().cast(pl.Int64).alias("year"),
            pl.col("draft").str.strip_chars(), pl.col("meeting_record").str.strip_chars().alias("meeting"),
            pl.col("agenda_item").str.strip_chars(), pl.col("crisis_topic").str.strip_chars().alias("situation"),
            "iso3", vetoed_by.alias("vetoed_by"), pl.lit(path.name).alias("file_name"),
            pl.col("_row").alias("row_number"),
        )
        known = set(ctx.countries.table()["iso3"].to_list())
        unknown = out.filter(~pl.col("iso3").is_in(list(known)))
        for r in unknown.iter_rows(named=True):
            rejects.add(r["row_number"], f"unsc_topics.csv maps '{r['situation']}' to unknown ISO3 '{r['iso3']}'")
        out = out.filter(pl.col("iso3").is_in(list(known)))
        return FileResult(path, "1946 – Sept 2022", rows_read, {"security_council_vetoes": out}, rejects.frame(),
                          rows_loaded=out["row_number"].n_unique() if out.height else 0)


SOURCE = UnscVetoes()
