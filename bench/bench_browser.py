"""Page load in headless chromium (Debian's, through Playwright) on the bench warehouse: goal ≤ 2 s per page.

**Page load** = from the start of the navigation until the page's first screen is drawn and painted: its main
content (the map's shapes, the country brief, the grid's rows, the catalog table), no chart in view still waiting
to be drawn, and Dash with no callback in flight. The time is taken in the page (``performance.now()``, then the
next frame), the way Web Vitals time a page: the harness's own polling is not part of it. On the country page the
first screen is the brief; its charts and event map (3 to 7 screens down) are drawn as they come near the screen
or when the page is idle (assets/plotly-lazy.js), and the time until the **whole page** is drawn (the event map's
markers) is reported beside it. The harness's wall clock (``page.goto`` until Playwright sees the page ready) is
reported too. Two visits per page and round:

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
GOAL_MS = 2000
# (name, path, first screen's main content, the whole page's last content or None when it is all on the first screen)
PAGES = [("overview", "/", ".choroplethlayer path", None),
         ("country (most events)", "/country/{country}", "#summary .key-figure", "#co-event-map .scattergeo"),
         ("explore", "/explore", "#ex-grid .ag-row", None),
         ("sources", "/sources", "#indicator-catalog", None)]
# Runs in the page before its scripts: notes when each selector is present, no chart in view is still waiting to be
# drawn (Dash's Graph marks it "dash-graph--pending") and Dash is idle; the time is taken after the next frame.
TIMER = """(([ready, whole]) => {
  const marks = window.__r2pLoad = {};
  const idle = () => !document.querySelector('[data-dash-is-loading="true"]');
  const inView = (el) => { const r = el.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; };
  const chartsInView = () => ![...document.querySelectorAll('.dash-graph--pending')].some(inView);
  const note = (key, selector, extra) => {
    if (!selector || key in marks || !document.querySelector(selector) || !idle() || !extra()) { return; }
    marks[key] = null;
    requestAnimationFrame(() => setTimeout(() => { marks[key] = performance.now(); }));
  };
  const check = () => { note('ready', ready, chartsInView); note('whole', whole, () => true); };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true});
})"""


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


def load(page: Any, url: str, ready: str, whole: str | None) -> dict[str, float]:
    """One visit: the page's own times (ms since navigation start) and the harness's wall clock."""
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function("(keys) => keys.every((k) => (window.__r2pLoad || {})[k] > 0)",
                           arg=["ready", "whole"] if whole else ["ready"], timeout=60_000)
    wall = (time.perf_counter() - t0) * 1000
    marks = page.evaluate("window.__r2pLoad")
    nav = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0];"
                        " return {dcl: n.domContentLoadedEventEnd, bytes: performance.getEntriesByType('resource')"
                        ".reduce((s, r) => s + (r.transferSize || 0), n.transferSize || 0)}; }")
    return {"ms": marks["ready"], "whole_page_ms": marks.get("whole", marks["ready"]), "wall_ms": wall,
            "dom_content_loaded_ms": nav["dcl"], "transfer_kb": nav["bytes"] / 1000}


def served_plotly(url: str) -> str:
    """Which plotly.js the server answers Dash's plotly URL with: ``geo`` (plotly.js's partial build) or ``full``."""
    import hashlib
    import urllib.request

    from dashboard import plotly_bundle

    with urllib.request.urlopen(f"{url}/_dash-component-suites/plotly/{plotly_bundle.DASH_PLOTLY_PATH}") as r:
        body = r.read()
    kind = "geo" if hashlib.sha256(body).hexdigest() == plotly_bundle.SHA256 else "full"
    return f"{kind} ({len(body) / 1e6:.1f} MB)"


def _summary(visits: list[dict]) -> dict[str, int]:
    def p50(key: str) -> int:
        return round(float(np.percentile([v[key] for v in visits], 50)))

    return {"p50_ms": p50("ms"), "max_ms": round(max(v["ms"] for v in visits)),
            "whole_page_p50_ms": p50("whole_page_ms"), "wall_p50_ms": p50("wall_ms"),
            "dom_content_loaded_ms": round(max(v["dom_content_loaded_ms"] for v in visits)),
            "transfer_kb": round(max(v["transfer_kb"] for v in visits))}


def run(url: str, country: str, rounds: int = 3, in_process: bool = True) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, list[dict]]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for name, path, ready, whole in PAGES:
                target = url + path.format(country=country)
                res: dict[str, list[dict]] = {"first visit": [], "return visit": []}
                for _ in range(rounds):
                    if in_process:
                        drop_server_caches()
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    context.add_init_script(f"{TIMER}({json.dumps([ready, whole])})")
                    page = context.new_page()
                    res["first visit"].append(load(page, target, ready, whole))
                    page.goto("about:blank")
                    res["return visit"].append(load(page, target, ready, whole))
                    context.close()
                results[name] = res
        finally:
            browser.close()
    summary = {name: {kind: _summary(rs) for kind, rs in res.items()} for name, res in results.items()}
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
    print("| page | first visit p50 / max ms | whole page p50 | harness wall p50 | return visit p50 / max ms "
          "| transferred KB (first) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, s in result["pages"].items():
        f, r = s["first visit"], s["return visit"]
        print(f"| {name} | {f['p50_ms']} / {f['max_ms']} | {f['whole_page_p50_ms']} | {f['wall_p50_ms']} "
              f"| {r['p50_ms']} / {r['max_ms']} | {f['transfer_kb']} |")
    verdict = "met" if all(s["first visit"]["p50_ms"] <= GOAL_MS for s in result["pages"].values()) else "MISSED"
    print(f"goal: first-visit page load p50 ≤ {GOAL_MS} ms on every page: {verdict}")
    print(f"plotly.js served: {result['plotly.js']}; wrote {out}")


if __name__ == "__main__":
    main()
