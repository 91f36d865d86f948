"""The briefing pack on the real warehouse (built from ../shared/data/raw): Sudan's pack says what the warehouse says.

Figures are read straight from the warehouse file with DuckDB (not through the dashboard's query layer) and must
appear in the PDF's text; so must the risk level, each risk factor's status and the sources with their licences.
Page 1 is rendered with pdftoppm and kept as tests/artifacts/briefing-pack-SDN-p1.png (and as the README image).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.shared
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOT = ROOT / "docs" / "screenshots" / "briefing-pack.png"
CARDS = ("ucdp_state_based_deaths", "ucdp_nonstate_deaths", "ucdp_onesided_deaths", "unhcr_refugees_origin",
         "unhcr_idps", "population")

if shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists():
    pytest.skip("no chromium for kaleido (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def pack(shared_warehouse):
    from dashboard.server import create_app

    client = create_app(shared_warehouse).server.test_client()
    r = client.get("/export/country/SDN.pdf?from=2020&to=2024")
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return r.data, client, shared_warehouse


def pdf_text(body: bytes) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    return len(reader.pages), " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def test_pack_figures_equal_the_warehouse(pack):
    body, _, db = pack
    pages, text = pdf_text(body)
    assert 2 <= pages <= 4
    assert "Sudan" in text and f"Page {pages} of {pages}" in text and "Generated " in text
    assert "International response" in text and "Sudan (Darfur) sanctions regime — active (2005–)" in text
    con = duckdb.connect(str(db), read_only=True)
    try:
        for ind in CARDS:
            year, value = con.execute("SELECT year, value FROM indicator_values WHERE iso3 = 'SDN' AND indicator_id "
                                      "= ? AND value IS NOT NULL ORDER BY year DESC LIMIT 1", [ind]).fetchone()
            assert f"{value:,.0f}" in text, (ind, year, value)
        level, as_of = con.execute("SELECT risk_level, as_of FROM r2p_risk_levels WHERE iso3 = 'SDN' AND "
                                   "list_id = 'gcr2p' ORDER BY as_of DESC, row_number DESC "
                                   "LIMIT 1").fetchone()
        assert f"{level} R2P Monitor (Global Centre for R2P): listed {as_of}, " in text  # with its age
        for title, version, licence in con.execute(
                "SELECT title, max(version), any_value(licence) FROM sources WHERE source_id IN "
                "('ucdp_organized_violence', 'unhcr_population', 'pts') GROUP BY title").fetchall():
            assert title in text and version in text and licence.split(" (")[0] in text
        assert "PTS-2025 (years 1976–2024)" in text
    finally:
        con.close()
    assert "[NON-COMMERCIAL licence]" in text  # PTS is CC BY-NC


def test_pack_shows_each_risk_factor_status(pack):
    from dashboard import risk

    _, text = pdf_text(pack[0])
    board = risk.board("SDN")
    assert board.height == 14
    for r in board.iter_rows(named=True):
        assert f"{r['factor']}. {' '.join(r['name'].split())} {r['status']}" in text, r["factor"]


def test_pack_page_renders_and_is_kept_as_an_artifact(pack, tmp_path):
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm missing (apt-get install -y poppler-utils)")
    src = tmp_path / "pack.pdf"
    src.write_bytes(pack[0])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / "briefing-pack-SDN-p1"
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", str(src), str(out)],
                   check=True, timeout=60)
    image = Image.open(out.with_suffix(".png"))
    assert abs(image.size[0] - 210 / 25.4 * 110) < 2 and abs(image.size[1] - 297 / 25.4 * 110) < 2  # A4, 110 dpi
    assert len(image.convert("L").resize((50, 70)).getcolors(256)) > 10  # text and colour, not a blank page
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out.with_suffix(".png"), SCREENSHOT)


def test_slides_have_one_slide_per_chart(pack):
    from pptx import Presentation

    from dashboard.export import briefing

    r = pack[1].get("/export/country/SDN.pptx")
    assert r.status_code == 200
    slides = list(Presentation(io.BytesIO(r.data)).slides)
    n_charts = len(briefing.gather("SDN", {}, render_now=False).charts)
    assert n_charts >= 5 and len(slides) == 3 + n_charts  # cover, summary, one per chart, International response
    # chart slides: the picture alone (its image carries title and source), described in its alt text
    assert all(not any(sh.has_text_frame for sh in s.shapes) for s in slides[2:-1])
    alts = [sh._element.nvPicPr.cNvPr.get("descr") for s in slides[2:-1] for sh in s.shapes if sh.shape_type == 13]
    assert any(a.startswith("Sudan: deaths by type of violence. ") for a in alts)
    assert not any(a in ("", "image.png") for a in alts) and all("Source: " in a for a in alts)
    last = " ".join(sh.text_frame.text for sh in slides[-1].shapes if sh.has_text_frame)
    assert "International response — Sudan" in last and "AU — suspended" in last and "(UNAMID) — closed" in last


def test_world_map_png_is_2x(pack):
    from PIL import Image

    from dashboard.export import charts

    r = pack[1].get("/export/chart/ov-map.png?indicator=ucdp_onesided_deaths")
    assert r.status_code == 200
    _, width, height = charts.for_export(charts.figure("ov-map", {"indicator": "ucdp_onesided_deaths"}))
    assert Image.open(io.BytesIO(r.data)).size == (2 * width, 2 * height)
