"""UN Framework risk factors: the factors as data, the rating rules, the derived board, staleness, real cases."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from etl.derive import DeriveError, derive
from etl.derive.factors import proxy_table, status_table
from etl.derive.rules import RULES_FILE, RuleError, fmt, load_rules, rate
from etl.derive.staleness import stale_reasons
from etl.runner import update
from etl.sources.un_framework import REFERENCE
from etl.sources.un_framework import SOURCE as FRAMEWORK
from tests.conftest import FIXTURES
from tests.conftest import query as q

EVIDENCE_ONLY = {4, 5, 10, 12, 14}


# -- the 14 factors as data ---------------------------------------------------------------------------------------

def test_framework_factors_are_complete_and_classified(ctx):
    table = FRAMEWORK.read_file(REFERENCE, ctx).tables["risk_factors"]
    assert table["factor"].to_list() == list(range(1, 15))
    rows = {r["factor"]: r for r in table.iter_rows(named=True)}
    assert {f for f, r in rows.items() if r["evidence_only"]} == EVIDENCE_ONLY
    for f, r in rows.items():
        expected = ["common"] if f <= 8 else ["genocide"] if f <= 10 else (
            ["crimes against humanity"] if f <= 12 else ["war crimes"])
        assert r["crimes"] == expected, f
        assert r["kind"] == ("common" if f <= 8 else "specific")
        assert r["name"] and r["definition"].endswith(".")
    assert rows[11]["name"] == "Signs of a widespread or systematic attack against any civilian population"


def test_framework_file_with_a_missing_factor_fails_clearly(ctx, tmp_path: Path):
    from etl.model import SourceError

    bad = tmp_path / "risk_factors.csv"
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # factor 14 dropped
    with pytest.raises(SourceError, match=r"risk_factors.csv.*expected factors 1–14"):
        FRAMEWORK.read_file(bad, ctx)


# -- rules ----------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rules():
    return load_rules()


def test_absolute_thresholds_have_their_published_meaning(rules):
    pts = rules.for_indicator("pts_amnesty")
    assert rate(pts, 5, 2024, 2024, 99.0, None, rules.trend) == ("elevated", "PTS 5 ≥ 4 (absolute threshold)")
    assert rate(pts, 3, 2024, 2024, 60.0, None, rules.trend)[0] == "watch"
    assert rate(pts, 2, 2024, 2024, 40.0, 100.0, rules.trend) == ("low", "PTS 2 < 3 (below the watch threshold)")
    rank = rules.for_indicator("ewp_rank")
    assert rate(rank, 1, 2025, 2025, 99.7, None, rules.trend) == ("elevated", "EWP rank 1 ≤ 30 (absolute threshold)")
    assert rate(rank, 45, 2025, 2025, 70.0, None, rules.trend)[0] == "watch"
    assert rate(rank, 61, 2025, 2025, 60.0, None, rules.trend)[0] == "low"
    deaths = rules.for_indicator("ucdp_state_based_deaths")
    assert rate(deaths, 1000, 2024, 2024, 95.0, None, rules.trend)[0] == "elevated"
    assert rate(deaths, 25, 2024, 2024, 80.0, None, rules.trend)[0] == "watch"
    assert rate(deaths, 24, 2024, 2024, 80.0, None, rules.trend)[0] == "low"
    regime = rules.for_indicator("vdem_row_regch_event")
    assert rate(regime, -1, 2024, 2024, None, None, rules.trend)[0] == "watch"
    assert rate(regime, 0, 2024, 2024, None, None, rules.trend)[0] == "low"
    assert rate(rules.for_indicator("ewp_mass_killing_ongoing"), 1, 2024, 2024, 50.0, None, rules.trend)[0] == \
        "elevated"


def test_percentile_trend_stale_and_context_rules(rules):
    default = rules.for_indicator("vdem_v2xcs_ccsi")
    assert default.indicator == "*"
    assert rate(default, 0.1, 2023, 2023, 91.4, None, rules.trend) == (
        "elevated", "91st world percentile ≥ 90th")
    assert rate(default, 0.1, 2023, 2023, 75.0, None, rules.trend)[0] == "watch"
    # low level, but worse by ≥ 50% against the 3-year baseline → watch (only at or above the world median)
    signal, text = rate(default, 0.3, 2023, 2023, 60.0, 62.0, rules.trend)
    assert signal == "watch" and text.startswith("worsened 62% vs its 2020–2022 mean (≥ 50%)")
    assert rate(default, 10, 2023, 2023, 30.0, 400.0, rules.trend)[0] == "low"  # tiny count doubling: no flag
    assert rate(default, 0.3, 2023, 2023, 60.0, 49.0, rules.trend)[0] == "low"
    # a value more than 3 years older than the indicator's newest year does not count
    signal, text = rate(default, 0.1, 2019, 2023, 99.0, None, rules.trend)
    assert signal == "stale" and "2019" in text and "2023" in text
    assert rate(default, 0.1, 2020, 2023, 99.0, None, rules.trend)[0] == "elevated"
    # presence-only tables (rows only in conflict years): an old row is stale at once
    assert rate(rules.for_indicator("ucdp_acd_max_intensity"), 2, 2021, 2022, 90.0, None, rules.trend)[0] == "stale"
    assert rate(default, 0.1, 2023, 2023, None, None, rules.trend)[0] == "not rated"  # direction unknown
    assert rate(rules.for_indicator("ucdp_onesided_deaths_high"), 5000, 2024, 2024, 99.0, None,
                rules.trend)[0] == "not rated"


def test_every_rule_row_has_a_note_and_the_file_is_checked(tmp_path: Path):
    with open(RULES_FILE, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["note"].strip() for r in rows)
    bad = tmp_path / "risk_factor_rules.csv"
    text = RULES_FILE.read_text(encoding="utf-8").replace("absolute,pts_*,>=,4,3", "absolute,pts_*,>=,four,3", 1)
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError, match=r"risk_factor_rules.csv, row \d+, column 'elevated': 'four' is not a number"):
        load_rules(bad)


# -- derived tables on hand-made frames ------------------------------------------------------------------------------

def _values(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"iso3": pl.String, "year": pl.Int64, "indicator_id": pl.String,
                                      "value": pl.Float64}, orient="row").with_columns(
        pl.lit("test").alias("source_id"), pl.lit("f.csv").alias("file_name"), pl.lit(2, pl.Int64).alias("row_number"))


CATALOG = pl.DataFrame({
    "indicator_id": ["pts_amnesty", "vdem_v2x_freexp_altinf", "ewp_efindex", "population"],
    "higher_is_worse": [True, False, None, None],
    "risk_factors": [[2], [6], [9], []],
}, schema={"indicator_id": pl.String, "higher_is_worse": pl.Boolean, "risk_factors": pl.List(pl.Int64)})


def test_proxy_percentile_baseline_and_trend(rules):
    values = _values([
        ("AAA", 2024, "pts_amnesty", 5), ("BBB", 2024, "pts_amnesty", 1), ("CCC", 2024, "pts_amnesty", 1),
        ("DDD", 2024, "pts_amnesty", 3),
        ("AAA", 2020, "vdem_v2x_freexp_altinf", 0.8), ("AAA", 2021, "vdem_v2x_freexp_altinf", 0.8),
        ("AAA", 2022, "vdem_v2x_freexp_altinf", 0.6), ("AAA", 2023, "vdem_v2x_freexp_altinf", 0.35),
        ("BBB", 2023, "vdem_v2x_freexp_altinf", 0.9), ("CCC", 2023, "vdem_v2x_freexp_altinf", 0.2),
        ("AAA", 2024, "ewp_efindex", 0.5), ("AAA", 2024, "population", 1e6),
    ])
    proxies = proxy_table(values, CATALOG, rules)
    rows = {(r["iso3"], r["indicator_id"]): r for r in proxies.iter_rows(named=True)}
    assert ("AAA", "population") not in rows  # not a proxy of any factor
    pts = rows[("AAA", "pts_amnesty")]
    assert (pts["factor"], pts["signal"], pts["rule"]) == (2, "elevated", "PTS 5 ≥ 4 (absolute threshold)")
    assert pts["world_percentile"] == pytest.approx(100 * (4 - 0.5) / 4)  # worst of 4
    assert rows[("BBB", "pts_amnesty")]["world_percentile"] == pytest.approx(100 * (1.5 - 0.5) / 4)  # tie: mid-rank
    free = rows[("AAA", "vdem_v2x_freexp_altinf")]
    assert free["year"] == 2023 and free["baseline"] == pytest.approx((0.8 + 0.8 + 0.6) / 3)
    # lower is worse for this index: a fall is a positive (worse) trend
    assert free["trend_pct"] == pytest.approx(100 * (0.8 + 0.8 + 0.6 - 3 * 0.35) / (0.8 + 0.8 + 0.6))
    assert free["world_percentile"] == pytest.approx(100 * (2 - 0.5) / 3)  # CCC (0.2) is worse
    assert free["signal"] == "watch" and free["rule"].startswith("worsened 52%")
    ef = rows[("AAA", "ewp_efindex")]
    assert ef["world_percentile"] is None and ef["trend_pct"] is None and ef["signal"] == "not rated"


def test_status_worst_signal_no_data_and_evidence_only(rules):
    values = _values([
        ("AAA", 2024, "pts_amnesty", 5), ("BBB", 2024, "pts_amnesty", 1), ("CCC", 2018, "pts_amnesty", 5),
        ("AAA", 2023, "vdem_v2x_freexp_altinf", 0.9), ("BBB", 2023, "vdem_v2x_freexp_altinf", 0.5),
    ])
    proxies = proxy_table(values, CATALOG, rules)
    countries = pl.DataFrame({"iso3": ["AAA", "BBB", "CCC", "ZZZ"]})
    factors = pl.DataFrame({"factor": list(range(1, 15)), "evidence_only": [f in EVIDENCE_ONLY for f in range(1, 15)]})
    evidence = pl.DataFrame({"iso3": ["AAA", "AAA"], "factor": [10, 10]},
                            schema={"iso3": pl.String, "factor": pl.Int64})
    commitments = pl.DataFrame({"iso3": ["AAA", "AAA", "BBB"], "commitment": ["a", "b", "a"],
                                "status": ["party", "withdrawn", "signatory"]})
    status = status_table(proxies, countries, factors, evidence, commitments, rules)
    assert status.height == 4 * 14
    s = {(r["iso3"], r["factor"]): r for r in status.iter_rows(named=True)}
    assert s[("AAA", 2)]["status"] == "elevated" and s[("AAA", 2)]["driver_indicator"] == "pts_amnesty"
    assert s[("AAA", 2)]["reason"] == "pts_amnesty = 5 (2024): PTS 5 ≥ 4 (absolute threshold)."
    assert s[("BBB", 2)]["status"] == "low" and s[("BBB", 2)]["reason"].startswith("All 1 rated proxies are low")
    assert s[("CCC", 2)]["status"] == "no data" and "stale" in s[("CCC", 2)]["reason"]  # 2018 vs newest 2024
    assert (s[("CCC", 2)]["n_proxies"], s[("CCC", 2)]["n_stale"]) == (1, 1)
    assert s[("ZZZ", 1)]["status"] == "no data" and s[("ZZZ", 1)]["n_proxies"] == 0
    assert s[("AAA", 10)]["status"] == "evidence only" and s[("AAA", 10)]["n_evidence"] == 2
    assert {r["status"] for r in status.iter_rows(named=True) if r["factor"] in EVIDENCE_ONLY} == {"evidence only"}
    assert s[("AAA", 6)]["n_commitments"] == 1 and s[("BBB", 6)]["n_commitments"] == 1  # party / signatory
    assert s[("AAA", 2)]["n_commitments"] == 0


# -- staleness -------------------------------------------------------------------------------------------------------

def test_stale_reasons_newer_data_and_large_moves():
    series = pl.DataFrame({"indicator_id": ["a", "a", "a", "b", "b", "c"], "year": [2020, 2021, 2023, 2021, 2023, 2020],
                           "value": [10.0, 10.0, 16.0, 100.0, 120.0, 0.0]})
    reasons = stale_reasons(dt.date(2021, 6, 30), series)
    assert reasons == ["newer data exists: a 2023", "a moved +60% since 2021 (10 → 16 in 2023)",
                       "newer data exists: b 2023"]
    assert stale_reasons(dt.date(2023, 12, 31), series) == []
    moved_from_zero = pl.DataFrame({"indicator_id": ["d", "d"], "year": [2019, 2022], "value": [0.0, 40.0]})
    assert stale_reasons(dt.date(2020, 1, 1), moved_from_zero)[-1] == "d moved from 0 in 2019 to 40 in 2022"
    assert stale_reasons(dt.date(2020, 1, 1), series.head(0)) == []


# -- a warehouse built from fixtures -----------------------------------------------------------------------------

@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """--from dir with M49 + PTS fixtures; curated dir with evidence, Pillar I and watchlist fixtures."""
    raw = tmp_path / "raw"
    (raw / "m49").mkdir(parents=True)
    shutil.copy(FIXTURES / "m49" / "m49_sample.csv", raw / "m49" / "m49.csv")
    (raw / "pts").mkdir()
    # the PTS fixture's clean rows (Myanmar 2022–2023, Romania, Kosovo); its later rows exercise rejects elsewhere
    lines = (FIXTURES / "pts" / "PTS-2025-sample.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (raw / "pts" / "PTS-2025.csv").write_text("".join(lines[:5]), encoding="utf-8")
    curated = tmp_path / "curated"
    shutil.copytree(FIXTURES / "evidence", curated / "evidence")
    (curated / "pillar1").mkdir()
    shutil.copy(FIXTURES / "commitments" / "rome-statute-parties.csv", curated / "pillar1")
    (curated / "watchlists").mkdir()
    shutil.copy(FIXTURES / "watchlists" / "acme-watch.csv", curated / "watchlists")
    shutil.copy(FIXTURES / "r2p" / "risk_levels_sample.csv", curated / "levels.csv")
    return tmp_path


def _pts_fixture(country: str) -> dict[str, dict[str, str]]:
    with open(FIXTURES / "pts" / "PTS-2025-sample.csv", newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))[:4]
    return {r["Year"]: r for r in rows if r["Country"] == country}


def test_fixture_warehouse_rates_factors_from_loaded_values(layout: Path, tmp_path: Path):
    db = tmp_path / "w.duckdb"
    report = update(db=db, from_dir=layout / "raw", quiet=True, curated_dir=layout / "curated")
    assert report.published and report.exit_code == 0, report.error
    mmr = _pts_fixture("Myanmar")["2023"]
    assert int(mmr["PTS_A"]) >= 4  # the fixture row the rule must read as elevated
    status, reason, driver = q(db, "SELECT status, reason, driver_indicator FROM risk_factor_status "
                                   "WHERE iso3 = 'MMR' AND factor = 2")[0]
    assert status == "elevated" and driver in ("pts_amnesty", "pts_hrw")
    assert reason == f"pts_amnesty = {mmr['PTS_A']} (2023): PTS {mmr['PTS_A']} ≥ 4 (absolute threshold) (+1 other " \
        "elevated proxies)."  # pts_hrw 2022 = 5 is the other one
    assert q(db, "SELECT value FROM risk_factor_proxies WHERE iso3 = 'MMR' AND indicator_id = 'pts_amnesty'") == [
        (float(mmr["PTS_A"]),)]
    rou = _pts_fixture("Romania")["2023"]
    assert max(int(rou[c]) for c in ("PTS_A", "PTS_H", "PTS_S")) < 3
    assert q(db, "SELECT status FROM risk_factor_status WHERE iso3 = 'ROU' AND factor = 2") == [("low",)]
    # every country × every factor; evidence-only factors never get a level, even with evidence items
    n_countries = q(db, "SELECT count(*) FROM countries")[0][0]
    assert q(db, "SELECT count(*) FROM risk_factor_status")[0][0] == 14 * n_countries
    assert q(db, "SELECT DISTINCT status FROM risk_factor_status WHERE factor IN (4, 5, 10, 12, 14)") == [
        ("evidence only",)]
    assert q(db, "SELECT n_evidence FROM risk_factor_status WHERE iso3 = 'MMR' AND factor = 10") == [(1,)]
    # the MMR item on factor 2 was written in 2022; the fixture has PTS data for 2023 → stale
    stale = q(db, "SELECT stale, stale_reason FROM evidence WHERE iso3 = 'MMR' AND factor = 2")[0]
    assert stale[0] is True and "newer data exists: pts_amnesty 2023" in stale[1]
    assert q(db, "SELECT stale FROM evidence WHERE iso3 = 'ROU'") == [(False,)]  # written 2024, data to 2023
    # the watchlist file became rows of r2p_risk_levels under its own list id
    assert q(db, "SELECT risk_level, as_of::VARCHAR FROM r2p_risk_levels WHERE list_id = 'acme-watch' "
                 "AND iso3 = 'MMR' ORDER BY as_of") == [("Imminent Risk", "2024-01-15"),
                                                        ("Current Crisis", "2024-07-01")]
    assert q(db, "SELECT DISTINCT list_id FROM r2p_risk_levels ORDER BY 1") == [("acme-watch",), ("gcr2p",)]
    # provenance: the rules are a row of `sources`, with the rules file's checksum
    rules_row = q(db, "SELECT file_name, rows_read, rows_loaded, status, length(file_sha256) FROM sources "
                      "WHERE source_id = 'risk_factor_rules'")
    assert rules_row == [("risk_factor_rules.csv", rules_row[0][1], rules_row[0][1], "ok", 64)]
    assert q(db, "SELECT count(*) FROM risk_factors")[0][0] == 14


def test_only_update_recomputes_the_board_from_carried_over_rows(layout: Path, tmp_path: Path):
    db = tmp_path / "w.duckdb"
    update(db=db, from_dir=layout / "raw", quiet=True, curated_dir=layout / "curated")
    before = q(db, "SELECT * FROM risk_factor_status ORDER BY iso3, factor")
    report = update(db=db, from_dir=layout / "raw", only=["m49"], quiet=True, curated_dir=layout / "curated")
    assert report.published and report.exit_code == 0
    assert q(db, "SELECT * FROM risk_factor_status ORDER BY iso3, factor") == before
    assert q(db, "SELECT count(*) FROM evidence WHERE stale")[0][0] == 1


def test_failed_derivation_keeps_the_previous_warehouse(layout: Path, tmp_path: Path, monkeypatch):
    db = tmp_path / "w.duckdb"
    update(db=db, from_dir=layout / "raw", quiet=True, curated_dir=layout / "curated")
    original = db.read_bytes()
    bad = tmp_path / "risk_factor_rules.csv"
    bad.write_text(RULES_FILE.read_text(encoding="utf-8").replace("percentile,*,>=,90,75,3",
                                                                  "percentile,*,>=,90,75,-1", 1), encoding="utf-8")
    import etl.warehouse as wh

    monkeypatch.setattr(wh, "derive", lambda con: derive(con, bad))
    report = update(db=db, from_dir=layout / "raw", quiet=True, curated_dir=layout / "curated")
    assert not report.published and report.exit_code == 1
    assert "DeriveError" in report.error and "column 'stale_after_years'" in report.error
    assert db.read_bytes() == original and not db.with_name(db.name + ".tmp").exists()
    with pytest.raises(DeriveError):
        con = duckdb.connect(":memory:")
        try:
            derive(con, bad)
        finally:
            con.close()


# -- the real datasets (../shared) ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(shared_warehouse: Path):
    con = duckdb.connect(str(shared_warehouse), read_only=True)
    yield con
    con.close()


def _latest(con, iso3: str, indicator: str) -> tuple[int, float]:
    return con.execute("SELECT year, value FROM indicator_values WHERE iso3 = ? AND indicator_id = ? "
                       "ORDER BY year DESC LIMIT 1", [iso3, indicator]).fetchone()


@pytest.mark.shared
def test_myanmar_pts_and_ewp_rank_read_as_elevated(real):
    pts = {i: _latest(real, "MMR", i) for i in ("pts_amnesty", "pts_hrw", "pts_state_dept")}
    worst = max(v for _, v in pts.values())
    assert worst >= 4, pts  # the source says PTS 4–5: the rule must say elevated
    status, driver, reason = real.execute("SELECT status, driver_indicator, reason FROM risk_factor_status "
                                          "WHERE iso3 = 'MMR' AND factor = 2").fetchone()
    assert status == "elevated"
    year, value = pts[driver] if driver in pts else _latest(real, "MMR", driver)
    assert reason.startswith(f"{driver} = {fmt(value)} ({year}): ")
    rank_year, rank = _latest(real, "MMR", "ewp_rank")
    assert rank <= 30, rank
    fed = [f for (f,) in real.execute("SELECT unnest(risk_factors) FROM indicators WHERE indicator_id = 'ewp_rank'"
                                      ).fetchall()]
    assert fed == [11]
    for factor in fed:
        assert real.execute("SELECT status FROM risk_factor_status WHERE iso3 = 'MMR' AND factor = ?",
                            [factor]).fetchone() == ("elevated",)
        assert real.execute("SELECT year, value, signal FROM risk_factor_proxies WHERE iso3 = 'MMR' AND factor = ? "
                            "AND indicator_id = 'ewp_rank'", [factor]).fetchone() == (rank_year, rank, "elevated")


@pytest.mark.shared
def test_a_country_with_low_values_reads_low(real):
    pts = [v for _, v in (_latest(real, "CHE", i) for i in ("pts_amnesty", "pts_state_dept"))]
    assert max(pts) <= 2, pts
    assert real.execute("SELECT count(*) FROM risk_factor_proxies WHERE iso3 = 'CHE' AND factor = 2 "
                        "AND signal IN ('elevated', 'watch')").fetchone() == (0,)
    assert real.execute("SELECT status FROM risk_factor_status WHERE iso3 = 'CHE' AND factor = 2").fetchone() == (
        "low",)
    onesided = _latest(real, "CHE", "ucdp_onesided_deaths")[1]
    assert onesided < 25
    assert real.execute("SELECT status FROM risk_factor_status WHERE iso3 = 'CHE' AND factor = 11").fetchone() == (
        "low",)


@pytest.mark.shared
def test_real_board_is_complete_and_evidence_only_factors_have_no_level(real):
    n = real.execute("SELECT count(*) FROM countries").fetchone()[0]
    assert real.execute("SELECT count(*), count(DISTINCT iso3) FROM risk_factor_status").fetchone() == (14 * n, n)
    assert real.execute("SELECT DISTINCT status FROM risk_factor_status WHERE factor IN (4, 5, 10, 12, 14)"
                        ).fetchall() == [("evidence only",)]
    # every proxy row is a catalog proxy of its factor, with the value stored in indicator_values
    assert real.execute(
        "SELECT count(*) FROM risk_factor_proxies p LEFT JOIN indicator_values v USING (iso3, indicator_id, year) "
        "JOIN indicators i USING (indicator_id) WHERE v.value IS DISTINCT FROM p.value "
        "OR NOT list_contains(i.risk_factors, p.factor)").fetchone() == (0,)
    assert real.execute("SELECT status FROM sources WHERE source_id = 'risk_factor_rules'").fetchall() == [("ok",)]
