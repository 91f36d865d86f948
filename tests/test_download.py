"""Downloads against a real HTTP server on loopback: caching, conditional GET, retries, broken transfers, zips."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from etl.download import apply_mirrors, fetch, file_meta, safe_unzip
from etl.model import Download, SourceError

BODY = b"situation,iso3_list,risk_level,as_of,source_url\nSudan,SDN,Current Crisis,2024-09-01,https://x\n"


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}
    files: dict[str, bytes] = {}

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        n = Handler.hits[self.path]
        if self.path == "/levels.csv":
            etag = '"' + hashlib.sha256(BODY).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self._send(BODY, etag=etag)
        elif self.path == "/flaky.csv":
            if n <= 2:
                self.send_response(503)
                self.end_headers()
                return
            self._send(BODY)
        elif self.path == "/truncated.csv":
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY) * 10))
            self.end_headers()
            self.wfile.write(BODY)
            self.wfile.flush()
            self.close_connection = True
        elif self.path in Handler.files:
            self._send(Handler.files[self.path])
        else:
            self.send_response(404)
            self.end_headers()

    def _send(self, body: bytes, etag: str | None = None):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_download_is_cached_and_revalidated(server: str, tmp_path: Path):
    Handler.hits.clear()
    dl = Download("https://publisher.example.org/data/levels.csv", "levels.csv")
    mirrors = {"https://publisher.example.org/data": server}
    [path] = fetch(dl, tmp_path, mirrors=mirrors, backoff=0)
    assert path.read_bytes() == BODY
    manifest = json.loads((tmp_path / ".manifest.json").read_text())["levels.csv"]
    assert manifest["sha256"] == hashlib.sha256(BODY).hexdigest()
    assert manifest["url"] == dl.url and manifest["fetched_from"] == server + "/levels.csv"
    first_retrieved = manifest["retrieved_at"]
    # second run: conditional GET answered 304, file and retrieval time unchanged
    [again] = fetch(dl, tmp_path, mirrors=mirrors, backoff=0)
    assert again.read_bytes() == BODY and Handler.hits["/levels.csv"] == 2
    assert json.loads((tmp_path / ".manifest.json").read_text())["levels.csv"]["retrieved_at"] == first_retrieved
    assert file_meta(path) == {"sha256": manifest["sha256"], "retrieved_at": first_retrieved, "url": dl.url}


def test_server_errors_are_retried_with_backoff(server: str, tmp_path: Path):
    Handler.hits.clear()
    [path] = fetch(Download(f"{server}/flaky.csv", "flaky.csv"), tmp_path, retries=3, backoff=0)
    assert path.read_bytes() == BODY and Handler.hits["/flaky.csv"] == 3


def test_interrupted_download_fails_cleanly_and_keeps_the_cached_copy(server: str, tmp_path: Path):
    (tmp_path / "truncated.csv").write_bytes(b"previous good copy")
    with pytest.raises(SourceError, match=r"interrupted download: got \d+ of \d+ bytes|download failed"):
        fetch(Download(f"{server}/truncated.csv", "truncated.csv"), tmp_path, retries=1, backoff=0, timeout=5)
    assert (tmp_path / "truncated.csv").read_bytes() == b"previous good copy"
    assert not list(tmp_path.glob("*.part"))


def test_not_found_is_not_retried(server: str, tmp_path: Path):
    Handler.hits.clear()
    with pytest.raises(SourceError, match="404"):
        fetch(Download(f"{server}/missing.csv", "missing.csv"), tmp_path, retries=3, backoff=0)
    assert Handler.hits["/missing.csv"] == 1


def test_unreachable_host_fails_with_message(tmp_path: Path):
    with pytest.raises(SourceError, match=r"download failed from http://127\.0\.0\.1:9/x\.csv"):
        fetch(Download("http://127.0.0.1:9/x.csv", "x.csv"), tmp_path, retries=1, backoff=0, timeout=2)


def test_zip_members_are_extracted_flat_never_outside(server: str, tmp_path: Path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("folder/data.csv", BODY)
        zf.writestr("../../escape.csv", b"should land inside the folder")
    Handler.files["/archive.zip"] = buf.getvalue()
    out = tmp_path / "dest"
    paths = fetch(Download(f"{server}/archive.zip", "archive.zip", unzip=True), out, backoff=0)
    assert sorted(p.name for p in paths) == ["data.csv", "escape.csv"]
    assert all(p.parent == out for p in paths)
    assert not (tmp_path / "escape.csv").exists()


def test_zip_bomb_is_refused(tmp_path: Path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("huge.csv", b"0" * (60 * 1024 * 1024))
    with pytest.raises(SourceError, match="zip bomb"):
        safe_unzip(bomb, tmp_path / "out")
    assert not (tmp_path / "out" / "huge.csv").exists()


def test_html_instead_of_zip_is_reported(tmp_path: Path):
    fake = tmp_path / "data.zip"
    fake.write_text("<html><body>Please log in</body></html>")
    with pytest.raises(SourceError, match="not a valid zip archive"):
        safe_unzip(fake, tmp_path)


def test_mirror_rewrites_only_matching_prefix():
    mirrors = {"https://ucdp.uu.se/downloads": "http://127.0.0.1:8000/ucdp/"}
    assert apply_mirrors("https://ucdp.uu.se/downloads/ged/x.zip", mirrors) == "http://127.0.0.1:8000/ucdp/ged/x.zip"
    assert apply_mirrors("https://api.worldbank.org/v2/x", mirrors) == "https://api.worldbank.org/v2/x"
