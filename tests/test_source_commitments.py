"""Pillar I commitments: every CSV row loads with its source link; status follows the TREATIES.md rule."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from etl.model import SourceError
from etl.sources.commitments import COVERAGE, SOURCE
from tests.conftest import FIXTURES, SHARED

PILLAR1 = Path(__file__).resolve().parents[1] / "data" / "curated" / "pillar1"


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


def test_copies_match_the_shared_curated_tables():
    shared = SHARED / "data" / "curated"
    if not shared.is_dir():
        pytest.skip(f"{shared} is absent (place ../shared beside the repo)")
    for name in [c.file_stem + ".csv" for c in COVERAGE.values()] + ["TREATIES.md"]:
        assert (PILLAR1 / name).read_bytes() == (shared / name).read_bytes(), name


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
