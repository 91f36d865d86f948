"""Country crosswalks and the shared reading helpers: every failure names file, row and column."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from etl.countries import Countries, normalise_name
from etl.model import Rejects, SourceError
from etl.readers import duplicates_of, parse_dates, parse_numbers, read_delimited


@pytest.fixture(scope="module")
def countries() -> Countries:
    return Countries()


@pytest.mark.parametrize(
    ("value", "system", "iso3"),
    [
        ("Myanmar (Burma)", "name", "MMR"), ("DR Congo (Zaire)", "name", "COD"), ("Yemen (North Yemen)", "name", "YEM"),
        ("Côte d’Ivoire", "name", "CIV"), ("Bolivia (Plurinational State of)", "name", "BOL"),
        ("775", "gw", "MMR"), ("625.0", "gw", "SDN"), (490, "gw", "COD"), ("347", "gw", "XKX"),
        ("SD", "iso2", "SDN"), ("729", "m49", "SDN"), ("4", "m49", "AFG"), ("sdn", "iso3", "SDN"),
    ],
)
def test_lookup_maps_known_codes(countries: Countries, value, system, iso3):
    assert countries.lookup(value, system).iso3 == iso3


def test_historical_states_are_rejected_with_reason_not_merged(countries: Countries):
    match = countries.lookup("680", "gw")
    assert match.iso3 is None and match.action == "reject" and "South Yemen" in match.reason
    assert countries.lookup("Yemen (South Yemen)", "name").action == "reject"


def test_resolve_splits_lists_and_rejects_unknowns(countries: Countries):
    df = pl.DataFrame({"_row": [2, 3, 4, 5], "gwno": ["651, 666", "680", "775", "9999"]})
    rejects = Rejects("test", "acd.csv")
    out, excluded = countries.resolve(df, "gwno", "gw", rejects, multi=True)
    assert out.select("_row", "iso3").rows() == [(2, "EGY"), (2, "ISR"), (4, "MMR")]
    assert excluded == 0
    got = rejects.frame().select("row_number", "reason").rows()
    assert got[0][0] == 3 and "South Yemen" in got[0][1]
    assert got[1][0] == 5 and "unknown gw '9999'" in got[1][1] and "column 'gwno'" in got[1][1]


def test_countries_table_has_regions_and_crosswalk_columns(countries: Countries):
    regions = pl.DataFrame({"iso3": ["SDN"], "m49_code": ["729"], "name": ["Sudan"], "m49_region": ["Africa"],
                            "m49_subregion": ["Northern Africa"], "m49_intermediate_region": [None],
                            "ldc": [True], "lldc": [False], "sids": [False]})
    table = countries.table(regions)
    sdn = table.filter(pl.col("iso3") == "SDN").to_dicts()[0]
    assert sdn["m49_region"] == "Africa" and sdn["gw_codes"] == "625" and sdn["ldc"] is True
    xkx = table.filter(pl.col("iso3") == "XKX").to_dicts()[0]
    assert xkx["name"] == "Kosovo" and xkx["m49_subregion"] == "Southern Europe"
    assert table["iso3"].is_unique().all()


def test_normalise_name_ignores_accents_case_and_apostrophes():
    assert normalise_name("Côte d’Ivoire") == normalise_name("COTE D'IVOIRE") == "cote divoire"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_read_delimited_numbers_rows_from_header(tmp_path: Path):
    df = read_delimited(write(tmp_path, "a.csv", b"a,b\n1,\"x\ny\"\n2,z\n"), required=["a", "b"])
    assert df.select("_row", "a").rows() == [(2, "1"), (3, "2")]  # a multi-line field is one record


def test_read_delimited_hxl_row_is_skipped_and_counted(tmp_path: Path):
    df = read_delimited(write(tmp_path, "h.csv", b"id,best\n#id,#affected+killed\n7,3\n"), hxl=True)
    assert df.select("_row", "id").rows() == [(3, "7")]


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        (b"", {}, "empty"),
        (b"<!DOCTYPE html><html><body>Error 500</body></html>", {}, "HTML page"),
        (b"a;b\n1;2\n", {"separator": ","}, "expected columns separated by ','"),
        (b"a,b\n1,2\n", {"required": ["a", "best"]}, "missing column(s) 'best'"),
        (b"a,bets\n1,2\n", {"required": ["best"]}, "found 'bets' — renamed?"),
        (b"name,n\nS\xe3o Tom\xe9,1\n", {}, "not valid UTF-8-SIG text"),
        (b"a,b\n1,2\n3,4,5\n", {}, "row 3: 3 fields where the header has 2"),
    ],
)
def test_structural_problems_raise_clear_errors(tmp_path: Path, data: bytes, kwargs, message):
    with pytest.raises(SourceError) as err:
        read_delimited(write(tmp_path, "bad.csv", data), **kwargs)
    assert message in str(err.value) and "bad.csv" in str(err.value)


def test_latin1_fallback_when_allowed(tmp_path: Path):
    df = read_delimited(write(tmp_path, "l.csv", b"name\nS\xe3o Tom\xe9\n"), fallback_encoding="cp1252")
    assert df["name"].to_list() == ["São Tomé"]


def test_parse_numbers_rejects_bad_values_naming_column_and_value():
    df = pl.DataFrame({"_row": [2, 3, 4, 5, 6, 7], "best": ["3", "abc", "-1", "15960.0", "", "2.5"]})
    rejects = Rejects("s", "f.csv")
    out = parse_numbers(df, ["best"], rejects, integer=True, minimum=0)
    assert out.select("_row", "best").rows() == [(2, 3), (5, 15960), (6, None)]
    reasons = dict(rejects.frame().select("row_number", "reason").rows())
    assert reasons == {
        3: "column 'best': 'abc' is not an integer",
        7: "column 'best': '2.5' is not an integer",
        4: "column 'best': -1 is below the allowed 0",
    }


def test_parse_dates_accepts_timestamps_and_rejects_out_of_range():
    dates = ["2024-01-31 00:00:00.000", "2024-02-30", "1900-01-01", "2023-12-31"]
    df = pl.DataFrame({"_row": [2, 3, 4, 5], "d": dates})
    rejects = Rejects("s", "f.csv")
    out = parse_dates(df, "d", rejects)
    assert out.select("_row", pl.col("d").cast(pl.String)).rows() == [(2, "2024-01-31"), (5, "2023-12-31")]
    assert sorted(rejects.frame()["row_number"].to_list()) == [3, 4]


def test_duplicates_counts_exact_repeats_and_rejects_conflicts():
    df = pl.DataFrame({"_row": [2, 3, 4], "id": ["1", "1", "1"], "best": ["5", "5", "6"]})
    rejects = Rejects("s", "f.csv")
    out, exact = duplicates_of(df, ["id"], rejects, what="event")
    assert exact == 1 and out["_row"].to_list() == [2]
    assert rejects.frame()["row_number"].to_list() == [4]
