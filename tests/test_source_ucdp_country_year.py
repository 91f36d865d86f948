"""UCDP country-year sources: Organized Violence CY, BRD, ACD, One-sided, Non-state.

Fixture figures are synthetic (tests/fixtures/ucdp_*/README.md); integration tests compare with the raw rows of
../shared/data/raw read independently with the csv module.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from etl.readers import sniff
from etl.sources.ucdp_acd import SOURCE as ACD
from etl.sources.ucdp_brd import SOURCE as BRD
from etl.sources.ucdp_nonstate import SOURCE as NS
from etl.sources.ucdp_onesided import SOURCE as OS
from etl.sources.ucdp_organized_violence import SERIES
from etl.sources.ucdp_organized_violence import SOURCE as OV

FILES = {
    OV: ("ucdp_organized_violence", "ucdp-organizedviolence-cy", "organizedviolencecy_v25_1.csv"),
    BRD: ("ucdp_brd", "ucdp-brd", "BattleDeaths_v25_1.csv"),
    ACD: ("ucdp_acd", "ucdp-acd", "UcdpPrioConflict_v23_1.csv"),
    OS: ("ucdp_onesided", "ucdp-onesided", "OneSided_v23_1.csv"),
    NS: ("ucdp_nonstate", "ucdp-nonstate", "Nonstate_v23_1.csv"),
}


def fixture(fixtures: Path, source) -> Path:
    folder, _, name = FILES[source]
    return fixtures / folder / name


def values(result) -> dict[tuple[str, int, str], tuple[float, int | None]]:
    return {(r["iso3"], r["year"], r["indicator_id"]): (r["value"], r["row_number"])
            for r in result.tables["indicator_values"].iter_rows(named=True)}


def reasons(result) -> dict[int, str]:
    return {r["row_number"]: r["reason"] for r in result.rejects.iter_rows(named=True)}


def check_accounting(result) -> None:
    assert result.rows_read == result.loaded() + result.rows_rejected + result.rows_duplicate + result.rows_excluded
    iv = result.tables["indicator_values"]
    assert iv.select("iso3", "year", "indicator_id").is_duplicated().sum() == 0
    assert iv["file_name"].null_count() == 0


@pytest.mark.parametrize("source", list(FILES), ids=lambda s: s.id)
def test_each_source_recognises_only_its_own_fixture(fixtures, source):
    for other in FILES:
        path = fixture(fixtures, other)
        assert source.recognise(path, sniff(path)) is (other is source), (source.id, path.name)


def test_indicator_catalog_is_complete_and_prefixed():
    ids = [i.indicator_id for s in FILES for i in s.indicators]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("ucdp_") for i in ids)
    for s in (BRD, ACD, OS, NS):  # aggregated indicators say how row_number behaves
        assert all("row_number" in i.description and "NULL" in i.description for i in s.indicators)
    by_id = {i.indicator_id: i for s in FILES for i in s.indicators}
    assert by_id["ucdp_state_based_deaths"].risk_factors == (1,)
    assert by_id["ucdp_onesided_deaths"].risk_factors == (2, 11)
    assert by_id["ucdp_state_based_civilian_deaths"].risk_factors == (13,)
    assert by_id["ucdp_state_based_deaths_low"].unit == "deaths (low estimate)"


# ------------------------------------------------------------------------------------------ organized violence

def test_organized_violence_fixture(fixtures, ctx):
    r = OV.read_file(fixture(fixtures, OV), ctx)
    check_accounting(r)
    assert (r.version, r.rows_read, r.loaded(), r.rows_rejected, r.rows_duplicate) == ("25.1", 9, 3, 5, 1)
    v = values(r)
    assert v[("UGA", 2020, "ucdp_state_based_deaths")] == (17.0, 2)
    assert v[("UGA", 2020, "ucdp_state_based_deaths_low")] == (15.0, 2)
    assert v[("UGA", 2020, "ucdp_state_based_deaths_high")] == (20.0, 2)
    assert v[("UGA", 2020, "ucdp_nonstate_deaths")] == (30.0, 2)
    assert v[("UGA", 2020, "ucdp_onesided_deaths")] == (10.0, 2)
    assert v[("UGA", 2020, "ucdp_onesided_govt_deaths")] == (4.0, 2)
    assert v[("UGA", 2020, "ucdp_onesided_nsgroup_deaths")] == (6.0, 2)
    assert v[("UGA", 2020, "ucdp_state_based_civilian_deaths")] == (5.0, 2)
    assert v[("UGA", 2020, "ucdp_nonstate_civilian_deaths")] == (1.0, 2)
    assert v[("UGA", 2020, "ucdp_organized_violence_deaths")] == (57.0, 2)
    assert v[("UGA", 2021, "ucdp_state_based_deaths")] == (0.0, 3)  # zero is a recorded value
    assert v[("KIR", 2021, "ucdp_onesided_deaths")] == (3.0, 4)  # GW 970 is Kiribati (COW 970 is Nauru)
    assert len(v) == 3 * len(OV.indicators)
    rs = reasons(r)
    assert set(rs) == {5, 6, 7, 8, 10}
    assert "historical state" in rs[5] and "South Yemen" in rs[5]
    assert "unknown gw '999'" in rs[6]
    assert rs[7] == "column 'sb_total_deaths_best_cy': 'abc' is not an integer"
    assert "'Kenya' is KEN but country_id_cy 530 maps to ETH" in rs[8]
    assert rs[10] == "column 'year_cy': '20x1' is not an integer"


# ------------------------------------------------------------------------------------------ battle-related deaths

def test_brd_fixture_sums_dyads_by_location_country(fixtures, ctx):
    r = BRD.read_file(fixture(fixtures, BRD), ctx)
    check_accounting(r)
    assert (r.version, r.rows_read, r.loaded(), r.rows_rejected, r.rows_duplicate) == ("25.1", 7, 4, 2, 1)
    v = values(r)
    # two dyads located in Uganda (rows 2 and 3; row 2 has a line break inside the quoted territory name)
    assert v[("UGA", 2020, "ucdp_brd_battle_deaths")] == (150.0, None)
    assert v[("UGA", 2020, "ucdp_brd_battle_deaths_low")] == (130.0, None)
    assert v[("UGA", 2020, "ucdp_brd_battle_deaths_high")] == (180.0, None)
    # "651, 666": the dyad counts for each location country, provenance is the single row
    assert v[("EGY", 2020, "ucdp_brd_battle_deaths")] == (30.0, 4)
    assert v[("ISR", 2020, "ucdp_brd_battle_deaths_high")] == (35.0, 4)
    # "678, 680" in 1989: the dyad counts for North Yemen's continuing state YEM; South Yemen (680) is dropped
    assert v[("YEM", 1989, "ucdp_brd_battle_deaths")] == (40.0, 5)
    assert len(v) == 12
    rs = reasons(r)
    assert 5 not in rs and "row 5: column 'gwno_loc': code 680 not attributed" in r.note and "South Yemen" in r.note
    assert rs[6] == "column 'bd_best': 'abc' is not an integer"
    assert rs[8].startswith("duplicate dyad-year for dyad_id, year")


# ------------------------------------------------------------------------------------------ armed conflict (ACD)

def test_acd_fixture_counts_conflicts_and_keeps_conflict_rows(fixtures, ctx):
    r = ACD.read_file(fixture(fixtures, ACD), ctx)
    check_accounting(r)
    assert (r.version, r.rows_read, r.loaded(), r.rows_rejected) == ("23.1", 6, 4, 2)
    v = values(r)
    assert v[("UGA", 2020, "ucdp_acd_active_conflicts")] == (2.0, None)
    assert v[("UGA", 2020, "ucdp_acd_max_intensity")] == (2.0, None)
    assert v[("EGY", 2020, "ucdp_acd_active_conflicts")] == (1.0, 4)
    assert v[("ISR", 2020, "ucdp_acd_max_intensity")] == (1.0, 4)
    assert len(v) == 8
    rs = reasons(r)
    # "816, 817": the row counts for Vietnam (816); only South Vietnam (817) is dropped, and the file says so
    assert 5 not in rs
    assert v[("VNM", 1965, "ucdp_acd_active_conflicts")] == (1.0, 5)
    assert v[("VNM", 1965, "ucdp_acd_max_intensity")] == (2.0, 5)
    assert "row 5: column 'gwno_loc': code 817 not attributed" in r.note and "South Vietnam" in r.note
    assert rs[6] == "column 'intensity_level': 3 is not a known intensity code (1, 2)"
    assert "'not-a-date' is not a date" in rs[7]
    ac = r.tables["armed_conflicts"]
    assert ac.height == 5
    vnm = ac.filter(pl.col("conflict_id") == "1005").row(0, named=True)
    assert (vnm["iso3"], vnm["gwno_loc"], vnm["row_number"]) == ("VNM", "816, 817", 5)  # raw list kept as published
    assert sorted(ac.filter(pl.col("conflict_id") == "1002")["iso3"].to_list()) == ["EGY", "ISR"]
    row = ac.filter(pl.col("conflict_id") == "1004").row(0, named=True)
    assert (row["iso3"], row["year"], row["intensity_level"], row["type_of_conflict_label"], row["territory_name"],
            str(row["start_date"]), row["row_number"], row["location_count"]) == (
        "UGA", 2020, 2, "internationalized intrastate", "Northern", "1944-12-31", 3, 1)
    assert ac.filter(pl.col("conflict_id") == "1002")["location_count"].to_list() == [2, 2]
    assert set(ac.columns) <= set(ACD.table_schemas["armed_conflicts"])


# ------------------------------------------------------------------------------------------ one-sided / non-state

def test_onesided_fixture_counts_perpetrators(fixtures, ctx):
    r = OS.read_file(fixture(fixtures, OS), ctx)
    check_accounting(r)
    assert (r.version, r.rows_read, r.loaded(), r.rows_rejected) == ("23.1", 4, 2, 2)
    v = values(r)
    assert v == {
        ("UGA", 2020, "ucdp_onesided_actor_count"): (2.0, None),
        ("UGA", 2020, "ucdp_onesided_govt_actor_count"): (1.0, None),
        ("COD", 2020, "ucdp_onesided_actor_count"): (1.0, 3),
        ("COD", 2020, "ucdp_onesided_govt_actor_count"): (1.0, 3),
    }
    rs = reasons(r)
    assert "South Yemen" in rs[4]
    assert rs[5] == "column 'is_government_actor': 2 is not a known government-actor flag code (0, 1)"
    actors = r.tables["onesided_actors"]
    assert actors.height == 3
    govt = actors.filter(pl.col("actor_id") == "902").sort("iso3")
    assert govt["iso3"].to_list() == ["COD", "UGA"]
    assert govt["deaths_best"].to_list() == [100, 100]  # the actor-year total, not split
    assert govt["location_count"].to_list() == [2, 2]
    assert govt["is_government_actor"].to_list() == [True, True]


def test_nonstate_fixture_counts_conflicts_and_communal_ones(fixtures, ctx):
    r = NS.read_file(fixture(fixtures, NS), ctx)
    check_accounting(r)
    assert (r.version, r.rows_read, r.loaded(), r.rows_rejected) == ("23.1", 5, 3, 2)
    v = values(r)
    assert v[("UGA", 2020, "ucdp_nonstate_conflict_count")] == (2.0, None)
    assert v[("UGA", 2020, "ucdp_nonstate_communal_conflict_count")] == (1.0, None)
    assert v[("COD", 2021, "ucdp_nonstate_conflict_count")] == (1.0, 4)
    assert v[("UGA", 2021, "ucdp_nonstate_communal_conflict_count")] == (1.0, 4)
    assert len(v) == 6
    rs = reasons(r)
    assert rs[5] == "column 'org': 9 is not a known organisation level code (1, 2, 3)"
    assert rs[6] == "column 'gwno_location': empty gw value"
    dyads = r.tables["nonstate_conflicts"]
    assert dyads.height == 4
    assert dyads.filter(pl.col("dyad_id") == "4001").row(0, named=True)["org_label"] == (
        "informally organised groups along communal lines")


# ------------------------------------------------------------------------------------------ real data (../shared)

def raw_rows(shared_raw: Path, source) -> list[dict[str, str]]:
    _, folder, name = FILES[source]
    with open(shared_raw / folder / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def real(shared_raw, ctx):
    return {s: s.read_file(shared_raw / FILES[s][1] / FILES[s][2], ctx) for s in FILES}


def test_real_row_counts_match_source_md(real):
    expected = {OV: ("25.1", 6936), BRD: ("25.1", 1995), ACD: ("23.1", 2626), OS: ("23.1", 1191), NS: ("23.1", 1542)}
    for source, (version, rows) in expected.items():
        r = real[source]
        check_accounting(r)
        assert (r.version, r.rows_read) == (version, rows), source.id
    # only historical states are rejected: GDR, Czechoslovakia, South Yemen (OV); 680/751/817 lists (ACD)
    assert real[OV].rows_rejected == 8
    assert all("historical state" in x for x in real[OV].rejects["reason"])
    assert real[ACD].rows_rejected == 17  # 14 more rows list a mappable country next to 680/751/817: kept
    assert all("historical state" in x for x in real[ACD].rejects["reason"])
    assert (real[BRD].rows_rejected, real[OS].rows_rejected, real[NS].rows_rejected) == (0, 0, 0)
    assert real[OV].tables["indicator_values"].height == 6928 * len(OV.indicators)


def test_real_organized_violence_sudan_2023_equals_raw_row(shared_raw, real):
    raw = next(r for r in raw_rows(shared_raw, OV) if r["country_id_cy"] == "625" and r["year_cy"] == "2023")
    v = values(real[OV])
    for iid, (col, *_rest) in SERIES.items():
        assert v[("SDN", 2023, iid)][0] == float(raw[col]), iid
    assert v[("SDN", 2023, "ucdp_state_based_deaths")][0] == float(raw["sb_total_deaths_best_cy"])
    # the record number of that row: csv.DictReader counts records like the reader (header = 1)
    rows = raw_rows(shared_raw, OV)
    assert v[("SDN", 2023, "ucdp_state_based_deaths")][1] == rows.index(raw) + 2
    kiribati = next(r for r in rows if r["country_id_cy"] == "970" and r["year_cy"] == "2024")
    assert kiribati["country_cy"] == "Kiribati"  # GW 970 (the shared gw.csv had COW's Nauru)
    assert v[("KIR", 2024, "ucdp_onesided_deaths")] == (float(kiribati["os_total_deaths_best_cy"]),
                                                        rows.index(kiribati) + 2)


def test_real_brd_country_year_sums_equal_raw_dyads(shared_raw, real):
    rows = raw_rows(shared_raw, BRD)
    v = values(real[BRD])
    for gw, iso3, year in (("625", "SDN", "2023"), ("369", "UKR", "2022"), ("775", "MMR", "2024")):
        mine = [r for r in rows if gw in [c.strip() for c in r["gwno_loc"].split(",")] and r["year"] == year]
        assert mine, (gw, year)
        assert v[(iso3, int(year), "ucdp_brd_battle_deaths")][0] == sum(int(r["bd_best"]) for r in mine)
        assert v[(iso3, int(year), "ucdp_brd_battle_deaths_high")][0] == sum(int(r["bd_high"]) for r in mine)
    assert any("\n" in r["territory_name"] for r in rows)  # the quoted line break of conflict 11349 was read fine


def test_real_acd_counts_equal_raw_conflicts(shared_raw, real):
    rows = raw_rows(shared_raw, ACD)
    v = values(real[ACD])
    for gw, iso3, year in (("369", "UKR", "2022"), ("625", "SDN", "2022"), ("700", "AFG", "2001")):
        mine = [r for r in rows if gw in [c.strip() for c in r["gwno_loc"].split(",")] and r["year"] == year]
        assert v[(iso3, int(year), "ucdp_acd_active_conflicts")][0] == len({r["conflict_id"] for r in mine})
        assert v[(iso3, int(year), "ucdp_acd_max_intensity")][0] == max(int(r["intensity_level"]) for r in mine)
    ac = real[ACD].tables["armed_conflicts"]
    ukraine = ac.filter((pl.col("conflict_id") == "13243") & (pl.col("year") == 2022))
    assert sorted(ukraine["iso3"].to_list()) == ["RUS", "UKR"]


def test_real_onesided_and_nonstate_equal_raw_rows(shared_raw, real):
    rows = raw_rows(shared_raw, OS)
    v = values(real[OS])
    nga = [r for r in rows if "475" in [c.strip() for c in r["gwno_location"].split(",")] and r["year"] == "2022"]
    assert v[("NGA", 2022, "ucdp_onesided_actor_count")][0] == len({r["actor_id"] for r in nga})
    assert v[("NGA", 2022, "ucdp_onesided_govt_actor_count")][0] == len(
        {r["actor_id"] for r in nga if r["is_government_actor"] == "1"})
    actors = real[OS].tables["onesided_actors"]
    first = rows[0]
    got = actors.filter(pl.col("row_number") == 2).row(0, named=True)
    assert (got["actor_name"], got["year"], got["deaths_best"]) == (
        first["actor_name"], int(first["year"]), int(first["best_fatality_estimate"]))

    rows = raw_rows(shared_raw, NS)
    v = values(real[NS])
    sdn = [r for r in rows if "625" in [c.strip() for c in r["gwno_location"].split(",")] and r["year"] == "2022"]
    assert v[("SDN", 2022, "ucdp_nonstate_conflict_count")][0] == len({r["conflict_id"] for r in sdn})
    assert v[("SDN", 2022, "ucdp_nonstate_communal_conflict_count")][0] == len(
        {r["conflict_id"] for r in sdn if r["org"] == "3"})
