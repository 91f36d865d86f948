"""Hostile requests against every route and every callback: no server error, no traceback, no file outside the app.

The routes come from the Flask ``url_map`` and the callbacks from ``app.callback_map`` at test time, so a route or a
callback someone adds later (the exports under /export/...) is fuzzed without touching this file. Values come from a
seeded generator (same requests every run): malformed and random ISO3 codes, query parameters, SQL injection,
huge numbers and strings, path traversal towards a canary file placed outside the repository, malformed callback
JSON. Each test asserts how many requests it sent; docs/reliability.md quotes the totals.
"""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import dash
import pytest

from tests.conftest import FIXTURES, ROOT

SEED = 20261121
SENT: dict[str, int] = {}

# the good fixtures a small but complete warehouse is built from (every page then has data to show)
WAREHOUSE_FIXTURES = {
    "m49": ["m49/m49_sample.csv"], "ucdp-ged": ["ucdp_ged/ged191_small.csv", "ucdp_ged/syria_release.csv"],
    "pts": ["pts/PTS-2024-sample.csv"], "unhcr-population": ["unhcr/population.csv", "unhcr/flows.csv"],
    "vdem": ["vdem/vdem_subset_sample.csv", "vdem/ert_sample.csv"],
    "ucdp-organizedviolence-cy": ["ucdp_organized_violence/organizedviolencecy_v25_1.csv"],
    "ucdp-brd": ["ucdp_brd/BattleDeaths_v25_1.csv"], "ucdp-onesided": ["ucdp_onesided/OneSided_v23_1.csv"],
    "ucdp-nonstate": ["ucdp_nonstate/Nonstate_v23_1.csv"], "ucdp-acd": ["ucdp_acd/UcdpPrioConflict_v23_1.csv"],
    "worldbank-population": ["worldbank/API_SP.POP.TOTL_DS2_en_csv_v2_fixture.csv"],
    "naturalearth": ["naturalearth/test_50m_admin_0_countries.zip"], "idmc": ["idmc/gidd_fixture.xlsx"],
    "ewp-sra": ["ewp-sra/2025/final_forecasts_data_3Sep2025.csv",
                "ewp-sra/predictors/prepared2024predictors-2025-09-03.csv"],
}


# ---------------------------------------------------------------- hostile values
def hostile_strings(traversal: list[str]) -> list[str]:
    return [
        "", " ", "SDN", "sdn", "XXX", "QQQ", "S", "SDNN", "ŠDN", "SD\u200bN", "𝕊𝔻ℕ", "شمال", "\u202eNDS",
        "' OR 1=1--", "SDN'; DROP TABLE events;--", "\" OR \"\"=\"", "1; SELECT * FROM read_csv('/etc/passwd')",
        "'; ATTACH '/tmp/x.duckdb' AS x;--", "$(id)", "`id`", "{{7*7}}", "${jndi:ldap://127.0.0.1/a}",
        "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)",
        "%00", "\x00", "\r\nSet-Cookie: x=1", "%0d%0aX-Injected: 1", "A" * 5000, "9" * 400, "-1", "0", "1e309",
        "NaN", "Infinity", "-0", "2024-13-45", "1900", "99999", "null", "undefined", "true", "[]", "{}",
        "..", "../", "/etc/passwd", "C:\\Windows\\win.ini", *traversal,
    ]


def hostile_values(rng: random.Random, strings: list[str], valid: list) -> Iterator:
    """Random JSON values for one callback input: wrong types, extremes, nearly-valid ones, deep nesting."""
    pool = [
        None, True, False, 0, -1, 1, 2**63, -(2**63) - 1, 10**30, 1.5, -1e308, 1e308, "", [], {}, [None],
        [1, "a", None], {"points": []}, {"points": [{"location": "XXX"}]}, {"points": [{}]}, {"points": "SDN"},
        [2024, 1990], [None, None], [10**12, -(10**12)], ["SDN"] * 500, list(range(5000)), "x" * 100_000,
        {"a": {"b": {"c": [[[[[[[[[["deep"]]]]]]]]]]}}}, {"__class__": "os.system"},
    ]
    while True:
        roll = rng.random()
        if roll < 0.35:
            yield rng.choice(strings)
        elif roll < 0.55 and valid:
            v = rng.choice(valid)
            yield [v, rng.choice(strings)] if rng.random() < 0.3 else v
        elif roll < 0.65:
            yield "".join(chr(rng.randrange(1, 0x2FFF)) for _ in range(rng.randrange(1, 40)))
        else:
            yield rng.choice(pool)


# ---------------------------------------------------------------- the app under attack
@pytest.fixture(scope="module")
def target(tmp_path_factory):
    """The app on a small warehouse built from good fixtures, and a canary file outside the repository."""
    from etl.runner import update

    work = tmp_path_factory.mktemp("fuzz")
    raw = work / "raw"
    for folder, files in WAREHOUSE_FIXTURES.items():
        (raw / folder).mkdir(parents=True)
        for f in files:
            shutil.copy(FIXTURES / f, raw / folder / Path(f).name)
    db = Path(os.environ.get("R2P_FUZZ_DB") or work / "w.duckdb")  # R2P_FUZZ_DB: fuzz a real warehouse instead
    if "R2P_FUZZ_DB" not in os.environ:
        report = update(db=db, from_dir=raw, quiet=True)
        assert report.published, report.error
    token = "canary-" + secrets.token_hex(12)
    outside = tmp_path_factory.mktemp("outside-the-app") / "secret.txt"
    outside.write_text(token)
    assert ROOT not in outside.parents
    from dashboard.server import create_app

    app = create_app(db)
    # the app is one per process: another module may have wrapped its WSGI callable (tests/browser times every
    # request); fuzz the app itself, and put the wrapper back afterwards
    wrapper = vars(app.server).pop("wsgi_app", None)
    client = app.server.test_client()
    assert client.get("/_dash-dependencies").status_code == 200  # Dash registers callbacks at its first request
    traversal = traversal_paths(outside)
    yield {"app": app, "client": client, "token": token.encode(), "canary": outside, "traversal": traversal,
           "strings": hostile_strings(traversal)}
    if wrapper is not None:
        app.server.wsgi_app = wrapper


def traversal_paths(target_file: Path) -> list[str]:
    """Ways to spell the canary's path from the app's static folders (plain, encoded, doubled, Windows-style)."""
    out = [str(target_file), "/" + str(target_file).lstrip("/")]
    for base in (ROOT / "assets", ROOT, ROOT / "dashboard", Path(dash.__file__).parent):
        rel = os.path.relpath(target_file, base)
        out += [rel, rel.replace("/", "\\"), quote(rel, safe=""), rel.replace("../", "..%2f"),
                rel.replace("../", "%2e%2e/"), rel.replace("../", "....//"), rel.replace("../", "%252e%252e%252f"),
                "/" + "../" * 12 + str(target_file).lstrip("/")]
    return out


PROBLEMS: list[str] = []


def check(resp, token: bytes, what: str) -> None:
    """Record (not raise) what is wrong with one response, so a test reports every distinct failure at once."""
    body = resp.get_data()
    busy = resp.status_code == 503 and "Retry-After" in resp.headers  # a deliberate "try later", not an error
    if resp.status_code >= 500 and not busy:
        PROBLEMS.append(f"HTTP {resp.status_code} for {what}")
    if b"Traceback" in body or b'File "/' in body:
        PROBLEMS.append(f"traceback in the body for {what}")
    if token in body:
        PROBLEMS.append(f"the canary file outside the app was served for {what}")


@pytest.fixture(autouse=True)
def no_problems():
    PROBLEMS.clear()
    yield
    assert PROBLEMS == [], f"{len(PROBLEMS)} bad responses:\n" + "\n".join(PROBLEMS[:25])


def count(kind: str, n: int = 1) -> None:
    SENT[kind] = SENT.get(kind, 0) + n


# ---------------------------------------------------------------- routes
def _fill(rule: str, rng: random.Random, strings: list[str], traversal: list[str]) -> str:
    def value(m: re.Match) -> str:
        conv = m.group(1) or "string"
        pick = rng.choice(traversal) if conv == "path" and rng.random() < 0.5 else rng.choice(strings)
        if rng.random() < 0.3 and "." not in pick:
            pick += rng.choice([".png", ".svg", ".pdf", ".csv", ".xlsx", ".pptx", ".js", ".json", ""])
        return pick if rng.random() < 0.4 else quote(pick, safe="/" if conv == "path" else "")

    url = re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", value, rule)
    return "/" + url.lstrip("/")  # "//host/..." would name a host to the test client, not a path


def _query(rng: random.Random, strings: list[str]) -> str:
    names = ["indicator", "year", "region", "subregion", "factor", "status", "list", "from", "to", "types",
             "indicators", "violence", "risk", "countries", "x", "y", "rejects", "page", "iso3", "format", "q"]
    pairs = [(rng.choice(names + strings[:8]), rng.choice(strings)) for _ in range(rng.randrange(0, 5))]
    if rng.random() < 0.2:
        pairs += [("year", str(rng.choice([-1, 0, 10**20, 2024])))] * rng.randrange(1, 50)
    return "?" + urlencode(pairs) if pairs else ""


def test_every_route_survives_hostile_urls(target):
    app, client, token = target["app"], target["client"], target["token"]
    rng = random.Random(SEED)
    rules = [r for r in app.server.url_map.iter_rules()]
    assert any(r.rule.startswith("/_dash-update-component") for r in rules)
    n = 0
    for rule in rules:
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        for _ in range(40 if rule.arguments else 12):
            url = _fill(rule.rule, rng, target["strings"], target["traversal"]) + _query(rng, target["strings"])
            for method in methods if methods != ["POST"] else ["GET"]:  # callback POSTs: see the tests below
                check(client.open(url, method=method), token, f"{method} {url[:200]}")
                n += 1
    for page in dash.page_registry.values():  # Dash page paths (/country/<iso3>) through the catch-all HTML route
        template = page.get("path_template") or page["path"]
        for _ in range(20):
            url = _fill(template.replace("<", "<string:"), rng, target["strings"], target["traversal"])
            check(client.get(url + _query(rng, target["strings"])), token, f"GET {url[:200]}")
            n += 1
    count("route requests", n)
    assert n >= len(rules) * 12


def test_static_routes_never_serve_a_file_outside_the_app(target):
    client, token = target["client"], target["token"]
    n = 0
    prefixes = ["/assets/", "/static/", "/_dash-component-suites/dash/", "/_dash-component-suites/../../",
                "/export/table/", "/export/chart/", "/export/country/", "/"]
    for prefix in prefixes:
        for path in target["traversal"]:
            resp = client.get("/" + (prefix + path).lstrip("/"))
            check(resp, token, f"GET {prefix}{path}")
            n += 1
    count("traversal requests", n)
    # the canary really is readable by this process: only the app's routing keeps it out
    assert target["canary"].read_bytes() == token


# ---------------------------------------------------------------- callbacks
def _outputs(key: str) -> list[dict]:
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    return [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]


def _body(key: str, spec: dict, values: Iterator, changed: int = 0) -> dict:
    outs = _outputs(key)
    inputs = [{**dep, "value": next(values)} for dep in spec["inputs"]]
    state = [{**dep, "value": next(values)} for dep in spec.get("state", [])]
    return {"output": key, "outputs": outs if key.startswith("..") else outs[0], "inputs": inputs, "state": state,
            "changedPropIds": [f"{inputs[changed % len(inputs)]['id']}.{inputs[changed % len(inputs)]['property']}"]
            if inputs else []}


def _valid_values() -> list:
    from dashboard import data

    try:
        return [*data.indicator_ids()[:8], "SDN", "MMR", "UGA", 2020, 2024, [2018, 2024], ["SDN", "MMR"],
                "state-based", ["one-sided"], "Africa", "Current Crisis", 1, 3]
    except Exception:
        return ["SDN", 2024]


def test_every_callback_survives_hostile_inputs(target):
    app, client, token = target["app"], target["client"], target["token"]
    rng = random.Random(SEED + 1)
    valid = _valid_values()
    callbacks = {k: v for k, v in app.callback_map.items() if v.get("callback") is not None}
    assert len(callbacks) >= 5, sorted(app.callback_map)  # the dependent menus run in the browser (clientside)
    n = 0
    for key, spec in callbacks.items():
        values = hostile_values(rng, target["strings"], valid)
        for k in range(100):
            body = _body(key, spec, values, changed=k)
            resp = client.post("/_dash-update-component", json=body)
            check(resp, token, f"callback {key[:80]} with {json.dumps(body['inputs'])[:300]}")
            n += 1
    # the page router with hostile paths and queries for every page template (/country/<iso3>?from=...)
    pages_key = next(k for k, v in callbacks.items() if any(i["id"] == "_pages_location" for i in v["inputs"]))
    for page in dash.page_registry.values():
        template = page.get("path_template") or page["path"]
        for _ in range(25):
            path = _fill(template.replace("<", "<string:"), rng, target["strings"], target["traversal"])
            body = _body(pages_key, callbacks[pages_key], iter([path, _query(rng, target["strings"])]))
            check(client.post("/_dash-update-component", json=body), token, f"page {path[:120]}")
            n += 1
    count("callback requests", n)
    assert n >= len(callbacks) * 100


def test_malformed_callback_requests_are_refused_cleanly(target):
    app, client, token = target["app"], target["client"], target["token"]
    key, spec = next((k, v) for k, v in app.callback_map.items() if v["inputs"])
    good = _body(key, spec, iter(["SDN"] * 50))
    bodies: list[tuple[str, bytes | str, str]] = [
        ("not JSON", b"{not json", "application/json"),
        ("empty body", b"", "application/json"),
        ("JSON null", b"null", "application/json"),
        ("JSON array", b"[1,2,3]", "application/json"),
        ("JSON string", b'"hello"', "application/json"),
        ("NaN literal", b'{"output": NaN}', "application/json"),
        ("truncated JSON", json.dumps(good)[:-7].encode(), "application/json"),
        ("invalid UTF-8", b'{"output": "\xff\xfe"}', "application/json"),
        ("form-encoded", b"output=a&inputs=b", "application/x-www-form-urlencoded"),
        ("no content type", json.dumps(good).encode(), ""),
        ("huge body", json.dumps({**good, "pad": "x" * 3_000_000}).encode(), "application/json"),
        ("deep nesting", b'{"a":' * 5000 + b"1" + b"}" * 5000, "application/json"),
    ]
    variants = [
        {}, {"output": key}, {"output": "no-such.prop"}, {**good, "output": "../../etc/passwd"},
        {**good, "inputs": "SDN"}, {**good, "inputs": None}, {**good, "inputs": [1, 2]}, {**good, "inputs": [{}]},
        {**good, "inputs": [{"id": "x"}]}, {**good, "state": "x"}, {**good, "outputs": "x"},
        {**good, "outputs": None}, {**good, "outputs": [{}]}, {**good, "changedPropIds": "x"},
        {**good, "changedPropIds": None}, {k: v for k, v in good.items() if k != "inputs"},
        {k: v for k, v in good.items() if k != "outputs"}, {k: v for k, v in good.items() if k != "state"},
        {**good, "inputs": good["inputs"] * 50}, {**good, "inputs": good["inputs"][:0]},
        {**good, "output": key + "x"}, {**good, "output": 5}, {**good, "output": None},
    ]
    bodies += [(f"shape {i}", json.dumps(v).encode(), "application/json") for i, v in enumerate(variants)]
    n = 0
    for name, raw, ctype in bodies:
        headers = {"Content-Type": ctype} if ctype else {}
        resp = client.post("/_dash-update-component", data=raw, headers=headers)
        check(resp, token, f"malformed callback body: {name}")
        n += 1
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        check(client.open("/_dash-update-component", method=method), token, f"{method} callback route")
        n += 1
    count("malformed callback bodies", n)
    assert n >= 35


def test_sql_injection_never_changes_or_leaks_the_warehouse(target):
    """Injection strings as every parameter: the warehouse's tables are the same afterwards, nothing extra shown."""
    from dashboard import data

    client, token = target["client"], target["token"]
    before = {t: data.warehouse().rows(f'SELECT count(*) FROM "{t}"')[0][0] for t in data.table_names()}
    injections = ["' OR '1'='1", "SDN' UNION SELECT reason, raw, 1, 1, 1 FROM rejects--", "1; DROP TABLE events",
                  "x') OR 1=1; COPY events TO '/tmp/leak.csv';--", "SDN\"; PRAGMA database_list;--"]
    n = 0
    for inj in injections:
        for path in (f"/country/{quote(inj, safe='')}", f"/?indicator={quote(inj)}&year={quote(inj)}",
                     f"/explore?countries={quote(inj)}&x={quote(inj)}", f"/sources?rejects={quote(inj)}"):
            check(client.get(path), token, f"GET {path}")
            n += 1
    after = {t: data.warehouse().rows(f'SELECT count(*) FROM "{t}"')[0][0] for t in data.table_names()}
    assert after == before
    assert not Path("/tmp/leak.csv").exists()
    count("injection requests", n)


def test_report_counts(target):
    """Print the totals (docs/reliability.md) — runs last in this module."""
    total = sum(SENT.values())
    print(f"\nfuzz requests sent: {SENT} total={total}")
    assert total >= 1500 or len(SENT) < 5  # the full module sends well over a thousand requests
