"""World Bank population: API wide layout and the datahub long layout; aggregates excluded, not rejected."""

from __future__ import annotations

import csv

import polars as pl

from etl.readers import sniff
from etl.sources.worldbank_population import SOURCE


def value(result, iso3: str, year: int) -> float | None:
    v = result.tables["indicator_values"].filter((pl.col("iso3") == iso3) & (pl.col("year") == year))
    return v["value"][0] if v.height else None


def test_api_wide_layout(fixtures, ctx):
    path = fixtures / "worldbank" / "API_SP.POP.TOTL_DS2_en_csv_v2_fixture.csv"
    assert SOURCE.recognise(path, sniff(path))
    result = SOURCE.read_file(path, ctx)
    # 9 non-blank cells: ABW 2 loaded; WLD 3 excluded; SDN 2 loaded + 'abc' rejected; ATL rejected; INX blank
    assert result.rows_read == 9
    assert result.loaded() == 4 == result.tables["indicator_values"].height
    assert result.rows_rejected == 2 and result.rows_excluded == 3
    assert "last updated 2025-07-01" in result.version
    assert value(result, "ABW", 1960) == 100 and value(result, "ABW", 2024) == 300
    assert value(result, "ABW", 1961) is None  # blank cell: no value, not 0
    assert value(result, "SDN", 1961) == 5100
    iv = result.tables["indicator_values"]
    assert iv.filter(pl.col("iso3") == "ABW")["row_number"].unique().to_list() == [6]  # line in the file
    assert set(iv["indicator_id"]) == {"population"}
    reasons = result.rejects["reason"].to_list()
    assert any("'abc' is not a number" in r for r in reasons) and any("ATL" in r for r in reasons)
    assert "WLD" not in iv["iso3"].to_list()


def test_long_layout(fixtures, ctx):
    path = fixtures / "worldbank" / "population_long.csv"
    assert SOURCE.recognise(path, sniff(path))
    result = SOURCE.read_file(path, ctx)
    assert (result.rows_read, result.rows_duplicate, result.rows_rejected, result.loaded()) == (8, 1, 3, 3)
    assert result.rows_excluded == 1
    assert value(result, "ABW", 2024) == 110 and value(result, "XKX", 2024) == 20
    assert "1 aggregate values excluded" in result.note  # WLD; the Channel Islands are a territory: rejected
    chi = [r for r in result.rejects.iter_rows(named=True) if r["row_number"] == 6]
    assert len(chi) == 1 and "Channel Islands: a territory" in chi[0]["reason"]


def test_not_recognised(fixtures, tmp_path):
    gdp = fixtures / "worldbank" / "gdp_long.csv"
    assert not SOURCE.recognise(gdp, sniff(gdp))  # same generic header, but not head counts
    wide = (fixtures / "worldbank" / "API_SP.POP.TOTL_DS2_en_csv_v2_fixture.csv").read_text()
    other = tmp_path / "API_NY.GDP.csv"
    other.write_text(wide.replace("SP.POP.TOTL", "NY.GDP.MKTP.CD"))
    assert not SOURCE.recognise(other, sniff(other))


def test_real_population(shared_raw, ctx):
    path = shared_raw / "worldbank-population" / "population.csv"
    assert SOURCE.recognise(path, sniff(path))
    result = SOURCE.read_file(path, ctx)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert result.rows_read == 17195 == len(rows)  # SOURCE.md
    assert len({r["Country Code"] for r in rows}) == 265
    aggregates = set(ctx.countries.codes.filter((pl.col("system") == "wb") & (pl.col("action") == "exclude"))["code"])
    excluded = sum(r["Country Code"] in aggregates for r in rows)
    chi = sum(r["Country Code"] == "CHI" for r in rows)  # the Channel Islands: a territory, not an aggregate
    assert result.rows_rejected == chi == 65 and result.rows_duplicate == 0
    assert all("Channel Islands: a territory" in why for why in result.rejects["reason"])
    assert result.loaded() == 17195 - excluded - chi and result.rows_excluded == excluded
    assert len({r["Country Code"] for r in rows} & aggregates) == 48  # the 48 WB aggregates
    sdn = next(float(r["Value"]) for r in rows if r["Country Code"] == "SDN" and r["Year"] == "2024")
    assert value(result, "SDN", 2024) == sdn
    assert value(result, "XKX", 2024) is not None
