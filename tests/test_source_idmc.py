"""IDMC: GIDD Excel export (recognised by its columns) and UNHCR's republication of IDMC conflict stocks."""

from __future__ import annotations

import csv

import polars as pl
import pytest

from etl.readers import sniff
from etl.sources.idmc import SOURCE
from etl.sources.unhcr_population import SOURCE as UNHCR


def value(result, iso3: str, year: int, indicator: str) -> float | None:
    v = result.tables["indicator_values"].filter(
        (pl.col("iso3") == iso3) & (pl.col("year") == year) & (pl.col("indicator_id") == indicator))
    return v["value"][0] if v.height else None


@pytest.fixture(scope="module")
def gidd(fixtures, ctx):
    path = fixtures / "idmc" / "gidd_fixture.xlsx"
    assert SOURCE.recognise(path, sniff(path))  # sheet called "Data": recognised by its columns
    return SOURCE.read_file(path, ctx)


def test_gidd_values(gidd):
    assert value(gidd, "SDN", 2022, "idmc_conflict_idps_stock") == 3500000  # rounded, not the raw 3553000
    assert value(gidd, "SDN", 2022, "idmc_conflict_new_displacements") == 300000
    assert value(gidd, "SDN", 2022, "idmc_disaster_new_displacements") == 80000
    assert value(gidd, "SDN", 2022, "idmc_disaster_idps_stock") is None  # blank = no figure
    assert value(gidd, "AFG", 2022, "idmc_conflict_idps_stock") is None  # rounded blank, raw 0
    assert value(gidd, "AFG", 2022, "idmc_disaster_idps_stock") == 1000
    iv = gidd.tables["indicator_values"]
    assert iv.filter(pl.col("iso3") == "SDN")["row_number"].unique().to_list() == [2]
    assert "AB9" not in iv["iso3"].to_list()


def test_gidd_counts(gidd):
    # 6 data rows (the blank spreadsheet row is not data): SDN-2022 and AFG loaded; AB9 and the empty TCD row
    # excluded; XYZ (unknown code) and 'abc' rejected
    assert gidd.rows_read == 6
    assert (gidd.loaded(), gidd.rows_excluded, gidd.rows_rejected) == (2, 2, 2)
    reasons = dict(zip(gidd.rejects["row_number"], gidd.rejects["reason"], strict=True))
    assert set(reasons) == {5, 6}
    assert "XYZ" in reasons[5] and "'abc' is not an integer" in reasons[6]


def test_unhcr_republication(fixtures, ctx):
    path = fixtures / "idmc" / "unhcr_refugees_idmc.csv"
    assert SOURCE.recognise(path, sniff(path)) and not UNHCR.recognise(path, sniff(path))
    result = SOURCE.read_file(path, ctx)
    assert value(result, "SDN", 2022, "idmc_conflict_idps_stock_unhcr") == 3000000
    assert result.tables["indicator_values"].height == 1
    assert (result.rows_read, result.loaded(), result.rows_rejected, result.rows_excluded) == (5, 1, 2, 2)
    reasons = dict(zip(result.rejects["row_number"], result.rejects["reason"], strict=True))
    assert "'n/a' is not an integer" in reasons[5] and "NRN" in reasons[6]


def test_real_gidd(shared_raw, ctx):
    from openpyxl import load_workbook

    path = shared_raw / "idmc" / "IDMC_Internal_Displacement_Conflict-Violence_Disasters.xlsx"
    assert SOURCE.recognise(path, sniff(path))
    result = SOURCE.read_file(path, ctx)
    assert result.rows_read == 1877 and result.rows_rejected == 0  # SOURCE.md
    ws = load_workbook(path, read_only=True)["1_Displacement_data"]
    rows = list(ws.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    abyei = sum(r[0] == "AB9" for r in data)
    assert result.loaded() == 1877 - abyei and result.rows_excluded == abyei
    i_stock, i_new = header.index("Conflict Stock Displacement"), header.index("Conflict Internal Displacements")
    sdn = next(r for r in data if r[0] == "SDN" and r[2] == 2022)
    assert value(result, "SDN", 2022, "idmc_conflict_idps_stock") == sdn[i_stock]
    assert value(result, "SDN", 2022, "idmc_conflict_new_displacements") == sdn[i_new]
    n_stock = sum(r[i_stock] is not None and r[0] != "AB9" for r in data)
    iv = result.tables["indicator_values"]
    assert iv.filter(pl.col("indicator_id") == "idmc_conflict_idps_stock").height == n_stock


def test_real_unhcr_republication(shared_raw, ctx):
    path = shared_raw / "idmc" / "unhcr_refugees_idmc.csv"
    result = SOURCE.read_file(path, ctx)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert result.rows_read == 934 == len(rows)  # SOURCE.md
    pseudo = sum(r["coo_iso"] in ("UNK", "AB9") for r in rows)
    assert result.loaded() == 934 - pseudo and result.rows_rejected == 0 and result.rows_excluded == pseudo
    sdn = next(int(r["total"]) for r in rows if r["coo_iso"] == "SDN" and r["year"] == "2025")
    assert value(result, "SDN", 2025, "idmc_conflict_idps_stock_unhcr") == sdn
