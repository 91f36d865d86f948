"""HTTP hardening of the app's surface: security headers on every response, malformed requests refused cleanly.

Why here and not in a proxy: the dashboard is self-hosted by small teams, often straight from gunicorn on a
laptop or an office server, so the app itself must send the headers. Dash renders a few inline scripts (its
renderer start-up and clientside callbacks); the policy allows exactly those by hash (``Dash.csp_hashes``) and no
other inline script. Plotly draws with inline ``style`` attributes, so styles keep ``'unsafe-inline'`` (styles
cannot run code).

Requests no page can send (a callback body of the wrong shape, a value of the wrong type, an unknown library file)
get a 4xx with a short message; the traceback goes to the server log only, never to the client. Installed once
from ``dashboard.server.create_app``.
"""

from __future__ import annotations

import logging
from typing import Any

from dash import Dash
from dash.exceptions import DependencyException
from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException

from dashboard.dash_internals import CALLBACK_ROUTE
from dashboard.data import WarehouseMissing

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 4 * 1024 * 1024  # a real callback body is a few kB; refuse megabytes before parsing them

STATIC_HEADERS = {
    "X-Frame-Options": "DENY",  # legacy twin of frame-ancestors 'none'
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # URLs carry the analyst's query (countries, filters): never leak them
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def content_security_policy(script_hashes: list[str]) -> str:
    """The policy: everything from this host only; inline scripts only when their hash is Dash's own."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *dict.fromkeys(script_hashes)],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],  # plotly's mode-bar icons and downloads are data:/blob: URLs
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def callback_body_problem(app: Dash, body: Any) -> str | None:
    """What makes a callback request one the Dash renderer never sends (None when its shape is right)."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    output = body.get("output")
    spec = app.callback_map.get(output) if isinstance(output, str) else None
    if spec is None:
        return "no such callback"
    for part in ("inputs", "state"):
        items, declared = body.get(part, []), spec.get(part, [])
        if not isinstance(items, list) or len(items) != len(declared):
            return f"'{part}' does not match the callback"
        for item, dep in zip(items, declared, strict=True):
            pattern = str(dep.get("id", "")).startswith("{")  # pattern-matching ids arrive as dicts or lists
            if pattern:
                if not isinstance(item, dict | list):
                    return f"'{part}' does not match the callback"
            elif not isinstance(item, dict) or item.get("id") != dep["id"] or item.get("property") != dep["property"]:
                return f"'{part}' does not match the callback"
    outputs = body.get("outputs")
    outs = outputs if isinstance(outputs, list) else [outputs]
    if not outs or not all(isinstance(o, dict) and "id" in o and "property" in o for o in outs):
        return "'outputs' is malformed"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "'changedPropIds' is malformed"
    return None


def _refuse(status: int, message: str) -> Response:
    response = jsonify({"message": message})
    response.status_code = status
    return response


def install(app: Dash) -> None:
    """Security headers on every response (pages, callbacks, assets, errors); malformed requests refused with 4xx."""
    server = app.server
    if server.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None: no limit at all
        server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @server.before_request
    def _check_callback_body() -> Response | None:
        if request.path != CALLBACK_ROUTE or request.method != "POST":
            return None
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # absurdly deep nesting
            body = None
        problem = callback_body_problem(app, body)
        return _refuse(400, f"malformed callback request: {problem}") if problem else None

    @server.errorhandler(Exception)
    def _error(err: Exception) -> Response | HTTPException:
        if isinstance(err, HTTPException):
            return err
        if isinstance(err, DependencyException):  # /_dash-component-suites/<unknown library or file>
            return _refuse(404, "no such file")
        if isinstance(err, WarehouseMissing):
            response = _refuse(503, "the data warehouse is not available yet; try again shortly")
            response.headers["Retry-After"] = "30"
            return response
        log.exception("request failed: %s %s", request.method, request.path)
        if request.path == CALLBACK_ROUTE:  # values no control on the page can produce (wrong type, unknown code)
            return _refuse(400, "this request could not be answered: its values are not ones the page offers")
        return _refuse(500, "internal error (details are in the server log)")

    @server.after_request
    def _secure(response: Response) -> Response:
        # hashes are read per response: Dash adds inline scripts (the pages title callback) at its first request
        response.headers["Content-Security-Policy"] = content_security_policy(list(app.csp_hashes()))
        for name, value in STATIC_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
