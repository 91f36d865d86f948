"""The Dash patches (dashboard/dash_internals.py) are checked for one Dash version: moving the pin fails here first.

No warehouse needed: an app is built on a missing file (pages then say so), which is enough to see the patches
installed, switched off, and the internals they reach into still where they were.
"""

from __future__ import annotations

import re
from pathlib import Path

import dash

from dashboard import dash_internals

ROOT = Path(__file__).resolve().parents[1]


def _pinned_dash() -> str:
    text = (ROOT / "requirements.txt").read_text()
    match = re.search(r"^dash==(\S+)", text, re.M)
    assert match, "requirements.txt no longer pins dash exactly"
    return match.group(1)


def test_the_patches_were_checked_with_the_pinned_dash():
    pinned = _pinned_dash()
    assert pinned == dash_internals.CHECKED_DASH, (
        f"requirements.txt now pins dash=={pinned}, but dashboard/dash_internals.py was checked with "
        f"{dash_internals.CHECKED_DASH}: reread Dash's _callback.to_json, Dash.interpolate_index and the "
        f"{dash_internals.CALLBACK_ROUTE} view in the new version, run tests/test_bench_smoke.py "
        "(byte-identical answers), then update CHECKED_DASH")
    assert dash.__version__ == pinned, f"installed dash {dash.__version__} is not the pinned {pinned}"


def test_the_internals_patched_are_where_they_were():
    from dash import _callback, _utils

    assert callable(_callback.to_json) and callable(_utils.to_json)
    assert "scripts" in dash.Dash.interpolate_index.__code__.co_varnames
    app = dash.Dash(__name__)
    assert dash_internals.CALLBACK_ROUTE in {r.rule for r in app.server.url_map.iter_rules()}


def test_one_switch_turns_every_patch_off(monkeypatch):
    monkeypatch.setenv(dash_internals.SWITCH, "0")
    assert not dash_internals.enabled()
    app = dash.Dash(__name__)
    view = app.server.view_functions.get(dash_internals.CALLBACK_ROUTE)
    index = app.interpolate_index
    assert dash_internals.install(app) is False
    assert app.server.view_functions.get(dash_internals.CALLBACK_ROUTE) is view and app.interpolate_index == index


def test_another_dash_version_runs_dash_as_shipped(monkeypatch, caplog):
    monkeypatch.delenv(dash_internals.SWITCH, raising=False)
    monkeypatch.setattr(dash, "__version__", "9.9.9")
    assert not dash_internals.enabled()
    assert "9.9.9" in caplog.text


def test_install_and_stock_restore(monkeypatch):
    from dash import _callback, _utils

    from dashboard import fast_json

    monkeypatch.delenv(dash_internals.SWITCH, raising=False)
    monkeypatch.setattr(_callback, "to_json", _callback.to_json)  # put back whatever was there after the test
    app = dash.Dash(__name__)
    original_view = app.server.view_functions[dash_internals.CALLBACK_ROUTE]
    assert dash_internals.install(app)
    assert _callback.to_json is fast_json.to_json
    cached = app.server.view_functions[dash_internals.CALLBACK_ROUTE]
    assert cached.__wrapped__ is original_view
    assert "native-builtins.js" in app.interpolate_index(metas="", title="", css="", config="", scripts="<x>",
                                                         app_entry="", favicon="", renderer="")
    saved = dash_internals.stock(app)
    assert _callback.to_json is _utils.to_json
    assert app.server.view_functions[dash_internals.CALLBACK_ROUTE] is original_view
    dash_internals.restore(app, saved)
    assert _callback.to_json is fast_json.to_json and app.server.view_functions[dash_internals.CALLBACK_ROUTE] is cached
