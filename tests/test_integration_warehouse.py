"""The full warehouse built from ../shared/data/raw: every source loads, accounting adds up, the contract holds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT

REQUIRED_INDICATORS = [
    "ucdp_state_based_deaths", "ucdp_nonstate_deaths", "ucdp_onesided_deaths", "unhcr_refugees_origin",
    "unhcr_asylum_seekers_origin", "unhcr_idps", "pts_amnesty", "pts_hrw", "pts_state_dept", "population",
    "ewp_onset_risk_2yr", "ewp_rank",
]


@pytest.fixture(scope="module")
def con(shared_warehouse: Path):
    connection = duckdb.connect(str(shared_warehouse), read_only=True)
    yield connection
    connection.close()


def test_every_source_loaded_ok(con):
    statuses = dict(con.execute(
        "SELECT source_id, string_agg(DISTINCT status, ',') FROM sources GROUP BY 1").fetchall())
    expected = {"m49", "r2p_monitor", "ucdp_ged", "ucdp_organized_violence", "ucdp_brd", "ucdp_acd",
                "ucdp_onesided", "ucdp_nonstate", "unhcr_population", "idmc", "worldbank_population", "pts",
                "vdem", "freedomhouse", "naturalearth", "ewp_sra", "ewp_predictors", "ewp_mass_killing"}
    assert expected <= set(statuses)
    # ACLED and HDX HAPI need the user's own account or file: skipped (with a reason) when absent
    assert {s: st for s, st in statuses.items() if st != "ok"
            and not (s in ("acled", "hdx_hapi") and st == "skipped")} == {}


def test_row_accounting_adds_up_for_every_file(con):
    bad = con.execute(
        "SELECT source_id, file_name FROM sources WHERE file_name IS NOT NULL AND "
        "rows_read <> rows_loaded + rows_rejected + rows_duplicate + rows_excluded").fetchall()
    assert bad == []
    # every rejected row is in rejects, with its reason
    per_file = con.execute(
        "SELECT s.source_id, s.file_name, s.rows_rejected, count(r.row_number) FILTER (WHERE r.reason IS NOT NULL) "
        "FROM sources s LEFT JOIN rejects r USING (source_id, file_name) WHERE s.file_name IS NOT NULL "
        "GROUP BY ALL HAVING s.rows_rejected <> count(r.row_number) FILTER (WHERE r.reason IS NOT NULL)").fetchall()
    assert per_file == []


def test_required_indicators_have_values_and_are_catalogued(con):
    counts = dict(con.execute(
        "SELECT i.indicator_id, count(v.value) FROM indicators i LEFT JOIN indicator_values v USING (indicator_id) "
        "GROUP BY 1").fetchall())
    for indicator in REQUIRED_INDICATORS:
        assert counts.get(indicator, 0) > 100, indicator
    orphans = con.execute("SELECT DISTINCT indicator_id FROM indicator_values WHERE indicator_id NOT IN "
                          "(SELECT indicator_id FROM indicators)").fetchall()
    assert orphans == []


def test_documented_tables_and_indicators_exist(con):
    doc = (ROOT / "docs" / "warehouse.md").read_text()
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for table in tables:
        assert f"### `{table}`" in doc, f"table {table} is not documented"
    for (indicator,) in con.execute("SELECT indicator_id FROM indicators").fetchall():
        assert f"`{indicator}`" in doc


def test_sudan_figures_trace_to_source_rows(con, shared_raw: Path):
    """A figure a briefer would quote: UCDP one-sided deaths in Sudan, latest year — equal to the raw CSV row."""
    import csv

    path = shared_raw / "ucdp-organizedviolence-cy" / "organizedviolencecy_v25_1.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["country_cy"] == "Sudan" and r["year_cy"] == "2024"]
    assert len(rows) == 1
    value, file_name, row_number = con.execute(
        "SELECT value, file_name, row_number FROM indicator_values "
        "WHERE iso3 = 'SDN' AND year = 2024 AND indicator_id = 'ucdp_onesided_deaths'").fetchone()
    assert value == float(rows[0]["os_total_deaths_best_cy"]) and file_name == path.name
    with open(path, newline="", encoding="utf-8") as fh:
        record = list(csv.reader(fh))[row_number - 1]
    assert record[1] == "Sudan" and record[2] == "2024"


def test_sudan_risk_level_and_region(con):
    assert con.execute("SELECT m49_region, m49_subregion FROM countries WHERE iso3 = 'SDN'").fetchone() == (
        "Africa", "Northern Africa")
    level, as_of = con.execute("SELECT risk_level, as_of::VARCHAR FROM r2p_risk_levels WHERE iso3 = 'SDN' "
                               "ORDER BY as_of DESC LIMIT 1").fetchone()
    assert (level, as_of) == ("Current Crisis", "2024-09-01")  # the curated table's latest Sudan row


def test_sigkill_during_update_leaves_previous_warehouse_readable(shared_warehouse: Path, shared_raw: Path,
                                                                  tmp_path: Path):
    """Kill the ETL at several points: the live file is always the complete previous one."""
    db = tmp_path / "live.duckdb"
    db.write_bytes(shared_warehouse.read_bytes())
    original = db.read_bytes()
    for delay in (0.5, 1.5, 3.0):
        proc = subprocess.Popen([sys.executable, "-m", "etl", "update", "--from", str(shared_raw), "--db", str(db),
                                 "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert db.read_bytes() == original, f"live warehouse changed after SIGKILL at {delay}s"
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("SELECT count(*) FROM events").fetchone()[0] > 0
        con.close()
