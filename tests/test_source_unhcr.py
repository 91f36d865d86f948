"""UNHCR population statistics: fixtures with exact values and rejects, then the real refugees-package export."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from etl.readers import sniff
from etl.sources.idmc import SOURCE as IDMC
from etl.sources.unhcr_population import SOURCE


def read(path: Path, ctx):
    assert SOURCE.recognise(path, sniff(path))
    result = SOURCE.read_file(path, ctx)
    assert result.rows_read == result.loaded() + result.rows_rejected + result.rows_duplicate + result.rows_excluded
    return result


def value(result, iso3: str, year: int, indicator: str) -> float | None:
    v = result.tables["indicator_values"].filter(
        (pl.col("iso3") == iso3) & (pl.col("year") == year) & (pl.col("indicator_id") == indicator))
    assert v.height <= 1
    return v["value"][0] if v.height else None


@pytest.fixture(scope="module")
def pop(fixtures, ctx):
    return read(fixtures / "unhcr" / "population.csv", ctx)


def test_population_rejects_and_duplicates(pop):
    assert pop.rows_read == 11
    assert pop.rows_duplicate == 1  # row 10 repeats row 2
    reasons = dict(zip(pop.rejects["row_number"], pop.rejects["reason"], strict=True))
    assert set(reasons) == {8, 9, 12}
    assert "ATL" in reasons[8] and "coo_iso" in reasons[8]
    assert "'abc' is not an integer" in reasons[9]
    assert "below" in reasons[12]
    assert pop.loaded() == 7 == pop.tables["displacement"].height
    assert pop.rows_excluded == 0  # pseudo-code rows are loaded into displacement


def test_population_displacement_keeps_pseudo_codes(pop):
    d = pop.tables["displacement"]
    unknown = d.filter(pl.col("row_number") == 5).to_dicts()[0]
    assert unknown["origin_iso3"] is None and unknown["origin_code"] == "UKN"
    assert unknown["asylum_iso3"] == "TCD" and unknown["asylum_code"] == "CHD" and unknown["refugees"] == 50
    assert d.filter(pl.col("row_number") == 6)["origin_code"][0] == "STA"
    egypt = d.filter(pl.col("row_number") == 3).to_dicts()[0]
    assert (egypt["origin_iso3"], egypt["asylum_iso3"], egypt["asylum_code"]) == ("SDN", "EGY", "ARE")
    assert egypt["other_in_need"] == 1 and egypt["returned_refugees"] == 5
    # 1990: idps / stateless / ooc / hst were not collected yet → NULL, not 0
    old = d.filter(pl.col("year") == 1990).to_dicts()[0]
    assert old["idps"] is None and old["stateless"] is None and old["others_of_concern"] is None
    assert old["host_community"] is None and old["refugees"] == 0


def test_population_indicators(pop):
    assert value(pop, "SDN", 2024, "unhcr_refugees_origin") == 300  # 100 (Chad) + 200 (Egypt) + 0
    assert value(pop, "SDN", 2024, "unhcr_asylum_seekers_origin") == 30
    assert value(pop, "TCD", 2024, "unhcr_refugees_hosted") == 150  # incl. 50 of unknown origin
    assert value(pop, "EGY", 2024, "unhcr_stateless") == 40
    assert value(pop, "SDN", 2024, "unhcr_idps") == 3000
    assert value(pop, "SDN", 2024, "unhcr_returned_refugees") == 5
    assert value(pop, "SDN", 1990, "unhcr_idps") is None
    assert value(pop, "NPL", 2024, "unhcr_refugees_hosted") == 30
    iv = pop.tables["indicator_values"]
    assert iv["iso3"].null_count() == 0 and iv["row_number"].null_count() == iv.height
    assert not iv.filter(pl.col("iso3").is_in(["UNK", "XXA", "TIB", "CHN"])).height
    assert not iv.select("iso3", "year", "indicator_id").is_duplicated().any()


def test_flows_solutions_unrwa(fixtures, ctx):
    flows = read(fixtures / "unhcr" / "flows.csv", ctx)
    assert value(flows, "SDN", 2024, "unhcr_new_refugees_origin") == 500
    assert value(flows, "SDN", 2024, "unhcr_new_asylum_applications_origin") == 100
    assert (flows.rows_read, flows.loaded(), flows.rows_rejected, flows.rows_excluded) == (6, 3, 1, 2)
    assert "'x' is not an integer" in flows.rejects["reason"][0]

    sol = read(fixtures / "unhcr" / "solutions.csv", ctx)
    assert value(sol, "SDN", 2024, "unhcr_resettled_origin") == 25
    assert value(sol, "SYR", 2024, "unhcr_resettled_origin") == 15
    assert value(sol, "CAN", 2024, "unhcr_naturalised_hosted") == 10
    assert (sol.rows_read, sol.loaded(), sol.rows_excluded) == (4, 3, 1)  # returns-only row excluded

    unrwa = read(fixtures / "unhcr" / "unrwa.csv", ctx)
    assert value(unrwa, "JOR", 2024, "unhcr_unrwa_refugees_hosted") == 1000
    assert value(unrwa, "LBN", 2024, "unhcr_unrwa_refugees_hosted") == 500
    assert (unrwa.rows_read, unrwa.loaded(), unrwa.rows_excluded) == (3, 2, 1)
    assert not IDMC.recognise(fixtures / "unhcr" / "unrwa.csv", sniff(fixtures / "unhcr" / "unrwa.csv"))


def test_not_recognised(fixtures, tmp_path):
    idmc_csv = fixtures / "idmc" / "unhcr_refugees_idmc.csv"
    assert not SOURCE.recognise(idmc_csv, sniff(idmc_csv))
    other = tmp_path / "other.csv"
    other.write_text("year,coo,coa,refugees\n2024,SUD,CHD,1\n")
    assert not SOURCE.recognise(other, sniff(other))


# --- real data (../shared/data/raw/unhcr-population, refugees package v2025.12.1) ---

def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def real_pop(shared_raw, ctx):
    path = shared_raw / "unhcr-population" / "population.csv"
    return read(path, ctx), _csv_rows(path)


def test_real_population_counts_and_sudan(real_pop):
    result, rows = real_pop
    assert result.rows_read == 138893 == len(rows)  # SOURCE.md
    assert result.rows_rejected == 0 and result.rows_duplicate == 0
    assert result.tables["displacement"].height == 138893
    latest = max(int(r["year"]) for r in rows)
    assert latest == 2025
    sudan = sum(int(r["refugees"]) for r in rows if r["coo_iso"] == "SDN" and int(r["year"]) == latest)
    assert value(result, "SDN", latest, "unhcr_refugees_origin") == sudan
    chad = sum(int(r["refugees"]) for r in rows if r["coa_iso"] == "TCD" and int(r["year"]) == latest)
    assert value(result, "TCD", latest, "unhcr_refugees_hosted") == chad
    idps = sum(int(r["idps"]) for r in rows
               if r["coo_iso"] == r["coa_iso"] == "SDN" and int(r["year"]) == latest)
    assert value(result, "SDN", latest, "unhcr_idps") == idps
    pseudo = sum(r["coo_iso"] in ("UNK", "XXA", "TIB") for r in rows)
    d = result.tables["displacement"]
    assert d.filter(pl.col("origin_iso3").is_null()).height == pseudo
    assert d.filter(pl.col("origin_code") == "TIB")["origin_iso3"].null_count() == 146  # SOURCE.md row count


def test_real_other_files(shared_raw, ctx):
    folder = shared_raw / "unhcr-population"
    for name, n in (("flows.csv", 105868), ("solutions.csv", 21258), ("unrwa.csv", 296)):
        result = read(folder / name, ctx)
        assert result.rows_read == n, name
        assert result.rows_rejected == 0 and result.loaded() <= n
    rows = _csv_rows(folder / "unrwa.csv")
    jordan = sum(int(r["total"]) for r in rows if r["coa_iso"] == "JOR" and r["year"] == "2025")
    unrwa = read(folder / "unrwa.csv", ctx)
    assert value(unrwa, "JOR", 2025, "unhcr_unrwa_refugees_hosted") == jordan
    assert unrwa.loaded() == 295  # the one row hosted in 'Unknown' is excluded
    codes = read(folder / "countries.csv", ctx)  # recognised, accounted for, not loaded
    assert (codes.rows_read, codes.loaded(), codes.rows_excluded, codes.tables) == (232, 0, 232, {})
