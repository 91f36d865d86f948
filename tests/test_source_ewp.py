"""Early Warning Project sources: SRA forecasts/coefficients, 2025 predictors, mass-killing episode list."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from etl.model import SourceError
from etl.readers import sniff
from etl.sources.ewp_mass_killing import SOURCE as MK
from etl.sources.ewp_predictors import SOURCE as PRED
from etl.sources.ewp_sra import SOURCE as SRA


def _check_invariant(result) -> None:
    assert result.rows_read == result.loaded() + result.rows_rejected + result.rows_duplicate


def _value(frame: pl.DataFrame, iso3: str, year: int, indicator: str) -> float:
    hit = frame.filter((pl.col("iso3") == iso3) & (pl.col("year") == year) & (pl.col("indicator_id") == indicator))
    assert hit.height == 1, (iso3, year, indicator, hit)
    return hit["value"][0]


def _reasons(result) -> dict[int, str]:
    return dict(zip(result.rejects["row_number"].to_list(), result.rejects["reason"].to_list(), strict=True))


# ---------------------------------------------------------------------------------------------- crosswalk


def test_pitf_crosswalk_codes_that_collide_with_iso(ctx):
    look = ctx.countries.lookup
    assert look("AUS", "pitf").iso3 == "AUT"  # PITF Austria, not ISO Australia
    assert look("AUL", "pitf").iso3 == "AUS"
    assert look("SWZ", "pitf").iso3 == "CHE"
    assert look("SWA", "pitf").iso3 == "SWZ"
    assert look("SLV", "pitf").iso3 == "SVN"
    assert look("SAL", "pitf").iso3 == "SLV"
    assert look("MNG", "pitf").iso3 == "MNE"  # Montenegro in the 2013 forecasts
    assert look("MON", "pitf").iso3 == "MNG"
    assert look("MAC", "pitf").iso3 == "MKD"
    assert look("MYA", "pitf").iso3 == "MMR"
    assert look("ZAI", "pitf").iso3 == "COD"
    assert look("UK", "pitf").iso3 == look("UKG", "pitf").iso3 == "GBR"
    # EWP numeric ccodes (COW numbering)
    assert look("679", "pitf").iso3 == "YEM"
    assert look("775", "pitf").iso3 == "MMR"
    assert look("345", "pitf").iso3 == "SRB"
    for historical in ("265", "315", "680", "817"):  # absorbed or dissolved (etl/reference/historical_states.csv)
        m = look(historical, "pitf")
        assert m.action == "reject" and m.iso3 is None and "historical" in m.reason
    assert look("678", "pitf").iso3 == "YEM"  # North Yemen: Yemen is its continuing state (same policy everywhere)


def test_pitf_crosswalk_file_is_well_formed():
    path = Path(__file__).resolve().parents[1] / "etl" / "reference" / "codes" / "pitf.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert all(r["system"] == "pitf" for r in rows)
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    assert all(r["action"] in ("map", "reject") for r in rows)
    assert all(r["note"] for r in rows)
    assert all((r["action"] == "map") == bool(r["iso3"]) for r in rows)


# ---------------------------------------------------------------------------------------------- SRA fixtures


def test_recognise_by_content(fixtures):
    sra = fixtures / "ewp-sra"
    for path in sorted(sra.rglob("*.csv")):
        head = sniff(path)
        assert SRA.recognise(path, head) != PRED.recognise(path, head), path
    assert PRED.recognise(sra / "predictors" / "prepared2024predictors-2025-09-03.csv",
                          sniff(sra / "predictors" / "prepared2024predictors-2025-09-03.csv"))
    m49 = fixtures / "m49" / "m49_sample.csv"
    assert not SRA.recognise(m49, sniff(m49)) and not PRED.recognise(m49, sniff(m49))


def test_ulfelder_history_is_one_year_risk_with_computed_rank(fixtures, ctx):
    r = SRA.read_file(fixtures / "ewp-sra" / "2015" / "ewp.exante.forecast.history.2015.csv", ctx)
    _check_invariant(r)
    assert (r.rows_read, r.loaded(), r.rows_rejected) == (9, 6, 3)
    reasons = _reasons(r)
    assert reasons[8] == "column 'mean.p': value is missing"  # Barbados NA row
    assert "unknown pitf 'XXX'" in reasons[9]
    assert reasons[10] == "column 'mean.p': 12.5 is above the allowed 1"
    fc = r.tables["ewp_forecasts"]
    assert fc["onset_risk_2yr"].null_count() == fc.height  # one-year forecasts never fill the 2-year column
    mmr14 = fc.filter((pl.col("edition") == 2014) & (pl.col("iso3") == "MMR")).to_dicts()[0]
    assert mmr14["onset_risk_1yr"] == 0.125 and mmr14["forecast_window_start"] == mmr14["forecast_window_end"] == 2014
    # 2014: NGA 0.375 > MMR 0.125 == AUT 0.125 → ties share rank 2
    ranks = dict(fc.filter(pl.col("edition") == 2014).select("iso3", "rank").iter_rows())
    assert ranks == {"NGA": 1, "MMR": 2, "AUT": 2}
    assert fc.filter(pl.col("edition") == 2013)["iso3"].to_list() == ["MNE"]
    iv = r.tables["indicator_values"]
    assert set(iv["indicator_id"]) == {"ewp_onset_risk_1yr", "ewp_rank"}
    assert _value(iv, "AUT", 2015, "ewp_onset_risk_1yr") == 0.25


def test_combine_drops_the_repeated_2015_edition(fixtures, ctx):
    hist = SRA.read_file(fixtures / "ewp-sra" / "2015" / "ewp.exante.forecast.history.2015.csv", ctx)
    single = SRA.read_file(fixtures / "ewp-sra" / "2015" / "ewp.forecasts.2015.csv", ctx)
    hist, single = SRA.combine([hist, single], ctx)
    _check_invariant(hist)
    _check_invariant(single)
    assert hist.rows_duplicate == 2 and hist.loaded() == 4
    assert single.loaded() == 3 and single.rows_duplicate == 0
    both = pl.concat([hist.tables["indicator_values"], single.tables["indicator_values"]])
    assert not both.select(pl.struct("iso3", "year", "indicator_id").is_duplicated().any()).item()
    assert _value(both, "CHE", 2015, "ewp_onset_risk_1yr") == 0.25
    assert both.filter(pl.col("year") == 2015)["file_name"].unique().to_list() == ["ewp.forecasts.2015.csv"]


def test_sftg_edition_window_from_columns_and_rank(fixtures, ctx):
    r = SRA.read_file(fixtures / "ewp-sra" / "2019" / "base2018-run-2019-09-19.csv", ctx)
    _check_invariant(r)
    assert (r.rows_read, r.loaded(), r.rows_rejected) == (6, 4, 2)
    reasons = _reasons(r)
    assert reasons[7] == "column 'risk_in_2019_20': value is missing"  # Chad NA
    assert reasons[6].startswith("duplicate country in this edition")
    fc = r.tables["ewp_forecasts"]
    assert set(fc["forecast_window_start"]) == {2019} and set(fc["forecast_window_end"]) == {2020}
    assert fc["rank_computed"].all()
    # SVN and MKD tie at 0.002 → they share rank 3
    assert dict(fc.select("iso3", "rank").iter_rows()) == {"COD": 1, "MMR": 2, "MKD": 3, "SVN": 3}
    iv = r.tables["indicator_values"]
    assert _value(iv, "MMR", 2019, "ewp_onset_risk_2yr") == 0.06
    assert _value(iv, "MMR", 2019, "ewp_onset_risk_1yr") == 0.03
    assert _value(iv, "SVN", 2019, "ewp_rank") == 3
    assert iv.height == 12


def test_ccode_edition_uses_published_rank_and_latest_window(fixtures, ctx):
    r = SRA.read_file(fixtures / "ewp-sra" / "2025" / "final_forecasts_data_3Sep2025.csv", ctx)
    _check_invariant(r)
    assert (r.rows_read, r.loaded(), r.rows_rejected) == (5, 3, 2)
    reasons = _reasons(r)
    # a 2025 row for the Yemen Arab Republic (678) counts toward YEM under the historical-states policy, so it is a
    # second, different Yemen row of the edition: rejected as a conflicting duplicate
    assert reasons[5].startswith("duplicate country in this edition")
    assert reasons[6] == "column 'rank.2025and2026.from2025': 'x' is not an integer"
    fc = r.tables["ewp_forecasts"].sort("rank")
    assert fc.select("iso3", "edition", "forecast_window_start", "forecast_window_end", "onset_risk_2yr",
                     "onset_risk_1yr", "rank", "rank_1yr", "rank_computed").rows() == [
        ("MMR", 2025, 2025, 2026, 0.2, 0.125, 1, 2, False),
        ("TCD", 2025, 2025, 2026, 0.2, 0.25, 2, 1, False),  # published ranks break the tie; kept as published
        ("YEM", 2025, 2025, 2026, 0.1, 0.0625, 3, 3, False),
    ]
    assert r.tables["indicator_values"]["year"].unique().to_list() == [2025]  # previous-edition columns ignored


def test_percent_scaled_file_fails_the_source(tmp_path, ctx):
    path = tmp_path / "2021" / "base2020-run.csv"
    path.parent.mkdir()
    lines = ['"country","SFTGcode","COW","risk_in_2021","risk_in_2021_22"']
    lines += [f'"C{i}","MYA",775,{i + 2}.5,{i + 5}.25' for i in range(8)]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SourceError, match="rows rejected"):
        SRA.read_file(path, ctx)


def test_coefficients_two_horizons(fixtures, ctx):
    r = SRA.read_file(fixtures / "ewp-sra" / "2019" / "base2018-coeffs-run-2019-09-19.csv", ctx)
    _check_invariant(r)
    assert (r.rows_read, r.loaded(), r.rows_rejected, r.rows_duplicate) == (5, 3, 1, 1)
    assert _reasons(r) == {6: "column 'Variables': variable name is empty"}
    co = r.tables["ewp_coefficients"]
    assert set(co["edition"]) == {2019}
    got = {(m, v): c for m, v, c in co.select("model", "variable", "coefficient").iter_rows()}
    assert got == {("1yr", "(Intercept)"): -8.5, ("2yr", "(Intercept)"): -10.25, ("1yr", "anymk.ever"): 0.125,
                   ("2yr", "anymk.ever"): 0.375, ("2yr", "coup.try.5yr"): 0.5}


def test_coefficients_edition_from_folder_and_variants(fixtures, ctx, tmp_path):
    src = fixtures / "ewp-sra" / "2023" / "coefficients_9Nov_hackregion.csv"
    r = SRA.read_file(src, ctx)
    _check_invariant(r)
    assert _reasons(r) == {4: "column 'coef.full': 'oops' is not a number"}
    co = r.tables["ewp_coefficients"]
    assert set(co["edition"]) == {2023}
    assert co.filter(pl.col("variable") == "mean_mk_onset").select("model", "coefficient", "odds_ratio").sort(
        "model").rows() == [("full", -0.5, 0.6065), ("noprev", -0.25, 0.7788)]
    flat = tmp_path / "coefficients_9Nov_hackregion.csv"
    shutil.copy(src, flat)
    with pytest.raises(SourceError, match="which edition"):
        SRA.read_file(flat, ctx)
    cached = tmp_path / "2023_coefficients_9Nov_hackregion.csv"  # the name the download is cached under
    shutil.copy(src, cached)
    assert set(SRA.read_file(cached, ctx).tables["ewp_coefficients"]["edition"]) == {2023}


# ---------------------------------------------------------------------------------------------- predictors


def test_predictors_wide_to_long_without_imputation(fixtures, ctx):
    r = PRED.read_file(fixtures / "ewp-sra" / "predictors" / "prepared2024predictors-2025-09-03.csv", ctx)
    _check_invariant(r)
    assert (r.rows_read, r.loaded(), r.rows_rejected, r.rows_duplicate) == (7, 3, 3, 1)
    reasons = _reasons(r)
    assert "East Germany" in reasons[4]
    assert reasons[5] == "column 'year': '20x4' is not an integer"
    assert reasons[8] == "column 'discrimpop': 1.5 is above the allowed 1"
    iv = r.tables["indicator_values"]
    assert _value(iv, "MMR", 2024, "ewp_discrimpop") == 0.125
    assert _value(iv, "MMR", 2023, "ewp_freediscussion") == 0.375
    assert _value(iv, "MMR", 2024, "ewp_coup_try_5yr") == 1
    assert _value(iv, "YEM", 2024, "ewp_mk_ongoing_count_log2") == 1
    # empty cell → no row (never imputed); MMR 2023 has it
    assert iv.filter((pl.col("iso3") == "MMR") & (pl.col("indicator_id") == "ewp_un_imr_sqrt"))["year"].to_list() == [
        2023]
    assert not iv["indicator_id"].str.contains("reg_|year_sq|popsize|mk_onset_1").any()
    per_row = len(PRED.indicators)
    assert iv.height == 3 * per_row - 1


def test_predictor_catalog_risk_factors():
    cat = {i.indicator_id: i for i in PRED.indicators}
    assert cat["ewp_discrimpop"].risk_factors == (9,)
    assert cat["ewp_coup_try_5yr"].risk_factors == (8,)
    assert cat["ewp_repress_civilsoc"].risk_factors == (6,)
    assert cat["ewp_pol_killing_approved"].risk_factors == (2,)
    assert cat["ewp_mk_ever"].risk_factors == (2,)
    assert cat["ewp_mk_ongoing_count_log2"].risk_factors == (11,)
    assert all(i.indicator_id.startswith("ewp_") for i in (*PRED.indicators, *SRA.indicators, *MK.indicators))


# ---------------------------------------------------------------------------------------------- mass killing


@pytest.fixture()
def mk_workbook(fixtures, tmp_path) -> Path:
    """Write the hand-written mk_events rows into an .xlsx laid out like the real master list."""
    rows = list(csv.reader((fixtures / "ewp-mass-killing" / "mk_events.csv").open(encoding="utf-8")))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "mk_events"
    for i, row in enumerate(rows):
        out = []
        for j, cell in enumerate(row):
            if i and cell and j in (3, 4, 7, 8, 9, 10, 11, 12, 13):
                out.append(float(cell))
            else:
                out.append(cell if cell else None)
        ws.append([*out, None, None])  # trailing empty columns as in the original
    ws.append([None] * 5)  # blank rows below the list are not records
    wb.create_sheet("droped cases").append(["country", "exclude"])
    path = tmp_path / "EWP mass killing events master list_2025.xlsx"
    wb.save(path)
    return path


def test_mass_killing_episodes_and_ongoing(mk_workbook, ctx, fixtures):
    assert MK.recognise(mk_workbook, sniff(mk_workbook))
    csv_file = fixtures / "ewp-mass-killing" / "mk_events.csv"
    assert not MK.recognise(csv_file, sniff(csv_file))
    r = MK.read_file(mk_workbook, ctx)
    _check_invariant(r)
    assert (r.rows_read, r.loaded(), r.rows_rejected, r.rows_duplicate) == (8, 4, 3, 1)
    reasons = _reasons(r)
    assert "Czechoslovakia" in reasons[5] and reasons[5].startswith("column 'mk_location_cow'")
    assert reasons[6] == "end year before start year"
    assert reasons[7].startswith("column 'State-Led or Non-State-Led': 'Militia'")
    ep = r.tables["mass_killing_episodes"]
    sudan = ep.filter(pl.col("episode_code") == "tst2019ns1").to_dicts()[0]
    assert sudan["country"] == "Sudan" and sudan["iso3"] == "SDN" and sudan["responsible_iso3"] is None
    assert (sudan["start_year"], sudan["end_year"], sudan["perpetrator_type"]) == (2019, 2020, "Non-State-Led")
    pak = ep.filter(pl.col("episode_code") == "tst2017s1").to_dicts()[0]
    assert (pak["iso3"], pak["responsible_iso3"], pak["location_cow"]) == ("BGD", "PAK", "771")
    open_ep = ep.filter(pl.col("episode_code") == "tst2018s1").to_dicts()[0]
    assert open_ep["ongoing"] is True and open_ep["end_year"] is None
    iv = r.tables["indicator_values"]
    # open episode runs to the latest year in the list (2020): MMR 2016-2017 one episode, 2018-2019 two, 2020 one
    mmr = dict(iv.filter(pl.col("iso3") == "MMR").select("year", "value").iter_rows())
    assert mmr == {2016: 1, 2017: 1, 2018: 2, 2019: 2, 2020: 1}
    assert dict(iv.filter(pl.col("iso3") == "SDN").select("year", "value").iter_rows()) == {2019: 1, 2020: 1}
    assert iv.filter(pl.col("iso3") == "TCD").height == 0


def test_mass_killing_missing_sheet_is_structural(tmp_path, ctx):
    path = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.save(path)
    assert not MK.recognise(path, sniff(path))
    with pytest.raises(SourceError, match="no sheet 'mk_events'"):
        MK.read_file(path, ctx)


# ---------------------------------------------------------------------------------------------- real data

SRA_FILES = {  # file → (data rows per SOURCE.md, rows loaded, rows rejected)
    "2015/ewp.forecasts.2015.csv": (162, 162, 0),
    "2018/sortedrisk_2017based_1and2yr_15Oct2018.csv": (162, 162, 0),
    "2019/base2018-run-2019-09-19.csv": (162, 162, 0),
    "2020/base2019-run-2020-08-18.csv": (162, 162, 0),
    "2021/base2020-run-2021-08-18.csv": (162, 162, 0),
    "2022/base2021-run-2022-09-30.csv": (162, 162, 0),
    "2023/final_forecasts_data_9Nov_hackregion.csv": (166, 166, 0),
    "2024/final_forecasts_data_11Oct2024.csv": (168, 168, 0),
    "2025/final_forecasts_data_3Sep2025.csv": (168, 168, 0),
    "2019/base2018-coeffs-run-2019-09-19.csv": (35, 35, 0),
    "2020/base2019-coeffs-run-2020-08-18.csv": (32, 32, 0),
    "2021/base2020-coeffs-run-2021-08-18.csv": (32, 32, 0),
    "2022/base2021-coeffs-run-2022-09-30.csv": (32, 32, 0),
    "2023/coefficients_9Nov_hackregion.csv": (42, 42, 0),
    "2024/coefficients_11Oct2024.csv": (40, 40, 0),
    "2025/coefficients_3Sep2025.csv": (40, 40, 0),
}


@pytest.fixture(scope="module")
def sra_results(shared_raw, ctx):
    folder = shared_raw / "ewp-sra"
    paths = sorted(p for p in folder.rglob("*.csv") if SRA.recognise(p, sniff(p)))
    results = SRA.combine([SRA.read_file(p, ctx) for p in paths], ctx)
    return {str(r.path.relative_to(folder)): r for r in results}


def _raw_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.shared
def test_real_sra_row_counts(sra_results):
    assert set(sra_results) == {*SRA_FILES, "2015/ewp.exante.forecast.history.2015.csv"}
    for name, (rows, loaded, rejected) in SRA_FILES.items():
        r = sra_results[name]
        _check_invariant(r)
        assert (r.rows_read, r.loaded(), r.rows_rejected) == (rows, loaded, rejected), name
    hist = sra_results["2015/ewp.exante.forecast.history.2015.csv"]
    _check_invariant(hist)
    # 491 rows = 2013 (167: 4 all-NA → rejected) + 2014 (162) + 2015 (162 repeats of ewp.forecasts.2015.csv)
    assert (hist.rows_read, hist.rows_rejected, hist.rows_duplicate, hist.loaded()) == (491, 4, 162, 325)
    fc = pl.concat([r.tables["ewp_forecasts"] for r in sra_results.values() if "ewp_forecasts" in r.tables])
    per_edition = dict(fc.group_by("edition").len().iter_rows())
    assert per_edition == {2013: 163, 2014: 162, 2015: 162, 2018: 162, 2019: 162, 2020: 162, 2021: 162, 2022: 162,
                           2023: 166, 2024: 168, 2025: 168}
    iv = pl.concat([r.tables["indicator_values"] for r in sra_results.values() if "indicator_values" in r.tables])
    assert not iv.select(pl.struct("iso3", "year", "indicator_id").is_duplicated().any()).item()
    assert iv.filter(pl.col("indicator_id") == "ewp_onset_risk_2yr")["year"].unique().sort().to_list() == [
        2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025]
    assert iv.filter(pl.col("indicator_id") == "ewp_onset_risk_2yr")["value"].is_between(0, 1).all()
    co = pl.concat([r.tables["ewp_coefficients"] for r in sra_results.values() if "ewp_coefficients" in r.tables])
    assert dict(co.group_by("edition").len().iter_rows()) == {2019: 70, 2020: 64, 2021: 64, 2022: 64, 2023: 122,
                                                              2024: 40, 2025: 40}


@pytest.mark.shared
def test_real_myanmar_2025_matches_raw_row(shared_raw, sra_results):
    raw = [r for r in _raw_rows(shared_raw / "ewp-sra" / "2025" / "final_forecasts_data_3Sep2025.csv")
           if r["ccode"] == "775"]
    assert len(raw) == 1 and raw[0]["ewp_name"] == "Burma/Myanmar"
    iv = sra_results["2025/final_forecasts_data_3Sep2025.csv"].tables["indicator_values"]
    assert _value(iv, "MMR", 2025, "ewp_onset_risk_2yr") == float(raw[0]["risk.2025and2026.from2024"])
    assert _value(iv, "MMR", 2025, "ewp_onset_risk_1yr") == float(raw[0]["risk.2025only.from2024"])
    assert _value(iv, "MMR", 2025, "ewp_rank") == int(raw[0]["rank.2025and2026.from2025"])
    # the claim checked against the file: Myanmar is ranked 1st in the 2025 edition (3rd in 2024)
    assert int(raw[0]["rank.2025and2026.from2025"]) == 1
    raw24 = next(r for r in _raw_rows(shared_raw / "ewp-sra" / "2024" / "final_forecasts_data_11Oct2024.csv")
                 if r["ccode"] == "775")
    iv24 = sra_results["2024/final_forecasts_data_11Oct2024.csv"].tables["indicator_values"]
    assert _value(iv24, "MMR", 2024, "ewp_rank") == int(raw24["rank.2024and2025.from2023"]) == 3


@pytest.mark.shared
def test_real_computed_rank_and_pitf_codes(shared_raw, sra_results):
    raw = _raw_rows(shared_raw / "ewp-sra" / "2022" / "base2021-run-2022-09-30.csv")
    mya = next(r for r in raw if r["SFTGcode"] == "MYA")
    higher = sum(float(r["risk_in_2022_23"]) > float(mya["risk_in_2022_23"]) for r in raw)
    iv = sra_results["2022/base2021-run-2022-09-30.csv"].tables["indicator_values"]
    assert _value(iv, "MMR", 2022, "ewp_rank") == higher + 1
    assert _value(iv, "MMR", 2022, "ewp_onset_risk_2yr") == float(mya["risk_in_2022_23"])
    aus = next(r for r in raw if r["SFTGcode"] == "AUS")  # PITF AUS is Austria
    assert aus["country"] == "Austria"
    assert _value(iv, "AUT", 2022, "ewp_onset_risk_2yr") == float(aus["risk_in_2022_23"])


@pytest.mark.shared
def test_real_predictors(shared_raw, ctx):
    path = shared_raw / "ewp-sra" / "predictors" / "prepared2024predictors-2025-09-03.csv"
    assert PRED.recognise(path, sniff(path)) and not SRA.recognise(path, sniff(path))
    r = PRED.read_file(path, ctx)
    _check_invariant(r)
    raw = _raw_rows(path)
    assert r.rows_read == len(raw) == 9463
    # absorbed or dissolved states (GDR, Czechoslovakia, South Yemen, South Vietnam); North Yemen 678 → YEM
    historical = [x for x in raw if x["ccode"] in ("265", "315", "680", "817")]
    assert r.rows_rejected == len(historical) == 102 and r.rows_duplicate == 0
    yar = [x for x in raw if x["ccode"] == "678"]
    assert len(yar) == 30 and all(int(x["year"]) < 1990 for x in yar)  # no overlap with unified Yemen (679)
    iv = r.tables["indicator_values"]
    mmr = next(x for x in raw if x["ccode"] == "775" and x["year"] == "2024")
    for col, ind in (("discrimpop", "ewp_discrimpop"), ("coup.try.5yr", "ewp_coup_try_5yr"),
                     ("repress_civilsoc", "ewp_repress_civilsoc"), ("pol_killing_approved", "ewp_pol_killing_approved"),
                     ("mk_ever", "ewp_mk_ever"), ("mk_ongoing_count_log2", "ewp_mk_ongoing_count_log2")):
        assert _value(iv, "MMR", 2024, ind) == float(mmr[col])
    n_imr = sum(1 for x in raw if x["un_imr_sqrt"] != "" and x not in historical)
    assert iv.filter(pl.col("indicator_id") == "ewp_un_imr_sqrt").height == n_imr  # empty cells stay absent


@pytest.mark.shared
def test_real_mass_killing_list_matches_ewp_country_years(shared_raw, ctx):
    folder = shared_raw / "ewp-mass-killing"
    xlsx = folder / "EWP mass killing events master list_2025.xlsx"
    assert MK.recognise(xlsx, sniff(xlsx))
    assert not MK.recognise(folder / "basedata2025_4august2025.csv", sniff(folder / "basedata2025_4august2025.csv"))
    r = MK.read_file(xlsx, ctx)
    _check_invariant(r)
    # 157 episodes (SOURCE.md); 4 located in absorbed or dissolved states (Czechoslovakia ×2, South Vietnam,
    # South Yemen); the North Yemen episode counts toward YEM (etl/reference/historical_states.csv)
    assert (r.rows_read, r.loaded(), r.rows_rejected) == (157, 153, 4)
    ep = r.tables["mass_killing_episodes"]
    assert ep["perpetrator_type"].value_counts().sort("perpetrator_type").rows() == [
        ("Non-State-Led", 27), ("State-Led", 126)]
    assert ep["ongoing"].sum() == 20
    assert ep.filter(pl.col("episode_code") == "mmr2021s1")["start_year"].to_list() == [2021]
    # the derived count equals EWP's own country-year mk_ongoing_count for every country-year it covers
    iv = r.tables["indicator_values"]
    derived = {(a, b): v for a, b, v in iv.select("iso3", "year", "value").iter_rows()}
    expected: dict[tuple[str, int], float] = {}
    for row in _raw_rows(folder / "basedata2025_4august2025.csv"):
        m = ctx.countries.lookup(row["ccode"], "pitf")
        if m.action == "map" and float(row["mk_ongoing_count"]) > 0:
            expected[(m.iso3, int(row["year"]))] = float(row["mk_ongoing_count"])
    assert derived == expected
    assert derived[("MMR", 2024)] == 3
