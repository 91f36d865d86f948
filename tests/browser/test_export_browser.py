"""Export links and buttons in a real browser: what a briefer clicks downloads exactly the selection on screen.

The app is served on loopback over the real warehouse (``shared_warehouse``, or ``$R2P_TEST_WAREHOUSE``) and
driven by Debian chromium through Playwright. The browser must make no request to any other host.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from bench.bench_browser import ARGS, CHROMIUM
from tests.browser.serve import served

pytestmark = [pytest.mark.browser, pytest.mark.shared]
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no chromium at {CHROMIUM} (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def base_url(request):
    from dashboard.server import create_app

    env = os.environ.get("R2P_TEST_WAREHOUSE")
    db = Path(env) if env else request.getfixturevalue("shared_warehouse")
    with served(create_app(db).server) as url:
        yield url


@pytest.fixture(scope="module")
def page(base_url):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        pg = context.new_page()
        pg.errors, pg.requests = [], []
        pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
        pg.on("request", lambda r: pg.requests.append(r.url))
        yield pg
        context.close()
        browser.close()


def offsite(requests: list[str]) -> list[str]:
    return [u for u in requests if urlparse(u).hostname != "127.0.0.1" and not u.startswith(("data:", "blob:"))]


def download(page, selector: str) -> tuple[str, bytes]:
    with page.expect_download(timeout=60_000) as info:
        page.click(selector)
    d = info.value
    return d.url, Path(d.path()).read_bytes()


def test_country_page_exports_the_selection_on_screen(page, base_url):
    from PIL import Image
    from pypdf import PdfReader

    page.goto(base_url + "/country/SDN?from=2020&to=2023")
    page.wait_for_selector("#co-event-map .scattergeo", timeout=30_000)
    page.wait_for_load_state("networkidle")
    graphs = page.eval_on_selector_all(".dash-graph[id^='co-']", "els => els.map(e => e.id)")
    links = page.eval_on_selector_all(".export-links", "els => els.map(e => e.id)")
    assert graphs and sorted(links) == sorted(f"{g}-export" for g in graphs)

    url, body = download(page, "#co-deaths-export a[data-export-format='png']")
    parsed = urlparse(url)
    assert parsed.path == "/export/chart/co-deaths.png"
    assert parse_qs(parsed.query) == {"from": ["2020"], "to": ["2023"], "iso3": ["SDN"]}
    assert body[:8] == b"\x89PNG\r\n\x1a\n" and Image.open(io.BytesIO(body)).size[0] == 2000

    url, body = download(page, "#co-event-map-export a[data-export-format='svg']")
    assert "/export/chart/co-event-map.svg?" in url and b"2020\xe2\x80\x932023" in body  # title: 2020–2023

    page.hover("#co-deaths")  # the modebar shows on hover; export.js has added its buttons to it
    page.wait_for_selector("#co-deaths .modebar .r2p-export a[data-export-format='pdf']", timeout=10_000)
    url, body = download(page, "#co-deaths .modebar .r2p-export a[data-export-format='pdf']")
    assert "/export/chart/co-deaths.pdf?" in url and body.startswith(b"%PDF")

    url, body = download(page, "#co-pack-pdf")
    assert urlparse(url).path == "/export/country/SDN.pdf" and "from=2020" in url
    reader = PdfReader(io.BytesIO(body))
    assert 2 <= len(reader.pages) <= 4 and "Sudan" in reader.pages[0].extract_text()
    url, body = download(page, "#co-pack-pptx")
    assert urlparse(url).path == "/export/country/SDN.pptx" and body[:2] == b"PK"

    assert offsite(page.requests) == []
    assert page.errors == []


def test_overview_map_export_and_404_page(page, base_url):
    page.goto(base_url + "/?indicator=unhcr_idps")
    page.wait_for_selector("#ov-map .choroplethlayer path", timeout=30_000)
    url, body = download(page, "#ov-map-export a[data-export-format='csv']")
    assert "/export/table/ov-map.csv?indicator=unhcr_idps" in url
    text = body.decode("utf-8")
    assert text.startswith("# R2P atrocity-risk dashboard: ") and "# Source: UNHCR" in text
    response = page.goto(base_url + "/export/country/ZZZ.pdf")
    assert response.status == 404
    assert "no country with the code 'ZZZ'" in page.inner_text("#export-message")
    assert offsite(page.requests) == []
