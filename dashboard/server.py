"""Build the Dash app once per process (pages register their callbacks globally, so one app per process)."""

from __future__ import annotations

import atexit
import gc
import importlib
import logging
import os
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import Dash, html

from dashboard import changes_feed, dash_internals, data, http_edges, ids, plotly_bundle, polyfill, search, security

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("overview", "country", "explore", "sources", "response_gaps", "changes", "not_found_404")
_APP: Dash | None = None


def create_app(db: str | os.PathLike[str] | None = None) -> Dash:
    """Configure the read-only query layer on ``db`` and return the (single) Dash app."""
    global _APP
    data.configure(db or os.environ.get("R2P_DB", data.DEFAULT_DB))
    if _APP is not None:
        warm()
        return _APP
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ROOT / "assets"),
        title="R2P atrocity-risk dashboard",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    for name in PAGES:
        module = importlib.import_module(f"dashboard.pages.{name}")
        entry = dash.page_registry[module.__name__]
        entry["layout"] = module.layout  # pages_folder="" skips Dash's own import, which would attach it
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)  # screen readers: English
    app.layout = shell
    security.install(app)  # CSP, no framing, nosniff, referrer policy on every response
    app.server.wsgi_app = http_edges.close_after_errors(app.server.wsgi_app)  # close the connection after errors
    dash_internals.install(app)  # response cache, orjson encoder, native builtins first (the Dash patches)
    plotly_bundle.serve(app)  # plotly.js's geo build (1.4 MB) instead of the full 4.8 MB, when installed
    polyfill.serve(app)  # regenerator-runtime (25 kB) instead of @babel/polyfill's 100 kB of core-js 2
    from dashboard.export import routes as export_routes

    export_routes.register(app.server)  # /export/chart|table|country/... (briefing exports)
    changes_feed.register(app.server)  # /changes.atom (issue 16)
    warm()
    data.on_publish(warm_caches)  # a later publish is warmed in the background (the swap happens on a request)
    _APP = app
    return app


def shell() -> html.Div:
    """The frame around every page: skip link, navigation (plain links, keyboard reachable), page, footer."""
    links = dbc.Nav([dbc.NavItem(dbc.NavLink(p["name"], href=p["relative_path"], active="exact"))
                     for p in dash.page_registry.values() if p["name"] not in ("Country", "Not found")], navbar=True)
    # below the md breakpoint the links fold behind a menu button (assets/phone.js); the search stays in view
    menu = html.Button(html.Span(className="navbar-toggler-icon"), className="navbar-toggler", type="button",
                       **{"data-r2p-toggle": ids.NAV_LINKS, "aria-controls": ids.NAV_LINKS, "aria-expanded": "false",
                          "aria-label": "Menu"})
    nav = dbc.Navbar(dbc.Container([
        dbc.NavbarBrand("R2P atrocity-risk dashboard", href="/"),
        menu,
        html.Div(links, id=ids.NAV_LINKS, className="collapse navbar-collapse"),
        search.box(),
    ], fluid=True), color="dark", dark=True, expand="md", className="mb-3", id="nav")
    return html.Div([
        html.A("Skip to content", href="#main", className="visually-hidden-focusable"),
        nav,
        html.Main(dbc.Container(dash.page_container, fluid=True), id="main"),
        html.Footer(dbc.Container(html.P(
            "Figures come from the public datasets listed under Sources; risk levels are cited from R2P Monitor. "
            "Works offline.", className="small text-muted"), fluid=True), className="mt-4 border-top pt-2"),
    ])


def warm_caches() -> None:
    """Every stamp-keyed cache a restarted server fills before its first visitor (benchmarks call it after
    ``data.clear_cache()`` so that "cold" means what a visitor meets, not an empty process)."""
    from dashboard import queries, risk

    data.warm()
    risk.warm()
    queries.warm()
    data.warm_country_tables()  # the small tables a country page reads, whole (each country's rows a dict lookup)


def warm() -> None:
    """Load plotly's validator tables and the first page's queries now, not on the first visitor's request.

    Then freeze what exists (gc.freeze): start-up objects live for the whole process, and leaving them out of
    full garbage collections keeps those pauses out of request latency.
    """
    from dashboard import figures

    figures.empty_figure("", "")
    try:
        warm_caches()
        if data.status()["ok"]:
            from dashboard.pages import explore, overview

            overview.layout()
            explore.layout()
    except data.WarehouseMissing as exc:  # damaged under the warm-up's reads: serve, the pages say why (logged)
        logging.getLogger(__name__).error("warm-up stopped: %s", exc)
    gc.collect()
    gc.freeze()
    atexit.register(gc.unfreeze)  # let native objects (DuckDB) be released normally at exit
