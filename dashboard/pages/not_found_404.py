"""Any unknown path: a friendly 404 with links, never a traceback."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

dash.register_page(__name__, path="/404", title="Page not found", name="Not found", order=99)


def layout(**_: Any) -> html.Div:
    return html.Div([
        html.H1("Page not found", className="h3"),
        html.P("This address is not a page of the dashboard. Try one of these:"),
        html.Ul([
            html.Li(dcc.Link("Overview (world map)", href="/")),
            html.Li(dcc.Link("Explore (analysts)", href="/explore")),
            html.Li(dcc.Link("Sources and method", href="/sources")),
            html.Li(["Country pages: ", html.Code("/country/<ISO3>"), ", e.g. ",
                     dcc.Link("/country/SDN", href="/country/SDN")]),
        ]),
    ], className="py-4", id="page-not-found")
