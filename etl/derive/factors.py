"""Per-country risk-factor board: every proxy rated (``risk_factor_proxies``), then one status per factor.

Inputs are warehouse tables as Polars frames, so the same code runs on a fixture warehouse and the real one.
World percentiles use the mid-rank definition, 100 × (rank − 0.5) / n with ties sharing their average rank, among
the countries with a value for that indicator in that year, oriented so that higher = worse.
"""

from __future__ import annotations

import polars as pl

from etl.derive.rules import BASELINE_YEARS, SEVERITY, Rules, fmt, rate
from etl.schema import CORE

PROXIES = CORE["risk_factor_proxies"]
STATUS = CORE["risk_factor_status"]
KIND_ORDER = {"absolute": 0, "percentile": 1}
COMMITTED = ("party", "member", "signatory")


def proxy_table(values: pl.DataFrame, catalog: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """One row per (iso3, factor, indicator) with a value: latest year, percentile, baseline, trend, signal, rule.

    ``values``: indicator_values [iso3, year, indicator_id, value, source_id, file_name, row_number];
    ``catalog``: indicators [indicator_id, higher_is_worse, risk_factors].
    """
    mapped = catalog.filter(pl.col("risk_factors").list.len() > 0).select("indicator_id", "higher_is_worse",
                                                                         "risk_factors")
    v = (values.join(mapped.select("indicator_id", "higher_is_worse"), on="indicator_id", how="inner")
         .filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan()))
    sign = pl.when(pl.col("higher_is_worse")).then(1.0).when(~pl.col("higher_is_worse")).then(-1.0)
    group = ["indicator_id", "year"]
    v = v.with_columns(
        (100 * ((pl.col("value") * sign).rank("average").over(group) - 0.5) / pl.len().over(group))
        .alias("world_percentile"),
        pl.col("year").max().over("indicator_id").alias("newest_year"),
    )
    latest = v.sort("year").group_by("iso3", "indicator_id").last()
    history = v.select("iso3", "indicator_id", pl.col("year").alias("_y"), pl.col("value").alias("_v"))
    baseline = (latest.select("iso3", "indicator_id", "year").join(history, on=["iso3", "indicator_id"])
                .filter((pl.col("_y") >= pl.col("year") - BASELINE_YEARS) & (pl.col("_y") < pl.col("year")))
                .group_by("iso3", "indicator_id").agg(pl.col("_v").mean().alias("baseline")))
    latest = latest.join(baseline, on=["iso3", "indicator_id"], how="left").with_columns(
        pl.when(pl.col("baseline").is_not_null() & (pl.col("baseline") != 0))
        .then(100 * (pl.col("value") - pl.col("baseline")) / pl.col("baseline").abs() * sign)
        .alias("trend_pct")
    )
    rows = latest.join(mapped.select("indicator_id", pl.col("risk_factors").alias("factor")), on="indicator_id")
    rows = rows.explode("factor")
    rule_of = {i: rules.for_indicator(i) for i in rows["indicator_id"].unique().to_list()}
    signals, texts = [], []
    for r in rows.select("indicator_id", "value", "year", "newest_year", "world_percentile",
                         "trend_pct").iter_rows(named=True):
        rule = rule_of[r["indicator_id"]]
        if rule is None:  # load_rules guarantees a '*' default; kept for safety with hand-made Rules
            signals.append("not rated")
            texts.append("not rated: no rule matches this indicator")
            continue
        signal, text = rate(rule, r["value"], r["year"], r["newest_year"], r["world_percentile"], r["trend_pct"],
                            rules.trend)
        signals.append(signal)
        texts.append(text)
    rows = rows.with_columns(pl.Series("signal", signals, pl.String), pl.Series("rule", texts, pl.String))
    return rows.select([pl.col(c).cast(t) for c, t in PROXIES.items()]).sort("iso3", "factor", "indicator_id")


def status_table(proxies: pl.DataFrame, countries: pl.DataFrame, factors: pl.DataFrame, evidence: pl.DataFrame,
                 commitments: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """Every country × every factor: the worst non-stale proxy signal, 'no data', or 'evidence only'."""
    by_key: dict[tuple[str, int], list[dict]] = {}
    for p in proxies.iter_rows(named=True):
        by_key.setdefault((p["iso3"], p["factor"]), []).append(p)
    n_evidence = {(r["iso3"], r["factor"]): r["n"] for r in
                  evidence.group_by("iso3", "factor").agg(pl.len().alias("n")).iter_rows(named=True)}
    n_commit = {r["iso3"]: r["n"] for r in commitments.filter(pl.col("status").is_in(COMMITTED))
                .group_by("iso3").agg(pl.len().alias("n")).iter_rows(named=True)}
    kind_of = {}
    for indicator in proxies["indicator_id"].unique().to_list():
        rule = rules.for_indicator(indicator)
        kind_of[indicator] = KIND_ORDER.get(rule.kind, 2) if rule else 2
    out = []
    for iso3 in countries["iso3"].to_list():
        for f in factors.iter_rows(named=True):
            factor = f["factor"]
            items = by_key.get((iso3, factor), [])
            n_ev = n_evidence.get((iso3, factor), 0)
            status, reason, driver = _status(items, f["evidence_only"], n_ev, kind_of)
            out.append({
                "iso3": iso3, "factor": factor, "status": status, "reason": reason, "driver_indicator": driver,
                "n_proxies": len(items), "n_stale": sum(p["signal"] == "stale" for p in items), "n_evidence": n_ev,
                "n_commitments": n_commit.get(iso3, 0) if factor == 6 else 0,
                "latest_year": max((p["year"] for p in items), default=None),
            })
    return pl.DataFrame(out, schema=STATUS).sort("iso3", "factor")


def _status(items: list[dict], evidence_only: bool, n_evidence: int,
            kind_of: dict[str, int]) -> tuple[str, str, str | None]:
    if evidence_only:
        return "evidence only", (f"No good public quantitative proxy for this factor: analyst evidence only "
                                 f"({n_evidence} item{'s' if n_evidence != 1 else ''})."), None
    rated = [p for p in items if p["signal"] in SEVERITY]
    if not rated:
        stale = sorted((p for p in items if p["signal"] == "stale"), key=lambda p: (-p["year"], p["indicator_id"]))
        if stale:
            p = stale[0]
            return "no data", (f"Only stale data: the most recent is {p['indicator_id']} = {fmt(p['value'])} "
                               f"({p['year']}), while that indicator has data to {p['newest_year']}."), None
        if items:
            return "no data", "Only context indicators (shown, not rated) have data for this country.", None
        return "no data", "No proxy of this factor has a value for this country.", None

    def order(p: dict) -> tuple:
        pct = p["world_percentile"]
        return (SEVERITY[p["signal"]], kind_of.get(p["indicator_id"], 2), -(pct if pct is not None else -1),
                -p["year"], p["indicator_id"])

    if all(p["signal"] == "low" for p in rated):
        top = sorted(rated, key=lambda p: (-(p["world_percentile"] if p["world_percentile"] is not None else -1),
                                           p["indicator_id"]))[0]
        return "low", (f"All {len(rated)} rated proxies are low; e.g. {top['indicator_id']} = {fmt(top['value'])} "
                       f"({top['year']}): {top['rule']}."), top["indicator_id"]
    worst = sorted(rated, key=order)[0]
    same = sum(p["signal"] == worst["signal"] for p in rated) - 1
    more = f" (+{same} other {worst['signal']} proxies)" if same else ""
    return worst["signal"], (f"{worst['indicator_id']} = {fmt(worst['value'])} ({worst['year']}): "
                             f"{worst['rule']}{more}."), worst["indicator_id"]
