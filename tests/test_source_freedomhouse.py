"""Freedom House: opt-in only (licence not verified), names crosswalk, edition → year, status codes."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from etl.model import Context
from etl.readers import sniff
from etl.sources.freedomhouse import OPT_IN_ENV, SOURCE

FIXTURE = "FIW_sample.xlsx"


@pytest.fixture
def lax(ctx) -> Context:
    return Context(ctx.countries, max_reject_share=1.0)


def _values(result) -> dict[tuple[str, int, str], float]:
    iv = result.tables["indicator_values"]
    return {(r["iso3"], r["year"], r["indicator_id"]): r["value"] for r in iv.iter_rows(named=True)}


def test_recognise(fixtures: Path):
    path = fixtures / "freedomhouse" / FIXTURE
    assert SOURCE.recognise(path, sniff(path))
    for other in (fixtures / "naturalearth" / "test_50m_admin_0_countries.zip",
                  fixtures / "pts" / "PTS-2025-sample.csv"):
        assert not SOURCE.recognise(other, sniff(other))
    assert SOURCE.redistributable is False


def test_not_loaded_without_opt_in(fixtures: Path, lax: Context, monkeypatch):
    monkeypatch.delenv(OPT_IN_ENV, raising=False)
    r = SOURCE.read_file(fixtures / "freedomhouse" / FIXTURE, lax)
    assert (r.rows_read, r.loaded(), r.rows_excluded, r.rows_rejected) == (10, 0, 10, 0)
    assert r.tables["indicator_values"].height == 0
    assert OPT_IN_ENV in r.note


def test_opt_in(fixtures: Path, lax: Context, monkeypatch):
    monkeypatch.setenv(OPT_IN_ENV, "pts, freedomhouse")
    r = SOURCE.read_file(fixtures / "freedomhouse" / FIXTURE, lax)
    assert (r.rows_read, r.loaded(), r.rows_rejected, r.rows_duplicate) == (10, 4, 5, 1)
    assert _values(r) == {
        # edition 2025 → events of 2024; "Congo (Kinshasa)" is COD, not COG
        ("COD", 2024, "fh_political_rights"): 5.0, ("COD", 2024, "fh_civil_liberties"): 12.0,
        ("COD", 2024, "fh_total_score"): 17.0, ("COD", 2024, "fh_status"): 3.0,
        ("COG", 2024, "fh_political_rights"): 9.0, ("COG", 2024, "fh_civil_liberties"): 10.0,
        ("COG", 2024, "fh_total_score"): 19.0, ("COG", 2024, "fh_status"): 3.0,
        ("PSE", 2024, "fh_political_rights"): 3.0, ("PSE", 2024, "fh_civil_liberties"): 20.0,  # West Bank
        ("PSE", 2024, "fh_total_score"): 23.0, ("PSE", 2024, "fh_status"): 3.0,
        ("TCD", 2022, "fh_political_rights"): -2.0, ("TCD", 2022, "fh_civil_liberties"): 10.0,  # PR may be < 0
        ("TCD", 2022, "fh_total_score"): 8.0, ("TCD", 2022, "fh_status"): 3.0,
    }
    reasons = dict(zip(r.rejects["row_number"], r.rejects["reason"], strict=True))
    # Excel rows: title on 1, header on 2, data from 3
    assert "rated separately from the West Bank" in reasons[6]  # Gaza Strip: not merged into PSE
    assert "disputed territory" in reasons[7]  # Abkhazia
    assert "unknown name 'Narnia'" in reasons[8]
    assert reasons[9] == "column 'Status': 'XF' is not F / PF / NF"
    assert reasons[10] == "column 'Total': 120 is above the allowed 100"
    assert r.tables["indicator_values"]["row_number"].min() == 3


def test_shared_freedomhouse(shared_raw: Path, ctx, monkeypatch):
    path = shared_raw / "freedomhouse" / "All_data_FIW_2013-2024.xlsx"
    monkeypatch.delenv(OPT_IN_ENV, raising=False)
    r = SOURCE.read_file(path, ctx)
    assert (r.rows_read, r.loaded()) == (2723, 0)  # SOURCE.md: 2,723 rows; not loaded without opt-in
    monkeypatch.setenv(OPT_IN_ENV, "freedomhouse")
    r = SOURCE.read_file(path, ctx)
    assert r.rows_read == r.loaded() + r.rows_rejected + r.rows_duplicate + r.rows_excluded
    v = _values(r)
    ws = openpyxl.load_workbook(path, read_only=True)["FIW13-25"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    header, data = list(rows[0]), rows[1:]
    ix = {c: header.index(c) for c in ("Country/Territory", "Edition", "Status", "PR", "CL", "Total")}
    for name, iso3 in (("Myanmar", "MMR"), ("Congo (Kinshasa)", "COD"), ("West Bank", "PSE")):
        row = next(x for x in data if x[ix["Country/Territory"]] == name and int(x[ix["Edition"]]) == 2025)
        assert v[(iso3, 2024, "fh_total_score")] == float(row[ix["Total"]])
        assert v[(iso3, 2024, "fh_civil_liberties")] == float(row[ix["CL"]])
        assert v[(iso3, 2024, "fh_status")] == {"F": 1, "PF": 2, "NF": 3}[row[ix["Status"]]]
    gaza = sum(1 for x in data if x[ix["Country/Territory"]] == "Gaza Strip")
    assert gaza and r.rejects["reason"].str.contains("Gaza|West Bank").sum() >= gaza
