"""HDX HAPI's monthly conflict figures (ACLED aggregated by HDX): events and fatalities per admin area and month.

Endpoint (HDX HAPI v2, ``hdx-hapi.readthedocs.io`` "Coordination & Context: Conflict Events", and the HDX HAPI
pipeline's dataset list ``political-violence-events-and-fatalities``, ``civilian-targeting-events-and-fatalities``,
``demonstration-events``): ``GET {base}/api/v2/coordination-context/conflict-events?app_identifier=…&limit=&offset=``
→ ``{"data": [{location_code, location_name, admin1_code, admin1_name, admin2_code, admin2_name, admin_level,
event_type, events, fatalities, reference_period_start, reference_period_end, …}]}``. ``app_identifier`` is the
base64 of ``application-name:email`` (HAPI's ``/api/v2/encode_app_identifier``); we read it, already encoded, from
``HDX_HAPI_APP_IDENTIFIER``. Paging: ``limit`` at HAPI's maximum of 10,000 rows, ``offset`` until a short page;
pacing one request per second (HAPI asks clients to stay polite; it throttles bursts with 429, which we retry).

Configured from the environment only (``HDX_HAPI_APP_IDENTIFIER``, ``R2P_HAPI_URL``, optional
``R2P_HAPI_COUNTRIES`` = ``SDN|SSD``); skipped with a one-line reason when unconfigured. The refresh writes the
user's copy ``data/raw/hdx_hapi/hdx-hapi-conflict-events.csv`` (replaced only after every page arrived); offline,
HAPI's own CSV export with the same columns is recognised by its header.

Warehouse: ``conflict_monthly`` (one row per area, month and event type, as published). Country totals sum the
rows of the most detailed admin level HAPI gives for that country and month (never two levels at once), and
``political_violence`` is the comparable fatality figure: HAPI's ``civilian_targeting`` is a subset of it, and
``demonstration`` carries no fatalities.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import polars as pl
from rich.console import Console

from etl.api_client import ApiError, JsonApi
from etl.model import Context, FileResult, Rejects, Source, SourceError
from etl.readers import ROW, header_of, parse_dates, parse_numbers, read_delimited, reject_share_guard

DEFAULT_URL = "https://hapi.humdata.org"
PATH = "/api/v2/coordination-context/conflict-events"
PAGE_LIMIT = 10_000
MIN_INTERVAL = 1.0
SNAPSHOT = "hdx-hapi-conflict-events.csv"
REQUIRED = ("location_code", "event_type", "events", "fatalities", "reference_period_start")
S, I, D = pl.String, pl.Int64, pl.Date  # noqa: E741
CONFLICT_MONTHLY = {
    "iso3": S, "month": D, "source": S, "event_type": S, "admin_level": I, "admin1_code": S, "admin1_name": S,
    "admin2_code": S, "admin2_name": S, "events": I, "fatalities": I, "reference_period_end": D,
    "file_name": S, "row_number": I,
}


class HdxHapiSource(Source):
    id = "hdx_hapi"
    title = "HDX HAPI — Conflict events (monthly ACLED aggregates per admin area)"
    publisher = "OCHA Centre for Humanitarian Data (HDX HAPI), data by ACLED"
    licence = ("HDX HAPI terms; the underlying figures are ACLED's aggregated data — cite ACLED and HDX HAPI; "
               "not redistributed by this project (loaded with the user's own app identifier)")
    citation = "OCHA HDX HAPI, coordination-context/conflict-events; source data: ACLED (www.acleddata.com)."
    url = "https://hapi.humdata.org/docs"
    folder = "hdx_hapi"
    tables = ("conflict_monthly",)
    table_schemas = {"conflict_monthly": CONFLICT_MONTHLY}
    redistributable = False
    skip_reason = ("skipped: no HDX HAPI file and no app identifier (set HDX_HAPI_APP_IDENTIFIER, or drop HAPI's "
                   "conflict-events CSV into the raw folder)")
    order = 61

    def recognise(self, path: Path, head: str) -> bool:
        if path.suffix.lower() not in (".csv", ".txt", ""):
            return False
        cols = set(header_of(head))
        return set(REQUIRED) <= cols and "event_id_cnty" not in cols

    def refresh_from_api(self, folder: Path, console: Console) -> str | None:
        app = os.environ.get("HDX_HAPI_APP_IDENTIFIER", "").strip()
        if not app:
            return ("skipped: no HDX HAPI app identifier configured (set HDX_HAPI_APP_IDENTIFIER to the base64 "
                    "app identifier HAPI issued you)")
        api = JsonApi(os.environ.get("R2P_HAPI_URL", "").strip() or DEFAULT_URL, [app], min_interval=MIN_INTERVAL)
        folder.mkdir(parents=True, exist_ok=True)
        countries = [c.strip().upper() for c in os.environ.get("R2P_HAPI_COUNTRIES", "").split("|") if c.strip()]
        try:
            rows = fetch_all(api, app, countries or [None], console)
        except ApiError as err:
            raise SourceError(SNAPSHOT, api.shown(f"HDX HAPI: {err}; previous HAPI data kept")) from None
        if not rows:
            raise SourceError(SNAPSHOT, "HDX HAPI answered no conflict-event rows; previous HAPI data kept")
        frame = pl.DataFrame([{k: None if v is None else str(v) for k, v in r.items()} for r in rows],
                             infer_schema_length=None)
        tmp = folder / (SNAPSHOT + ".tmp")
        frame.write_csv(tmp)
        os.replace(tmp, folder / SNAPSHOT)
        return None

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        df = read_delimited(path, required=REQUIRED)
        rows_read = df.height
        rejects = Rejects(self.id, path.name)
        for col in ("admin_level", "admin1_code", "admin1_name", "admin2_code", "admin2_name",
                    "reference_period_end"):
            if col not in df.columns:
                df = df.with_columns(pl.lit(None, pl.String).alias(col))
        df = parse_numbers(df, ["events"], rejects, integer=True, required=True, minimum=0)
        df = parse_numbers(df, ["fatalities", "admin_level"], rejects, integer=True, minimum=0)
        for col in ("reference_period_start", "reference_period_end"):
            df = df.with_columns(pl.col(col).str.slice(0, 10))
        df = parse_dates(df, "reference_period_start", rejects, earliest="1997-01-01")
        df = parse_dates(df, "reference_period_end", rejects, earliest="1997-01-01")
        df, n_excluded = ctx.countries.resolve(df, "location_code", "iso3", rejects, out="iso3")
        reject_share_guard(path, rows_read, rejects, ctx.max_reject_share)
        blank = lambda c: pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c))  # noqa: E731
        out = df.select(
            "iso3", pl.col("reference_period_start").dt.truncate("1mo").alias("month"),
            pl.lit("hdx_hapi").alias("source"), pl.col("event_type").str.strip_chars(),
            pl.col("admin_level").fill_null(0), *(blank(c).alias(c) for c in
                                                 ("admin1_code", "admin1_name", "admin2_code", "admin2_name")),
            "events", "fatalities", "reference_period_end",
            pl.lit(path.name).alias("file_name"), pl.col(ROW).alias("row_number"))
        last = out["month"].max()
        version = f"to {last:%Y-%m}" if last is not None else "empty"
        return FileResult(path, version, rows_read, {"conflict_monthly": out}, rejects.frame(),
                          rows_excluded=n_excluded)


def fetch_all(api: JsonApi, app: str, countries: list[str | None], console: Console) -> list[dict]:
    """Every page of every selected country (offset paging within HAPI's row limit)."""
    rows: list[dict] = []
    started = time.monotonic()
    for iso3 in countries:
        offset = 0
        while True:
            doc = api.request("GET", PATH, {"app_identifier": app, "location_code": iso3, "output_format": "json",
                                            "limit": PAGE_LIMIT, "offset": offset})
            data = doc.get("data")
            if not isinstance(data, list) or any(not isinstance(r, dict) for r in data):
                raise ApiError(f"{PATH} offset {offset}: the page has no 'data' list of rows")
            rows.extend(data)
            if not console.quiet:
                console.print(f"[dim]hdx_hapi: {len(rows):,} rows ({time.monotonic() - started:.0f} s)[/dim]",
                              end="\r")
            if len(data) < PAGE_LIMIT:
                break
            offset += PAGE_LIMIT
    return rows


SOURCE = HdxHapiSource()
