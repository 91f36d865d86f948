"""Every Dash callback's server time on the bench warehouse (real indicators + N SYNTHETIC events), side by side with
the raw DuckDB queries it issues and with the naive pandas baseline, in one run.

For each server-side callback listed by ``/_dash-dependencies`` (bench/scenarios.py builds realistic payloads by
changing one control at a time on the rendered pages), through Flask's test client, i.e. the full Dash dispatch:

- **cold**: all query caches emptied (start-up catalog warmed again, as after a restart) → one POST; the SQL it
  issues is recorded;
- **raw**: that recorded SQL replayed on a bare read-only DuckDB connection (same fetch into Polars), no Dash;
- **warm**: the same POST repeated (the cache a second user with the same selection hits);
- **naive, data step only**: the same POST with the per-selection queries answered by pandas filtering of global
  DataFrames (bench/naive.py), nothing cached; our figures and our JSON encoder (dashboard/fast_json.py) still
  run on top, so this column isolates the data step;
- **naive, Dash's stock encoder**: the same naive data step, and the answer serialised the way a stock Dash app
  does (``dash._utils.to_json``, i.e. plotly's ``to_json_plotly``) with our response cache taken out of the route —
  the common Dash pattern as a whole. Our encoder and the response cache are put back afterwards.

    python -m bench.bench_callbacks --rows 3000000     # writes bench/out/callbacks_3000000.json and a table
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import psutil

from bench import scenarios
from bench.warehouses import OUT, build

GOAL_P95_MS, GOAL_RATIO_RAW, GOAL_NAIVE, GOAL_BYTES = 100.0, 2.0, 5.0, 1_000_000
# Issue 20's decision: the goals users feel (p95, size, errors) are goals; "≥ 5× the naive pattern" counts only
# where the naive data step costs ≥ 10 ms; "≤ 2× the raw query" is reported, not a goal (a page that reads less SQL
# has a higher ratio; the explorer's full answers at 2–2.5× were accepted).
NAIVE_FLOOR_MS = 10.0


class SqlRecorder:
    """Records every query the data layer sends to DuckDB (kind, sql, params) while ``on``."""

    def __init__(self) -> None:
        from dashboard import data

        self.on = False
        self.log: list[tuple[str, str, list]] = []
        self._orig = (data.Warehouse.frame, data.Warehouse.rows)
        rec = self

        def frame(self: Any, sql: str, params: Any = None) -> Any:
            if rec.on:
                rec.log.append(("frame", sql, list(params or [])))
            return rec._orig[0](self, sql, params)

        def rows(self: Any, sql: str, params: Any = None) -> Any:
            if rec.on:
                rec.log.append(("rows", sql, list(params or [])))
            return rec._orig[1](self, sql, params)

        data.Warehouse.frame, data.Warehouse.rows = frame, rows  # type: ignore[method-assign]

    def uninstall(self) -> None:
        from dashboard import data

        data.Warehouse.frame, data.Warehouse.rows = self._orig  # type: ignore[method-assign]

    def take(self) -> list[tuple[str, str, list]]:
        out, self.log = self.log, []
        return out


def replay(con: duckdb.DuckDBPyConnection, queries: list[tuple[str, str, list]]) -> float:
    """Run recorded queries bare (Polars fetch for frames, fetchall for rows); seconds."""
    t0 = time.perf_counter()
    for kind, sql, params in queries:
        if kind == "frame":
            con.sql(sql, params=params).pl()
        else:
            con.execute(sql, params).fetchall()
    return time.perf_counter() - t0


def pct(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def make_send(client: Any) -> scenarios.Send:
    def send(method: str, path: str, body: Any) -> tuple[int, bytes]:
        r = client.get(path) if method == "GET" else client.post(path, json=body)
        return r.status_code, r.data
    return send


def timed(send: scenarios.Send, req: scenarios.Request) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    status, body = send(req.method, req.path, req.body)
    return (time.perf_counter() - t0) * 1000, status, len(body)


def measure(send: scenarios.Send, cases: dict[str, list[scenarios.Request]], before: Callable[[], None],
            recorder: SqlRecorder | None = None, con: duckdb.DuckDBPyConnection | None = None,
            repeats: int = 0, runs: int = 3) -> dict[str, dict[str, list]]:
    """Per callback and payload: cold time (median of ``runs``, each after ``before()``), status, size, and
    optionally the raw replay (median), warm and hit times.

    warm = query caches full but the response cache emptied (a new selection made of known parts); hit = the
    same request again (served by the response cache). Medians per payload keep other processes' bursts on the
    shared cores out of the per-callback p95, which is then taken across payloads.
    """
    from dashboard import response_cache

    out: dict[str, dict[str, list]] = {}
    for output, reqs in cases.items():
        res: dict[str, list] = {"cold": [], "raw": [], "warm": [], "hit": [], "status": [], "bytes": [],
                                "queries": []}
        for req in reqs:
            times, queries = [], []
            for run in range(max(1, runs)):
                before()
                gc.collect()
                if recorder and run == 0:
                    recorder.take()
                    recorder.on = True
                ms, status, size = timed(send, req)
                times.append(ms)
                if recorder and run == 0:
                    recorder.on = False
                    queries = recorder.take()
            if recorder:
                res["queries"].append(len(queries))
                if queries and con is not None:
                    replay(con, queries)  # first run pays DuckDB's own plan/buffer warm-up, as ours did
                    res["raw"].append(float(np.median([replay(con, queries) for _ in range(runs)])) * 1000)
            res["cold"].append(float(np.median(times)))
            res["status"].append(status)
            res["bytes"].append(size)
            for _ in range(repeats):
                response_cache.clear()
                res["warm"].append(timed(send, req)[0])
            res["hit"] += [timed(send, req)[0] for _ in range(repeats)]
        out[output] = res
    return out


@contextlib.contextmanager
def stock_dash(app: Any) -> Iterator[None]:
    """Dash as shipped for the baseline: its own callback encoder (our fast_json swapped out) and no response
    cache in front of the callback route; both are restored on exit."""
    from dashboard import dash_internals

    saved = dash_internals.stock(app)
    try:
        yield
    finally:
        dash_internals.restore(app, saved)


def summarise(ours: dict[str, dict[str, list]], naive: dict[str, dict[str, list]] | None,
              stock: dict[str, dict[str, list]] | None = None) -> list[dict]:
    rows = []
    for output, r in ours.items():
        row: dict[str, Any] = {
            "callback": scenarios.short(output), "cases": len(r["cold"]),
            "cold_p50_ms": pct(r["cold"], 50), "cold_p95_ms": pct(r["cold"], 95),
            "warm_p95_ms": pct(r["warm"], 95), "hit_p95_ms": pct(r["hit"], 95), "raw_p95_ms": pct(r["raw"], 95),
            "queries": sum(r["queries"]), "max_kb": max(r["bytes"]) / 1000 if r["bytes"] else None,
            "errors": sum(1 for s in r["status"] if s >= 400),
        }
        if naive and output in naive:
            row["naive_p95_ms"] = pct(naive[output]["cold"], 95)
            row["naive_errors"] = sum(1 for s in naive[output]["status"] if s >= 400)
        if stock and output in stock:
            row["naive_stock_p95_ms"] = pct(stock[output]["cold"], 95)
            row["naive_stock_errors"] = sum(1 for s in stock[output]["status"] if s >= 400)
        rows.append(row)
    return rows


def fmt_ms(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}"


def table(rows: list[dict]) -> str:
    """Markdown table; the two naive columns: pandas data step under our encoder, and the same with Dash's stock
    encoder and no response cache (the common Dash pattern as a whole)."""
    lines = ["| callback | cases | ours cold p50 / p95 ms | warm p95 | cache hit p95 | raw DuckDB p95 ms | "
             "cold ÷ raw | naive data step only p95 ms | ÷ ours cold | naive + Dash's stock encoder p95 ms | "
             "÷ ours cold | max response KB |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]

    def speedup(naive: float | None, ours: float) -> str:
        return f"{naive / ours:.1f}×" if naive else "–"

    for r in rows:
        ratio = (f"{r['cold_p95_ms'] / r['raw_p95_ms']:.1f}×" if r["raw_p95_ms"] else "no query")
        naive, stock = r.get("naive_p95_ms"), r.get("naive_stock_p95_ms")
        lines.append(f"| `{r['callback']}` | {r['cases']} | {fmt_ms(r['cold_p50_ms'])} / {fmt_ms(r['cold_p95_ms'])} "
                     f"| {fmt_ms(r['warm_p95_ms'])} | {fmt_ms(r['hit_p95_ms'])} | {fmt_ms(r['raw_p95_ms'])} | {ratio} "
                     f"| {fmt_ms(naive)} | {speedup(naive, r['cold_p95_ms'])} "
                     f"| {fmt_ms(stock)} | {speedup(stock, r['cold_p95_ms'])} | {r['max_kb']:.0f} |")
    return "\n".join(lines)


def event_countries(db: Path, n: int) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT iso3 FROM events GROUP BY iso3 ORDER BY count(*) DESC, iso3 "
                                          "LIMIT ?", [n]).fetchall()]
    finally:
        con.close()


def run(db: Path, per_callback: int = 12, repeats: int = 5, with_naive: bool = True,
        countries: int = 3, runs: int = 3) -> dict[str, Any]:
    from dashboard import data, response_cache
    from dashboard.server import create_app, warm_caches

    app = create_app(db)
    send = make_send(app.server.test_client())
    paths = ["/", "/explore", "/sources", "/response-gaps", "/changes",
             *[f"/country/{c}" for c in event_countries(db, countries)], "/country/FRA"]
    discovered = scenarios.discover(send, paths)
    cases, missing = scenarios.cases(discovered, per_callback)
    recorder = SqlRecorder()
    con = duckdb.connect(str(db), read_only=True)
    load0 = os.getloadavg()

    def cold() -> None:
        response_cache.clear()
        data.clear_cache()
        warm_caches()  # what a restarted server holds before its first visitor

    try:
        ours = measure(send, cases, cold, recorder, con, repeats, runs)
    finally:
        recorder.uninstall()
    rss_ours = psutil.Process().memory_info().rss / 1e6
    naive_res, stock_res, rss_naive, naive_mb = None, None, None, None
    if with_naive:
        from bench import naive

        naive.install(str(db))
        try:
            naive_res = measure(send, cases, cold, runs=runs)  # pandas data step, our encoder
            with stock_dash(app):
                stock_res = measure(send, cases, cold, runs=runs)  # pandas data step, Dash's encoder, no cache
        finally:
            naive.uninstall()
        rss_naive, naive_mb = psutil.Process().memory_info().rss / 1e6, naive.memory_mb()
    con.close()
    rows = summarise(ours, naive_res, stock_res)
    return {
        "db": str(db), "rows": rows, "missing": [scenarios.short(m) for m in missing],
        "rss_mb_ours": round(rss_ours), "rss_mb_with_naive_frames": rss_naive and round(rss_naive),
        "naive_frames_mb": naive_mb and round(naive_mb), "loadavg_start": load0, "loadavg_end": os.getloadavg(),
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "cases": {scenarios.short(output): [
            {"payload": req.label, "cold_ms": round(ours[output]["cold"][i], 1),
             "raw_ms": round(ours[output]["raw"][i], 1) if len(ours[output]["raw"]) == len(reqs) else None,
             "naive_ms": round(naive_res[output]["cold"][i], 1) if naive_res else None,
             "naive_stock_ms": round(stock_res[output]["cold"][i], 1) if stock_res else None,
             "kb": round(ours[output]["bytes"][i] / 1000, 1)}
            for i, req in enumerate(reqs)] for output, reqs in cases.items()},
    }


def verdict(rows: list[dict]) -> list[str]:
    """Which goals each callback misses (empty when all are met)."""
    misses = []
    for r in rows:
        if r["cold_p95_ms"] > GOAL_P95_MS:
            misses.append(f"{r['callback']}: cold p95 {r['cold_p95_ms']:.0f} ms > {GOAL_P95_MS:.0f} ms")
        if r["max_kb"] * 1000 >= GOAL_BYTES:
            misses.append(f"{r['callback']}: response {r['max_kb']:.0f} KB ≥ 1 MB")
        if r["errors"]:
            misses.append(f"{r['callback']}: {r['errors']} error responses")
        naive, stock = r.get("naive_p95_ms"), r.get("naive_stock_p95_ms")
        if stock and naive and naive >= NAIVE_FLOOR_MS and stock < GOAL_NAIVE * r["cold_p95_ms"]:
            misses.append(f"{r['callback']}: {stock / r['cold_p95_ms']:.1f}× faster than the naive pattern "
                          f"< {GOAL_NAIVE:.0f}×")
    return misses


def ratio_notes(rows: list[dict]) -> list[str]:
    """Callbacks above 2× their raw queries (information, not a goal: see NAIVE_FLOOR_MS)."""
    return [f"{r['callback']}: cold p95 {r['cold_p95_ms'] / r['raw_p95_ms']:.1f}× its raw queries "
            f"({r['raw_p95_ms']:.1f} ms)" for r in rows
            if r["raw_p95_ms"] and r["cold_p95_ms"] > GOAL_RATIO_RAW * r["raw_p95_ms"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=3_000_000, help="SYNTHETIC events in the bench warehouse")
    parser.add_argument("--db", type=Path, help="use this warehouse instead (e.g. a 1k-event smoke file)")
    parser.add_argument("--cases", type=int, default=12, help="payloads per callback")
    parser.add_argument("--repeats", type=int, default=5, help="warm repeats per payload")
    parser.add_argument("--runs", type=int, default=3, help="cold runs per payload (the median is kept)")
    parser.add_argument("--no-naive", action="store_true", help="skip the pandas baselines (both columns)")
    parser.add_argument("--out", type=Path, help="JSON result (default bench/out/callbacks_<rows>.json)")
    args = parser.parse_args()
    db = args.db or build(args.rows)
    result = run(db, args.cases, args.repeats, not args.no_naive, runs=args.runs)
    out = args.out or OUT / f"callbacks_{args.rows if not args.db else db.stem}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str))
    print(table(result["rows"]))
    print(f"\nRSS ours {result['rss_mb_ours']} MB; with naive frames {result['rss_mb_with_naive_frames']} MB "
          f"(frames {result['naive_frames_mb']} MB); load {result['loadavg_start']} → {result['loadavg_end']}")
    for m in result["missing"]:
        print(f"MISSING: no page offers a control for callback {m} — add a page path or a variant in "
              "bench/scenarios.py")
    for m in ratio_notes(result["rows"]):
        print(f"note: {m}")
    for m in verdict(result["rows"]):
        print(f"GOAL MISSED: {m}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
