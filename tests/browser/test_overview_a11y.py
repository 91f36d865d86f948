"""Overview, navbar search and site-wide accessibility in a real browser, at desktop (1440×900) and phone (390×844):
axe-core (WCAG 2.1 A/AA) finds no serious or critical violation, no page scrolls sideways at 390 px, the world map
is usable on a phone, Tab walks the controls in reading order, the watchlist sorts, the search finds aliases.

axe-core comes from npm (tests/browser/axe.py; scripts/setup installs it); without it the axe tests skip, saying so.
"""

from __future__ import annotations

import itertools
import re

import pytest

from tests.browser import axe
from tests.browser.test_dashboard_browser import base_url, browser, warehouse  # noqa: F401  (module fixtures)
from tests.conftest import query

pytestmark = [pytest.mark.browser, pytest.mark.shared]
DESKTOP, PHONE = (1440, 900), (390, 844)
PAGES = {"/": ".choroplethlayer path", "/?indicator=r2p_risk_level": ".choroplethlayer path",
         "/explore": "#ex-grid .ag-row", "/sources": "#indicator-catalog"}
READY = "() => !document.querySelector('[data-dash-is-loading=\"true\"]')"


def open_page(browser, base_url, path: str, size: tuple[int, int], ready: str = "#main"):  # noqa: F811
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, bypass_csp=True)
    page = ctx.new_page()
    page.goto(base_url + path)
    page.wait_for_selector(ready, timeout=30_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_function(READY)
    page.wait_for_timeout(300)  # the label script runs on the next animation frame after Dash renders
    return ctx, page


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1440", "390"])
@pytest.mark.parametrize("path", list(PAGES))
def test_axe_finds_no_serious_violation(browser, base_url, path, size):  # noqa: F811
    script = axe.path_or_skip()
    ctx, page = open_page(browser, base_url, path, size, PAGES[path])
    try:
        found = axe.run(page, script)
        assert not axe.blocking(found), axe.describe(axe.blocking(found))
        assert page.evaluate("document.documentElement.lang") == "en"
    finally:
        ctx.close()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1440", "390"])
def test_axe_on_the_country_page(browser, base_url, size):  # noqa: F811
    """Reported, not owned here: the country page's own fixes belong to its redesign (h18a)."""
    script = axe.path_or_skip()
    ctx, page = open_page(browser, base_url, "/country/SDN", size, "#co-name")
    try:
        left = axe.blocking(axe.run(page, script))
    finally:
        ctx.close()
    if left:
        pytest.xfail("country page, left to its redesign: " + axe.describe(left))


@pytest.mark.parametrize("path", list(PAGES))
def test_no_horizontal_scroll_on_a_phone(browser, base_url, path):  # noqa: F811
    ctx, page = open_page(browser, base_url, path, PHONE, PAGES[path])
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE[0], f"{path}: page is {width} px wide at {PHONE[0]} px"
    finally:
        ctx.close()


GEO = """() => { const r = document.querySelector('#ov-map .geolayer .bg').getBoundingClientRect();
                 return [r.width, r.height]; }"""


@pytest.mark.parametrize("size,min_w,min_h", [(DESKTOP, 600, 280), (PHONE, 340, 150)], ids=["1440", "390"])
def test_world_map_fills_the_width(browser, base_url, size, min_w, min_h):  # noqa: F811
    """The map itself (plotly's geo area, not the figure box): 112×52 px on a phone before the colour bar moved."""
    for path in ("/", "/?indicator=r2p_risk_level"):
        ctx, page = open_page(browser, base_url, path, size, PAGES[path])
        try:
            w, h = page.evaluate(GEO)
            assert w >= min_w and h >= min_h, (path, size, w, h)
        finally:
            ctx.close()


def test_tab_walks_the_overview_in_reading_order(browser, base_url):  # noqa: F811
    ctx, page = open_page(browser, base_url, "/?indicator=r2p_risk_level", DESKTOP, PAGES["/"])
    try:
        stops = []
        for _ in range(90):
            page.keyboard.press("Tab")
            stops.append(page.evaluate("""() => { const e = document.activeElement;
                return {name: e.getAttribute('aria-label') || e.textContent.trim() || e.id, tag: e.tagName,
                        hidden: !!e.closest('[aria-hidden="true"]'), id: e.id}; }"""))
        names = [s["name"] for s in stops]
        assert names[:5] == ["Skip to content", "R2P atrocity-risk dashboard", "Overview", "Explore", "Sources"]
        k = next(i for i, s in enumerate(stops) if s["id"] == "country-search")  # after the navigation's links
        assert names[5:k] == ["What changed", "Response gaps"] or names[5:k] == ["Response gaps", "What changed"]
        names = names[k - 5:]  # from here on, positions as if the navigation had its first five stops only
        controls = [n.split(":")[0] for n in names[6:12]]
        assert controls == ["Risk factor (UN Framework)", "Only countries where the factor is", "Map colour", "Year",
                            "Region (M49)", "Sub-region"]
        assert names[8].startswith("Map colour: Risk level")
        assert not [s for s in stops if s["hidden"]], "focus reached an aria-hidden element"
        headers = [i for i, s in enumerate(stops) if s["id"].startswith('{"column"')]
        assert len(headers) == 7 and headers == list(range(headers[0], headers[0] + 7))  # the watchlist, in order
        assert headers[0] > 12 + k - 5  # after the map's controls and table
    finally:
        ctx.close()


def test_search_goes_to_the_country_an_alias_names(browser, base_url):  # noqa: F811
    ctx, page = open_page(browser, base_url, "/sources", PHONE, PAGES["/sources"])
    try:
        box = page.get_by_label("Find a country")
        box.fill("Burma")
        box.press("Enter")
        page.wait_for_url(re.compile(r"/country/MMR$"), timeout=15_000)
        page.wait_for_selector("#co-name")
        assert page.inner_text("#co-name") == "Myanmar"
        box = page.get_by_label("Find a country")
        box.fill("zzz")
        box.press("Enter")
        page.wait_for_timeout(500)
        assert page.url.endswith("/country/MMR")  # nothing matched: stay, and say so to screen readers
        assert "No country matches" in page.inner_text("#country-search-status")
    finally:
        ctx.close()


def test_watchlist_sorts_by_ewp_rank_with_the_keyboard(browser, base_url, warehouse):  # noqa: F811
    ctx, page = open_page(browser, base_url, "/", DESKTOP, PAGES["/"])
    try:
        header = page.locator("table.watchlist th button", has_text="EWP rank")
        header.focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("table.watchlist th[aria-sort='ascending'] >> text=EWP rank")
        cells = page.locator("table.watchlist tbody tr td:nth-child(7)").all_inner_texts()
        ranks = [int(c.split(" of ")[0]) for c in cells if c != "–"]
        assert ranks == sorted(ranks) and len(ranks) >= 15
        year = query(warehouse, "SELECT max(year) FROM indicator_values WHERE indicator_id = 'ewp_rank'")[0][0]
        n = query(warehouse, "SELECT count(*) FROM indicator_values WHERE indicator_id = 'ewp_rank' AND year = ?",
                  [year])[0][0]
        assert all(c.endswith(f" of {n} ({year})") for c in cells if c != "–")
        listed = query(warehouse, "SELECT count(DISTINCT r.iso3) FROM r2p_risk_levels r JOIN countries USING (iso3) "
                                  "WHERE list_id = 'gcr2p' AND as_of <= current_date")[0][0]
        assert len(cells) == listed
    finally:
        ctx.close()


def test_region_zooms_the_map(browser, base_url):  # noqa: F811
    ctx, page = open_page(browser, base_url, "/?region=Africa", DESKTOP, PAGES["/"])
    try:
        geo = page.evaluate("() => document.querySelector('#ov-map .js-plotly-plot')._fullLayout.geo.fitbounds")
        assert geo == "locations"
        # the filtered map draws African countries only; zoomed, they fill most of the map's height (about 40% of
        # it on the whole-world map)
        share = page.evaluate("""() => {
            const bg = document.querySelector('#ov-map .geolayer .bg').getBoundingClientRect();
            const rs = [...document.querySelectorAll('#ov-map .choroplethlayer path')]
                .map(p => p.getBoundingClientRect()).filter(r => r.height > 0);
            return (Math.max(...rs.map(r => r.bottom)) - Math.min(...rs.map(r => r.top))) / bg.height; }""")
        assert share > 0.7, share
    finally:
        ctx.close()


def test_slider_year_labels_do_not_run_together(browser, base_url):  # noqa: F811
    ctx, page = open_page(browser, base_url, "/explore", PHONE, PAGES["/explore"])
    try:
        page.wait_for_timeout(300)
        boxes = page.evaluate("""() => [...document.querySelectorAll('.dash-slider-mark')]
            .filter(m => getComputedStyle(m).visibility !== 'hidden')
            .map(m => { const r = m.getBoundingClientRect(); return [r.left, r.right]; })""")
        assert len(boxes) >= 2
        boxes.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(boxes)), boxes
        assert page.get_by_label("Years: from").count() + page.locator("[aria-label$=': from']").count() >= 1
    finally:
        ctx.close()


def test_phone_first_screen_shows_the_map_menu_and_filters_fold(browser, base_url):  # noqa: F811
    """Issue 18 at 390 px: the navigation's links and the overview's filters fold behind buttons (aria-expanded
    says which is open), so the map starts on the first screen; a tap opens each; on a desktop both stay open and
    their buttons are hidden (not Tab stops)."""
    ctx, page = open_page(browser, base_url, "/", PHONE, PAGES["/"])
    try:
        top = page.evaluate("() => document.querySelector('#ov-map').getBoundingClientRect().top")
        assert top < PHONE[1] * 0.5, top
        page.wait_for_timeout(500)  # the phone layout follows the map's first draw (assets/phone-charts.js)
        bar, foot = page.evaluate("""() => { const gd = document.querySelector('#ov-map .js-plotly-plot');
            const r = e => e.getBoundingClientRect();
            const foot = [...gd.querySelectorAll('.annotation')].map(r).sort((a, b) => b.bottom - a.bottom)[0];
            return [r(gd.querySelector('.colorbar')), foot]; }""")
        assert bar["bottom"] <= foot["top"] + 1, (bar, foot)  # the colour bar stays off the source line
        assert not page.is_visible("#nav-links") and not page.is_visible("#ov-filters")
        menu = page.get_by_role("button", name="Menu")
        menu.click()
        assert page.is_visible("#nav-links") and menu.get_attribute("aria-expanded") == "true"
        assert page.get_by_role("link", name="Explore").is_visible()
        filters = page.get_by_role("button", name="Filters")
        filters.focus()
        page.keyboard.press("Enter")  # a native button: Enter and Space work as a tap
        assert page.is_visible("#ov-filters") and filters.get_attribute("aria-expanded") == "true"
        assert page.is_visible("#ov-indicator")
    finally:
        ctx.close()
    ctx, page = open_page(browser, base_url, "/", DESKTOP, PAGES["/"])
    try:
        assert page.is_visible("#nav-links") and page.is_visible("#ov-filters")
        assert not page.get_by_role("button", name="Menu").is_visible()
        assert not page.get_by_role("button", name="Filters").is_visible()
    finally:
        ctx.close()
