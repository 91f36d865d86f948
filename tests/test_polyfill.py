"""Dash's @babel/polyfill URL answers regenerator-runtime (dashboard/polyfill.py), and only that URL."""

from __future__ import annotations

import hashlib
import re

import pytest
from dash import Dash, _dash_renderer, html

from dashboard import polyfill


def app_with_substitution() -> Dash:
    app = Dash(__name__, serve_locally=True)
    app.layout = html.Div()
    assert polyfill.serve(app) == "regenerator-runtime"
    return app


def script_urls(app: Dash) -> list[str]:
    return re.findall(r'<script src="([^"]+)"', app.server.test_client().get("/").get_data(as_text=True))


def test_the_installed_dash_still_loads_the_polyfill_this_replaces():
    """A Dash upgrade that moves its polyfill fails here (instead of the substitution silently doing nothing)."""
    paths = [p for dep in _dash_renderer._js_dist_dependencies for p in dep["relative_package_path"]["prod"]]
    assert polyfill.DASH_POLYFILL_PATH in paths
    assert polyfill.which() == "regenerator-runtime"
    assert hashlib.sha256(polyfill.RUNTIME.read_bytes()).hexdigest() == polyfill.SHA256
    assert "regeneratorRuntime = runtime" in polyfill.RUNTIME.read_text()
    assert "MIT" in polyfill.RUNTIME.with_name("regenerator-runtime.LICENSE").read_text()


def test_the_page_asks_for_the_polyfill_and_gets_regenerator_runtime():
    app = app_with_substitution()
    client = app.server.test_client()
    polyfill_url = next(u for u in script_urls(app) if "polyfill@7" in u)
    answer = client.get(polyfill_url)
    assert answer.status_code == 200 and answer.mimetype == "application/javascript"
    assert answer.get_data() == polyfill.RUNTIME.read_bytes()
    again = client.get(polyfill_url, headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304
    react = next(u for u in script_urls(app) if "/react@" in u)
    assert b"regeneratorRuntime = runtime" not in client.get(react).get_data()  # other files are Dash's own


def test_babel_switch_serves_dashs_own_polyfill(monkeypatch):
    monkeypatch.setenv("R2P_POLYFILL", "babel")
    assert polyfill.which() == "babel"
    app = Dash(__name__, serve_locally=True)
    app.layout = html.Div()
    assert polyfill.serve(app) == "babel"
    url = next(u for u in script_urls(app) if "polyfill@7" in u)
    body = app.server.test_client().get(url).get_data()
    assert len(body) > 50_000 and b"core-js" in body


@pytest.mark.parametrize("damaged", [b"", b"// not the pinned file\n"])
def test_a_changed_file_is_not_served(monkeypatch, tmp_path, damaged):
    fake = tmp_path / "regenerator-runtime.js"
    fake.write_bytes(damaged)
    monkeypatch.setattr(polyfill, "RUNTIME", fake)
    assert polyfill.which() == "babel"
