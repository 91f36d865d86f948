"""Flask URLs of the exports (registered on Dash's server by ``register(server)``).

    /export/chart/<chart_id>.<png|svg|pdf>?<the page's query>   one chart, labelled for a briefing
    /export/table/<table_id>.<csv|xlsx>?<the page's query>      a table with attribution rows
    /export/country/<ISO3>.<pdf|pptx>?<the country page's query> the briefing pack

Every part of a URL is checked against a pattern and then looked up (chart ids in the page's component tree,
countries in the warehouse); nothing from a URL is ever joined into a file path. Bad input → 404 with a message;
a full export queue → 503 with Retry-After; any other failure → 500 with a message, the traceback only in the log.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from collections.abc import Callable
from urllib.parse import urlencode

from flask import Flask, Response, request

from dashboard import data
from dashboard.export import briefing, charts, render, tables

log = logging.getLogger(__name__)

CHART_NAME = re.compile(r"^(?P<id>[a-z][a-z0-9-]{1,48})\.(?P<fmt>png|svg|pdf)$")
TABLE_NAME = re.compile(r"^(?P<id>[a-z][a-z0-9-]{1,48})\.(?P<fmt>csv|xlsx)$")
COUNTRY_NAME = re.compile(r"^(?P<iso3>[A-Za-z]{3})\.(?P<fmt>pdf|pptx)$")
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf", "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}


def _message(status: int, title: str, text: str, headers: dict[str, str] | None = None) -> Response:
    body = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<link rel='stylesheet' href='/assets/bootstrap.min.css'></head><body class='container py-4'>"
            f"<h1 class='h3'>{html.escape(title)}</h1><p id='export-message'>{html.escape(text)}</p>"
            "<p><a href='/'>Back to the dashboard</a></p></body></html>")
    return Response(body, status=status, mimetype="text/html", headers=headers or {})


def _file(body: bytes, fmt: str, stem: str) -> Response:
    name = f"{stem}-{dt.date.today().isoformat()}.{fmt}"
    return Response(body, mimetype=MIME[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                       "Cache-Control": "no-store"})


def _slug(name: str) -> str:
    """A country name for a file name: ASCII letters, digits and hyphens ("Côte d'Ivoire" -> "cote-d-ivoire")."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40] or "country"


def _query() -> str:
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "iso3"]
    return "?" + urlencode(pairs, safe=",") if pairs else ""


def guarded(fn: Callable[..., Response]) -> Callable[..., Response]:
    """Turn every failure into a page with a message: 404 bad input, 503 busy/no warehouse, 500 otherwise."""

    def wrapper(name: str) -> Response:
        if not data.status()["ok"]:
            return _message(503, "No warehouse yet", "Exports need the data warehouse; build it with "
                            "`python -m etl update` and try again.")
        try:
            return fn(name)
        except charts.ExportNotFound as exc:
            return _message(404, "Export not found", f"Nothing to export: {exc}.")
        except render.ExportBusy as exc:
            return _message(503, "Exports are busy", str(exc), {"Retry-After": "10"})
        except render.RendererUnavailable as exc:
            return _message(503, "Chart rendering unavailable", str(exc))
        except data.WarehouseMissing:
            return _message(503, "No warehouse yet", "The data warehouse is missing; build it with "
                            "`python -m etl update`.")
        except Exception:
            log.exception("export failed: %s", request.full_path[:200])
            return _message(500, "Export failed", "This export could not be produced. The error has been logged; "
                            "try again, or another selection.")

    wrapper.__name__ = fn.__name__
    return wrapper


@guarded
def export_chart(name: str) -> Response:
    m = CHART_NAME.match(name)
    if not m:
        raise charts.ExportNotFound(f"'{name[:60]}' is not <chart id>.png, .svg or .pdf")
    chart_id, fmt = m["id"], m["fmt"]
    page = charts.page_of(chart_id)
    fig = charts.figure(chart_id, request.args)
    path = f"/country/{str(request.args.get('iso3', '')).upper()}" if page.needs_iso3 else page.path
    exported, width, height = charts.for_export(fig, path + _query())
    body = render.render(exported, fmt, width, height, charts.PNG_SCALE if fmt == "png" else 1)
    stem = f"r2p-{chart_id}" + (f"-{request.args.get('iso3', '').upper()}" if page.needs_iso3 else "")
    return _file(body, fmt, stem)


@guarded
def export_table(name: str) -> Response:
    m = TABLE_NAME.match(name)
    if not m:
        raise charts.ExportNotFound(f"'{name[:60]}' is not <table id>.csv or .xlsx")
    t = tables.table(m["id"], request.args)
    body = tables.to_csv(t) if m["fmt"] == "csv" else tables.to_xlsx(t)
    return _file(body, m["fmt"], f"r2p-{m['id']}")


@guarded
def export_country(name: str) -> Response:
    m = COUNTRY_NAME.match(name)
    if not m:
        raise charts.ExportNotFound(f"'{name[:60]}' is not <ISO3>.pdf or <ISO3>.pptx")
    code = charts.country_code(m["iso3"])
    b = briefing.gather(code, request.args, f"/country/{code}{_query()}")
    try:
        if m["fmt"] == "pdf":
            from dashboard.export.pack import build_pdf

            body = build_pdf(b)
        else:
            from dashboard.export.slides import build_pptx

            body = build_pptx(b)
    finally:
        if b.batch is not None:
            b.batch.cancel()  # charts the pack did not use are not rendered
    return _file(body, m["fmt"], f"r2p-briefing-{code}-{_slug(b.name)}")


def register(server: Flask) -> None:
    """Add the export URLs to the app's Flask server (once per process)."""
    if "export_chart" in server.view_functions:
        return
    server.add_url_rule("/export/chart/<name>", "export_chart", export_chart)
    server.add_url_rule("/export/table/<name>", "export_table", export_table)
    server.add_url_rule("/export/country/<name>", "export_country", export_country)
    server.add_url_rule("/export/<path:rest>", "export_unknown", export_unknown)


def export_unknown(rest: str) -> Response:
    """Any other /export/ URL (e.g. with encoded slashes): a 404 message rather than the app's page shell."""
    return _message(404, "Export not found", "Export URLs are /export/chart/<chart id>.<png|svg|pdf>, "
                    "/export/table/<table id>.<csv|xlsx> and /export/country/<ISO3>.<pdf|pptx>.")
