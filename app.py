"""Serve the R2P dashboard: ``python app.py [--db PATH] [--host H] [--port N]`` (or env R2P_DB).

Production: ``gunicorn -c gunicorn.conf.py app:server`` (workers, threads, why no preload: docs/deploy.md).
"""

from __future__ import annotations

import argparse
import os
import sys

from dashboard.server import create_app

app = create_app(os.environ.get("R2P_DB"))
server = app.server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="R2P atrocity-risk dashboard")
    parser.add_argument("--db", default=os.environ.get("R2P_DB", "data/warehouse.duckdb"),
                        help="warehouse file (read-only); default data/warehouse.duckdb or $R2P_DB")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--debug", action="store_true", help="Dash dev tools (never in production)")
    args = parser.parse_args(argv)
    from dashboard.topojson import missing

    if missing():
        print("warning: map outlines are not installed (maps will be blank offline); run "
              "`python -m dashboard.topojson`", file=sys.stderr)
    create_app(args.db)
    from dashboard.http_edges import DevRequestHandler  # no version banner; headers on the server's own errors

    app.run(host=args.host, port=args.port, debug=args.debug, request_handler=DevRequestHandler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
