"""Page load in headless chromium (Debian's, through Playwright) on the bench warehouse: goal ≤ 2 s per page.

Time = from navigation start until the page's main content is drawn (the map's shapes, the event markers, the
grid's rows, the catalog table) and Dash has no callback in flight. Two visits per page and round:

- **first visit**: a new browser context (empty HTTP cache: every script and style is downloaded) and, for the
  in-process server, empty server caches (query and response caches dropped, start-up catalog re-warmed);
- **return visit**: the same context again (scripts from the browser cache; server caches warm).

    python -m bench.bench_browser --rows 3000000             # serves the app in-process (werkzeug, threaded)
    python -m bench.bench_browser --url http://127.0.0.1:8050 # or measures a running server (gunicorn)
    R2P_PLOTLY_BUNDLE=full python -m bench.bench_browser --rows 3000000  # baseline: Dash's full plotly.js

Which plotly.js the server gave the browser (the geo build of dashboard/plotly_bundle.py, or the full one) is
recorded with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.warehouses import OUT, build

# Debian chromium (never `playwright install`), launched the same way by the bench and the browser tests
CHROMIUM = os.environ.get("R2P_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGES = [("overview", "/", ".choroplethlayer path"),
         ("country (most events)", "/country/{country}", "#co-event-map .scattergeo"),
         ("explore", "/explore", "#ex-grid .ag-row"),
         ("sources", "/sources", "#indicator-catalog")]
READY = "() => !document.querySelector('[data-dash-is-loading=\"true\"]')"


def serve(db: Path) -> tuple[str, Any]:
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the bench output

    from dashboard.server import create_app

    app = create_app(db)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def drop_server_caches() -> None:
    from dashboard import data, response_cache
    from dashboard.server import warm_caches

    response_cache.clear()
    data.clear_cache()
    warm_caches()  # what a restarted server holds before its first visitor


def load(page: Any, url: str, ready: str) -> dict[str, float]:
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(ready, timeout=60_000)
    page.wait_for_function(READY, timeout=60_000)
    total = (time.perf_counter() - t0) * 1000
    nav = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0];"
                        " return {dcl: n.domContentLoadedEventEnd, bytes: performance.getEntriesByType('resource')"
                        ".reduce((s, r) => s + (r.transferSize || 0), n.transferSize || 0)}; }")
    return {"ms": total, "dom_content_loaded_ms": nav["dcl"], "transfer_kb": nav["bytes"] / 1000}


def served_plotly(url: str) -> str:
    """Which plotly.js the server answers Dash's plotly URL with: ``geo`` (plotly.js's partial build) or ``full``."""
    import hashlib
    import urllib.request

    from dashboard import plotly_bundle

    with urllib.request.urlopen(f"{url}/_dash-component-suites/plotly/{plotly_bundle.DASH_PLOTLY_PATH}") as r:
        body = r.read()
    kind = "geo" if hashlib.sha256(body).hexdigest() == plotly_bundle.SHA256 else "full"
    return f"{kind} ({len(body) / 1e6:.1f} MB)"


def run(url: str, country: str, rounds: int = 3, in_process: bool = True) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, list[dict]]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for name, path, ready in PAGES:
                target = url + path.format(country=country)
                res: dict[str, list[dict]] = {"first visit": [], "return visit": []}
                for _ in range(rounds):
                    if in_process:
                        drop_server_caches()
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    page = context.new_page()
                    res["first visit"].append(load(page, target, ready))
                    page.goto("about:blank")
                    res["return visit"].append(load(page, target, ready))
                    context.close()
                results[name] = res
        finally:
            browser.close()
    summary = {}
    for name, res in results.items():
        summary[name] = {kind: {"p50_ms": round(float(np.percentile([r["ms"] for r in rs], 50))),
                                "max_ms": round(max(r["ms"] for r in rs)),
                                "dom_content_loaded_ms": round(max(r["dom_content_loaded_ms"] for r in rs)),
                                "transfer_kb": round(max(r["transfer_kb"] for r in rs))}
                         for kind, rs in res.items()}
    return {"url": url, "country": country, "rounds": rounds, "pages": summary, "plotly.js": served_plotly(url)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=3_000_000, help="SYNTHETIC events in the bench warehouse")
    parser.add_argument("--url", help="measure this running server instead of serving in-process")
    parser.add_argument("--country", default="SDN", help="country page to load")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    server = None
    url = args.url
    if not url:
        url, server = serve(build(args.rows))
    try:
        result = run(url, args.country, args.rounds, in_process=server is not None)
    finally:
        if server is not None:
            server.shutdown()
    result["rows"] = None if args.url else args.rows
    suffix = "" if result["plotly.js"].startswith("geo") else "_full_plotly"
    out = args.out or OUT / f"browser_{args.rows if not args.url else 'url'}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print("| page | first visit p50 / max ms | return visit p50 / max ms | transferred KB (first) |")
    print("| --- | ---: | ---: | ---: |")
    for name, s in result["pages"].items():
        f, r = s["first visit"], s["return visit"]
        print(f"| {name} | {f['p50_ms']} / {f['max_ms']} | {r['p50_ms']} / {r['max_ms']} | {f['transfer_kb']} |")
    print(f"plotly.js served: {result['plotly.js']}; wrote {out}")


if __name__ == "__main__":
    main()
