"""The benchmarks cannot rot, and the speed-ups they measure change nothing users see.

One small bench warehouse (the real datasets + 1,000 SYNTHETIC GED events, built by bench/warehouses.py into a tmp
folder) drives: the callback bench and the load generator end to end (no timing asserts), and equivalence checks
of the fast paths — the event_cells table vs the raw events, the orjson serialiser vs Dash's, the response cache
vs a fresh answer.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def bench_db(shared_raw, shared_warehouse, tmp_path_factory) -> Path:
    from bench.warehouses import build

    return build(1_000, shared_raw, out=tmp_path_factory.mktemp("bench"), base=shared_warehouse)


@pytest.fixture(scope="module")
def app(bench_db):
    from dashboard.server import create_app

    return create_app(bench_db)


def test_bench_warehouse_holds_real_data_and_only_synthetic_events(bench_db):
    import duckdb

    con = duckdb.connect(str(bench_db), read_only=True)
    try:
        files = con.execute("SELECT DISTINCT file_name FROM sources WHERE source_id = 'ucdp_ged'").fetchall()
        events, labelled = con.execute("SELECT count(*), count(*) FILTER (conflict_name = 'SYNTHETIC conflict') "
                                       "FROM events").fetchone()
        cells = con.execute("SELECT sum(events) FROM event_cells").fetchone()[0]
        indicators = con.execute("SELECT count(DISTINCT source_id) FROM indicators").fetchone()[0]
    finally:
        con.close()
    assert files == [("SYNTHETIC_GEDEvent_v99_1_1000.csv",)]
    assert events == labelled == cells == 1_000
    assert indicators > 5  # the real sources are there, so pages have content


def test_callback_bench_covers_every_callback_without_errors(app, bench_db):
    from bench import bench_callbacks

    result = bench_callbacks.run(bench_db, per_callback=2, repeats=1, with_naive=True, countries=1, runs=1)
    assert result["missing"] == []
    from bench.scenarios import excused

    server_callbacks = [d for d in app.server.test_client().get("/_dash-dependencies").json
                        if not d.get("clientside_function") and not excused(d)]
    assert len(result["rows"]) == len(server_callbacks)
    assert all(r["errors"] == 0 and r.get("naive_errors") == 0 and r.get("naive_stock_errors") == 0
               for r in result["rows"]), result["rows"]
    assert "| callback |" in bench_callbacks.table(result["rows"])
    # the stock-Dash baseline run put our encoder and the response cache back
    from dash import _callback

    from dashboard import dash_internals, fast_json

    assert _callback.to_json is fast_json.to_json
    assert hasattr(app.server.view_functions[dash_internals.CALLBACK_ROUTE], "__wrapped__")


def test_load_generator_replays_pages_and_callbacks(app):
    from werkzeug.serving import make_server

    from bench import load

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = load.run(f"http://127.0.0.1:{server.server_port}", clients=3, duration=2.0, think=0.05,
                          countries=["SDN", "FRA"], pid=os.getpid())
    finally:
        server.shutdown()
    kinds = result["by_kind"]
    assert result["errors"] == [] and result["all"]["errors"] == 0
    assert any(k.startswith("page ") for k in kinds) and "dash-layout" in kinds
    assert str(os.getpid()) + " (master)" in result["rss_mb_max"]


def test_event_cells_give_the_same_maps_and_totals_as_the_events(app, monkeypatch):
    from dashboard import data

    selections = [("SDN", 1989, 2024, data.VIOLENCE_TYPES), ("SDN", 2020, 2024, ("one-sided",)),
                  ("MMR", 1989, 2024, ("state-based", "non-state")), ("FRA", 1989, 2024, data.VIOLENCE_TYPES)]
    monkeypatch.setattr(data, "MAX_EVENT_POINTS", 20)  # exercise the gridded branch on 1,000 events too

    def snapshot() -> tuple[list, pl.DataFrame, tuple | None]:
        data.clear_cache()
        maps = []
        for sel in selections:
            df, aggregated = data.events(*sel)
            if aggregated:  # a fixed order (two workers send the same bytes): cells by latitude, longitude, type
                assert_frame_equal(df, df.sort("latitude", "longitude", "violence_type"))
            maps.append((df, aggregated))
        return maps, data.event_totals("SDN"), data.event_years("SDN")

    cell_maps, cell_totals, cell_years = snapshot()
    has = data.has
    monkeypatch.setattr(data, "has", lambda table: table not in ("event_cells", "event_country_year") and has(table))
    event_maps, event_totals, event_years = snapshot()
    data.clear_cache()
    assert any(agg for _, agg in cell_maps) and cell_totals.height > 0 and cell_years is not None
    for (a, agg_a), (b, agg_b) in zip(cell_maps, event_maps, strict=True):
        assert agg_a == agg_b
        assert_frame_equal(a, b)
    assert_frame_equal(cell_totals, event_totals)
    assert cell_years == event_years


def test_listing_and_reject_catalogs_answer_as_their_sql(app, bench_db):
    """risk_levels_asof filters one cached list of listings and the reject totals come from one grouped count: same
    rows as the per-call SQL they replace (real R2P Monitor listings and real rejects)."""
    from dashboard import data
    from tests.conftest import query

    years = [y for (y,) in query(bench_db, "SELECT DISTINCT year(as_of) FROM r2p_risk_levels ORDER BY 1")]
    assert years
    for year in [None, years[0] - 1, *years]:
        want = query(bench_db, "SELECT iso3, risk_level, as_of, source_url, situation FROM r2p_risk_levels "
                     "WHERE list_id = 'gcr2p' AND (? IS NULL OR as_of <= make_date(?, 12, 31)) "
                     "QUALIFY row_number() OVER (PARTITION BY iso3 ORDER BY as_of DESC, row_number DESC) = 1 "
                     "ORDER BY iso3", [year, year])
        assert data.risk_levels_asof(year).sort("iso3").rows() == want, year
    sources = [s for (s,) in query(bench_db, "SELECT DISTINCT source_id FROM rejects ORDER BY 1")]
    assert data.reject_sources() == sources and sources
    for source in [None, *sources, "no such source"]:
        want = query(bench_db, "SELECT count(*) FROM rejects WHERE (? IS NULL OR source_id = ?)", [source, source])
        assert data.rejects_count(source) == want[0][0], source
        assert want[0][0] > 0 or source == "no such source"


def _requests(app) -> list:
    from bench import scenarios
    from bench.bench_callbacks import make_send

    send = make_send(app.server.test_client())
    discovered = scenarios.discover(send, ["/", "/explore", "/sources", "/country/SDN"])
    cases, _ = scenarios.cases(discovered, per_callback=3)
    return [r for reqs in cases.values() for r in reqs]


def test_fast_json_answers_are_byte_identical_to_dash(app, monkeypatch):
    from dash import _callback, _utils

    from dashboard import fast_json, response_cache

    assert _callback.to_json is fast_json.to_json
    values: list = []

    def capture(value):
        values.append(value)
        return fast_json.to_json(value)

    monkeypatch.setattr(_callback, "to_json", capture)
    client = app.server.test_client()
    for r in _requests(app):
        response_cache.clear()
        assert client.post(r.path, json=r.body).status_code in (200, 204), r.label
    assert len(values) > 10
    for value in values:  # every page and callback answer, encoded both ways
        assert fast_json.to_json(value) == _utils.to_json(value)
    # plotly's escapes (</script>-safe) on text with every escaped character beside non-ASCII ones
    text = {"claim": "Côte d'Ivoire – </script><b>a/b</b>\u2028line\u2029para — 1–2", "n": [1.5, None]}
    assert fast_json.to_json(text) == _utils.to_json(text)
    assert "\\u003c\\u002fscript\\u003e" in fast_json.to_json(text) and "\\u2028line" in fast_json.to_json(text)


def test_response_cache_repeats_answers_and_sees_a_new_warehouse(app, bench_db, tmp_path):
    from dashboard import data, response_cache
    from dashboard.server import create_app

    live = tmp_path / "live.duckdb"
    shutil.copy(bench_db, live)
    create_app(live)
    try:
        client = app.server.test_client()
        page = next(r for r in _requests(app) if r.label == "page /sources")
        response_cache.clear()
        first = client.post(page.path, json=page.body)
        again = client.post(page.path, json=page.body)
        assert (first.headers["X-R2P-Cache"], again.headers["X-R2P-Cache"]) == ("miss", "hit")
        assert again.data == first.data
        republished = tmp_path / "new.duckdb"
        shutil.copy(bench_db, republished)
        os.replace(republished, live)  # what the ETL's publish does: a new file under the same name
        assert client.post(page.path, json=page.body).headers["X-R2P-Cache"] == "miss"
    finally:
        data.warehouse().close()
        create_app(bench_db)


def test_changes_bench_answers_page_callback_and_feed(app, bench_db):
    from bench import bench_changes

    times = bench_changes.answers(bench_db, repeats=1)
    assert len(times["/changes page"]) == 1
    assert len(times["/changes.atom"]) == len(bench_changes.FEED_QUERIES)
    assert times["/changes filter callback"], "the filter callback was not replayed"
    assert "| /changes.atom, cold" in bench_changes.table(None, times)
