"""Backtest of the alert rules against EWP mass-killing onsets: hand-checkable counts on a tiny warehouse, and the
real warehouse's result checked against the master list's raw rows and the alerts table."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from etl.derive import backtest as bt
from etl.derive.alerts import AlertRule, load_rules


def _rule(rule_id: str, evaluator: str, measure: str = "deaths") -> AlertRule:
    return AlertRule(rule_id, evaluator, measure, 2.0, 25.0, 3, "high", "ucdp_ged", "{country}", "docs")


def test_score_counts_preceded_same_year_and_lonely_alerts_by_hand():
    # onsets: AAA 2005 and BBB 2010 and CCC 2012; coverage: AAA/BBB/CCC every year 2000-2012 except CCC 2011
    onset = pl.DataFrame({"iso3": ["AAA", "BBB", "CCC"], "year": [2005, 2010, 2012]}, schema={"iso3": pl.String,
                                                                                              "year": pl.Int32})
    covered = {(c, y) for c in ("AAA", "BBB", "CCC") for y in range(2000, 2013)} - {("CCC", 2011)}
    alerts = pl.DataFrame({"iso3": ["AAA", "AAA", "BBB", "AAA", "DDD"],
                           "period_start": [date(2004, 3, 1), date(2004, 9, 1), date(2010, 5, 1),
                                            date(2001, 1, 1), date(2008, 6, 1)]})
    ongoing = {("AAA", 2001)}
    r = bt.score_rule(_rule("x", "monthly_surge"), alerts, onset, covered, ongoing)
    # AAA 2005: earliest alert of 2004 is March → 10 months before 1 Jan 2005; BBB 2010: alert only in 2010;
    # CCC 2012: 2011 not covered → not counted
    assert (r.alerts, r.onsets, r.preceded, r.median_lead_months, r.same_year_only) == (5, 2, 1, 10, 1)
    # lonely: AAA 2001 (no onset 2001/2002; ongoing), DDD 2008; AAA 2004 alerts precede 2005; BBB 2010 is its year
    assert (r.no_onset, r.no_onset_ongoing) == (2, 1)
    assert bt.preceded(alerts, onset, covered) == {("AAA", 2005): 10}


def test_rule_without_history_gets_a_reason_not_zeros():
    r = bt.score_rule(_rule("f", "factor_elevated"), pl.DataFrame({"iso3": [], "period_start": []}),
                      pl.DataFrame({"iso3": [], "year": []}), None, set())
    assert "no history" in r.note
    assert "no history to replay" in bt.markdown([r])


def _episodes(raw: Path) -> set[tuple[str, int]]:
    """(code prefix, start year) straight from the master list workbook's first sheet; its episode codes begin with
    the location's ISO3 code in lower case (``sdn2023ns1``)."""
    wb = openpyxl.load_workbook(next((raw / "ewp-mass-killing").glob("*.xlsx")), read_only=True, data_only=True)
    rows = wb.worksheets[0].iter_rows(values_only=True)
    header = [str(h or "").strip().lower() for h in next(rows)]
    code, start = header.index("mk_event_code"), header.index("startyear")
    return {(str(r[code])[:3].upper(), int(r[start])) for r in rows if r[code] and isinstance(r[start], int | float)}


@pytest.mark.shared
def test_real_backtest_matches_master_list_and_alerts(shared_warehouse, shared_raw):
    con = duckdb.connect(str(shared_warehouse), read_only=True)
    try:
        rules = {r.rule_id: r for r in load_rules()}
        results = {r.rule_id: r for r in bt.backtest(con, list(rules.values()))}
        rule = rules["ged_deaths_surge"]
        alerts = con.sql("SELECT iso3, period_start FROM alerts WHERE rule_id = 'ged_deaths_surge'").pl()
        hits = bt.preceded(alerts, bt.onsets(con), bt.coverage(con, rule))
    finally:
        con.close()
    res = results["ged_deaths_surge"]
    assert res.preceded == len(hits) > 0 and res.onsets >= res.preceded
    # every preceded onset is an episode start in the raw workbook, and an alert sits in the year before it
    raw = _episodes(shared_raw)
    for (iso3, year), lead in hits.items():
        assert (iso3, year) in raw, (iso3, year)
        months = [d for i, d in alerts.iter_rows() if i == iso3 and d.year == year - 1]
        assert months and lead == 12 - min(months).month + 1
    assert results["factor_elevated"].note


def test_yearly_rise_alert_names_the_source_release_not_only_its_file():
    from etl.derive.alerts import yearly_rise

    con = duckdb.connect()
    con.execute("CREATE TABLE indicator_values (iso3 VARCHAR, year BIGINT, indicator_id VARCHAR, value DOUBLE, "
                "source_id VARCHAR, file_name VARCHAR, row_number BIGINT)")
    con.execute("CREATE TABLE sources (source_id VARCHAR, file_name VARCHAR, version VARCHAR)")
    con.execute("INSERT INTO indicator_values VALUES ('AAA', 2020, 'refugees', 100000, 'unhcr_population', "
                "'population.csv', 1), ('AAA', 2021, 'refugees', 180000, 'unhcr_population', 'population.csv', 2), "
                "('AAA', 2022, 'refugees', 190000, 'unhcr_population', 'population.csv', 3)")
    con.execute("INSERT INTO sources VALUES ('unhcr_population', 'population.csv', 'UNHCR population 1951–2025')")
    rule = AlertRule("refugees_up", "yearly_rise", "refugees", 0.5, 50000.0, 12, "medium", "unhcr_population",
                     "{country} {value:,.0f}", "docs")
    alerts = yearly_rise(rule, con, {"AAA": "Aland"})
    # 2021: +80,000 and +80 % fires; 2022: +10,000 does not
    assert [(a["period"], a["value"], a["baseline"]) for a in alerts] == [("2021", 180000.0, 100000.0)]
    assert alerts[0]["source_versions"] == "UNHCR population 1951–2025"
    assert '"file": "population.csv"' in alerts[0]["evidence"]
