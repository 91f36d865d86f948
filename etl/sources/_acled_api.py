"""ACLED's API with the user's own account: OAuth password grant, paged reads, incremental updates, deletions.

What this follows (checked on 2026-12-05 in the stored copy of ACLED's official R package ``dtacled/acledR``,
``R/acled_auth.R``, and in public clients of the post-September-2025 API):

* token: ``POST {base}/oauth/token`` with form fields ``username`` (account e-mail), ``password``,
  ``grant_type=password``, ``client_id=acled`` → ``{"access_token", "refresh_token", "expires_in" (86400 s),
  "token_type": "Bearer"}``. A refresh is the same call with ``grant_type=refresh_token`` and ``refresh_token``:
  acledR's ``acled_auth()`` is ``httr2::req_oauth_password(req, client = oauth_client("acled", token_url), …)``,
  and httr2 caches that token and refreshes it with RFC 6749 §6's refresh grant (the public client's
  ``client_id`` in the form body); an answer without a new refresh token keeps the old one.
* read: ``GET {base}/api/acled/read?_format=json`` with ``Authorization: Bearer …`` and filters ``country``,
  ``event_date=A|B`` + ``event_date_where=BETWEEN``, ``event_type=A|B``, ``timestamp=T`` + ``timestamp_where=>=``
  (the incremental update), paged by ``limit`` (5,000 by default) and ``page`` (1-based; a short page is the last).
  Answer: ``{"status": 200, "success": true, "count": n, "data": [{event_id_cnty, event_date, …, timestamp}]}``.
* deletions: ``GET {base}/api/deleted/read?_format=json&deleted_timestamp=T`` → ``data`` rows of
  ``event_id_cnty`` and ``deleted_timestamp`` (acledR ``R/acled_deletions_api.R``: "all deleted events including
  and after the requested date/timestamp").

Secrets (password, access and refresh tokens) stay in memory; every message is redacted before it leaves.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from etl.api_client import ApiError, JsonApi

DEFAULT_URL = "https://acleddata.com"
PAGE_SIZE = 5000
REFRESH_MARGIN = 300  # seconds: a token this close to expiry is refreshed before use
TIER_HINT = ("ACLED refused the account ({code}): check ACLED_USERNAME / ACLED_PASSWORD, and that your ACLED "
             "account tier includes API access (some free tiers do not; see acleddata.com, 'myACLED')")


@dataclass(frozen=True)
class AcledConfig:
    """Read from the environment only; never written anywhere."""

    username: str
    password: str
    base: str = DEFAULT_URL
    countries: tuple[str, ...] = ()  # ACLED country names; empty = all
    event_types: tuple[str, ...] = ()  # empty = all
    since: str = ""  # YYYY-MM-DD of the first event_date of a first full load; empty = ACLED's whole history
    until: str = ""

    @classmethod
    def from_env(cls) -> AcledConfig | None:
        user, pwd = os.environ.get("ACLED_USERNAME", "").strip(), os.environ.get("ACLED_PASSWORD", "")
        if not user or not pwd:
            return None
        split = lambda name: tuple(p.strip() for p in os.environ.get(name, "").split("|") if p.strip())  # noqa: E731
        return cls(user, pwd, os.environ.get("R2P_ACLED_URL", "").strip() or DEFAULT_URL,
                   split("R2P_ACLED_COUNTRIES"), split("R2P_ACLED_EVENT_TYPES"),
                   os.environ.get("R2P_ACLED_SINCE", "").strip(), os.environ.get("R2P_ACLED_UNTIL", "").strip())


class AcledAuthError(ApiError):
    """The account was refused (401/403): wrong credentials or an account tier without API access."""


@dataclass
class AcledClient:
    config: AcledConfig
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    _access: str = ""
    _refresh: str = ""
    _expires: float = 0.0
    api: JsonApi = field(init=False)

    def __post_init__(self) -> None:
        self.api = JsonApi(self.config.base, [self.config.password, self.config.username], sleep=self.sleep)

    # ------------------------------------------------------------------ tokens
    def _token_call(self, form: dict) -> None:
        try:
            doc = self.api.request("POST", "/oauth/token", form={**form, "client_id": "acled"})
        except ApiError as err:
            if err.status in (400, 401, 403):
                raise AcledAuthError(TIER_HINT.format(code=f"HTTP {err.status}"), err.status) from None
            raise
        token = doc.get("access_token")
        if not isinstance(token, str) or not token:
            raise ApiError("ACLED's token endpoint answered without an access_token")
        # RFC 6749 §6: a refresh answer MAY carry a new refresh token; without one the old one stays valid (httr2,
        # which acledR's acled_auth() relies on, keeps it too)
        self._access, self._refresh = token, str(doc.get("refresh_token") or self._refresh)
        try:
            ttl = float(doc.get("expires_in") or 86400)
        except (TypeError, ValueError):
            ttl = 86400.0
        self._expires = self.clock() + ttl
        self.api.secrets[:] = [s for s in (self.config.password, self.config.username, self._access, self._refresh)
                               if s]

    def login(self) -> None:
        self._token_call({"username": self.config.username, "password": self.config.password,
                          "grant_type": "password"})

    def refresh(self) -> None:
        """Use the refresh token; fall back to a fresh password grant when it is refused or absent."""
        if self._refresh:
            try:
                self._token_call({"grant_type": "refresh_token", "refresh_token": self._refresh})
                return
            except AcledAuthError:
                pass
        self.login()

    def _bearer(self) -> dict:
        if not self._access:
            self.login()
        elif self.clock() >= self._expires - REFRESH_MARGIN:
            self.refresh()
        return {"Authorization": f"Bearer {self._access}"}

    def get(self, path: str, params: dict) -> dict:
        """An authorised GET; one 401 leads to a token refresh and a second try, a second 401 is final."""
        for attempt in (0, 1):
            try:
                doc = self.api.request("GET", path, params, headers=self._bearer())
                break
            except ApiError as err:
                if err.status == 401 and attempt == 0:
                    self.refresh()
                    continue
                if err.status in (401, 403):
                    raise AcledAuthError(TIER_HINT.format(code=f"HTTP {err.status} on {path}"), err.status) from None
                raise
        if doc.get("success") is False or not isinstance(doc.get("data"), list):
            msg = doc.get("error") or doc.get("message") or "no 'data' list"
            raise ApiError(self.api.shown(f"ACLED {path} answered an unexpected page: {str(msg)[:200]}"))
        return doc

    # ------------------------------------------------------------------ reads
    def read_params(self, since_timestamp: int | None) -> dict:
        c = self.config
        params: dict = {"_format": "json", "limit": PAGE_SIZE}
        if c.countries:
            params["country"] = "|".join(c.countries)
        if c.event_types:
            params["event_type"] = "|".join(c.event_types)
        if c.since or c.until:
            params["event_date"] = f"{c.since or '1997-01-01'}|{c.until or '2100-12-31'}"
            params["event_date_where"] = "BETWEEN"
        if since_timestamp is not None:
            params["timestamp"] = int(since_timestamp)
            params["timestamp_where"] = ">="
        return params

    def pages(self, path: str, params: dict, start_page: int = 1) -> Iterator[tuple[int, list[dict]]]:
        """(page number, rows) until a short or empty page."""
        limit = int(params.get("limit") or PAGE_SIZE)
        page = start_page
        while True:
            rows = self.get(path, {**params, "page": page})["data"]
            for i, row in enumerate(rows):
                if not isinstance(row, dict):
                    raise ApiError(f"ACLED {path} page {page}: item {i + 1} is not an object")
            yield page, rows
            if len(rows) < limit:
                return
            page += 1

    def deleted_since(self, since_timestamp: int) -> list[dict]:
        params = {"_format": "json", "limit": PAGE_SIZE, "deleted_timestamp": int(since_timestamp)}
        return [r for _, rows in self.pages("/api/deleted/read", params) for r in rows]


class PageJournal:
    """Resumable paging: each page is appended to a hidden JSON-lines file next to the snapshot, with the query
    it belongs to; an interrupted run resumes at the next page of the same query instead of starting over."""

    def __init__(self, folder: Path, query: dict):
        self.path = folder / ".acled-pages.jsonl"
        self.query = json.dumps(query, sort_keys=True)

    def resume(self) -> tuple[int, list[dict]]:
        """(next page, rows already fetched) for this query; (1, []) when nothing matches."""
        if not self.path.exists():
            return 1, []
        rows: list[dict] = []
        last = 0
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    break  # a half-written last line: resume before it
                if entry.get("query") != self.query:
                    return 1, []
                last = int(entry["page"])
                rows.extend(entry["rows"])
        return last + 1, rows

    def add(self, page: int, rows: list[dict]) -> None:
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"query": self.query, "page": page, "rows": rows}) + "\n")

    def reset(self) -> None:
        self.path.unlink(missing_ok=True)
