"""V-Dem: ERT / DemSpaces / subset layouts, code quirks (PSE vs PSG…), inverted pubcorr, no version mixing."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from etl.model import Context
from etl.readers import sniff
from etl.sources.vdem import SOURCE


@pytest.fixture
def lax(ctx) -> Context:
    return Context(ctx.countries, max_reject_share=1.0)


def _values(result) -> dict[tuple[str, int, str], float]:
    iv = result.tables["indicator_values"]
    return {(r["iso3"], r["year"], r["indicator_id"]): r["value"] for r in iv.iter_rows(named=True)}


def test_recognise(fixtures: Path):
    for name in ("ert_sample.csv", "dv_sample.csv", "vdem_subset_sample.csv"):
        path = fixtures / "vdem" / name
        assert SOURCE.recognise(path, sniff(path))
    pts = fixtures / "pts" / "PTS-2025-sample.csv"
    assert not SOURCE.recognise(pts, sniff(pts))


def test_ert(fixtures: Path, lax: Context):
    r = SOURCE.read_file(fixtures / "vdem" / "ert_sample.csv", lax)
    assert r.version == "ERT (2019–2020)"
    assert (r.rows_read, r.loaded(), r.rows_rejected, r.rows_excluded) == (8, 4, 4, 0)
    v = _values(r)
    assert v[("MEX", 2020, "vdem_v2x_polyarchy")] == 0.612
    assert v[("MEX", 2020, "vdem_v2x_regime")] == 2.0
    assert v[("MEX", 2019, "vdem_aut_ep")] == 1.0
    assert ("MEX", 2019, "vdem_v2x_polyarchy") not in v  # NA → no row
    assert v[("PSE", 2020, "vdem_v2x_polyarchy")] == 0.231  # Palestine/West Bank is the PSE series
    assert v[("PSE", 2020, "vdem_row_regch_event")] == -1.0
    assert v[("XKX", 2020, "vdem_dem_ep")] == 1.0
    assert len(v) == 5 + 2 + 5 + 5
    reasons = dict(zip(r.rejects["row_number"], r.rejects["reason"], strict=True))
    assert reasons[4] == "column 'v2x_polyarchy': 1.7 is above the allowed 1"
    assert "Palestine/Gaza" in reasons[6] and "rather than merged" in reasons[6]
    assert "Zanzibar" in reasons[7]
    assert "unknown vdem 'QQQ'" in reasons[9]
    assert "v2x_polyarchy_codelow" in r.note  # present but not in the catalog: listed, not loaded


def test_demspaces_pubcorr_inverted(fixtures: Path, lax: Context):
    r = SOURCE.read_file(fixtures / "vdem" / "dv_sample.csv", lax)
    assert (r.rows_read, r.loaded(), r.rows_rejected) == (3, 2, 1)
    v = _values(r)
    assert v[("USA", 2022, "vdem_v2x_pubcorr_inverted")] == 0.866
    assert v[("MEX", 2022, "vdem_v2xcs_ccsi")] == 0.61
    assert not any(k[2] == "vdem_v2x_pubcorr" for k in v)
    assert "German Democratic Republic" in r.rejects["reason"][0]


def test_no_version_mixing(fixtures: Path, lax: Context):
    ert = SOURCE.read_file(fixtures / "vdem" / "ert_sample.csv", lax)
    subset = SOURCE.read_file(fixtures / "vdem" / "vdem_subset_sample.csv", lax)
    assert subset.rows_excluded == 1  # MEX 2017: only an uncatalogued column has a value
    assert "v2x_foo" in subset.note
    ert, subset = SOURCE.combine([ert, subset], lax)
    # ERT reaches 2020, the subset 2019: the polyarchy series comes from ERT only
    sv = _values(subset)
    assert not any(k[2] == "vdem_v2x_polyarchy" for k in sv)
    assert sv == {("MEX", 2019, "vdem_v2x_pubcorr"): 0.4}  # original (not inverted) pubcorr is its own series
    assert (subset.rows_read, subset.loaded(), subset.rows_duplicate, subset.rows_excluded) == (3, 1, 1, 1)
    assert _values(ert)[("MEX", 2020, "vdem_v2x_polyarchy")] == 0.612


def test_catalog_ids_unique_and_prefixed():
    ids = [i.indicator_id for i in SOURCE.indicators]
    assert len(ids) == len(set(ids)) and all(i.startswith("vdem_") for i in ids)
    by_id = {i.indicator_id: i for i in SOURCE.indicators}
    assert by_id["vdem_v2xcs_ccsi"].risk_factors == (6,) and by_id["vdem_v2x_horacc_osp"].risk_factors == (3,)
    assert by_id["vdem_aut_ep"].risk_factors == (7, 8) and by_id["vdem_v2x_clphy"].risk_factors == (2,)
    assert by_id["vdem_v2x_polyarchy"].higher_is_worse is False


def test_shared_vdem(shared_raw: Path, ctx):
    folder = shared_raw / "vdem"
    results = SOURCE.combine([SOURCE.read_file(folder / "ert.csv", ctx),
                              SOURCE.read_file(folder / "dv_data_1968_on.csv", ctx)], ctx)
    ert, dv = results
    assert (ert.rows_read, dv.rows_read) == (19678, 8796)  # SOURCE.md
    for r in results:
        assert r.rows_read == r.loaded() + r.rows_rejected + r.rows_duplicate + r.rows_excluded
    # rejected units: exactly the documented non-ISO ones (PSG, PSB, SML, ZZB, DDR, VDR, YMD)
    with open(folder / "ert.csv", newline="") as fh:
        raw = list(csv.DictReader(fh))
    rejected_ids = {"PSG", "PSB", "SML", "ZZB", "DDR", "VDR", "YMD"}
    assert ert.rows_rejected == sum(r["country_text_id"] in rejected_ids for r in raw)
    v = _values(ert)
    nulls = sum(r["v2x_polyarchy"] == "NA" for r in raw if r["country_text_id"] not in rejected_ids)
    assert sum(k[2] == "vdem_v2x_polyarchy" for k in v) == len(raw) - ert.rows_rejected - nulls
    for code, iso3 in (("MMR", "MMR"), ("PSE", "PSE"), ("XKX", "XKX")):
        row = next(r for r in raw if r["country_text_id"] == code and r["year"] == "2024")
        assert v[(iso3, 2024, "vdem_v2x_polyarchy")] == float(row["v2x_polyarchy"])
        assert v[(iso3, 2024, "vdem_aut_ep")] == float(row["aut_ep"])
    with open(folder / "dv_data_1968_on.csv", newline="") as fh:
        dv_raw = list(csv.DictReader(fh))
    mmr = next(r for r in dv_raw if r["country_text_id"] == "MMR" and r["year"] == "2023")
    dvv = _values(dv)
    assert dvv[("MMR", 2023, "vdem_v2x_pubcorr_inverted")] == float(mmr["v2x_pubcorr"])
    assert dvv[("MMR", 2023, "vdem_v2xcs_ccsi")] == float(mmr["v2xcs_ccsi"])
    all_iv = pl.concat([r.tables["indicator_values"] for r in results])
    assert all_iv.select("iso3", "year", "indicator_id").is_duplicated().sum() == 0
