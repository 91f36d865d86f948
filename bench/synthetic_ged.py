"""Generate N SYNTHETIC events in UCDP's official GED CSV layout (49 columns), for benchmarks only.

Every row says it is synthetic (conflict and source texts), the file name starts with ``SYNTHETIC_``, and nothing
here ever writes into data/warehouse.duckdb. Values are random, not about any real country's history.

    python -m bench.synthetic_ged --rows 3000000 --out bench/out/SYNTHETIC_GEDEvent_v99_1.csv
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import polars as pl

HEADER = [
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id", "conflict_new_id",
    "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a",
    "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office",
    "source_date", "source_headline", "source_original", "where_prec", "where_coordinates", "where_description",
    "adm_1", "adm_2", "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians",
    "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
]

# (UCDP country name, Gleditsch-Ward code, region, lat, lon) — only used to place synthetic points
PLACES = [
    ("Sudan", 625, "Africa", 15.5, 30.0), ("Myanmar (Burma)", 775, "Asia", 21.0, 96.0),
    ("Mexico", 70, "Americas", 23.0, -102.0), ("DR Congo (Zaire)", 490, "Africa", -2.5, 23.5),
    ("Syria", 652, "Middle East", 35.0, 38.5), ("Ukraine", 369, "Europe", 49.0, 32.0),
    ("Nigeria", 475, "Africa", 9.5, 8.0), ("Afghanistan", 700, "Asia", 34.0, 66.0),
]


def generate(rows: int, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    place = rng.integers(0, len(PLACES), rows)
    names = np.array([p[0] for p in PLACES])[place]
    gw = np.array([p[1] for p in PLACES])[place]
    region = np.array([p[2] for p in PLACES])[place]
    lat = np.array([p[3] for p in PLACES])[place] + rng.normal(0, 2.0, rows)
    lon = np.array([p[4] for p in PLACES])[place] + rng.normal(0, 2.0, rows)
    year = rng.integers(1989, 2025, rows)
    day = rng.integers(0, 365, rows)
    start = (np.array(year - 1970, dtype="datetime64[Y]").astype("datetime64[D]") + day).astype(str)
    tov = rng.integers(1, 4, rows)
    best = rng.poisson(3, rows)
    low = np.maximum(best - rng.integers(0, 3, rows), 0)
    high = best + rng.integers(0, 5, rows)
    civ = np.minimum(rng.poisson(1, rows), best)
    ids = np.arange(1, rows + 1)
    conflict = 10000 + place * 10 + tov
    lat_s, lon_s = np.round(lat, 4).astype(str), np.round(lon, 4).astype(str)
    df = pl.DataFrame({
        "id": ids, "relid": np.char.add("SYN-", ids.astype(str)), "year": year, "active_year": np.ones(rows, int),
        "code_status": "Clear", "type_of_violence": tov, "conflict_dset_id": conflict, "conflict_new_id": conflict,
        "conflict_name": "SYNTHETIC conflict", "dyad_dset_id": conflict * 10, "dyad_new_id": conflict * 10,
        "dyad_name": "SYNTHETIC side A - SYNTHETIC side B", "side_a_dset_id": 1, "side_a_new_id": 1,
        "side_a": "SYNTHETIC side A", "side_b_dset_id": 2, "side_b_new_id": 2, "side_b": "SYNTHETIC side B",
        "number_of_sources": rng.integers(1, 5, rows), "source_article": "SYNTHETIC benchmark row, not real",
        "source_office": "", "source_date": "", "source_headline": "SYNTHETIC", "source_original": "SYNTHETIC",
        "where_prec": rng.integers(1, 7, rows), "where_coordinates": "SYNTHETIC place",
        "where_description": "SYNTHETIC", "adm_1": "SYNTHETIC province", "adm_2": "",
        "latitude": lat_s, "longitude": lon_s,
        "geom_wkt": np.char.add(np.char.add(np.char.add("POINT (", lon_s), " "), np.char.add(lat_s, ")")),
        "priogrid_gid": rng.integers(1, 259200, rows), "country": names, "country_id": gw, "region": region,
        "event_clarity": 1, "date_prec": 1, "date_start": start, "date_end": start,
        "deaths_a": 0, "deaths_b": 0, "deaths_civilians": civ, "deaths_unknown": best - civ,
        "best": best, "high": high, "low": low, "gwnoa": gw, "gwnob": "",
    })
    return df.select(HEADER)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out/SYNTHETIC_GEDEvent_v99_1.csv"))
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    generate(args.rows).write_csv(args.out)
    print(f"wrote {args.rows:,} SYNTHETIC events to {args.out} ({args.out.stat().st_size / 1e6:.0f} MB) "
          f"in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
