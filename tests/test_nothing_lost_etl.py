"""Issue 15, ETL side: nothing is lost on exit 0.

* silent shrinkage: a file in a source's folder that it cannot read fails the source (unless on its documented
  ignore list); a workbook whose header sits a few rows down is read, not skipped; the shrink guard and
  ``--accept-shrink`` (the corpus in tests/test_bad_inputs.py holds the per-row cases);
* concurrent updates: two real ``python -m etl update`` processes on one ``--db``; a second run that gives up;
  a killed lock holder; leftovers of failed runs;
* a damaged previous warehouse: ``validate_warehouse`` and an update that rebuilds instead of crashing;
* historical States: one policy for every code system, applied end to end, and the ACD conflict-year counts of the
  countries listed next to a historical State equal a count made from the raw rows.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from etl.cli import main as cli
from etl.countries import Countries
from etl.runner import update
from etl.sources import all_sources
from etl.warehouse import CONTRACT_TABLES, update_lock, validate_warehouse
from tests.conftest import FIXTURES, ROOT, query

GED = FIXTURES / "ucdp_ged" / "ged191_small.csv"
UNHCR = FIXTURES / "unhcr" / "population.csv"
IDMC = FIXTURES / "idmc" / "gidd_fixture.xlsx"


def raw_with(root: Path, files: dict[str, list[Path]]) -> Path:
    for folder, paths in files.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for path in paths:
            shutil.copy(path, root / folder / path.name)
    return root


def run(raw: Path, db: Path, only: list[str] | None = None, **kw):
    return update(db=db, from_dir=raw, only=only, quiet=True, curated_dir=raw.parent / "no-curated", **kw)


def status_of(report, source: str):
    return next(r for r in report.runs if r.source.id == source)


def events(db: Path) -> list[tuple]:
    return query(db, "SELECT event_id, iso3, event_date, deaths_best FROM events ORDER BY ALL")


# ------------------------------------------------------------------------------------- 1. silent shrinkage
def test_unreadable_file_in_a_sources_folder_fails_it_and_keeps_previous_rows(tmp_path: Path):
    raw = raw_with(tmp_path / "raw", {"ucdp-ged": [GED]})
    db = tmp_path / "w.duckdb"
    assert run(raw, db, ["ucdp_ged"]).exit_code == 0
    before = events(db)
    assert len(before) == 4
    # a second export next to the good one, with a banner line above the header: GED does not recognise it
    (raw / "ucdp-ged" / "ged_update.csv").write_bytes(b"UCDP export 2025-06-01\n" + GED.read_bytes())
    report = run(raw, db, ["ucdp_ged"])
    ged = status_of(report, "ucdp_ged")
    assert report.exit_code == 1 and ged.status == "failed"
    assert "ged_update.csv" in ged.message and "row 1" in ged.message
    assert events(db) == before  # previous rows kept, not replaced by the readable file alone
    assert {r[0] for r in query(db, "SELECT status FROM sources WHERE source_id = 'ucdp_ged'")} == {"stale", "failed"}


def test_a_panic_inside_polars_fails_only_that_source_and_keeps_its_rows(tmp_path: Path, monkeypatch):
    """Polars raises PanicException (a BaseException, not an Exception) when it hits an internal assertion: the
    source fails with a message and keeps its previous rows; the update goes on and publishes the others."""
    raw = raw_with(tmp_path / "raw", {"ucdp-ged": [GED], "idmc": [IDMC]})
    db = tmp_path / "w.duckdb"
    assert run(raw, db, ["ucdp_ged", "idmc"]).exit_code == 0
    before = events(db)
    from etl.sources.ucdp_ged import UcdpGed

    def panics(self, path, ctx):
        raise pl.exceptions.PanicException("assertion failed: i < self.len()")

    monkeypatch.setattr(UcdpGed, "read_file", panics)
    report = run(raw, db, ["ucdp_ged", "idmc"])
    ged = status_of(report, "ucdp_ged")
    assert ged.status == "failed" and "PanicException" in ged.message and "i < self.len()" in ged.message
    assert status_of(report, "idmc").status == "ok" and report.published
    assert events(db) == before


def test_a_sibling_folder_of_a_source_is_its_own(tmp_path: Path):
    """``ucdp-ged-extract`` belongs to ``ucdp-ged``: a damaged file there fails GED, it is not "not recognised"."""
    raw = raw_with(tmp_path / "raw", {"ucdp-ged-extract": [GED]})
    (raw / "ucdp-ged-extract" / "ged231_part2.csv").write_text("id;year;best\n1;2020;5\n")
    report = run(raw, tmp_path / "w.duckdb", ["ucdp_ged"])
    ged = status_of(report, "ucdp_ged")
    assert ged.status == "failed" and "ged231_part2.csv" in ged.message
    assert not report.unrecognised


def test_the_nearest_folder_decides_who_owns_a_file():
    from etl.runner import owner_of

    sources = all_sources()
    assert owner_of(Path("/home/analyst/idmc/data/raw/ucdp-ged/f.csv"), sources).id == "ucdp_ged"
    assert owner_of(Path("/data/raw/ewp-sra/2019/base2018.csv"), sources).folder == "ewp-sra"
    assert owner_of(Path("/data/raw/unhcr-population/extra.csv"), sources).id == "unhcr_population"
    assert owner_of(Path("/data/raw/plotly-geo-topojson/world_110m.json"), sources) is None  # no source owns it
    assert owner_of(Path("/data/curated/r2p-monitor-editions.csv"), sources) is None  # shared folder: nobody's


def test_documented_ignore_list_is_not_a_failure(tmp_path: Path, monkeypatch):
    ged_source = next(s for s in all_sources() if s.id == "ucdp_ged")
    monkeypatch.setattr(type(ged_source), "ignore", ("*_codebook.csv",))
    raw = raw_with(tmp_path / "raw", {"ucdp-ged": [GED]})
    (raw / "ucdp-ged" / "ged_codebook.csv").write_text("variable,meaning\nbest,best estimate\n")
    report = run(raw, tmp_path / "w.duckdb", ["ucdp_ged"])
    assert report.exit_code == 0 and status_of(report, "ucdp_ged").status == "ok"
    assert [p.name for p in report.ignored] == ["ged_codebook.csv"] and not report.unrecognised


def test_a_folder_no_source_owns_is_listed_not_failed(tmp_path: Path):
    """Another module's dataset (e.g. Geo-PKO, read by a later source) is "not recognised", never a failure."""
    raw = raw_with(tmp_path / "raw", {"ucdp-ged": [GED]})
    (raw / "a-new-dataset").mkdir()
    (raw / "a-new-dataset" / "FrontMap_v.2.3.csv").write_text("mission,year,month\nMINUSMA,2019,5\n")
    report = run(raw, tmp_path / "w.duckdb")
    assert [p.name for p in report.unrecognised] == ["FrontMap_v.2.3.csv"]
    assert not [r for r in report.runs if r.status in ("failed", "shrunk")]


def test_real_ewp_template_is_on_the_documented_ignore_list(shared_warehouse):
    rows = query(shared_warehouse, "SELECT count(*) FROM sources WHERE file_name LIKE 'basedata%'")
    assert rows == [(0,)]
    mk = next(s for s in all_sources() if s.id == "ewp_mass_killing")
    assert mk.ignore == ("basedata*.csv",)


def _idmc_values(db: Path) -> list[tuple]:
    return query(db, "SELECT iso3, year, indicator_id, value, row_number FROM indicator_values ORDER BY ALL")


def test_idmc_header_a_few_rows_down_loads_every_row(tmp_path: Path):
    good = raw_with(tmp_path / "good", {"idmc": [IDMC]})
    run(good, tmp_path / "good.duckdb", ["idmc"])
    wb = openpyxl.load_workbook(IDMC)
    wb["Data"].insert_rows(1, 3)
    wb["Data"]["A1"] = "Global Internal Displacement Database export"
    wb["Data"]["A2"] = "Downloaded 2025-05-13 — CC BY-NC 4.0"
    (tmp_path / "moved" / "idmc").mkdir(parents=True)
    wb.save(tmp_path / "moved" / "idmc" / IDMC.name)
    report = run(tmp_path / "moved", tmp_path / "moved.duckdb", ["idmc"])
    assert report.exit_code == 0, status_of(report, "idmc").message
    expected = [(i, y, ind, v, n + 3) for i, y, ind, v, n in _idmc_values(tmp_path / "good.duckdb")]
    assert _idmc_values(tmp_path / "moved.duckdb") == expected and expected  # same figures, rows 3 lower
    counts = "SELECT rows_read, rows_loaded, rows_rejected, rows_excluded FROM sources WHERE source_id = 'idmc'"
    assert query(tmp_path / "moved.duckdb", counts) == query(tmp_path / "good.duckdb", counts)


def test_shrink_guard_and_accept_shrink_on_the_command_line(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setattr("etl.runner.SHRINK_MIN_ROWS", 0)  # the fixture has 11 records; real releases have 1000s
    raw = raw_with(tmp_path / "raw", {"unhcr-population": [UNHCR]})
    db = tmp_path / "w.duckdb"
    assert cli(["update", "--from", str(raw), "--db", str(db), "--only", "unhcr_population", "--quiet"]) == 0
    before = query(db, "SELECT * FROM displacement ORDER BY ALL")
    data = UNHCR.read_bytes().splitlines(keepends=True)
    (raw / "unhcr-population" / UNHCR.name).write_bytes(b"".join(data[:5]))  # cut at a line boundary
    assert cli(["update", "--from", str(raw), "--db", str(db), "--only", "unhcr_population", "--quiet"]) == 1
    assert query(db, "SELECT * FROM displacement ORDER BY ALL") == before
    assert {r[0] for r in query(db, "SELECT status FROM sources WHERE source_id = 'unhcr_population'")} == {
        "stale", "shrunk"}
    msg = query(db, "SELECT message FROM sources WHERE status = 'shrunk'")[0][0]
    assert "--accept-shrink unhcr_population" in msg and "limit 20%" in msg
    assert cli(["update", "--from", str(raw), "--db", str(db), "--only", "unhcr_population", "--quiet",
                "--accept-shrink", "unhcr_population"]) == 0
    assert query(db, "SELECT max(row_number) FROM displacement") == [(5,)]  # the operator accepted the drop
    assert cli(["update", "--from", str(raw), "--db", str(db), "--accept-shrink", "no_such_source"]) == 2
    assert "--accept-shrink: unknown source(s) no_such_source" in capsys.readouterr().err


def test_every_source_documents_its_shrink_limit():
    text = (ROOT / "docs" / "reliability.md").read_text()
    section = text[text.index("## Nothing lost: ETL"):]
    for source in all_sources():
        assert 0 < source.max_shrink <= 1, source.id
        assert f"| `{source.id}` | {source.max_shrink:.0%} |" in section, source.id


# ------------------------------------------------------------------------------------- 3. concurrent updates
def _etl(raw: Path, db: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "etl", "update", "--from", str(raw), "--db", str(db), "--quiet",
                             *extra], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _content(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for t in CONTRACT_TABLES:
            if t in ("changes", "alerts"):  # the update's own log: differs with what each run replaced (issue 16)
                continue
            cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE "
                                              "table_name = ? ORDER BY ordinal_position", [t]).fetchall()]
            keep = ", ".join(f'"{c}"' for c in cols if c not in ("retrieved_at", "computed_at", "as_of_run"))
            out[t] = con.execute(f'SELECT {keep} FROM "{t}" ORDER BY ALL').fetchall()
        return out
    finally:
        con.close()


CONCURRENT_ROUNDS = 3


def test_two_real_updates_on_one_db_both_publish_a_complete_warehouse(tmp_path: Path):
    raw = raw_with(tmp_path / "raw", {"ucdp-ged": [GED], "unhcr-population": [UNHCR],
                                      "m49": [FIXTURES / "m49" / "m49_sample.csv"]})
    alone = tmp_path / "alone.duckdb"
    assert _etl(raw, alone).wait(timeout=300) == 0
    db = tmp_path / "shared.duckdb"
    for _ in range(CONCURRENT_ROUNDS):
        first, second = _etl(raw, db), _etl(raw, db)  # started together: one waits for the other's lock
        assert first.wait(timeout=300) == 0 and second.wait(timeout=300) == 0, (first.stderr.read(),
                                                                                 second.stderr.read())
        assert validate_warehouse(db) is None
        status = subprocess.run([sys.executable, "-m", "etl", "status", "--db", str(db)], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert status.returncode == 0, status.stderr
        assert _content(db) == _content(alone)
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("shared")) == [
            "shared.duckdb", "shared.duckdb.lock"]  # no temporary file, no WAL left behind


def test_second_update_gives_up_with_a_clear_message(tmp_path: Path):
    raw = raw_with(tmp_path / "raw", {"ucdp-ged": [GED]})
    db = tmp_path / "w.duckdb"
    assert run(raw, db).exit_code == 0
    before = db.read_bytes()
    with update_lock(db, wait=1):
        proc = _etl(raw, db, "--wait", "1")
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "another update of" in err and f"pid {os.getpid()}" in err and "w.duckdb.lock" in err
    assert db.read_bytes() == before


HOLD_LOCK = """
import sys, time
from pathlib import Path
from etl.warehouse import update_lock
with update_lock(Path(sys.argv[1]), wait=5):
    print("locked", flush=True)
    time.sleep(600)
"""


def test_a_killed_lock_holder_never_blocks_the_next_update(tmp_path: Path):
    raw = raw_with(tmp_path / "raw", {"ucdp-ged": [GED]})
    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
    start = time.monotonic()
    assert run(raw, db, lock_wait=5).exit_code == 0
    assert time.monotonic() - start < 30 and validate_warehouse(db) is None


def test_leftovers_of_failed_runs_are_removed(tmp_path: Path, monkeypatch):
    raw = raw_with(tmp_path / "raw", {"ucdp-ged": [GED]})
    db = tmp_path / "w.duckdb"
    for name in ("w.duckdb.tmp", "w.duckdb.tmp.wal", "w.duckdb.4242-deadbeef.tmp", "w.duckdb.4242-deadbeef.tmp.wal"):
        (tmp_path / name).write_bytes(b"half-written")
    assert run(raw, db).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("w.")) == ["w.duckdb", "w.duckdb.lock"]

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("etl.warehouse._validate", broken)
    report = run(raw, db)
    assert not report.published and "disk full" in report.error
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("w.")) == ["w.duckdb", "w.duckdb.lock"]


# ------------------------------------------------------------------------------------- 4. damaged warehouse
@pytest.fixture(scope="module")
def good_db(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("good")
    raw = raw_with(work / "raw", {"ucdp-ged": [GED], "m49": [FIXTURES / "m49" / "m49_sample.csv"]})
    db = work / "w.duckdb"
    assert run(raw, db).exit_code == 0
    return db


def _damaged(kind: str, good: Path, path: Path) -> Path:
    data = good.read_bytes()
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(data[: len(data) // 3])
    elif kind == "header only":
        path.write_bytes(data[:4096])
    elif kind == "random bytes":
        path.write_bytes(os.urandom(300_000))
    elif kind == "csv renamed":
        path.write_text("iso3,value\nSDN,1\n")
    elif kind == "tables missing":
        con = duckdb.connect(str(path))
        con.execute("CREATE TABLE sources (source_id VARCHAR)")
        con.close()
    return path


DAMAGE = ("empty", "truncated", "header only", "random bytes", "csv renamed", "tables missing")


@pytest.mark.parametrize("kind", DAMAGE)
def test_validate_warehouse_names_the_reason(kind: str, good_db: Path, tmp_path: Path):
    assert validate_warehouse(good_db) is None
    reason = validate_warehouse(_damaged(kind, good_db, tmp_path / "bad.duckdb"))
    assert reason and "bad.duckdb" in reason
    if kind == "tables missing":
        assert "table(s) missing" in reason and "countries" in reason
    assert validate_warehouse(tmp_path / "absent.duckdb") == f"{tmp_path / 'absent.duckdb'}: no such file"


@pytest.mark.parametrize("kind", DAMAGE)
def test_update_over_a_damaged_warehouse_builds_a_fresh_one(kind: str, good_db: Path, tmp_path: Path):
    raw = raw_with(tmp_path / "raw", {"ucdp-ged": [GED], "m49": [FIXTURES / "m49" / "m49_sample.csv"]})
    db = _damaged(kind, good_db, tmp_path / "w.duckdb")
    report = run(raw, db)
    assert report.published and report.exit_code == 0 and report.previous_problem
    assert validate_warehouse(db) is None and events(db) == events(good_db)
    # an --only update cannot keep the other sources' rows from a damaged file: it publishes but says so (exit 1)
    db2 = _damaged(kind, good_db, tmp_path / "w2.duckdb")
    report = run(raw, db2, ["m49"])
    assert report.published and report.exit_code == 1 and report.previous_problem
    assert validate_warehouse(db2) is None
    # `etl status` on a damaged file names the problem instead of a traceback
    bad = _damaged(kind, good_db, tmp_path / "w3.duckdb")
    status = subprocess.run([sys.executable, "-m", "etl", "status", "--db", str(bad)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert status.returncode == 1 and "not usable" in status.stdout and "Traceback" not in status.stderr


# ------------------------------------------------------------------------------------- 8. historical States
def test_one_policy_for_each_historical_unit_in_every_code_system():
    countries = Countries()
    policy = Countries.historical_states()
    assert policy.height >= 10
    for unit in policy.iter_rows(named=True):
        assert unit["rule"] in ("continuing state", "absorbed", "dissolved") and unit["note"]
        assert bool(unit["successor_iso3"]) == (unit["rule"] == "continuing state"), unit["unit"]
        systems = set()
        for ref in unit["codes"].split(";"):
            system, code = (x.strip() for x in ref.split(":", 1))
            systems.add(system)
            m = countries.lookup(code, system)
            if unit["successor_iso3"]:
                assert (m.action, m.iso3) == ("map", unit["successor_iso3"]), (system, code, m)
            else:
                assert (m.action, m.iso3) == ("reject", None) and "historical state" in m.reason, (system, code)
            assert "historical_states.csv" in m.reason
        assert len(systems) >= 1
    units = {u: set() for u in ("Soviet", "Yugoslavia", "German Federal", "Yemen Arab", "German Democratic",
                                "South Yemen", "South Vietnam", "Czechoslovakia")}
    for row in policy.iter_rows(named=True):
        for key in units:
            if key in row["unit"]:
                units[key] |= {r.split(":")[0].strip() for r in row["codes"].split(";")}
    # the units the sources disagreed on are decided for every system that names them
    assert {"gw", "pts", "pitf", "name"} <= units["Yemen Arab"] and {"gw", "pts", "name"} <= units["Yugoslavia"]
    assert {"gw", "pts", "pitf", "vdem"} <= units["German Democratic"]


def test_policy_is_documented_in_methodology():
    text = (ROOT / "docs" / "methodology.md").read_text()
    section = " ".join(text[text.index("## Historical States"):].split())  # line breaks as spaces
    for unit in Countries.historical_states()["unit"]:
        assert unit.split(" (")[0] in section, unit
    assert "Channel Islands" in section


def test_channel_islands_are_a_territory_not_an_aggregate():
    m = Countries().lookup("CHI", "wb")
    assert m.action == "reject" and "territory" in m.reason and "not an aggregate" in m.reason


PTS_HISTORICAL = (
    "German Federal Republic,German Federal Republic,1985,GFR,260,NA,NA,eca,2,NA,2,0,88,0\n"
    "German Democratic Republic,German Democratic Republic,1985,GDR,265,NA,NA,eca,4,NA,3,0,88,0\n"
    "Yemen Arab Republic,Yemen Arab Republic,1985,YAR,678,NA,NA,mena,3,NA,3,0,88,0\n"
)


def test_sources_apply_the_same_policy_end_to_end(tmp_path: Path):
    pts = tmp_path / "PTS-2024-sample.csv"
    pts.write_bytes((FIXTURES / "pts" / "PTS-2024-sample.csv").read_bytes() + PTS_HISTORICAL.encode())
    raw = raw_with(tmp_path / "raw", {
        "pts": [pts], "ucdp-acd": [FIXTURES / "ucdp_acd" / "UcdpPrioConflict_v23_1.csv"],
        "ucdp-brd": [FIXTURES / "ucdp_brd" / "BattleDeaths_v25_1.csv"],
    })
    db = tmp_path / "w.duckdb"
    run(raw, db, ["pts", "ucdp_acd", "ucdp_brd"])
    values = dict(((s, i, y, ind), v) for s, i, y, ind, v in query(
        db, "SELECT source_id, iso3, year, indicator_id, value FROM indicator_values"))
    assert values[("pts", "DEU", 1985, "pts_amnesty")] == 2.0  # West Germany → Germany (continuing State)
    assert values[("pts", "YEM", 1985, "pts_amnesty")] == 3.0  # North Yemen → Yemen
    assert values[("ucdp_brd", "YEM", 1989, "ucdp_brd_battle_deaths")] == 40.0  # G-W 678 in "678, 680"
    assert values[("ucdp_acd", "VNM", 1965, "ucdp_acd_active_conflicts")] == 1.0  # "816, 817"
    rejects = query(db, "SELECT source_id, reason FROM rejects WHERE reason LIKE '%historical_states.csv%'")
    assert [s for s, r in rejects if "German Democratic Republic" in r] == ["pts"]  # East Germany: rejected
    notes = dict(query(db, "SELECT source_id, message FROM sources WHERE source_id IN ('ucdp_acd', 'ucdp_brd')"))
    assert "code 817 not attributed" in notes["ucdp_acd"] and "code 680 not attributed" in notes["ucdp_brd"]


def _raw_acd_counts(path: Path, countries: Countries) -> dict[tuple[str, int], int]:
    """Conflict-years per ISO3 and year, counted directly from the raw ACD rows (every gwno_loc code that maps)."""
    counts: dict[tuple[str, int], set[str]] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for code in row["gwno_loc"].split(","):
                m = countries.lookup(code.strip(), "gw")
                if m.action == "map":
                    counts.setdefault((m.iso3, int(row["year"])), set()).add(row["conflict_id"])
    return {k: len(v) for k, v in counts.items()}


def test_acd_conflict_years_next_to_historical_states_equal_the_raw_count(shared_raw, shared_warehouse):
    path = shared_raw / "ucdp-acd" / "UcdpPrioConflict_v23_1.csv"
    countries = Countries()
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    mixed = [r for r in rows if "," in r["gwno_loc"] and
             {countries.lookup(c.strip(), "gw").action for c in r["gwno_loc"].split(",")} >= {"map", "reject"}]
    affected = {countries.lookup(c.strip(), "gw").iso3 for r in mixed for c in r["gwno_loc"].split(",")} - {None}
    assert len(mixed) == 14 and {"VNM", "IND", "YEM"} <= affected
    expected = {k: v for k, v in _raw_acd_counts(path, countries).items() if k[0] in affected}
    got = {(i, y): int(v) for i, y, v in query(
        shared_warehouse, "SELECT iso3, year, value FROM indicator_values WHERE indicator_id = "
        "'ucdp_acd_active_conflicts' AND iso3 IN (SELECT unnest(?))", [sorted(affected)])}
    assert got == expected
    # Vietnam's war years 1955–1975 are in the warehouse (they were lost whole before: rows listed "816, 817")
    assert all(("VNM", y) in got for y in range(1955, 1976) if ("VNM", y) in expected) and ("VNM", 1965) in got
    rejected = query(shared_warehouse, "SELECT count(*) FROM rejects WHERE source_id = 'ucdp_acd'")[0][0]
    only_historical = [r for r in rows if {countries.lookup(c.strip(), "gw").action
                                           for c in r["gwno_loc"].split(",")} == {"reject"}]
    assert rejected == len(only_historical) == 17


def test_full_real_update_publishes_with_no_source_failing(shared_raw, shared_warehouse):
    failing = query(shared_warehouse, "SELECT source_id, status, message FROM sources WHERE status <> 'ok' AND NOT "
                                      "(source_id IN ('acled', 'hdx_hapi') AND status = 'skipped')")
    assert failing == []  # ACLED and HDX HAPI need the user's own account or export: skipped with a reason


def test_worldbank_channel_islands_rows_are_rejects_in_the_real_warehouse(shared_warehouse):
    rows = query(shared_warehouse, "SELECT count(*), count(DISTINCT reason) FROM rejects "
                                   "WHERE source_id = 'worldbank_population'")
    assert rows == [(65, 1)]
    reason = query(shared_warehouse, "SELECT any_value(reason) FROM rejects WHERE source_id = 'worldbank_population'")
    assert "Channel Islands: a territory" in reason[0][0]
    assert pl.DataFrame(query(shared_warehouse, "SELECT iso3 FROM countries WHERE iso3 = 'CHI'")).height == 0
