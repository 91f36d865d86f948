"""The pages' plain-Python / numpy stand-ins for Polars calls give exactly what those calls gave.

Why these exist: on a request's path each Polars collect, sort, gather, join or concat costs ~0.2–1 ms instead of
the ~25 µs it takes in a loop — after a few ms of other work (a DuckDB query, Python) its code and data are cold
again (bench/RESULTS.md); the answers must stay byte-identical. Each test compares a stand-in with the Polars
expression it replaced, on every country of the real warehouse (../shared) and on edge values. No timing asserts.
Stand-ins worth under ~1 ms an answer went back to plain Polars (issue 20); ``dashboard/fast_paths.py`` says which
survive and why. The EWP, deaths and listing-label tests stay as checks of those answers against the source rows.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.conftest import query


@pytest.fixture(scope="module")
def real(shared_warehouse: Path) -> Path:
    from dashboard.server import create_app

    create_app(shared_warehouse)
    return shared_warehouse


def same_values(a: pl.Series, b: pl.Series) -> bool:
    """Equal dtype and values, NaN equal to NaN and null to null (the page prints both)."""
    def key(v: object) -> object:
        return "nan" if isinstance(v, float) and math.isnan(v) else v

    return a.dtype == b.dtype and [key(v) for v in a.to_list()] == [key(v) for v in b.to_list()]


def test_ewp_tables_are_the_former_polars_frames(real):
    from dashboard import data
    from dashboard.pages import country

    seen = 0
    for code in data.countries()["iso3"].to_list():
        ewp = data.ewp_history(code)
        if not ewp.height or ewp["onset_risk"].null_count() == ewp.height:
            continue
        seen += 1
        assert_frame_equal(country._ewp_percent(ewp), ewp.with_columns(
            (pl.col("onset_risk") * 100).round(2).alias("onset_risk"),
            (pl.col("onset_risk_1yr") * 100).round(2).alias("onset_risk_1yr")))
        long = country._ewp_long(ewp)  # every row has a year and a value, in % for probabilities
        assert long["year"].null_count() == long["value"].null_count() == 0 and long.height <= 2 * ewp.height
    assert seen > 100
    # editions that are not plain years: Polars' own parse decides, as before
    odd = pl.DataFrame({"edition": ["2023-24", "+123", " 202", None, "20a1"], "onset_risk": [0.1, 0.2, None, 0.3, 0.4],
                        "onset_risk_1yr": [None, 0.05, 0.06, 0.07, 0.08]})
    assert country._ewp_long(odd).rows() == [(2023, 10.0, "Onset risk (2 yr)"), (123, 20.0, "Onset risk (2 yr)"),
                                             (123, 5.0, "Onset risk (1 yr)")]


def trace_arrays(fig) -> list[tuple]:
    return [(t.name, t.fill, list(t.x), [None if math.isnan(v) else v for v in t.y]) for t in fig.data]


def test_time_series_picks_rows_as_the_polars_filters_did(real):
    """Traces from numpy row picks equal those from the former per-series filter + sort (deaths with low–high
    bands on every country with UCDP deaths; shuffled rows; a null year)."""
    from dashboard import data, figures
    from dashboard.pages import country

    def former(long: pl.DataFrame) -> list[tuple]:
        out = []
        for name in dict.fromkeys(long["series"].to_list()):
            sub = long.filter(pl.col("series") == name).sort("year")
            if "low" in sub.columns and sub["low"].null_count() < sub.height:
                band = sub.filter(pl.col("low").is_not_null() & pl.col("high").is_not_null())
                out.append((None, None, band["year"].to_list(), band["high"].cast(pl.Float64).to_list()))
                out.append((f"{name} (low–high)", "tonexty", band["year"].to_list(),
                            band["low"].cast(pl.Float64).to_list()))
            out.append((name, None, sub["year"].to_list(),
                        [None if v is None or math.isnan(v) else v for v in sub["value"].cast(pl.Float64).to_list()]))
        return out

    seen = 0
    for code in data.countries()["iso3"].to_list():
        ids3 = [i for i in data.DEATH_INDICATORS.values() if i in data.country_indicator_ids(code)]
        if not ids3:
            continue
        seen += 1
        want = tuple(ids3) + tuple(f"{i}_{s}" for i in ids3 for s in ("low", "high"))
        long = country._deaths_long(data.country_values(code, want), ids3)
        assert trace_arrays(figures.time_series(long, "t", "s", "src", "d")) == former(long), code
        shuffled = long.sample(fraction=1.0, shuffle=True, seed=seen)
        assert trace_arrays(figures.time_series(shuffled, "t", "s", "src", "d")) == former(shuffled), code
    assert seen > 50
    nulls = pl.DataFrame({"year": [2001, None, 2000, 2002], "value": [1.0, 2.0, None, 4.0], "series": ["a"] * 4})
    x = figures.time_series(nulls, "t", "s", "src", "d").data[0].x  # sorted by Polars, nulls first (as NaN)
    assert [None if math.isnan(v) else v for v in x] == [None, 2000, 2001, 2002]


def test_md_escaped_is_the_translate_and_cells_are_escaped():
    from dashboard.components import _cell, md_table
    from dashboard.fast_paths import MD_ESCAPE, md_escaped

    rng = random.Random(4)
    chars = "ab \\`*_[]<>#~|\n\r–é^-"
    for _ in range(20_000):
        text = "".join(rng.choice(chars) for _ in range(rng.randint(0, 8)))
        assert md_escaped(text) == text.translate(MD_ESCAPE)
    df = pl.DataFrame({"s": ["a|b", None, "plain", "x_y"], "i": [1234567, None, -5, 0],
                       "f": [1234.5, math.nan, None, 0.0123], "d": [dt.date(2024, 1, 2), None, dt.date(2020, 5, 6),
                                                                     dt.date(1999, 1, 1)],
                       "b": [True, False, None, True], "year": [2024, 2023, None, 2021]})
    text = md_table(df).children
    rows = [line.split(" | ") for line in text.splitlines()[2:]]
    for k, c in enumerate(df.columns):
        for r, v in enumerate(df[c].to_list()):
            want = (str(v) if v is not None else _cell(v)) if c == "year" else _cell(v)
            assert rows[r][k].strip("| ") == want.translate(MD_ESCAPE), (c, v)


def test_one_stamp_reads_the_warehouse_once(real, monkeypatch):
    from dashboard import data

    calls = []
    stamp = data.Warehouse.stamp
    monkeypatch.setattr(data.Warehouse, "stamp", lambda self: calls.append(1) or stamp(self))
    codes = ("SDN", "UKR", "FRA")

    def page_reads() -> None:
        for code in codes:
            data.country(code), data.risk_history(code), data.country_indicator_ids(code)

    with data.one_stamp():
        page_reads()  # fills the caches (each query still checks the file: Warehouse._cursor)
    calls.clear()
    with data.one_stamp():
        page_reads()
        with data.one_stamp():  # nested: still the page's stamp
            data.country_names()
    assert len(calls) == 1  # the stat on entry, none per cached call
    calls.clear()
    page_reads()
    assert len(calls) == 3 * len(codes)  # outside a block, every cached call stats the file


def test_listing_labels_are_the_former_format_and_join(real):
    """The world map's "R2P risk level (as of)" column: latest listing up to each year and its month, as the Polars
    format + left join gave it, for every year with a listing and around them."""
    from dashboard import data

    years = [r[0] for r in query(real, "SELECT DISTINCT year(as_of) FROM r2p_risk_levels WHERE as_of IS NOT NULL")]
    assert years
    for year in range(min(years) - 1, max(years) + 2):
        latest = data.risk_levels_asof(year).select(
            "iso3", pl.format("{} ({})", "risk_level", pl.col("as_of").dt.strftime("%Y-%m")).alias("risk_level"))
        countries = data.countries().select("iso3")
        want = countries.join(latest, on="iso3", how="left", maintain_order="left")["risk_level"]
        label = data.listing_labels(year)
        got = pl.Series("risk_level", [label.get(c) for c in countries["iso3"].to_list()], dtype=pl.String)
        assert same_values(got, want), year
        assert (year < min(years)) == (not label)


def test_deaths_long_frame_is_the_source_rows(real):
    """Each violence type's best estimate per year with that year's low and high estimate, from indicator_values."""
    from dashboard import data
    from dashboard.pages import country

    seen = 0
    for code in ("SDN", "COD", "SYR", "UKR", "MMR", "FRA"):
        ids3 = [i for i in data.DEATH_INDICATORS.values() if i in data.country_indicator_ids(code)]
        if not ids3:
            continue
        want = tuple(ids3) + tuple(f"{i}_{s}" for i in ids3 for s in ("low", "high"))
        long = country._deaths_long(data.country_values(code, want), ids3)
        for vt, ind in data.DEATH_INDICATORS.items():
            rows = query(real, "SELECT b.year, b.value, l.value, h.value FROM indicator_values b "
                               "LEFT JOIN indicator_values l ON l.iso3 = b.iso3 AND l.year = b.year "
                               "AND l.indicator_id = b.indicator_id || '_low' "
                               "LEFT JOIN indicator_values h ON h.iso3 = b.iso3 AND h.year = b.year "
                               "AND h.indicator_id = b.indicator_id || '_high' "
                               "WHERE b.iso3 = ? AND b.indicator_id = ? AND b.value IS NOT NULL ORDER BY b.year",
                         [code, ind])
            got = long.filter(pl.col("series") == vt).select("year", "value", "low", "high").rows()
            assert got == rows, (code, vt)
            seen += len(rows)
    assert seen > 100
