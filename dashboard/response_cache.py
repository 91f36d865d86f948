"""Whole-response cache for Dash callbacks (page renders included), per worker process.

Why: when a team opens the same pages before a meeting, most callback requests repeat byte for byte. Every
callback here is a pure function of its request body, the warehouse file and the date, so the answer is cached on
exactly that: (warehouse stamp, today's date, narratives folder stamp, request body). A newly published warehouse
changes the stamp, so it is seen on the next request as before; a narrative file edited in place (not saved by
rename) can show up to ``R2P_RESPONSE_CACHE_SECONDS`` late (default 60; 0 turns the cache off). Only 200 answers
are stored, at most ``MAX_ENTRIES`` per worker (Flask-Caching's in-memory store, thread-safe). The
``X-R2P-Cache`` header says hit or miss (operators and bench/load.py count them).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
from typing import Any

from flask import Response, request
from flask_caching import Cache

from dashboard import data, narratives

MAX_ENTRIES = 300  # responses are 1–400 kB; a few hundred keep a worker well inside its memory budget
_CACHES: list[Cache] = []


def _narratives_stamp() -> str:
    """The curated narratives folder (path, mtime): a narrative added, removed or saved by rename shows at once."""
    folder = narratives.narrative_dir()
    try:
        return f"{folder}:{os.stat(folder).st_mtime_ns}"
    except OSError:
        return f"{folder}:absent"


def _key() -> str | None:
    stamp = data.warehouse().stamp()
    if stamp is None:
        return None
    digest = hashlib.blake2b(request.get_data(cache=True), digest_size=20)
    digest.update(f"{stamp}|{dt.date.today().isoformat()}|{_narratives_stamp()}".encode())
    return digest.hexdigest()


def make_cache(server: Any, seconds: int | None = None) -> Cache | None:
    """The in-memory store for ``server`` (None when turned off by ``R2P_RESPONSE_CACHE_SECONDS=0``)."""
    if seconds is None:
        seconds = int(os.environ.get("R2P_RESPONSE_CACHE_SECONDS", "60"))
    if seconds <= 0:
        return None
    cache = Cache(server, config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": seconds,
                                  "CACHE_THRESHOLD": MAX_ENTRIES})
    _CACHES.append(cache)
    return cache


def wrap(view: Any, cache: Cache) -> Any:
    """Dash's callback view answering repeated requests from ``cache`` (installed by dashboard.dash_internals)."""

    @functools.wraps(view)
    def cached_view(*args: Any, **kwargs: Any) -> Any:
        key = _key()
        body = cache.get(key) if key else None
        if body is not None:
            return Response(body, mimetype="application/json", headers={"X-R2P-Cache": "hit"})
        response = view(*args, **kwargs)
        if key and isinstance(response, Response) and response.status_code == 200 \
                and "Set-Cookie" not in response.headers:
            cache.set(key, response.get_data())
            response.headers["X-R2P-Cache"] = "miss"
        return response

    return cached_view


def clear() -> None:
    """Forget every cached response (benchmarks time cold calls with it)."""
    for cache in _CACHES:
        cache.clear()
