"""Faults: the ETL killed at random moments, the dashboard serving through an update, a publisher that stalls.

* SIGKILL at seeded random delays spread over a whole update (small fixture inputs, so each run takes about a
  second): the live warehouse is always either the old file byte for byte, or the complete new one — never a mix,
  never unreadable — and the next update after a kill succeeds.
* The app served over HTTP in a thread keeps answering while an update publishes, and shows the new data after
  the swap.
* A download that stalls times out and is retried with growing (exponential) backoff.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import Request, urlopen

import duckdb
import pytest

from etl.download import fetch
from etl.model import Download, SourceError
from tests.conftest import FIXTURES, ROOT

SEED = 7
KILLS = 20
OLD = {"m49": ["m49/m49_sample.csv"], "ucdp-ged": ["ucdp_ged/ged191_small.csv"], "pts": ["pts/PTS-2024-sample.csv"],
       "unhcr-population": ["unhcr/population.csv"], "vdem": ["vdem/vdem_subset_sample.csv"],
       "ucdp-brd": ["ucdp_brd/BattleDeaths_v25_1.csv"]}
# the new release: more GED events, a new source (UCDP one-sided), a new file for UNHCR
NEW = {**OLD, "ucdp-ged": ["ucdp_ged/ged191_small.csv", "ucdp_ged/syria_release.csv"],
       "ucdp-onesided": ["ucdp_onesided/OneSided_v23_1.csv"],
       "unhcr-population": ["unhcr/population.csv", "unhcr/flows.csv"]}


def raw_dir(root: Path, files: dict[str, list[str]]) -> Path:
    for folder, names in files.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copy(FIXTURES / name, root / folder / Path(name).name)
    return root


def dump(db: Path) -> dict[str, list[tuple]]:
    """The warehouse's content (every table, sorted): reading it all also proves the file is not corrupt."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        # `changes`/`alerts` are the update's own log (what it found against the file it replaced), not data
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
                  if r[0] not in ("changes", "alerts")]
        return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in tables}
    finally:
        con.close()


def etl(raw: Path, db: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "etl", "update", "--from", str(raw), "--db", str(db), "--quiet"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


# an ETL process that has done its imports and waits for "go": the kill delay then falls inside the update itself
PRIMED = """
import sys
from pathlib import Path
from etl.runner import update
print("ready", flush=True)
sys.stdin.readline()
update(db=Path(sys.argv[2]), from_dir=Path(sys.argv[1]), quiet=True)
"""


def primed_etl(raw: Path, db: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", PRIMED, str(raw), str(db)], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True, text=True)
    return proc


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """The old warehouse (bytes) and the new one (content), built by the real command line."""
    work = tmp_path_factory.mktemp("faults")
    old_raw, new_raw = raw_dir(work / "old", OLD), raw_dir(work / "new", NEW)
    old_db, new_db = work / "old.duckdb", work / "new.duckdb"
    assert etl(old_raw, old_db).wait() in (0, 1)
    # how long the update itself takes (imports excluded) while the next process imports, as in the kill loop
    timing = primed_etl(new_raw, new_db)
    assert timing.stdout.readline().strip() == "ready"
    neighbour = primed_etl(new_raw, work / "unused.duckdb")
    start = time.perf_counter()
    timing.stdin.write("go\n")
    timing.stdin.flush()
    assert timing.wait() == 0
    seconds = time.perf_counter() - start
    os.killpg(neighbour.pid, signal.SIGKILL)
    neighbour.wait()
    new, old = dump(new_db), dump(old_db)
    assert new["events"] != old["events"] and new != old  # the two releases differ, so a mix would show
    return {"work": work, "new_raw": new_raw, "old_bytes": old_db.read_bytes(), "new": new, "seconds": seconds}


def test_sigkill_at_random_points_leaves_old_or_new_warehouse(releases):
    rng = random.Random(SEED)
    outcomes = []
    lives = [releases["work"] / f"live{k}.duckdb" for k in range(KILLS)]
    for live in lives:
        live.write_bytes(releases["old_bytes"])
    waiting = primed_etl(releases["new_raw"], lives[0])
    for k in range(KILLS):
        proc = waiting
        assert proc.stdout.readline().strip() == "ready"
        if k + 1 < KILLS:  # the next victim does its imports while this one runs
            waiting = primed_etl(releases["new_raw"], lives[k + 1])
        # stratified random delays: kill k lands in the k-th twentieth of the update, the last ones around its end
        delay = releases["seconds"] * (k + rng.random()) / KILLS * 1.15
        proc.stdin.write("go\n")
        proc.stdin.flush()
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        live = lives[k]
        if live.read_bytes() == releases["old_bytes"]:
            outcomes.append("old")
        else:
            assert dump(live) == releases["new"], f"kill {k} after {delay:.2f}s left a warehouse that is neither"
            outcomes.append("new")
    print(f"\n{KILLS} SIGKILLs over a {releases['seconds']:.2f}s update: {outcomes.count('old')} left the old "
          f"warehouse, {outcomes.count('new')} the new one, 0 anything else")
    assert len(outcomes) == KILLS
    # leftovers of a killed run (live.duckdb.tmp) never stop the next update
    live = next((p for p, o in zip(lives, outcomes, strict=True) if o == "old"), lives[0])
    assert etl(releases["new_raw"], live).wait() in (0, 1)
    assert dump(live) == releases["new"]


# ---------------------------------------------------------------- the dashboard during an update
def _sources_page_body(base: str) -> str:
    deps = json.loads(urlopen(base + "/_dash-dependencies", timeout=30).read())
    dep = next(d for d in deps if any(i["id"] == "_pages_location" for i in d["inputs"]))
    outputs = [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in dep["output"][2:-2].split("...")]
    body = {"output": dep["output"], "outputs": outputs, "state": [], "changedPropIds": ["_pages_location.pathname"],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/sources"},
                       {"id": "_pages_location", "property": "search", "value": ""}]}
    req = Request(base + "/_dash-update-component", data=json.dumps(body).encode(),
                  headers={"Content-Type": "application/json"})
    with urlopen(req, timeout=60) as resp:
        assert resp.status == 200
        return resp.read().decode()


def test_dashboard_keeps_serving_during_an_update_and_shows_the_new_data(releases, tmp_path):
    from werkzeug.serving import make_server

    from dashboard.server import create_app

    live = tmp_path / "live.duckdb"
    live.write_bytes(releases["old_bytes"])
    app = create_app(live)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        before = _sources_page_body(base)
        assert "OneSided_v23_1.csv" not in before  # the new release's file is not in the old warehouse
        stop, answers, failures = threading.Event(), [], []

        def keep_asking() -> None:
            while not stop.is_set():
                try:
                    with urlopen(base + "/country/SDN", timeout=30) as page:
                        answers.append(page.status)
                    answers.append(200 if _sources_page_body(base) else 0)
                except Exception as err:  # any failure to answer is what this test is about
                    failures.append(repr(err))

        readers = [threading.Thread(target=keep_asking) for _ in range(2)]
        for r in readers:
            r.start()
        code = etl(releases["new_raw"], live).wait()
        time.sleep(0.5)
        stop.set()
        for r in readers:
            r.join(60)
        assert code in (0, 1) and failures == [] and answers and set(answers) == {200}
        after = _sources_page_body(base)  # the next request after the swap reads the new file
        assert "OneSided_v23_1.csv" in after and "syria_release.csv" in after
    finally:
        server.shutdown()


# ---------------------------------------------------------------- downloads: timeouts and backoff
class Slow(BaseHTTPRequestHandler):
    """Stalls (sends nothing) on the first requests, then answers: a congested publisher."""

    stalls = 2
    hits = 0

    def log_message(self, *args):
        pass

    def do_GET(self):
        Slow.hits += 1
        if Slow.hits <= Slow.stalls:
            threading.Event().wait(1.5)  # longer than the client's timeout (not time.sleep: the test patches it)
            return
        body = b"a,b\n1,2\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def slow_server():
    Slow.hits = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_stalled_download_times_out_and_is_retried_with_exponential_backoff(slow_server, tmp_path, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr("etl.download.time.sleep", waits.append)  # record the backoff instead of sleeping
    [path] = fetch(Download(f"{slow_server}/data.csv", "data.csv"), tmp_path, timeout=0.3, retries=3, backoff=0.5)
    assert path.read_bytes() == b"a,b\n1,2\n" and Slow.hits == 3
    assert waits == [0.5, 1.0]  # two timeouts, two growing waits, then success


def test_publisher_that_never_answers_gives_up_with_a_message(slow_server, tmp_path, monkeypatch):
    Slow.stalls = 10
    waits: list[float] = []
    monkeypatch.setattr("etl.download.time.sleep", waits.append)
    try:
        with pytest.raises(SourceError, match=r"download failed from .* after 3 attempt\(s\): .*timed out"):
            fetch(Download(f"{slow_server}/data.csv", "data.csv"), tmp_path, timeout=0.3, retries=2, backoff=1.0)
    finally:
        Slow.stalls = 2
    assert waits == [1.0, 2.0] and not list(tmp_path.glob("data.csv*"))
