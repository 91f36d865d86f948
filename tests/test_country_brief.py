"""The country view-model (dashboard/viewmodels/country.py) on the real warehouse: every figure of the brief checked
against the warehouse rows read directly with DuckDB; the one palette checked for contrast and colour blindness."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess

import pytest

from tests.conftest import query

pytestmark = pytest.mark.shared
TODAY = dt.date(2026, 12, 5)


@pytest.fixture(scope="module")
def sdn(shared_warehouse):
    from dashboard import data
    from dashboard.viewmodels import country as vm

    data.configure(shared_warehouse)
    return vm.brief("SDN", TODAY), shared_warehouse


def test_level_date_and_age_from_the_latest_listing(sdn):
    b, db = sdn
    (as_of, level), = query(db, "SELECT as_of, risk_level FROM r2p_risk_levels WHERE iso3 = 'SDN' "
                                "AND coalesce(list_id, 'gcr2p') = 'gcr2p' ORDER BY as_of DESC, row_number DESC LIMIT 1")
    assert (b.level.as_of, b.level.risk_level) == (as_of, level)
    months = (TODAY.year - as_of.year) * 12 + TODAY.month - as_of.month
    assert b.level.age_text.startswith(f"listed {as_of}, ")
    assert f"{months // 12} years" in b.level.age_text or f"{months} months" in b.level.age_text
    newest = query(db, "SELECT max(as_of) FROM r2p_risk_levels")[0][0]
    assert (str(newest) in b.level.later_text) == (newest > as_of)


def test_ewp_rank_of_n(sdn):
    b, db = sdn
    edition, rank = query(db, "SELECT edition, rank FROM ewp_forecasts WHERE iso3 = 'SDN' AND onset_risk_2yr IS NOT "
                              "NULL ORDER BY edition DESC LIMIT 1")[0]
    n = query(db, "SELECT count(*) FROM ewp_forecasts WHERE edition = ? AND onset_risk_2yr IS NOT NULL",
              [edition])[0][0]
    assert (b.forecast.rank, b.forecast.of_n) == (rank, n)
    assert f"rank {rank} of {n}" in b.forecast.sentence


def test_key_figures_change_against_the_previous_year(sdn):
    b, db = sdn
    rows = dict(query(db, "SELECT year, value FROM indicator_values WHERE iso3 = 'SDN' "
                          "AND indicator_id = 'ucdp_onesided_deaths'"))
    fig = next(f for f in b.key_figures if f.indicator_id == "ucdp_onesided_deaths")
    year = max(rows)
    assert (fig.year, fig.value, fig.previous) == (year, float(rows[year]), float(rows[year - 1]))
    pct = (rows[year] - rows[year - 1]) / rows[year - 1] * 100
    assert fig.change_text.startswith("+" if pct > 0 else "−")
    assert fig.direction == ("worse" if rows[year] > rows[year - 1] else "better")


def test_part_year_is_labelled_and_not_compared(sdn):
    b, db = sdn
    last = query(db, "SELECT max(event_date) FROM events WHERE iso3 = 'SDN'")[0][0]
    civ = next(f for f in b.key_figures if f.indicator_id == "ged_civilian_deaths")
    total = query(db, "SELECT sum(deaths_civilians) FROM event_country_year WHERE iso3 = 'SDN' AND year = ?",
                  [civ.year])[0][0]
    assert civ.value == float(total)
    if (last.month, last.day) != (12, 31) and last.year == civ.year:
        assert civ.part_year and civ.period.startswith(f"{last.year} to date, Jan–")
        assert civ.previous is None and civ.change_text == "" and civ.direction == ""


def test_elevated_factors_read_as_sentences(sdn):
    b, db = sdn
    want = [f for (f,) in query(db, "SELECT factor FROM risk_factor_status WHERE iso3 = 'SDN' AND status = "
                                    "'elevated' ORDER BY factor")]
    assert [e.factor for e in b.elevated] == want
    for e in b.elevated:
        assert "≥" not in e.sentence and "log2" not in e.sentence and "_" not in e.sentence
        assert e.rule  # the rule stays available (tooltip / details)


def test_key_figures_are_data_and_name_catalog_ids():
    """Issue 20 item 4: the key figures are one tuple of specs; each id is a data.py constant or the GED sum."""
    from dashboard import data
    from dashboard.viewmodels import country as vm

    known = {*data.DEATH_INDICATORS.values(), *data.PTS_INDICATORS, *data.DISPLACEMENT_INDICATORS, data.POPULATION,
             vm.GED_CIVILIANS}
    assert {s.indicator_id for s in vm.KEY_FIGURES} <= known


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_risk_palette_meets_wcag_aa():
    from dashboard.figures import RISK_COLOURS, RISK_TEXT

    for level, colour in RISK_COLOURS.items():
        hi, lo = sorted((_luminance(colour), _luminance(RISK_TEXT)), reverse=True)
        assert (hi + 0.05) / (lo + 0.05) >= 4.5, level


def test_violence_colours_stay_apart_under_deuteranopia():
    """Machado et al. (2009) deuteranopia matrix on linear RGB: every pair of violence colours stays distinct."""
    import itertools

    import numpy as np

    from dashboard.figures import VIOLENCE_COLOURS, VIOLENCE_SYMBOLS

    m = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]])

    def sim(hex_colour: str) -> np.ndarray:
        rgb = np.array([int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)])
        return np.clip(m @ rgb ** 2.2, 0, 1) ** (1 / 2.2)

    for a, b in itertools.combinations(VIOLENCE_COLOURS.values(), 2):
        assert np.abs(sim(a) - sim(b)).sum() > 0.35, (a, b)
    assert len(set(VIOLENCE_SYMBOLS.values())) == 3


def test_analyst_text_only_with_the_flag(sdn, monkeypatch):
    from dashboard import board

    def text(node) -> str:
        if isinstance(node, str):
            return node
        if isinstance(node, list | tuple):
            return " ".join(text(c) for c in node)
        return text(getattr(node, "children", None) or "")

    monkeypatch.delenv("R2P_ANALYST", raising=False)
    assert "data/curated/evidence" not in text(board.risk_factor_board("SDN").children)
    monkeypatch.setenv("R2P_ANALYST", "1")
    assert "data/curated/evidence/SDN.yaml" in text(board.risk_factor_board("SDN").children)


def test_pptx_summary_slide_and_pdf_render_inside_margins(sdn, tmp_path):
    """The PPTX summary slide says what the brief says; every PDF page, rendered with pdftoppm, keeps a blank
    margin (nothing clipped at an edge) and the chart PDF keeps its 'Generated' line."""
    from PIL import Image
    from pptx import Presentation

    from dashboard.server import create_app

    b, db = sdn
    client = create_app(db).server.test_client()
    r = client.get("/export/country/SDN.pptx")
    assert r.status_code == 200
    assert re.search(r'filename="r2p-briefing-SDN-sudan-\d{4}-\d{2}-\d{2}\.pptx"', r.headers["Content-Disposition"])
    summary = Presentation(io.BytesIO(r.data)).slides[1]
    text = " ".join(sh.text_frame.text for sh in summary.shapes if sh.has_text_frame)
    assert b.level.risk_level in text and b.level.age_text in text
    for f in b.key_figures:
        assert f"{f.label}: {f.text}" in text
    for e in b.elevated:
        assert e.sentence in text
    r = client.get("/export/country/SDN.pdf")
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(r.data)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert pages
    for page in pages:
        img = Image.open(page).convert("L")
        w, h = img.size
        edge = int(w * 8 / 210)  # 8 mm of an A4 page
        for box in ((0, 0, w, edge), (0, h - edge // 2, w, h), (0, 0, edge, h), (w - edge, 0, w, h)):
            assert img.crop(box).getextrema()[0] > 240, (page.name, box)
    r = client.get("/export/chart/co-deaths.pdf?iso3=SDN")
    assert r.status_code == 200 and "-SDN-" in r.headers["Content-Disposition"]
    chart = tmp_path / "chart.pdf"
    chart.write_bytes(r.data)
    out = subprocess.run(["pdftotext", str(chart), "-"], capture_output=True, text=True, check=True).stdout
    assert "Generated " in out and "retrieved " in out
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(chart), str(tmp_path / "c")], check=True)
    img = Image.open(sorted(tmp_path.glob("c-*.png"))[0]).convert("L")
    assert img.crop((0, img.size[1] - 3, img.size[0], img.size[1])).getextrema()[0] > 240  # bottom row blank
