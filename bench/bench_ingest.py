"""ETL ingest benchmark: our GED ingest vs a bare DuckDB ``read_csv`` of the same SYNTHETIC file, and a full update.

Goals (issue 2): ingest ≤ 2× the bare read; full update over ../shared/data/raw ≤ 60 s on 2 cores.
Everything is written under bench/out/ — never into data/warehouse.duckdb.

    python -m bench.bench_ingest --rows 3000000          # writes bench/out/ingest.json and prints a table
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import duckdb

from bench.synthetic_ged import generate

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def bare_duckdb_read(csv: Path, db: Path) -> float:
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    t0 = time.perf_counter()
    con.execute("CREATE TABLE events AS SELECT * FROM read_csv(?, header = true)", [str(csv)])
    con.execute("CHECKPOINT")
    elapsed = time.perf_counter() - t0
    con.close()
    return elapsed


def our_ingest(csv: Path, db: Path, source: Any = None) -> tuple[float, int]:
    """Read + validate + normalise with one source module (default GED), then build and publish the warehouse with
    its derived tables into ``db`` (a separate bench file); seconds and rows loaded."""
    from etl.countries import Countries
    from etl.model import Context
    from etl.sources import all_sources
    from etl.warehouse import SourceRun, build_and_publish

    if source is None:
        from etl.sources.ucdp_ged import SOURCE as source
    ctx = Context(Countries())
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    results = source.combine([source.read_file(csv, ctx)], ctx)
    run = SourceRun(source, "ok", results=results)
    # the other sources as in `update --only <source>`: not selected, so every table exists (empty here)
    others = [SourceRun(s, "not selected") for s in all_sources() if s.id != source.id]
    build_and_publish(db, [run, *others], ctx.countries)
    return time.perf_counter() - t0, sum(r.loaded() for r in results)


def full_update(raw: Path, db: Path) -> tuple[float, int]:
    from etl.runner import update

    t0 = time.perf_counter()
    report = update(db=db, from_dir=raw, quiet=True)
    return time.perf_counter() - t0, report.exit_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--raw", type=Path, default=ROOT.parent / "shared" / "data" / "raw")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    csv = OUT / f"SYNTHETIC_GEDEvent_v99_1_{args.rows}.csv"
    if not csv.exists():
        t0 = time.perf_counter()
        generate(args.rows).write_csv(csv)
        print(f"generated {args.rows:,} SYNTHETIC events ({csv.stat().st_size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - t0:.1f} s")
    bare = bare_duckdb_read(csv, OUT / "bare.duckdb")
    ours, loaded = our_ingest(csv, OUT / "SYNTHETIC_bench_warehouse.duckdb")
    result = {
        "rows": args.rows, "csv_mb": round(csv.stat().st_size / 1e6, 1), "bare_duckdb_read_csv_s": round(bare, 2),
        "etl_ingest_s": round(ours, 2), "ratio": round(ours / bare, 2), "rows_loaded": loaded,
        "cpus": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine(),
    }
    if args.raw.is_dir():
        seconds, code = full_update(args.raw, OUT / "shared_full_update.duckdb")
        result.update(full_update_s=round(seconds, 1), full_update_exit_code=code)
    (OUT / "ingest.json").write_text(json.dumps(result, indent=2))
    for key, value in result.items():
        print(f"{key:28} {value}")


if __name__ == "__main__":
    main()
