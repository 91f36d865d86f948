"""The one read-only query layer between the warehouse (DuckDB) and the pages.

Why one module: every figure on screen must come from the warehouse, through parameterised SQL only (user input is
never spliced into SQL; identifiers come from whitelists). Results are cached per warehouse *stamp* (path, inode,
mtime), so a warehouse published by ``os.replace()`` is picked up on the next request: the old connection is closed
and the new file opened read-only.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np
import polars as pl

DEFAULT_DB = Path("data/warehouse.duckdb")
RISK_LEVELS = ("Current Crisis", "Imminent Risk", "Serious Concern")
VIOLENCE_TYPES = ("state-based", "non-state", "one-sided")
DEATH_INDICATORS = {
    "state-based": "ucdp_state_based_deaths",
    "non-state": "ucdp_nonstate_deaths",
    "one-sided": "ucdp_onesided_deaths",
}
PTS_INDICATORS = ("pts_amnesty", "pts_hrw", "pts_state_dept")
DISPLACEMENT_INDICATORS = ("unhcr_refugees_origin", "unhcr_asylum_seekers_origin", "unhcr_idps")
EWP_RISK, EWP_RANK = "ewp_onset_risk_2yr", "ewp_rank"
POPULATION = "population"
RISK_LEVEL_MODE = "r2p_risk_level"  # pseudo-indicator: colour the map by R2P Monitor risk level
MAX_EVENT_POINTS = 20_000

T = TypeVar("T")
log = logging.getLogger(__name__)


class WarehouseMissing(RuntimeError):
    """Raised when no usable warehouse file exists at the configured path."""


class WarehouseDamaged(WarehouseMissing):
    """The file at the warehouse path is not a usable warehouse (truncated, not DuckDB, contract tables missing)."""


class ContractTablesMissing(WarehouseDamaged):
    """A readable DuckDB file without the tables every page reads: refused in place of a good file; with nothing
    else to serve it is opened and ``status()`` sends every page to the no-warehouse page naming the tables."""


# the tables every page reads; a file without them is refused (the full contract: docs/warehouse.md)
REQUIRED_TABLES = ("countries", "indicators", "indicator_values", "sources")
_HEADER_BYTES = 3 * 4096  # DuckDB's file header + two database headers, before the first block
_DAMAGE = (duckdb.IOException, duckdb.SerializationException, duckdb.FatalException, duckdb.InternalException)


@dataclass(frozen=True)
class Stamp:
    path: str
    inode: int
    mtime_ns: int
    size: int


def check_file(path: str, size: int) -> None:
    """Prove ``path`` is a whole warehouse, or raise WarehouseDamaged saying why.

    Checks: DuckDB opens it; the file holds every block DuckDB's header counts (a truncated copy opens fine and
    fails on its first query); the contract tables exist and their first rows read. The file is attached to a
    throwaway in-memory database: ``duckdb.connect(path)`` would hand back the cached instance of the file this
    process already serves (DuckDB caches instances by path), not the new file.
    """
    con = duckdb.connect(":memory:")
    try:
        try:
            con.execute("ATTACH ? AS candidate (READ_ONLY)", [path])
        except duckdb.Error as exc:
            raise WarehouseDamaged(f"DuckDB cannot open it: {str(exc).splitlines()[0]}") from exc
        sizes = {r[0]: r for r in con.execute("PRAGMA database_size").fetchall()}
        _, _, block_size, total_blocks, *_ = sizes["candidate"]
        expected = _HEADER_BYTES + int(total_blocks) * int(block_size)
        if size < expected:
            raise WarehouseDamaged(f"the file is truncated: {size:,} bytes of the {expected:,} its header describes")
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_catalog = 'candidate'").fetchall()}
        missing = [t for t in REQUIRED_TABLES if t not in names]
        if missing:
            raise ContractTablesMissing(f"tables missing: {', '.join(missing)}")
        for table in REQUIRED_TABLES:
            con.execute(f'SELECT * FROM candidate."{table}" LIMIT 1').fetchall()
    except duckdb.Error as exc:
        raise WarehouseDamaged(f"DuckDB cannot read it: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()


class Warehouse:
    """A read-only handle on one warehouse path; reconnects when the file at that path changes.

    Every new file is checked before use (``check_file``). A damaged file swapped in while serving is refused and
    logged once; the last good connection keeps serving (its file stays readable through the open handle) until a
    good file replaces it. With no good file yet, ``WarehouseDamaged`` carries the reason to the pages.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._abs = str(self.path.absolute())  # resolved once: stamp() runs on every cached call
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stamp: Stamp | None = None
        self._refused: tuple[Stamp, str] | None = None  # the file on disk that failed its check, and why

    def stamp(self) -> Stamp | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return Stamp(self._abs, st.st_ino, st.st_mtime_ns, st.st_size)

    @property
    def serving(self) -> bool:
        """Is a connection open (the file on disk, or the last good one kept after a refusal)?"""
        return self._con is not None

    def problem(self) -> str:
        """Why the file on disk is not being served ('' when it is): shown as a notice or the no-warehouse page."""
        refused = self._refused
        return refused[1] if refused and refused[0] == self.stamp() else ""

    def _cursor(self) -> tuple[duckdb.DuckDBPyConnection, Stamp]:
        stamp = self.stamp()
        with self._lock:
            if stamp is None and self._con is None:
                raise WarehouseMissing(str(self.path))
            if stamp is not None and stamp != self._stamp and (self._refused is None or self._refused[0] != stamp):
                self._swap(stamp)
            if self._con is None:
                raise WarehouseDamaged(f"{self.path}: {self._refused[1] if self._refused else 'not readable'}")
            return self._con.cursor(), self._stamp  # type: ignore[return-value]

    def _swap(self, stamp: Stamp) -> None:
        """Open the new file if it passes the checks; otherwise keep the last good connection (lock held)."""
        try:
            check_file(str(self.path), stamp.size)
        except ContractTablesMissing as exc:
            if self._con is not None:
                self._refuse(stamp, exc)
                return
            log.error("warehouse %s: %s (opened: nothing else to serve; the pages say so)", self.path, exc)
        except WarehouseDamaged as exc:
            self._refuse(stamp, exc)
            return
        replacing = self._stamp is not None or self._refused is not None  # a publish after the first open
        if self._con is not None:  # closed first: DuckDB would return its cached instance of the old file
            with contextlib.suppress(duckdb.Error):
                self._con.close()
        self._con, self._stamp, self._refused = None, None, None
        try:
            self._con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error as exc:  # replaced again between the check and here: the next call checks that one
            self._refused = (stamp, f"DuckDB cannot open it: {str(exc).splitlines()[0]}")
            log.error("warehouse %s refused: %s", self.path, self._refused[1])
            return
        self._stamp = stamp
        if replacing:
            _after_publish()

    def _refuse(self, stamp: Stamp, exc: WarehouseDamaged) -> None:
        self._refused = (stamp, str(exc))
        keeping = "still serving the file opened before" if self._con else "nothing to serve"
        log.error("warehouse %s refused: %s (%s)", self.path, exc, keeping)

    def _damaged(self, exc: duckdb.Error) -> WarehouseDamaged:
        """A read failed inside the file (bad block, file cut while open): stop using this connection."""
        with self._lock:
            if self._con is not None and self._stamp is not None:
                with contextlib.suppress(duckdb.Error):
                    self._con.close()
                reason = f"a read failed: {str(exc).splitlines()[0]}"
                self._refused, self._con, self._stamp = (self.stamp() or self._stamp, reason), None, None
                log.error("warehouse %s: %s; connection closed", self.path, reason)
        return WarehouseDamaged(f"{self.path}: {str(exc).splitlines()[0]}")

    def frame(self, sql: str, params: Sequence[Any] | None = None) -> pl.DataFrame:
        """Run one parameterised query and return a Polars frame."""
        cur, _ = self._cursor()
        try:
            return cur.sql(sql, params=list(params or [])).pl()
        except _DAMAGE as exc:
            raise self._damaged(exc) from exc
        finally:
            cur.close()

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        cur, _ = self._cursor()
        try:
            return cur.execute(sql, list(params or [])).fetchall()
        except _DAMAGE as exc:
            raise self._damaged(exc) from exc
        finally:
            cur.close()

    def close(self) -> None:
        with self._lock:
            if self._con is not None:  # a query still running on another thread: dropped, freed when it ends
                with contextlib.suppress(duckdb.Error):
                    self._con.close()
            self._con, self._stamp, self._refused = None, None, None


_WAREHOUSE: Warehouse | None = None
_ON_PUBLISH: list[Callable[[], None]] = []  # run in a background thread when a new file is swapped in
_REWARM: threading.Thread | None = None  # the latest such thread (tests wait for it)


def on_publish(fn: Callable[[], None]) -> None:
    """Run ``fn`` (the app's cache warm-up) in the background after each publish is picked up, so the first visitor
    after an update does not pay for the catalogs and small tables every page reads (~0.2 s at 3M events)."""
    if fn not in _ON_PUBLISH:
        _ON_PUBLISH.append(fn)


def _after_publish() -> None:
    global _REWARM

    def run() -> None:
        for fn in list(_ON_PUBLISH):
            try:
                fn()
            except Exception as exc:  # a file replaced again or damaged meanwhile: the pages say why; log only
                log.warning("warm-up after a publish stopped: %s", exc)

    if _ON_PUBLISH:
        _REWARM = threading.Thread(target=run, name="warm-after-publish", daemon=True)
        _REWARM.start()


def configure(path: str | os.PathLike[str]) -> Warehouse:
    """Point the query layer at a warehouse file (app start-up, tests)."""
    global _WAREHOUSE
    if _REWARM is not None:  # a warm-up after a publish still reading the old file: let it finish first
        _REWARM.join(timeout=30)
    if _WAREHOUSE is not None:
        _WAREHOUSE.close()
    _WAREHOUSE = Warehouse(path)
    _cached_call.cache_clear()
    return _WAREHOUSE


def warehouse() -> Warehouse:
    if _WAREHOUSE is None:
        return configure(os.environ.get("R2P_DB", DEFAULT_DB))
    return _WAREHOUSE


@functools.lru_cache(maxsize=512)
def _cached_call(stamp: Stamp, fn: Callable[..., Any], args: tuple) -> Any:
    return fn(*args)


_PINNED: contextvars.ContextVar[Stamp | None] = contextvars.ContextVar("r2p_pinned_stamp", default=None)


@contextlib.contextmanager
def one_stamp() -> Iterator[None]:
    """Within this block every cached call uses the warehouse stamp read on entry.

    Why: a country page makes ~280 cached calls, each an ``os.stat`` of the warehouse (~2 ms in all); one stat per
    page is enough, and the page then reads one warehouse version throughout. Per thread/context (a ContextVar)."""
    token = _PINNED.set(_PINNED.get() or warehouse().stamp())
    try:
        yield
    finally:
        _PINNED.reset(token)


def cached(fn: Callable[..., T]) -> Callable[..., T]:
    """Cache a query function on (warehouse stamp, arguments); arguments must be hashable (tuples, not lists)."""

    @functools.wraps(fn)
    def wrapper(*args: Any) -> T:
        stamp = _PINNED.get() or warehouse().stamp()
        if stamp is None:
            raise WarehouseMissing(str(warehouse().path))
        return _cached_call(stamp, fn, args)

    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper


SLICE_KEY = "slice_iso3"  # the column a CountryTable's query selects the country code as (dropped from each slice)
_COUNTRY_TABLES: list[CountryTable] = []


class CountryTable:
    """One country's rows of a small table, read whole once per warehouse version and split by country.

    Why: a country page read ~15 small tables (hundreds to a few thousand rows each) with one ``WHERE iso3 = ?``
    query each, ~2 ms apiece of DuckDB planning and Arrow conversion whatever the size (~30 ms of a first visit at
    3M events). Read whole, each table costs a few ms once (at start-up: ``warm``) and a country's slice is a dict
    lookup. ``sql`` selects every country's rows with the code as ``slice_iso3``, ordered as a slice should be
    (the split keeps row order); a country with no rows gets the query's columns with no rows, as before.
    """

    def __init__(self, sql: str | Callable[[], str], *tables: str, ready: Callable[[], bool] | None = None) -> None:
        # sql: a string, or built per warehouse (columns vary by release); ready: when more than the tables matter
        self._sql, self.tables, self._ready = sql, tables, ready
        _COUNTRY_TABLES.append(self)

    @property
    def sql(self) -> str:
        return self._sql() if callable(self._sql) else self._sql

    def available(self) -> bool:
        return all(has(t) for t in self.tables) and (self._ready is None or self._ready())

    def rows(self, iso3: str) -> pl.DataFrame:
        slices, empty = _slices(self.sql)
        return slices.get(iso3, empty)

    def __contains__(self, iso3: str) -> bool:
        return iso3 in _slices(self.sql)[0]


@cached
def _slices(sql: str) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    whole = warehouse().frame(sql)
    parts = whole.partition_by(SLICE_KEY, maintain_order=True, include_key=False, as_dict=True)
    return {key[0]: part for key, part in parts.items()}, whole.head(0).drop(SLICE_KEY)


def warm_country_tables() -> None:
    """Read every CountryTable whose table is in the warehouse (start-up, after ``clear_cache`` in benchmarks)."""
    for t in _COUNTRY_TABLES:
        if t.available():
            _slices(t.sql)


def clear_cache() -> None:
    """Forget every cached result (benchmarks time cold calls with it; the stamp already handles new files)."""
    _cached_call.cache_clear()


# ---------------------------------------------------------------------------------------------- status


def status() -> dict[str, Any]:
    """Is there a usable warehouse? Never raises: the app shows a build page when ``ok`` is False.

    ``notice`` is set when the file on disk was refused but an earlier good one is still being served."""
    wh = warehouse()
    if wh.stamp() is None:
        return {"ok": False, "path": str(wh.path), "reason": "no warehouse file", "notice": ""}
    try:
        names = table_names()
    except Exception as exc:
        return {"ok": False, "path": str(wh.path), "reason": wh.problem() or f"cannot open: {exc}", "notice": ""}
    missing = [t for t in REQUIRED_TABLES if t not in names]
    if missing:
        return {"ok": False, "path": str(wh.path), "reason": f"tables missing: {', '.join(missing)}", "notice": ""}
    problem = wh.problem()
    if problem and not wh.serving:
        return {"ok": False, "path": str(wh.path), "reason": problem, "notice": ""}
    notice = f"The warehouse file was refused ({problem}); showing the previous data until it is rebuilt." \
        if problem else ""
    return {"ok": True, "path": str(wh.path), "reason": "", "notice": notice}


@cached
def table_names() -> frozenset[str]:
    return frozenset(r[0] for r in warehouse().rows("SELECT table_name FROM information_schema.tables"))


@cached
def _all_columns() -> dict[str, frozenset[str]]:
    """Every table's columns in one catalog query (each information_schema query costs milliseconds)."""
    out: dict[str, set[str]] = {}
    for table, column in warehouse().rows("SELECT table_name, column_name FROM information_schema.columns"):
        out.setdefault(table, set()).add(column)
    return {t: frozenset(c) for t, c in out.items()}


def columns_of(table: str) -> frozenset[str]:
    return _all_columns().get(table, frozenset())


def has(table: str) -> bool:
    return table in table_names()


# --------------------------------------------------------------------------------------------- catalog


@cached
def countries() -> pl.DataFrame:
    """iso3, name, m49_region, m49_subregion (regions from m49_regions when present, else from countries)."""
    ccols = columns_of("countries")
    region = "c.m49_region" if "m49_region" in ccols else "NULL"
    sub = "c.m49_subregion" if "m49_subregion" in ccols else "NULL"
    if has("m49_regions"):
        region = f"coalesce(m.m49_region, {region})"
        sub = f"coalesce(m.m49_subregion, {sub})"
        join = "LEFT JOIN m49_regions m USING (iso3)"
    else:
        join = ""
    return warehouse().frame(
        f"SELECT c.iso3, c.name, {region} AS m49_region, {sub} AS m49_subregion "
        f"FROM countries c {join} ORDER BY c.name"
    )


@cached
def country_names() -> dict[str, str]:
    df = countries()
    return dict(zip(df["iso3"].to_list(), df["name"].to_list(), strict=True))


@cached
def regions() -> dict[str, list[str]]:
    """M49 region → sorted sub-regions (only those with countries)."""
    df = countries().drop_nulls("m49_region")
    out: dict[str, list[str]] = {}
    for region, sub in df.select("m49_region", "m49_subregion").unique().sort(["m49_region", "m49_subregion"]).rows():
        out.setdefault(region, [])
        if sub and sub not in out[region]:
            out[region].append(sub)
    return out


@cached
def indicators() -> pl.DataFrame:
    """The indicator catalog with its source's title, citation and version, and the years that have values."""
    return warehouse().frame(
        """
        SELECT i.indicator_id, i.label, i.unit, i.source_id, i.description, i.higher_is_worse, i.risk_factors,
               s.title AS source_title, s.publisher, s.version AS source_version, s.citation, s.url AS source_url,
               y.first_year, y.last_year, y.n_values
        FROM indicators i
        LEFT JOIN (SELECT source_id, any_value(title) AS title, any_value(publisher) AS publisher,
                          string_agg(DISTINCT version, '; ') AS version, any_value(citation) AS citation,
                          any_value(url) AS url
                   FROM sources GROUP BY source_id) s USING (source_id)
        JOIN (SELECT indicator_id, min(year) AS first_year, max(year) AS last_year, count(*) AS n_values
              FROM indicator_values GROUP BY indicator_id) y USING (indicator_id)
        ORDER BY i.indicator_id
        """
    )


@cached
def indicator_catalog() -> pl.DataFrame:
    """Every catalog entry, including indicators without values (for the sources page)."""
    return warehouse().frame(
        """
        SELECT i.indicator_id, i.label, i.unit, i.source_id, i.description, i.higher_is_worse,
               array_to_string(i.risk_factors, ', ') AS risk_factors,
               (SELECT count(*) FROM indicator_values v WHERE v.indicator_id = i.indicator_id) AS n_values
        FROM indicators i ORDER BY i.source_id, i.indicator_id
        """
    )


def indicator_ids() -> list[str]:
    return indicators()["indicator_id"].to_list()


@cached
def _indicator_map() -> dict[str, dict[str, Any]]:
    return {r["indicator_id"]: r for r in indicators().iter_rows(named=True)}


def indicator_info(indicator_id: str) -> dict[str, Any] | None:
    """Catalog row of one indicator (label, unit, source title…), or None. Returns a copy: callers may edit it."""
    row = _indicator_map().get(indicator_id)
    return dict(row) if row else None


def indicators_for_factor(factor: int | None) -> list[str]:
    """Indicators mapped to one UN Framework risk factor (all when factor is None)."""
    df = indicators()
    if factor is None:
        return df["indicator_id"].to_list()
    return df.filter(pl.col("risk_factors").list.contains(factor))["indicator_id"].to_list()


def risk_factors_available() -> list[int]:
    df = indicators().select(pl.col("risk_factors").explode()).drop_nulls()
    return sorted(int(x) for x in df["risk_factors"].unique().to_list())


def default_indicator() -> str | None:
    """The civilian-harm indicator: UCDP one-sided deaths, else any indicator mapped to risk factor 11."""
    ids = indicator_ids()
    if DEATH_INDICATORS["one-sided"] in ids:
        return DEATH_INDICATORS["one-sided"]
    factor11 = indicators_for_factor(11)
    return (factor11 or ids or [None])[0]


@cached
def indicator_year_map() -> dict[str, list[int]]:
    """Every indicator's years with a value, in one query: the overview sends it to the browser, which then fills
    the year menu itself when the indicator changes (no server round trip)."""
    rows = warehouse().rows(
        "SELECT indicator_id, list(DISTINCT year ORDER BY year) FROM indicator_values WHERE value IS NOT NULL "
        "GROUP BY indicator_id ORDER BY indicator_id"  # one order: the same page gives the same bytes (cache, ETag)
    )
    return {ind: [int(y) for y in years] for ind, years in rows}


@cached
def indicator_years(indicator_id: str) -> list[int]:
    return list(indicator_year_map().get(indicator_id, []))


@cached
def risk_level_years() -> list[int]:
    if not has("r2p_risk_levels"):
        return []
    rows = warehouse().rows("SELECT DISTINCT year(as_of) FROM r2p_risk_levels WHERE as_of IS NOT NULL ORDER BY 1")
    return [int(r[0]) for r in rows]


# ---------------------------------------------------------------------------------------------- values


@cached
def map_values(indicator_id: str, year: int) -> pl.DataFrame:
    """One indicator for one year: iso3, name, region, sub-region, value, previous-year value, change."""
    return warehouse().frame(
        """
        SELECT v.iso3, v.value, p.value AS previous, v.value - p.value AS change
        FROM indicator_values v
        LEFT JOIN indicator_values p ON p.iso3 = v.iso3 AND p.indicator_id = v.indicator_id AND p.year = v.year - 1
        WHERE v.indicator_id = ? AND v.year = ? AND v.value IS NOT NULL
        ORDER BY v.iso3
        """,
        [indicator_id, int(year)],
    ).join(countries(), on="iso3", how="inner")


@cached
def risk_levels_asof(year: int | None = None) -> pl.DataFrame:
    """Each country's latest R2P Monitor listing (up to the end of ``year``): iso3, risk_level, as_of, source_url.

    Only the Global Centre's own list (list_id 'gcr2p') is used. Rows are in no particular order (the
    latest listings first); callers join or filter on iso3.
    """
    if not has("r2p_risk_levels"):
        return pl.DataFrame(schema={"iso3": pl.String, "risk_level": pl.String, "as_of": pl.Date,
                                    "source_url": pl.String, "situation": pl.String})
    df = _gcr2p_listings()
    if year is not None:  # as_of <= 31 December of that year (a null as_of never qualifies, as in SQL)
        df = df.filter(pl.col("as_of").dt.year() <= int(year))
    return df.unique("iso3", keep="first", maintain_order=True)


@cached
def _gcr2p_listings() -> pl.DataFrame:
    """Every listing of the Global Centre's own list, latest first (undated last, as the former window query ranked
    them; the other columns only break exact ties, which that query left to chance).

    Why: a catalog-sized table (88 rows today), warmed at start-up: each year's latest listings are then one Polars
    filter (~0.2 ms) instead of a window query per year (~4 ms on the overview's year change)."""
    return warehouse().frame(
        "SELECT iso3, risk_level, as_of, source_url, situation FROM r2p_risk_levels "
        "WHERE list_id = 'gcr2p' "
        "ORDER BY as_of DESC, row_number DESC, file_name, risk_level, situation, source_url")


@cached
def listing_labels(year: int) -> dict[str, str | None]:
    """Per listed country, its latest R2P Monitor risk level up to the end of ``year`` with that listing's month,
    e.g. "Current Crisis (2024-05)" (the world map's table); the cached listings are newest first."""
    df = (_gcr2p_listings().filter(pl.col("as_of").dt.year() <= year)
          .unique("iso3", keep="first", maintain_order=True)
          .select("iso3", pl.format("{} ({})", "risk_level", pl.col("as_of").dt.strftime("%Y-%m")).alias("label")))
    return dict(zip(df["iso3"].to_list(), df["label"].to_list(), strict=True))


def risk_map_values(year: int) -> pl.DataFrame:
    """Countries listed by R2P Monitor during ``year`` (their last listing that year)."""
    df = risk_levels_asof(year).filter(pl.col("as_of").dt.year() == year)
    return df.join(countries(), on="iso3", how="inner")


@cached
def _country_all(iso3: str) -> pl.DataFrame:
    """Every indicator value of one country in one query (a country page needs most of them)."""
    return warehouse().frame(
        "SELECT iso3, year, indicator_id, value FROM indicator_values "
        "WHERE iso3 = ? AND value IS NOT NULL ORDER BY indicator_id, year",
        [iso3],
    )


def country_values(iso3: str, indicator_ids: tuple[str, ...]) -> pl.DataFrame:
    """Long frame iso3, year, indicator_id, value for one country and some indicators."""
    return _country_values(iso3, tuple(indicator_ids))


@cached
def _country_values(iso3: str, indicator_ids: tuple[str, ...]) -> pl.DataFrame:
    return _country_all(iso3).filter(pl.col("indicator_id").is_in(indicator_ids))


@cached
def country_indicator_ids(iso3: str) -> tuple[str, ...]:
    return tuple(_country_all(iso3)["indicator_id"].unique(maintain_order=True).to_list())


@cached
def _ident(name: str) -> str:
    """A string as a quoted SQL identifier (column aliases made from catalog ids; values are always bound)."""
    return '"' + name.replace('"', '""') + '"'


@cached
def explore_wide(indicator_ids: tuple[str, ...], iso3s: tuple[str, ...], year_from: int,
                 year_to: int) -> pl.DataFrame:
    """The explorer's table: iso3, name, m49_region, m49_subregion, year, then one Float64 column per indicator id
    (null where that country-year has no value; all null if the indicator has none), one row per country-year with
    at least one value, sorted by name, year; countries not in ``countries()`` are left out.

    DuckDB pivots (one scan, one aggregation; the warehouse's key allows one value per iso3, year and indicator, so
    max() is that value). The country columns and the order come from the cached ``countries()`` without a join or
    a string sort: on this 2-core machine a join and sort in DuckDB cost ~3 ms more, in Polars ~1 ms more.
    """
    ids = list(dict.fromkeys(indicator_ids))
    known = country_names()
    wanted = list(dict.fromkeys(c for c in iso3s if c in known))
    cols = "".join(f", max(value) FILTER (WHERE indicator_id = ?) AS {_ident(i)}" for i in ids)
    # IN (SELECT unnest(?)) is a hash semi-join, ~1.5 ms quicker than list_contains() over 250 countries; with every
    # country chosen (the page's default) no country filter at all is quicker still (unknown codes are dropped below)
    every = len(wanted) == len(known)
    wide = warehouse().frame(
        f"SELECT iso3, year{cols} FROM indicator_values WHERE indicator_id IN (SELECT unnest(?::VARCHAR[])) "
        f"{'' if every else 'AND iso3 IN (SELECT unnest(?::VARCHAR[])) '}AND year BETWEEN ? AND ? "
        "AND value IS NOT NULL GROUP BY iso3, year",
        [*ids, ids, *([] if every else [wanted]), int(year_from), int(year_to)],
    )
    # each row's country as its row number in countries() (sorted by name): the physical code of an Enum of the
    # table's codes (a code it lacks becomes null; ~5× quicker than replace_strict); (number, year) as one integer
    # sorts the rows (numpy), and the country columns are gathered by that number
    ctry = countries()
    number = wide["iso3"].cast(pl.Enum(ctry["iso3"]), strict=False).to_physical()
    if number.null_count():  # a code the countries table lacks (none in a built warehouse)
        wide, number = wide.filter(number.is_not_null()), number.drop_nulls()
    number_np = number.to_numpy().astype(np.int64)
    order = np.argsort(number_np * (int(year_to) - int(year_from) + 1) + (wide["year"].to_numpy() - int(year_from)))
    # whole-frame gathers and column picks (a Series gather or a select is a Polars query each)
    return pl.DataFrame([*ctry[["iso3", "name", "m49_region", "m49_subregion"]][number_np[order]].get_columns(),
                         *wide[order][["year", *ids]].get_columns()])


@cached
def year_bounds() -> tuple[int, int]:
    lo, hi = warehouse().rows("SELECT min(year), max(year) FROM indicator_values")[0]
    return (int(lo), int(hi)) if lo is not None else (2000, 2000)


# --------------------------------------------------------------------------------------------- country


@cached
def _country_map() -> dict[str, dict[str, Any]]:
    return {r["iso3"]: r for r in countries().iter_rows(named=True)}


def country(iso3: str) -> dict[str, Any] | None:
    row = _country_map().get(iso3)
    return dict(row) if row else None


@cached
def risk_history(iso3: str) -> pl.DataFrame:
    if not has("r2p_risk_levels"):
        return pl.DataFrame(schema={"as_of": pl.Date, "risk_level": pl.String, "situation": pl.String,
                                    "source_url": pl.String, "list_id": pl.String})
    return _RISK_HISTORY.rows(iso3)


_RISK_HISTORY = CountryTable("SELECT iso3 AS slice_iso3, as_of, risk_level, situation, source_url, list_id "
                             "FROM r2p_risk_levels ORDER BY as_of DESC, row_number DESC", "r2p_risk_levels")


@cached
def ewp_history(iso3: str) -> pl.DataFrame:
    """EWP editions for a country: edition, onset_risk (probability 0–1 or %, as stored), rank."""
    if _EWP_EDITIONS.available():
        return _EWP_EDITIONS.rows(iso3)
    df = country_values(iso3, (EWP_RISK, EWP_RANK))
    if df.height == 0:
        return pl.DataFrame(schema={"edition": pl.String, "window_start": pl.Int64, "window_end": pl.Int64,
                                    "onset_risk": pl.Float64, "onset_risk_1yr": pl.Float64, "rank": pl.Float64})
    wide = df.pivot(on="indicator_id", index="year", values="value").sort("year")
    none = pl.lit(None, pl.Float64)
    return wide.select(pl.col("year").cast(pl.String).alias("edition"), pl.col("year").alias("window_start"),
                       pl.lit(None, pl.Int64).alias("window_end"),
                       (pl.col(EWP_RISK) if EWP_RISK in wide.columns else none).alias("onset_risk"),
                       none.alias("onset_risk_1yr"),
                       (pl.col(EWP_RANK) if EWP_RANK in wide.columns else none).alias("rank"))


def _ewp_editions_sql() -> str:
    """Every country's EWP editions; columns an older release lacks are NULL."""
    cols = columns_of("ewp_forecasts")
    rank = "rank" if "rank" in cols else "NULL"
    start = "forecast_window_start" if "forecast_window_start" in cols else "NULL"
    end = "forecast_window_end" if "forecast_window_end" in cols else "NULL"
    one = "onset_risk_1yr" if "onset_risk_1yr" in cols else "NULL"
    return (f"SELECT iso3 AS slice_iso3, CAST(edition AS VARCHAR) AS edition, {start} AS window_start, "
            f"{end} AS window_end, onset_risk_2yr AS onset_risk, {one} AS onset_risk_1yr, {rank} AS rank "
            "FROM ewp_forecasts ORDER BY edition")


_EWP_EDITIONS = CountryTable(_ewp_editions_sql, "ewp_forecasts",
                             ready=lambda: {"edition", "iso3", "onset_risk_2yr"} <= columns_of("ewp_forecasts"))


def _event_source() -> str:
    """The pre-aggregated ``event_cells`` (0.5° cells, built by the ETL) when the warehouse has it, else events."""
    return "event_cells" if has("event_cells") else "events"


@cached
def event_years(iso3: str) -> tuple[int, int] | None:
    if not has("events"):
        return None
    table = "event_country_year" if has("event_country_year") else "events"
    lo, hi = warehouse().rows(f"SELECT min(year), max(year) FROM {table} WHERE iso3 = ?", [iso3])[0]
    return (int(lo), int(hi)) if lo is not None else None


@cached
def events(iso3: str, year_from: int, year_to: int, types: tuple[str, ...]) -> tuple[pl.DataFrame, bool]:
    """GED events of one country, or a 0.5° grid of them when there are more than MAX_EVENT_POINTS.

    Returns (frame, aggregated); frame columns latitude, longitude, violence_type, deaths, events, label.
    Counting and gridding read ``event_cells`` when present (same numbers, a fraction of the rows).
    """
    if not has("events"):
        return pl.DataFrame(), False
    where = ("iso3 = ? AND year BETWEEN ? AND ? AND list_contains(?, violence_type) "
             "AND latitude IS NOT NULL AND longitude IS NOT NULL")
    params = [iso3, int(year_from), int(year_to), list(types)]
    ev_where = where + " AND source <> 'acled'"  # ACLED rows (the user's own, issue 19) never on UCDP's map
    if _event_source() == "event_cells":
        n = warehouse().rows(f"SELECT coalesce(sum(events), 0) FROM event_cells WHERE {where}", params)[0][0]
    else:
        n = warehouse().rows(f"SELECT count(*) FROM events WHERE {ev_where}", params)[0][0]
    if n <= MAX_EVENT_POINTS:
        df = warehouse().frame(
            "SELECT latitude, longitude, violence_type, coalesce(deaths_best, 0) AS deaths, 1 AS events, "
            "strftime(event_date, '%Y-%m-%d') || ' · ' || coalesce(where_description, '') AS label "
            f"FROM events WHERE {ev_where} ORDER BY event_date, source, event_id",  # fixed order: same bytes per worker
            params,
        )
        return df, False
    if _event_source() == "event_cells":
        sql = ("SELECT latitude, longitude, violence_type, sum(deaths) AS deaths, sum(events)::BIGINT AS events, "
               "'' AS label "
               f"FROM event_cells WHERE {where} GROUP BY latitude, longitude, violence_type "
               "ORDER BY latitude, longitude, violence_type")
    else:
        sql = ("SELECT floor(latitude * 2) / 2 + 0.25 AS latitude, floor(longitude * 2) / 2 + 0.25 AS longitude, "
               "violence_type, sum(coalesce(deaths_best, 0)) AS deaths, count(*) AS events, '' AS label "
               f"FROM events WHERE {ev_where} GROUP BY ALL ORDER BY latitude, longitude, violence_type")
    return warehouse().frame(sql, params), True


_EVENT_TOTALS = CountryTable(
    "SELECT iso3 AS slice_iso3, year, violence_type, events, deaths_best::HUGEINT AS deaths_best, deaths_low::HUGEINT "
    "AS deaths_low, deaths_high::HUGEINT AS deaths_high, deaths_civilians::HUGEINT AS deaths_civilians, versions "
    "FROM event_country_year ORDER BY year, violence_type", "event_country_year")


@cached
def event_totals(iso3: str) -> pl.DataFrame:
    """Per year and violence type: events, deaths best/low/high and civilian deaths (from GED events)."""
    if not has("events"):
        return pl.DataFrame()
    if has("event_country_year"):  # the same totals, pre-aggregated by the ETL
        return _EVENT_TOTALS.rows(iso3)
    count = "sum(events)::BIGINT" if _event_source() == "event_cells" else "count(*)"
    return warehouse().frame(
        f"SELECT year, violence_type, {count} AS events, sum(deaths_best) AS deaths_best, "
        "sum(deaths_low) AS deaths_low, sum(deaths_high) AS deaths_high, sum(deaths_civilians) AS deaths_civilians, "
        "string_agg(DISTINCT source_version, ', ' ORDER BY source_version) AS versions "
        f"FROM {_event_source()} WHERE iso3 = ? GROUP BY year, violence_type ORDER BY year, violence_type",
        [iso3],
    )


# --------------------------------------------------------------------------------------------- sources


@cached
def sources() -> pl.DataFrame:
    return warehouse().frame(
        "SELECT source_id, title, publisher, version, licence, citation, url, file_name, retrieved_at, rows_read, "
        "rows_loaded, rows_rejected, rows_duplicate, rows_excluded, status, message FROM sources "
        "ORDER BY source_id, file_name"
    )


def source_lines(source_ids: Sequence[str]) -> list[str]:
    """One attribution line per source: title, publisher, version, licence, citation."""
    return list(_source_lines(tuple(source_ids)))


@cached
def _source_line_map() -> dict[str, str]:
    """Every source's attribution line, built once per warehouse (a filter per source per callback cost ms)."""
    out = {}
    for (sid,), rows in sources().partition_by("source_id", as_dict=True, maintain_order=True).items():
        r = rows.row(0, named=True)  # its first file (sources() is ordered by source_id, file_name)
        versions = ", ".join(sorted({v for v in rows["version"].to_list() if v}))
        out[sid] = (f"{r['title']} ({r['publisher']}){', ' + versions if versions else ''}. "
                    f"{r['citation'] or ''} Licence: {r['licence'] or 'see source'}. {r['url'] or ''}").strip()
    return out


@cached
def _source_lines(source_ids: tuple[str, ...]) -> tuple[str, ...]:
    lines = _source_line_map()
    return tuple(lines[sid] for sid in dict.fromkeys(source_ids) if sid in lines)


@cached
def _reject_counts() -> dict[str | None, int]:
    """Rejected rows per source, in source order: one small catalog query (warmed at start-up) answers both the
    source menu and every page's total, instead of a DISTINCT and a count query per callback (~1–2 ms each)."""
    if not has("rejects"):
        return {}
    return {sid: int(n) for sid, n in warehouse().rows(
        "SELECT source_id, count(*) FROM rejects GROUP BY source_id ORDER BY source_id")}


def rejects_count(source_id: str | None) -> int:
    """Rejected rows of one source, or of all sources when ``source_id`` is None."""
    counts = _reject_counts()
    return sum(counts.values()) if source_id is None else counts.get(source_id, 0)


@cached
def rejects_page(source_id: str | None, page: int, page_size: int = 50) -> pl.DataFrame:
    if not has("rejects"):
        return pl.DataFrame()
    return warehouse().frame(
        "SELECT source_id, file_name, row_number, reason, left(raw, 200) AS raw FROM rejects "
        "WHERE (? IS NULL OR source_id = ?) ORDER BY source_id, file_name, row_number LIMIT ? OFFSET ?",
        [source_id, source_id, int(page_size), int(max(page, 0)) * int(page_size)],
    )


def reject_sources() -> list[str]:
    """Sources with rejected rows, sorted (a NULL source_id, if any, stays listed last, as DISTINCT did)."""
    return list(_reject_counts())  # type: ignore[arg-type]


def warm() -> None:
    """Fill the caches the first page needs (catalog, regions, default map), so the first visitor is not slow."""
    if not status()["ok"]:
        return
    countries()
    country_names()  # the lookups every country page and the explorer use
    _country_map()
    regions()
    ind = default_indicator()
    if ind:
        years = indicator_years(ind)
        if years:
            map_values(ind, years[-1])
            risk_levels_asof(years[-1])
            listing_labels(years[-1])
    risk_levels_asof(None)
    risk_level_years()
    year_bounds()
    # catalogs every page and callback reads (attribution lines, the risk-factor and watchlist menus): a restarted
    # server has them from its first page render (server.warm), so a callback never pays for them on its own
    _source_line_map()
    _indicator_map()
    _reject_counts()  # the sources page's reject menu and totals
