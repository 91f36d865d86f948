"""Production server settings: ``gunicorn -c gunicorn.conf.py app:server`` (see docs/deploy.md).

Why these: each worker is a separate process that builds the app and warms its caches itself, then opens its own
read-only DuckDB connection (many read-only readers of one file are fine). ``preload_app`` stays off on purpose:
Polars' thread pool (and DuckDB's) do not survive ``fork`` — a worker forked from a warmed master deadlocks on its
first query (measured: bench/RESULTS.md). Threads let a worker overlap requests while DuckDB and Polars work
outside the GIL. Settings can be overridden from the environment (``R2P_BIND``, ``R2P_WORKERS``, ``R2P_THREADS``)
or the gunicorn command line.
"""

from __future__ import annotations

import os

bind = os.environ.get("R2P_BIND", "127.0.0.1:8050")
workers = int(os.environ.get("R2P_WORKERS", max(2, os.cpu_count() or 1)))
worker_class = "gthread"
threads = int(os.environ.get("R2P_THREADS", 4))
preload_app = False  # see above: never fork a process that has used Polars
timeout = 60  # a slow query is cut off rather than holding a worker forever
graceful_timeout = 20
keepalive = 5  # browsers reuse the connection for the page's callback POSTs; an idle one is closed after 5 s
# request limits (gunicorn's defaults, stated): a longer request line is a 414, a longer header or more headers a 431.
# Slow clients are the reverse proxy's job (docs/deploy.md): gthread reads a request in a worker thread.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190


def post_worker_init(worker: object) -> None:
    """gunicorn's own error answers (400/414/431) get the security headers and close (dashboard/http_edges.py)."""
    from dashboard.http_edges import install_gunicorn

    install_gunicorn()
max_requests = int(os.environ.get("R2P_MAX_REQUESTS", 0))  # optional recycling, e.g. 20000 for long soaks
max_requests_jitter = max_requests // 10
control_socket_disable = True  # gunicorn 27's admin socket: one fixed path per user, clashes between instances
accesslog = os.environ.get("R2P_ACCESS_LOG")  # e.g. "-" for stdout; off by default (it costs per request)

