"""A damaged warehouse never crashes the app: started on one, the pages say why; swapped in, the last good one serves.

Cases (invented, none from the issue's run): files truncated at several points (inside the header, mid-file, one
block short), random bytes, an empty file, zeros, a CSV renamed .duckdb, a real DuckDB file without the contract
tables or with one of them missing, and a served file cut in place while its connection is open.
"""

from __future__ import annotations

import logging
import os
import shutil

import duckdb
import pytest

from tests.conftest import FIXTURES

FIXTURE_INPUTS = (("m49", "m49/m49_sample.csv"), ("ucdp-ged", "ucdp_ged/ged191_small.csv"),
                  ("pts", "pts/PTS-2024-sample.csv"))


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    from etl.runner import update

    work = tmp_path_factory.mktemp("damaged")
    raw = work / "raw"
    for folder, fixture in FIXTURE_INPUTS:
        (raw / folder).mkdir(parents=True)
        shutil.copy(FIXTURES / fixture, raw / folder)
    assert update(db=work / "good.duckdb", from_dir=raw, quiet=True).published
    return work / "good.duckdb"


def _duckdb_without(path, drop: tuple[str, ...]) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE countries (iso3 VARCHAR, name VARCHAR)")
    for t in ("indicators", "indicator_values", "sources"):
        if t not in drop:
            con.execute(f"CREATE TABLE {t} (x INTEGER)")
    con.close()


def make_bad(kind: str, good, path) -> str:
    """Write one damaged warehouse at ``path``; return a word its refusal reason must contain."""
    raw = good.read_bytes()
    if kind.startswith("cut-"):
        keep = {"cut-header": 2000, "cut-half": len(raw) // 2, "cut-one-block": len(raw) - 262144}[kind]
        path.write_bytes(raw[:keep])
        return "truncated" if keep > 12288 else "cannot open"
    if kind == "random":
        path.write_bytes(os.urandom(300_000))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "zeros":
        path.write_bytes(bytes(len(raw)))
    elif kind == "csv":
        path.write_text("iso3,name\nSDN,Sudan\n")
    elif kind == "no-tables":
        duckdb.connect(str(path)).close()
        return "tables missing"
    elif kind == "no-values":
        _duckdb_without(path, ("indicator_values",))
        return "indicator_values"
    return "cannot open"


KINDS = ("cut-header", "cut-half", "cut-one-block", "random", "empty", "zeros", "csv", "no-tables", "no-values")


def _page(client, path: str) -> tuple[int, str]:
    from tests.test_security import _pages_callback

    body = _pages_callback(client)
    body["inputs"][0]["value"] = path
    r = client.post("/_dash-update-component", json=body)
    return r.status_code, r.get_data(as_text=True)


@pytest.mark.parametrize("kind", KINDS)
def test_started_on_a_damaged_file_the_app_starts_and_every_page_says_why(kind, good, tmp_path, caplog):
    from dashboard import data
    from dashboard.server import create_app

    db = tmp_path / "w.duckdb"
    word = make_bad(kind, good, db)
    with caplog.at_level(logging.ERROR, logger="dashboard.data"):
        app = create_app(db)  # the warm-up used to crash here on a truncated file
    st = data.status()
    assert not st["ok"] and word.lower() in st["reason"].lower(), st
    assert any(word.lower() in r.getMessage().lower() for r in caplog.records)  # logged with the reason
    client = app.server.test_client()
    for path in ("/", "/country/SDN", "/explore", "/sources"):
        code, text = _page(client, path)
        assert code == 200, (path, text[:300])
        assert "No warehouse yet" in text and word.lower() in text.lower()
    for url in ("/export/table/sources.csv", "/export/chart/ov-map.png"):
        assert client.get(url).status_code == 503


@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_file_swapped_in_is_refused_and_the_last_good_one_keeps_serving(kind, good, tmp_path, caplog):
    from dashboard import data
    from dashboard.server import create_app

    db = tmp_path / "w.duckdb"
    shutil.copy(good, db)
    app = create_app(db)
    client = app.server.test_client()
    code, before = _page(client, "/country/SDN")
    assert code == 200 and "Sudan" in before
    names_before = data.country_names()
    bad = tmp_path / "incoming.duckdb"
    word = make_bad(kind, good, bad)
    os.replace(bad, db)  # how `etl update` publishes: the app sees a new inode
    with caplog.at_level(logging.ERROR, logger="dashboard.data"):
        code, after = _page(client, "/country/SDN")
    assert code == 200 and "Sudan" in after and "No warehouse yet" not in after
    assert data.country_names() == names_before  # the old connection's data, not a mix
    st = data.status()
    assert st["ok"] and word.lower() in st["notice"].lower(), st
    refusals = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 1  # logged once, not on every request
    for _ in range(3):
        assert _page(client, "/explore")[0] == 200
    assert len([r for r in caplog.records if "refused" in r.getMessage()]) == 1
    # a good file published next is picked up, and the notice goes away
    fresh = tmp_path / "fresh.duckdb"
    shutil.copy(good, fresh)
    os.replace(fresh, db)
    assert data.status() == {"ok": True, "path": str(db), "reason": "", "notice": ""}
    assert "Sudan" in _page(client, "/country/SDN")[1]


def test_the_served_file_cut_in_place_never_answers_500(good, tmp_path, caplog):
    """Same inode truncated under the open connection (a copy over it, a full disk): blocks DuckDB has not read yet
    fail inside DuckDB; the connection is dropped, the pages say why, and a good file published next recovers."""
    from dashboard import data
    from dashboard.server import create_app

    db = tmp_path / "w.duckdb"
    shutil.copy(good, db)
    app = create_app(tmp_path / "none.duckdb")
    data.configure(db)  # opened, but (unlike a warm-up) nothing beyond the catalog read yet
    assert data.status()["ok"]
    client = app.server.test_client()
    with open(db, "r+b") as fh:
        fh.truncate(os.path.getsize(db) // 3)
    with caplog.at_level(logging.ERROR, logger="dashboard.data"):
        for path in ("/country/SDN", "/explore", "/sources", "/"):
            code, text = _page(client, path)
            assert code == 200, (path, text[:300])
            assert "No warehouse yet" in text and ("truncated" in text or "read failed" in text), (path, text[:300])
        assert client.get("/export/table/sources.csv").status_code == 503
    assert not data.status()["ok"]
    assert any("refused" in r.getMessage() or "read failed" in r.getMessage() for r in caplog.records)
    shutil.copy(good, tmp_path / "fresh.duckdb")
    os.replace(tmp_path / "fresh.duckdb", db)
    assert data.status()["ok"] and "Sudan" in _page(client, "/country/SDN")[1]


def test_a_read_that_fails_inside_the_file_drops_the_connection_with_a_reason(good, tmp_path, caplog):
    from dashboard import data

    db = tmp_path / "w.duckdb"
    shutil.copy(good, db)
    wh = data.configure(db)
    assert data.status()["ok"]
    st = os.stat(db)
    with open(db, "r+b") as fh:  # cut, then put the old times back: the stamp alone cannot see it
        fh.truncate(st.st_size // 3)
    os.utime(db, ns=(st.st_atime_ns, st.st_mtime_ns))
    with caplog.at_level(logging.ERROR, logger="dashboard.data"), pytest.raises(data.WarehouseDamaged):
        wh.rows("SELECT sum(value) FROM indicator_values")
    assert "read failed" in wh.problem() or "truncated" in wh.problem()
    with pytest.raises(data.WarehouseMissing):  # no silent reconnect to the damaged file
        wh.rows("SELECT 1")


def test_a_file_removed_then_republished_recovers(good, tmp_path):
    from dashboard import data
    from dashboard.server import create_app

    db = tmp_path / "w.duckdb"
    app = create_app(db)  # no file at all
    assert data.status()["reason"] == "no warehouse file"
    assert "No warehouse yet" in _page(app.server.test_client(), "/country/SDN")[1]
    shutil.copy(good, db)
    assert data.status()["ok"]
