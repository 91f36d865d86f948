"""The risk-factor board, factor-status filters, risk-level lists and Pillar I panel read exactly what the ETL
derived: checked against warehouse rows (real data from ../shared) and against the cited CSV rows themselves."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.conftest import SHARED
from tests.test_risk_factors import layout  # noqa: F401  (fixture: a --from/curated layout of fixtures)

ROOT = Path(__file__).resolve().parents[1]
CURATED = SHARED / "data" / "curated"  # the cited table, read in place


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def real(shared_warehouse: Path):
    from dashboard.server import create_app

    create_app(shared_warehouse)
    return shared_warehouse


def test_board_is_the_warehouse_status_for_all_14_factors(real):
    from dashboard import risk

    board = risk.board("MMR")
    want = dict(rows(real, "SELECT factor, status FROM risk_factor_status WHERE iso3 = 'MMR'"))
    assert board.height == 14 and dict(zip(board["factor"], board["status"], strict=True)) == want
    assert want[2] == "elevated" and want[11] == "elevated"
    assert set(board.filter(pl.col("factor").is_in([4, 5, 10, 12, 14]))["status"]) == {"evidence only"}
    # every proxy shown under factor 2 is a PTS / UCDP / EWP / V-Dem row of the warehouse, value for value
    px = risk.proxies("MMR").filter(pl.col("factor") == 2)
    for r in px.iter_rows(named=True):
        assert rows(real, "SELECT value FROM indicator_values WHERE iso3 = 'MMR' AND indicator_id = ? AND year = ?",
                    [r["indicator_id"], r["year"]]) == [(r["value"],)]
    assert "pts_state_dept" in px["indicator_id"].to_list()


def test_country_page_renders_the_board_and_pillar_one(real):
    from dashboard.pages import country

    text = str(country.layout(iso3="PHL"))
    assert text.count("factor-row") == 14
    with open(SHARED / "data" / "curated" / "rome-statute-parties.csv", encoding="utf-8") as fh:
        withdrawal = [r for r in csv.DictReader(fh) if r["iso3"] == "PHL" and r["event"] == "withdrawal"]
    assert len(withdrawal) == 1
    assert f"withdrawal effective {withdrawal[0]['date']}" in text  # factor 6 line
    assert "Td(children='withdrawn', data-commitment='rome_statute')" in text


def test_factor_status_map_shows_exactly_the_matching_countries(real):
    from dashboard.pages import overview

    elevated = {r[0] for r in rows(real, "SELECT iso3 FROM risk_factor_status JOIN countries USING (iso3) "
                                         "WHERE factor = 9 AND status = 'elevated'")}
    assert elevated
    fig, _legend, _tbl, qs = overview.build(overview.FACTOR_MODE, None, "", "", 9, ["elevated"])
    drawn = {loc for t in fig.data for loc in t.locations}
    assert drawn == elevated and "factor=9" in qs and "status=elevated" in qs
    africa = {r[0] for r in rows(real, "SELECT iso3 FROM risk_factor_status JOIN m49_regions USING (iso3) "
                                       "WHERE factor = 9 AND status = 'elevated' AND m49_region = 'Africa'")}
    fig, *_ = overview.build(overview.FACTOR_MODE, None, "Africa", "", 9, ["elevated"])
    assert {loc for t in fig.data for loc in t.locations} == africa
    # an indicator map narrowed to countries elevated on factor 2
    year = rows(real, "SELECT max(year) FROM indicator_values WHERE indicator_id = 'pts_amnesty'")[0][0]
    want = {r[0] for r in rows(real, "SELECT v.iso3 FROM indicator_values v JOIN risk_factor_status s USING (iso3) "
                                     "JOIN countries USING (iso3) WHERE v.indicator_id = 'pts_amnesty' AND v.year = ? "
                                     "AND s.factor = 2 AND s.status = 'elevated'", [year])}
    fig, *_ = overview.build("pts_amnesty", year, "", "", 2, ["elevated"])
    assert {loc for t in fig.data for loc in t.locations} == want


def test_explorer_filters_countries_by_factor_status(real):
    from dashboard.pages import explore

    wide = explore.filtered("", "", ["pts_amnesty"], 2018, 2023, [], 2, ["elevated"])
    want = rows(real, "SELECT v.iso3, v.year, v.value FROM indicator_values v JOIN risk_factor_status s USING (iso3) "
                      "JOIN countries USING (iso3) WHERE v.indicator_id = 'pts_amnesty' AND v.year BETWEEN 2018 "
                      "AND 2023 AND s.factor = 2 AND s.status = 'elevated' ORDER BY 1, 2")
    got = wide.select("iso3", "year", "pts_amnesty").drop_nulls("pts_amnesty").sort("iso3", "year").rows()
    assert got == want and len(got) > 50


def test_level_changes_follow_the_cited_rows(real):
    """The timeline's change points, recomputed from ../shared/data/curated/r2p-monitor-risk-levels.csv by hand."""
    from dashboard import figures, risk

    listings: dict[str, list[tuple[str, str]]] = {}
    with open(CURATED / "r2p-monitor-risk-levels.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            for iso3 in filter(None, (c.strip() for c in r["iso3_list"].split(";"))):  # a row naming no country
                listings.setdefault(iso3, []).append((r["as_of"], r["risk_level"]))  # is rejected by the ETL
    checked = 0
    for iso3, items in listings.items():
        items.sort()
        want, prev = [], None
        for as_of, level in items:
            if level != prev:
                want.append((as_of, level))
            prev = level
        got = risk.level_changes(iso3)
        assert [(str(d), lvl) for d, lvl in got.select("as_of", "risk_level").rows()] == want, iso3
        checked += 1
    assert checked >= 15
    hist = risk.level_changes("AFG")
    assert hist["previous"].to_list()[0] is None
    df = pl.DataFrame({"list": ["R2P Monitor"] * 2, "as_of": [dt.date(2022, 3, 1), dt.date(2023, 2, 28)],
                       "risk_level": ["Imminent Risk", "Current Crisis"]})
    fig = figures.risk_timeline(df, "t", "s", "src", "d")
    assert list(fig.data[0].y) == [1.0, 2.0] and fig.data[0].line.shape == "hv"


def test_watchlist_evidence_and_narrative_staleness(layout, tmp_path, monkeypatch):  # noqa: F811
    from dashboard import risk
    from dashboard.pages import country, overview
    from dashboard.server import create_app
    from etl.runner import update

    db = tmp_path / "w.duckdb"
    report = update(db=db, from_dir=layout / "raw", quiet=True, curated_dir=layout / "curated")
    assert report.published, report.error
    narratives = tmp_path / "narratives"
    narratives.mkdir()
    (narratives / "MMR.md").write_text("---\nauthor: Test Analyst\ndate: 2021-05-01\nsources: [https://example.org]\n"
                                       "---\n## Background\nSynthetic test text.\n", encoding="utf-8")
    monkeypatch.setenv("R2P_NARRATIVES", str(narratives))
    create_app(db)
    assert risk.lists() == ["gcr2p", "acme-watch"]
    # the map coloured by the watchlist: each country's latest listing up to 2024 (MMR's of 2024-07-01; SDN's of
    # 2023 still the latest one), and only MMR's as of 2023
    fig, *_ = overview.build(overview.data.RISK_LEVEL_MODE, 2024, "", "", None, [], "acme-watch")
    levels = {t.name: list(t.locations) for t in fig.data}
    assert levels == {"Current Crisis": ["MMR"], "Serious Concern": ["SDN"]}
    fig, *_ = overview.build(overview.data.RISK_LEVEL_MODE, 2023, "", "", None, [], "acme-watch")
    assert {t.name: list(t.locations) for t in fig.data} == {"Serious Concern": ["SDN"]}
    text = str(country.layout(iso3="MMR"))
    n_items, n_stale = rows(db, "SELECT count(*), count(*) FILTER (WHERE stale) FROM evidence WHERE iso3 = 'MMR'")[0]
    assert text.count("evidence-item") == n_items and n_items >= 1
    assert text.count("data-stale='true'") == n_stale >= 1
    assert "Watchlist: acme-watch" in text
    assert "co-narrative-stale" in text and "newer data exists: pts_amnesty 2023" in text
