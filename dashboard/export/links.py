"""Export links shown on the pages: under every chart, and the briefing-pack buttons on the country page.

The hrefs work as they are (the page's defaults); assets/export.js adds the page's current query string when a
link is used, and adds the same PNG/SVG/PDF buttons to each chart's modebar.
"""

from __future__ import annotations

from dash import html

from dashboard.export.catalog import ExportNotFound, page_of


def _link(kind: str, ident: str, fmt: str, text: str, title: str) -> html.A:
    return html.A(text, href=f"/export/{kind}/{ident}.{fmt}", title=title, className="export-link",
                  **{"data-export-kind": kind, "data-export-id": ident, "data-export-format": fmt})


def chart_links(chart_id: str) -> html.Div | None:
    """'Download: PNG · SVG · PDF · data CSV · XLSX' for an exportable chart (None for other graphs)."""
    try:
        page_of(chart_id)
    except ExportNotFound:
        return None
    parts: list = ["Download for a briefing: "]
    for fmt in ("png", "svg", "pdf"):
        parts += [_link("chart", chart_id, fmt, fmt.upper(), f"{fmt.upper()} with title, sources and date"), " · "]
    parts += ["data ", _link("table", chart_id, "csv", "CSV", "The plotted values with attribution rows"), " · ",
              _link("table", chart_id, "xlsx", "XLSX", "The plotted values with attribution rows")]
    return html.Div(parts, className="small text-muted export-links", id=f"{chart_id}-export")


def pack_buttons(iso3: str) -> html.Div:
    """The country page's 'Briefing pack (PDF)' and 'Slides (PPTX)' buttons."""
    cls = "btn btn-sm btn-outline-primary me-2 export-link"
    return html.Div([
        html.A("Briefing pack (PDF)", href=f"/export/country/{iso3}.pdf", className=cls, id="co-pack-pdf",
               title="2–4 page PDF: risk level, key figures, charts, risk factors, narrative, sources",
               **{"data-export-kind": "country", "data-export-id": iso3, "data-export-format": "pdf"}),
        html.A("Slides (PPTX)", href=f"/export/country/{iso3}.pptx", className=cls, id="co-pack-pptx",
               title="One slide per chart", **{"data-export-kind": "country", "data-export-id": iso3,
                                              "data-export-format": "pptx"}),
    ], className="my-2", id="co-pack")
