"""International response sources: bad rows become named rejects (fixtures in the official layouts), real cases
match the source rows (../shared), and the Security Council topic → country table is checked on the real pages."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest

from etl.sources.geo_pko import SOURCE as GEO_PKO
from etl.sources.response_curated import SOURCE as CURATED
from etl.sources.unsc_meetings import OUTCOME_RE, parse_page, topic_countries
from etl.sources.unsc_meetings import SOURCE as MEETINGS
from etl.sources.unsc_vetoes import SOURCE as VETOES
from tests.conftest import FIXTURES, SHARED, query

RESPONSE = SHARED / "data" / "curated" / "response"


def _reasons(result) -> dict[int, str]:
    return {r["row_number"]: r["reason"] for r in result.rejects.to_dicts()}


def _accounted(result) -> None:
    assert result.rows_read == result.loaded() + result.rows_rejected + result.rows_duplicate + result.rows_excluded


# ------------------------------------------------------------------------------------------------ fixtures


def test_icc_bad_iso3_bad_date_unknown_stage(ctx):
    result = CURATED.read_file(FIXTURES / "response" / "icc-situations.csv", ctx)
    _accounted(result)
    reasons = _reasons(result)
    assert set(reasons) == {3, 4, 5}
    assert "'XXA'" in reasons[3]
    assert "'2013-31-01' is not a date" in reasons[4] or "stage_date" in reasons[4]
    assert "unknown ICC stage 'trial'" in reasons[5]
    rows = {r["iso3"]: r for r in result.tables["response_measures"].to_dicts()}
    assert set(rows) == {"UGA", "HND"}
    assert (rows["UGA"]["status"], rows["UGA"]["start"], rows["UGA"]["sphere"]) == ("investigation", "2004-07-29",
                                                                                    "multilateral")
    # a closed situation ends on its closing date
    assert (rows["HND"]["status"], rows["HND"]["end"], rows["HND"]["end_year"]) == ("closed", "2015-10-28", 2015)


def test_sanctions_thematic_excluded_bad_year_rejected(ctx):
    result = CURATED.read_file(FIXTURES / "response" / "unsc-sanctions-regimes.csv", ctx)
    _accounted(result)
    assert result.rows_excluded == 1  # ISIL/Al-Qaida: real, but about no country page
    assert "'20x0' is not a date" in _reasons(result)[5]
    rows = {r["iso3"]: r for r in result.tables["response_measures"].to_dicts()}
    assert (rows["SDN"]["status"], rows["SDN"]["end_year"]) == ("active", None)
    assert (rows["LBR"]["status"], rows["LBR"]["end_year"]) == ("terminated", 2016)
    assert rows["LBR"]["body"] == "UN Security Council — Committee 1521"


def test_peace_operation_without_host_or_start_and_unknown_kind(ctx):
    result = CURATED.read_file(FIXTURES / "response" / "un-peace-operations.csv", ctx)
    _accounted(result)
    reasons = _reasons(result)
    assert "'host_iso3': empty" in reasons[3]  # UNPF: a mission without a host
    assert "start_date" in reasons[4]  # UNSCOB: no start date
    assert "unknown operation kind 'observer_mission'" in reasons[5]
    (row,) = result.tables["response_measures"].to_dicts()
    assert (row["iso3"], row["status"], row["start"], row["end"]) == ("SDN", "closed", "2007-07-31", "2020-12-31")
    assert row["detail"] == "protection-of-civilians mandate: not stated in the sources read"


def test_hrc_and_regional_rejects(ctx):
    hrc = CURATED.read_file(FIXTURES / "response" / "hrc-country-mechanisms.csv", ctx)
    _accounted(hrc)
    assert "unknown mechanism kind 'tribunal'" in _reasons(hrc)[3]
    assert "source_url" in _reasons(hrc)[4]
    reg = CURATED.read_file(FIXTURES / "response" / "regional-organisations.csv", ctx)
    _accounted(reg)
    assert "unknown membership status 'non-participating'" in _reasons(reg)[4]
    assert "'ZZZ'" in _reasons(reg)[5]
    statuses = {(r["body"], r["status"]) for r in reg.tables["response_measures"].to_dicts()}
    assert statuses == {("AU", "suspended"), ("IGAD", "member")}


def test_meetings_page_fixture(ctx):
    result = MEETINGS.read_file(FIXTURES / "unsc-dhl-meetings" / "scact2005_table_en.html", ctx)
    _accounted(result)
    assert result.rows_read == 3  # three outcomes; the meeting without one is not an outcome
    reasons = [r["reason"] for r in result.rejects.to_dicts()]
    assert any("topic names no country: 'Children and armed conflict'" in r for r in reasons)
    assert any("'32 Marchember' is not a day and month of 2005" in r for r in reasons)
    (row,) = result.tables["security_council_outcomes"].to_dicts()
    assert (row["symbol"], row["date"], row["iso3_list"], row["vote"], row["kind"]) == (
        "S/RES/1591 (2005)", dt.date(2005, 3, 29), ["SDN"], "12-0-3", "resolution")


def test_vetoes_fixture(ctx):
    result = VETOES.read_file(FIXTURES / "unsc-vetoes" / "vetoes.csv", ctx)
    _accounted(result)
    reasons = _reasons(result)
    assert "'2/30/1946' is not a date" in reasons[3]
    assert "crisis topic names no country: 'Admission'" in reasons[4]
    (row,) = result.tables["security_council_vetoes"].to_dicts()
    assert (row["iso3"], row["vetoed_by"], row["date"]) == ("SYR", "Russia, China", dt.date(2020, 7, 10))


def test_geo_pko_fixture(ctx):
    result = GEO_PKO.read_file(FIXTURES / "geo-pko" / "FrontMap_v.2.3.csv", ctx)
    _accounted(result)
    reasons = _reasons(result)
    assert "UNMEE locations on both sides" in reasons[4] and "'Atlantis'" in reasons[5]
    assert "'xx' is not a number" in reasons[6]
    rows = result.tables["pko_deployments"].to_dicts()
    assert [(r["iso3"], r["year"], r["troops"]) for r in rows] == [("SDN", 2008, 500), ("SDN", 2009, None)]


def test_bad_files_never_stop_the_update(tmp_path):
    """Every new fixture folder (with its bad rows) in one update: all sources ok, the warehouse published."""
    from etl.runner import update

    raw = tmp_path / "raw"
    for name in ("response", "unsc-dhl-meetings", "unsc-vetoes", "geo-pko", "un-nonun-peacekeeping",
                 "cr-unsc-crosswalk", "un-peace-operations-psdh"):
        shutil.copytree(FIXTURES / name, raw / name)
    db = tmp_path / "w.duckdb"
    report = update(db=db, from_dir=raw, quiet=True,
                    only=["response_curated", "unsc_meetings", "unsc_vetoes", "geo_pko", "un_nonun_peacekeeping",
                          "cr_unsc", "psdh_missions"])
    assert report.published
    status = {r.source.id: r.status for r in report.runs}
    mine = ("response_curated", "unsc_meetings", "unsc_vetoes", "geo_pko", "un_nonun_peacekeeping", "cr_unsc",
            "psdh_missions")
    assert {status[s] for s in mine} == {"ok"}
    n_rejects = query(db, "SELECT count(*) FROM rejects WHERE source_id IN (?, ?, ?, ?, ?, ?, ?)", list(mine))[0][0]
    assert n_rejects == 3 + 1 + 3 + 2 + 2 + 2 + 2 + 3 + 3 + 2 + 3  # icc, sanctions, pko, hrc, regional, meetings,
    # vetoes, geo-pko, non-UN peacekeeping, CR-UNSC, PSDH
    files = {r[0] for r in query(db, "SELECT file_name FROM sources WHERE source_id = 'response_curated'")}
    assert len(files) == 5


# ------------------------------------------------------------------------------------------------ real data


def _csv(name: str) -> list[dict]:
    path = RESPONSE / name
    if not path.exists():
        pytest.skip(f"curated response tables not available: {path}")
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def wh(shared_warehouse) -> Path:
    return shared_warehouse


def _measures(db: Path, iso3: str, kind: str) -> list[tuple]:
    return query(db, 'SELECT name, status, start, "end", source_url, as_of FROM response_measures '
                     "WHERE iso3 = ? AND kind = ? ORDER BY name", [iso3, kind])


def test_real_closed_operation_unamid_and_minusma(wh):
    src = {r["mission_acronym"]: r for r in _csv("un-peace-operations.csv")}
    for acronym, iso3 in (("UNAMID", "SDN"), ("MINUSMA", "MLI")):
        row = src[acronym]
        got = [m for m in _measures(wh, iso3, "UN peace operation") if f"({acronym})" in m[0]]
        assert got == [(f"{row['mission_name']} ({acronym})", "closed", row["start_date"], row["end_date"],
                        row["source_url"], row["as_of"])]
    # MINUSMA: the curated table follows UN media (mandate ended 30 June 2023), not the 2024 PSDH 'active' flag
    assert src["MINUSMA"]["end_date"] == "2023-06-30"


def test_real_terminated_sanctions_regime_liberia(wh):
    src = [r for r in _csv("unsc-sanctions-regimes.csv") if r["iso3"] == "LBR"]
    got = _measures(wh, "LBR", "UN sanctions regime")
    assert len(got) == len(src) == 2
    expected = sorted((r["regime"], "terminated", r["start_year"], r["end_year"]) for r in src)
    assert sorted(g[:4] for g in got) == expected


def test_real_country_with_different_regional_statuses_sudan(wh):
    src = {(r["org"], r["status"]) for r in _csv("regional-organisations.csv") if r["iso3"] == "SDN"}
    got = {(b, s) for b, s in query(wh, "SELECT body, status FROM response_measures WHERE iso3 = 'SDN' "
                                        "AND sphere = 'regional' AND source_id = 'response_curated'")}
    assert got == src
    assert ("AU", "suspended") in got and ("IGAD", "member") in got  # two organisations, two statuses


def test_real_icc_and_hrc_sudan(wh):
    icc = [r for r in _csv("icc-situations.csv") if r["iso3"] == "SDN"]
    got = _measures(wh, "SDN", "ICC situation")
    assert [(g[0], g[1], g[2]) for g in got] == [(r["situation"], r["stage"].replace("_", " "), r["stage_date"])
                                                 for r in icc]
    hrc = {r["mechanism"] for r in _csv("hrc-country-mechanisms.csv") if r["iso3"] == "SDN"}
    assert {g[0] for g in _measures(wh, "SDN", "HRC mechanism")} == hrc


def test_real_every_curated_row_loaded_or_rejected(wh):
    for name in ("icc-situations.csv", "unsc-sanctions-regimes.csv", "un-peace-operations.csv",
                 "hrc-country-mechanisms.csv", "regional-organisations.csv"):
        rows = _csv(name)
        read, loaded, rejected, excluded = query(
            wh, "SELECT rows_read, rows_loaded, rows_rejected, rows_excluded FROM sources WHERE file_name = ?",
            [name])[0]
        assert read == len(rows) == loaded + rejected + excluded


def test_topic_mapping_on_the_real_pages(wh):
    """Share of Security Council outcomes placed on a country, and every unplaced one listed in rejects."""
    folder = SHARED / "data" / "raw" / "unsc-dhl-meetings" / "raw_html"
    pages = sorted(folder.glob("scact[12]*_table_en.html"))
    assert len(pages) >= 70
    read = sum(r[0] for r in query(wh, "SELECT rows_read FROM sources WHERE source_id = 'unsc_meetings'"))
    mapped = query(wh, "SELECT count(*) FROM security_council_outcomes")[0][0]
    unmapped = query(wh, "SELECT count(*) FROM rejects WHERE source_id = 'unsc_meetings' "
                         "AND reason LIKE 'topic names no country%'")[0][0]
    other = query(wh, "SELECT count(*) FROM rejects WHERE source_id = 'unsc_meetings' "
                      "AND reason NOT LIKE 'topic names no country%'")[0][0]
    assert mapped + unmapped + other == read
    assert mapped / read >= 0.65, f"only {mapped}/{read} outcomes mapped to a country"
    assert other <= 10  # a handful of undated rows in the 1940s pages
    # the regional/thematic topics that are unmapped on purpose are listed with their topic
    middle_east = query(wh, "SELECT count(*) FROM rejects WHERE source_id = 'unsc_meetings' "
                            "AND reason LIKE '%''The situation in the Middle East''%'")[0][0]
    assert middle_east > 100
    # the 2021 page (extra webcast/letter columns): every outcome symbol on it is read
    year, rows = parse_page((folder / "scact2021_table_en.html").read_text(encoding="utf-8"))
    symbols = sum(len(OUTCOME_RE.findall(r["outcome"])) for r in rows)
    assert year == 2021 and symbols == query(wh, "SELECT rows_read FROM sources WHERE file_name = "
                                                 "'scact2021_table_en.html'")[0][0] > 50
    # real outcomes against the page rows
    sym = dict(query(wh, "SELECT symbol, iso3_list FROM security_council_outcomes WHERE symbol IN "
                         "('S/RES/1591 (2005)', 'S/RES/2046 (2012)', 'S/RES/2126 (2013)', 'S/RES/1973 (2011)')"))
    assert sym["S/RES/2046 (2012)"] == sym["S/RES/1591 (2005)"] == ["SDN"]  # "...on the Sudan" (2005, 2012 pages)
    assert sym["S/RES/1973 (2011)"] == ["LBY"]
    assert set(sym["S/RES/2126 (2013)"]) == {"SDN", "SSD"}


def test_topic_patterns_do_not_confuse_neighbours():
    assert topic_countries("Reports of the Secretary-General on the Sudan and South Sudan") == ("SDN", "SSD")
    assert topic_countries("Guinea-Bissau") == ("GNB",)
    assert topic_countries("The situation concerning the Democratic Republic of the Congo") == ("COD",)
    assert topic_countries("The India-Pakistan question") == ("IND", "PAK")
    assert topic_countries("Children and armed conflict") == ()


def test_real_vetoes_and_deployments(wh):
    path = SHARED / "data" / "raw" / "unsc-vetoes" / "unsc_vetoes_1946_sept2022.csv"
    with path.open(encoding="utf-8") as fh:
        syria = [r for r in csv.DictReader(fh) if r["crisis_topic"] == "Syria"]
    got = query(wh, "SELECT count(*) FROM security_council_vetoes WHERE iso3 = 'SYR' AND situation = 'Syria'")[0][0]
    assert got == len(syria) == 17
    path = SHARED / "data" / "raw" / "geo-pko" / "FrontMap_v.2.3.csv"
    with path.open(encoding="utf-8") as fh:
        unamid = [r for r in csv.DictReader(fh) if r["mission"] == "UNAMID" and r["country"] == "Sudan"]
    got = query(wh, "SELECT count(*), min(year), max(year) FROM pko_deployments WHERE mission = 'UNAMID' "
                    "AND iso3 = 'SDN'")[0]
    assert got == (len(unamid), min(int(r["year"]) for r in unamid), max(int(r["year"]) for r in unamid))


def test_non_un_peacekeeping_fixture(ctx):
    from etl.sources.un_nonun_peacekeeping import SOURCE as NON_UN

    result = NON_UN.read_file(FIXTURES / "un-nonun-peacekeeping" / "UN_and_NonUN_Peacekeeping_v2-2019.csv", ctx)
    _accounted(result)
    assert result.rows_excluded == 1  # UNAMID (org 1): the UN peace-operations table is its record
    reasons = _reasons(result)
    assert "'2013-13-01' is not a date" in reasons[5] and "unknown gw '999'" in reasons[6]
    assert "'4.0' is not 1 (UN), 2 (regional) or 3 (coalition)" in reasons[7]
    rows = {r["name"]: r for r in result.tables["response_measures"].to_dicts()}
    assert (rows["AMIS"]["iso3"], rows["AMIS"]["sphere"], rows["AMIS"]["start"], rows["AMIS"]["end"],
            rows["AMIS"]["status"]) == ("SDN", "regional", "2004-06", "2004-07", "ended")
    assert (rows["AMISOM"]["status"], rows["AMISOM"]["end_year"]) == ("ongoing at dataset end (Dec 2016)", None)


def test_real_regional_operation_amis_in_sudan(wh):
    path = SHARED / "data" / "raw" / "un-nonun-peacekeeping" / "UN_and_NonUN_Peacekeeping_v2-2019.csv"
    with path.open(encoding="utf-8") as fh:
        months = sorted(r["date"] for r in csv.DictReader(fh) if r["mission"] == "AMIS" and r["ccode"] == "625")
    got = query(wh, 'SELECT sphere, start, "end", status FROM response_measures WHERE iso3 = \'SDN\' '
                    "AND source_id = 'un_nonun_peacekeeping' AND name = 'AMIS'")
    assert got == [("regional", months[0][:7], months[-1][:7], "ended")]


def test_cr_unsc_fixture(ctx):
    from etl.sources.cr_unsc import SOURCE as CR_UNSC

    result = CR_UNSC.read_file(FIXTURES / "cr-unsc-crosswalk" / "UNSC_Record-Table_2722.csv", ctx)
    _accounted(result)
    reasons = _reasons(result)
    assert "'x2' is not a resolution number" in reasons[3] and "not a UN Digital Library record" in reasons[4]
    rows = result.tables["unsc_resolution_records"].to_dicts()
    assert [(r["res_no"], r["kind"]) for r in rows] == [(1, "record"), (1591, "record")]


def test_psdh_missions_and_crosswalk_fixture(ctx):
    from etl.sources.psdh_missions import SOURCE as PSDH

    folder = FIXTURES / "un-peace-operations-psdh"
    results = [PSDH.read_file(folder / n, ctx) for n in ("DPPADPOSS-PKO.csv", "unpko_country_crosswalk.csv")]
    for r in results:
        _accounted(r)
    assert "is not a date" in _reasons(results[0])[4]  # UNSCOB: no start date
    walk = _reasons(results[1])
    assert "a mission without a host country" in walk[4] and "Yemen Arab Republic" in walk[5]
    missions = {r["mission_acronym"]: r for r in PSDH.combine(results, ctx)[0].tables["psdh_missions"].to_dicts()}
    assert (missions["MINUSMA"]["iso3"], missions["MINUSMA"]["is_active"]) == ("MLI", True)
    assert (missions["UNAMID"]["iso3"], missions["UNAMID"]["end_date"]) == ("SDN", dt.date(2020, 12, 31))


def test_real_sources_disagree_on_minusma_and_vtc_page_year(wh):
    """MINUSMA: the Data Hub's 2024 list says active, the cited table closed 2023-06-30 (curated README)."""
    got = query(wh, "SELECT p.is_active, r.status, r.\"end\" FROM psdh_missions p JOIN response_measures r ON "
                    "r.iso3 = p.iso3 AND r.name LIKE '%(MINUSMA)' WHERE p.mission_acronym = 'MINUSMA'")
    assert got == [(True, "closed", "2023-06-30")]
    # the library's 2020 VTC page is titled "... in 2021"; its symbols are of 2020, and so are the dates loaded
    assert query(wh, "SELECT date FROM security_council_outcomes WHERE symbol = 'S/RES/2541 (2020)'") == [
        (dt.date(2020, 8, 31),)]
    record = query(wh, "SELECT url FROM unsc_resolution_records WHERE res_no = 1591 AND kind = 'record'")
    path = SHARED / "data" / "raw" / "cr-unsc-crosswalk" / "UNSC_Record-Table_2722.csv"
    with path.open(encoding="utf-8") as fh:
        assert record == [(r["url_record"],) for r in csv.DictReader(fh) if r["res_no"] == "1591"]
