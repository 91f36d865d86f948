"""UCDP GED / Candidate events: every layout, the version rule, the dedup/supersession rules and each reject reason.

Fixtures in tests/fixtures/ucdp_ged/ are synthetic events in UCDP's layouts (made-up ids, actors and counts).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from etl.model import Context, SourceError
from etl.readers import sniff
from etl.sources.ucdp_ged import SOURCE, UcdpGed, version_from_name, version_key

FX = Path(__file__).parent / "fixtures" / "ucdp_ged"


@pytest.fixture(scope="module")
def lenient(ctx) -> Context:
    """The 25.1 fixture is mostly bad rows on purpose: lift the reject-share guard for it."""
    return Context(ctx.countries, max_reject_share=1.0)


def read(name: str, ctx: Context):
    return SOURCE.read_file(FX / name, ctx)


def ev(result, event_id: str) -> dict:
    rows = result.tables["events"].filter(pl.col("event_id") == event_id).to_dicts()
    assert len(rows) == 1, f"{event_id}: {len(rows)} rows"
    return rows[0]


def accounting_ok(r) -> bool:
    return r.rows_read == r.loaded() + r.rows_rejected + r.rows_duplicate + r.rows_excluded


# ---------------------------------------------------------------- recognition and versions
@pytest.mark.parametrize("name", sorted(p.name for p in FX.iterdir()))
def test_recognises_every_fixture_layout(name):
    assert SOURCE.recognise(FX / name, sniff(FX / name))


def test_does_not_recognise_other_files(tmp_path):
    cy = tmp_path / "organizedviolencecy_v25_1.csv"
    cy.write_text("country_id_cy,country_cy,year_cy,sb_total_deaths_best_cy\n475,Nigeria,2020,10\n")
    rda = tmp_path / "mexico.rda"
    rda.write_bytes(b"\x1f\x8b\x08\x00binary R data")
    assert not SOURCE.recognise(cy, sniff(cy))
    assert not SOURCE.recognise(rda, sniff(rda))
    assert not SOURCE.recognise(rda, "<zip>")


@pytest.mark.parametrize(("name", "version"), [
    ("GEDEvent_v23_1.csv", "23.1"), ("GEDEvent_v26_0_4.csv", "26.0.4"), ("ged191.csv", "19.1"),
    ("ged241_mexico_from_netify_rda.csv", "24.1"), ("ged251-csv.zip", "25.1"), ("ged_syria_from_rda.csv", None),
    ("conflict_data_sdn.csv", None),
])
def test_version_from_name(name, version):
    assert version_from_name(name) == version


def test_version_ordering_is_numeric():
    order = ["26.0.4", "19.1", "26.1", "syria-652.1601.1911", "25.1", "26.0.1", "23.1", "24.1"]
    assert sorted(order, key=version_key) == [
        "syria-652.1601.1911", "19.1", "23.1", "24.1", "25.1", "26.0.1", "26.0.4", "26.1"]


@pytest.mark.parametrize(("name", "version"), [
    ("GEDEvent_v25_1.csv", "25.1"),  # file name
    ("ged191_small.csv", "19.1"),  # file name
    ("caf_events.geojson", "23.1"),  # GeoJSON 'name' member
    ("caf_no_geom.csv", "23.1"),  # inferred: latest event 2022 → 23.1
    ("conflict_data_tst.csv", "24.1"),  # inferred: latest 2023
    ("conflict_data_pandas.csv", "20.1"),  # inferred: latest 2019
    ("candidate_april.csv", "26.0.4"),  # candidate (true/false), latest 2026-04
    ("syria_release.csv", "syria-652.1601.1911"),  # GED Syria: 2016-01 … 2019-11
])
def test_source_version_rule(name, version, lenient):
    r = read(name, lenient)
    assert r.version == version
    assert set(r.tables["events"]["source_version"]) == {version}


# ---------------------------------------------------------------- layouts and values
def test_current_schema_values_and_rejects(lenient):
    r = read("GEDEvent_v25_1.csv", lenient)
    assert (r.rows_read, r.loaded(), r.rows_rejected, r.rows_duplicate) == (13, 4, 8, 1)
    assert accounting_ok(r)
    e = ev(r, "1001")
    assert e["source"] == "ucdp_ged" and e["iso3"] == "MMR" and e["gw_code"] == "775"
    assert e["event_date"] == dt.date(2023, 3, 1) and e["date_end"] == dt.date(2023, 3, 1) and e["year"] == 2023
    assert e["violence_type"] == "state-based"
    assert (e["deaths_best"], e["deaths_low"], e["deaths_high"], e["deaths_a"], e["deaths_b"]) == (5, 4, 9, 2, 3)
    assert (e["conflict_id"], e["dyad_id"], e["code_status"], e["where_prec"]) == ("901", "801", "Clear", 1)
    assert (e["latitude"], e["longitude"], e["adm1"], e["adm2"]) == (20.5, 96.1, "Test state", "Test district")
    assert e["file_name"] == "GEDEvent_v25_1.csv" and e["row_number"] == 2
    assert ev(r, "1002")["violence_type"] == "non-state"  # multi-line quoted source text parsed as one record
    assert ev(r, "1003")["violence_type"] == "one-sided" and ev(r, "1003")["deaths_civilians"] == 7
    reasons = dict(r.rejects.select("row_number", "reason").iter_rows())
    assert reasons == {
        7: "duplicate event for id with different values (first occurrence kept)",
        8: "column 'type_of_violence': 4 is not 1, 2 or 3",
        9: "column 'best': -1 is below the allowed 0",
        10: "column 'date_end': 2024-03-01 is before 'date_start' 2024-03-03",
        11: "column 'id': 'x1008' is not an integer",
        12: "column 'country_id': unknown gw '999' (add it to etl/reference/codes/ if it is a country)",
        13: "columns 'country' and 'country_id' disagree: 'Bangladesh' is BGD but the code gives MMR",
        14: "column 'date_start': '2024-13-01' is not a date (YYYY-MM-DD)",
    }
    assert json.loads(r.rejects.filter(pl.col("row_number") == 8)["raw"][0])["type_of_violence"] == 4


def test_inconsistent_death_range_loaded_by_default_rejected_when_strict(lenient):
    r = read("GEDEvent_v25_1.csv", lenient)
    e = ev(r, "1004")
    assert (e["deaths_low"], e["deaths_best"], e["deaths_high"]) == (2, 1, 3)
    assert r.note == "1 events in the file break low <= best <= high (UCDP's own values; loaded as published)"

    class Strict(UcdpGed):
        strict_death_range = True

    s = Strict().read_file(FX / "GEDEvent_v25_1.csv", lenient)
    assert "1004" not in s.tables["events"]["event_id"].to_list()
    reason = s.rejects.filter(pl.col("row_number") == 5)["reason"].to_list()
    assert reason == ["columns 'low', 'best', 'high': low <= best <= high violated (low=2, best=1, high=3)"]
    assert accounting_ok(s)


def test_reject_share_guard_fails_a_mostly_bad_file(ctx):
    with pytest.raises(SourceError, match="8 of 13 rows rejected"):
        read("GEDEvent_v25_1.csv", ctx)


def test_ged191_schema(ctx):
    r = read("ged191_small.csv", ctx)
    assert r.tables["events"].sort("event_id")["iso3"].to_list() == ["MMR", "MMR", "BGD", "BGD"]
    e = ev(r, "1901")
    assert (e["gw_code"], e["violence_type"], e["deaths_civilians"], e["code_status"]) == ("771", "one-sided", 5, None)


def test_syria_release_without_gwnoa(ctx):
    r = read("syria_release.csv", ctx)
    assert r.tables["events"]["iso3"].unique().to_list() == ["SYR"]
    assert ev(r, "2002")["event_date"] == dt.date(2019, 11, 30)


def test_geojson_takes_coordinates_from_geometry_and_timestamps(ctx):
    r = read("caf_events.geojson", ctx)
    e = ev(r, "3004")
    assert (e["latitude"], e["longitude"], e["iso3"], e["event_date"]) == (5.4, 26.5, "CAF", dt.date(2020, 1, 1))
    assert e["row_number"] == 3  # 1-based feature number


def test_caf_conversion_without_geom_wkt(ctx):
    r = read("caf_no_geom.csv", ctx)
    assert ev(r, "3002")["event_date"] == dt.date(2022, 12, 30) and ev(r, "3002")["latitude"] == 5.4


def test_hdx_layout_a_hxl_row_iso3_and_crlf(ctx):
    r = read("conflict_data_tst.csv", ctx)
    assert (r.rows_read, r.loaded(), r.rows_rejected) == (3, 2, 1)
    e = ev(r, "4002")
    assert (e["iso3"], e["event_date"], e["deaths_civilians"], e["row_number"]) == ("SDN", dt.date(2023, 12, 31), 9, 4)
    assert r.rejects["reason"].to_list() == ["columns 'iso3' and 'country_id' disagree: iso3 SSD but GW 625 is SDN"]


def test_hdx_pandas_resave_index_column_and_floats(ctx):
    r = read("conflict_data_pandas.csv", ctx)
    assert r.rows_read == 2 and r.rows_rejected == 0
    e = ev(r, "5001")
    assert (e["gw_code"], e["conflict_id"], e["deaths_best"], e["where_prec"], e["iso3"]) == ("475", "901", 3, 1, "NGA")
    assert e["row_number"] == 3  # header = 1, HXL row = 2


def test_candidate_true_false_and_timestamps(ctx):
    r = read("candidate_april.csv", ctx)
    e = ev(r, "6001")
    assert (e["iso3"], e["event_date"], e["deaths_best"]) == ("IRN", dt.date(2026, 1, 20), 2)
    assert ev(r, "6002")["side_a"] == "XXX70"  # placeholder actor kept as published


# ---------------------------------------------------------------- combine
def test_combine_dedup_and_supersession(lenient):
    results = [read(p.name, lenient) for p in sorted(FX.iterdir())]
    out = {r.path.name: r for r in SOURCE.combine(results, lenient)}
    assert all(accounting_ok(r) for r in out.values())
    ids = {name: sorted(r.tables["events"]["event_id"].to_list()) for name, r in out.items()}
    # 1002 is newer in candidate 26.0.4 → duplicate in 25.1; 1001 newer in 25.1 → duplicate in 19.1
    assert ids["GEDEvent_v25_1.csv"] == ["1001", "1003", "1004"]
    assert out["GEDEvent_v25_1.csv"].rows_duplicate == 2  # exact repeat in file + 1002
    assert ids["candidate_april.csv"] == ["1002", "6001", "6002"]
    # 19.1: 1001 duplicate, 1900 (MMR, absent from 25.1) superseded, BGD kept
    assert ids["ged191_small.csv"] == ["1901", "1902"]
    g = out["ged191_small.csv"]
    assert (g.rows_duplicate, g.rows_rejected) == (1, 1)
    assert g.rejects["reason"].to_list() == [
        "superseded: GED 25.1 (GEDEvent_v25_1.csv) revises MMR up to 2024-12-31; "
        "this event of version 19.1 is not in it"]
    # same version 23.1 in two files: 3001 identical → duplicate, 3003 different → reject
    assert ids["caf_events.geojson"] == ["3001", "3003", "3004"]
    assert ids["caf_no_geom.csv"] == ["3002"]
    c = out["caf_no_geom.csv"]
    assert (c.rows_duplicate, c.rows_rejected) == (1, 1)
    assert c.rejects["reason"].to_list() == [
        "column 'id': event 3003 also in caf_events.geojson (same version 23.1) with different values (that one kept)"]
    # Syria release alone is kept
    assert ids["syria_release.csv"] == ["2001", "2002", "2003"]
    every = pl.concat([r.tables["events"] for r in out.values()])
    assert every["event_id"].is_unique().all()


def test_syria_release_not_mixed_with_global_syria_events(ctx, tmp_path):
    syria = tmp_path / "syria_release.csv"
    shutil.copy(FX / "syria_release.csv", syria)
    header, first = (FX / "GEDEvent_v25_1.csv").read_text().splitlines()[:2]
    cells = first.split(",")
    cols = header.split(",")
    for col, value in {"id": "7001", "country": "Syria", "country_id": "652", "gwnoa": "652",
                       "date_start": "2018-05-01", "date_end": "2018-05-01", "year": "2018"}.items():
        cells[cols.index(col)] = value
    glob = tmp_path / "GEDEvent_v19_1.csv"  # a global 19.1 release (coverage to 2018-12-31) holding Syria
    glob.write_text(f"{header}\n{','.join(cells)}\n")
    out = SOURCE.combine([SOURCE.read_file(syria, ctx), SOURCE.read_file(glob, ctx)], ctx)
    s, g = out
    assert s.tables["events"].height == 0 and s.rows_rejected == 3 and accounting_ok(s)
    reasons = dict(s.rejects.select("row_number", "reason").iter_rows())
    # 2016/2017 events: revised by the 19.1 coverage; the 2019 event: the special-release rule
    assert reasons[2] == ("superseded: GED 19.1 (GEDEvent_v19_1.csv) revises SYR up to 2018-12-31; this event of "
                          "version syria-652.1601.1911 is not in it")
    assert reasons[3] == ("superseded: GED Syria special release (includes sub-threshold dyads) is not mixed with "
                          "Syria events of GEDEvent_v19_1.csv in 2016-01-01…2019-11-30")
    assert g.tables["events"]["event_id"].to_list() == ["7001"]


# ---------------------------------------------------------------- the real files (../shared)
REAL = {  # file: (rows, tov 1/2/3, Σbest) from the SOURCE.md tables
    "ucdp-ged-extract/ged191.csv": (3194, (1390, 284, 1520), 20936, "19.1"),
    "ucdp-ged-extract/ged241_mexico_from_netify_rda.csv": (18957, (35, 18696, 226), 140695, "24.1"),
    "ucdp-ged-extract/ged241_myanmar_from_netify_rda.csv": (7374, (4966, 78, 2330), 28721, "24.1"),
    "ucdp-ged-extract/ged_syria_from_rda.csv": (16566, (11507, 4577, 482), 112337, "syria-652.1601.1911"),
    "ucdp-ged-extract/GEDEvent_v23_1.geojson": (1848, (401, 371, 1076), 14948, "23.1"),
    "ucdp-ged-extract/ged231_caf_from_geojson.csv": (1848, (401, 371, 1076), 14948, "23.1"),
    "ucdp-ged-hdx/conflict_data_ukr.csv": (2989, (2988, 1, 0), 7882, "22.1"),
    "ucdp-ged-hdx/conflict_data_phl.csv": (4035, (3453, 32, 550), 20511, "22.1"),
    "ucdp-ged-hdx/conflict_data_pak.csv": (6416, (5388, 469, 559), 43225, "22.1"),
    "ucdp-ged-hdx/conflict_data_ssd.csv": (941, (384, 201, 356), 13579, "22.1"),
    "ucdp-ged-hdx/conflict_data_col.csv": (4632, (3454, 166, 1012), 27617, "19.1"),
    "ucdp-ged-hdx/conflict_data_irq.csv": (7473, (5775, 145, 1553), 120631, "19.1"),
    "ucdp-ged-hdx/conflict_data_nga.csv": (4603, (1684, 1574, 1345), 57032, "20.1"),
    "ucdp-ged-hdx-sdn/conflict_data_sdn.csv": (3822, (1789, 569, 1464), 106270, "24.1"),
    "ucdp-ged-candidate/GEDEvent_v26_0_1.csv": (1727, (906, 441, 380), 33867, "26.0.1"),
    "ucdp-ged-candidate/GEDEvent_v26_0_4.csv": (1675, (987, 460, 228), 15583, "26.0.4"),
}
TOV = ("state-based", "non-state", "one-sided")


@pytest.fixture(scope="module")
def real(shared_raw, ctx):
    results = {name: SOURCE.read_file(shared_raw / name, ctx) for name in REAL}
    return results, {r.path.name: r for r in SOURCE.combine(list(results.values()), ctx)}


def test_real_files_match_source_md(real, shared_raw):
    results, _ = real
    for name, (rows, tov, best, version) in REAL.items():
        assert SOURCE.recognise(shared_raw / name, sniff(shared_raw / name)), name
        r = results[name]
        ev_ = r.tables["events"]
        counts = tuple(ev_.filter(pl.col("violence_type") == t).height for t in TOV)
        assert (r.rows_read, r.loaded(), r.rows_rejected, r.rows_duplicate) == (rows, rows, 0, 0), name
        assert (counts, ev_["deaths_best"].sum(), r.version) == (tov, best, version), name
        assert ev_["event_id"].is_unique().all(), name


def test_real_rda_files_not_recognised(shared_raw):
    for rda in sorted((shared_raw / "ucdp-ged-extract").glob("*.rda")):
        assert not SOURCE.recognise(rda, sniff(rda)), rda.name


def test_real_spot_values(real):
    results, _ = real
    e = ev(results["ucdp-ged-hdx/conflict_data_nga.csv"], "15960")  # raw row: 15960.0,NIG-2009-1-793-1,…
    assert (e["iso3"], e["gw_code"], e["violence_type"], e["event_date"]) == ("NGA", "475", "state-based",
                                                                              dt.date(2009, 6, 9))
    assert (e["latitude"], e["longitude"], e["adm1"], e["conflict_id"], e["dyad_id"]) == (
        11.84644, 13.160274, "Borno state", "297", "640")
    m = ev(results["ucdp-ged-extract/ged241_myanmar_from_netify_rda.csv"], "48528")  # MYA-1992-3-775-5
    assert (m["iso3"], m["violence_type"], m["deaths_civilians"], m["deaths_best"], m["event_date"]) == (
        "MMR", "one-sided", 34, 34, dt.date(1992, 2, 29))
    c = ev(results["ucdp-ged-candidate/GEDEvent_v26_0_4.csv"], "625373")  # IRN-2026-1-18868-62
    assert (c["iso3"], c["violence_type"], c["code_status"], c["conflict_id"]) == ("IRN", "state-based", "Clear",
                                                                                     "16905")


def test_real_combine(real):
    _, out = real
    assert all(accounting_ok(r) for r in out.values())
    g = out["ged191.csv"]
    # Myanmar 19.1: 2,587 ids re-issued in 24.1 (duplicates) + 6 absent from it (superseded); Bangladesh kept
    assert (g.loaded(), g.rows_duplicate, g.rows_rejected) == (601, 2587, 6)
    assert g.tables["events"]["iso3"].unique().to_list() == ["BGD"]
    # the CAF CSV conversion is the GeoJSON's content: all 1,848 are duplicates of the same 23.1 events
    assert (out["ged231_caf_from_geojson.csv"].loaded(), out["ged231_caf_from_geojson.csv"].rows_duplicate) == (0, 1848)
    assert out["GEDEvent_v23_1.geojson"].loaded() == 1848
    assert out["ged_syria_from_rda.csv"].loaded() == 16566  # no other Syria events: the special release stands
    every = pl.concat([r.tables["events"] for r in out.values()])
    assert every.height == sum(r.loaded() for r in out.values())
    assert every["event_id"].is_unique().all()
