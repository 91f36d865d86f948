"""YAML bombs and oversized files (issue 15, class 6): refused per file, never expanded, never the whole source.

Evidence files (etl/sources/evidence.py) and narrative front matter (dashboard/narratives.py) are read with aliases
refused and a size cap per file. A bad evidence file is one reject and the good files beside it load exactly as
they load alone; a narrative whose front matter is bad still shows its sections, with a notice, in a small answer.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
import pytest

from etl.runner import update
from tests.conftest import FIXTURES
from tests.test_bad_inputs import alias_bomb

GOOD_MMR = (FIXTURES / "evidence" / "MMR.yaml").read_bytes()
GOOD_ROU = (FIXTURES / "evidence" / "ROU.yaml").read_bytes()
BAD = {  # file name -> (content, words its single reject must contain)
    "SDN.yaml": (alias_bomb(b""), "aliases (*a0) are not accepted"),
    "COL.yaml": (b"items:\n" + b"  - &x {factor: 2}\n" + b"  - *x\n", "aliases (*x)"),
    "SYR.yaml": (GOOD_ROU + b"#" * 1_100_000, "over the 1,000,000-byte limit"),
    "AFG.yaml": (b"items: " + b"{a: " * 3000 + b"1" + b"}" * 3000, "nested too deeply"),
    "UKR.yaml": (b"items: !!python/object/new:subprocess.Popen [['true']]\n", "python/object/new"),
}


def q(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _load(tmp: Path, files: dict[str, bytes]) -> Path:
    raw = tmp / "raw" / "evidence"
    raw.mkdir(parents=True)
    for name, content in files.items():
        (raw / name).write_bytes(content)
    report = update(db=tmp / "w.duckdb", from_dir=tmp / "raw", only=["evidence"], quiet=True,
                    curated_dir=tmp / "no-curated")
    run = next(r for r in report.runs if r.source.id == "evidence")
    assert report.published and run.status == "ok", run.message
    return tmp / "w.duckdb"


def test_bad_evidence_files_are_one_reject_each_and_the_good_ones_load_as_alone(tmp_path):
    alone = _load(tmp_path / "alone", {"MMR.yaml": GOOD_MMR, "ROU.yaml": GOOD_ROU})
    started = time.perf_counter()
    mixed = _load(tmp_path / "mixed", {"MMR.yaml": GOOD_MMR, "ROU.yaml": GOOD_ROU} |
                  {name: content for name, (content, _) in BAD.items()})
    assert time.perf_counter() - started < 60  # the bomb is refused, not expanded (9**9 nodes would never finish)
    rows = "SELECT * EXCLUDE (stale, stale_reason) FROM evidence ORDER BY ALL"
    assert q(mixed, rows) == q(alone, rows) and len(q(alone, rows)) >= 2
    for name, (_, words) in BAD.items():
        rejects = q(mixed, "SELECT row_number, reason FROM rejects WHERE source_id = 'evidence' AND file_name = ?",
                    [name])
        assert len(rejects) == 1 and rejects[0][0] is None, (name, rejects)
        assert name in rejects[0][1] and words in rejects[0][1], rejects
        assert q(mixed, "SELECT rows_read, rows_loaded, rows_rejected FROM sources WHERE file_name = ?",
                 [name]) == [(1, 0, 1)]
    same = "SELECT file_name, rows_read, rows_loaded, rows_rejected FROM sources WHERE file_name IN " \
           "('MMR.yaml', 'ROU.yaml') ORDER BY 1"
    assert q(mixed, same) == q(alone, same)


# ------------------------------------------------------------------------------------- narratives
BODY = "\n## Background\n\nSYNTHETIC test narrative background.\n\n## Analysis\n\nSYNTHETIC analysis text.\n"
FRONT = {
    "alias bomb": "\n".join(['a0: &a0 ["x","x","x","x","x","x","x","x","x"]'] +
                            [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)] +
                            ["author: T", "date: 2024-01-01", "sources: *a9"]),
    "one alias": "author: &a Test\ndate: 2024-01-01\nsources: [*a]",
    "deep nesting": "author: T\nsources: " + "[" * 4000 + "]" * 4000,
    "huge front matter": "author: T\ndate: 2024-01-01\nsources:\n" + "  - https://example.org/x\n" * 2000,
    "python tag": "author: !!python/object/apply:os.getcwd []\ndate: 2024-01-01",
    "not a mapping": "- just\n- a list",
}


@pytest.mark.parametrize("kind", FRONT)
def test_a_narrative_with_bad_front_matter_keeps_its_sections_and_says_why(kind, tmp_path):
    from dashboard import narratives

    (tmp_path / "SDN.md").write_text(f"---\n{FRONT[kind]}\n---\n{BODY}", encoding="utf-8")
    started = time.perf_counter()
    nar = narratives.load("SDN", tmp_path)
    assert time.perf_counter() - started < 5
    assert nar is not None and nar.sources == [] and nar.author == ""
    assert nar.sections["Background"] == "SYNTHETIC test narrative background."
    assert nar.sections["Analysis"] == "SYNTHETIC analysis text."
    assert any("front matter" in p for p in nar.problems), nar.problems


def test_an_oversized_narrative_is_not_read_and_says_so(tmp_path):
    from dashboard import narratives

    (tmp_path / "SDN.md").write_text("---\nauthor: T\n---\n" + BODY + "x" * 600_000, encoding="utf-8")
    nar = narratives.load("SDN", tmp_path)
    assert nar is not None and nar.sections == {} and "over the 512,000-byte limit" in nar.problems[0]


def test_the_country_page_with_a_bomb_in_front_matter_is_small_and_shows_a_notice(tmp_path, monkeypatch):
    """The page that once answered 312 MB: now its sections, a notice, and a normal-sized answer."""
    from dashboard.server import create_app
    from tests.test_damaged_warehouse import FIXTURE_INPUTS
    from tests.test_security import _pages_callback

    raw = tmp_path / "raw"
    for folder, fixture in FIXTURE_INPUTS:
        (raw / folder).mkdir(parents=True)
        shutil.copy(FIXTURES / fixture, raw / folder)
    assert update(db=tmp_path / "w.duckdb", from_dir=raw, quiet=True).published
    (tmp_path / "narr").mkdir()
    (tmp_path / "narr" / "SDN.md").write_text(f"---\n{FRONT['alias bomb']}\n---\n{BODY}", encoding="utf-8")
    monkeypatch.setenv("R2P_NARRATIVES", str(tmp_path / "narr"))
    client = create_app(tmp_path / "w.duckdb").server.test_client()
    r = client.post("/_dash-update-component", json=_pages_callback(client))
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and len(r.data) < 1_000_000
    assert "SYNTHETIC test narrative background." in text and "aliases (*a0) are not accepted" in text
