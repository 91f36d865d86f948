"""Security headers on every response, Dash's inline scripts allowed by hash only, debug off unless asked, no
traceback to a client, and publisher credentials that never reach disk, logs or manifests."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from etl.download import fetch, file_meta
from etl.model import Download, SourceError
from tests.conftest import FIXTURES

BODY = b"situation,iso3_list,risk_level,as_of,source_url\nSudan,SDN,Current Crisis,2024-09-01,https://x\n"


# ---------------------------------------------------------------- the app
@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from etl.runner import update

    work = tmp_path_factory.mktemp("security")
    raw = work / "raw"
    for folder, fixture in (("m49", "m49/m49_sample.csv"), ("ucdp-ged", "ucdp_ged/ged191_small.csv"),
                            ("pts", "pts/PTS-2024-sample.csv")):
        (raw / folder).mkdir(parents=True)
        shutil.copy(FIXTURES / fixture, raw / folder)
    assert update(db=work / "w.duckdb", from_dir=raw, quiet=True).published
    from dashboard.server import create_app

    app = create_app(work / "w.duckdb")
    wrapper = vars(app.server).pop("wsgi_app", None)  # a timing wrapper left by tests/browser: test the app itself
    c = app.server.test_client()
    assert c.get("/_dash-dependencies").status_code == 200
    c.db = work / "w.duckdb"
    yield c
    if wrapper is not None:
        app.server.wsgi_app = wrapper


def _csp(resp) -> dict[str, list[str]]:
    policy = resp.headers.get("Content-Security-Policy", "")
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def _pages_callback(client) -> dict:
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if any(i["id"] == "_pages_location" for i in d["inputs"]))
    parts = dep["output"][2:-2].split("...")
    return {"output": dep["output"], "outputs": [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True))
                                                 for p in parts],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/country/SDN"},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "state": [], "changedPropIds": ["_pages_location.pathname"]}


def test_every_kind_of_response_carries_the_security_headers(client):
    html = client.get("/").get_data(as_text=True)
    script = re.search(r'src="(/_dash-component-suites/[^"]+)"', html).group(1)
    responses = {
        "page": client.get("/"), "country page": client.get("/country/SDN"), "404 page": client.get("/nowhere"),
        "asset": client.get("/assets/" + next(p.name for p in Path("assets").glob("*.css"))),
        "component script": client.get(script), "layout": client.get("/_dash-layout"),
        "callback": client.post("/_dash-update-component", json=_pages_callback(client)),
        "malformed callback": client.post("/_dash-update-component", data=b"{", content_type="application/json"),
        "unknown library": client.get("/_dash-component-suites/nope/x.js"),
        "export 404": client.get("/export/table/..%2F..%2Fetc%2Fpasswd"),
        "wrong method": client.delete("/"),
        "oversized body": client.post("/_dash-update-component", data=b"x" * (5 * 1024 * 1024),
                                      content_type="application/json"),
    }
    for what, resp in responses.items():
        assert resp.status_code < 500, (what, resp.status_code)
        csp = _csp(resp)
        assert csp.get("default-src") == ["'self'"], what
        assert csp.get("frame-ancestors") == ["'none'"], what
        assert csp.get("object-src") == ["'none'"], what
        assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"], what
        assert all(v == "'self'" or v.startswith("'sha256-") for v in csp["script-src"]), what
        assert not any(v.startswith(("http:", "https:", "*")) for vs in csp.values() for v in vs), what
        assert resp.headers["X-Frame-Options"] == "DENY", what
        assert resp.headers["X-Content-Type-Options"] == "nosniff", what
        assert resp.headers["Referrer-Policy"] == "no-referrer", what
    assert responses["callback"].status_code == 200 and responses["404 page"].status_code in (200, 404)
    assert responses["unknown library"].status_code == 404 and responses["malformed callback"].status_code == 400
    assert responses["oversized body"].status_code == 413


def test_csp_allows_exactly_the_inline_scripts_dash_renders(client):
    """Every executable inline script of the page has its hash in the policy (else the browser blocks it)."""
    resp = client.get("/")
    html = resp.get_data(as_text=True)
    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)  # conditional comments (IE) never run
    inline = [body for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
              if "src=" not in attrs and "application/json" not in attrs]
    assert len(inline) >= 2  # the renderer start-up and the clientside callbacks
    allowed = set(_csp(resp)["script-src"])
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, body[:120]


def test_debug_is_off_unless_asked(client, monkeypatch):
    monkeypatch.setenv("R2P_DB", str(client.db))  # importing app.py configures the app on $R2P_DB
    import app as entry

    assert entry.server.debug is False
    assert client.application.debug is False
    runs: list[dict] = []
    monkeypatch.setattr(entry.app, "run", lambda **kw: runs.append(kw))
    monkeypatch.setattr(entry, "create_app", lambda db: entry.app)
    monkeypatch.setenv("DASH_DEBUG", "true")  # an environment variable alone never turns it on
    monkeypatch.setenv("FLASK_DEBUG", "1")
    entry.main(["--db", "x.duckdb"])
    entry.main(["--db", "x.duckdb", "--debug"])
    assert [r["debug"] for r in runs] == [False, True]
    assert runs[0]["host"] == "127.0.0.1"  # loopback unless another host is asked for


def test_a_failing_callback_answers_without_traceback_and_logs_it(client, caplog):
    body = _pages_callback(client)
    body["inputs"][0]["value"] = 3.5  # a pathname no browser sends: Dash's router raises on it
    with caplog.at_level(logging.ERROR, logger="dashboard.security"):
        resp = client.post("/_dash-update-component", json=body)
    assert resp.status_code == 400
    assert b"Traceback" not in resp.data and b".py" not in resp.data
    assert "values are not ones the page offers" in resp.get_json()["message"]
    assert any(r.exc_info for r in caplog.records), "the traceback goes to the server log"


# ---------------------------------------------------------------- credentials
class Publisher(BaseHTTPRequestHandler):
    """Serves BODY only with the right bearer token; a 401 echoes what it got (a careless server)."""

    token = ""
    seen: list[dict] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        Publisher.seen.append({"path": self.path, "auth": self.headers.get("Authorization")})
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.2:{Publisher.other_port}/data.csv")
            self.end_headers()
            return
        if Publisher.token and self.headers.get("Authorization") != f"Bearer {Publisher.token}":
            self.send_response(401, f"Unauthorized: got {self.headers.get('Authorization')}")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)


@pytest.fixture
def publisher():
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), Publisher), ThreadingHTTPServer(("127.0.0.2", 0), Publisher)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    Publisher.other_port = servers[1].server_address[1]
    Publisher.seen = []
    yield f"http://127.0.0.1:{servers[0].server_address[1]}"
    for s in servers:
        s.shutdown()


def _everything_written(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_token_comes_from_the_environment_and_never_lands_on_disk_or_in_logs(publisher, tmp_path, monkeypatch,
                                                                             caplog, capsys):
    token = "tok-" + secrets.token_urlsafe(24)
    Publisher.token = token
    monkeypatch.setenv("R2P_TEST_PUBLISHER_TOKEN", token)
    dl = Download(f"{publisher}/data.csv", "data.csv", token_env="R2P_TEST_PUBLISHER_TOKEN")
    with caplog.at_level(logging.DEBUG):
        [path] = fetch(dl, tmp_path, backoff=0)
        meta = file_meta(path)
        # the token changes: the publisher answers 401 and echoes the header it got in its status line
        monkeypatch.setenv("R2P_TEST_PUBLISHER_TOKEN", token + "-revoked")
        with pytest.raises(SourceError) as failure:
            fetch(Download(f"{publisher}/other.csv", "other.csv", token_env="R2P_TEST_PUBLISHER_TOKEN"), tmp_path,
                  retries=1, backoff=0)
    assert path.read_bytes() == BODY
    assert Publisher.seen[0]["auth"] == f"Bearer {token}"  # it was sent...
    secret = token.encode()
    assert secret not in _everything_written(tmp_path)  # ...and is nowhere on disk (data, manifest, .part)
    assert token not in str(meta) and token not in str(failure.value) and "401" in str(failure.value)
    captured = capsys.readouterr()
    assert token not in captured.out + captured.err + caplog.text


def test_missing_token_is_a_clear_message_and_sends_nothing(publisher, tmp_path, monkeypatch):
    monkeypatch.delenv("R2P_TEST_PUBLISHER_TOKEN", raising=False)
    with pytest.raises(SourceError, match="set the environment variable R2P_TEST_PUBLISHER_TOKEN"):
        fetch(Download(f"{publisher}/data.csv", "data.csv", token_env="R2P_TEST_PUBLISHER_TOKEN"), tmp_path)
    assert Publisher.seen == []


def test_token_is_not_forwarded_on_a_redirect_to_another_host(publisher, tmp_path, monkeypatch):
    token = "tok-" + secrets.token_urlsafe(24)
    Publisher.token = token
    monkeypatch.setenv("R2P_TEST_PUBLISHER_TOKEN", token)
    with pytest.raises(SourceError, match="401"):
        fetch(Download(f"{publisher}/redirect", "data.csv", token_env="R2P_TEST_PUBLISHER_TOKEN"), tmp_path,
              retries=0, backoff=0)
    assert [s["auth"] for s in Publisher.seen] == [f"Bearer {token}", None]


def test_mirror_credentials_never_reach_messages_or_disk(publisher, tmp_path):
    """R2P_MIRRORS may name a mirror as http://user:password@host/: the password is never shown or stored."""
    Publisher.token = ""
    host = publisher.removeprefix("http://")
    password = "pw-" + secrets.token_hex(12)
    dl = Download("https://publisher.example.org/data.csv", "data.csv")
    with pytest.raises(SourceError) as failure:
        fetch(dl, tmp_path, mirrors={"https://publisher.example.org": f"http://analyst:{password}@{host}"},
              retries=0, backoff=0)
    assert "download failed" in str(failure.value) and password not in str(failure.value)
    assert password.encode() not in _everything_written(tmp_path)
    [path] = fetch(dl, tmp_path, mirrors={"https://publisher.example.org": publisher}, backoff=0)
    assert path.read_bytes() == BODY


# ---------------------------------------------------------------- in the real browser
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.mark.browser
def test_pages_and_maps_render_under_the_policy_and_cannot_be_framed(client):
    """Chromium enforces the policy: every page draws (maps included) with no violation; framing is refused."""
    from tests.browser.serve import chromium, served

    pages = [("/", ".choroplethlayer path"), ("/country/MMR", "#co-cards"), ("/explore", "#ex-grid"),
             ("/sources", "#main h1")]
    with served(client.application) as base, chromium() as browser:
        context = browser.new_context()
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        for path, ready in pages:
            resp = page.goto(base + path)
            assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
            page.wait_for_selector(ready, timeout=30_000, state="attached")
            page.wait_for_load_state("networkidle")
            assert page.evaluate("window.__csp") == [], path
        assert page.goto(base + "/").ok
        page.wait_for_selector(".choroplethlayer path", timeout=30_000, state="attached")
        assert page.locator(".choroplethlayer path").count() > 0  # the map is drawn, not blocked
        errors = [c for c in console if c.startswith(("error", "pageerror")) or "Content Security Policy" in c]
        assert errors == []
        # another site framing the dashboard: Chromium refuses to render it inside the frame
        framer = context.new_page()
        framer.set_content(f'<iframe id="f" src="{base}/" width="800" height="600"></iframe>')
        framer.wait_for_timeout(1500)
        inner = [f for f in framer.frames if f != framer.main_frame]
        assert inner and not inner[0].url.startswith(base), "the dashboard rendered inside a foreign frame"
