"""Every page and callback answer of the app, as bytes: refactors that mean to change nothing are checked with it.

``python -m bench.answers --db WAREHOUSE --out answers.json`` renders the pages below and replays, per server-side
callback, the requests ``bench.scenarios`` builds from them (one control changed at a time, fixed seed), in process
(Flask test client, response cache cleared before each). It writes {request label: sha256 of the answer body} and
``--compare OTHER.json`` lists the labels whose answers differ. Run it on two checkouts against the same warehouse
(on the same day: exports carry today's date).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

PATHS = ["/", "/?year=2015", "/explore", "/sources", "/country/SDN", "/country/UKR", "/country/FRA",
         "/explore?region=Africa&indicators=ucdp_state_based_deaths&indicators=population&from=2000&to=2020",
         "/explore?factor=1&status=elevated&indicators=ucdp_state_based_deaths&x=population&y=pts_amnesty",
         "/explore?risk=Current+Crisis&countries=SDN&countries=MMR&violence=one-sided",
         "/explore?from=2030&to=1900&subregion=Nowhere&indicators=nope"]


def snapshot(db: Path, per_callback: int = 12) -> dict[str, str]:
    from bench import scenarios
    from bench.bench_callbacks import make_send
    from dashboard import response_cache
    from dashboard.server import create_app

    app = create_app(db)
    client = app.server.test_client()
    send = make_send(client)
    out: dict[str, str] = {}
    for path in PATHS:  # one discovery per page: each explorer link is a starting state of its own
        discovered = scenarios.discover(send, [path])
        cases, _missing = scenarios.cases(discovered, per_callback=per_callback)
        for reqs in cases.values():
            for r in reqs:
                response_cache.clear()
                status, body = send(r.method, r.path, r.body)
                label = f"{path} | {r.label}"
                while label in out:
                    label += "'"
                out[label] = f"{status} {hashlib.sha256(body).hexdigest()}"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--compare", type=Path, help="a snapshot to compare with (labels whose answers differ)")
    args = parser.parse_args(argv)
    snap = snapshot(args.db)
    args.out.write_text(json.dumps(snap, indent=1, sort_keys=True))
    print(f"{len(snap)} answers -> {args.out}")
    if args.compare:
        other = json.loads(args.compare.read_text())
        differ = sorted(k for k in snap.keys() | other.keys() if snap.get(k) != other.get(k))
        for label in differ:
            print(f"differs: {label}: {other.get(label)} -> {snap.get(label)}")
        print(f"{len(snap) - len(differ)} identical, {len(differ)} differ")
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
