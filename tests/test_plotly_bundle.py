"""The browser gets plotly.js's geo build, and every chart the app draws stays within the trace types it holds.

The partial bundle is what makes first page loads meet the 2 s goal (bench/RESULTS.md); a chart with any other trace
type would draw nothing in the browser, so the guard walks every page and every callback answer the bench's
scenario builder can produce on the real warehouse and checks each figure's traces.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from dash import Dash, html

from dashboard import plotly_bundle

PLOTLY_URL = "/_dash-component-suites/plotly/package_data/plotly.min.js"
needs_bundle = pytest.mark.skipif(not plotly_bundle.installed(),
                                  reason="plotly.js geo bundle not installed (npm unreachable when scripts/setup ran?)"
                                         ": python -m dashboard.plotly_bundle")


def bare_app() -> Dash:
    app = Dash(__name__, serve_locally=True)
    app.layout = html.Div()
    return app


def figures(tree: Any) -> Iterator[dict]:
    """Every plotly figure (``{"data": [...], "layout": {...}}``) anywhere in a Dash answer."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("data"), list) and isinstance(node.get("layout"), dict):
                yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def test_install_accepts_only_the_pinned_bytes(tmp_path):
    fake = tmp_path / "plotly-geo.min.js"
    fake.write_text("window.Plotly = {};")
    target = tmp_path / "vendor" / "plotly-geo.min.js"
    with pytest.raises(RuntimeError, match="checksum differs"):
        plotly_bundle.install(fake, target)
    assert not target.exists() and not plotly_bundle.installed(target)  # nothing half-installed
    assert plotly_bundle.which(target) == "full"  # the app then serves Dash's full plotly.js


def test_full_plotly_is_served_when_the_bundle_is_absent_or_switched_off(tmp_path, monkeypatch):
    app = bare_app()
    assert plotly_bundle.serve(app, tmp_path / "absent.js") == "full"
    full = app.server.test_client().get(PLOTLY_URL)
    assert full.status_code == 200
    from plotly.offline import get_plotlyjs

    assert full.data.decode() == get_plotlyjs()  # Dash's own full plotly.js, untouched
    monkeypatch.setenv("R2P_PLOTLY_BUNDLE", "full")
    assert plotly_bundle.which() == "full"


@needs_bundle
def test_dash_plotly_url_answers_the_geo_bundle_with_revalidation():
    app = bare_app()
    assert plotly_bundle.serve(app) == "geo"
    client = app.server.test_client()
    response = client.get(PLOTLY_URL)
    assert response.status_code == 200
    assert hashlib.sha256(response.data).hexdigest() == plotly_bundle.SHA256
    assert len(response.data) < 1_500_000 and response.mimetype == "application/javascript"
    assert b'name:"scattergeo"' in response.data and b'name:"bar"' not in response.data
    again = client.get(PLOTLY_URL, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    fingerprinted = client.get("/_dash-component-suites/plotly/package_data/plotly.v4_1_1m1.min.js")
    assert hashlib.sha256(fingerprinted.data).hexdigest() == plotly_bundle.SHA256


@pytest.mark.shared
def test_every_chart_the_app_draws_uses_only_the_bundles_trace_types(shared_warehouse):
    from bench import scenarios
    from bench.bench_callbacks import make_send
    from dashboard import response_cache
    from dashboard.server import create_app

    app = create_app(shared_warehouse)
    client = app.server.test_client()
    send = make_send(client)
    discovered = scenarios.discover(send, ["/", "/explore", "/sources", "/response-gaps", "/changes", "/country/SDN",
                                           "/country/MMR", "/country/UKR", "/country/CHE"])
    cases, missing = scenarios.cases(discovered, per_callback=12)
    assert missing == []
    seen: dict[str, set[str]] = {}
    requests = [*discovered.page_requests.values(), *(r for reqs in cases.values() for r in reqs)]
    for r in requests:
        response_cache.clear()
        status, body = send(r.method, r.path, r.body)
        assert status in (200, 204), r.label
        if status == 204:
            continue
        for fig in figures(json.loads(body)):
            for trace in fig["data"]:
                seen.setdefault(trace.get("type", "scatter"), set()).add(r.label)
    assert {"choropleth", "scattergeo", "scatter"} <= set(seen)  # maps, event maps and time series were drawn
    outside = {t: sorted(labels)[:3] for t, labels in seen.items() if t not in plotly_bundle.TRACE_TYPES}
    assert outside == {}, f"trace types missing from plotly.js's geo bundle: {outside}"
