"""Build a new warehouse file beside the live one, validate it, then publish it with one atomic rename.

A reader never sees a half-written warehouse: the live file is replaced only after the new one is complete,
checked and closed. A source that failed this run keeps its rows from the previous warehouse (marked stale).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from etl.countries import Countries
from etl.derive import derive
from etl.derive.what_changed import record as record_what_changed
from etl.model import FileResult, Source
from etl.schema import CORE, DERIVED, INDICATORS, KEYS, REJECTS, SOURCES, conform, ddl


class PublishError(Exception):
    """The new warehouse failed validation; the previous one is left untouched."""


class UpdateLocked(Exception):
    """Another update of the same warehouse holds its lock and did not finish within the wait."""


# the tables every published warehouse holds (the contract the dashboard reads); a file without them is not usable
CONTRACT_TABLES = (*CORE, "indicators", "sources", "rejects", "countries", *DERIVED)


def validate_warehouse(path: Path) -> str | None:
    """Why the warehouse file at ``path`` is not usable (it does not open in DuckDB, or a contract table is
    missing), or None when it is. Opens read-only and never raises: a truncated or foreign file is a reason."""
    path = Path(path)
    if not path.is_file():
        return f"{path}: no such file"
    if path.stat().st_size == 0:
        return f"{path}: the file is empty (0 bytes)"
    try:
        con = duckdb.connect(str(path), read_only=True)
    except Exception as err:  # duckdb.IOException, SerializationException, InternalException…
        return f"{path}: DuckDB cannot open it ({type(err).__name__}: {str(err).splitlines()[0]})"
    try:
        have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        missing = [t for t in CONTRACT_TABLES if t not in have]
        if missing:
            return f"{path}: not a complete warehouse, table(s) missing: {', '.join(missing)}"
        block_size, blocks = con.execute("SELECT block_size, total_blocks FROM pragma_database_size() "
                                         "WHERE database_name = current_database()").fetchone()
        if path.stat().st_size < block_size * blocks:  # cut off (a copy or a transfer that stopped): blocks missing
            return (f"{path}: truncated, {path.stat().st_size:,} bytes where its {blocks} blocks need "
                    f"{block_size * blocks:,}")
        for table in ("sources", "countries"):  # the two every page reads first: they must scan to the end
            con.execute(f'SELECT * FROM "{table}"').fetchall()
    except Exception as err:
        return f"{path}: damaged ({type(err).__name__}: {str(err).splitlines()[0]})"
    finally:
        con.close()
    return None


def lock_path(db: Path) -> Path:
    return Path(db).with_name(Path(db).name + ".lock")


@contextmanager
def update_lock(db: Path, wait: float = 600.0) -> Iterator[None]:
    """Hold an exclusive ``fcntl.flock`` on ``<db>.lock`` for one whole update; a second update of the same file
    waits up to ``wait`` seconds, then gives up with :class:`UpdateLocked` naming the holder's pid. The kernel
    drops the lock when its process dies (even SIGKILL), so a killed update never blocks the next one.
    Under the lock, leftovers of a killed or failed run (``<db>.*tmp`` and their ``.wal``) are removed."""
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_path(db)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                    raise UpdateLocked(
                        f"another update of {db} is running (pid {holder}, lock {lock}); waited {wait:g} s — "
                        "run this update again when it has finished"
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        remove_leftovers(db)
        yield
    finally:
        os.close(fd)  # releases the lock; the lock file stays (deleting it would race with a waiting update)


def remove_leftovers(db: Path) -> list[Path]:
    """Delete temporary files of earlier runs that died before publishing (call only under the update lock)."""
    db = Path(db)
    gone = []
    for pattern in (f"{db.name}.tmp", f"{db.name}.tmp.wal", f"{db.name}.*.tmp", f"{db.name}.*.tmp.wal"):
        for leftover in db.parent.glob(pattern):
            leftover.unlink(missing_ok=True)
            gone.append(leftover)
    return gone


def temp_path(db: Path) -> Path:
    """A temporary name no other run can share: pid plus random bits."""
    return Path(db).with_name(f"{Path(db).name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


@dataclass
class SourceRun:
    """The outcome of one source in one update."""

    source: Source
    status: str  # ok | failed | no input | not selected
    results: list[FileResult] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0
    file_meta: dict[str, dict] = field(default_factory=dict)  # file name -> sha256, retrieved_at
    frames: dict[str, pl.DataFrame] | None = None  # conformed per-table rows, computed once (see _source_frames)

    @property
    def fresh(self) -> bool:
        return self.status == "ok"


def all_schemas(sources: list[Source]) -> dict[str, dict[str, pl.DataType]]:
    schemas = dict(CORE)
    for src in sources:
        for table, schema in src.table_schemas.items():
            if table in schemas and schemas[table] != schema:
                raise ValueError(f"table {table} declared twice with different columns ({src.id})")
            schemas[table] = {**schema, **({"source_id": pl.String} if "source_id" not in schema else {})}
    return schemas


def _source_col(table: str) -> str:
    return "source" if table == "events" else "source_id"


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.height == 0:
        return
    arrow = frame.to_arrow()  # noqa: F841 — read by DuckDB's replacement scan below
    con.execute(f'INSERT INTO "{table}" SELECT * FROM arrow')


def _tables_of(con: duckdb.DuckDBPyConnection, catalog: str) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = ?", [catalog]
    ).fetchall()
    return {r[0] for r in rows}


def _source_frames(run: SourceRun, schemas: dict[str, dict[str, pl.DataType]]) -> dict[str, pl.DataFrame]:
    """Concatenate a source's per-file frames per table, conformed to the contract and sorted (idempotence).

    Computed once per run and kept on it: the key check and the build both need it, and at GED scale it is seconds.
    """
    if run.frames is not None:
        return run.frames
    by_table: dict[str, list[pl.DataFrame]] = {}
    for result in run.results:
        for table, frame in result.tables.items():
            if table not in schemas:
                raise ValueError(f"{run.source.id}: unknown warehouse table '{table}'")
            col = _source_col(table)
            frame = frame.with_columns(pl.lit(run.source.id).alias(col))
            by_table.setdefault(table, []).append(conform(frame, table, schemas[table]))
    out = {}
    for table, frames in by_table.items():
        frame = pl.concat(frames, how="vertical")
        order = list(KEYS.get(table) or [c for c, t in schemas[table].items() if t != pl.Binary])
        if "file_name" in frame.columns and table in KEYS:
            order += ["file_name", "row_number"]  # keys are unique, so this order is total
        out[table] = frame.sort(order, nulls_last=True)
    run.frames = out
    return out


def check_keys(run: SourceRun, schemas: dict[str, dict[str, pl.DataType]]) -> str | None:
    """A source whose rows repeat a primary key is wrong as a whole: say which key and which files."""
    for table, frame in _source_frames(run, schemas).items():
        keys = KEYS.get(table)
        if not keys:
            continue
        dup = frame.filter(frame.select(keys).is_duplicated())
        if dup.height:
            first = dup.head(1).to_dicts()[0]
            shown = ", ".join(f"{k}={first[k]}" for k in keys)
            where = f" ({first.get('file_name')}, row {first.get('row_number')})" if "file_name" in first else ""
            return f"table {table}: {dup.height} rows repeat the key ({', '.join(keys)}), e.g. {shown}{where}"
    return None


def _source_rows(run: SourceRun) -> pl.DataFrame:
    src = run.source
    rows = []
    for r in run.results:
        meta = run.file_meta.get(r.path.name, {})
        rows.append({
            "source_id": src.id, "title": src.title, "publisher": src.publisher, "version": r.version,
            "licence": src.licence, "citation": src.citation, "url": meta.get("url") or src.url,
            "file_name": r.path.name, "file_sha256": meta.get("sha256"), "retrieved_at": meta.get("retrieved_at"),
            "rows_read": r.rows_read, "rows_loaded": r.loaded(), "rows_rejected": r.rows_rejected,
            "rows_duplicate": r.rows_duplicate, "rows_excluded": r.rows_excluded,
            "status": "ok", "message": r.note or None, "redistributable": src.redistributable,
        })
    return pl.DataFrame(rows, schema=SOURCES)


def _failure_row(run: SourceRun) -> pl.DataFrame:
    src = run.source
    return pl.DataFrame([{
        "source_id": src.id, "title": src.title, "publisher": src.publisher, "version": None, "licence": src.licence,
        "citation": src.citation, "url": src.url, "file_name": None, "file_sha256": None, "retrieved_at": None,
        "rows_read": None, "rows_loaded": None, "rows_rejected": None, "rows_duplicate": None, "rows_excluded": None,
        "status": run.status, "message": run.message, "redistributable": src.redistributable,
    }], schema=SOURCES)


def indicator_catalog(sources: list[Source]) -> pl.DataFrame:
    rows = [
        {"indicator_id": i.indicator_id, "label": i.label, "unit": i.unit, "source_id": s.id,
         "description": i.description, "higher_is_worse": i.higher_is_worse, "risk_factors": list(i.risk_factors)}
        for s in sources for i in s.indicators
    ]
    return pl.DataFrame(rows, schema=INDICATORS).sort("indicator_id")


def build_and_publish(db: Path, runs: list[SourceRun], countries: Countries) -> None:
    """Write ``db``.tmp, carry over what could not be refreshed, validate, and ``os.replace`` it onto ``db``."""
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(db)
    sources = [r.source for r in runs]
    schemas = all_schemas(sources)
    con = duckdb.connect(str(tmp))
    try:
        for table, schema in schemas.items():
            con.execute(ddl(table, schema))
        con.execute(ddl("indicators", INDICATORS))
        con.execute(ddl("sources", SOURCES))
        con.execute(ddl("rejects", REJECTS))
        prev_tables: set[str] = set()
        if db.exists() and (damaged := validate_warehouse(db)):  # never read a damaged file: build a fresh one
            for run in runs:
                if not run.fresh and run.status != "not selected":
                    run.message += f" (previous warehouse unusable, nothing to keep: {damaged})"
        elif db.exists():
            try:
                quoted = db.as_posix().replace("'", "''")  # ATTACH takes no parameters: quote the path as a literal
                con.execute(f"ATTACH '{quoted}' AS prev (READ_ONLY)")
                prev_tables = _tables_of(con, "prev")
            except duckdb.Error:
                prev_tables = set()  # an unreadable previous file cannot be carried over; say so in status
        for run in runs:
            if run.fresh:
                for table, frame in _source_frames(run, schemas).items():
                    _insert(con, table, frame)
                for r in run.results:
                    _insert(con, "rejects", r.rejects.select(list(REJECTS)))
                _insert(con, "sources", _source_rows(run))
                continue
            _carry_over(con, run, schemas, prev_tables)
        _insert(con, "indicators", indicator_catalog(sources))
        regions = con.sql("SELECT * FROM m49_regions").pl()
        _insert_countries(con, countries, regions)
        _derive(con, schemas)
        derive(con)  # risk-factor ratings and evidence staleness (etl/derive/), from the rows loaded or carried over
        record_what_changed(con, prev_tables)  # changes + alerts against the previous file (etl/derive/changes.py)
        _validate(con, schemas)
        con.execute("CHECKPOINT")
    except Exception:
        con.close()
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, db)
    dir_fd = os.open(db.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _carry_over(con: duckdb.DuckDBPyConnection, run: SourceRun, schemas: dict, prev_tables: set[str]) -> None:
    """Keep a source's previous rows. Failed/absent sources are marked stale; unselected ones keep their status."""
    sid = run.source.id
    tables = set(run.source.tables) | set(run.source.table_schemas)
    for table in sorted(tables & prev_tables):
        col = _source_col(table)
        try:
            con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM prev."{table}" WHERE "{col}" = ?', [sid])
        except duckdb.Error as err:
            run.message += f" (previous rows of {table} could not be kept: {err})"
    had_previous = False
    if "rejects" in prev_tables:
        con.execute("INSERT INTO rejects BY NAME SELECT * FROM prev.rejects WHERE source_id = ?", [sid])
    if "sources" in prev_tables:
        stale = "status" if run.status == "not selected" else "'stale'"
        n = con.execute(
            f"INSERT INTO sources BY NAME SELECT * REPLACE ({stale} AS status) FROM prev.sources "
            "WHERE source_id = ? AND file_name IS NOT NULL", [sid]
        ).fetchone()
        had_previous = bool(n and n[0])
    if run.status != "not selected":
        if had_previous:
            run.message += " — previous data kept (stale)"
        _insert(con, "sources", _failure_row(run))


def _derive(con: duckdb.DuckDBPyConnection, schemas: dict[str, dict]) -> None:
    """Derived tables (schema.DERIVED) from the final published rows, carried-over ones included."""
    for table, (schema, select) in DERIVED.items():
        con.execute(ddl(table, schema))
        if "events" in schemas:
            con.execute(f'INSERT INTO "{table}" {select}')


def _insert_countries(con: duckdb.DuckDBPyConnection, countries: Countries, regions: pl.DataFrame) -> None:
    table = countries.table(regions if regions.height else None)
    arrow = table.to_arrow()  # noqa: F841
    con.execute("CREATE TABLE countries AS SELECT * FROM arrow ORDER BY iso3")


def _validate(con: duckdb.DuckDBPyConnection, schemas: dict[str, dict]) -> None:
    """Refuse to publish a warehouse whose keys repeat or whose rows name a country not in ``countries``."""
    problems = []
    for table, keys in KEYS.items():
        cols = ", ".join(f'"{k}"' for k in keys)
        n = con.execute(
            f'SELECT count(*) FROM (SELECT {cols} FROM "{table}" GROUP BY ALL HAVING count(*) > 1)'
        ).fetchone()[0]
        if n:
            problems.append(f"{table}: {n} repeated keys ({cols})")
    for table, schema in schemas.items():
        for col in ("iso3", "origin_iso3", "asylum_iso3"):
            if col in schema:
                n = con.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{col}" IS NOT NULL '
                    f'AND "{col}" NOT IN (SELECT iso3 FROM countries)'
                ).fetchone()[0]
                if n:
                    problems.append(f"{table}.{col}: {n} rows with a code missing from countries")
    if problems:
        raise PublishError("; ".join(problems))
