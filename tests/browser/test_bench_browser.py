"""bench/bench_browser.py's page-load timer, run once against the real warehouse: every page reports a first-screen
time taken in the page, and the country page's whole-page time (its charts drawn near the screen or when idle,
assets/plotly-lazy.js) comes after its first screen. Speed targets themselves live in bench/, not here."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import bench_browser
from tests.browser.serve import served

pytestmark = pytest.mark.shared
pytest.importorskip("playwright.sync_api")
if not Path(bench_browser.CHROMIUM).exists():
    pytest.skip(f"no chromium at {bench_browser.CHROMIUM}", allow_module_level=True)


def test_every_page_reports_first_screen_and_whole_page_times(shared_warehouse):
    from dashboard.server import create_app

    with served(create_app(shared_warehouse).server) as url:
        result = bench_browser.run(url, "SDN", rounds=1, in_process=False)
    assert list(result["pages"]) == [name for name, *_ in bench_browser.PAGES]
    for name, visits in result["pages"].items():
        for kind, s in visits.items():
            assert 0 < s["p50_ms"] <= s["whole_page_p50_ms"], (name, kind, s)
            assert s["wall_p50_ms"] >= s["whole_page_p50_ms"] - 50, (name, kind, s)  # goto starts before navigation
            assert s["dom_content_loaded_ms"] < s["p50_ms"], (name, kind, s)
    country = result["pages"]["country (most events)"]["first visit"]
    assert country["whole_page_p50_ms"] > country["p50_ms"]  # the event map, 7 screens down, is drawn later
    assert result["plotly.js"].startswith(("geo", "full"))
