"""`python -m etl update` without --from: fetch from the publisher URL (served on loopback), load, and survive a
publisher that starts serving an error page."""

from __future__ import annotations

import io
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from etl.runner import update
from tests.conftest import FIXTURES

WB_PATH = "/v2/en/indicator/SP.POP.TOTL?downloadformat=csv"


def wb_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(FIXTURES / "worldbank" / "API_SP.POP.TOTL_DS2_en_csv_v2_fixture.csv",
                 "API_SP.POP.TOTL_DS2_en_csv_v2_1.csv")
    return buf.getvalue()


class Publisher(BaseHTTPRequestHandler):
    body: bytes = b""
    requests: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        Publisher.requests.append(self.path)
        if self.path != WB_PATH:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(Publisher.body)))
        self.end_headers()
        self.wfile.write(Publisher.body)


@pytest.fixture
def publisher():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Publisher)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_update_downloads_then_keeps_data_when_publisher_breaks(publisher: str, tmp_path: Path):
    db, raw = tmp_path / "w.duckdb", tmp_path / "raw"
    mirrors = {"https://api.worldbank.org": publisher}
    Publisher.body, Publisher.requests = wb_zip(), []
    report = update(db=db, only=["worldbank_population"], quiet=True, raw_dir=raw,
                    curated_dir=tmp_path / "none", mirrors=mirrors)
    assert report.exit_code == 0, [(r.source.id, r.message) for r in report.runs]
    assert Publisher.requests == [WB_PATH]
    assert (raw / "worldbank-population" / "API_SP.POP.TOTL_DS2_en_csv_v2_1.csv").exists()
    con = duckdb.connect(str(db), read_only=True)
    values = con.execute("SELECT iso3, year, value FROM indicator_values WHERE indicator_id = 'population' "
                         "ORDER BY iso3, year").fetchall()
    retrieved = con.execute("SELECT url, length(file_sha256) FROM sources WHERE source_id = "
                            "'worldbank_population' AND file_name IS NOT NULL").fetchall()
    con.close()
    # fixture rows: Aruba 100 / (blank) / 300; Sudan 5000 / 5100 / 'abc' (rejected); World excluded
    assert ("ABW", 1960, 100.0) in values and ("ABW", 2024, 300.0) in values
    assert ("SDN", 1961, 5100.0) in values and not [v for v in values if v[0] == "SDN" and v[1] == 2024]
    assert not [v for v in values if v[0] == "WLD"]
    assert retrieved and retrieved[0][1] == 64

    # the publisher now answers 200 with an HTML error page: the source fails, previous values stay (stale)
    Publisher.body = b"<!DOCTYPE html><html><body>Service temporarily unavailable</body></html>"
    report = update(db=db, only=["worldbank_population"], quiet=True, raw_dir=raw,
                    curated_dir=tmp_path / "none", mirrors=mirrors)
    run = next(r for r in report.runs if r.source.id == "worldbank_population")
    assert report.exit_code == 1 and run.status == "failed"
    assert "served an HTML page instead of the expected zip" in run.message
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT iso3, year, value FROM indicator_values WHERE indicator_id = 'population' "
                       "ORDER BY iso3, year").fetchall() == values
    statuses = {r[0] for r in con.execute("SELECT status FROM sources WHERE source_id = 'worldbank_population'")
                .fetchall()}
    con.close()
    assert statuses == {"stale", "failed"}
