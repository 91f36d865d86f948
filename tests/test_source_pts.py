"""PTS: wide → long, 1–5 range, NA handling, code crosswalk, and the newer edition winning over the older one."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from etl.model import Context, SourceError
from etl.readers import sniff
from etl.sources.pts import SOURCE


@pytest.fixture
def lax(ctx) -> Context:
    """The fixture is mostly bad rows on purpose: lift the reject-share guard."""
    return Context(ctx.countries, max_reject_share=1.0)


def _values(result) -> dict[tuple[str, int, str], float]:
    iv = result.tables["indicator_values"]
    return {(r["iso3"], r["year"], r["indicator_id"]): r["value"] for r in iv.iter_rows(named=True)}


def test_recognise(fixtures: Path):
    for name in ("PTS-2025-sample.csv", "PTS-2024-sample.csv"):
        path = fixtures / "pts" / name
        assert SOURCE.recognise(path, sniff(path))
    other = fixtures / "vdem" / "dv_sample.csv"
    assert not SOURCE.recognise(other, sniff(other))


def test_read_new_edition(fixtures: Path, lax: Context):
    r = SOURCE.read_file(fixtures / "pts" / "PTS-2025-sample.csv", lax)
    assert r.version == "PTS-2024 (years 1985–2023)"  # edition = last year + 1; years of loaded rows
    assert (r.rows_read, r.loaded(), r.rows_rejected, r.rows_excluded, r.rows_duplicate) == (12, 5, 5, 2, 0)
    assert _values(r) == {
        ("MMR", 2022, "pts_amnesty"): 4.0, ("MMR", 2022, "pts_hrw"): 5.0, ("MMR", 2022, "pts_state_dept"): 4.0,
        ("MMR", 2023, "pts_amnesty"): 5.0, ("MMR", 2023, "pts_state_dept"): 3.0,  # PTS_H NA → no row
        ("ROU", 2023, "pts_amnesty"): 1.0, ("ROU", 2023, "pts_hrw"): 1.0, ("ROU", 2023, "pts_state_dept"): 2.0,
        ("XKX", 2023, "pts_amnesty"): 2.0, ("XKX", 2023, "pts_state_dept"): 2.0,
        # the Soviet Union counts toward Russia, its continuing State (etl/reference/historical_states.csv)
        ("RUS", 1985, "pts_amnesty"): 4.0, ("RUS", 1985, "pts_state_dept"): 4.0,
    }
    iv = r.tables["indicator_values"]
    assert iv.filter(pl.col("iso3") == "MMR", pl.col("year") == 2023)["row_number"].unique().to_list() == [3]
    reasons = dict(zip(r.rejects["row_number"], r.rejects["reason"], strict=True))
    assert set(reasons) == {9, 10, 11, 12, 13}
    assert iv.filter(pl.col("iso3") == "RUS")["row_number"].unique().to_list() == [8]  # Soviet Union, 1985
    assert "Gaza" in reasons[9] and "not merged" in reasons[9]
    assert reasons[10] == "column 'PTS_A': 6 is above the allowed 5"
    assert reasons[11] == "column 'PTS_H': 'x' is not an integer"
    assert reasons[12] == "column 'PTS_A': 0 is below the allowed 1"
    assert "unknown pts 'QQQ'" in reasons[13]


def test_old_edition_cp1252(fixtures: Path, lax: Context):
    r = SOURCE.read_file(fixtures / "pts" / "PTS-2024-sample.csv", lax)
    assert r.version.startswith("PTS-2023")  # edition from content: last year 2022 + 1
    assert (r.rows_read, r.loaded(), r.rows_rejected) == (4, 4, 0)
    assert _values(r)[("TUR", 2021, "pts_hrw")] == 3.0  # "Türkiye" row decoded from cp1252


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_newer_edition_wins(fixtures: Path, lax: Context, order):
    files = [fixtures / "pts" / "PTS-2025-sample.csv", fixtures / "pts" / "PTS-2024-sample.csv"]
    results = [SOURCE.read_file(files[i], lax) for i in order]
    results = SOURCE.combine(results, lax)
    new, old = sorted(results, key=lambda r: r.path.name, reverse=True)
    assert new.rows_duplicate == 0 and old.rows_duplicate == 1  # MMR 2022 given by both
    assert (old.rows_read, old.loaded(), old.rows_duplicate) == (4, 3, 1)
    merged = {**_values(old), **_values(new)}
    assert len(_values(old)) + len(_values(new)) == len(merged)  # no key twice
    assert merged[("MMR", 2022, "pts_amnesty")] == 4.0  # newer edition's value, not the older 3
    assert merged[("MMR", 2021, "pts_state_dept")] == 4.0  # only in the older edition: kept
    assert merged[("XKX", 2022, "pts_amnesty")] == 3.0


def test_structural_errors(fixtures: Path, ctx, tmp_path: Path):
    with pytest.raises(SourceError, match="HTML"):
        SOURCE.read_file(fixtures / "pts" / "not_data.csv", ctx)
    with pytest.raises(SourceError, match="PTS_S"):
        SOURCE.read_file(fixtures / "pts" / "missing_column.csv", ctx)
    # 6 of 13 rows bad (the sample's 5, its Soviet Union row counting toward Russia, plus one more unknown
    # entity): the default guard fails the file
    sample = (fixtures / "pts" / "PTS-2025-sample.csv").read_bytes()
    (tmp_path / "PTS-2025-sample.csv").write_bytes(sample + b"Lemuria;Lemuria;2023;LEM;998;QQL;998;eca;2;2;2;0;0;0\n")
    with pytest.raises(SourceError, match="rejected"):
        SOURCE.read_file(tmp_path / "PTS-2025-sample.csv", ctx)


def _raw_rows(path: Path, encoding: str, sep: str) -> list[dict]:
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh, delimiter=sep))


def test_shared_pts(shared_raw: Path, ctx):
    folder = shared_raw / "pts"
    new_path, old_path = folder / "PTS-2025.csv", folder / "PTS-2024.csv"
    results = SOURCE.combine([SOURCE.read_file(old_path, ctx), SOURCE.read_file(new_path, ctx)], ctx)
    old, new = results
    assert (new.rows_read, old.rows_read) == (10531, 10220)  # SOURCE.md
    for r in results:
        assert r.rows_read == r.loaded() + r.rows_rejected + r.rows_duplicate + r.rows_excluded
    assert old.loaded() == 0  # every scored country-year of PTS-2024 is re-issued in PTS-2025
    raw = _raw_rows(new_path, "utf-8-sig", ";")
    assert len(raw) == 10531
    values = _values(new)
    latest = max(int(r["Year"]) for r in raw)
    assert latest == 2024
    mmr = next(r for r in raw if r["WordBank_Code_A"] == "MMR" and int(r["Year"]) == latest)
    for col, ind in (("PTS_A", "pts_amnesty"), ("PTS_H", "pts_hrw"), ("PTS_S", "pts_state_dept")):
        assert values.get(("MMR", latest, ind)) == (None if mmr[col] == "NA" else float(mmr[col]))
    # crosswalk: Kosovo (KSV), DR Congo (ZAR), Romania (ROM) under their ISO3 codes
    for code, iso3 in (("KSV", "XKX"), ("ZAR", "COD"), ("ROM", "ROU"), ("WBG", "PSE")):
        row = next(r for r in raw if r["WordBank_Code_A"] == code and r["Year"] == "2020")
        assert values.get((iso3, 2020, "pts_amnesty")) == (None if row["PTS_A"] == "NA" else float(row["PTS_A"]))
    # scored rows = loaded rows; one row per country-year-indicator overall
    all_iv = pl.concat([r.tables["indicator_values"] for r in results])
    assert all_iv.select("iso3", "year", "indicator_id").is_duplicated().sum() == 0
    assert not all_iv["iso3"].is_in(["YUG", "SUN"]).any()
    assert all_iv["value"].is_between(1, 5).all()
