"""``python -m etl update|status|sources|docs|digest|backtest`` — the command line of the ETL."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from etl.runner import DEFAULT_DB


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description="Build and inspect the R2P warehouse.")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("update", help="read or download the datasets and publish a new warehouse")
    up.add_argument("--from", dest="from_dir", type=Path, metavar="DIR",
                    help="read local files laid out like ../shared/data/raw instead of downloading")
    up.add_argument("--db", type=Path, default=Path(os.environ.get("R2P_DB", DEFAULT_DB)), metavar="PATH")
    up.add_argument("--only", nargs="+", metavar="SOURCE", help="update only these sources (others are kept)")
    up.add_argument("--mirror", action="append", default=[], metavar="PREFIX=URL",
                    help="fetch URLs starting with PREFIX from URL instead (repeatable)")
    up.add_argument("--quiet", action="store_true", help="no progress bars or summary")
    up.add_argument("--accept-shrink", nargs="+", default=[], metavar="SOURCE",
                    help="publish these sources even if they load fewer rows than the warehouse being replaced "
                         "(beyond their shrink limit; see docs/reliability.md)")
    up.add_argument("--wait", type=float, default=600.0, metavar="SECONDS",
                    help="how long to wait for another update of the same --db to finish (default 600)")
    st = sub.add_parser("status", help="what the published warehouse holds, per source")
    st.add_argument("--db", type=Path, default=Path(os.environ.get("R2P_DB", DEFAULT_DB)), metavar="PATH")
    sub.add_parser("sources", help="list the dataset modules and their ids")
    docs = sub.add_parser("docs", help="regenerate docs/warehouse.md from the contract and catalog")
    docs.add_argument("--check", action="store_true", help="exit 1 if docs/warehouse.md is out of date")
    dg = sub.add_parser("digest", help="an email-ready digest of the changes and alerts since a date (Markdown/HTML)")
    dg.add_argument("--since", required=True, metavar="YYYY-MM-DD", help="changes dated on or after this day")
    dg.add_argument("--db", type=Path, default=Path(os.environ.get("R2P_DB", DEFAULT_DB)), metavar="PATH")
    dg.add_argument("--region", metavar="M49", help="an M49 region, code or name (002 or Africa)")
    dg.add_argument("--iso3", nargs="+", metavar="ISO3", help="only these countries")
    dg.add_argument("--format", dest="fmt", default="md", metavar="md|html", help="md (default) or html")
    dg.add_argument("--base-url", default=os.environ.get("R2P_BASE_URL", "http://127.0.0.1:8050"), metavar="URL",
                    help="the dashboard's address, for links (default http://127.0.0.1:8050 or $R2P_BASE_URL)")
    dg.add_argument("--output", type=Path, metavar="FILE", help="write here instead of standard output")
    bt = sub.add_parser("backtest", help="score the alert rules against the EWP mass-killing onsets (Markdown table)")
    bt.add_argument("--db", type=Path, default=Path(os.environ.get("R2P_DB", DEFAULT_DB)), metavar="PATH")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(stderr=True)
    if not console.is_terminal:
        console = Console(stderr=True, width=150)  # logs and CI: keep the summary table readable
    if args.command == "update":
        from etl.runner import update

        if args.from_dir is not None and not args.from_dir.is_dir():
            console.print(f"[red]--from {args.from_dir}: no such directory[/red]")
            return 2
        mirrors = dict(m.split("=", 1) for m in args.mirror if "=" in m)
        try:
            report = update(db=args.db, from_dir=args.from_dir, only=args.only, quiet=args.quiet,
                            console=console, mirrors=mirrors, accept_shrink=args.accept_shrink,
                            lock_wait=args.wait)
        except ValueError as err:
            console.print(f"[red]{err}[/red]")
            return 2
        return report.exit_code
    if args.command == "status":
        return status(args.db, Console(width=None if Console().is_terminal else 150))
    if args.command == "sources":
        from etl.sources import all_sources

        for s in all_sources():
            print(f"{s.id:28} {s.title}")
        return 0
    if args.command == "docs":
        from etl.docs import write_docs

        return write_docs(check=args.check)
    if args.command == "digest":
        from etl.digest import run

        return run(args.since, args.db, args.region, args.iso3, args.fmt, args.base_url, args.output)
    if args.command == "backtest":
        if not args.db.exists():
            console.print(f"[red]--db {args.db}: no such warehouse; build one with python -m etl update[/red]")
            return 2
        from etl.derive.backtest import run as run_backtest

        return run_backtest(str(args.db))
    return 2


def status(db: Path, console: Console) -> int:
    if not db.exists():
        console.print(f"No warehouse at {db}. Build one with: python -m etl update  (or --from DIR)")
        return 1
    from etl.warehouse import validate_warehouse

    if problem := validate_warehouse(db):
        console.print(f"The warehouse is not usable: {problem}. Rebuild it with: python -m etl update")
        return 1
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT source_id, string_agg(DISTINCT version, ', ' ORDER BY version), count(file_name), "
            "sum(rows_read), sum(rows_loaded), sum(rows_rejected), sum(rows_duplicate), max(retrieved_at), "
            "string_agg(DISTINCT status, ', ' ORDER BY status) FROM sources GROUP BY source_id ORDER BY source_id"
        ).fetchall()
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                  for t in ("countries", "events", "indicator_values", "displacement", "r2p_risk_levels")}
    finally:
        con.close()
    table = Table(title=f"{db} ({db.stat().st_size / 1e6:.1f} MB)")
    for col in ("source", "version", "files", "read", "loaded", "rejected", "duplicates", "retrieved", "status"):
        table.add_column(col)
    for r in rows:
        table.add_row(*["" if v is None else (f"{v:,}" if isinstance(v, int) else str(v)) for v in r])
    console.print(table)
    console.print("  ".join(f"{t}: {n:,}" for t, n in counts.items()))
    return 0
