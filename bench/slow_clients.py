"""Slow clients against gunicorn with the repository's config: does a normal request still get through?

    python -m bench.slow_clients --db /tmp/w.duckdb [--clients 16] [--mode header|body|noread] [--seconds 20]

Starts ``gunicorn -c gunicorn.conf.py app:server`` on a free loopback port, opens N sockets that trickle a request
header (``header``) or a request body (``body``) one byte a second, or request the largest JavaScript bundle and
never read it (``noread``); then times a normal request while they are held, and counts how many slow sockets the
server still keeps open at the end. Figures: docs/deploy.md ("HTTP edges, slow clients").
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPENERS = {
    "header": b"GET / HTTP/1.1\r\nHost: x\r\n",
    "body": b"POST /_dash-update-component HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n",
}


def timed_get(port: int, path: str = "/_dash-layout", timeout: float = 30) -> tuple[str, float]:
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            return s.recv(64).split(b"\r\n")[0].decode("latin-1"), time.monotonic() - started
    except OSError as exc:
        return repr(exc), time.monotonic() - started


def biggest_bundle(port: int) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        page = b""
        while chunk := s.recv(65536):
            page += chunk
    srcs = [part.split(b'"')[0].decode() for part in page.split(b'src="')[1:]]
    return next(s for s in srcs if "ag_grid" in s) if any("ag_grid" in s for s in srcs) else srcs[-1]


def run(db: str, clients: int, mode: str, seconds: float) -> dict[str, object]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "R2P_DB": db, "R2P_BIND": f"127.0.0.1:{port}"}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = subprocess.Popen([gunicorn, "-c", "gunicorn.conf.py", "app:server"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not timed_get(port, timeout=2)[0].startswith("HTTP/1.1 200"):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.5)
        opener = OPENERS.get(mode) or f"GET {biggest_bundle(port)} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        slow = []
        for _ in range(clients):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.connect(("127.0.0.1", port))
            s.sendall(opener)
            slow.append(s)
        end = time.monotonic() + seconds
        during: tuple[str, float] | None = None
        while time.monotonic() < end:
            if mode != "noread":
                for s in slow:
                    with contextlib.suppress(OSError):
                        s.sendall(b"X")
            if during is None and time.monotonic() > end - seconds / 2:
                during = timed_get(port)
            time.sleep(1)
        still_open = 0
        for s in slow:
            s.setblocking(False)
            try:
                still_open += s.recv(1, socket.MSG_PEEK) != b""
            except BlockingIOError:
                still_open += 1  # nothing to read and not closed: the server still holds it
            except OSError:
                pass
            s.close()
        return {"mode": mode, "clients": clients, "normal request": during, "slow sockets still open": still_open,
                "after": timed_get(port)}
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--mode", choices=("header", "body", "noread"), default="header")
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    print(run(args.db, args.clients, args.mode, args.seconds))


if __name__ == "__main__":
    main()
