"""JSON-over-HTTP for publishers with an API (ACLED, HDX HAPI): retries with backoff, polite pacing, redaction.

Downloads of whole files go through etl/download.py; this module serves the APIs that answer page by page.
Every message that leaves it has the caller's secrets removed (``redact``), so a password, token or app
identifier can never reach a log line, the ``sources`` table or an export.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from etl.download import USER_AGENT, redact

RETRY_STATUS = {429, 500, 502, 503, 504}
BACKOFF = 1.0  # seconds before the first retry (tests shorten it)
MIN_INTERVAL_SCALE = 1.0  # multiplies a publisher's requested pacing (tests set 0)


class ApiError(Exception):
    """An API answered with an error or something that is not its documented JSON. ``status`` is the HTTP code."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass
class JsonApi:
    """One publisher's API: base URL, secrets to redact, retry and pacing policy."""

    base: str
    secrets: list[str] = field(default_factory=list)
    retries: int = 4
    backoff: float = field(default_factory=lambda: BACKOFF)  # doubled per attempt, or the server's Retry-After
    min_interval: float = 0.0  # seconds between two requests (a publisher's requested rate)
    timeout: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    _last: float = 0.0

    def url(self, path: str, params: dict | None = None) -> str:
        query = urllib.parse.urlencode({k: v for k, v in (params or {}).items() if v not in (None, "")})
        return self.base.rstrip("/") + path + ("?" + query if query else "")

    def shown(self, text: str) -> str:
        return redact(str(text), self.secrets)

    def request(self, method: str, path: str, params: dict | None = None, *, form: dict | None = None,
                headers: dict | None = None) -> dict:
        """One call, retried on 429/5xx and network errors; returns the decoded JSON object."""
        url = self.url(path, params)
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        hdrs = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        if body is not None:
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        where = self.shown(f"{method} {self.base.rstrip('/')}{path}")
        last = ""
        for attempt in range(self.retries + 1):
            self._pace()
            req = urllib.request.Request(url, data=body, method=method)
            for k, v in hdrs.items():
                # credentials never follow a redirect to another host
                (req.add_unredirected_header if k == "Authorization" else req.add_header)(k, v)
            wait = self.backoff * (2**attempt)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    raw = resp.read()
                return self._decode(raw, where)
            except urllib.error.HTTPError as err:
                if err.code not in RETRY_STATUS:
                    raise ApiError(f"{where} answered HTTP {err.code}", err.code) from None
                last = f"HTTP {err.code}"
                retry_after = err.headers.get("Retry-After") if err.headers else None
                if retry_after and retry_after.strip().isdigit():
                    wait = min(float(retry_after), 300.0)
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as err:
                last = self.shown(f"{type(err).__name__}: {getattr(err, 'reason', err)}")
            if attempt < self.retries:
                self.sleep(wait)
        raise ApiError(f"{where} failed after {self.retries + 1} attempt(s): {last}")

    def _decode(self, raw: bytes, where: str) -> dict:
        try:
            doc = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            head = raw[:60].decode("utf-8", "replace").strip()
            raise ApiError(self.shown(f"{where} answered something that is not JSON ({err}; starts {head!r})"))\
                from None
        if not isinstance(doc, dict):
            raise ApiError(f"{where} answered JSON that is not an object")
        return doc

    def _pace(self) -> None:
        interval = self.min_interval * MIN_INTERVAL_SCALE
        if interval > 0:
            gap = time.monotonic() - self._last
            if gap < interval:
                self.sleep(interval - gap)
        self._last = time.monotonic()
