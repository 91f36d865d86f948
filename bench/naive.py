"""The naive baseline: the common Dash pattern — every table loaded once into a global pandas DataFrame, filtered
inside each callback, nothing cached.

``install(db)`` loads the tables into pandas and swaps the per-selection query functions of ``dashboard.data`` for
pandas versions returning the same frames (same columns, same rows), so the very same callbacks and figures run on
top; only the data step differs. bench/bench_callbacks.py times it twice: under our JSON encoder (the data step
alone) and under Dash's stock encoder without our response cache (the common pattern as a whole). ``uninstall()``
restores the DuckDB versions. Catalog lookups (countries, indicator catalog, regions, the reject menu) keep the
app's versions: a naive app computes those once at start-up too.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
import polars as pl

from dashboard import data

EVENT_COLUMNS = ("iso3", "year", "event_date", "latitude", "longitude", "violence_type", "deaths_best",
                 "deaths_low", "deaths_high", "deaths_civilians", "where_description", "source_version")
REPLACED = ("map_values", "indicator_years", "risk_levels_asof", "_country_all", "explore_wide", "event_years",
            "events", "event_totals", "risk_history", "rejects_count", "rejects_page")
_T: dict[str, pd.DataFrame] = {}
_SAVED: dict[str, Any] = {}


def _load(db: str) -> None:
    con = duckdb.connect(db, read_only=True)
    try:
        _T["iv"] = con.sql("SELECT iso3, year, indicator_id, value FROM indicator_values").df()
        _T["events"] = con.sql(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events").df()
        _T["risk"] = con.sql("SELECT iso3, risk_level, as_of, source_url, situation, list_id, row_number "
                             "FROM r2p_risk_levels").df()
        _T["rejects"] = con.sql("SELECT source_id, file_name, row_number, reason, raw FROM rejects").df()
    finally:
        con.close()


def _pl(df: pd.DataFrame) -> pl.DataFrame:
    return pl.from_pandas(df.reset_index(drop=True))


def map_values(indicator_id: str, year: int) -> pl.DataFrame:
    iv = _T["iv"]
    cur = iv[(iv.indicator_id == indicator_id) & (iv.year == year) & iv.value.notna()][["iso3", "value"]]
    prev = iv[(iv.indicator_id == indicator_id) & (iv.year == year - 1)][["iso3", "value"]]
    df = cur.merge(prev.rename(columns={"value": "previous"}), on="iso3", how="left")
    df["change"] = df["value"] - df["previous"]
    return _pl(df).join(data.countries(), on="iso3", how="inner")


def indicator_years(indicator_id: str) -> list[int]:
    iv = _T["iv"]
    return sorted(int(y) for y in iv[(iv.indicator_id == indicator_id) & iv.value.notna()].year.unique())


def risk_levels_asof(year: int | None = None) -> pl.DataFrame:
    r = _T["risk"]
    r = r[r.list_id == "gcr2p"]
    if year is not None:
        r = r[r.as_of <= pd.Timestamp(int(year), 12, 31)]
    r = r.sort_values(["as_of", "row_number"], ascending=False).drop_duplicates("iso3")
    out = r[["iso3", "risk_level", "as_of", "source_url", "situation"]].copy()
    out["as_of"] = pd.to_datetime(out["as_of"]).dt.date
    return _pl(out).with_columns(pl.col("as_of").cast(pl.Date))


def _country_all(iso3: str) -> pl.DataFrame:
    iv = _T["iv"]
    return _pl(iv[(iv.iso3 == iso3) & iv.value.notna()].sort_values(["indicator_id", "year"]))


def explore_wide(indicator_ids: tuple[str, ...], iso3s: tuple[str, ...], year_from: int,
                 year_to: int) -> pl.DataFrame:
    iv = _T["iv"]
    ids = list(dict.fromkeys(indicator_ids))
    df = iv[iv.indicator_id.isin(ids) & iv.iso3.isin(iso3s) & iv.year.between(year_from, year_to) & iv.value.notna()]
    wide = df.pivot_table(index=["iso3", "year"], columns="indicator_id", values="value", aggfunc="first")
    wide = wide.reindex(columns=ids).reset_index()
    wide.columns = ["iso3", "year", *ids]
    return _pl(wide).join(data.countries(), on="iso3", how="inner").sort("name", "year").select(
        "iso3", "name", "m49_region", "m49_subregion", "year", *[pl.col(i).cast(pl.Float64) for i in ids])


def event_years(iso3: str) -> tuple[int, int] | None:
    ev = _T["events"]
    years = ev.loc[ev.iso3 == iso3, "year"]
    return (int(years.min()), int(years.max())) if len(years) else None


def events(iso3: str, year_from: int, year_to: int, types: tuple[str, ...]) -> tuple[pl.DataFrame, bool]:
    ev = _T["events"]
    sel = ev[(ev.iso3 == iso3) & ev.year.between(year_from, year_to) & ev.violence_type.isin(types)
             & ev.latitude.notna() & ev.longitude.notna()]
    deaths = sel.deaths_best.fillna(0).astype("int64")
    if len(sel) <= data.MAX_EVENT_POINTS:
        sel = sel.assign(deaths=deaths, events=1).sort_values("event_date")
        label = pd.to_datetime(sel.event_date).dt.strftime("%Y-%m-%d") + " · " + sel.where_description.fillna("")
        out = sel[["latitude", "longitude", "violence_type", "deaths", "events"]].assign(label=label)
        return _pl(out).with_columns(pl.col("events").cast(pl.Int32)), False
    cells = pd.DataFrame({"latitude": np.floor(sel.latitude * 2) / 2 + 0.25,
                          "longitude": np.floor(sel.longitude * 2) / 2 + 0.25,
                          "violence_type": sel.violence_type, "deaths": deaths})
    g = cells.groupby(["latitude", "longitude", "violence_type"], as_index=False).agg(
        deaths=("deaths", "sum"), events=("deaths", "size"))
    return _pl(g.assign(label="")), True


def event_totals(iso3: str) -> pl.DataFrame:
    ev = _T["events"]
    sel = ev[ev.iso3 == iso3]
    g = sel.groupby(["year", "violence_type"], as_index=False).agg(
        events=("year", "size"), deaths_best=("deaths_best", "sum"), deaths_low=("deaths_low", "sum"),
        deaths_high=("deaths_high", "sum"), deaths_civilians=("deaths_civilians", "sum"),
        versions=("source_version", lambda s: ", ".join(sorted(set(s.dropna())))))
    return _pl(g.sort_values(["year", "violence_type"]))


def risk_history(iso3: str) -> pl.DataFrame:
    r = _T["risk"]
    r = r[r.iso3 == iso3].sort_values(["as_of", "row_number"], ascending=False)
    out = r[["as_of", "risk_level", "situation", "source_url"]].assign(list_id=r.list_id)
    out["as_of"] = pd.to_datetime(out["as_of"]).dt.date
    return _pl(out).with_columns(pl.col("as_of").cast(pl.Date))


def rejects_count(source_id: str | None) -> int:
    rj = _T["rejects"]
    return int(len(rj) if source_id is None else (rj.source_id == source_id).sum())


def rejects_page(source_id: str | None, page: int, page_size: int = 50) -> pl.DataFrame:
    rj = _T["rejects"]
    sel = rj if source_id is None else rj[rj.source_id == source_id]
    sel = sel.sort_values(["source_id", "file_name", "row_number"])
    start = max(page, 0) * page_size
    sel = sel.iloc[start:start + page_size].assign(raw=lambda d: d.raw.str.slice(0, 200))
    return _pl(sel)


def install(db: str) -> None:
    """Swap dashboard.data's per-selection queries for the pandas versions (tables loaded once, here)."""
    if not _T:
        _load(db)
    for name in REPLACED:
        _SAVED.setdefault(name, getattr(data, name))
        setattr(data, name, globals()[name])


def uninstall() -> None:
    for name, fn in _SAVED.items():
        setattr(data, name, fn)
    _SAVED.clear()


def memory_mb() -> float:
    """Memory held by the global pandas frames (deep)."""
    return sum(df.memory_usage(deep=True).sum() for df in _T.values()) / 1e6
