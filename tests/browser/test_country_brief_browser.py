"""The country page as a one-screen brief, measured in a real browser (Chromium via Playwright) at 1440×900 and
390×844 on the real warehouse: what is above the fold, no horizontal overflow, chart toolbars out of the Tab order,
a sticky section menu, a wide event map. (axe-core checks of /country/<ISO3> belong to the site-wide harness.)"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from bench.bench_browser import CHROMIUM
from tests.browser.serve import chromium, served

pytestmark = pytest.mark.shared
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no chromium at {CHROMIUM}", allow_module_level=True)


@pytest.fixture(scope="module")
def base_url(shared_warehouse):
    from dashboard.server import create_app

    with served(create_app(shared_warehouse).server) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def open_page(browser, base_url: str, width: int, height: int, bypass_csp: bool = False):
    page = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=bypass_csp).new_page()
    page.goto(f"{base_url}/country/SDN")
    page.wait_for_selector("#co-event-map .scattergeo", timeout=30_000)
    # every chart drawn (those off screen are drawn at idle moments: assets/plotly-lazy.js)
    page.wait_for_function("() => !document.querySelector('.dash-graph--pending')", timeout=30_000)
    return page


def bottom(page, selector: str) -> float:
    return page.evaluate(f"() => document.querySelector({selector!r}).getBoundingClientRect().bottom")


def test_first_screen_answers_the_brief_at_1440(browser, base_url):
    page = open_page(browser, base_url, 1440, 900)
    for sel in ("#co-risk-badge", "#co-level-age", "#co-ewp", "#co-menu"):
        assert bottom(page, sel) <= 900, sel
    assert "2024-09-01" in page.inner_text("#co-level-age") and "ago" in page.inner_text("#co-level-age")
    assert " of " in page.inner_text("#co-ewp")
    cards = page.evaluate("() => [...document.querySelectorAll('#co-cards .key-figure')]"
                          ".map(e => e.getBoundingClientRect().bottom)")
    assert len(cards) >= 8 and max(cards) <= 900
    arrows = page.evaluate("() => [...document.querySelectorAll('#co-cards .trend-arrow')]"
                           ".map(e => e.getBoundingClientRect().bottom)")
    assert arrows and max(arrows) <= 900
    factors = page.evaluate("() => [...document.querySelectorAll('#co-elevated > li')]"
                            ".map(e => [e.getBoundingClientRect().bottom, e.innerText])")
    assert factors and max(b for b, _ in factors) <= 900
    assert not any("≥" in t.split("rule")[0] for _, t in factors)  # the rule is behind its <details>
    # the part year is labelled as such
    assert "to date, Jan–" in page.inner_text("#co-cards")


def test_no_overflow_sticky_menu_and_wide_event_map_at_1440(browser, base_url):
    page = open_page(browser, base_url, 1440, 900)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1440
    column = page.evaluate("() => document.querySelector('#events').getBoundingClientRect().width")
    geo = page.evaluate("() => document.querySelector('#co-event-map .geo').getBoundingClientRect().width")
    assert geo >= 0.6 * column, (geo, column)
    page.click("#co-menu a[href='#trends']")
    page.wait_for_timeout(300)
    assert abs(page.evaluate("() => document.querySelector('#co-menu').getBoundingClientRect().top")) < 2


def test_modebar_is_out_of_the_tab_order(browser, base_url):
    page = open_page(browser, base_url, 1440, 900)
    page.hover("#co-deaths .js-plotly-plot")
    page.wait_for_timeout(300)
    tabbable = page.evaluate("() => [...document.querySelectorAll('.modebar-btn')].filter(b => b.tabIndex >= 0)"
                             ".length")
    assert tabbable == 0
    stops = []
    for _ in range(12):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("() => { const e = document.activeElement; return (e.closest('#co-menu') ? "
                                   "'menu' : '') + e.tagName + ' ' + (e.innerText || '').slice(0, 30) }"))
    assert any(s.startswith("menu") for s in stops), stops  # the section menu comes early


def test_phone_width_has_no_horizontal_scroll(browser, base_url):
    page = open_page(browser, base_url, 390, 844)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width
    assert bottom(page, "#co-risk-badge") <= 844
    wide = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')]"
                         ".filter(e => e.getBoundingClientRect().right > 391).length")
    assert wide == 0


AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"  # vendored by the site-wide axe harness


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_axe_finds_no_serious_violation_on_the_country_page(browser, base_url, width, height):
    import os

    axe = Path(os.environ.get("R2P_AXE_JS", AXE))
    if not axe.is_file():
        pytest.skip(f"axe-core not vendored at {axe} (the site-wide accessibility harness adds it)")
    page = open_page(browser, base_url, width, height, bypass_csp=True)  # axe is injected as an inline script
    page.add_script_tag(content=axe.read_text(encoding="utf-8"))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                           ".map(v => ({id: v.id, impact: v.impact, n: v.nodes.length, "
                           "where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))")
    # html-has-lang is the site's index page (app-wide, fixed with the site-wide harness), not this page's
    serious = [v for v in result if v["impact"] in ("serious", "critical") and v["id"] != "html-has-lang"]
    assert serious == [], serious


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_what_changed_strip_near_the_top_with_readable_arrows(browser, base_url, shared_warehouse, width, height):
    """Issue 16: the strip sits right under the summary, every item says its direction in words (screen readers)
    and its rule on hover/focus, the figures it shows are the change log's, and the page stays on the host."""
    import duckdb

    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{base_url}/country/SDN")
    page.wait_for_selector("#co-what-changed li", timeout=30_000)
    page.wait_for_load_state("networkidle")
    items = page.evaluate("""() => [...document.querySelectorAll('#co-what-changed li')].map(li => ({
        text: li.innerText, title: li.title, arrow: li.querySelector('[aria-hidden=true]').innerText,
        spoken: (li.querySelector('.visually-hidden') || {}).textContent || ''}))""")
    assert len(items) >= 3
    changed = [i for i in items if "→" in i["text"]]
    assert changed, items
    for i in changed:
        word = i["title"].split(".")[0]
        assert word in ("worse", "better", "unchanged", "changed, no direction"), i
        assert i["spoken"].strip() == word and i["arrow"] in "▲▼=●"
        assert "Source:" in i["title"]
    # the R2P level item is the change log's latest risk-level row for Sudan
    con = duckdb.connect(str(shared_warehouse), read_only=True)
    try:
        row = con.execute("SELECT old_label, new_label FROM changes WHERE iso3 = 'SDN' AND kind = 'risk_level' "
                          "AND subject = 'gcr2p' ORDER BY coalesce(as_of, CAST(detected_at AS DATE)) DESC, "
                          "detected_at DESC LIMIT 1").fetchone()
    finally:
        con.close()
    if row:
        level = next(i for i in items if "R2P Monitor level" in i["text"])
        assert f"{row[0] or '—'} → {row[1] or '—'}" in level["text"]
    strip_top = page.evaluate("() => document.querySelector('#co-what-changed').getBoundingClientRect().top")
    assert strip_top <= (height if width > 800 else 3 * height)  # first screen on a desktop, near the top on a phone
    assert errors == []
    assert [u for u in requests if not u.startswith(base_url) and not u.startswith(("data:", "blob:"))] == []
    context.close()


CHART_BOXES = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
    const box = gd.getBoundingClientRect(), rect = e => e ? e.getBoundingClientRect() : null;
    const foot = [...gd.querySelectorAll('.annotation')].map(rect).sort((a, b) => b.bottom - a.bottom)[0] || null;
    return {id: gd.parentElement.id || gd.id, box: [box.left, box.right, box.top, box.bottom],
            title: rect(gd.querySelector('.gtitle')), subtitle: rect(gd.querySelector('.gtitle-subtitle')),
            legend: rect(gd.querySelector('.legend')), foot,
            buttons: rect(gd.querySelector('.updatemenu-container')), plot: rect(gd.querySelector('.bglayer .bg'))};
})"""


def test_phone_charts_keep_titles_sources_and_legends_apart(browser, base_url):
    """Issue 18 at 390 px: every chart's title, subtitle and source line lie inside the chart (nothing clipped at the
    right edge), the legend ends above the source line, the view buttons sit above the plot, not on it."""
    page = open_page(browser, base_url, 390, 844)
    page.wait_for_timeout(800)  # the phone layout is applied after each chart's first draw (assets/phone-charts.js)
    charts = page.evaluate(CHART_BOXES)
    assert len(charts) >= 8, [c["id"] for c in charts]
    for c in charts:
        left, right, top, bottom_ = c["box"]
        for part in ("title", "subtitle", "foot"):
            r = c[part]
            if r:
                assert r["left"] >= left - 1 and r["right"] <= right + 1, (c["id"], part, r, c["box"])
                assert r["top"] >= top - 1 and r["bottom"] <= bottom_ + 1, (c["id"], part, r, c["box"])
        below = c["plot"] is None or (c["legend"] is not None and c["legend"]["top"] > c["plot"]["bottom"] - 1)
        if c["legend"] and c["foot"] and below:  # a legend below the plot (a map has no cartesian plot box)
            assert c["legend"]["bottom"] <= c["foot"]["top"] + 1, (c["id"], c["legend"], c["foot"])
        if c["buttons"] and c["plot"]:
            assert c["buttons"]["bottom"] <= c["plot"]["top"] + 2, (c["id"], c["buttons"], c["plot"])
        if c["subtitle"] and c["buttons"]:
            assert c["subtitle"]["bottom"] <= c["buttons"]["top"] + 1, (c["id"], c["subtitle"], c["buttons"])


def test_phone_event_map_is_usable(browser, base_url):
    """The event map at 390 px: its geo area spans the width and is tall enough to read (it was ~290×95 px)."""
    page = open_page(browser, base_url, 390, 844)
    box = ("() => { const r = document.querySelector('#co-event-map .geolayer .bg').getBoundingClientRect();"
           " return [r.width, r.height]; }")
    # assets/phone-charts.js re-lays the map out after its draw, which waits for an idle moment
    with contextlib.suppress(sync_api.TimeoutError):
        page.wait_for_function(f"() => ({box})()[1] >= 250", timeout=15_000)
    w, h = page.evaluate(box)
    assert w >= 340 and h >= 250, (w, h)
    # the README's phone screenshots: the first screen, and the event map section
    shots = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "country-phone.png"))
    page.locator("#co-event-map").screenshot(path=str(shots / "country-phone-map.png"))


def test_charts_are_not_relaid_out_at_the_same_size_but_follow_a_window_resize(browser, base_url):
    """assets/plotly-resize.js: Dash's two resizes after each first draw are skipped when the box is unchanged (no
    plotly_relayout), and a real resize still reaches plotly.js (the charts take the new width)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.add_init_script("""window.__relayouts = [];
        document.addEventListener('DOMContentLoaded', () => new MutationObserver(() => {
          document.querySelectorAll('.js-plotly-plot').forEach(gd => {
            if (gd.__watched || !gd.on) return; gd.__watched = true;
            gd.on('plotly_relayout', e => window.__relayouts.push([gd.parentNode.id, Object.keys(e).join()]));
          });
        }).observe(document.body, {childList: true, subtree: true}));""")
    page.goto(f"{base_url}/country/SDN")
    page.wait_for_selector("#co-event-map .scattergeo", timeout=30_000)
    page.wait_for_timeout(1500)  # Dash's resizes come 50–100 ms after each draw
    charts = page.evaluate("() => document.querySelectorAll('.js-plotly-plot').length")
    assert charts >= 6
    assert page.evaluate("() => window.__relayouts") == []
    assert page.evaluate("() => typeof Plotly.Plots.resize.r2pSkipsUnchanged") == "boolean"
    before = page.evaluate("() => document.querySelector('#co-deaths .js-plotly-plot')._fullLayout.width")
    page.set_viewport_size({"width": 1000, "height": 900})
    page.wait_for_function("w => document.querySelector('#co-deaths .js-plotly-plot')._fullLayout.width < w - 200",
                           arg=before, timeout=10_000)
    assert any("autosize" in keys for _, keys in page.evaluate("() => window.__relayouts"))
    context.close()


DRAWN = "sel => Boolean(document.querySelector(sel + ' .js-plotly-plot')?._fullLayout)"


def test_charts_off_screen_wait_until_they_come_near_and_are_drawn_for_print(browser, base_url):
    """assets/plotly-lazy.js: with the browser never idle (requestIdleCallback stubbed), a chart 3+ screens below the
    brief is not drawn until it is scrolled near; the event map further down is still not drawn; a print draws it."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script("window.requestIdleCallback = () => 0;")
    page = context.new_page()
    page.goto(f"{base_url}/country/SDN")
    page.wait_for_selector("#co-cards .key-figure", timeout=30_000)
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')")
    page.wait_for_timeout(1500)  # time enough to draw them all, were they drawn at once
    assert page.evaluate("() => document.querySelector('#co-deaths').getBoundingClientRect().top") > 2 * 900
    assert not page.evaluate(DRAWN, "#co-deaths")
    assert not page.evaluate(DRAWN, "#co-event-map")
    assert page.evaluate("() => document.querySelectorAll('.dash-graph--pending').length") >= 8
    page.evaluate("() => document.querySelector('#co-deaths').scrollIntoView()")
    page.wait_for_function(DRAWN, arg="#co-deaths", timeout=10_000)
    assert page.evaluate("() => document.querySelector('#co-deaths .main-svg').getBoundingClientRect().width") > 1000
    page.wait_for_timeout(500)
    assert not page.evaluate(DRAWN, "#co-event-map")  # 2+ screens further down
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    page.wait_for_selector("#co-event-map .scattergeo", state="attached", timeout=10_000)
    assert page.evaluate("() => document.querySelectorAll('.dash-graph--pending').length") == 0
    context.close()


def test_charts_off_screen_are_drawn_when_the_page_is_idle(browser, base_url):
    """Without scrolling, every chart of the page is drawn once the browser is idle, one after another in page order
    (so nothing is missing when the reader gets there)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script("""window.__drawn = [];
        new MutationObserver(() => document.querySelectorAll('.js-plotly-plot').forEach(gd => {
          if (!gd.__seen && gd._fullLayout) { gd.__seen = true; window.__drawn.push(gd.parentNode.id); }
        })).observe(document, {childList: true, subtree: true, attributes: true});""")
    page = context.new_page()
    page.goto(f"{base_url}/country/SDN")
    page.wait_for_selector("#co-cards .key-figure", timeout=30_000)
    page.wait_for_function("() => document.querySelectorAll('.dash-graph').length >= 8"
                           " && !document.querySelector('.dash-graph--pending')", timeout=30_000)
    graphs = page.evaluate("() => [...document.querySelectorAll('.dash-graph')].map(g => g.id)")
    assert page.evaluate("() => window.scrollY") == 0
    assert page.evaluate("() => window.__drawn") == graphs
    assert page.query_selector("#co-event-map .scattergeo")
    context.close()
