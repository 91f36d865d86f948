"""R2P Monitor risk levels (Global Centre for R2P): cited facts, read from the repo's data/curated/.

Also reads an organisation's own watchlist in the same shape: ``data/curated/watchlists/<list_id>.csv``
(``list_id`` taken from a ``list_id`` column when present, else from the file name in a ``watchlists`` folder,
else "gcr2p").
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from etl.model import Context, FileResult, Rejects, Source
from etl.readers import header_of, parse_dates, read_delimited

LEVELS = ("Current Crisis", "Imminent Risk", "Serious Concern")
REQUIRED = ("situation", "iso3_list", "risk_level", "as_of", "source_url")


class R2PMonitor(Source):
    id = "r2p_monitor"
    title = "R2P Monitor / Populations at Risk — risk levels"
    publisher = "Global Centre for the Responsibility to Protect"
    licence = "Cited facts compiled from public pages (attribution); see data/curated/r2p-monitor-risk-levels.SOURCE.md"
    citation = "Global Centre for the Responsibility to Protect, R2P Monitor / Populations at Risk, globalr2p.org."
    url = "https://www.globalr2p.org/populations-at-risk/"
    folder = "curated"
    tables = ("r2p_risk_levels",)
    order = 10

    def recognise(self, path: Path, head: str) -> bool:
        cols = header_of(head)
        return all(c in cols for c in REQUIRED)

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df = read_delimited(path, separator=",", required=REQUIRED)
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        bad_level = ~pl.col("risk_level").is_in(LEVELS)
        rejects.add_rows(df.filter(bad_level),
                         pl.format("column 'risk_level': '{}' is not one of " + " / ".join(LEVELS), "risk_level"))
        df = df.filter(~bad_level)
        df = parse_dates(df, "as_of", rejects, earliest="2005-01-01")
        df = df.with_columns(pl.col("iso3_list").str.split(";").alias("__iso")).explode("__iso")
        df = df.with_columns(pl.col("__iso").str.strip_chars().str.to_uppercase())
        df, _ = ctx.countries.resolve(df, "__iso", "iso3", rejects)
        if "list_id" not in df.columns:
            df = df.with_columns(pl.lit(list_id_of(path)).alias("list_id"))
        if "quote" not in df.columns:
            df = df.with_columns(pl.lit(None, pl.String).alias("quote"))
        out = df.select("iso3", "situation", "risk_level", "as_of", "source_url", "quote", "list_id",
                        pl.lit(path.name).alias("file_name"), pl.col("_row").alias("row_number"))
        loaded = out["row_number"].n_unique()
        return FileResult(path, f"as of {out['as_of'].max()}", rows_read, {"r2p_risk_levels": out},
                          rejects.frame(), rows_loaded=loaded)


def list_id_of(path: Path) -> str:
    """Files in a ``watchlists`` folder are an organisation's own list, named by the file; others are GCR2P's."""
    return path.stem if path.parent.name.lower() == "watchlists" else "gcr2p"


SOURCE = R2PMonitor()
