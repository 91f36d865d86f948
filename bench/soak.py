"""Soak: minutes of loopback load against gunicorn with the workers' memory sampled — does the dashboard leak?

``python -m bench.soak --db /tmp/w.duckdb --minutes 10`` starts gunicorn with the production settings
(``gunicorn.conf.py``) on a free loopback port, replays realistic users with ``bench/load.py`` (page loads and
callback POSTs built by ``bench/scenarios.py`` from the running app) for the duration, and samples the resident
memory (RSS) of the gunicorn workers every few seconds. Verdict: the workers' memory after the first two minutes
(caches warm) must not grow by more than 10% to the end, and no request may fail. Writes ``bench/out/soak.json``;
docs/reliability.md quotes the figures. Reads the warehouse only.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

from bench import load

ROOT = Path(__file__).resolve().parents[1]
COUNTRIES = ["SDN", "MMR", "UKR", "COD", "SYR", "AFG", "MEX", "FRA"]
MAX_GROWTH = 0.10
WARMUP_S = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            status, _ = load.Connection(url, timeout=30).send("GET", "/_dash-dependencies")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError("gunicorn did not answer")


def run(db: Path, minutes: float, workers: int, clients: int, think: float, sample_s: float, seed: int) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "R2P_DB": str(db), "R2P_BIND": f"127.0.0.1:{port}", "R2P_WORKERS": str(workers),
           "R2P_MAX_REQUESTS": "0"}  # no worker recycling: it would hide a leak
    cmd = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:server"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_ready(url, proc)
        app, by_page = load.discover(url, COUNTRIES)
        master = psutil.Process(proc.pid)
        workers_ = master.children(recursive=True)
        sampler = load.RssSampler(workers_, every=sample_s)
        sampler.start()
        records: list[load.Record] = []
        t0 = time.perf_counter()
        duration = minutes * 60
        users = [load.Client(i, url, app, by_page, t0 + duration, t0, think, records, seed + i)
                 for i in range(clients)]
        for u in users:
            u.start()
        for u in users:
            u.join()
        seconds = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
        summary = load.summarise(records, seconds)
        return verdict(summary, sampler.samples, sample_s, minutes, workers, clients, think, db)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def verdict(summary: dict, samples: dict[int, list[float]], sample_s: float, minutes: float, workers: int,
            clients: int, think: float, db: Path) -> dict:
    """Total worker RSS over time; growth from the end of warm-up to the last minute."""
    n = min(len(v) for v in samples.values())
    total = [sum(v[i] for v in samples.values()) for i in range(n)]  # MB, one value per sample
    t = [i * sample_s for i in range(n)]
    warm = [m for m, ti in zip(total, t, strict=True) if WARMUP_S <= ti < WARMUP_S + 60] or total[:1]
    last = [m for m, ti in zip(total, t, strict=True) if ti >= t[-1] - 60]
    baseline, final = statistics.median(warm), statistics.median(last)
    growth = final / baseline - 1 if baseline else 0.0
    errors = summary["dynamic (no static files)"].get("errors", 0) + summary["by_kind"].get("static", {}).get(
        "errors", 0)
    return {
        "db": str(db), "minutes": minutes, "gunicorn_workers": workers, "users": clients, "think_s": think,
        "requests": summary["requests"], "requests_per_s": summary["requests_per_s"], "errors": errors,
        "first_errors": summary["errors"][:5], "latency_all": summary["all"],
        "workers_rss_mb_start": round(total[0], 1), "workers_rss_mb_after_warmup": round(baseline, 1),
        "workers_rss_mb_end": round(final, 1), "workers_rss_mb_max": round(max(total), 1),
        "growth_after_warmup": round(growth, 4), "max_growth": MAX_GROWTH,
        "ok": growth <= MAX_GROWTH and errors == 0,
        "rss_mb_series": [round(m, 1) for m in total],
        "by_kind": summary["by_kind"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "warehouse.duckdb")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--think", type=float, default=0.2, help="mean seconds between a user's actions")
    parser.add_argument("--sample-every", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "soak.json")
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"no warehouse at {args.db}: build one with `python -m etl update --from ../shared/data/raw --db ...`")
    result = run(args.db, args.minutes, args.workers, args.users, args.think, args.sample_every, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k not in ("rss_mb_series", "by_kind")}, indent=2))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
