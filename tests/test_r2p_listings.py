"""Risk levels read in place from ../shared/data/curated: the editions table, the list id, each country's latest
listing up to a date (checked against the shared CSV rows, recomputed here with the csv module), the
"dropped from a complete edition" rule, and the navbar search's names and aliases."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import SHARED, query

CURATED = SHARED / "data" / "curated"
LEVELS_CSV = CURATED / "r2p-monitor-risk-levels.csv"
EDITIONS_CSV = CURATED / "r2p-monitor-editions.csv"


def _need_shared() -> None:
    if not LEVELS_CSV.is_file() or not EDITIONS_CSV.is_file():
        pytest.skip(f"shared curated tables absent: {LEVELS_CSV.parent} (place ../shared beside the repo)")


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _latest_by_hand(ref: dt.date) -> dict[str, tuple[str, str]]:
    """iso3 → (as_of, level) of its latest CSV row dated ≤ ref (rows with no ISO3 are not about a country)."""
    out: dict[str, tuple[str, str]] = {}
    for r in _csv_rows(LEVELS_CSV):
        if dt.date.fromisoformat(r["as_of"]) > ref:
            continue
        for iso3 in filter(None, (c.strip() for c in r["iso3_list"].split(";"))):
            if iso3 not in out or r["as_of"] > out[iso3][0]:
                out[iso3] = (r["as_of"], r["risk_level"])
    return out


@pytest.fixture(scope="module")
def real(shared_warehouse: Path) -> Path:
    _need_shared()
    from dashboard.server import create_app

    create_app(shared_warehouse)
    return shared_warehouse


def test_no_repo_copy_of_the_shared_table():
    root = Path(__file__).resolve().parents[1]
    assert not (root / "data" / "curated" / "r2p-monitor-risk-levels.csv").exists()


def test_editions_table_is_the_shared_csv(real):
    want = [(r["edition"], r["as_of"], r["complete"] == "yes", int(r["n_situations"]), r["source_url"])
            for r in _csv_rows(EDITIONS_CSV)]
    got = query(real, "SELECT edition, as_of::VARCHAR, complete, n_situations, source_url FROM r2p_monitor_editions "
                      "ORDER BY row_number")
    assert got == want and len(got) >= 38
    assert query(real, "SELECT count(*) FROM r2p_monitor_editions WHERE complete") == [
        (sum(r["complete"] == "yes" for r in _csv_rows(EDITIONS_CSV)),)]


def test_every_listing_carries_its_list_id(real):
    assert query(real, "SELECT count(*) FROM r2p_risk_levels WHERE list_id IS NULL") == [(0,)]
    n_rows = sum(len([c for c in r["iso3_list"].split(";") if c.strip()]) for r in _csv_rows(LEVELS_CSV))
    assert query(real, "SELECT count(*) FROM r2p_risk_levels WHERE list_id = 'gcr2p'") == [(n_rows,)]


@pytest.mark.parametrize("ref", [dt.date(2012, 12, 31), dt.date(2020, 12, 31), dt.date(2024, 9, 1),
                                 dt.date(2025, 3, 14), dt.date(2026, 12, 5)])
def test_latest_listing_as_of_matches_the_csv(real, ref):
    from dashboard.queries import listings

    want = _latest_by_hand(ref)
    got = listings.latest_as_of(listings.listings("gcr2p"), listings.editions(), ref)
    assert {r["iso3"]: (str(r["as_of"]), r["risk_level"]) for r in got.iter_rows(named=True)} == want
    for r in got.iter_rows(named=True):
        assert r["age_months"] == listings.months_between(r["as_of"], ref) >= 0
        # March 2025 is read in full but only 2 of its 17 situations have levels: nobody can be called dropped
        assert r["later"] == listings.NOT_LATER, r


def test_overview_map_shows_every_latest_listing(real):
    from dashboard import data
    from dashboard.pages import overview

    fig, *_ = overview.build(data.RISK_LEVEL_MODE, 2024, "", "", None, [], "gcr2p")
    on_map = {iso3: t.name for t in fig.data for iso3 in t.locations}
    known = set(data.country_names())
    want = {k: v[1] for k, v in _latest_by_hand(dt.date(2024, 12, 31)).items() if k in known}
    assert on_map == want and len(want) > 15  # far more than the countries listed in 2024 alone


def test_months_and_reference_dates():
    from dashboard.queries.listings import age_text, months_between, reference_date

    assert months_between(dt.date(2024, 9, 1), dt.date(2025, 12, 5)) == 15
    assert months_between(dt.date(2024, 9, 30), dt.date(2024, 10, 29)) == 0
    assert age_text(0) == "under a month" and age_text(1) == "1 month" and age_text(30) == "2 years"
    assert reference_date(2020, today=dt.date(2026, 12, 5)) == dt.date(2020, 12, 31)
    assert reference_date(2026, today=dt.date(2026, 12, 5)) == dt.date(2026, 12, 5)


def test_dropped_only_where_a_complete_edition_records_every_level():
    """SYNTHETIC codes (XAA…): the rule itself. An edition read in full with all its levels recorded shows who was
    dropped; one with levels missing shows nothing."""
    from dashboard.queries.listings import DROPPED, NOT_LATER, latest_as_of

    d = dt.date
    rows = pl.DataFrame({"iso3": ["XAA", "XBB", "XAA", "XCC"], "situation": ["A", "B", "A", "C"],
                         "risk_level": ["Current Crisis"] * 4, "as_of": [d(2020, 1, 1), d(2020, 1, 1),
                                                                       d(2021, 1, 1), d(2021, 1, 1)],
                         "source_url": ["u"] * 4})
    full = pl.DataFrame({"edition": ["E"], "as_of": [d(2021, 1, 1)], "complete": [True], "n_situations": [2]})
    got = {r["iso3"]: r["later"] for r in latest_as_of(rows, full, d(2022, 1, 1)).iter_rows(named=True)}
    assert got == {"XAA": NOT_LATER, "XCC": NOT_LATER, "XBB": DROPPED}
    partial = full.with_columns(pl.lit(5).alias("n_situations"))  # 5 situations, 2 levels recorded
    got = {r["iso3"]: r["later"] for r in latest_as_of(rows, partial, d(2022, 1, 1)).iter_rows(named=True)}
    assert set(got.values()) == {NOT_LATER}
    before = latest_as_of(rows, full, d(2020, 6, 1))  # the edition is after the chosen date: it does not count
    assert set(before["later"]) == {NOT_LATER} and set(before["iso3"]) == {"XAA", "XBB"}


def test_watchlist_rows_rank_of_n(real):
    from dashboard import watchlist
    from dashboard.queries import listings

    today = dt.date(2026, 12, 5)
    df = watchlist.rows("gcr2p", today)
    assert df.height == len(listings.latest("gcr2p", today))
    year, n = query(real, "SELECT max(year), count(*) FILTER (WHERE year = (SELECT max(year) FROM indicator_values "
                          "WHERE indicator_id = 'ewp_rank')) FROM indicator_values WHERE indicator_id = 'ewp_rank'")[0]
    sdn = df.filter(pl.col("iso3") == "SDN").row(0, named=True)
    rank = query(real, "SELECT value FROM indicator_values WHERE indicator_id = 'ewp_rank' AND iso3 = 'SDN' "
                       "AND year = ?", [year])[0][0]
    assert (sdn["ewp_rank"], sdn["ewp_of"], sdn["ewp_year"]) == (int(rank), n, year)
    assert watchlist.ewp_text(sdn["ewp_rank"], sdn["ewp_of"], year) == f"{int(rank)} of {n} ({year})"
    by_rank = watchlist.sorted_rows(df, "ewp", "asc")["ewp_rank"].drop_nulls().to_list()
    assert by_rank == sorted(by_rank)
    by_date = watchlist.sorted_rows(df, "as_of", "desc")["as_of"].to_list()
    assert by_date == sorted(by_date, reverse=True)


@pytest.mark.parametrize("typed,iso3", [("Burma", "MMR"), ("DRC", "COD"), ("Ivory Coast", "CIV"), ("Syria", "SYR"),
                                        ("North Korea", "PRK"), ("mmr", "MMR"), ("Côte d’Ivoire", "CIV"),
                                        ("Viet Nam", "VNM"), ("Burma → Myanmar (MMR)", "MMR"), ("Sudan", "SDN"),
                                        ("Türkiye", "TUR"), ("Turkey", "TUR")])
def test_search_finds_names_codes_and_aliases(real, typed, iso3):
    from dashboard import search

    assert search.resolve(typed) == iso3


def test_search_rejects_what_names_no_country(real):
    from dashboard import search

    assert search.resolve("") is None and search.resolve("zzz") is None
    assert search.resolve("guinea") == "GIN"  # an exact name wins over the other Guineas
    assert search.resolve("Guin") is None  # ambiguous prefix: no guess
    assert all(search.ALIASES[a] in search.names() for a in ("Burma", "DRC", "Ivory Coast", "Syria", "North Korea"))


def test_blank_list_id_takes_the_files_id_and_editions_reject_bad_rows(tmp_path, ctx):
    """SYNTHETIC rows in the shared layouts: a blank ``list_id`` cell becomes the file's id (never NULL); an
    editions row with a bad flag or count is rejected naming its column."""
    from etl.sources.r2p_monitor import SOURCE

    folder = tmp_path / "watchlists"
    folder.mkdir()
    levels = folder / "acme.csv"
    levels.write_text("situation,iso3_list,risk_level,as_of,source_url,list_id\n"
                      "Test,MMR,Imminent Risk,2024-01-15,https://example.org,\n"
                      "Test,MMR,Current Crisis,2024-07-01,https://example.org,other\n", encoding="utf-8")
    out = SOURCE.read_file(levels, ctx).tables["r2p_risk_levels"]
    assert out["list_id"].to_list() == ["acme", "other"]
    eds = tmp_path / "editions.csv"
    eds.write_text("edition,as_of,complete,n_situations,source_url\nA,2025-03-14,yes,17,u\nB,2025-07-15,maybe,5,u\n"
                   "C,2025-11-14,no,x,u\n", encoding="utf-8")
    res = SOURCE.read_file(eds, ctx)
    assert res.tables["r2p_monitor_editions"].select("edition", "complete", "n_situations").rows() == [
        ("A", True, 17)]
    reasons = res.rejects["reason"].to_list()
    assert reasons == ["column 'complete': 'maybe' is not yes / no", "column 'n_situations': 'x' is not a count"]
