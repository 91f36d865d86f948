"""What the change log costs: the change-detection step's share of an update of the bench warehouse, and the
`/changes` page, its filter callback's queries and the Atom feed answered cold.

- **update**: a copy of the bench warehouse (real data + N SYNTHETIC GED events) is updated from the same raw folder,
  so the previous file exists and every table is compared; the time spent in the "what changed" step (change log +
  alerts, ``etl.derive.what_changed.record``) is measured inside that update by wrapping the step, and set against
  the rest of the update. Goal: ≤ 20 % added.
- **/changes and /changes.atom**: through Flask's test client on the bench warehouse, each request after all query
  caches are emptied and the start-up catalogs warmed again (as after a restart). Goal: p95 ≤ 100 ms.

    python -m bench.bench_changes --rows 3000000
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.warehouses import OUT, build, raw_folder

GOAL_OVERHEAD, GOAL_P95_MS = 0.20, 100.0
FEED_QUERIES = ["", "?min_severity=high", "?region=Africa", "?kind=revised_figure", "?iso3=SDN",
                "?since=2020-01-01", "?since=2020-01-01&min_severity=medium&region=Asia"]


def update_overhead(rows: int, db: Path, out: Path = OUT) -> dict[str, float]:
    """Seconds of one update of a copy of ``db`` from the bench raw folder, and of its change-detection step."""
    from etl import warehouse
    from etl.runner import update

    work = out / f"changes_bench_{rows}.duckdb"
    shutil.copy(db, work)
    spent: list[float] = []
    step = warehouse.record_what_changed

    def timed_step(*args: Any, **kwargs: Any) -> None:
        t0 = time.perf_counter()
        try:
            step(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - t0)

    warehouse.record_what_changed = timed_step
    try:
        t0 = time.perf_counter()
        report = update(db=work, from_dir=raw_folder(rows, out=out), quiet=True)
        total = time.perf_counter() - t0
    finally:
        warehouse.record_what_changed = step
        work.unlink(missing_ok=True)
    if not report.published:
        raise SystemExit(f"bench update not published: {report.error}")
    detect = sum(spent)
    return {"update_s": total, "detect_s": detect, "overhead": detect / (total - detect)}


def answers(db: Path, repeats: int = 5) -> dict[str, list[float]]:
    """Cold milliseconds per request kind: the /changes page render, its filter callback, the feed."""
    from bench import bench_callbacks, scenarios
    from dashboard import data, response_cache
    from dashboard.server import create_app, warm_caches

    app = create_app(db)
    client = app.server.test_client()
    send = bench_callbacks.make_send(client)
    found = scenarios.discover(send, ["/changes"])
    cases, _missing = scenarios.cases(found, per_callback=8)
    page = found.page_requests["/changes"]
    filters = [r for out, reqs in cases.items() if out.startswith("..ch-summary") for r in reqs]
    def cold() -> None:
        response_cache.clear()
        data.clear_cache()
        warm_caches()

    times: dict[str, list[float]] = {"/changes page": [], "/changes filter callback": [], "/changes.atom": []}
    for _ in range(repeats):
        for label, reqs in (("/changes page", [page]), ("/changes filter callback", filters)):
            for req in reqs:
                cold()
                ms, status, _size = bench_callbacks.timed(send, req)
                if status != 200:
                    raise SystemExit(f"{req.label} answered {status}")
                times[label].append(ms)
        for query in FEED_QUERIES:
            cold()
            t0 = time.perf_counter()
            r = client.get("/changes.atom" + query)
            times["/changes.atom"].append((time.perf_counter() - t0) * 1000)
            if r.status_code != 200 or b"<feed" not in r.data:
                raise SystemExit(f"/changes.atom{query} answered {r.status_code}")
    return times


def table(overhead: dict[str, float] | None, times: dict[str, list[float]]) -> str:
    lines = ["| measure | result | goal |", "| --- | --- | --- |"]
    if overhead:
        ok = "✔" if overhead["overhead"] <= GOAL_OVERHEAD else "✘"
        lines.append(f"| update of the bench warehouse (all sources) | {overhead['update_s']:.1f} s | |")
        lines.append(f"| of which change log + alerts | {overhead['detect_s']:.1f} s "
                     f"(+{overhead['overhead']:.0%} on the rest) | ≤ +20 % {ok} |")
    for label, ms in times.items():
        p50, p95 = np.percentile(ms, 50), np.percentile(ms, 95)
        ok = "✔" if p95 <= GOAL_P95_MS else "✘"
        lines.append(f"| {label}, cold, p50 / p95 ({len(ms)} requests) | {p50:.1f} / {p95:.1f} ms | "
                     f"p95 ≤ 100 ms {ok} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=3_000_000, help="SYNTHETIC events in the bench warehouse")
    parser.add_argument("--repeats", type=int, default=5, help="cold runs of each request")
    parser.add_argument("--no-update", action="store_true", help="skip the update timing (answers only)")
    args = parser.parse_args()
    db = build(args.rows)
    overhead = None if args.no_update else update_overhead(args.rows, db)
    print(table(overhead, answers(db, args.repeats)))


if __name__ == "__main__":
    main()
