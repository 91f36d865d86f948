"""Security Council resolution number → UN Digital Library record (CR-UNSC crosswalk files, Fobbe 2024).

Two files share the header ``res_no,url_record``: the bibliographic record table and the voting record table.
Which one a file is comes from its name (``…Record-Table…`` / ``…Voting…``) since the content is alike. The
country section links each resolution it lists to its Digital Library record through ``unsc_resolution_records``.
A non-numeric resolution number or a URL outside digitallibrary.un.org is a named reject.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, FileResult, Rejects, Source, SourceError
from etl.readers import duplicates_of, header_of, read_delimited

REQUIRED = ("res_no", "url_record")


class CrUnsc(Source):
    id = "cr_unsc"
    title = "CR-UNSC crosswalk — Security Council resolution → UN Digital Library record"
    publisher = "Seán Fobbe, Corpus of Resolutions: UN Security Council (CR-UNSC)"
    licence = "Data CC0 1.0 (README); code GPL-3.0"
    citation = "Fobbe, S. Corpus of Resolutions: UN Security Council (CR-UNSC). Zenodo, " \
               "doi:10.5281/zenodo.7319780; crosswalk files UNSC_Record-Table / UNSC_Record_Voting."
    url = "https://doi.org/10.5281/zenodo.7319780"
    folder = "cr-unsc-crosswalk"
    ignore: ClassVar = ("CR-UNSC_Variables*.csv",)  # the variables codebook
    tables = ()
    table_schemas = {"unsc_resolution_records": {
        "res_no": pl.Int64, "kind": pl.String, "url": pl.String, "file_name": pl.String, "row_number": pl.Int64}}
    order = 114

    def recognise(self, path: Path, head: str) -> bool:
        return header_of(head) == list(REQUIRED)

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        name = path.name.lower()
        kind = "voting" if "voting" in name else "record" if "record" in name else None
        if kind is None:
            raise SourceError(path, "cannot tell a record table from a voting table: keep 'Record-Table' or "
                                    "'Voting' in the file name")
        df = read_delimited(path, separator=",", required=REQUIRED)
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        df = df.with_columns(pl.col("res_no").str.strip_chars().cast(pl.Int64, strict=False).alias("__no"),
                             pl.col("url_record").str.strip_chars())
        bad = pl.col("__no").is_null() | (pl.col("__no") < 1)
        rejects.add_rows(df.filter(bad), pl.format("column 'res_no': '{}' is not a resolution number",
                                                   pl.col("res_no").fill_null("")))
        df = df.filter(~bad)
        bad_url = ~pl.col("url_record").str.contains(r"^https://digitallibrary\.un\.org/record/\d+").fill_null(False)
        rejects.add_rows(df.filter(bad_url), pl.format("column 'url_record': '{}' is not a UN Digital Library "
                                                       "record", pl.col("url_record").fill_null("")))
        df = df.filter(~bad_url)
        df, n_dup = duplicates_of(df, ["__no"], rejects, what="resolution")
        out = df.select(pl.col("__no").alias("res_no"), pl.lit(kind).alias("kind"), pl.col("url_record").alias("url"),
                        pl.lit(path.name).alias("file_name"), pl.col("_row").alias("row_number"))
        return FileResult(path, f"{kind} table, resolutions 1–{out['res_no'].max() if out.height else 0}",
                          rows_read, {"unsc_resolution_records": out}, rejects.frame(),
                          rows_duplicate=n_dup, rows_loaded=out.height)


SOURCE = CrUnsc()
