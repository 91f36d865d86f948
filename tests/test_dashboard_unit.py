"""Dashboard unit tests: query layer, URL parameters, narratives, figure builders and page layouts.

They run on a tiny warehouse built here with the contract's DDL (etl/schema.py) and three fictional countries in
the ISO 3166 user-assigned range (XXA, XXB, XXC), so no figure about a real country is invented.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import duckdb
import plotly.utils
import polars as pl
import pytest

from etl import schema

COUNTRIES = [
    # iso3, name, region, sub-region
    ("XXA", "Avalonia", "Testregion North", "Upper North"),
    ("XXB", "Borduria", "Testregion North", "Lower North"),
    ("XXC", "Carpania", "Testregion South", "Far South"),
]
VALUES = [
    # iso3, year, indicator, value
    ("XXA", 2020, "ucdp_onesided_deaths", 10.0), ("XXA", 2021, "ucdp_onesided_deaths", 25.0),
    ("XXB", 2020, "ucdp_onesided_deaths", 7.0), ("XXB", 2021, "ucdp_onesided_deaths", 3.0),
    ("XXC", 2021, "ucdp_onesided_deaths", 40.0),
    ("XXA", 2021, "ucdp_onesided_deaths_low", 20.0), ("XXA", 2021, "ucdp_onesided_deaths_high", 31.0),
    ("XXA", 2021, "ucdp_state_based_deaths", 100.0), ("XXA", 2020, "ucdp_state_based_deaths", 90.0),
    ("XXA", 2021, "pts_amnesty", 4.0), ("XXB", 2021, "pts_amnesty", 2.0), ("XXC", 2021, "pts_amnesty", 3.0),
    ("XXA", 2021, "unhcr_refugees_origin", 1234.0),
]
INDICATORS = [
    ("ucdp_onesided_deaths", "One-sided violence deaths", "deaths", "test_ucdp", "Civilians killed", True, [2, 11]),
    ("ucdp_onesided_deaths_low", "One-sided deaths (low)", "deaths", "test_ucdp", "", True, [2, 11]),
    ("ucdp_onesided_deaths_high", "One-sided deaths (high)", "deaths", "test_ucdp", "", True, [2, 11]),
    ("ucdp_state_based_deaths", "State-based deaths", "deaths", "test_ucdp", "", True, [1]),
    ("pts_amnesty", "PTS (Amnesty)", "score 1–5", "test_pts", "Political Terror Scale", True, [2]),
    ("unhcr_refugees_origin", "Refugees from", "persons", "test_unhcr", "", True, [7]),
    ("vdem_unused", "No values", "index 0–1", "test_vdem", "", False, [6]),
]


def build_warehouse(path: Path, onesided_xxa_2021: float = 25.0) -> Path:
    """Write a tiny warehouse in the contract's layout (a temp file, then an atomic replace, like the loader)."""
    tmp = path.with_suffix(".tmp")
    if tmp.exists():
        tmp.unlink()
    con = duckdb.connect(str(tmp))
    for table, cols in schema.CORE.items():
        con.execute(schema.ddl(table, cols))
    con.execute(schema.ddl("indicators", schema.INDICATORS))
    con.execute(schema.ddl("sources", schema.SOURCES))
    con.execute(schema.ddl("rejects", schema.REJECTS))
    con.execute("CREATE TABLE countries (iso3 VARCHAR, iso2 VARCHAR, name VARCHAR, official_name VARCHAR, "
                "m49_code VARCHAR, m49_region VARCHAR, m49_subregion VARCHAR)")
    for iso3, name, region, sub in COUNTRIES:
        con.execute("INSERT INTO countries VALUES (?, ?, ?, ?, NULL, ?, ?)", [iso3, iso3[:2], name, name, region, sub])
    for iso3, year, ind, value in VALUES:
        value = onesided_xxa_2021 if (iso3, year, ind) == ("XXA", 2021, "ucdp_onesided_deaths") else value
        src = next(i[3] for i in INDICATORS if i[0] == ind)
        con.execute("INSERT INTO indicator_values VALUES (?, ?, ?, ?, ?, 'f.csv', 1)", [iso3, year, ind, value, src])
    for row in INDICATORS:
        con.execute("INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?)", list(row))
    for sid, title in (("test_ucdp", "Test UCDP"), ("test_pts", "Test PTS"), ("test_unhcr", "Test UNHCR"),
                       ("r2p_monitor", "Test risk levels"), ("test_vdem", "Test V-Dem")):
        con.execute("INSERT INTO sources (source_id, title, publisher, version, licence, citation, url, file_name, "
                    "retrieved_at, rows_read, rows_loaded, rows_rejected, status) VALUES (?, ?, 'Test publisher', "
                    "'1.0', 'CC BY 4.0', ?, 'https://example.org', 'f.csv', '2026-01-01', 10, 9, 1, 'ok')",
                    [sid, title, f"Citation of {title}."])
    con.execute("INSERT INTO rejects VALUES ('test_pts', 'f.csv', 7, 'unknown country code ''ZZ9''', 'ZZ9,2021,9')")
    listings = (("XXA", "Imminent Risk", "2020-06-01", 1), ("XXA", "Current Crisis", "2021-03-01", 2),
                ("XXB", "Serious Concern", "2020-06-01", 3))
    for iso3, level, as_of, row in listings:
        con.execute("INSERT INTO r2p_risk_levels VALUES (?, 'Situation', ?, ?, 'https://example.org/r2p', NULL, "
                    "'gcr2p', 'r2p_monitor', 'risk.csv', ?)", [iso3, level, dt.date.fromisoformat(as_of), row])
    # events: XXA 2021, 3 one-sided events in one 0.5-degree cell and 1 state-based event elsewhere
    events = [("e1", 10.1, 20.1, "one-sided", 5, 1), ("e2", 10.2, 20.2, "one-sided", 7, 2),
              ("e3", 10.3, 20.4, "one-sided", 1, 0), ("e4", 12.6, 22.6, "state-based", 30, 4)]
    for eid, lat, lon, vt, deaths, civ in events:
        con.execute("INSERT INTO events (source, event_id, source_version, iso3, event_date, year, latitude, "
                    "longitude, violence_type, deaths_best, deaths_low, deaths_high, deaths_civilians, "
                    "where_description) VALUES ('ged', ?, '1.0', 'XXA', DATE '2021-05-01', 2021, ?, ?, ?, ?, ?, ?, "
                    "?, 'Somewhere')", [eid, lat, lon, vt, deaths, deaths, deaths, civ])
    con.close()
    os.replace(tmp, path)
    return path


@pytest.fixture(scope="module")
def app_tiny(tmp_path_factory):
    """The Dash app configured on the tiny warehouse (one app per process: pages register callbacks globally)."""
    from dashboard.server import create_app

    db = build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")
    app = create_app(db)
    yield app, db
    from dashboard import data

    data.warehouse().close()


def render(component) -> str:
    return json.dumps(component.to_plotly_json() if hasattr(component, "to_plotly_json") else component,
                      cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)


def find_props(node, key: str, value: str) -> dict | None:
    """The props of the first component in a rendered layout whose ``key`` prop equals ``value``."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and props.get(key) == value:
            return props
        items = list(node.values())
    elif isinstance(node, list):
        items = node
    else:
        return None
    for item in items:
        found = find_props(item, key, value)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------------------------------------------------- query layer


def test_map_values_and_change(app_tiny):
    from dashboard import data

    df = data.map_values("ucdp_onesided_deaths", 2021).sort("iso3")
    assert df["iso3"].to_list() == ["XXA", "XXB", "XXC"]
    assert df["value"].to_list() == [25.0, 3.0, 40.0]
    assert df["change"].to_list() == [15.0, -4.0, None]  # XXC has no 2020 value
    assert df["m49_region"].to_list() == ["Testregion North", "Testregion North", "Testregion South"]


def test_catalog_factors_and_years(app_tiny):
    from dashboard import data

    assert "vdem_unused" not in data.indicator_ids()  # no values, not offered
    assert data.indicators_for_factor(11) == ["ucdp_onesided_deaths", "ucdp_onesided_deaths_high",
                                              "ucdp_onesided_deaths_low"]
    assert data.default_indicator() == "ucdp_onesided_deaths"
    assert data.indicator_years("ucdp_onesided_deaths") == [2020, 2021]
    assert data.regions() == {"Testregion North": ["Lower North", "Upper North"], "Testregion South": ["Far South"]}
    assert data.risk_factors_available() == [1, 2, 7, 11]


def test_risk_levels_as_of_year(app_tiny):
    from dashboard import data

    r2020 = data.risk_levels_asof(2020).sort("iso3")
    assert r2020["risk_level"].to_list() == ["Imminent Risk", "Serious Concern"]
    latest = data.risk_levels_asof(None).sort("iso3")
    assert latest["risk_level"].to_list() == ["Current Crisis", "Serious Concern"]
    assert data.risk_map_values(2021)["iso3"].to_list() == ["XXA"]  # only listings made in 2021


def test_events_points_and_grid(app_tiny, monkeypatch):
    from dashboard import data

    pts, agg = data.events("XXA", 2021, 2021, ("one-sided", "state-based"))
    assert not agg and pts.height == 4 and pts["deaths"].sum() == 43
    monkeypatch.setattr(data, "MAX_EVENT_POINTS", 2)
    data._cached_call.cache_clear()
    grid, agg = data.events("XXA", 2021, 2021, ("one-sided", "state-based"))
    assert agg
    cell = grid.filter(pl.col("violence_type") == "one-sided").row(0, named=True)
    assert (cell["latitude"], cell["longitude"], cell["events"], cell["deaths"]) == (10.25, 20.25, 3, 13)
    data._cached_call.cache_clear()


def test_user_text_is_never_sql(app_tiny):
    """Hostile values go in as parameters: no error, no rows, the table still exists."""
    from dashboard import data

    evil = "x'; DROP TABLE indicator_values; --"
    assert data.map_values(evil, 2021).height == 0
    assert data.country_values(evil, (evil,)).height == 0
    assert data.rejects_page(evil, 0).height == 0
    assert data.map_values("ucdp_onesided_deaths", 2021).height == 3


def test_new_warehouse_is_picked_up(app_tiny):
    """Publishing a new file (os.replace) changes the stamp, so cached answers are not reused."""
    from dashboard import data

    _, db = app_tiny
    assert data.map_values("ucdp_onesided_deaths", 2021).filter(pl.col("iso3") == "XXA")["value"][0] == 25.0
    build_warehouse(db, onesided_xxa_2021=26.0)
    assert data.map_values("ucdp_onesided_deaths", 2021).filter(pl.col("iso3") == "XXA")["value"][0] == 26.0
    build_warehouse(db)
    assert data.map_values("ucdp_onesided_deaths", 2021).filter(pl.col("iso3") == "XXA")["value"][0] == 25.0


def test_sources_and_rejects(app_tiny):
    from dashboard import data

    assert data.rejects_count(None) == 1 and data.rejects_count("test_ucdp") == 0
    assert data.rejects_page("test_pts", 0)["reason"].to_list() == ["unknown country code 'ZZ9'"]
    line = data.source_lines(["test_pts"])[0]
    assert "Test PTS" in line and "CC BY 4.0" in line and "Citation of Test PTS." in line


# ---------------------------------------------------------------------------------------------------------- parameters


def test_params_defaults_and_notices():
    from dashboard import params

    spec = [params.Param("year", 2021, params.as_int(2000, 2030)),
            params.Param("ind", "a", params.as_choice(["a", "b"])),
            params.Param("types", ["x"], params.as_choice(["x", "y"]), multi=True)]
    values, notes = params.parse({"year": "abc", "ind": "b", "types": "y,x,y", "junk": "1"}, spec)
    assert values == {"year": 2021, "ind": "b", "types": ["y", "x"]}
    assert any("'year'" in n for n in notes) and any("'junk'" in n for n in notes)
    values, notes = params.parse({"year": "1800", "types": "z"}, spec)
    assert values["year"] == 2021 and values["types"] == ["x"] and len(notes) == 2
    assert params.encode({"a": 1, "b": ["x", "y"], "c": None, "d": "A & B"}) == "?a=1&b=x,y&d=A+%26+B"


# ---------------------------------------------------------------------------------------------------------- narratives


def test_narrative_loader(tmp_path):
    from dashboard import narratives

    (tmp_path / "XXA.md").write_text(
        "---\nauthor: Test Analyst\ndate: 2026-01-15\nsources:\n  - Fictional report A\n---\n"
        "## Background\nText about a fictional place.\n\n## Necessary Action\nDo the fictional thing.\n",
        encoding="utf-8")
    (tmp_path / "XXB.md").write_text("## Analysis\nNo front matter here.\n", encoding="utf-8")
    n = narratives.load("XXA", tmp_path)
    assert (n.author, n.date, n.sources) == ("Test Analyst", "2026-01-15", ["Fictional report A"])
    assert list(n.sections) == ["Background", "Necessary Action"] and not n.problems
    assert narratives.load("XXB", tmp_path).problems[0].startswith("no front matter")
    assert narratives.load("XXC", tmp_path) is None
    assert narratives.load("../etc", tmp_path) is None


# ---------------------------------------------------------------------------------------------------------- figures


def test_figure_template_and_choropleth():
    from dashboard import figures

    df = pl.DataFrame({"iso3": ["XXA", "XXB"], "name": ["Avalonia", "Borduria"], "value": [5.0, 5000.0]})
    fig = figures.choropleth(df, "T", "S", "Src", "2021", "deaths").to_plotly_json()
    lay = fig["layout"]
    assert lay["title"]["text"] == "T" and lay["title"]["subtitle"]["text"] == "S"
    assert "Source: Src · Data: 2021" in lay["annotations"][0]["text"]
    assert lay["geo"]["fitbounds"] is False
    tr = fig["data"][0]
    assert tr["locationmode"] == "ISO-3" and tr["colorscale"] == "Viridis"
    assert "bdata" in tr["z"]  # numpy arrays travel as typed arrays, not lists


def test_event_map_payload_under_1mb():
    import numpy as np

    from dashboard import figures

    n = 20_000
    rng = np.random.default_rng(0)
    df = pl.DataFrame({"latitude": rng.uniform(0, 10, n), "longitude": rng.uniform(0, 10, n),
                       "violence_type": ["one-sided", "state-based"] * (n // 2), "deaths": rng.integers(0, 50, n),
                       "events": [1] * n, "label": ["2021-01-01 · a place"] * n})
    fig = figures.event_map(df, False, "T", "S", "Src", "2021", (0, 0, 10, 10))
    assert len(fig.to_json()) < 1_000_000
    assert [t["marker"]["color"] for t in fig.to_plotly_json()["data"]] == ["#0072B2", "#CC79A7"]


def test_time_series_range_band():
    from dashboard import figures

    df = pl.DataFrame({"year": [2020, 2021], "value": [1.0, 2.0], "low": [0.5, 1.5], "high": [2.0, 3.0],
                       "series": ["one-sided", "one-sided"]})
    fig = figures.time_series(df, "T", "S", "Src", "2020–2021", "deaths").to_plotly_json()
    assert [t.get("fill") for t in fig["data"]] == [None, "tonexty", None]
    assert figures.time_series(df.clear(), "T", "", "", "").to_plotly_json()["data"] == []


# ---------------------------------------------------------------------------------------------------------- pages


def test_no_warehouse_page(app_tiny, tmp_path):
    from dashboard import data
    from dashboard.pages import overview

    _, db = app_tiny
    try:
        data.configure(tmp_path / "absent.duckdb")
        out = render(overview.layout())
        assert "No warehouse yet" in out and "python -m etl update --from DIR" in out
    finally:
        data.configure(db)


def test_overview_layout_and_junk(app_tiny):
    from dashboard.pages import overview

    out = render(overview.layout(year="abc", indicator="nope", region="Atlantis", foo="1"))
    assert "Ignored parameter 'year'" in out and "Ignored unknown parameter 'foo'" in out
    assert "One-sided violence deaths, 2021" in out  # defaults: civilian-harm indicator, latest year
    fig, _, table, qs = overview.build("ucdp_onesided_deaths", 2021, "Testregion North", "")
    assert list(fig.to_plotly_json()["data"][0]["locations"]) == ["XXA", "XXB"]
    assert qs == "?indicator=ucdp_onesided_deaths&year=2021&region=Testregion+North"
    assert "/country/XXA" in render(table) and "+15" in render(table)
    # each country's latest listing up to that year, and its month (XXA's 2020 listing was superseded in 2021-03)
    assert "Current Crisis (2021-03)" in render(table) and "Serious Concern (2020-06)" in render(table)
    assert "Imminent Risk" not in render(table)
    risk_fig = overview.build("r2p_risk_level", 2020, "", "")[0].to_plotly_json()
    assert [t["name"] for t in risk_fig["data"]] == ["Imminent Risk", "Serious Concern"]


def test_country_page_and_not_found(app_tiny):
    from dashboard.pages import country

    out = render(country.layout(iso3="xxa"))
    assert "Avalonia" in out and "Current Crisis" in out
    assert "In 2021, UCDP recorded 100 state-based, 25 one-sided deaths" in out
    assert "range 20–31" in out  # low-high on the one-sided card
    assert "No curated narrative for this country yet" in out
    missing = render(country.layout(iso3="XXQ"))
    assert "Country not found" in missing and "/country/XXA" in missing
    assert "Country not found" in render(country.layout(iso3="<script>"))
    assert "Ignored parameter 'from'" in render(country.layout(iso3="XXA", **{"from": "soon"}))


def test_country_page_shows_curated_narrative(app_tiny, tmp_path, monkeypatch):
    from dashboard.pages import country

    (tmp_path / "XXA.md").write_text("---\nauthor: Test Analyst\ndate: 2026-01-15\nsources: [Fictional report]\n---\n"
                                     "## Analysis\nA fictional analysis.\n", encoding="utf-8")
    monkeypatch.setenv("R2P_NARRATIVES", str(tmp_path))
    out = render(country.layout(iso3="XXA"))
    assert "By Test Analyst, 2026-01-15." in out and "A fictional analysis." in out and "Fictional report" in out
    assert "Not written yet." in out  # the other three sections say so
    # civilian deaths summed from GED events (1 + 2 + 0 + 4) for the cards' year
    card = find_props(json.loads(out), "data-indicator", "ged_civilian_deaths")
    assert (card["children"], card["data-year"]) == ("7", "2021")


def test_explore_csv_matches_filter(app_tiny):
    from dashboard.pages import explore

    text = explore.csv_text("Testregion North", "", ["ucdp_onesided_deaths", "pts_amnesty"], 2021, 2021, [], "?q")
    comments = [x for x in text.splitlines() if x.startswith("#")]
    assert any("Test UCDP" in x for x in comments) and any("Test PTS" in x for x in comments)
    body = pl.read_csv(text.encode(), comment_prefix="#")
    assert body.select("iso3", "year", "ucdp_onesided_deaths", "pts_amnesty").rows() == [
        ("XXA", 2021, 25.0, 4.0), ("XXB", 2021, 3.0, 2.0)]
    risky = explore.filtered("", "", ["ucdp_onesided_deaths"], 2020, 2021, ["Current Crisis"])
    assert risky["iso3"].unique().to_list() == ["XXA"]


def test_sources_page(app_tiny):
    from dashboard.pages import sources

    out = render(sources.layout(rejects="test_pts", page="x"))
    assert "Ignored parameter 'page'" in out and "unknown country code 'ZZ9'" in out
    assert "Test PTS" in out and "indicator-catalog" in out


def test_topojson_is_installed_only_with_the_pinned_bytes(tmp_path):
    """Map outlines come from plotly.js 4.1.1 (local folder or npm), verified by checksum, never committed."""
    import pytest as _pytest

    from dashboard import topojson

    raw = tmp_path / "raw" / "plotly-geo-topojson" / "plotlyjs-4.1.1"
    raw.mkdir(parents=True)
    for name in topojson.FILES:
        (raw / name).write_text('{"type":"Topology"}')
    target = tmp_path / "assets"
    assert topojson.missing(target) == list(topojson.FILES)
    with _pytest.raises(RuntimeError, match="checksum differs"):
        topojson.from_folder(tmp_path / "raw", target)
    assert topojson.missing(target) == list(topojson.FILES)  # nothing half-installed
    assert topojson.from_folder(tmp_path / "nothing", target) is False
    assert topojson.missing() == []  # scripts/setup installed the real files for this checkout


def test_panel_threads_setting_never_fails_a_start():
    from dashboard.panels import _threads

    assert [_threads(v) for v in (None, "", " ", "abc", "0", "-2", "1", "4")] == [3, 3, 3, 3, 1, 1, 1, 4]
