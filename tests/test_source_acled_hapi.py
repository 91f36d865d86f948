"""ACLED and HDX HAPI connectors against a loopback server imitating both APIs (SYNTHETIC fixtures).

The server serves tests/fixtures/acled/*.json and tests/fixtures/hdx_hapi/*.json in the publishers' documented
shapes, issues and expires tokens, pages by limit/page (ACLED) and limit/offset (HAPI), and can be told to answer
429, 401 or a malformed page. Every test runs the real ``python -m etl update`` path (etl.runner.update) into a
real DuckDB file.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

import etl.api_client as api_client
import etl.sources._acled_api as acled_api
import etl.sources.hdx_hapi as hdx_hapi
from etl.runner import update

FIX = Path(__file__).parent / "fixtures"
USER, PASSWORD, APP_ID = "analyst@example.org", "s3cret-Pa55word!", "c3ludGhldGljLWFwcDp0ZXN0QGV4YW1wbGUub3Jn"


class FakeApis:
    """State of the imitation: accounts, live tokens, the events on offer, scripted failures, a request log."""

    def __init__(self) -> None:
        self.events = json.loads((FIX / "acled/read_full.json").read_text())["data"]
        self.deleted: list[dict] = []
        self.hapi = json.loads((FIX / "hdx_hapi/conflict_events.json").read_text())["data"]
        self.tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.issued = 0
        self.script: list[tuple[str, int, str]] = []  # (path prefix, status, body) answered once, in order
        self.log: list[dict] = []
        self.refuse_all = False
        self.rotate_refresh = True  # False: a refresh answer carries no new refresh token (RFC 6749 §6 allows it)

    def token(self) -> dict:
        self.issued += 1
        access, refresh = f"ACCESS-{self.issued}-tok", f"REFRESH-{self.issued}-tok"
        self.tokens.add(access)
        self.refresh_tokens.add(refresh)
        return {"token_type": "Bearer", "expires_in": 86400, "access_token": access, "refresh_token": refresh}


def make_handler(state: FakeApis):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _send(self, status: int, body, headers: dict | None = None) -> None:
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def _scripted(self, path: str) -> bool:
            for i, (prefix, status, body) in enumerate(state.script):
                if path.startswith(prefix):
                    state.script.pop(i)
                    self._send(status, body.encode(), {"Retry-After": "0"} if status == 429 else None)
                    return True
            return False

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            state.log.append({"method": "POST", "path": self.path, "form": form})
            if self._scripted(self.path):
                return
            if self.path != "/oauth/token" or form.get("client_id") != "acled":
                return self._send(400, {"error": "invalid_client"})
            if state.refuse_all:
                return self._send(403, {"error": "access_denied"})
            if form.get("grant_type") == "password" and form.get("username") == USER \
                    and form.get("password") == PASSWORD:
                return self._send(200, state.token())
            if form.get("grant_type") == "refresh_token" and form.get("refresh_token") in state.refresh_tokens:
                if not state.rotate_refresh:
                    answer = state.token()
                    del answer["refresh_token"]
                    return self._send(200, answer)
                state.refresh_tokens.discard(form["refresh_token"])
                return self._send(200, state.token())
            return self._send(401, {"error": "invalid_grant"})

        def do_GET(self):
            parts = urllib.parse.urlsplit(self.path)
            q = dict(urllib.parse.parse_qsl(parts.query))
            state.log.append({"method": "GET", "path": parts.path, "query": q,
                              "auth": self.headers.get("Authorization")})
            if self._scripted(parts.path):
                return
            if parts.path.startswith("/api/v2/"):
                return self._hapi(q)
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or auth[7:] not in state.tokens:
                return self._send(401, {"error": "unauthorized"})
            if parts.path == "/api/acled/read":
                rows = state.events
                if "timestamp" in q:
                    rows = [r for r in rows if int(r["timestamp"]) >= int(q["timestamp"])]
            elif parts.path == "/api/deleted/read":
                rows = [r for r in state.deleted if int(r["deleted_timestamp"]) >= int(q["deleted_timestamp"])]
            else:
                return self._send(404, {"error": "not found"})
            limit, page = int(q.get("limit", 5000)), int(q.get("page", 1))
            chunk = rows[(page - 1) * limit: page * limit]
            return self._send(200, {"status": 200, "success": True, "count": len(chunk), "data": chunk})

        def _hapi(self, q: dict) -> None:
            if q.get("app_identifier") != APP_ID:
                return self._send(400, {"detail": "app_identifier required"})
            rows = [r for r in state.hapi if not q.get("location_code") or r["location_code"] == q["location_code"]]
            limit, offset = int(q["limit"]), int(q["offset"])
            return self._send(200, {"data": rows[offset: offset + limit]})

    return Handler


@pytest.fixture()
def apis(monkeypatch, tmp_path):
    state = FakeApis()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("ACLED_USERNAME", USER)
    monkeypatch.setenv("ACLED_PASSWORD", PASSWORD)
    monkeypatch.setenv("R2P_ACLED_URL", base)
    monkeypatch.setenv("HDX_HAPI_APP_IDENTIFIER", APP_ID)
    monkeypatch.setenv("R2P_HAPI_URL", base)
    monkeypatch.setattr(api_client, "BACKOFF", 0.01)
    monkeypatch.setattr(api_client, "MIN_INTERVAL_SCALE", 0.0)
    monkeypatch.setattr(acled_api, "PAGE_SIZE", 2)  # 5 fixture events → pages of 2, 2, 1
    monkeypatch.setattr(hdx_hapi, "PAGE_LIMIT", 5)  # 12 fixture rows → pages of 5, 5, 2
    yield state, tmp_path
    server.shutdown()
    server.server_close()


def run(tmp_path: Path, *only: str) -> tuple[object, str]:
    console = Console(record=True, width=200, force_terminal=False)
    report = update(tmp_path / "wh.duckdb", only=list(only), console=console, raw_dir=tmp_path / "raw",
                    curated_dir=tmp_path / "curated")
    return report, console.export_text()


def rows(db: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def status(report, sid: str):
    return next(r for r in report.runs if r.source.id == sid)


def test_full_then_incremental_with_deletion(apis):
    state, tmp = apis
    report, _ = run(tmp, "acled")
    assert status(report, "acled").status == "ok", status(report, "acled").message
    db = tmp / "wh.duckdb"
    got = rows(db, "SELECT event_id, iso3, event_date::VARCHAR, violence_type, deaths_best, event_type, "
                   "sub_event_type FROM events WHERE source = 'acled' ORDER BY event_id")
    assert got == [
        ("SDN90001", "SDN", "2026-01-05", "state-based", 12, "Battles", "Armed clash"),
        ("SDN90002", "SDN", "2026-01-20", "one-sided", 7, "Violence against civilians", "Attack"),
        ("SDN90003", "SDN", "2026-02-02", "one-sided", 20, "Explosions/Remote violence", "Air/drone strike"),
        ("SDN90004", "SDN", "2026-02-10", None, 0, "Protests", "Peaceful protest"),
        ("SSD90001", "SSD", "2026-01-15", "non-state", 4, "Battles", "Armed clash"),
    ]
    reads = [e for e in state.log if e["path"] == "/api/acled/read"]
    assert [e["query"]["page"] for e in reads] == ["1", "2", "3"]
    assert all("timestamp" not in e["query"] for e in reads)
    token_calls = [e for e in state.log if e["path"] == "/oauth/token"]
    assert token_calls[0]["form"] == {"username": USER, "password": PASSWORD, "grant_type": "password",
                                      "client_id": "acled"}

    # ACLED revises one event, adds one and deletes another: the next update asks only from the newest timestamp
    updates = json.loads((FIX / "acled/read_updates.json").read_text())["data"]
    state.events = [e for e in state.events if e["event_id_cnty"] != "SDN90002"] + updates
    state.deleted = json.loads((FIX / "acled/deleted.json").read_text())["data"]
    state.log.clear()
    report, _ = run(tmp, "acled")
    assert status(report, "acled").status == "ok", status(report, "acled").message
    reads = [e for e in state.log if e["path"] == "/api/acled/read"]
    assert reads[0]["query"]["timestamp"] == "1767600400" and reads[0]["query"]["timestamp_where"] == ">="
    dels = [e for e in state.log if e["path"] == "/api/deleted/read"]
    assert dels and dels[0]["query"]["deleted_timestamp"] == "1767600400"
    got = dict(rows(db, "SELECT event_id, deaths_best FROM events WHERE source = 'acled'"))
    assert got == {"SDN90001": 12, "SDN90002": 9, "SDN90003": 20, "SDN90005": 5, "SSD90001": 4}


def test_token_expiry_refresh_and_429(apis):
    state, tmp = apis
    # the first page is throttled once; then every token is revoked mid-run: the client must refresh
    state.script.append(("/api/acled/read", 429, '{"message": "Too Many Requests"}'))
    report, _ = run(tmp, "acled")
    assert status(report, "acled").status == "ok"
    assert [e["query"]["page"] for e in state.log if e["path"] == "/api/acled/read"] == ["1", "1", "2", "3"]
    # revoke tokens (expiry on the server side) and run again: 401 → refresh_token grant → retried read
    state.tokens.clear()
    state.log.clear()
    report, _ = run(tmp, "acled")
    assert status(report, "acled").status == "ok", status(report, "acled").message
    grants = [e["form"]["grant_type"] for e in state.log if e["path"] == "/oauth/token"]
    assert grants == ["password"]  # a new process logs in afresh (tokens are never stored on disk)
    assert not any(p.name.endswith(".json") and "tok" in p.read_text() for p in (tmp / "raw/acled").iterdir()
                   if p.is_file())


def test_refresh_on_401_within_one_run(apis):
    state, _tmp = apis
    cfg = acled_api.AcledConfig(USER, PASSWORD, base=os.environ["R2P_ACLED_URL"])
    client = acled_api.AcledClient(cfg)
    client.login()
    state.tokens.clear()  # the server expires the access token
    doc = client.get("/api/acled/read", {"_format": "json", "limit": 2, "page": 1})
    assert len(doc["data"]) == 2
    grants = [e["form"]["grant_type"] for e in state.log if e["path"] == "/oauth/token"]
    assert grants == ["password", "refresh_token"]
    # expiry by the clock: a token within REFRESH_MARGIN of its end is refreshed before use
    client._expires = client.clock() + 10
    client.get("/api/acled/read", {"_format": "json", "limit": 2, "page": 1})
    grants = [e["form"]["grant_type"] for e in state.log if e["path"] == "/oauth/token"]
    assert grants == ["password", "refresh_token", "refresh_token"]


def test_refresh_grant_as_httr2_sends_it_and_an_unrotated_refresh_token_is_kept(apis):
    """acledR authenticates with httr2::req_oauth_password(client = oauth_client("acled", …)); httr2 refreshes with
    RFC 6749 §6's grant: grant_type, refresh_token and the public client's id in the form, nothing else."""
    state, _tmp = apis
    state.rotate_refresh = False
    client = acled_api.AcledClient(acled_api.AcledConfig(USER, PASSWORD, base=os.environ["R2P_ACLED_URL"]))
    client.login()
    for _ in range(2):  # the server expires the access token twice; the first refresh token serves both times
        state.tokens.clear()
        client.get("/api/acled/read", {"_format": "json", "limit": 2, "page": 1})
    forms = [e["form"] for e in state.log if e["path"] == "/oauth/token"]
    assert [f["grant_type"] for f in forms] == ["password", "refresh_token", "refresh_token"]
    assert forms[1] == forms[2] == {"grant_type": "refresh_token", "refresh_token": "REFRESH-1-tok",
                                    "client_id": "acled"}


def test_refused_account_gets_tier_message_and_no_secret(apis):
    state, tmp = apis
    state.refuse_all = True
    report, out = run(tmp, "acled")
    run_ = status(report, "acled")
    assert run_.status == "failed"
    assert "account tier" in run_.message and "HTTP 403" in run_.message
    assert PASSWORD not in out and PASSWORD not in run_.message


def test_malformed_page_fails_source_and_keeps_previous(apis):
    state, tmp = apis
    report, _ = run(tmp, "acled")
    assert status(report, "acled").status == "ok"
    before = rows(tmp / "wh.duckdb", "SELECT count(*) FROM events WHERE source = 'acled'")[0][0]
    state.events.append({**state.events[0], "event_id_cnty": "SDN90009", "timestamp": "1799999999"})
    state.script.append(("/api/acled/read", 200, '<html><body>maintenance</body></html>'))
    report, _ = run(tmp, "acled")
    run_ = status(report, "acled")
    assert run_.status == "failed" and "not JSON" in run_.message
    assert rows(tmp / "wh.duckdb", "SELECT count(*) FROM events WHERE source = 'acled'")[0][0] == before == 5
    st = rows(tmp / "wh.duckdb", "SELECT status FROM sources WHERE source_id = 'acled' AND file_name IS NOT NULL")
    assert st == [("stale",)]


def test_resumable_paging(apis):
    state, tmp = apis
    state.script.append(("/api/acled/read", 500, "{}"))  # retried (5xx), not fatal
    original = state.events
    report, _ = run(tmp, "acled")
    assert status(report, "acled").status == "ok"
    # interrupted run: two pages arrive, then the server breaks down for good
    (tmp / "raw/acled/acled-api.csv").unlink()
    state.log.clear()
    state.script = [("/api/acled/read", 200, json.dumps({"status": 200, "success": True, "data": original[0:2]}))]
    state.script += [("/api/acled/read", 503, "{}")] * 10
    report, _ = run(tmp, "acled")
    assert status(report, "acled").status == "failed"
    journal = (tmp / "raw/acled/.acled-pages.jsonl").read_text().splitlines()
    assert [json.loads(x)["page"] for x in journal] == [1]
    state.script.clear()
    state.log.clear()
    report, _ = run(tmp, "acled")
    assert status(report, "acled").status == "ok"
    pages = [e["query"]["page"] for e in state.log if e["path"] == "/api/acled/read"]
    assert pages == ["2", "3"]  # resumed after the journaled page
    assert not (tmp / "raw/acled/.acled-pages.jsonl").exists()
    assert rows(tmp / "wh.duckdb", "SELECT count(*) FROM events WHERE source = 'acled'")[0][0] == 5


def test_unconfigured_sources_are_skipped_with_reason(apis, monkeypatch):
    state, tmp = apis
    for var in ("ACLED_USERNAME", "ACLED_PASSWORD", "HDX_HAPI_APP_IDENTIFIER"):
        monkeypatch.delenv(var)
    report, _ = run(tmp, "acled", "hdx_hapi")
    for sid, var in (("acled", "ACLED_USERNAME"), ("hdx_hapi", "HDX_HAPI_APP_IDENTIFIER")):
        r = status(report, sid)
        assert r.status == "skipped" and var in r.message and "\n" not in r.message
    assert report.published and not any(r.status == "failed" for r in report.runs)
    assert not state.log


def test_hapi_paging_and_monthly_table(apis):
    state, tmp = apis
    report, _ = run(tmp, "hdx_hapi")
    assert status(report, "hdx_hapi").status == "ok", status(report, "hdx_hapi").message
    offsets = [e["query"]["offset"] for e in state.log if e["path"].startswith("/api/v2/")]
    assert offsets == ["0", "5", "10"]
    assert all(e["query"]["app_identifier"] == APP_ID and e["query"]["limit"] == "5" for e in state.log)
    got = rows(tmp / "wh.duckdb", "SELECT month::VARCHAR, sum(events), sum(fatalities) FROM conflict_monthly "
                                  "WHERE iso3 = 'SDN' AND event_type = 'political_violence' GROUP BY 1 ORDER BY 1")
    # fixture rows: SD01 gets 2/3 and SD02 1/3 of (30, 40) in January and (22, 35) in February, floored
    assert got == [("2026-01-01", 20 + 10, 26 + 13), ("2026-02-01", 14 + 7, 23 + 11)]


def test_no_secret_in_any_output(apis):
    state, tmp = apis
    state.script.append(("/api/acled/read", 429, "{}"))
    report, out = run(tmp, "acled", "hdx_hapi")
    state.refuse_all = True
    report2, out2 = run(tmp, "acled", "hdx_hapi")
    issued = [f"ACCESS-{i}-tok" for i in range(1, state.issued + 1)] + [f"REFRESH-{i}-tok"
                                                                       for i in range(1, state.issued + 1)]
    secrets = [PASSWORD, APP_ID, *issued]
    texts = [out, out2, *(r.message for r in report.runs + report2.runs)]
    texts += [p.read_text(errors="replace") for p in (tmp / "raw").rglob("*") if p.is_file()]
    con = duckdb.connect(str(tmp / "wh.duckdb"), read_only=True)
    for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
        texts.append(json.dumps(con.execute(f'SELECT * FROM "{table}"').fetchall(), default=str))
    con.close()
    for secret in secrets:
        assert not any(secret in t for t in texts), secret


def test_offline_export_recognised_by_content(tmp_path):
    raw = tmp_path / "raw" / "somewhere"
    raw.mkdir(parents=True)
    (raw / "my download (1).csv").write_bytes((FIX / "acled/acled-export-SYNTHETIC.csv").read_bytes())
    report = update(tmp_path / "wh.duckdb", from_dir=tmp_path / "raw", only=["acled"], quiet=True,
                    curated_dir=tmp_path / "curated")
    assert status(report, "acled").status == "ok", status(report, "acled").message
    got = rows(tmp_path / "wh.duckdb", "SELECT event_id, deaths_best FROM events WHERE source = 'acled' "
                                       "ORDER BY event_id")
    assert got == [("SDN90001", 12), ("SDN90002", 7), ("SDN90003", 20)]
    lic = rows(tmp_path / "wh.duckdb", "SELECT DISTINCT redistributable, licence FROM sources "
                                       "WHERE source_id = 'acled'")
    assert lic[0][0] is False and "NOT redistributable" in lic[0][1]
    # ACLED never enters UCDP's derived tables
    assert rows(tmp_path / "wh.duckdb", "SELECT count(*) FROM event_country_year")[0][0] == 0
    assert rows(tmp_path / "wh.duckdb", "SELECT source, sum(fatalities), sum(fatalities_mapped) "
                                        "FROM event_country_month GROUP BY 1") == [("acled", 39, 39)]
