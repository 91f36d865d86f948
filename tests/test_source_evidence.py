"""Analyst evidence files: valid items load, every mistake is a reject naming file, item and field, never a crash."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from etl.runner import update
from etl.sources.evidence import SOURCE, check_item
from tests.conftest import FIXTURES

EVIDENCE = FIXTURES / "evidence"


def test_valid_items_load_and_bad_items_are_rejected_with_file_item_field(ctx):
    result = SOURCE.read_file(EVIDENCE / "MMR.yaml", ctx)
    rows = result.tables["evidence"].to_dicts()
    assert (result.rows_read, result.loaded(), result.rows_rejected) == (4, 2, 2)
    assert [(r["iso3"], r["factor"], r["date"], r["row_number"]) for r in rows] == [
        ("MMR", 2, dt.date(2022, 6, 1), 1), ("MMR", 10, dt.date(2023, 1, 15), 2)]
    assert rows[0]["citation_url"] == "https://example.org/report-1" and rows[0]["author"] == "Test Analyst"
    rejects = {r["row_number"]: r for r in result.rejects.to_dicts()}
    three = rejects[3]["reason"]
    assert three.startswith("MMR.yaml, item 3: ")
    assert "field 'factor': '15' is not a risk factor" in three and "field 'date': 2030-01-01 is in the future" in three
    assert "field 'citation': 'ftp://example.org/not-http' is not an http(s) URL" in three
    four = rejects[4]["reason"]
    assert "field 'date': '2023-02-30' is not a date" in four and "field 'claim': missing" in four
    assert "field 'author': missing" in four
    assert json.loads(rejects[4]["raw"])["citation"] == "https://example.org/report-3"  # the item is kept


def test_items_mapping_form_and_text_factor(ctx):
    result = SOURCE.read_file(EVIDENCE / "ROU.yaml", ctx)
    assert result.tables["evidence"].select("iso3", "factor", "date").rows() == [("ROU", 2, dt.date(2024, 3, 1))]


@pytest.mark.parametrize(("name", "expected"), [
    ("SDN.yaml", "SDN.yaml: not valid YAML at line"),
    ("XXX.yaml", "'XXX' is not a known ISO 3166 alpha-3 country code"),
])
def test_bad_files_become_one_reject_each(ctx, name: str, expected: str):
    result = SOURCE.read_file(EVIDENCE / name, ctx)
    assert (result.rows_read, result.loaded(), result.rows_rejected) == (1, 0, 1)
    reject = result.rejects.to_dicts()[0]
    assert expected in reject["reason"] and reject["row_number"] is None and reject["file_name"] == name


def test_item_checks(tmp_path: Path, ctx):
    today = dt.date(2026, 1, 1)
    ok, row = check_item({"factor": 11, "date": "2025-12-31", "claim": "c", "citation": "http://x.org/a",
                          "author": "a"}, today)
    assert ok == [] and row["date"] == dt.date(2025, 12, 31)
    problems, _ = check_item({"factor": True, "date": "2026-01-02", "citation": "x.org", "claim": " ", "author": 3},
                             today)
    assert [f for f, _ in problems] == ["factor", "date", "citation", "claim"]
    assert check_item(["not", "a", "mapping"], today)[0][0][0] is None
    top = tmp_path / "HTI.yaml"
    top.write_text("just a string\n", encoding="utf-8")
    assert "expected a list of evidence items" in SOURCE.read_file(top, ctx).rejects["reason"][0]
    empty = tmp_path / "SSD.yaml"
    empty.write_text("", encoding="utf-8")
    assert SOURCE.read_file(empty, ctx).rows_read == 0


def _layout(tmp_path: Path) -> tuple[Path, Path]:
    raw = tmp_path / "raw" / "m49"
    raw.mkdir(parents=True)
    shutil.copy(FIXTURES / "m49" / "m49_sample.csv", raw / "m49.csv")
    curated = tmp_path / "curated"
    shutil.copytree(EVIDENCE, curated / "evidence")
    (curated / "evidence" / "HTI.yaml").write_bytes(b"")  # an empty file is no evidence, not a broken download
    return tmp_path / "raw", curated


def test_bad_files_never_break_the_update(tmp_path: Path):
    raw, curated = _layout(tmp_path)
    db = tmp_path / "w.duckdb"
    report = update(db=db, from_dir=raw, quiet=True, curated_dir=curated)
    assert report.published and report.exit_code == 0, report.error
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT iso3, factor FROM evidence ORDER BY ALL").fetchall() == [
            ("MMR", 2), ("MMR", 10), ("ROU", 2)]
        reasons = dict(con.execute("SELECT file_name || '#' || coalesce(row_number, 0), reason FROM rejects "
                                   "WHERE source_id = 'evidence'").fetchall())
        assert set(reasons) == {"MMR.yaml#3", "MMR.yaml#4", "SDN.yaml#0", "XXX.yaml#0"}
        assert con.execute("SELECT sum(rows_read), sum(rows_loaded), sum(rows_rejected) FROM sources "
                           "WHERE source_id = 'evidence'").fetchone() == (4 + 1 + 1 + 1 + 0, 3, 4)
    finally:
        con.close()


def test_r2p_evidence_folder_replaces_the_curated_one(tmp_path: Path, monkeypatch):
    raw, curated = _layout(tmp_path)
    own = tmp_path / "analysts"
    own.mkdir()
    shutil.copy(EVIDENCE / "ROU.yaml", own / "ROU.yaml")
    monkeypatch.setenv("R2P_EVIDENCE", str(own))
    db = tmp_path / "w.duckdb"
    assert update(db=db, from_dir=raw, quiet=True, curated_dir=curated).exit_code == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT iso3, file_name FROM evidence").fetchall() == [("ROU", "ROU.yaml")]
        assert con.execute("SELECT count(*) FROM rejects WHERE source_id = 'evidence'").fetchone() == (0,)
    finally:
        con.close()


def test_no_evidence_is_not_a_failure(tmp_path: Path):
    raw, curated = _layout(tmp_path)
    shutil.rmtree(curated / "evidence")
    report = update(db=tmp_path / "w.duckdb", from_dir=raw, quiet=True, curated_dir=curated)
    run = next(r for r in report.runs if r.source.id == "evidence")
    assert report.exit_code == 0 and run.status == "ok" and run.results == []


def test_repository_ships_no_real_evidence():
    folder = Path(__file__).resolve().parents[1] / "data" / "curated" / "evidence"
    assert sorted(p.name for p in folder.iterdir()) == ["README.md"]
