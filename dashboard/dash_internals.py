"""Every place the dashboard reaches into Dash or Flask internals — the one file to check on a Dash upgrade.

Three patches, all for speed, none changing what a user receives (tests/test_bench_smoke.py compares answers):
1. callback answers are encoded by ``dashboard.fast_json.to_json`` instead of ``dash._callback.to_json``;
2. the callback route's Flask view is wrapped by the response cache (``dashboard.response_cache.wrap``);
3. ``app.interpolate_index`` loads ``assets/native-builtins.js`` before every other script.

Two more modules answer fixed Dash resource URLs with other files through ``replace_resource`` below, each checked
against the installed Dash by its test: ``dashboard.plotly_bundle`` (plotly.js) and ``dashboard.polyfill``
(@babel/polyfill).

One switch: ``R2P_DASH_PATCHES=0`` turns all three off (Dash as shipped). They are also left off, with a warning,
when the installed Dash is not the version they were checked with (``CHECKED_DASH``, the pin in requirements.txt;
tests/test_dash_internals.py fails when the pin moves, so the check is redone on purpose, not by accident).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import dash
from dash import Dash
from dash.fingerprint import check_fingerprint
from flask import Response, request

from dashboard import fast_json, response_cache

log = logging.getLogger(__name__)
CHECKED_DASH = "4.4.1"
CALLBACK_ROUTE = "/_dash-update-component"  # Dash's callback endpoint (no public constant for it)
SWITCH = "R2P_DASH_PATCHES"


def enabled() -> bool:
    """The patches apply: the switch is on (default) and Dash is the checked version."""
    if os.environ.get(SWITCH, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    if dash.__version__ != CHECKED_DASH:
        log.warning("Dash %s is not the version the patches in %s were checked with (%s): running Dash as "
                    "shipped", dash.__version__, __name__, CHECKED_DASH)
        return False
    return True


def install(app: Dash) -> bool:
    """Apply the three patches to ``app`` (and Dash's callback module); False when they are off."""
    if not enabled():
        return False
    from dash import _callback

    _callback.to_json = fast_json.to_json
    views = app.server.view_functions
    cache = response_cache.make_cache(app.server)
    if cache is not None:
        views[CALLBACK_ROUTE] = response_cache.wrap(views[CALLBACK_ROUTE], cache)
    _load_native_builtins_first(app)
    return True


def _load_native_builtins_first(app: Dash) -> None:
    """Load ``assets/native-builtins.js`` once more before every other script (see that file for why)."""
    original = app.interpolate_index

    def interpolate_index(**kwargs: str) -> str:
        tag = f'<script src="{app.get_asset_url("native-builtins.js")}"></script>'
        return original(**{**kwargs, "scripts": tag + kwargs.get("scripts", "")})

    app.interpolate_index = interpolate_index  # type: ignore[method-assign]


def stock(app: Dash) -> tuple[Any, Any]:
    """Put Dash's own encoder and callback view back (benchmarks' baseline); returns what to pass to ``restore``."""
    from dash import _callback, _utils

    views = app.server.view_functions
    saved = _callback.to_json, views[CALLBACK_ROUTE]
    _callback.to_json = _utils.to_json
    views[CALLBACK_ROUTE] = getattr(saved[1], "__wrapped__", saved[1])
    return saved


def restore(app: Dash, saved: tuple[Any, Any]) -> None:
    """Undo ``stock``."""
    from dash import _callback

    _callback.to_json, app.server.view_functions[CALLBACK_ROUTE] = saved


def replace_resource(app: Dash, namespace: str, path: str, body: bytes, etag: str) -> None:
    """Answer Dash's URL for component-suite file ``namespace``/``path`` (whatever its fingerprint) with ``body``."""
    prefix = f"{app.config.routes_pathname_prefix}_dash-component-suites/{namespace}/"

    @app.server.before_request
    def _replaced() -> Response | None:
        if not request.path.startswith(prefix) or request.method not in ("GET", "HEAD"):
            return None
        if check_fingerprint(request.path[len(prefix):])[0] != path:
            return None
        response = Response(body, mimetype="application/javascript")
        response.set_etag(etag)
        response.cache_control.no_cache = True  # revalidate (a 304) so an upgrade is never mixed with old code
        return response.make_conditional(request)
