"""ACLED ingest and side-by-side benchmark on SYNTHETIC ACLED-layout events (never a real event, never loaded into a
user's warehouse; everything under bench/out/).

Goals (issue 19): ingest ≤ 2× a bare DuckDB ``read_csv`` of the same file; the comparison views (the side-by-side
queries and the headline-pick callback) answer at p95 ≤ 100 ms.

    python -m bench.bench_acled --rows 2500000      # prints a table, writes bench/out/acled.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from pathlib import Path

import numpy as np
import polars as pl

from bench.bench_ingest import bare_duckdb_read
from bench.bench_ingest import our_ingest as ingest_with

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
EVENT_TYPES = [("Battles", "Armed clash"), ("Violence against civilians", "Attack"),
               ("Explosions/Remote violence", "Shelling/artillery/missile attack"), ("Protests", "Peaceful protest"),
               ("Riots", "Violent demonstration"), ("Strategic developments", "Looting/property destruction")]
INTER = ["State forces", "Rebel group", "Political militia", "Identity militia", "Civilians", "Protesters"]


def generate(rows: int, seed: int = 19) -> pl.DataFrame:
    """SYNTHETIC events in ACLED's export layout over 60 countries and 2018–2026 (labelled in every row)."""
    from etl.countries import Countries

    rng = np.random.default_rng(seed)
    base = Countries().base.filter(pl.col("m49_code").is_not_null()).head(60)
    iso = base["m49_code"].cast(pl.Int64).to_numpy()
    names = base["name"].to_numpy()
    c = rng.integers(0, len(iso), rows)
    et = rng.integers(0, len(EVENT_TYPES), rows)
    days = rng.integers(0, 9 * 365, rows)
    dates = (np.datetime64("2018-01-01") + days.astype("timedelta64[D]")).astype(str)
    return pl.DataFrame({
        "event_id_cnty": [f"SYN{i}" for i in range(rows)],
        "event_date": dates, "year": [d[:4] for d in dates], "time_precision": rng.integers(1, 4, rows),
        "disorder_type": "Political violence",
        "event_type": [EVENT_TYPES[i][0] for i in et], "sub_event_type": [EVENT_TYPES[i][1] for i in et],
        "actor1": "SYNTHETIC actor A", "assoc_actor_1": "", "inter1": np.array(INTER)[rng.integers(0, 6, rows)],
        "actor2": "SYNTHETIC actor B", "assoc_actor_2": "", "inter2": np.array(INTER)[rng.integers(0, 6, rows)],
        "interaction": "", "civilian_targeting": np.where(et == 1, "Civilian targeting", ""),
        "iso": iso[c], "region": "SYNTHETIC", "country": names[c], "admin1": "SYNTHETIC admin1", "admin2": "",
        "admin3": "", "location": "SYNTHETIC place", "latitude": rng.uniform(-30, 40, rows).round(4),
        "longitude": rng.uniform(-20, 60, rows).round(4), "geo_precision": rng.integers(1, 4, rows),
        "source": "SYNTHETIC", "source_scale": "National", "notes": "SYNTHETIC benchmark event",
        "fatalities": rng.poisson(1.5, rows), "tags": "", "timestamp": 1_700_000_000 + days * 86400,
    })


def our_ingest(csv: Path, db: Path) -> tuple[float, int]:
    """The ACLED module's read + validate + normalise, then the warehouse build with its derived tables."""
    from etl.sources.acled import SOURCE

    return ingest_with(csv, db, SOURCE)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)


def views(db: Path, n: int) -> dict[str, float]:
    """Cold timings (ms) of the comparison queries, the headline callback and the whole section per country."""
    from dashboard import data
    from dashboard.queries import fresh_events as q
    from dashboard.sections import side_by_side as sbs

    data.configure(db)
    isos = [r[0] for r in data.warehouse().rows("SELECT DISTINCT iso3 FROM event_country_month")]
    rnd = random.Random(19)
    timings: dict[str, list[float]] = {"monthly": [], "staleness": [], "callback": [], "section": []}
    for _ in range(n):
        iso = rnd.choice(isos)
        for name, fn, arg in (("monthly", q.monthly, (iso,)), ("staleness", q.staleness, (iso,)),
                              ("callback", sbs.pick_headline, ("acled", iso)), ("section", sbs.section, (iso,))):
            # a country not asked for before: its queries run cold; the catalogue (table names, country names,
            # each source's coverage) is computed once per warehouse file, as in a running app
            data.clear_cache()
            data.table_names(), data.country_names(), q.coverage()
            t0 = time.perf_counter()
            fn(*arg)
            timings[name].append((time.perf_counter() - t0) * 1000)
    return {f"{k}_p95_ms": round(p95(v), 1) for k, v in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2_500_000)
    parser.add_argument("--calls", type=int, default=60)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    csv = OUT / f"SYNTHETIC_acled_{args.rows}.csv"
    if not csv.exists():
        t0 = time.perf_counter()
        generate(args.rows).write_csv(csv)
        print(f"generated {args.rows:,} SYNTHETIC ACLED events ({csv.stat().st_size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - t0:.1f} s")
    bare = bare_duckdb_read(csv, OUT / "bare_acled.duckdb")
    db = OUT / "SYNTHETIC_acled_warehouse.duckdb"
    ours, loaded = our_ingest(csv, db)
    result = {"rows": args.rows, "csv_mb": round(csv.stat().st_size / 1e6, 1),
              "bare_duckdb_read_csv_s": round(bare, 2), "etl_ingest_s": round(ours, 2),
              "ratio": round(ours / bare, 2), "rows_loaded": loaded, **views(db, args.calls),
              "cpus": os.cpu_count(), "load_avg": round(os.getloadavg()[0], 1), "python": platform.python_version()}
    (OUT / "acled.json").write_text(json.dumps(result, indent=2))
    for key, value in result.items():
        print(f"{key:28} {value}")


if __name__ == "__main__":
    main()
