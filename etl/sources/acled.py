"""ACLED events, with the user's own account (never shipped: ACLED's terms forbid redistribution).

Two ways in, one reader:

* API (``python -m etl update --only acled`` with ``ACLED_USERNAME`` / ``ACLED_PASSWORD`` in the environment,
  ``R2P_ACLED_URL`` to point elsewhere): :func:`AcledSource.refresh_from_api` keeps the user's own copy
  ``data/raw/acled/acled-api.csv`` up to date — the first run pages through everything selected, later runs ask
  only for events whose ``timestamp`` is at or after the newest one already held, merge them (an updated event
  replaces its older version) and drop the events ACLED has deleted since. The file is replaced only after every
  page arrived: a failed or malformed page leaves the previous copy, so the warehouse keeps the previous rows.
  (The brief suggested taking the previous rows from the warehouse; the raw copy is used because it holds every
  ACLED field, the warehouse only the mapped ones. The warehouse still keeps them when the refresh fails.)
* Offline: an export CSV downloaded from ACLED's site, dropped anywhere under the raw folder, recognised by its
  header (``event_id_cnty``, ``event_date``, ``event_type``, ``sub_event_type``, ``fatalities``).

Mapping to UCDP's three violence types is partial (docs/methodology.md, "ACLED, HDX HAPI and UCDP side by side"):
Battles and Explosions/Remote violence → state-based when either actor is state forces, else non-state (except
explosions coded as civilian targeting → one-sided); Violence against civilians → one-sided; Protests, Riots and
Strategic developments have no UCDP equivalent (``violence_type`` NULL). ACLED's own ``event_type`` and
``sub_event_type`` are kept. UCDP counts only organised violence over its 25-death thresholds; ACLED has no
threshold, so even the mapped types are not like for like.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from etl.api_client import ApiError
from etl.model import Context, FileResult, Rejects, Source, SourceError
from etl.readers import ROW, header_of, parse_dates, parse_numbers, read_delimited, reject_share_guard
from etl.sources._acled_api import AcledClient, AcledConfig, PageJournal

SNAPSHOT = "acled-api.csv"
DELETED = ".acled-deleted.json"  # ids ACLED deleted, applied to every ACLED file (offline exports too)
REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "fatalities", "country")
STATE_ACTOR = ("1", "State forces")  # inter1/inter2: a code in older exports, a label since 2024
NO_UCDP_EQUIVALENT = ("Protests", "Riots", "Strategic developments")
ATTRIBUTION = ("Armed Conflict Location & Event Data (ACLED), www.acleddata.com — loaded with the user's own "
               "ACLED account; not redistributable")


def violence_type() -> pl.Expr:
    """ACLED event type (and actors) → UCDP violence type; NULL where UCDP has no equivalent."""
    state = pl.lit(False)
    for col in ("inter1", "inter2"):
        state = state | pl.col(col).is_in(STATE_ACTOR).fill_null(False)
    civ = pl.col("civilian_targeting").fill_null("").str.contains("(?i)civilian")
    armed = pl.col("event_type").is_in(["Battles", "Explosions/Remote violence"])
    return (pl.when(pl.col("event_type") == "Violence against civilians").then(pl.lit("one-sided"))
            .when((pl.col("event_type") == "Explosions/Remote violence") & civ).then(pl.lit("one-sided"))
            .when(armed & state).then(pl.lit("state-based"))
            .when(armed).then(pl.lit("non-state"))
            .otherwise(pl.lit(None, pl.String)))


class AcledSource(Source):
    id = "acled"
    title = "ACLED — Armed Conflict Location & Event Data (user's own account)"
    publisher = "ACLED"
    licence = ("ACLED Terms of Use: NOT redistributable — loaded with the user's own account for their own "
               "analysis; raw events never exported; aggregates shown with attribution " + ATTRIBUTION)
    citation = "Raleigh, C., Kishi, R. & Linke, A. (2023). Humanities & Social Sciences Communications 10, 74."
    url = "https://acleddata.com"
    folder = "acled"
    tables = ("events",)
    redistributable = False
    skip_reason = ("skipped: no ACLED export file and no ACLED account (set ACLED_USERNAME and ACLED_PASSWORD, "
                   "or drop an export CSV you downloaded into the raw folder)")
    order = 60

    def recognise(self, path: Path, head: str) -> bool:
        if path.suffix.lower() not in (".csv", ".txt", ""):
            return False
        cols = set(header_of(head))
        return set(REQUIRED) <= cols

    # ------------------------------------------------------------------ API refresh (runner hook)
    def refresh_from_api(self, folder: Path, console: Console) -> str | None:
        """Bring ``folder/acled-api.csv`` up to date. None when done; a one-line reason when skipped.

        Raises SourceError (secrets redacted) when the API fails: the previous copy is kept untouched.
        """
        config = AcledConfig.from_env()
        if config is None:
            return ("skipped: no ACLED account configured (set ACLED_USERNAME and ACLED_PASSWORD in the "
                    "environment to load ACLED with your own account)")
        folder.mkdir(parents=True, exist_ok=True)
        client = AcledClient(config)
        try:
            refresh_snapshot(client, folder, console)
        except ApiError as err:
            raise SourceError(SNAPSHOT, client.api.shown(f"ACLED API: {err}; previous ACLED data kept")) from None
        return None

    # ------------------------------------------------------------------ reading
    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df = read_delimited(path, required=REQUIRED)
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        for col in ("inter1", "inter2", "civilian_targeting", "admin1", "admin2", "location", "actor1", "actor2",
                    "iso", "latitude", "longitude", "geo_precision", "time_precision", "timestamp", "year"):
            if col not in df.columns:
                df = df.with_columns(pl.lit(None, pl.String).alias(col))
        df = parse_numbers(df, ["fatalities"], rejects, integer=True, required=True, minimum=0)
        df = parse_dates(df, "event_date", rejects, earliest="1997-01-01")
        df = parse_numbers(df, ["latitude"], rejects, minimum=-90, maximum=90)
        df = parse_numbers(df, ["longitude"], rejects, minimum=-180, maximum=180)
        df = parse_numbers(df, ["geo_precision", "time_precision", "timestamp"], rejects, integer=True)
        blank_id = pl.col("event_id_cnty").fill_null("").str.strip_chars() == ""
        rejects.add_rows(df.filter(blank_id), "column 'event_id_cnty': empty event id")
        df = df.filter(~blank_id)
        df, n_excluded = self._countries(df, ctx, rejects)
        df, n_dup = _dedupe(df, rejects)
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        version = self._version(path, df)
        return FileResult(path, version, rows_read, {"events": self._events(df, path, version)}, rejects.frame(),
                          rows_duplicate=n_dup, rows_excluded=n_excluded)

    @staticmethod
    def _countries(df: pl.DataFrame, ctx: Context, rejects: Rejects) -> tuple[pl.DataFrame, int]:
        """ISO3 from ACLED's numeric ``iso`` (ISO 3166-1 numeric) when present, else from the country name."""
        has_iso = df["iso"].drop_nulls().len() > 0
        if has_iso:
            df = df.with_columns(pl.col("iso").str.strip_chars().str.replace(r"\.0$", ""))
            return ctx.countries.resolve(df, "iso", "m49", rejects, out="iso3")
        return ctx.countries.resolve(df, "country", "name", rejects, out="iso3")

    @staticmethod
    def _version(path: Path, df: pl.DataFrame) -> str:
        kind = "API copy" if path.name == SNAPSHOT else "export"
        if df.height == 0:
            return kind
        return f"{kind} to {df['event_date'].max():%Y-%m-%d}"

    def _events(self, df: pl.DataFrame, path: Path, version: str) -> pl.DataFrame:
        blank = lambda c: pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c))  # noqa: E731
        return df.select(
            pl.lit(self.id).alias("source"),
            pl.col("event_id_cnty").str.strip_chars().alias("event_id"),
            pl.lit(version).alias("source_version"),
            "iso3",
            "event_date",
            pl.col("event_date").alias("date_end"),
            pl.col("event_date").dt.year().cast(pl.Int64).alias("year"),
            "latitude", "longitude",
            blank("admin1").alias("adm1"), blank("admin2").alias("adm2"), blank("location").alias("where_description"),
            violence_type().alias("violence_type"),
            pl.col("fatalities").alias("deaths_best"),
            blank("actor1").alias("side_a"), blank("actor2").alias("side_b"),
            pl.col("geo_precision").alias("where_prec"), pl.col("time_precision").alias("date_prec"),
            pl.lit(path.name).alias("file_name"),
            pl.col(ROW).alias("row_number"),
            "event_type", "sub_event_type",
            pl.col("timestamp").alias("_timestamp"),
        )

    def combine(self, results: list[FileResult], ctx: Context) -> list[FileResult]:
        """One event per id across files (the newest ``timestamp`` wins); ACLED's deletions applied to all."""
        deleted = set()
        for folder in {r.path.parent for r in results}:
            deleted |= set(load_deleted(folder))
        if not results or (len(results) == 1 and not deleted):
            return results  # one file is already one event per id (read_file): nothing to merge
        frames = [r.tables["events"].with_columns(pl.lit(i).alias("__f")) for i, r in enumerate(results)]
        allev = pl.concat(frames, how="vertical")
        gone = pl.col("event_id").is_in(list(deleted))
        ranked = allev.filter(~gone).sort(["_timestamp", "__f"], descending=True, nulls_last=True)
        keep = ranked.unique("event_id", keep="first", maintain_order=True)
        out = []
        for i, r in enumerate(results):
            mine = keep.filter(pl.col("__f") == i).sort("row_number").drop("__f")
            n_deleted = allev.filter((pl.col("__f") == i) & gone).height
            n_dup = r.tables["events"].height - mine.height - n_deleted
            note = "; ".join(p for p in (r.note, f"{n_deleted} events ACLED has since deleted" if n_deleted else "",
                                         f"{n_dup} events also in a newer ACLED file" if n_dup else "") if p)
            out.append(FileResult(r.path, r.version, r.rows_read, {"events": mine}, r.rejects,
                                  rows_duplicate=r.rows_duplicate + n_dup,
                                  rows_excluded=r.rows_excluded + n_deleted, note=note))
        return out


def _dedupe(df: pl.DataFrame, rejects: Rejects) -> tuple[pl.DataFrame, int]:
    """The same event id twice in one file: the newest timestamp is kept, the others counted as duplicates."""
    if df["event_id_cnty"].n_unique() == df.height:
        return df, 0
    kept = df.sort(["timestamp", ROW], descending=[True, False], nulls_last=True).unique(
        "event_id_cnty", keep="first", maintain_order=True).sort(ROW)
    return kept, df.height - kept.height


def load_deleted(folder: Path) -> list[str]:
    try:
        return list(json.loads((folder / DELETED).read_text()))
    except (FileNotFoundError, json.JSONDecodeError, TypeError):
        return []


def _previous(folder: Path) -> tuple[pl.DataFrame | None, int | None]:
    """The copy loaded last time (every column as text) and its newest ``timestamp``."""
    path = folder / SNAPSHOT
    if not path.exists():
        return None, None
    prev = pl.read_csv(path, infer_schema=False)
    ts = prev["timestamp"].cast(pl.Int64, strict=False).max() if "timestamp" in prev.columns else None
    return prev, (int(ts) if ts is not None else None)


def refresh_snapshot(client: AcledClient, folder: Path, console: Console) -> int:
    """Fetch new/updated events and deletions, merge, write atomically. Returns the number of events fetched."""
    prev, since = _previous(folder)
    params = client.read_params(since)
    journal = PageJournal(folder, params)
    next_page, fetched = journal.resume()
    with Progress(TextColumn("{task.description:<48}"), BarColumn(), TextColumn("{task.completed:,} events"),
                  TimeElapsedColumn(), console=console, transient=True, disable=console.quiet) as progress:
        task = progress.add_task("acled: " + ("new and updated events" if since else "all events"),
                                 total=None, completed=len(fetched))
        for page, rows in client.pages("/api/acled/read", params, start_page=next_page):
            journal.add(page, rows)
            fetched.extend(rows)
            progress.update(task, completed=len(fetched), description=f"acled: page {page}")
    deleted = [str(r.get("event_id_cnty")) for r in client.deleted_since(since)] if since is not None else []
    new = pl.DataFrame([{k: None if v is None else str(v) for k, v in r.items()} for r in fetched],
                       infer_schema_length=None) if fetched else None
    parts = [p for p in (prev, new) if p is not None and p.height]
    if parts:
        merged = pl.concat([p.cast(pl.String) for p in parts], how="diagonal")
        merged = (merged.with_columns(pl.col("timestamp").cast(pl.Int64, strict=False).alias("__ts"))
                  .with_row_index("__n")
                  .sort(["__ts", "__n"], descending=True, nulls_last=True)
                  .unique("event_id_cnty", keep="first")
                  .filter(~pl.col("event_id_cnty").is_in(deleted))
                  .sort("__n").drop("__ts", "__n"))
        tmp = folder / (SNAPSHOT + ".tmp")
        merged.write_csv(tmp)
        os.replace(tmp, folder / SNAPSHOT)
    if deleted:
        known = sorted(set(load_deleted(folder)) | set(deleted))
        tmp = folder / (DELETED + ".tmp")
        tmp.write_text(json.dumps(known))
        os.replace(tmp, folder / DELETED)
    journal.reset()
    return len(fetched)


SOURCE = AcledSource()
