"""Pillar I commitments: Genocide Convention, Rome Statute, ICCPR-OP1, R2P focal points, ACT Code of Conduct.

Cited fact tables read in place from ``../shared/data/curated/`` (or any ``--from`` folder, or
``data/curated/pillar1/``; one row per state and event, header ``iso3,state,event,date,source_url``), with their
source notes in ``TREATIES.md`` beside them. Which commitment a file holds is
taken from a ``commitment`` column when present, else from the file's name (``rome-statute-parties.csv``…), since
the five files share one header.

``commitment_status`` applies the rule of TREATIES.md: a state is a *party* when it has a ratification,
accession, succession or acceptance and no later withdrawal; *withdrawn* when a withdrawal (effective date)
follows its last consent; *signatory* with signatures only; *member* for the focal-point network. Every status
row carries the table's coverage date (``as_of``) and completeness: most tables are partial, so a state absent
from them is "not recorded here", never "not a party".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, FileResult, Rejects, Source, SourceError
from etl.readers import duplicates_of, header_of, parse_dates, read_delimited

REQUIRED = ("iso3", "state", "event", "date", "source_url")
CONSENT = ("ratification", "accession", "succession", "acceptance")
EVENTS = (*CONSENT, "signature", "withdrawal", "member")
STATUSES = ("party", "withdrawn", "signatory", "member")


@dataclass(frozen=True)
class Coverage:
    """What TREATIES.md says one table covers: why a status must always be shown with its as-of date."""

    file_stem: str
    title: str
    as_of: dt.date
    completeness: str  # near complete | partial | fragment
    note: str


COVERAGE: dict[str, Coverage] = {
    "genocide_convention": Coverage(
        "genocide-convention-parties", "Convention on the Prevention and Punishment of the Crime of Genocide (1948)",
        dt.date(2015, 3, 14), "partial",
        "UN Treaty Collection as of 2015-03-14 (Afghanistan–Georgia checked to 2024-04-24); UNTC counted 153 parties "
        "on 2024-04-24, this table has 148, so at least 5 parties are missing."),
    "rome_statute": Coverage(
        "rome-statute-parties", "Rome Statute of the International Criminal Court (1998)",
        dt.date(2024, 10, 25), "near complete",
        "UN Treaty Collection as of 2014-01-27 plus later accessions, ratifications and effective withdrawals "
        "through 2024-10-25 (125 parties); later events not searched systematically (e.g. Hungary's 2025 notice "
        "is not recorded)."),
    "iccpr_op1": Coverage(
        "iccpr-op1-parties", "First Optional Protocol to the International Covenant on Civil and Political Rights",
        dt.date(2014, 1, 27), "partial",
        "UN Treaty Collection as of 2014-01-27; nothing later; denunciations are not flagged."),
    "r2p_focal_point": Coverage(
        "r2p-focal-points", "Global Network of R2P Focal Points (membership)",
        dt.date(2021, 6, 1), "fragment",
        "Two attested members only (the network counted members from 61 states in 2021); not a membership list."),
    "act_code_of_conduct": Coverage(
        "act-code-of-conduct-signatories",
        "ACT Code of Conduct on Security Council action against genocide, crimes against humanity or war crimes",
        dt.date(2015, 9, 1), "partial",
        "The 29 supporters listed on 2015-09-01 only (104 states had signed on by the launch on 2015-10-23)."),
}
BY_STEM = {c.file_stem: k for k, c in COVERAGE.items()}

ROWS = {
    "iso3": pl.String, "commitment": pl.String, "event": pl.String, "date": pl.Date, "source_url": pl.String,
    "state": pl.String, "file_name": pl.String, "row_number": pl.Int64,
}
STATUS = {
    "iso3": pl.String, "commitment": pl.String, "status": pl.String, "since": pl.Date, "withdrawn_on": pl.Date,
    "source_url": pl.String, "as_of": pl.Date, "completeness": pl.String, "coverage_note": pl.String,
    "file_name": pl.String, "row_number": pl.Int64,
}


class Commitments(Source):
    id = "commitments"
    title = "Pillar I commitments — treaty status, R2P focal points, ACT Code of Conduct"
    publisher = "Compiled from the UN Treaty Collection, the ICC and the Global Centre for R2P (see TREATIES.md)"
    licence = "Cited facts (dates and names) with a source link per row; see TREATIES.md beside the tables"
    citation = ("Pillar I commitment tables compiled from the UN Treaty Collection (via zmjones/untreaties), ICC "
                "Assembly of States Parties, Coalition for the ICC, Global Centre for R2P and Center for UN Reform; "
                "one source URL per row (TREATIES.md beside the tables).")
    url = "https://treaties.un.org/"
    folder = "pillar1"
    tables = ()
    table_schemas: ClassVar = {"commitments": ROWS, "commitment_status": STATUS}
    order = 15

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return all(c in cols for c in REQUIRED) and "situation" not in cols

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df = read_delimited(path, separator=",", required=REQUIRED)
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        if "commitment" in df.columns:
            df = df.with_columns(pl.col("commitment").str.strip_chars())
            bad = ~pl.col("commitment").is_in(list(COVERAGE))
            rejects.add_rows(df.filter(bad), pl.format("column 'commitment': '{}' is not one of "
                                                       + ", ".join(COVERAGE), pl.col("commitment")))
            df = df.filter(~bad)
        elif path.stem in BY_STEM:
            df = df.with_columns(pl.lit(BY_STEM[path.stem]).alias("commitment"))
        else:
            raise SourceError(path, "cannot tell which commitment this file holds: add a 'commitment' column or "
                                    f"name the file one of {', '.join(s + '.csv' for s in BY_STEM)}")
        df = df.with_columns(pl.col("event").str.strip_chars().str.to_lowercase(),
                             pl.col("source_url").str.strip_chars())
        bad_event = ~pl.col("event").is_in(EVENTS).fill_null(False)
        rejects.add_rows(df.filter(bad_event), pl.format("column 'event': '{}' is not one of " + ", ".join(EVENTS),
                                                         pl.col("event")))
        df = df.filter(~bad_event)
        no_url = ~pl.col("source_url").str.contains(r"^https?://\S+$").fill_null(False)
        rejects.add_rows(df.filter(no_url), "column 'source_url': missing or not an http(s) URL")
        df = df.filter(~no_url)
        df = parse_dates(df, "date", rejects, earliest="1948-01-01")
        df = df.with_columns(pl.col("iso3").str.strip_chars().str.to_uppercase().alias("__code"))
        df, _ = ctx.countries.resolve(df, "__code", "iso3", rejects)
        df, n_dup = duplicates_of(df, ["iso3", "commitment", "event", "date"], rejects, what="event")
        out = df.select("iso3", "commitment", "event", "date", "source_url", pl.col("state").str.strip_chars(),
                        pl.lit(path.name).alias("file_name"), pl.col("_row").alias("row_number"))
        out = out.sort("iso3", "commitment", "date", "event", "row_number")
        status = commitment_status(out)
        kinds = sorted(out["commitment"].unique().to_list())
        version = "; ".join(f"{k} as of {COVERAGE[k].as_of}" for k in kinds) or "no rows"
        return FileResult(path, version, rows_read, {"commitments": out, "commitment_status": status},
                          rejects.frame(), rows_duplicate=n_dup, rows_loaded=out.height)


def commitment_status(rows: pl.DataFrame) -> pl.DataFrame:
    """One status per (iso3, commitment), by the TREATIES.md rule; the deciding row gives date, link and row."""
    out = []
    for (iso3, commitment), group in rows.group_by(["iso3", "commitment"], maintain_order=True):
        events = group.sort("date", "row_number").to_dicts()
        consents = [e for e in events if e["event"] in CONSENT]
        withdrawals = [e for e in events if e["event"] == "withdrawal"]
        members = [e for e in events if e["event"] == "member"]
        signatures = [e for e in events if e["event"] == "signature"]
        withdrawn_on = None
        if consents and not (withdrawals and withdrawals[-1]["date"] >= consents[-1]["date"]):
            status, decisive, since = "party", consents[-1], consents[-1]["date"]
        elif withdrawals:
            status, decisive = "withdrawn", withdrawals[-1]
            since, withdrawn_on = (consents[-1]["date"] if consents else None), withdrawals[-1]["date"]
        elif members:
            status, decisive, since = "member", members[0], members[0]["date"]
        else:
            status, decisive, since = "signatory", signatures[0], signatures[0]["date"]
        cov = COVERAGE[commitment]
        out.append({"iso3": iso3, "commitment": commitment, "status": status, "since": since,
                    "withdrawn_on": withdrawn_on, "source_url": decisive["source_url"], "as_of": cov.as_of,
                    "completeness": cov.completeness, "coverage_note": cov.note, "file_name": decisive["file_name"],
                    "row_number": decisive["row_number"]})
    return pl.DataFrame(out, schema=STATUS).sort("iso3", "commitment")


SOURCE = Commitments()
