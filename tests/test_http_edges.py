"""HTTP edges over real sockets (issue 15, class 7): the development server and gunicorn, started on loopback.

Every answer — the app's, Flask's 404/405/413, and those the server layer writes before the app (414, 431, a broken
request line) — carries the security headers; no ``Werkzeug/… Python/…`` banner; the connection is closed after an
error such as 413 instead of being held while the client trickles an oversized body. Loops are bounded (deadlines).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

REQUIRED = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    from etl.runner import update

    work = tmp_path_factory.mktemp("edges")
    raw = work / "raw"
    for folder, fixture in (("m49", "m49/m49_sample.csv"), ("ucdp-ged", "ucdp_ged/ged191_small.csv")):
        (raw / folder).mkdir(parents=True)
        shutil.copy(FIXTURES / fixture, raw / folder)
    assert update(db=work / "w.duckdb", from_dir=raw, quiet=True).published
    return work / "w.duckdb"


def _start(cmd: list[str], port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            status, _, _, _ = exchange(port, b"GET /_dash-layout HTTP/1.1\r\nHost: x\r\n\r\n")
            if status == 200:
                return proc
        except OSError:
            pass
        assert proc.poll() is None, "the server exited during start-up"
        time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGTERM)
    raise AssertionError("the server did not start within 90 s")


@pytest.fixture(scope="module", params=["dev", "gunicorn"])
def server(request, warehouse):
    port = _free_port()
    if request.param == "dev":
        cmd = [sys.executable, "app.py", "--db", str(warehouse), "--port", str(port)]
    else:
        cmd = [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "app:server"]
    proc = _start(cmd, port, {"R2P_DB": str(warehouse), "R2P_BIND": f"127.0.0.1:{port}", "R2P_WORKERS": "1",
                              "R2P_THREADS": "2"})
    yield request.param, port
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def exchange(port: int, raw: bytes, body_chunks: int = 0, wait: float = 10.0) -> tuple[int, dict, bytes, bool]:
    """Send ``raw`` (then ``body_chunks`` × 64 KB of body), read one answer; was the connection closed after it?"""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(raw)
        for _ in range(body_chunks):
            try:
                s.sendall(b"x" * 65536)
            except OSError:  # the server answered and closed while we were still sending: fine
                break
        data = b""
        deadline = time.monotonic() + wait
        closed = False
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
            head, sep, rest = data.partition(b"\r\n\r\n")
            if sep and b"content-length:" in head.lower():
                length = int(next(ln.split(b":")[1] for ln in head.split(b"\r\n")
                                  if ln.lower().startswith(b"content-length:")))
                if len(rest) >= length:
                    s.settimeout(3)  # the answer is complete: does the server close now?
                    deadline = time.monotonic() + 3
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {}
    for ln in lines[1:]:
        name, _, value = ln.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body, closed


def _secure(status: int, headers: dict) -> None:
    for name in REQUIRED:
        assert name.lower() in headers, f"{status} answer lacks {name}: {headers}"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    server = headers.get("server", "")
    assert "werkzeug" not in server.lower() and "python" not in server.lower(), server


CASES = {  # name -> (request bytes, body chunks, the statuses either server may give)
    "20 KB URL": (b"GET /?q=" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 0, {200, 414}),
    "70 KB URL": (b"GET /?q=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 0, {414}),
    "40 KB header": (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 40_000 + b"\r\n\r\n", 0, {200, 431}),
    "70 KB header": (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 70_000 + b"\r\n\r\n", 0, {400, 431}),
    "150 headers": (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n",
                    0, {431}),
    "garbage request line": (b"HELLO\x00THERE\r\n\r\n", 0, {400}),
    "TLS handshake on plain HTTP": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 0, {0, 400}),
    "unknown protocol": (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 0, {400, 505}),
    "no such file": (b"GET /_dash-component-suites/nope/x.js HTTP/1.1\r\nHost: x\r\n\r\n", 0, {404}),
    "method not allowed": (b"DELETE /_dash-layout HTTP/1.1\r\nHost: x\r\n\r\n", 0, {405}),
    "oversized callback body": (b"POST /_dash-update-component HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                                b"\r\nContent-Length: 50000000\r\n\r\n", 2, {413}),
}


@pytest.mark.parametrize("case", CASES)
def test_every_edge_answer_has_the_headers_and_errors_close(server, case):
    kind, port = server
    raw, chunks, statuses = CASES[case]
    started = time.monotonic()
    status, headers, _, closed = exchange(port, raw, chunks)
    assert status in statuses, (kind, case, status, headers)
    if status == 0:  # no answer at all (the dev server drops a TLS handshake): nothing to label, just closed
        assert closed
        return
    _secure(status, headers)
    if status >= 400 and status != 404:
        assert closed, f"{kind}: connection left open after {status}"
    assert time.monotonic() - started < 15  # 50 MB announced, 128 kB sent: never held waiting for the rest


def test_no_version_banner_on_normal_answers(server):
    _, port = server
    status, headers, body, _ = exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200 and b"<html" in body.lower()
    _secure(status, headers)


def test_slow_clients_are_cut_off_or_left_to_the_proxy_and_the_server_recovers(server):
    """Sockets that send a header byte by byte: the server must still answer a normal request once they stop
    (bounded: 16 sockets, 3 s). docs/deploy.md says why the reverse proxy must buffer slow clients in production."""
    _, port = server
    slow = []
    for _ in range(16):
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        slow.append(s)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        for s in slow:
            with contextlib.suppress(OSError):  # the server may have cut it off: that is allowed
                s.sendall(b"X")
        time.sleep(0.5)
    for s in slow:
        s.close()
    started = time.monotonic()
    status, headers, _, _ = exchange(port, b"GET /_dash-layout HTTP/1.1\r\nHost: x\r\n\r\n", wait=30)
    assert status == 200 and time.monotonic() - started < 30
    _secure(status, headers)
