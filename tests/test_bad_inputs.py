"""Bad-input corpus: every broken file a publisher, a proxy or a user can produce, made from the good fixtures.

Each case copies one good fixture into a ``--from`` directory, builds a warehouse (the *previous* one), corrupts the
file by code and updates again. Whatever the damage, the promises hold:

* the message (a failed source's, or the reject reason) names the file, the row and the column where there is one;
* a failed source keeps its previous rows exactly (the warehouse holds the same rows as before);
* a dirty row is rejected and recorded in ``rejects`` while every other row of the file still loads;
* for every file, read = loaded + rejected + duplicates + excluded, and ``rejects`` holds every rejected row.

The case list is the corpus: add a row to cover a new kind of damage. docs/reliability.md quotes its size.
"""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pytest

from etl.runner import update
from etl.sources import all_sources
from tests.conftest import FIXTURES

Corrupt = Callable[[bytes], bytes]


# ---------------------------------------------------------------- how to damage a file (all by code)
def lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _records(data: bytes, sep: str) -> list[list[str]]:
    """Parse bytes as CSV records; latin-1 round-trips every byte, so a cp1252 or UTF-8 file is left as it was."""
    return list(csv.reader(io.StringIO(data.decode("latin-1"), newline=""), delimiter=sep))


def _write(records: list[list[str]], sep: str) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=sep, lineterminator="\n").writerows(records)
    return out.getvalue().encode("latin-1")


def _index(header: list[str], column: str) -> int:
    return [h.lstrip("\u00ef\u00bb\u00bf").strip() for h in header].index(column)  # a UTF-8 BOM read as latin-1


def edit_cell(row: int, column: str, value: str, sep: str = ",") -> Corrupt:
    """Set one cell of record ``row`` (the header is record 1)."""

    def corrupt(data: bytes) -> bytes:
        records = _records(data, sep)
        records[row - 1][_index(records[0], column)] = value
        return _write(records, sep)

    return corrupt


def edit_cells(row: int, sep: str = ",", **cells: str) -> Corrupt:
    """Set several cells of record ``row`` at once (e.g. a date range that must stay ordered)."""

    def corrupt(data: bytes) -> bytes:
        records = _records(data, sep)
        for column, value in cells.items():
            records[row - 1][_index(records[0], column)] = value
        return _write(records, sep)

    return corrupt


def junk_first_line(data: bytes) -> bytes:
    """An export tool's long banner line above the header (the header is then no longer on line 1)."""
    banner = b"Exported from the Refugee Data Finder; terms of use apply; generated 2025-06-12 08:14 UTC " * 12
    return banner.rstrip() + b"\n" + data


def cut_at_line_boundary(keep: float) -> Corrupt:
    """A transfer that stopped between two records: the header and the first ``keep`` share of the records."""

    def corrupt(data: bytes) -> bytes:
        rows = lines(data)
        return b"".join(rows[: 1 + int((len(rows) - 1) * keep)])

    return corrupt


def xlsx_cell(sheet: str, cell: str, value: object) -> Corrupt:
    """Change one cell of a workbook; a formula written this way has no saved result (as a script writes it)."""

    def corrupt(data: bytes) -> bytes:
        wb = openpyxl.load_workbook(io.BytesIO(data))
        wb[sheet][cell] = value
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    return corrupt


def rename_column(old: str, new: str) -> Corrupt:
    def corrupt(data: bytes) -> bytes:
        records = _records(data, ",")
        records[0][_index(records[0], old)] = new
        return _write(records, ",")

    return corrupt


def drop_column(column: str) -> Corrupt:
    def corrupt(data: bytes) -> bytes:
        records = _records(data, ",")
        col = _index(records[0], column)
        return _write([r[:col] + r[col + 1:] for r in records], ",")

    return corrupt


def append_copy_of(row: int, **changes: str) -> Corrupt:
    """Repeat a record at the end, optionally with changed cells (a conflicting duplicate)."""

    def corrupt(data: bytes) -> bytes:
        records = _records(data, ",")
        extra = list(records[row - 1])
        for column, value in changes.items():
            extra[_index(records[0], column)] = value
        return _write([*records, extra], ",")

    return corrupt


def truncate_at(share: float) -> Corrupt:
    """An interrupted transfer: the bytes stop in the middle of a record."""
    return lambda data: data[: int(len(data) * share)]


def replace_bytes(old: bytes, new: bytes) -> Corrupt:
    def corrupt(data: bytes) -> bytes:
        assert old in data, old
        return data.replace(old, new, 1)

    return corrupt


def reencode(encoding: str) -> Corrupt:
    return lambda data: data.decode("utf-8").encode(encoding)


def html_page(_: bytes) -> bytes:
    return (b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1>"
            b"<p>The proxy server received an invalid response.</p></body></html>\n")


def login_page_with_header(data: bytes) -> bytes:
    """A captive portal that keeps the CSV header but serves HTML rows."""
    return lines(data)[0] + b"<html><body><form action=/login>Sign in to continue</form></body></html>\n"


def empty(_: bytes) -> bytes:
    return b""


def huge_line(size: int = 8 * 1024 * 1024) -> Corrupt:
    """A new record whose text cell is megabytes long (a runaway export, an unescaped blob)."""
    return append_copy_of(3, id="5555", conflict_name="x" * size)


def unclosed_quote(row: int) -> Corrupt:
    """A quote opened in one record and never closed swallows the rest of the file."""

    def corrupt(data: bytes) -> bytes:
        rows = lines(data)
        cells = rows[row - 1].split(b",")
        cells[5] = b'"' + cells[5]
        rows[row - 1] = b",".join(cells)
        return b"".join(rows)

    return corrupt


def zip_bomb(_: bytes) -> bytes:
    """A tiny archive naming a shapefile that inflates to 80 MB (ratio ~1000:1)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("ne_50m_admin_0_countries.shp", b"\0" * (80 * 1024 * 1024))
        zf.writestr("ne_50m_admin_0_countries.dbf", b"\0" * 1024)
    return buf.getvalue()


# ---------------------------------------------------------------- the corpus
@dataclass(frozen=True)
class Case:
    name: str
    source: str
    fixture: str  # good file under tests/fixtures/
    corrupt: Corrupt
    # "failed": the source fails, previous rows kept | "shrunk": it loads too few rows against the previous
    # warehouse, previous rows kept | "fewer": the drop is accepted, the file's rows replace the previous ones |
    # "rejected": the row goes to rejects | "same" | "duplicate" | "file rejected": the whole file is one reject
    # (no row number), the source stays ok
    outcome: str
    fragments: tuple[str, ...] = ()  # must all appear in the failure message / the reject reason
    row: int | None = None  # the rejected record number
    accept_shrink: bool = False  # run with --accept-shrink SOURCE (a real drop, accepted by the operator)
    # the fixtures have a handful of rows, below the guard's absolute floor (etl.runner.SHRINK_MIN_ROWS): a case
    # about shrinkage sets the floor to 0 so the share alone decides, as it does for a real release
    shrink_floor: int | None = None

    def __str__(self) -> str:
        return self.name


GED = "ucdp_ged/ged191_small.csv"
PTS = "pts/PTS-2024-sample.csv"
BRD = "ucdp_brd/BattleDeaths_v25_1.csv"
OSV = "ucdp_onesided/OneSided_v23_1.csv"
NSV = "ucdp_nonstate/Nonstate_v23_1.csv"
ACD = "ucdp_acd/UcdpPrioConflict_v23_1.csv"
OV = "ucdp_organized_violence/organizedviolencecy_v25_1.csv"
UNHCR = "unhcr/population.csv"
WB = "worldbank/API_SP.POP.TOTL_DS2_en_csv_v2_fixture.csv"
VDEM = "vdem/vdem_subset_sample.csv"
R2P = "r2p/risk_levels_sample.csv"
M49 = "m49/m49_sample.csv"
IDMC = "idmc/gidd_fixture.xlsx"
FH = "freedomhouse/FIW_sample.xlsx"
NE = "naturalearth/test_50m_admin_0_countries.zip"
EWP = "ewp-sra/predictors/prepared2024predictors-2025-09-03.csv"

CASES = [
    # --- UCDP GED events
    Case("ged truncated mid-record", "ucdp_ged", GED, truncate_at(0.8), "rejected", ("column 'best'", "is missing"),
         row=4),
    Case("ged cut at a line boundary", "ucdp_ged", GED, cut_at_line_boundary(0.5), "shrunk",
         ("loaded 2 rows", "50% fewer than the 4 rows", "limit 20%", "--accept-shrink ucdp_ged"), shrink_floor=0),
    Case("ged cut at a line boundary, shrink accepted", "ucdp_ged", GED, cut_at_line_boundary(0.5), "fewer",
         accept_shrink=True, shrink_floor=0),
    Case("ged event dated 2099", "ucdp_ged", GED, edit_cell(2, "date_start", "2099-03-01"), "rejected",
         ("column 'date_start'", "2099-03-01", "after today"), row=2),
    Case("ged event after its release's coverage", "ucdp_ged", GED,
         edit_cells(2, date_start="2019-06-01", date_end="2019-06-02"), "rejected",
         ("column 'date_start'", "2019-06-01", "after the file's release", "19.1", "2018-12-31"), row=2),
    Case("ged year in the future", "ucdp_ged", GED, edit_cell(3, "year", "2099"), "rejected",
         ("column 'year'", "2099 is above the allowed"), row=3),
    Case("ged latin-1 byte in UTF-8 file", "ucdp_ged", GED, replace_bytes(b"Test town", b"T\xe9st town"), "failed",
         ("not valid UTF-8", "row 2", "offset", "re-save the file as UTF-8")),
    Case("ged UTF-16 file", "ucdp_ged", GED, reencode("utf-16"), "failed", ("UTF-8", "row 1")),
    Case("ged semicolon delimiter", "ucdp_ged", GED, lambda d: d.replace(b",", b";"), "failed",
         ("separated by ','", "';'", "row 1")),
    Case("ged missing column best", "ucdp_ged", GED, drop_column("best"), "failed",
         ("missing column", "'best'", "row 1")),
    Case("ged renamed column best", "ucdp_ged", GED, rename_column("best", "best_est"), "failed",
         ("'best'", "best_est", "renamed", "row 1")),
    Case("ged non-numeric deaths", "ucdp_ged", GED, edit_cell(3, "best", "many"), "rejected",
         ("column 'best'", "'many' is not an integer"), row=3),
    Case("ged negative deaths", "ucdp_ged", GED, edit_cell(3, "best", "-7"), "rejected",
         ("column 'best'", "-7 is below the allowed 0"), row=3),
    Case("ged absurd deaths", "ucdp_ged", GED, edit_cell(4, "best", "99999999999999999999999"), "rejected",
         ("column 'best'", "99999999999999999999999", "too large"), row=4),
    Case("ged fractional deaths", "ucdp_ged", GED, edit_cell(4, "best", "2.5"), "rejected",
         ("column 'best'", "'2.5' is not an integer"), row=4),
    Case("ged date before 1989", "ucdp_ged", GED, edit_cell(2, "date_start", "1850-01-01"), "rejected",
         ("column 'date_start'", "1850-01-01", "outside"), row=2),
    Case("ged impossible date", "ucdp_ged", GED, edit_cell(2, "date_start", "2018-02-31"), "rejected",
         ("column 'date_start'", "'2018-02-31' is not a date"), row=2),
    Case("ged unknown country", "ucdp_ged", GED, edit_cell(3, "country_id", "999"), "rejected",
         ("999",), row=3),
    Case("ged latitude out of range", "ucdp_ged", GED, edit_cell(2, "latitude", "123.4"), "rejected",
         ("column 'latitude'", "123.4 is above the allowed 90"), row=2),
    Case("ged conflicting duplicate id", "ucdp_ged", GED, append_copy_of(2, best="77"), "rejected",
         ("duplicate event", "id"), row=6),
    Case("ged exact duplicate row", "ucdp_ged", GED, append_copy_of(2), "duplicate"),
    Case("ged empty file", "ucdp_ged", GED, empty, "failed", ("empty", "0 bytes")),
    Case("ged HTML error page", "ucdp_ged", GED, html_page, "failed", ("HTML page",)),
    Case("ged login page under the header", "ucdp_ged", GED, login_page_with_header, "failed", ("HTML",)),
    Case("ged huge single line", "ucdp_ged", GED, huge_line(), "failed",
         ("row 6", "column 'conflict_name'", "8,388,608 bytes")),
    Case("ged unclosed quote", "ucdp_ged", GED, unclosed_quote(3), "failed", ("row 3", "quote", "never closed")),
    Case("ged infinite coordinate", "ucdp_ged", GED, edit_cell(3, "longitude", "1e400"), "rejected",
         ("column 'longitude'", "too large"), row=3),
    # --- Political Terror Scale
    Case("pts score above 5", "pts", PTS, edit_cell(2, "PTS_A", "9"), "rejected",
         ("column 'PTS_A'", "9 is above the allowed 5"), row=2),
    Case("pts year before the first PTS year", "pts", PTS, edit_cell(3, "Year", "1975"), "rejected",
         ("column 'Year'", "1975 is below the allowed 1976"), row=3),
    Case("pts year in the future", "pts", PTS, edit_cell(3, "Year", "2099"), "rejected",
         ("column 'Year'", "2099 is above the allowed"), row=3),
    Case("pts missing column", "pts", PTS, drop_column("PTS_S"), "failed", ("missing column", "'PTS_S'", "row 1")),
    Case("pts empty file", "pts", PTS, empty, "failed", ("empty",)),
    Case("pts tab-separated re-save loads the same", "pts", PTS, lambda d: d.replace(b",", b"\t"), "same"),
    # --- UCDP country-year datasets
    Case("brd non-numeric battle deaths", "ucdp_brd", BRD, edit_cell(3, "bd_best", "lots"), "rejected",
         ("column 'bd_best'", "'lots' is not an integer"), row=3),
    Case("onesided negative deaths", "ucdp_onesided", OSV, edit_cell(2, "best_fatality_estimate", "-1"),
         "rejected", ("column 'best_fatality_estimate'", "below the allowed 0"), row=2),
    Case("nonstate missing column", "ucdp_nonstate", NSV, drop_column("best_fatality_estimate"), "failed",
         ("'best_fatality_estimate'", "row 1")),
    Case("organized violence renamed year", "ucdp_organized_violence", OV, rename_column("year_cy", "yr_cy"),
         "failed", ("'year_cy'", "yr_cy", "row 1")),
    Case("acd start date out of range", "ucdp_acd", ACD, edit_cell(2, "start_date", "1850-01-01"), "rejected",
         ("column 'start_date'", "1850-01-01"), row=2),
    Case("acd year in the future", "ucdp_acd", ACD, edit_cell(2, "year", "2099"), "rejected",
         ("column 'year'", "2099 is above the allowed"), row=2),
    Case("acd start date in the future", "ucdp_acd", ACD, edit_cell(2, "start_date", "2099-01-01"), "rejected",
         ("column 'start_date'", "2099-01-01", "after today"), row=2),
    Case("brd year before UCDP's first year", "ucdp_brd", BRD, edit_cell(4, "year", "1975"), "rejected",
         ("column 'year'", "1975 is below the allowed 1989"), row=4),
    Case("onesided year in the future", "ucdp_onesided", OSV, edit_cell(2, "year", "2099"), "rejected",
         ("column 'year'", "2099 is above the allowed"), row=2),
    # --- UNHCR, World Bank, V-Dem, R2P Monitor, M49, EWP
    Case("unhcr unknown country", "unhcr_population", UNHCR, edit_cell(4, "coo_iso", "ZZZ"), "rejected",
         ("ZZZ",), row=4),
    Case("unhcr negative refugees", "unhcr_population", UNHCR, edit_cell(3, "refugees", "-200"), "rejected",
         ("column 'refugees'", "below the allowed 0"), row=3),
    Case("unhcr HTML error page", "unhcr_population", UNHCR, html_page, "failed", ("HTML page",)),
    Case("unhcr junk first line", "unhcr_population", UNHCR, junk_first_line, "failed",
         ("population.csv", "row 1")),
    Case("unhcr cut at a line boundary (40 % kept)", "unhcr_population", UNHCR, cut_at_line_boundary(0.4), "shrunk",
         ("fewer than", "--accept-shrink unhcr_population"), shrink_floor=0),
    Case("unhcr year in the future", "unhcr_population", UNHCR, edit_cell(3, "year", "2099"), "rejected",
         ("column 'year'", "2099 is above the allowed"), row=3),
    Case("unhcr year before UNHCR's statistics", "unhcr_population", UNHCR, edit_cell(3, "year", "1940"),
         "rejected", ("column 'year'", "1940 is below the allowed 1951"), row=3),
    Case("worldbank negative population", "worldbank_population", WB,
         replace_bytes(b'"Aruba","ABW","Population, total","SP.POP.TOTL","100"',
                       b'"Aruba","ABW","Population, total","SP.POP.TOTL","-100"'), "rejected",
         ("-100", "below the allowed 0"), row=6),
    Case("worldbank truncated in the header", "worldbank_population", WB, lambda d: d[:120], "failed",
         ("row 5", "quote", "never closed")),
    Case("vdem index above 1", "vdem", VDEM, edit_cell(2, "v2x_polyarchy", "7.5"), "rejected",
         ("column 'v2x_polyarchy'", "7.5 is above the allowed 1"), row=2),
    Case("vdem year in the future", "vdem", VDEM, edit_cell(2, "year", "2099"), "rejected",
         ("column 'year'", "2099 is above the allowed"), row=2),
    Case("r2p listing dated in the future", "r2p_monitor", R2P, edit_cell(2, "as_of", "2099-01-01"), "rejected",
         ("column 'as_of'", "2099-01-01", "after today"), row=2),
    Case("r2p date before R2P existed", "r2p_monitor", R2P, edit_cell(2, "as_of", "1999-01-01"), "rejected",
         ("column 'as_of'", "1999-01-01", "outside"), row=2),
    Case("m49 comma instead of semicolon", "m49", M49, lambda d: d.replace(b";", b","), "failed",
         ("separated by ';'", "row 1")),
    Case("ewp predictors year out of range", "ewp_predictors", EWP, edit_cell(2, "year", "20244"),
         "rejected", ("column 'year'", "20244 is above the allowed"), row=2),
    # --- workbooks and archives
    Case("idmc truncated workbook", "idmc", IDMC, truncate_at(0.5), "failed", ("truncated", "interrupted")),
    Case("idmc formula cell without a saved result", "idmc", IDMC, xlsx_cell("Data", "D2", "=3500000"), "rejected",
         ("column 'Conflict Stock Displacement'", "formula '=3500000'", "no saved result"), row=2),
    Case("idmc year formula without a saved result", "idmc", IDMC, xlsx_cell("Data", "C4", "=2021+1"), "rejected",
         ("column 'Year'", "formula", "no saved result"), row=4),
    Case("idmc year before the GIDD's first year", "idmc", IDMC, xlsx_cell("Data", "C2", 2001), "rejected",
         ("column 'Year'", "2001 is below the allowed 2008"), row=2),
    Case("freedomhouse HTML instead of workbook", "freedomhouse", FH, html_page, "failed", ("HTML page",)),
    Case("freedomhouse truncated workbook", "freedomhouse", FH, truncate_at(0.6), "failed", ("truncated",)),
    Case("naturalearth truncated archive", "naturalearth", NE, truncate_at(0.5), "failed",
         ("truncated or damaged zip",)),
    Case("naturalearth zip bomb", "naturalearth", NE, zip_bomb, "failed", ("zip bomb",)),
]

SOURCES = {s.id: s for s in all_sources()}


# ---------------------------------------------------------------- harness
def _dump(db: Path) -> dict[str, list[tuple]]:
    """Every table, every row, in a stable order (the warehouse's content)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        # `changes` and `alerts` are the update's own log (a failed source is recorded there: issue 16), not data
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
                  if r[0] not in ("changes", "alerts")]
        out = {}
        for table in tables:
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table]).fetchall()]
            keep = ", ".join(f'"{c}"' for c in cols if not (table == "sources" and c in ("status", "message")))
            out[table] = con.execute(f'SELECT {keep} FROM "{table}" ORDER BY ALL').fetchall()
        return out
    finally:
        con.close()


def _q(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _update(raw: Path, db: Path, source: str, accept_shrink: bool = False):
    report = update(db=db, from_dir=raw, only=[source], quiet=True, curated_dir=raw.parent / "no-curated",
                    accept_shrink=[source] if accept_shrink else None)
    return report, next(r for r in report.runs if r.source.id == source)


@pytest.fixture(scope="module")
def baselines(tmp_path_factory) -> Callable[[str, str], Path]:
    """The previous warehouse of one source built from its good fixture, built once per (source, fixture)."""
    built: dict[tuple[str, str], Path] = {}

    def get(source: str, fixture: str) -> Path:
        if (source, fixture) not in built:
            work = tmp_path_factory.mktemp("baseline")
            raw = work / "raw" / SOURCES[source].folder
            raw.mkdir(parents=True)
            shutil.copy(FIXTURES / fixture, raw / Path(fixture).name)
            report, run = _update(work / "raw", work / "w.duckdb", source)
            assert run.status == "ok" and report.published, run.message
            built[(source, fixture)] = work / "w.duckdb"
        return built[(source, fixture)]

    return get


def _accounting_holds(db: Path) -> None:
    bad = _q(db, "SELECT source_id, file_name FROM sources WHERE file_name IS NOT NULL AND "
                 "rows_read <> rows_loaded + rows_rejected + rows_duplicate + rows_excluded")
    assert bad == [], f"read != loaded + rejected + duplicates + excluded for {bad}"
    unrecorded = _q(db, "SELECT s.file_name, s.rows_rejected, count(r.source_id) FROM sources s "
                        "LEFT JOIN rejects r USING (source_id, file_name) WHERE s.file_name IS NOT NULL "
                        "GROUP BY ALL HAVING s.rows_rejected <> count(r.source_id)")
    assert unrecorded == [], f"rejected rows missing from the rejects table: {unrecorded}"


def _data_tables(source: str) -> list[str]:
    src = SOURCES[source]
    return sorted(set(src.tables) | set(src.table_schemas))


# --- YAML bombs and oversized evidence files (issue 15, class 6): the whole file is one reject (row None), the
# source stays "ok" and its other files still load (tests/test_yaml_safety.py checks several files side by side)
EVIDENCE = "evidence/MMR.yaml"


def alias_bomb(_: bytes) -> bytes:
    """The classic "billion laughs": nine levels of nine aliases each expand to 9**9 strings."""
    levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return ("\n".join(levels) + "\nitems: *a9\n").encode()


CASES += [
    Case("evidence alias bomb", "evidence", EVIDENCE, alias_bomb, "file rejected",
         ("MMR.yaml", "not valid YAML", "aliases (*a0) are not accepted")),
    Case("evidence one harmless-looking alias", "evidence", EVIDENCE,
         lambda d: d.replace(b"author: Test Analyst", b"author: &who Test Analyst", 1)
         .replace(b"author: Test Analyst", b"author: *who"), "file rejected", ("line", "aliases (*who)")),
    Case("evidence nested 5000 deep", "evidence", EVIDENCE, lambda d: b"items: " + b"[" * 5000 + b"]" * 5000,
         "file rejected", ("MMR.yaml", "nested too deeply")),
    Case("evidence 3 MB file", "evidence", EVIDENCE, lambda d: d + b"# padding\n" * 300_000, "file rejected",
         ("MMR.yaml", "over the 1,000,000-byte limit")),
    Case("evidence python object tag", "evidence", EVIDENCE,
         lambda d: b"items: !!python/object/apply:os.system ['echo pwned']\n", "file rejected",
         ("not valid YAML", "python/object/apply")),
]


def test_corpus_is_large_and_spans_the_sources():
    assert len(CASES) >= 30 and len({c.name for c in CASES}) == len(CASES)
    assert len({c.source for c in CASES}) >= 12
    # issue 15's classes: silent shrinkage and implausible dates are in the corpus, for several sources each
    assert len({c.source for c in CASES if c.outcome == "shrunk"}) >= 2
    future = [c for c in CASES if "future" in c.name or "2099" in c.name or "after its release" in c.name]
    assert len({c.source for c in future}) >= 7


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_input(case: Case, baselines, tmp_path: Path, monkeypatch):
    previous = baselines(case.source, case.fixture)
    if case.shrink_floor is not None:
        monkeypatch.setattr("etl.runner.SHRINK_MIN_ROWS", case.shrink_floor)
    db = tmp_path / "w.duckdb"
    shutil.copy(previous, db)
    before = _dump(db)
    name = Path(case.fixture).name
    raw = tmp_path / "raw" / SOURCES[case.source].folder
    raw.mkdir(parents=True)
    (raw / name).write_bytes(case.corrupt((FIXTURES / case.fixture).read_bytes()))

    report, run = _update(tmp_path / "raw", db, case.source, case.accept_shrink)

    assert report.published, report.error  # the other sources' data is always republished
    _accounting_holds(db)
    after = _dump(db)
    if case.outcome in ("failed", "shrunk"):
        assert run.status == case.outcome, f"expected the source to be {case.outcome}, got {run.status}: {run.message}"
        assert report.exit_code == 1
        assert case.outcome == "shrunk" or name in run.message, run.message
        for fragment in case.fragments:
            assert fragment.lower() in run.message.lower(), f"{fragment!r} not in {run.message!r}"
        assert "Traceback" not in run.message and "internal error" not in run.message
        kept = {t: rows for t, rows in after.items() if t != "sources"}
        assert kept == {t: rows for t, rows in before.items() if t != "sources"}, "previous rows must be kept"
        # the source's file rows are the previous ones (now marked stale), plus one row saying why it failed
        assert [r for r in after["sources"] if r[7] is not None] == before["sources"]
        statuses = {r[0] for r in _q(db, "SELECT status FROM sources WHERE source_id = ?", [case.source])}
        assert statuses == {"stale", case.outcome}
        return
    assert run.status == "ok", run.message
    if case.outcome == "fewer":  # an accepted shrink: exactly the records left in the file, nothing else
        counts = "SELECT sum(rows_read), sum(rows_loaded) FROM sources WHERE source_id = ?"
        (read1, loaded1), = _q(db, counts, [case.source])
        left = len(lines(case.corrupt((FIXTURES / case.fixture).read_bytes()))) - 1
        assert read1 == left and loaded1 < _q(previous, counts, [case.source])[0][1] and report.exit_code == 0
        return
    if case.outcome == "same":
        assert after == {t: rows for t, rows in before.items()} | {"sources": after["sources"]}
        return
    rejects = _q(db, "SELECT row_number, reason, raw FROM rejects WHERE source_id = ? AND file_name = ?",
                 [case.source, name])
    old_rejects = _q(previous, "SELECT row_number, reason FROM rejects WHERE source_id = ?", [case.source])
    new_rejects = [r for r in rejects if (r[0], r[1]) not in set(old_rejects)]
    if case.outcome == "file rejected":  # a file that cannot be parsed at all: one reject naming it, nothing loaded
        assert [(r[0], bool(r[2])) for r in rejects] == [(None, True)], rejects
        for fragment in case.fragments:
            assert fragment.lower() in rejects[0][1].lower(), f"{fragment!r} not in {rejects[0][1]!r}"
        assert _q(db, "SELECT rows_read, rows_loaded, rows_rejected FROM sources WHERE source_id = ? AND "
                      "file_name = ?", [case.source, name]) == [(1, 0, 1)]
        for table in _data_tables(case.source):
            assert _q(db, f'SELECT count(*) FROM "{table}"')[0][0] == 0, table
        return
    if case.outcome == "duplicate":
        dup = _q(db, "SELECT rows_duplicate FROM sources WHERE source_id = ?", [case.source])
        old = _q(previous, "SELECT rows_duplicate FROM sources WHERE source_id = ?", [case.source])
        assert dup[0][0] == old[0][0] + 1 and new_rejects == []
        for table in _data_tables(case.source):
            assert after[table] == before[table], table
        return
    assert len(new_rejects) == 1, f"expected one new reject, got {new_rejects}"
    row_number, reason, raw_text = new_rejects[0]
    assert row_number == case.row, (row_number, reason)
    for fragment in case.fragments:
        assert fragment.lower() in reason.lower(), f"{fragment!r} not in {reason!r}"
    assert raw_text, "the rejected row's content is kept"
    # nothing else lost: one more reject, one fewer loaded row, every other record as before
    counts = "SELECT sum(rows_read), sum(rows_loaded), sum(rows_rejected) FROM sources WHERE source_id = ?"
    (read0, loaded0, rejected0), = _q(previous, counts, [case.source])
    (read1, loaded1, rejected1), = _q(db, counts, [case.source])
    appended = read1 - read0  # a record added at the end, or records lost to truncation
    assert rejected1 == rejected0 + 1 and loaded1 >= loaded0 + appended - 1
    for table in ("events", "displacement", "r2p_risk_levels"):  # one warehouse row per record: compare exactly
        if table in _data_tables(case.source):
            last = _q(db, f'SELECT max(row_number) FROM "{table}"')[0][0]  # records cut off by a truncation
            sql = f'SELECT * FROM "{table}" WHERE row_number <> ? AND row_number <= ? ORDER BY ALL'
            assert _q(db, sql, [case.row, last]) == _q(previous, sql, [case.row, last]), table


DAMAGED_PREVIOUS = {
    "truncated": lambda data: data[: len(data) // 2],
    "zeroed header": lambda data: b"\0" * 4096 + data[4096:],
    "not a database": lambda data: b"iso3,value\nSDN,1\n",
}


@pytest.mark.parametrize("damage", DAMAGED_PREVIOUS, ids=str)
@pytest.mark.parametrize("source, fixture", [("ucdp_ged", GED), ("unhcr_population", UNHCR)], ids=["ged", "unhcr"])
def test_damaged_previous_warehouse_is_rebuilt_with_every_row(source: str, fixture: str, damage: str, baselines,
                                                               tmp_path: Path):
    """The warehouse being replaced is damaged: the update says so and builds a fresh one holding every row of the
    good file, with the same accounting as a clean build (the nothing-lost checks of the corpus)."""
    previous = baselines(source, fixture)
    db = tmp_path / "w.duckdb"
    db.write_bytes(DAMAGED_PREVIOUS[damage](previous.read_bytes()))
    raw = tmp_path / "raw" / SOURCES[source].folder
    raw.mkdir(parents=True)
    shutil.copy(FIXTURES / fixture, raw / Path(fixture).name)
    report, run = _update(tmp_path / "raw", db, source)
    assert report.published and run.status == "ok" and report.previous_problem
    _accounting_holds(db)
    assert {t: rows for t, rows in _dump(db).items() if t != "sources"} == {
        t: rows for t, rows in _dump(previous).items() if t != "sources"}
