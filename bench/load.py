"""Loopback load generator: N concurrent simulated users replaying realistic page loads and callback POSTs.

Reusable for a soak test (e.g. ``--duration 600``). Each client is one browser tab: it opens a page the way the
Dash renderer does (HTML; its scripts and styles on the client's first visit only; ``/_dash-layout``;
``/_dash-dependencies``; the pages callback POST), then changes a few controls on that page (one callback POST
each, payloads from bench/scenarios.py, i.e. values a user could pick), with a think time between actions. Every
request's latency, status and size is recorded; errors are non-2xx answers and connection failures.
Optionally samples the RSS of the server's processes (``--pid`` of the gunicorn master, or found from the port).

    gunicorn -c gunicorn.conf.py app:server &             # R2P_DB=bench/out/SYNTHETIC_events_3000000.duckdb
    python -m bench.load --url http://127.0.0.1:8050 --clients 50 --duration 60 --out bench/out/load.json
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import random
import threading
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import psutil

from bench import scenarios

PAGE_WEIGHTS = {"/": 0.35, "/country/": 0.35, "/explore": 0.2, "/sources": 0.1}
DEFAULT_COUNTRIES = ("SDN", "MMR", "COD", "SYR", "UKR", "AFG", "MEX", "NGA", "FRA", "BRA", "IND", "ETH")


@dataclass
class Record:
    t: float  # seconds since the start
    kind: str  # 'static', 'html', 'dash-layout', 'dash-dependencies', 'page <path>', 'callback <name>'
    status: int
    ms: float
    bytes: int
    error: str = ""
    cache: str = ""  # the server's X-R2P-Cache header (hit / miss), when it sends one


class Connection:
    """One keep-alive HTTP/1.1 connection (a browser tab's), reopened after a failure."""

    def __init__(self, url: str, timeout: float = 30.0):
        u = urlparse(url)
        self.host, self.port, self.timeout = u.hostname or "127.0.0.1", u.port or 80, timeout
        self.conn: http.client.HTTPConnection | None = None

    def send(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        return self.send_full(method, path, body)[:2]

    def send_full(self, method: str, path: str, body: Any = None) -> tuple[int, bytes, str]:
        """Status, body and the X-R2P-Cache header."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", "Accept": "application/json"} if data else {}
        try:
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
            return resp.status, resp.read(), resp.getheader("X-R2P-Cache", "")
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def discover(url: str, countries: list[str], per_callback: int = 40) -> tuple[scenarios.App, dict]:
    """Learn the app's callbacks and pages from the running server, and the callback payloads per page."""
    conn = Connection(url)
    paths = ["/", "/explore", "/sources", *[f"/country/{c}" for c in countries]]
    app = scenarios.discover(conn.send, paths)
    cases, _missing = scenarios.cases(app, per_callback)
    conn.close()
    by_page: dict[str, list[scenarios.Request]] = defaultdict(list)
    pages_output = scenarios.pages_dep(app.deps)["output"]
    for output, reqs in cases.items():
        if output == pages_output:
            continue
        for r in reqs:
            by_page[r.label.split(" ", 1)[0]].append(r)
    return app, by_page


class Client(threading.Thread):
    """One simulated user: page visits, each followed by a few interactions on that page."""

    def __init__(self, n: int, url: str, app: scenarios.App, by_page: dict, deadline: float, t0: float,
                 think: float, records: list[Record], seed: int):
        super().__init__(daemon=True, name=f"client-{n}")
        self.url, self.app, self.by_page, self.deadline, self.t0 = url, app, by_page, deadline, t0
        self.think, self.records, self.rng = think, records, random.Random(seed)
        self.conn = Connection(url)
        self.first_visit = True

    def request(self, kind: str, method: str, path: str, body: Any = None) -> None:
        start = time.perf_counter()
        status, size, error, cache = 0, 0, "", ""
        try:
            status, payload, cache = self.conn.send_full(method, path, body)
            size = len(payload)
            if status >= 400:
                error = payload[:200].decode("utf-8", "replace")
        except Exception as exc:  # any failure is a recorded error, never a crash of the generator
            error = f"{type(exc).__name__}: {exc}"
        self.records.append(Record(start - self.t0, kind, status, (time.perf_counter() - start) * 1000, size,
                                   error, cache))

    def pause(self) -> None:
        if self.think > 0:
            time.sleep(min(self.rng.expovariate(1 / self.think), 4 * self.think))

    def pick_page(self) -> str:
        prefix = self.rng.choices(list(PAGE_WEIGHTS), weights=list(PAGE_WEIGHTS.values()))[0]
        options = [p for p in self.app.page_requests if p.startswith(prefix) and (prefix != "/" or p == "/")]
        return self.rng.choice(options)

    def visit(self, path: str) -> None:
        """What a browser sends to open ``path``."""
        self.request("html", "GET", path)
        if self.first_visit:
            for asset in self.app.static:
                self.request("static", "GET", asset)
            self.first_visit = False
        self.request("dash-layout", "GET", "/_dash-layout")
        self.request("dash-dependencies", "GET", "/_dash-dependencies")
        req = self.app.page_requests[path]
        self.request(f"page {path.split('/')[1] or 'overview'}", req.method, req.path, req.body)

    def run(self) -> None:
        time.sleep(self.rng.uniform(0, max(self.think, 0.1)))  # users do not all arrive in the same millisecond
        while time.perf_counter() < self.deadline:
            path = self.pick_page()
            self.visit(path)
            actions = self.by_page.get(path, [])
            for _ in range(self.rng.randint(1, 4) if actions else 0):
                if time.perf_counter() >= self.deadline:
                    break
                self.pause()
                req = self.rng.choice(actions)
                self.request(f"callback {scenarios.short(req.callback or '')}", req.method, req.path, req.body)
            self.pause()
        self.conn.close()


def server_processes(url: str, pid: int | None) -> list[psutil.Process]:
    """The server's master and workers: from ``pid``, else the process listening on the URL's port."""
    if pid is None:
        port = urlparse(url).port or 80
        pid = next((c.pid for c in psutil.net_connections(kind="tcp")
                    if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid), None)
        if pid is not None:  # a gunicorn worker shares its master's socket: climb to the master
            proc = psutil.Process(pid)
            while (parent := proc.parent()) is not None and parent.cmdline() == proc.cmdline():
                proc = parent
            pid = proc.pid
    if pid is None:
        return []
    master = psutil.Process(pid)
    return [master, *master.children(recursive=True)]


class RssSampler(threading.Thread):
    """Samples the RSS of the server processes every ``every`` seconds (max per process is reported)."""

    def __init__(self, procs: list[psutil.Process], every: float = 1.0):
        super().__init__(daemon=True, name="rss")
        self.procs, self.every = procs, every
        self.samples: dict[int, list[float]] = defaultdict(list)
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for p in self.procs:
                with contextlib.suppress(psutil.Error):
                    self.samples[p.pid].append(p.memory_info().rss / 1e6)
            self.stop.wait(self.every)


def summarise(records: list[Record], seconds: float) -> dict[str, Any]:
    def stats(rs: list[Record]) -> dict[str, Any]:
        ms = np.array([r.ms for r in rs])
        return {"n": len(rs), "errors": sum(1 for r in rs if r.error),
                "cache_hits": sum(1 for r in rs if r.cache == "hit"),
                "p50_ms": round(float(np.percentile(ms, 50)), 1),
                "p95_ms": round(float(np.percentile(ms, 95)), 1), "p99_ms": round(float(np.percentile(ms, 99)), 1),
                "max_ms": round(float(ms.max()), 1), "max_kb": round(max(r.bytes for r in rs) / 1000, 1)}

    kinds: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        kinds[r.kind].append(r)
    dynamic = [r for r in records if r.kind != "static"]
    return {
        "requests": len(records), "seconds": round(seconds, 1), "requests_per_s": round(len(records) / seconds, 1),
        "all": stats(records) if records else {}, "dynamic (no static files)": stats(dynamic) if dynamic else {},
        "by_kind": {k: stats(v) for k, v in sorted(kinds.items())},
        "errors": [asdict(r) for r in records if r.error][:20],
    }


def run(url: str, clients: int, duration: float, think: float, countries: list[str], pid: int | None = None,
        seed: int = 1) -> dict[str, Any]:
    """Replay the mix with ``clients`` users for ``duration`` seconds; returns the summary (and RSS if found)."""
    app, by_page = discover(url, countries)
    procs = server_processes(url, pid)
    sampler = RssSampler(procs)
    sampler.start()
    cpu0 = psutil.Process().cpu_times()
    records: list[Record] = []
    t0 = time.perf_counter()
    threads = [Client(i, url, app, by_page, t0 + duration, t0, think, records, seed + i) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    cpu1 = psutil.Process().cpu_times()
    out = summarise(records, seconds)
    out.update(url=url, clients=clients, duration_s=duration, think_s=think,
               generator_cpu_s=round((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), 1),
               rss_mb_max={f"{p.pid}{' (master)' if i == 0 else ''}": round(max(sampler.samples.get(p.pid, [0])))
                           for i, p in enumerate(procs)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (600 for a 10-minute soak)")
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean think time between a user's actions, seconds (exponential; 0 = stress)")
    parser.add_argument("--countries", default=",".join(DEFAULT_COUNTRIES), help="country pages visited")
    parser.add_argument("--pid", type=int, help="gunicorn master pid for RSS sampling (default: found from port)")
    parser.add_argument("--out", type=Path, help="write the JSON summary here")
    args = parser.parse_args()
    result = run(args.url, args.clients, args.duration, args.think, args.countries.split(","), args.pid)
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    print(json.dumps({k: result[k] for k in ("requests", "requests_per_s", "all", "dynamic (no static files)",
                                             "rss_mb_max", "generator_cpu_s")}, indent=2))
    for kind, s in result["by_kind"].items():
        print(f"{kind:38} n={s['n']:6} err={s['errors']:3} hit={s['cache_hits']:5} p50={s['p50_ms']:7.1f} "
              f"p95={s['p95_ms']:7.1f} max={s['max_ms']:7.1f} ms  max {s['max_kb']:.0f} KB")
    if result["errors"]:
        print("first errors:", json.dumps(result["errors"][:3], indent=1))


if __name__ == "__main__":
    main()
