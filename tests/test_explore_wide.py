"""The explorer's one query (``data.explore_wide``, pivoted in DuckDB) and what the page derives from it — the grid,
the comparison series' top 5 and the scatter's latest values — checked cell by cell against the warehouse's own
rows (real data from ../shared)."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import query

INDS = ("ucdp_state_based_deaths", "pts_amnesty", "population")


@pytest.fixture(scope="module")
def real(shared_warehouse: Path):
    from dashboard.server import create_app

    create_app(shared_warehouse)
    return shared_warehouse


def _long(db: Path, inds: tuple[str, ...], iso3s: list[str] | None, y0: int, y1: int) -> dict[tuple, dict]:
    """(iso3, year) → {indicator: value}, straight from indicator_values."""
    sql = ("SELECT iso3, year, indicator_id, value FROM indicator_values WHERE list_contains(?, indicator_id) "
           "AND year BETWEEN ? AND ? AND value IS NOT NULL AND iso3 IN (SELECT iso3 FROM countries)")
    params: list = [list(inds), y0, y1]
    if iso3s is not None:
        sql += " AND list_contains(?, iso3)"
        params.append(iso3s)
    out: dict[tuple, dict] = {}
    for iso3, year, ind, value in query(db, sql, params):
        out.setdefault((iso3, year), {})[ind] = value
    return out


def test_wide_table_is_the_warehouse_rows(real):
    from dashboard import data

    iso3s = ("SDN", "FRA", "UKR", "SYR", "ZZZ")  # ZZZ: no such country, left out
    wide = data.explore_wide(INDS, iso3s, 2010, 2020)
    assert wide.columns == ["iso3", "name", "m49_region", "m49_subregion", "year", *INDS]
    assert wide.schema["year"] == pl.Int64 and all(wide.schema[i] == pl.Float64 for i in INDS)
    want = _long(real, INDS, list(iso3s), 2010, 2020)
    names = dict(query(real, "SELECT iso3, name FROM countries"))
    # one row per country-year with a value, in name, year order
    keys = sorted(want, key=lambda k: (names[k[0]], k[1]))
    assert wide.select("iso3", "year").rows() == keys and len(keys) == 4 * 11
    for row in wide.iter_rows(named=True):
        assert row["name"] == names[row["iso3"]]
        assert {i: row[i] for i in INDS} == {i: want[(row["iso3"], row["year"])].get(i) for i in INDS}
    sdn = wide.filter((pl.col("iso3") == "SDN") & (pl.col("year") == 2015)).row(0, named=True)
    assert sdn["m49_region"] == "Africa" and sdn["ucdp_state_based_deaths"] == query(
        real, "SELECT value FROM indicator_values WHERE iso3 = 'SDN' AND year = 2015 "
              "AND indicator_id = 'ucdp_state_based_deaths'")[0][0]


def test_indicator_without_values_is_an_all_null_column(real):
    from dashboard import data
    from dashboard.pages import explore

    # ewp_onset_risk_2yr starts in 2018: no value in 2000-2010, so only population's rows, and no such column in the
    # table the grid and the CSV show
    wide = data.explore_wide(("ewp_onset_risk_2yr", "population"), ("FRA", "DEU"), 2000, 2010)
    assert wide["ewp_onset_risk_2yr"].null_count() == wide.height == 22
    shown = explore.filtered("Europe", "Western Europe", ["ewp_onset_risk_2yr", "population"], 2000, 2010, [])
    assert "ewp_onset_risk_2yr" not in shown.columns and shown.height == len(
        _long(real, ("population",), shown["iso3"].unique().to_list(), 2000, 2010))


def test_column_names_are_quoted_not_sql(real):
    """Aliases come from catalog ids; even a hostile id is only a column name (values are always bound)."""
    from dashboard import data

    bad = 'x" FROM countries; DROP TABLE countries; --'
    wide = data.explore_wide(("population", bad), ("FRA",), 2019, 2020)
    assert wide.columns[-1] == bad and wide[bad].null_count() == wide.height == 2
    assert query(real, "SELECT count(*) FROM countries")[0][0] > 200


def test_series_top5_and_scatter_latest_values(real):
    from dashboard import data
    from dashboard.pages import explore

    iso3s = explore.countries_in("", "", [])
    full = data.explore_wide(("ucdp_state_based_deaths", "pts_amnesty"), iso3s, 2015, 2022)
    # top 5 by the first indicator in the last year any country has a value (ties in name order)
    top = query(real, "WITH v AS (SELECT v.iso3, c.name, v.year, v.value FROM indicator_values v JOIN countries c "
                      "USING (iso3) WHERE indicator_id = 'ucdp_state_based_deaths' AND year BETWEEN 2015 AND 2022 "
                      "AND value IS NOT NULL) SELECT iso3 FROM v WHERE year = (SELECT max(year) FROM v) "
                      "ORDER BY value DESC, name LIMIT 5")
    long = explore._series_rows(full, "ucdp_state_based_deaths", [])
    assert set(long["series"].to_list()) == {data.country_names()[c] for (c,) in top}
    chosen = explore._series_rows(full, "ucdp_state_based_deaths", ["FRA", "ZZZ", "SDN"])
    assert chosen["series"].unique(maintain_order=True).to_list() == ["France", "Sudan"]
    # scatter: each country's latest value of each indicator within the range
    pts = explore._scatter_points(full, "pts_amnesty", "ucdp_state_based_deaths")
    want = {iso3: (x, y) for iso3, x, y in query(
        real, "SELECT iso3, arg_max(value, year) FILTER (WHERE indicator_id = 'pts_amnesty'), "
              "arg_max(value, year) FILTER (WHERE indicator_id = 'ucdp_state_based_deaths') FROM indicator_values "
              "WHERE year BETWEEN 2015 AND 2022 AND value IS NOT NULL AND iso3 IN (SELECT iso3 FROM countries) "
              "GROUP BY iso3 HAVING count(*) FILTER (WHERE indicator_id = 'pts_amnesty') > 0 "
              "AND count(*) FILTER (WHERE indicator_id = 'ucdp_state_based_deaths') > 0")}
    got = {r["iso3"]: (r["x"], r["y"]) for r in pts.iter_rows(named=True)}
    assert got.keys() == want.keys() and len(got) > 100
    assert all(math.isclose(got[k][0], want[k][0]) and math.isclose(got[k][1], want[k][1]) for k in got)


def test_grid_rows_are_the_table(real):
    """The grid's rowData (JSON written by Polars, embedded as is) decodes to the table's rows and has the same
    bytes as orjson encoding them, here and on awkward values (NaN and infinities become null as in orjson, tiny
    and huge floats, escapes, non-ASCII names) — a Polars upgrade that writes numbers differently fails here."""
    import orjson

    from dashboard.pages import explore

    wide = explore.filtered("Africa", "", list(INDS), 2018, 2020, [])
    rows = orjson.dumps({"rowData": explore.grid_rows(wide)})
    assert rows == orjson.dumps({"rowData": wide.to_dicts()}) and len(wide) > 100
    assert orjson.loads(rows)["rowData"] == wide.to_dicts()
    awkward = pl.DataFrame({"name": ["Côte d'Ivoire", 'a"b\\c/\u2028\x01', None], "year": [2020, None, 1],
                            "v": [float("nan"), 1e-05, 1e16], "w": [float("inf"), 0.1 + 0.2, -0.0],
                            "z": [123456789012.5, 5e-324, 1.7976931348623157e308]})
    assert orjson.dumps(explore.grid_rows(awkward)) == orjson.dumps(awkward.to_dicts())
    assert orjson.dumps(explore.grid_rows(awkward.clear())) == b"[]"


def test_every_country_and_unknown_codes(real, tmp_path):
    """With every country chosen the query has no country filter; a code missing from countries is still left
    out (the old inner join's rule)."""
    import duckdb

    from dashboard import data

    db = tmp_path / "tiny.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE countries (iso3 VARCHAR, name VARCHAR, m49_region VARCHAR, m49_subregion VARCHAR)")
    con.execute("INSERT INTO countries VALUES ('XXB', 'Beta', 'R', 'S'), ('XXA', 'Alpha', 'R', NULL)")
    con.execute("CREATE TABLE indicator_values (iso3 VARCHAR, year BIGINT, indicator_id VARCHAR, value DOUBLE)")
    con.execute("INSERT INTO indicator_values VALUES ('XXB', 2020, 'i', 1), ('XXA', 2021, 'i', 2), "
                "('XXA', 2020, 'j', 3), ('XXZ', 2020, 'i', 9), ('XXA', 2019, 'i', NULL)")
    con.close()
    try:
        data.configure(db)
        every = data.explore_wide(("i", "j"), ("XXA", "XXB"), 2000, 2030)
        assert every.rows() == [("XXA", "Alpha", "R", None, 2020, None, 3.0),
                                ("XXA", "Alpha", "R", None, 2021, 2.0, None),
                                ("XXB", "Beta", "R", "S", 2020, 1.0, None)]
        assert data.explore_wide(("i",), ("XXB", "XXZ"), 2000, 2030).rows() == [("XXB", "Beta", "R", "S", 2020, 1.0)]
    finally:
        data.configure(real)
