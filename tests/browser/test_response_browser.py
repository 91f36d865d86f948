"""Issue 17 in a real browser: the country page's International response section, the Geo-PKO layer on the event
map and the /response-gaps page — values against the warehouse, no console error, no request off the host."""
# ruff: noqa: F811  (the browser fixtures are imported from the main browser module and used as parameters)

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.test_dashboard_browser import (  # noqa: F401
    CHROMIUM,
    base_url,
    browser,
    visit,
    warehouse,
)
from tests.conftest import query

pytestmark = [pytest.mark.browser, pytest.mark.shared]


def _clean(visit) -> None:
    assert visit.errors == []
    assert visit.offsite() == []


def test_country_section_four_spheres_with_sources(visit, warehouse):
    visit.go("/country/SDN", "#co-response")
    page = visit.page
    spheres = page.eval_on_selector_all("#co-response [data-sphere]", "els => els.map(e => e.dataset.sphere)")
    assert spheres == ["national", "bilateral", "regional", "multilateral"]
    regional = page.inner_text("#co-response-regional")
    assert "AU — suspended" in regional and "IGAD — member" in regional  # two organisations, two statuses
    multi = page.inner_text("#co-response-multilateral")
    assert "(UNAMID)" in multi and "2007-07-31 – 2020-12-31" in multi
    assert "Sudan (Darfur) sanctions regime" in multi and "Situation in Darfur, Sudan" in multi
    n_multi = query(warehouse, "SELECT count(*) FROM response_measures WHERE iso3 = 'SDN' AND sphere = "
                               "'multilateral'")[0][0]
    assert page.get_attribute("#co-response-multilateral", "data-items") == str(n_multi)
    # every item carries a source and an as-of date
    items = page.locator("#co-response li[data-kind]")
    assert items.count() >= n_multi
    for text in items.all_inner_texts():
        assert "source:" in text and "as of" in text
    # bilateral: no dataset loaded, so the slot says so with its coverage, never "none"
    bilateral = page.inner_text("#co-response-bilateral")
    assert "Nothing recorded in the loaded sources." in bilateral and "Coverage:" in bilateral
    assert " none" not in bilateral.lower().replace("none loaded", "")
    # the Security Council chart: the plotted yearly counts equal the warehouse's
    page.wait_for_selector("#co-response-sc .js-plotly-plot")
    total = page.evaluate("""() => document.querySelector('#co-response-sc .js-plotly-plot')._fullData
                               .reduce((s, t) => s + Array.from(t.y).reduce((a, b) => a + b, 0), 0)""")
    assert total == query(warehouse, "SELECT count(*) FROM security_council_outcomes "
                                     "WHERE list_contains(iso3_list, 'SDN')")[0][0]
    _clean(visit)


def test_geo_pko_layer_switches_on_and_off(visit, warehouse):
    visit.go("/country/SDN", "#co-event-map .scattergeo")
    page = visit.page
    names = "() => document.querySelector('#co-event-map .js-plotly-plot')._fullData.map(t => t.name)"
    assert "UN deployments (Geo-PKO)" not in page.evaluate(names)  # off by default
    page.check("#co-pko-layer input[type=checkbox]")
    page.wait_for_function(f"() => ({names})().includes('UN deployments (Geo-PKO)')", timeout=30_000)
    n = page.evaluate("""() => document.querySelector('#co-event-map .js-plotly-plot')._fullData
                           .find(t => t.name === 'UN deployments (Geo-PKO)').lat.length""")
    expected = query(warehouse, "SELECT count(*) FROM (SELECT DISTINCT mission, location, latitude, longitude "
                                "FROM pko_deployments WHERE iso3 = 'SDN')")[0][0]
    assert n == expected > 50
    page.uncheck("#co-pko-layer input[type=checkbox]")
    page.wait_for_function(f"() => !({names})().includes('UN deployments (Geo-PKO)')", timeout=30_000)
    _clean(visit)


def test_response_gaps_page_url_state_map_and_csv(visit):
    visit.go("/response-gaps?min=4&years=5&listed=no", "#gap-map .choroplethlayer path")
    page = visit.page
    assert "about recorded measures only, not a judgement" in page.inner_text("#gap-wording")
    note = page.inner_text("#gap-note")
    n = int(note.split(" countries")[0])
    links = page.locator("#gap-table a[href^='/country/']")
    assert links.count() == n > 0
    with page.expect_download() as dl:
        page.click("#gap-download-btn")
    text = dl.value.path().read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO("\n".join(x for x in text.splitlines() if not x.startswith("#")))))
    assert len(rows) == n and all(int(r["elevated_factors"]) >= 4 for r in rows)
    assert "not a judgement" in text.splitlines()[0]
    # a control changes the URL (state in the URL) and the answer
    page.keyboard.press("Escape")
    page.click("#gap-listed input[type=checkbox]")
    page.wait_for_function("() => location.search.includes('listed=yes')", timeout=30_000)
    visit.settle()
    assert parse_qs(urlparse(page.url).query) == {"min": ["4"], "years": ["5"], "listed": ["yes"]}
    assert int(page.inner_text("#gap-note").split(" countries")[0]) >= n
    _clean(visit)


def test_links_to_the_gaps_page_from_overview_and_explorer(visit):
    visit.go("/", ".choroplethlayer path")
    assert visit.page.locator("a.small[href='/response-gaps']").count() == 1  # the page's own link (besides the nav)
    visit.go("/explore", "#ex-grid .ag-row")
    assert visit.page.locator("a.small[href='/response-gaps']").count() == 1
    _clean(visit)


@pytest.mark.parametrize(("path", "ready", "root"), [("/country/SDN", "#co-response", "#co-response"),
                                                     ("/response-gaps", "#gap-map .choroplethlayer path", "body")])
def test_phone_width_no_sideways_scroll(browser, base_url, path, ready, root):
    """At 390 px nothing in the section (country page) or on the gaps page reaches past the screen's edge."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(base_url + path)
        page.wait_for_selector(ready, timeout=30_000)
        page.wait_for_load_state("networkidle")
        widest = page.eval_on_selector(root, """r => Math.max(r.getBoundingClientRect().right, ...Array.from(
            r.querySelectorAll('*')).filter(e => !e.closest('.table-responsive, .js-plotly-plot svg'))
            .map(e => e.getBoundingClientRect().right))""")
        assert widest <= 390 + 1
        assert errors == []
    finally:
        context.close()
