"""Bench warehouses: the REAL indicator data from ../shared plus N SYNTHETIC GED events, in bench/out/ only.

Why built by the ETL itself: the bench then measures exactly the tables, types and sort order users get. The raw
folder handed to ``update --from`` holds symlinks to every real file in ../shared/data/raw except the real GED
event files, plus one ``SYNTHETIC_GEDEvent_v99_1_<N>.csv`` (bench/synthetic_ged.py). So in the resulting file:

- every indicator, risk level, response measure, displacement and source row is real (pages have their real
  content; the cited tables of ../shared/data/curated are read in place through a `curated` link);
- every row of ``events`` is SYNTHETIC (its source row names the SYNTHETIC file; texts say "SYNTHETIC").

The file is ``bench/out/SYNTHETIC_events_<N>.duckdb`` — never data/warehouse.duckdb.

    python -m bench.warehouses --rows 300000 3000000
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from bench.synthetic_ged import generate

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SHARED_RAW = ROOT.parent / "shared" / "data" / "raw"
REAL_EVENT_FOLDERS = ("ucdp-ged",)  # folder-name prefix of the real GED event files left out of bench warehouses


def synthetic_csv(rows: int, out: Path = OUT) -> Path:
    """The SYNTHETIC GED CSV with ``rows`` events (generated once, then reused)."""
    csv = out / f"SYNTHETIC_GEDEvent_v99_1_{rows}.csv"
    if not csv.exists():
        out.mkdir(parents=True, exist_ok=True)
        tmp = csv.with_suffix(".csv.tmp")
        generate(rows).write_csv(tmp)
        tmp.replace(csv)
    return csv


def raw_folder(rows: int, shared_raw: Path = SHARED_RAW, out: Path = OUT) -> Path:
    """A folder of symlinks: the real files (minus real GED events) and the SYNTHETIC event file.

    It is named ``raw/`` with a ``curated`` link beside it, the layout of ../shared/data, so the update also reads the
    cited tables in place (R2P Monitor levels, response measures) and pages show their real content."""
    top = out / f"raw_SYNTHETIC_{rows}"
    if top.exists():
        shutil.rmtree(top)
    folder = top / "raw"
    folder.mkdir(parents=True)
    curated = shared_raw.parent / "curated"
    if curated.is_dir():
        (top / "curated").symlink_to(curated.resolve())
    for src in sorted(shared_raw.rglob("*")):
        rel = src.relative_to(shared_raw)
        if not src.is_file() or rel.parts[0].startswith(REAL_EVENT_FOLDERS):
            continue
        dst = folder / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.symlink_to(src.resolve())
    syn = folder / "ucdp-ged-SYNTHETIC"
    syn.mkdir(parents=True)
    (syn / synthetic_csv(rows, out).name).symlink_to(synthetic_csv(rows, out).resolve())
    return folder


def warehouse_path(rows: int, out: Path = OUT) -> Path:
    return out / f"SYNTHETIC_events_{rows}.duckdb"


def build(rows: int, shared_raw: Path = SHARED_RAW, out: Path = OUT, force: bool = False,
          base: Path | None = None) -> Path:
    """Build (or reuse) the bench warehouse with ``rows`` SYNTHETIC events; returns its path.

    With ``base`` (a warehouse already built from ../shared), only the GED source is rerun on a copy of it: the
    ETL keeps every other source's rows and replaces the events with the SYNTHETIC ones (quicker, same tables).
    """
    from etl.runner import update

    db = warehouse_path(rows, out)
    if db.exists() and not force:
        return db
    if base is not None:
        shutil.copy(base, db)
        folder = out / f"raw_SYNTHETIC_{rows}_events_only" / "ucdp-ged-SYNTHETIC"
        folder.mkdir(parents=True, exist_ok=True)
        csv = synthetic_csv(rows, out)
        (folder / csv.name).unlink(missing_ok=True)
        (folder / csv.name).symlink_to(csv.resolve())
        # the SYNTHETIC release replaces the real one on purpose: a shrink the operator accepts
        report = update(db=db, from_dir=folder.parent, only=["ucdp_ged"], quiet=True, accept_shrink=["ucdp_ged"])
        if not report.published:
            raise SystemExit(f"bench warehouse not published: {report.error}")
        return db
    if not shared_raw.is_dir():
        raise SystemExit(f"{shared_raw} is absent: the bench needs the real datasets for page content")
    report = update(db=db, from_dir=raw_folder(rows, shared_raw, out), quiet=True)
    if not report.published:
        raise SystemExit(f"bench warehouse not published: {report.error}")
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[300_000, 3_000_000])
    parser.add_argument("--raw", type=Path, default=SHARED_RAW)
    parser.add_argument("--force", action="store_true", help="rebuild even when the file exists")
    args = parser.parse_args()
    for rows in args.rows:
        t0 = time.perf_counter()
        db = build(rows, args.raw, force=args.force)
        print(f"{db} ({db.stat().st_size / 1e6:.0f} MB, {rows:,} SYNTHETIC events) in "
              f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
