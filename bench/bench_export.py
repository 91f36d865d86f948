"""Export bench: chart images and country briefing packs through the app's own URLs, in one process (= one worker).

Warehouse: bench/warehouses.py's file (REAL indicators from ../shared + SYNTHETIC GED events, in bench/out/ only),
or ``--db PATH``. Measures the first export (starts this process's kaleido server), chart PNG/SVG/PDF, the PDF
pack and the PPTX (first request for that country, then the median of repeats), and N concurrent pack
requests (they queue on the one renderer; all must succeed). Prints a Markdown table for bench/RESULTS.md.

    .venv/bin/python -m bench.bench_export [--rows 300000] [--db PATH] [--repeat 3] [--concurrent 4]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
COUNTRIES = ("SDN", "MMR", "UKR")
CHARTS = (("ov-map", ""), ("co-deaths", "iso3=SDN"), ("co-event-map", "iso3=SDN"))
GOAL_PACK_S = 5.0


def timed(client, url: str) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    r = client.get(url)
    return time.perf_counter() - t0, r.status_code, len(r.data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300_000, help="SYNTHETIC events in the bench warehouse")
    parser.add_argument("--db", type=Path, help="use this warehouse instead (read-only)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrent", type=int, default=4)
    args = parser.parse_args()
    if args.db:
        db = args.db
    else:
        from bench.warehouses import build

        db = build(args.rows)
    from dashboard.server import create_app

    client = create_app(db).server.test_client()
    rows: list[tuple[str, str, str]] = []
    t, status, _ = timed(client, "/export/country/COD.pdf")
    assert status == 200, status
    ok = "✔" if t <= GOAL_PACK_S else "✘"
    rows.append(("pack COD.pdf as the worker's first export (includes starting kaleido + Chromium)", f"{t:.2f} s",
                 f"≤ {GOAL_PACK_S:.0f} s {ok}"))
    for chart, query in CHARTS:
        for fmt in ("png", "svg", "pdf"):
            times = []
            for _ in range(args.repeat):
                t, status, size = timed(client, f"/export/chart/{chart}.{fmt}?{query}")
                assert status == 200, (chart, fmt, status)
                times.append(t)
            rows.append((f"chart {chart}.{fmt} ({size / 1e3:.0f} kB)", f"{statistics.median(times):.2f} s", ""))
    worst = 0.0
    for code in COUNTRIES:
        cold, status, size = timed(client, f"/export/country/{code}.pdf")
        assert status == 200, (code, status)
        warm = statistics.median(timed(client, f"/export/country/{code}.pdf")[0] for _ in range(args.repeat))
        worst = max(worst, cold, warm)
        ok = "✔" if max(cold, warm) <= GOAL_PACK_S else "✘"
        rows.append((f"pack {code}.pdf ({size / 1e3:.0f} kB), first / median of repeats", f"{cold:.2f} / {warm:.2f} s",
                     f"≤ {GOAL_PACK_S:.0f} s {ok}"))
        t, status, size = timed(client, f"/export/country/{code}.pptx")
        assert status == 200, (code, status)
        rows.append((f"slides {code}.pptx ({size / 1e3:.0f} kB)", f"{t:.2f} s", ""))
    results: list[tuple[float, int]] = []

    def one(code: str) -> None:
        t, status, _ = timed(client, f"/export/country/{code}.pdf")
        results.append((t, status))

    threads = [threading.Thread(target=one, args=(COUNTRIES[i % len(COUNTRIES)],)) for i in range(args.concurrent)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    ok = all(s == 200 for _, s in results)
    rows.append((f"{args.concurrent} concurrent packs (queued on one renderer)",
                 f"{wall:.2f} s wall, slowest {max(t for t, _ in results):.2f} s",
                 f"all 200: {'✔' if ok else '✘ ' + str([s for _, s in results])}"))
    print(f"\nwarehouse: {db}\ncores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}\n")
    print("| measure | result | goal |\n| --- | --- | --- |")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "export.json").write_text(json.dumps({"db": str(db), "rows": rows, "worst_pack_s": worst}, indent=1))


if __name__ == "__main__":
    main()
