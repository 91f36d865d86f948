"""Briefing exports on the tiny fictional warehouse (XXA Avalonia …): URLs, bad input, tables, chart images, pack.

Image tests need Debian chromium (kaleido) and skip, saying so, without it. Values are checked against the rows the
tiny warehouse was built from (tests/test_dashboard_unit.py: VALUES).
"""

from __future__ import annotations

import csv
import io
import shutil
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import pytest

from tests.test_dashboard_unit import VALUES, build_warehouse

needs_chromium = pytest.mark.skipif(shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists(),
                                    reason="no chromium for kaleido (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The app on the tiny warehouse, with PTS marked non-commercial (CC BY-NC) to test the licence flag."""
    from dashboard import data
    from dashboard.server import create_app

    db = build_warehouse(tmp_path_factory.mktemp("wh-export") / "warehouse.duckdb")
    con = duckdb.connect(str(db))
    con.execute("UPDATE sources SET licence = 'CC BY-NC 4.0 (non-commercial)' WHERE source_id = 'test_pts'")
    con.close()
    app = create_app(db)
    yield app.server.test_client()
    data.warehouse().close()


def value(iso3: str, year: int, indicator: str) -> float:
    return next(v for i, y, ind, v in VALUES if (i, y, ind) == (iso3, year, indicator))


# ------------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(("url", "says"), [
    ("/export/chart/no-such-chart.png", "no chart 'no-such-chart'"),
    ("/export/chart/zz-deaths.png", "no chart 'zz-deaths'"),
    ("/export/chart/co-deaths.gif?iso3=XXA", "is not <chart id>.png, .svg or .pdf"),
    ("/export/chart/co-deaths.png?iso3=QQQ", "no country with the code 'QQQ'"),
    ("/export/chart/co-deaths.png", "no country with the code ''"),
    ("/export/chart/co-nothing-here.svg?iso3=XXA", "shows no chart 'co-nothing-here'"),
    ("/export/chart/..%2F..%2Fetc%2Fpasswd.png", "Export URLs are"),
    ("/export/country/QQQ.pdf", "no country with the code 'QQQ'"),
    ("/export/country/XXA.docx", "is not <ISO3>.pdf or <ISO3>.pptx"),
    ("/export/country/..%2Fsecret.pdf", "Export URLs are"),
    ("/export/table/co-deaths.ods?iso3=XXA", "is not <table id>.csv or .xlsx"),
    ("/export/table/co-key-figures.csv?iso3=QQQ", "no country with the code 'QQQ'"),
])
def test_bad_input_is_a_404_with_a_message(client, url, says):
    r = client.get(url)
    assert r.status_code == 404
    text = r.get_data(as_text=True).replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">")
    assert says in text
    assert "Traceback" not in text


def test_no_warehouse_is_a_503_with_instructions(client, tmp_path):
    from dashboard import data

    old = data.warehouse().path
    data.configure(tmp_path / "missing.duckdb")
    try:
        r = client.get("/export/chart/ov-map.png")
        assert r.status_code == 503 and "python -m etl update" in r.get_data(as_text=True)
    finally:
        data.configure(old)


# ------------------------------------------------------------------------------------------------- tables


def csv_parts(body: bytes) -> tuple[list[str], list[dict[str, str]]]:
    lines = body.decode("utf-8").splitlines()
    head = [ln[2:] for ln in lines if ln.startswith("# ")]
    rows = list(csv.DictReader([ln for ln in lines if not ln.startswith("# ")]))
    return head, rows


def test_chart_data_csv_has_attribution_and_warehouse_values(client):
    r = client.get("/export/table/co-deaths.csv?iso3=XXA")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert 'filename="r2p-co-deaths-' in r.headers["Content-Disposition"]
    head, rows = csv_parts(r.data)
    assert head[0].startswith("R2P atrocity-risk dashboard: Avalonia")
    assert "Selection: /country/XXA" in head
    assert any(h.startswith("Generated: ") for h in head)
    assert any(h.startswith("Source: Test UCDP (Test publisher), 1.0, accessed 2026-01-01. Licence: CC BY 4.0")
               for h in head)
    assert not any(h.startswith("NON-COMMERCIAL") for h in head)
    by_year = {int(float(r["year"])): r for r in rows}
    assert float(by_year[2021]["one-sided"]) == value("XXA", 2021, "ucdp_onesided_deaths")
    assert float(by_year[2020]["one-sided"]) == value("XXA", 2020, "ucdp_onesided_deaths")
    assert float(by_year[2021]["one-sided (low)"]) == value("XXA", 2021, "ucdp_onesided_deaths_low")
    assert float(by_year[2021]["one-sided (high)"]) == value("XXA", 2021, "ucdp_onesided_deaths_high")
    assert float(by_year[2021]["state-based"]) == value("XXA", 2021, "ucdp_state_based_deaths")


def test_non_commercial_source_is_flagged_in_csv_and_xlsx(client):
    from openpyxl import load_workbook

    head, rows = csv_parts(client.get("/export/table/co-pts.csv?iso3=XXA").data)
    flags = [h for h in head if h.startswith("NON-COMMERCIAL LICENCE")]
    assert flags and "Test PTS" in flags[0] and "CC BY-NC 4.0" in flags[0]
    assert [float(r[next(k for k in r if k != "year")]) for r in rows] == [value("XXA", 2021, "pts_amnesty")]
    r = client.get("/export/table/co-pts.xlsx?iso3=XXA")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    cells = [row[0] for row in ws.iter_rows(values_only=True) if row and row[0]]
    flag = next(c for c in cells if str(c).startswith("NON-COMMERCIAL LICENCE"))
    assert "Test PTS" in flag
    header_row = next(i for i, row in enumerate(ws.iter_rows(values_only=True), 1) if row[0] == "year")
    assert ws.cell(header_row + 1, 1).value == 2021 and ws.cell(header_row + 1, 2).value == 4.0


def test_map_table_equals_the_map_values(client):
    head, rows = csv_parts(client.get("/export/table/ov-map.csv?indicator=ucdp_onesided_deaths&year=2021").data)
    got = {r["iso3"]: float(r["value"]) for r in rows}
    want = {i: v for i, y, ind, v in VALUES if y == 2021 and ind == "ucdp_onesided_deaths"}
    assert got == want
    assert head[1] == "Selection: /?indicator=ucdp_onesided_deaths&year=2021"


def test_key_figures_and_sources_tables(client):
    _, rows = csv_parts(client.get("/export/table/co-key-figures.csv?iso3=XXA").data)
    by_id = {r["indicator_id"]: r for r in rows}
    assert float(by_id["ucdp_onesided_deaths"]["value"]) == value("XXA", 2021, "ucdp_onesided_deaths")
    assert by_id["ucdp_onesided_deaths"]["year"] == "2021"
    assert float(by_id["unhcr_refugees_origin"]["value"]) == value("XXA", 2021, "unhcr_refugees_origin")
    head, rows = csv_parts(client.get("/export/table/sources.csv").data)
    assert {r["source_id"] for r in rows} >= {"test_ucdp", "test_pts", "r2p_monitor"}
    assert any(h.startswith("NON-COMMERCIAL LICENCE: Test PTS") for h in head)


# ------------------------------------------------------------------------------------------ chart images


def test_export_labels_without_rendering(client):
    """The exported figure carries source (dataset, version, access date), generation date, and on maps the UN
    disclaimer; the page's own figure is left untouched."""
    from dashboard.export import charts
    from dashboard.figures import UN_DISCLAIMER

    fig = charts.figure("co-deaths", {"iso3": "XXA"})
    before = fig.to_plotly_json()["layout"].get("annotations")
    out, width, height = charts.for_export(fig, "/country/XXA")
    text = " ".join(a["text"] for a in out.to_plotly_json()["layout"]["annotations"]).replace("<br>", " ")
    assert "Source: Test UCDP, 1.0 (retrieved 2026-01-01)" in text and "Generated " in text
    assert UN_DISCLAIMER not in text
    assert fig.to_plotly_json()["layout"].get("annotations") == before
    assert width == charts.EXPORT_WIDTH and height > fig.layout.height
    geo, _, _ = charts.for_export(charts.figure("co-event-map", {"iso3": "XXA"}))
    assert UN_DISCLAIMER in " ".join(a["text"] for a in geo.to_plotly_json()["layout"]["annotations"]).replace(
        "<br>", " ")


@needs_chromium
def test_png_is_2x_and_svg_parses(client):
    from PIL import Image

    from dashboard.export import charts

    r = client.get("/export/chart/co-deaths.png?iso3=XXA")
    assert r.status_code == 200 and r.mimetype == "image/png"
    _, _, height = charts.for_export(charts.figure("co-deaths", {"iso3": "XXA"}))
    assert Image.open(io.BytesIO(r.data)).size == (2 * charts.EXPORT_WIDTH, 2 * height)
    r = client.get("/export/chart/ov-map.svg?indicator=ucdp_onesided_deaths&year=2021")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    root = ET.fromstring(r.data)
    assert root.tag.endswith("svg")
    text = " ".join(t.strip() for t in root.itertext())
    assert "One-sided violence deaths, 2021" in text
    assert "Test UCDP, 1.0 (retrieved 2026-01-01)" in text
    assert "do not imply official endorsement or acceptance by the United Nations" in text
    r = client.get("/export/chart/co-event-map.pdf?iso3=XXA")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")


@needs_chromium
def test_concurrent_exports_queue_and_a_full_queue_says_busy(client, monkeypatch):
    from dashboard.export import render

    results: list[int] = []
    threads = [threading.Thread(target=lambda q=q: results.append(
        client.get(f"/export/chart/co-pts.png?iso3={q}").status_code)) for q in ("XXA", "XXB", "XXC")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(results) == [200, 200, 200]
    monkeypatch.setattr(render, "WAIT_SECONDS", 0.05)
    with render._QUEUE:  # another export holds the renderer
        r = client.get("/export/chart/co-pts.png?iso3=XXA")
    assert r.status_code == 503 and r.headers["Retry-After"] == "10"
    assert client.get("/export/chart/co-pts.png?iso3=XXA").status_code == 200


@needs_chromium
def test_pack_pdf_and_pptx_for_a_fictional_country(client):
    from pptx import Presentation
    from pypdf import PdfReader

    from dashboard.export import briefing

    r = client.get("/export/country/xxa.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(r.data))
    assert 2 <= len(reader.pages) <= 4
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Avalonia" in text and "Current Crisis" in text and "as of 2021-03-01" in text
    assert f"Page 1 of {len(reader.pages)}" in text and "Generated " in text
    assert "Test UCDP" in text and "CC BY-NC 4.0" in text and "NON-COMMERCIAL" in text
    r = client.get("/export/country/XXA.pptx")
    assert r.status_code == 200
    prs = Presentation(io.BytesIO(r.data))
    b = briefing.gather("XXA", {}, render_now=False)
    slides = list(prs.slides)
    assert len(slides) == 3 + len(b.charts)  # cover, summary, one per chart, International response (issue 17)
    assert all(any(s.shape_type == 13 for s in slide.shapes) for slide in slides[2:-1])  # 13 = picture
    last = " ".join(s.text_frame.text for s in slides[-1].shapes if s.has_text_frame)
    assert "International response — Avalonia" in last and "Nothing recorded in the loaded sources" in last


@needs_chromium
def test_pack_narrative_is_included_and_a_long_one_is_shortened_to_fit(client, tmp_path, monkeypatch):
    from pypdf import PdfReader

    monkeypatch.setenv("R2P_NARRATIVES", str(tmp_path))
    long_text = " ".join(f"Fictional analysis sentence number {i} about Avalonia." for i in range(900))
    (tmp_path / "XXA.md").write_text(
        "---\nauthor: Test Analyst\ndate: 2026-01-15\nsources: [\"Fictional report, 2026\"]\n---\n"
        "## Background\nAvalonia is a **fictional** test country ([notes](https://example.org/notes)).\n\n"
        f"## Analysis\n{long_text}\n\n## International Response\nNone recorded.\n\n"
        "## Necessary Action\nKeep testing.\n", encoding="utf-8")
    r = client.get("/export/country/XXA.pdf")
    assert r.status_code == 200
    reader = PdfReader(io.BytesIO(r.data))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert len(reader.pages) <= 4
    assert "By Test Analyst, 2026-01-15." in text
    assert "Avalonia is a fictional test country (notes (https://example.org/notes))." in text
    assert "shortened; full text on the country page" in text and "Keep testing." in text
    assert "Fictional analysis sentence number 899" not in text
