"""``/changes.atom``: the /changes page as an Atom 1.0 feed (same filters as query parameters), made by feedgen.

Entry ids are ``urn:r2p-dashboard:change:<change_id>`` — the change's content hash, stable across updates and
servers — and each entry links to the country page (or /sources for a source change). A bad parameter gets a
400 naming it; a feed with no entries is still a valid feed.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import flask
from feedgen.feed import FeedGenerator

from dashboard import data
from dashboard.changes_filters import encode, strict
from dashboard.queries import changes as q

FEED_ID = "urn:r2p-dashboard:changes"
FEED_ENTRIES = 100  # the newest; the page links to the rest


def entry_link(base: str, row: dict) -> str:
    if row["iso3"]:
        return f"{base}/country/{row['iso3']}"
    return f"{base}/sources#src-{row['source_ids']}"


def title_of(row: dict) -> str:
    who = row.get("country") or row.get("iso3") or row.get("subject_label") or ""
    arrow = {"worse": "▲ worse", "better": "▼ better"}.get(row["direction"], "")
    change = f"{row['old_label'] or '—'} → {row['new_label'] or '—'}"
    period = f" ({row['period']})" if row.get("period") else ""
    return f"{who}: {row['subject_label']}{period} {change} {arrow}".strip()


def build_feed(f: q.Filters, base: str) -> bytes:
    frame, _total = q.changes(f, FEED_ENTRIES)
    fg = FeedGenerator()
    fg.id(f"{FEED_ID}:{hashlib.sha1(encode(f).encode()).hexdigest()[:16]}" if encode(f) else FEED_ID)
    fg.title("R2P dashboard — what changed")
    fg.subtitle("Changes recorded at each update of the warehouse, with their sources.")
    fg.link(href=f"{base}/changes{encode(f)}", rel="alternate", type="text/html")
    fg.link(href=f"{base}/changes.atom{encode(f)}", rel="self", type="application/atom+xml")
    fg.author({"name": "R2P atrocity-risk dashboard"})
    last = q.last_update()
    fg.updated((last or datetime(1970, 1, 1)).replace(tzinfo=UTC))
    for row in reversed(frame.to_dicts()):  # feedgen prepends: add oldest first so the feed reads newest first
        e = fg.add_entry()
        e.id(f"urn:r2p-dashboard:change:{row['change_id']}")
        e.title(title_of(row))
        e.link(href=entry_link(base, row), rel="alternate", type="text/html")
        e.updated(row["detected_at"].replace(tzinfo=UTC))
        e.published(row["detected_at"].replace(tzinfo=UTC))
        e.category(term=row["kind"], label=q.KIND_LABELS.get(row["kind"], row["kind"]))
        e.category(term=f"severity:{row['severity']}")
        e.summary(f"{row['detail'] or ''} Dated {row['dated']}; direction {row['direction']}; severity "
                  f"{row['severity']}. Source: {row['source_ids']} ({row['source_versions'] or 'version not given'}).")
    return fg.atom_str(pretty=False)


def feed_view() -> flask.Response:
    if not data.status()["ok"]:
        return flask.Response("No warehouse is loaded.", status=503, mimetype="text/plain")
    try:
        f = strict(flask.request.args.to_dict(flat=True))
    except ValueError as err:
        return flask.Response(f"Bad request: {err}", status=400, mimetype="text/plain")
    base = flask.request.host_url.rstrip("/")
    return flask.Response(build_feed(f, base), mimetype="application/atom+xml")


def register(server: flask.Flask) -> None:
    server.add_url_rule("/changes.atom", "changes_atom", feed_view)
