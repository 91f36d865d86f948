"""Each country's latest risk-level listing up to a date, how old it is, and what the editions list can say about it.

Why: the R2P Monitor table records listings only where a dated, level-stating page was found (see
../shared/data/curated/SOURCE.md). A country's latest *recorded* listing is therefore shown with its date and age,
and told apart from a situation that a complete edition shows was dropped:

* ``dropped`` — a complete edition dated after the listing (and up to the chosen date) whose every situation's
  level is recorded (rows on that date >= its ``n_situations``) has no row for the country;
* ``no later listing recorded`` — anything else. A complete edition whose levels are only partly recorded (March
  2025: 17 situations, 2 levels found) proves nothing about a country without a row, and the text says so.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from dashboard import data

GCR2P = "gcr2p"
NOT_LATER = "no later listing recorded"
DROPPED = "dropped"
LISTING_SCHEMA = {"iso3": pl.String, "situation": pl.String, "risk_level": pl.String, "as_of": pl.Date,
                  "source_url": pl.String}
EDITION_SCHEMA = {"edition": pl.String, "as_of": pl.Date, "complete": pl.Boolean, "n_situations": pl.Int64}
OUT_SCHEMA = {**LISTING_SCHEMA, "age_months": pl.Int64, "age": pl.String, "later": pl.String, "note": pl.String}


def reference_date(year: int, today: dt.date | None = None) -> dt.date:
    """The date a year's view stands at: 31 December, or today for the current year."""
    today = today or dt.date.today()
    return min(dt.date(int(year), 12, 31), today)


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole calendar months from ``earlier`` to ``later`` (2024-09-01 → 2025-12-05 = 15)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def age_text(months: int) -> str:
    if months < 1:
        return "under a month"
    if months < 24:
        return f"{months} month{'s' if months != 1 else ''}"
    return f"{months // 12} years"


def latest_as_of(listings: pl.DataFrame, editions: pl.DataFrame, ref: dt.date) -> pl.DataFrame:
    """Per country, its latest listing dated on or before ``ref``, with age in months at ``ref`` and what later
    editions say (``later``: NOT_LATER or DROPPED, ``note``: the sentence a reader sees). Pure: frames in, frame out.

    ``listings``: iso3, situation, risk_level, as_of, source_url (one list). ``editions``: edition, as_of, complete,
    n_situations (empty for an organisation's own watchlist)."""
    upto = listings.filter(pl.col("as_of") <= ref).sort(["as_of", "iso3"], descending=[True, False])
    latest = upto.unique("iso3", keep="first", maintain_order=True)
    if latest.height == 0:
        return pl.DataFrame(schema=OUT_SCHEMA)
    rows_on = {d: set(g) for d, g in upto.group_by("as_of").agg(pl.col("iso3")).iter_rows()}
    situations_on = dict(upto.group_by("as_of").agg(pl.col("situation").n_unique()).iter_rows())
    complete = editions.filter(pl.col("complete") & (pl.col("as_of") <= ref)).sort("as_of") if editions.height \
        else editions
    ages, later, notes = [], [], []
    for iso3, as_of in latest.select("iso3", "as_of").iter_rows():
        months = months_between(as_of, ref)
        ages.append(months)
        state, note = NOT_LATER, f"listed {as_of:%Y-%m-%d}, {age_text(months)} before {ref:%Y-%m-%d}; " \
                                 "no later listing recorded here"
        for ed_date, n in complete.filter(pl.col("as_of") > as_of).select("as_of", "n_situations").iter_rows():
            if situations_on.get(ed_date, 0) >= n and iso3 not in rows_on.get(ed_date, set()):
                state, note = DROPPED, f"listed {as_of:%Y-%m-%d}; not in the complete edition of {ed_date:%Y-%m-%d}"
                break
            note += (f" (the complete edition of {ed_date:%Y-%m-%d} covers {n} situations; levels are recorded for "
                     f"{situations_on.get(ed_date, 0)}, so absence from it says nothing)")
        later.append(state)
        notes.append(note)
    return latest.select(*LISTING_SCHEMA).with_columns(
        pl.Series("age_months", ages, dtype=pl.Int64), pl.Series("age", [age_text(m) for m in ages], dtype=pl.String),
        pl.Series("later", later, dtype=pl.String), pl.Series("note", notes, dtype=pl.String))


@data.cached
def listings(list_id: str) -> pl.DataFrame:
    """Every dated listing of one list (iso3, situation, risk_level, as_of, source_url)."""
    if not data.has("r2p_risk_levels"):
        return pl.DataFrame(schema=LISTING_SCHEMA)
    return data.warehouse().frame(
        "SELECT iso3, situation, risk_level, as_of, source_url FROM r2p_risk_levels "
        "WHERE list_id = ? AND as_of IS NOT NULL ORDER BY as_of DESC, row_number DESC", [list_id])


@data.cached
def editions() -> pl.DataFrame:
    """The Global Centre's editions list (warehouse table r2p_monitor_editions); empty on an older warehouse."""
    if not data.has("r2p_monitor_editions"):
        return pl.DataFrame(schema=EDITION_SCHEMA)
    return data.warehouse().frame("SELECT edition, as_of, complete, n_situations FROM r2p_monitor_editions "
                                  "ORDER BY as_of")


@data.cached
def latest(list_id: str, ref: dt.date) -> pl.DataFrame:
    """``latest_as_of`` on the warehouse's rows, joined to the country list (name, M49 region…)."""
    eds = editions() if list_id == GCR2P else pl.DataFrame(schema=EDITION_SCHEMA)
    return latest_as_of(listings(list_id), eds, ref).join(data.countries(), on="iso3", how="inner")


@data.cached
def ewp_ranks(year: int) -> pl.DataFrame:
    """Each country's latest EWP rank up to ``year`` and the number of countries ranked that year (iso3, ewp_year,
    ewp_rank, ewp_of)."""
    schema = {"iso3": pl.String, "ewp_year": pl.Int64, "ewp_rank": pl.Int64, "ewp_of": pl.Int64}
    if not data.has("indicator_values"):
        return pl.DataFrame(schema=schema)
    return data.warehouse().frame(
        """
        WITH r AS (SELECT iso3, year, value, count(*) OVER (PARTITION BY year) AS n FROM indicator_values
                   WHERE indicator_id = ? AND value IS NOT NULL AND year <= ?)
        SELECT iso3, year AS ewp_year, CAST(value AS BIGINT) AS ewp_rank, n AS ewp_of FROM r
        QUALIFY row_number() OVER (PARTITION BY iso3 ORDER BY year DESC) = 1
        """, [data.EWP_RANK, int(year)]).cast(schema)


def list_year_range(list_id: str, today: dt.date | None = None) -> list[int]:
    """Years a risk-level view can stand at: from the first listing's year to this year (a listing stays the
    latest recorded one until a later one)."""
    df = listings(list_id)
    if df.height == 0:
        return []
    first = df["as_of"].min().year
    last = max((today or dt.date.today()).year, df["as_of"].max().year)
    return list(range(first, last + 1))
