"""The browser tests' two moving parts, once: the app served on a loopback port, and Debian's Chromium launched
headless with the flags that keep it off the network (bench/bench_browser.py ARGS)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.bench_browser import ARGS, CHROMIUM


@contextlib.contextmanager
def served(wsgi_app: Any) -> Iterator[str]:
    """``http://127.0.0.1:<port>`` serving ``wsgi_app`` (threaded) until the block ends."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright), or a skip that says what is missing."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install -y chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
