"""Pillar I commitments: every CSV row loads with its source link; status follows the TREATIES.md rule."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from etl.countries import Countries
from etl.model import Context, SourceError
from etl.sources.commitments import COVERAGE, SOURCE
from tests.conftest import FIXTURES, SHARED

PILLAR1 = SHARED / "data" / "curated"  # the cited tables, read in place (never copied into the repo)


def test_status_rule_on_fixture(ctx):
    result = SOURCE.read_file(FIXTURES / "commitments" / "rome-statute-parties.csv", ctx)
    assert (result.rows_read, result.loaded(), result.rows_rejected, result.rows_duplicate) == (12, 7, 4, 1)
    reasons = {r["row_number"]: r["reason"] for r in result.rejects.to_dicts()}
    assert set(reasons) == {2, 9, 10, 11}
    assert "'AAA'" in reasons[2] and "'2011-13-01' is not a date" in reasons[9]
    assert "'denunciation' is not one of" in reasons[10] and "source_url" in reasons[11]
    status = {r["iso3"]: r for r in result.tables["commitment_status"].to_dicts()}
    assert (status["MMR"]["status"], status["MMR"]["since"], status["MMR"]["withdrawn_on"]) == (
        "withdrawn", dt.date(2003, 5, 5), dt.date(2010, 5, 5))
    assert status["MMR"]["source_url"] == "https://example.org/withdrawal" and status["MMR"]["row_number"] == 5
    # re-accession after a withdrawal: a party again, since the new accession
    assert (status["HTI"]["status"], status["HTI"]["since"], status["HTI"]["withdrawn_on"]) == (
        "party", dt.date(2012, 1, 1), None)
    assert (status["SDN"]["status"], status["SDN"]["since"]) == ("signatory", dt.date(2000, 9, 8))
    assert status["SSD"]["status"] == "party"
    assert {r["as_of"] for r in status.values()} == {COVERAGE["rome_statute"].as_of}


def test_commitment_column_and_unknown_file(ctx):
    result = SOURCE.read_file(FIXTURES / "commitments" / "mixed.csv", ctx)
    assert result.tables["commitment_status"].select("iso3", "commitment", "status").rows() == [
        ("SDN", "r2p_focal_point", "member")]
    assert "'r2p_focal_points' is not one of" in result.rejects["reason"][0]
    with pytest.raises(SourceError, match="cannot tell which commitment"):
        SOURCE.read_file(FIXTURES / "commitments" / "unnamed.csv", ctx)


def _csv(name: str) -> list[dict[str, str]]:
    if not (PILLAR1 / name).is_file():
        pytest.skip(f"cited table not available: {PILLAR1 / name} is absent (place ../shared beside the repo)")
    with open(PILLAR1 / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("commitment", sorted(COVERAGE))
def test_curated_tables_load_every_row(ctx, commitment: str):
    name = COVERAGE[commitment].file_stem + ".csv"
    rows = _csv(name)
    result = SOURCE.read_file(PILLAR1 / name, ctx)
    assert (result.rows_read, result.loaded(), result.rows_rejected) == (len(rows), len(rows), 0)
    assert set(result.tables["commitments"]["commitment"]) == {commitment}
    # status count: one per state in the file
    assert result.tables["commitment_status"].height == len({r["iso3"] for r in rows})


def test_philippines_and_burundi_withdrew_from_the_rome_statute(ctx):
    rows = _csv("rome-statute-parties.csv")
    result = SOURCE.read_file(PILLAR1 / "rome-statute-parties.csv", ctx)
    status = {r["iso3"]: r for r in result.tables["commitment_status"].to_dicts()}
    for iso3 in ("PHL", "BDI"):
        withdrawal = next(r for r in rows if r["iso3"] == iso3 and r["event"] == "withdrawal")
        consent = max(r["date"] for r in rows if r["iso3"] == iso3 and r["event"] in ("ratification", "accession"))
        assert status[iso3]["status"] == "withdrawn"
        assert status[iso3]["withdrawn_on"] == dt.date.fromisoformat(withdrawal["date"])
        assert status[iso3]["since"] == dt.date.fromisoformat(consent)
        assert status[iso3]["source_url"] == withdrawal["source_url"]
    # TREATIES.md: 125 derived current parties
    assert sum(r["status"] == "party" for r in status.values()) == 125


@pytest.mark.shared
def test_real_warehouse_commitments(shared_warehouse: Path):
    con = duckdb.connect(str(shared_warehouse), read_only=True)
    try:
        for commitment, cov in COVERAGE.items():
            n = len(_csv(cov.file_stem + ".csv"))
            assert con.execute("SELECT count(*) FROM commitments WHERE commitment = ?", [commitment]).fetchone() == (n,)
        assert con.execute("SELECT status, withdrawn_on::VARCHAR FROM commitment_status WHERE iso3 = 'PHL' "
                           "AND commitment = 'rome_statute'").fetchone() == ("withdrawn", "2019-03-17")
        assert con.execute("SELECT n_commitments FROM risk_factor_status WHERE iso3 = 'PHL' AND factor = 6"
                           ).fetchone()[0] == con.execute(
            "SELECT count(*) FROM commitment_status WHERE iso3 = 'PHL' AND status IN ('party', 'member', 'signatory')"
        ).fetchone()[0]
    finally:
        con.close()


def test_cited_tables_are_read_in_place_beside_raw_and_once(tmp_path: Path):
    """`--from X/raw` also reads X/curated (the ../shared layout); the same file found twice is loaded once."""
    from etl.runner import update

    raw, curated, own = tmp_path / "data" / "raw", tmp_path / "data" / "curated", tmp_path / "own"
    (raw / "m49").mkdir(parents=True)
    (raw / "m49" / "m49.csv").write_bytes((FIXTURES / "m49" / "m49_sample.csv").read_bytes())
    for folder in (curated, own / "pillar1"):
        folder.mkdir(parents=True)
        (folder / "rome-statute-parties.csv").write_bytes(
            (FIXTURES / "commitments" / "rome-statute-parties.csv").read_bytes())
    db = tmp_path / "w.duckdb"
    report = update(db=db, from_dir=raw, quiet=True, curated_dir=own)
    assert report.published, report.error
    expected = SOURCE.read_file(FIXTURES / "commitments" / "rome-statute-parties.csv", Context(Countries()))
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*), count(DISTINCT file_name) FROM commitments").fetchone() == (
            expected.loaded(), 1)
        assert con.execute("SELECT rows_read FROM sources WHERE source_id = 'commitments'").fetchall() == [
            (expected.rows_read,)]
    finally:
        con.close()
