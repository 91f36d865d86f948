"""The loader's promises: atomic publish, nothing lost, failures isolated, same inputs → same warehouse."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from etl.runner import update
from tests.conftest import FIXTURES, ROOT
from tests.conftest import query as q


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """A --from directory with the M49 fixture, and a curated directory with the risk-level fixture."""
    (tmp_path / "raw" / "m49").mkdir(parents=True)
    shutil.copy(FIXTURES / "m49" / "m49_sample.csv", tmp_path / "raw" / "m49" / "UNSD — Methodology.csv")
    (tmp_path / "curated").mkdir()
    shutil.copy(FIXTURES / "r2p" / "risk_levels_sample.csv", tmp_path / "curated" / "levels.csv")
    return tmp_path


def run(raw: Path, db: Path, only=("m49", "r2p_monitor")):
    return update(db=db, from_dir=raw / "raw", only=list(only), quiet=True, curated_dir=raw / "curated")


def test_build_loads_values_and_records_rejects(raw: Path, tmp_path: Path):
    db = tmp_path / "w.duckdb"
    report = run(raw, db)
    assert report.exit_code == 0 and report.published
    assert q(db, "SELECT m49_region, m49_subregion, ldc, sids FROM countries WHERE iso3 = 'HTI'") == [
        ("Americas", "Latin America and the Caribbean", True, True)
    ]
    assert q(db, "SELECT risk_level, as_of::VARCHAR, row_number FROM r2p_risk_levels WHERE iso3 = 'MLI'") == [
        ("Current Crisis", "2024-05-31", 3)
    ]
    reasons = dict(q(db, "SELECT row_number, reason FROM rejects WHERE source_id = 'r2p_monitor'"))
    assert set(reasons) == {4, 5, 6}
    assert "QQQ" in reasons[4] and "'Very Bad' is not one of" in reasons[5] and "2024-13-45" in reasons[6]
    # the M49 row with an unknown ISO code is rejected with its raw content kept
    assert q(db, "SELECT row_number, raw LIKE '%Atlantis%' FROM rejects WHERE source_id = 'm49'") == [(6, True)]
    rows = q(db, "SELECT source_id, rows_read, rows_loaded, rows_rejected, rows_duplicate, rows_excluded, status,"
                 " length(file_sha256) FROM sources WHERE source_id IN ('m49', 'r2p_monitor') ORDER BY source_id")
    assert rows == [("m49", 5, 4, 1, 0, 0, "ok", 64), ("r2p_monitor", 5, 2, 3, 0, 0, "ok", 64)]


def test_same_inputs_same_warehouse(raw: Path, tmp_path: Path):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    run(raw, a)
    run(raw, b)
    run(raw, b)  # rebuilding over an existing warehouse changes nothing either
    for table in ("countries", "r2p_risk_levels", "rejects", "sources", "m49_regions", "indicators"):
        assert q(a, f"SELECT * FROM {table}") == q(b, f"SELECT * FROM {table}"), table


def test_failed_source_keeps_previous_rows_and_others_update(raw: Path, tmp_path: Path):
    db = tmp_path / "w.duckdb"
    assert run(raw, db).exit_code == 0
    before = q(db, "SELECT * FROM r2p_risk_levels ORDER BY ALL")
    # the publisher now serves an HTML error page instead of the CSV, and M49 gains a row
    (raw / "curated" / "levels.csv").write_text("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>")
    (raw / "curated" / "levels.csv").rename(raw / "curated" / "levels.html")
    (raw / "curated" / "levels.html").write_text(
        "situation,iso3_list,risk_level,as_of,source_url\n<html><body>Service unavailable</body></html>\n"
    )
    m49 = raw / "raw" / "m49" / "UNSD — Methodology.csv"
    m49.write_bytes(m49.read_bytes() + b"1;World;142;Asia;35;South-eastern Asia;;;Thailand;764;TH;THA;;;\r\n")
    report = run(raw, db)
    assert report.exit_code == 1 and report.published
    failed = next(r for r in report.runs if r.source.id == "r2p_monitor")
    assert failed.status == "failed" and "levels.html" in failed.message and "HTML" in failed.message
    assert q(db, "SELECT * FROM r2p_risk_levels ORDER BY ALL") == before
    assert q(db, "SELECT DISTINCT status FROM sources WHERE source_id = 'r2p_monitor' ORDER BY 1") == [
        ("failed",), ("stale",)
    ]
    assert q(db, "SELECT m49_subregion FROM countries WHERE iso3 = 'THA'") == [("South-eastern Asia",)]


def test_missing_column_names_file_and_column(raw: Path, tmp_path: Path):
    db = tmp_path / "w.duckdb"
    path = raw / "raw" / "m49" / "UNSD — Methodology.csv"
    path.write_bytes(path.read_bytes().replace(b"ISO-alpha3 Code", b"ISO alpha3", 1))
    # keep the file recognisable (it still has the code columns) but rename a required column
    data = path.read_bytes().replace(b"Country or Area", b"Country", 1).replace(b"ISO alpha3", b"ISO-alpha3 Code", 1)
    path.write_bytes(data)
    report = run(raw, db, only=("m49",))
    m49 = report.runs[0]
    assert m49.status == "failed"
    assert "UNSD — Methodology.csv" in m49.message and "'Country or Area'" in m49.message and "row 1" in m49.message


def test_only_keeps_other_sources_untouched(raw: Path, tmp_path: Path):
    db = tmp_path / "w.duckdb"
    run(raw, db)
    before = q(db, "SELECT * FROM r2p_risk_levels ORDER BY ALL")
    status_before = q(db, "SELECT status FROM sources WHERE source_id = 'r2p_monitor'")
    report = run(raw, db, only=("m49",))
    assert report.exit_code == 0
    assert q(db, "SELECT * FROM r2p_risk_levels ORDER BY ALL") == before
    assert q(db, "SELECT status FROM sources WHERE source_id = 'r2p_monitor'") == status_before == [("ok",)]


def test_failed_publish_leaves_previous_file_intact(raw: Path, tmp_path: Path, monkeypatch):
    db = tmp_path / "w.duckdb"
    run(raw, db)
    original = db.read_bytes()
    import etl.warehouse as wh

    def broken(*args, **kwargs):
        raise wh.PublishError("simulated validation failure")

    monkeypatch.setattr(wh, "_validate", broken)
    report = run(raw, db)
    assert not report.published and report.exit_code == 1 and "simulated" in report.error
    assert db.read_bytes() == original
    assert not db.with_name(db.name + ".tmp").exists()


def test_reader_holding_old_file_keeps_reading_during_swap(raw: Path, tmp_path: Path):
    db = tmp_path / "w.duckdb"
    run(raw, db)
    reader = duckdb.connect(str(db), read_only=True)
    try:
        n = reader.execute("SELECT count(*) FROM r2p_risk_levels").fetchone()[0]
        run(raw, db)  # publish a new file while a read-only connection is open on the old one
        assert reader.execute("SELECT count(*) FROM r2p_risk_levels").fetchone()[0] == n
    finally:
        reader.close()
    assert q(db, "SELECT count(*) FROM r2p_risk_levels") == [(n,)]


def test_cli_update_and_status(raw: Path, tmp_path: Path):
    db = tmp_path / "cli.duckdb"
    out = subprocess.run(
        [sys.executable, "-m", "etl", "update", "--from", str(raw / "raw"), "--db", str(db), "--only", "m49"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "m49" in out.stderr and "published" in out.stderr
    status = subprocess.run([sys.executable, "-m", "etl", "status", "--db", str(db)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert status.returncode == 0 and "m49" in status.stdout
    bad = subprocess.run([sys.executable, "-m", "etl", "update", "--only", "nope", "--db", str(db)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "unknown source(s) nope" in bad.stderr


def test_docs_are_generated_from_the_contract():
    out = subprocess.run([sys.executable, "-m", "etl", "docs", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr + " — run `python -m etl docs` and commit docs/warehouse.md"
