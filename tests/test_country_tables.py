"""Small tables read whole and split by country (data.CountryTable) give each country exactly the rows, columns
and order of the one-country query they replaced; a country without rows gets the columns and no rows."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from dashboard import (
    data,
    risk,
)
from dashboard.queries import changes, response  # noqa: F401  (registers their CountryTables)
from tests.conftest import query


@pytest.fixture(scope="module")
def real(shared_warehouse):
    data.configure(shared_warehouse)
    yield shared_warehouse
    data.clear_cache()


def _one_country(db, sql: str, iso3: str) -> pl.DataFrame:
    """The table's query narrowed to one country by DuckDB (the shape of the per-country queries it replaced)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(f"SELECT * EXCLUDE ({data.SLICE_KEY}) FROM ({sql}) WHERE {data.SLICE_KEY} = ?",
                       params=[iso3]).pl()
    finally:
        con.close()


def test_every_country_slice_equals_its_one_country_query(real):
    tables = [t for t in data._COUNTRY_TABLES if t.available()]
    assert len(tables) >= 12, [t.sql[:60] for t in tables]  # the country page's small tables, all in the warehouse
    for t in tables:
        codes = [r[0] for r in query(real, f"SELECT DISTINCT {data.SLICE_KEY} FROM ({t.sql}) ORDER BY 1")]
        for iso3 in [*codes[:40], "SDN", "ZZZ"]:
            got, want = t.rows(iso3), _one_country(real, t.sql, iso3)
            assert got.schema == want.schema, (t.sql[:60], iso3)
            assert got.equals(want), (t.sql[:60], iso3)


def test_values_come_from_the_source_rows(real):
    rows = query(real, "SELECT as_of, risk_level FROM r2p_risk_levels WHERE iso3 = 'SDN' "
                       "ORDER BY as_of DESC, row_number DESC")
    hist = data.risk_history("SDN")
    assert list(zip(hist["as_of"], hist["risk_level"], strict=True)) == rows and len(rows) > 1
    vetoes = query(real, "SELECT count(*) FROM security_council_vetoes WHERE iso3 = 'SYR'")[0][0]
    assert response.vetoes("SYR").height == vetoes > 0
    assert data.risk_history("ZZZ").height == 0 and data.risk_history("ZZZ").columns == hist.columns


def test_a_country_without_status_rows_still_gets_the_14_factors(real):
    board = risk.board("ZZZ")  # no risk_factor_status rows: the same 14 'no data' rows as before
    assert board["factor"].to_list() == list(range(1, 15))
    assert set(board["status"]) == {"no data"}
    sdn = risk.board("SDN")
    assert board.schema == sdn.schema  # the same columns as a country read from the whole table
    want = dict(query(real, "SELECT factor, status FROM risk_factor_status WHERE iso3 = 'SDN'"))
    assert {f: s for f, s in zip(sdn["factor"], sdn["status"], strict=True) if s != "no data"} == want


def test_a_publish_is_warmed_in_the_background(shared_warehouse, tmp_path, monkeypatch):
    """After a new file is swapped in, the catalogs and small tables are read by a background warm-up, so the first
    country page after an update sends none of those queries itself."""
    import os
    import shutil

    from dashboard.server import create_app

    live = tmp_path / "warehouse.duckdb"
    shutil.copy(shared_warehouse, live)
    create_app(live)
    assert data.risk_history("SDN").height > 0  # serving the first file
    shutil.copy(shared_warehouse, tmp_path / "next.duckdb")
    os.replace(tmp_path / "next.duckdb", live)  # a publish (new inode)
    data.status()  # the next request picks it up
    assert data._REWARM is not None
    data._REWARM.join(timeout=60)
    assert not data._REWARM.is_alive()
    sent = []
    frame = data.Warehouse.frame
    monkeypatch.setattr(data.Warehouse, "frame", lambda self, sql, params=None: sent.append(sql) or frame(self, sql,
                                                                                                           params))
    assert data.risk_history("SDN").height > 0 and risk.board("SDN").height == 14
    assert response.measures("SDN").height > 0
    assert not [s for s in sent if "r2p_risk_levels" in s or "risk_factor_status" in s or "response_measures" in s]
    data.configure(shared_warehouse)
