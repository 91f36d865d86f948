"""The HTTP edges the app does not answer itself: errors made by the server layer, the version banner, closing.

Why: requests refused before Flask sees them (a 20 KB URL, a 40 KB header, a broken request line) are answered by
the development server (``http.server`` under Werkzeug) or by gunicorn, without the security headers
``dashboard.security`` sets, and Werkzeug announces ``Werkzeug/x Python/y``. Here:

* ``DevRequestHandler`` (``python app.py``): a neutral ``Server`` value and the security headers on its own error
  answers (it already closes every connection after each answer);
* ``install_gunicorn`` (gunicorn's ``post_worker_init`` hook, gunicorn.conf.py): gunicorn's error writer replaced
  by one that sends the same headers, closes, and does not echo the refused request back;
* ``close_after_errors``: a WSGI wrapper that makes gunicorn close a connection after an error answer, instead of
  reading the rest of an unread (e.g. oversized) body to reuse the connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import WSGIRequestHandler

from dashboard.security import MAX_BODY_BYTES, STATIC_HEADERS

SERVER_NAME = "r2p-dashboard"  # no product version, no Python version
ERROR_PAGE_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
KEEP_OPEN = {404}  # a missing file is routine (favicon, old link): the connection stays usable


def error_headers() -> dict[str, str]:
    """Headers for an answer the server layer writes itself (plain text, no scripts, no framing)."""
    return {"Content-Security-Policy": ERROR_PAGE_POLICY, **STATIC_HEADERS, "Cache-Control": "no-store"}


class DevRequestHandler(WSGIRequestHandler):
    """Werkzeug's development request handler without the version banner and with headers on its own errors."""

    timeout = 30  # seconds a client may stall mid-request; without it a stalled upload holds a thread for ever

    def version_string(self) -> str:
        return SERVER_NAME

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self._server_made_error = True
        if self.request_version == "HTTP/0.9":  # a garbage request line: answer with a status line and headers
            self.request_version = "HTTP/1.0"
        super().send_error(code, message, explain)

    def run_wsgi(self) -> None:
        """A body announced larger than the app accepts is refused unread: Werkzeug would answer 413 and then read
        the whole upload (``rfile.read(10 MB)``, blocking) before closing."""
        length = self.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            self.send_error(413, "Content Too Large", "The request body is larger than this server accepts.")
            self.close_connection = True
            return
        super().run_wsgi()

    def end_headers(self) -> None:
        if getattr(self, "_server_made_error", False):
            for name, value in error_headers().items():
                self.send_header(name, value)
        super().end_headers()


def write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's ``util.write_error`` with the security headers; the refused request is not echoed."""
    from gunicorn import util

    body = f"{status_int} {reason}\n".encode("latin-1")
    lines = [f"HTTP/1.1 {status_int} {reason}", f"Server: {SERVER_NAME}", "Connection: close",
             "Content-Type: text/plain; charset=utf-8", f"Content-Length: {len(body)}",
             *(f"{k}: {v}" for k, v in error_headers().items())]
    util.write_nonblock(sock, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def install_gunicorn() -> None:
    """Route gunicorn's own error answers (400/414/431/...) through ``write_error`` (called in each worker)."""
    from gunicorn import util

    util.write_error = write_error


def close_after_errors(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """WSGI wrapper: after an error answer (4xx but 404, 5xx) gunicorn closes the connection.

    gunicorn reuses a connection by first reading whatever body the application left unread; after a 413 that is
    the whole oversized upload, at the client's pace. Its response object (``start_response``'s owner) has
    ``force_close``; other servers (Werkzeug closes every connection anyway) are left alone.
    """

    def wrapped(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list, exc_info: Any = None) -> Any:
            code = int(status.split(" ", 1)[0])
            if code >= 400 and code not in KEEP_OPEN:
                force_close = getattr(getattr(start_response, "__self__", None), "force_close", None)
                if callable(force_close):
                    force_close()
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return app(environ, start)

    return wrapped
