"""Issue 16 on the real data: the e-mail digest (``python -m etl digest``), the Atom feed (/changes.atom) and the
/changes page. Every expected set of changes is recomputed here by SQL on the ``changes``/``alerts`` tables, with the
page's dating rule (the source's date for history rows, the update's day otherwise)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from etl import digest
from tests.conftest import ROOT, query

SEVERITY_ORDER = ["high", "medium", "low", "info"]
DATED = "coalesce(CASE WHEN ch.basis = 'history' THEN ch.as_of END, CAST(ch.detected_at AS DATE))"
SINCE = "2025-01-01"  # the newest editions and years: every severity occurs, about 1,700 items


def expected(db: Path, since: str, iso3: str | None = None, region: str | None = None) -> tuple[dict, dict]:
    """{change_id: severity}, {alert_id: severity} of the changes dated / alerts starting on or after ``since``."""
    where, params = "", []
    if iso3:
        where += " AND {a}.iso3 = ?"
        params.append(iso3)
    if region:
        where += " AND {a}.iso3 IN (SELECT iso3 FROM countries WHERE m49_region = ?)"
        params.append(region)
    changes = dict(query(db, f"SELECT change_id, severity FROM changes ch WHERE {DATED} >= CAST(? AS DATE)"
                             + where.format(a="ch"), [since, *params]))
    alerts = dict(query(db, "SELECT alert_id, severity FROM alerts a WHERE period_start >= CAST(? AS DATE)"
                            + where.format(a="a"), [since, *params]))
    return changes, alerts


def run_digest(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", "digest", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


class Items(HTMLParser):
    """The digest's HTML: per <section data-severity>, the ids of its change and alert items, and its headings."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[tuple[str, list[tuple[str, str]], list[str]]] = []
        self._h3 = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "section":
            self.sections.append((a["data-severity"], [], []))
        elif tag == "li" and self.sections:
            self.sections[-1][1].append((a["class"], a["data-id"]))
        elif tag == "h3":
            self._h3 = True
            self.sections[-1][2].append("")

    def handle_endtag(self, tag: str) -> None:
        self._h3 = self._h3 and tag != "h3"

    def handle_data(self, data: str) -> None:
        if self._h3:
            self.sections[-1][2][-1] += data


# ------------------------------------------------------------------------------------------------ digest


@pytest.fixture(scope="module")
def html_digest(shared_warehouse) -> str:
    out = run_digest("--since", SINCE, "--db", str(shared_warehouse), "--format", "html",
                     "--base-url", "https://r2p.example.org/")
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_html_digest_lists_exactly_the_changes_since_the_date_by_severity(shared_warehouse, html_digest):
    changes, alerts = expected(shared_warehouse, SINCE)
    assert len(changes) > 100 and len(set(changes.values())) >= 3  # a real test: many changes, several severities
    parser = Items()
    parser.feed(html_digest)
    seen_changes = {i: sev for sev, items, _ in parser.sections for cls, i in items if cls == "change"}
    seen_alerts = {i: sev for sev, items, _ in parser.sections for cls, i in items if cls == "alert"}
    n_items = sum(len(items) for _, items, _ in parser.sections)
    assert n_items == len(changes) + len(alerts)  # nothing listed twice
    assert seen_changes == changes  # the same ids, each under its own severity
    assert seen_alerts == alerts
    order = [sev for sev, _, _ in parser.sections]
    assert order == [s for s in SEVERITY_ORDER if s in {*changes.values(), *alerts.values()}]
    for _, _, headings in parser.sections:  # countries by name, items about no single country last
        names = [h for h in headings if h != digest.NO_COUNTRY]
        assert names == sorted(names) and headings[: len(names)] == names
    assert f"{len(changes):,} changes and {len(alerts):,} alerts" in html_digest


def test_html_digest_links_and_sources(shared_warehouse, html_digest):
    cid, iso3, versions = query(shared_warehouse, f"""
        SELECT change_id, iso3, source_versions FROM changes ch WHERE {DATED} >= CAST(? AS DATE)
        AND iso3 IS NOT NULL AND severity = 'high' ORDER BY change_id LIMIT 1""", [SINCE])[0]
    item = re.search(rf'<li class="change" data-id="{cid}">(.*?)</li>', html_digest).group(1)
    assert f'href="https://r2p.example.org/country/{iso3}"' in item
    assert f"https://r2p.example.org/changes?since={SINCE}&amp;iso3={iso3}&amp;kind=" in item
    assert versions.replace("&", "&amp;") in item
    assert "→" in item


def test_markdown_digest_counts_per_severity_match_sql(shared_warehouse):
    region = "Africa"
    out = run_digest("--since", "2023-01-01", "--db", str(shared_warehouse), "--region", "002")
    assert out.returncode == 0, out.stderr
    changes, alerts = expected(shared_warehouse, "2023-01-01", region=region)
    want = Counter(changes.values()) + Counter(alerts.values())
    sections = re.split(r"^## ", out.stdout, flags=re.M)[1:]
    titles = [s.splitlines()[0] for s in sections]
    assert titles == [digest.SEVERITY_TITLES[s] for s in SEVERITY_ORDER if want[s]]
    got = {s: sum(1 for line in sec.splitlines() if line.startswith("- "))
           for s, sec in zip([s for s in SEVERITY_ORDER if want[s]], sections, strict=True)}
    assert got == {s: n for s, n in want.items() if n}
    assert "?since=2023-01-01&region=Africa" in out.stdout
    other = query(shared_warehouse, "SELECT name FROM countries WHERE m49_region = 'Europe' AND iso3 IN "
                                    "(SELECT iso3 FROM changes) ORDER BY name LIMIT 1")[0][0]
    assert f"### [{other} (" not in out.stdout  # the region filter holds


def test_digest_for_one_country_matches_sql_and_writes_a_file(shared_warehouse, tmp_path):
    target = tmp_path / "out" / "sdn.md"
    out = run_digest("--since", "2023-01-01", "--db", str(shared_warehouse), "--iso3", "sdn", "--output", str(target))
    assert out.returncode == 0 and out.stdout == "", out.stderr
    text = target.read_text(encoding="utf-8")
    changes, alerts = expected(shared_warehouse, "2023-01-01", iso3="SDN")
    assert sum(1 for line in text.splitlines() if line.startswith("- ")) == len(changes) + len(alerts) > 0
    assert "### [Sudan (SDN)](http://127.0.0.1:8050/country/SDN)" in text


def test_empty_digest_says_so_with_the_last_update(shared_warehouse):
    last = query(shared_warehouse, "SELECT strftime(max(detected_at), '%Y-%m-%d') FROM changes")[0][0]
    for fmt in ("md", "html"):
        out = run_digest("--since", "2199-01-01", "--db", str(shared_warehouse), "--format", fmt)
        assert out.returncode == 0, out.stderr
        assert "No changes since 2199-01-01" in out.stdout and f"last update was {last}" in out.stdout
    assert out.stdout.startswith("<!DOCTYPE html>") and out.stdout.rstrip().endswith("</html>")


@pytest.mark.parametrize(("args", "names"), [
    (["--since", "2025-13-01"], "--since '2025-13-01'"),
    (["--since", "last week"], "--since 'last week'"),
    (["--since", SINCE, "--format", "pdf"], "--format 'pdf'"),
    (["--since", SINCE, "--iso3", "SD1"], "--iso3 'SD1'"),
    (["--since", SINCE, "--iso3", "QQQ"], "--iso3 'QQQ' is not a country in the warehouse"),
    (["--since", SINCE, "--region", "Atlantis"], "--region 'Atlantis'"),
    (["--since", SINCE, "--base-url", "javascript:alert(1)"], "--base-url"),
])
def test_bad_parameters_exit_2_naming_the_parameter(shared_warehouse, args, names):
    out = run_digest(*args, "--db", str(shared_warehouse))
    assert out.returncode == 2
    assert names in out.stderr and "Traceback" not in out.stderr and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1


def test_missing_warehouse_exits_2(tmp_path):
    from etl.cli import main

    assert main(["digest", "--since", SINCE, "--db", str(tmp_path / "none.duckdb")]) == 2
    (tmp_path / "junk.duckdb").write_bytes(b"not a database")
    out = run_digest("--since", SINCE, "--db", str(tmp_path / "junk.duckdb"))
    assert out.returncode == 2 and "--db" in out.stderr and "Traceback" not in out.stderr


def test_markdown_and_html_escaping():
    """Link and table characters in a label cannot break the Markdown; markup cannot get into the HTML."""
    assert digest.md("a|b [x](javascript:1) <b>*_`\\") == r"a\|b \[x\](javascript:1) \<b\>\*\_\`\\"
    r = digest.Request(since=digest.parse_since(SINCE), db=Path("x"), fmt="html")
    item = digest.Item(kind="new_figure", item_id='"><script>', severity="high", iso3="XXA", country="<Avalonia>",
                       text="A & B <script>alert(1)</script>", period="2025", old="1", new="2", direction="worse",
                       sources="test", versions="v<1>", dated=None, links=[("country page", 'https://x/"onclick')])
    out = digest.render(digest.Digest(request=r, items=[item], last_update=None))
    assert "<script>" not in out and "&lt;script&gt;" in out and "&lt;Avalonia&gt; (XXA)" in out
    assert 'href="https://x/&quot;onclick"' in out and 'data-id="&quot;&gt;&lt;script&gt;"' in out
    md = digest.render(digest.Digest(request=digest.Request(since=r.since, db=r.db), items=[item], last_update=None))
    assert r"\<script\>" in md and "[\\<Avalonia\\> (XXA)](http://127.0.0.1:8050/country/XXA)" in md


# ------------------------------------------------------------------------------------------------ feed and page


@pytest.fixture(scope="module")
def client(shared_warehouse):
    from dashboard import data
    from dashboard.server import create_app

    app = create_app(shared_warehouse)
    yield app.server.test_client()
    data.warehouse().close()


def _feed(client, qs: str):
    resp = client.get("/changes.atom" + qs)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "application/atom+xml"
    feed = feedparser.parse(resp.data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_feed_entries_match_sql_and_ids_are_stable(client, shared_warehouse):
    changes, _ = expected(shared_warehouse, "2023-01-01", iso3="SDN")
    assert 0 < len(changes) <= 100  # under the feed's cap: the match must be exact
    first = _feed(client, "?iso3=SDN&since=2023-01-01")
    ids = [e.id for e in first.entries]
    assert sorted(ids) == sorted(f"urn:r2p-dashboard:change:{c}" for c in changes)
    assert [e.id for e in _feed(client, "?iso3=SDN&since=2023-01-01").entries] == ids  # stable, same order
    assert all(e.link == "http://localhost/country/SDN" for e in first.entries)


def test_feed_is_capped_at_100_entries(client, shared_warehouse):
    n = query(shared_warehouse, "SELECT count(*) FROM changes WHERE iso3 = 'SDN' AND "
                                "detected_at = (SELECT max(detected_at) FROM changes)")[0][0]
    feed = _feed(client, "?iso3=SDN")  # no date: the latest update
    assert len(feed.entries) == min(n, 100) and n > 0


def test_feed_with_no_match_is_a_valid_empty_feed(client):
    feed = _feed(client, "?iso3=SDN&since=2199-01-01")
    assert feed.entries == [] and feed.feed.title


@pytest.mark.parametrize(("qs", "name"), [("?since=2025-13-01", "since"), ("?min_severity=extreme", "min_severity"),
                                         ("?iso3=QQQ", "iso3"), ("?kind=rumour", "kind"), ("?bogus=1", "bogus")])
def test_feed_bad_parameter_is_400_naming_it(client, qs, name):
    resp = client.get("/changes.atom" + qs)
    assert resp.status_code == 400
    assert f"'{name}'" in resp.get_data(as_text=True)


def _items(node) -> list[dict]:
    """Props of the /changes list items (elements with data-change-id) in a rendered layout."""
    out = []
    if isinstance(node, dict):
        props = node.get("props") or {}
        if "data-change-id" in props:
            out.append(props)
        for v in node.values():
            out += _items(v)
    elif isinstance(node, list):
        for v in node:
            out += _items(v)
    return out


def test_changes_page_answers_and_links_items_to_their_country(client, shared_warehouse):
    from dashboard.pages import changes as page

    assert client.get("/changes?iso3=SDN&since=2023-01-01").status_code == 200
    tree = json.loads(json.dumps(page.layout(iso3="SDN", since="2023-01-01").to_plotly_json(), default=lambda o:
                                 o.to_plotly_json() if hasattr(o, "to_plotly_json") else str(o)))
    items = _items(tree)
    changes, _ = expected(shared_warehouse, "2023-01-01", iso3="SDN")
    assert {i["data-change-id"] for i in items} == set(changes)
    assert all('"href": "/country/SDN"' in json.dumps(i) for i in items)
