"""The explorer's partial answers: an answer leaves out a part of the page (series, scatter, grid) whose inputs did
not change, so the page it leaves behind must be, byte for byte, the page a full answer would give — after every
step of a walk through the controls, and also when an earlier answer was dropped (Dash drops an in-flight answer
when the same callback fires again). Real data from ../shared."""

from __future__ import annotations

import collections
import random
from pathlib import Path

import pytest

OUTPUTS = ("series", "scatter", "rows", "cols", "csv", "count", "query")
START = {"region": "", "subregion": "", "factor": None, "indicators": ["ucdp_state_based_deaths", "population"],
         "y0": 2010, "y1": 2022, "violence": [], "risk": [], "chosen": [], "x": None, "y": None, "status": []}
# one control at a time, as a user changes them
WALK = [
    {"chosen": ["SDN", "UKR"]},                       # the series only
    {"x": "pts_amnesty"},                             # the scatter only
    {"violence": ["one-sided"]},                      # nothing but the query string and the CSV's filter line
    {"y": "vdem_v2x_polyarchy"},
    {"region": "Africa"},                             # everything
    {"subregion": "Sub-Saharan Africa"},
    {"chosen": ["SDN", "FRA"]},                       # France is not in Africa: Sudan alone
    {"indicators": ["pts_amnesty", "population", "ucdp_state_based_deaths"]},
    {"y0": 2018},
    {"y1": 2020},
    {"x": None, "y": None},                           # the scatter falls back to the first two indicators
    {"risk": ["Current Crisis"]},
    {"chosen": [], "subregion": ""},
    {"region": "", "risk": []},
    {"factor": 1, "status": ["elevated", "watch"]},
    {"factor": 2},
    {"status": ["elevated"]},
    {"x": "population", "y": "population"},            # one indicator on both axes
    {"indicators": []},                               # no series, no grid; the scatter stays
    {"factor": None, "status": []},
    {"indicators": ["ewp_onset_risk_2yr", "population"], "y0": 2000, "y1": 2010},  # the first has no values
    {"chosen": ["SDN"]},
]


@pytest.fixture(scope="module")
def explore(shared_warehouse: Path):
    from dashboard.server import create_app

    create_app(shared_warehouse)
    from dashboard.pages import explore

    return explore


def _answer(explore, state: dict, shown) -> tuple[dict, dict]:
    """(outputs by name, drawn_from keys) of one callback answer, from the controls' values as the browser sends
    them."""
    from dashboard.explore_state import from_controls

    parsed = from_controls(state["region"], state["subregion"], state["factor"], state["indicators"],
                           [state["y0"], state["y1"]], state["violence"], state["risk"], state["chosen"], state["x"],
                           state["y"], state["status"])
    answer = explore.build(parsed, shown=shown)
    return {name: getattr(answer, name) for name in OUTPUTS}, answer.shown


def _bytes(page: dict) -> dict[str, str]:
    from dashboard.fast_json import to_json

    return {k: to_json(v) for k, v in page.items()}


def test_partial_answers_leave_the_page_a_full_answer_gives(explore):
    from dash import no_update

    state = dict(START)
    page, shown = _answer(explore, state, None)
    left_out: collections.Counter = collections.Counter()
    for change in WALK:
        state.update(change)
        full, keys = _answer(explore, state, None)
        part, part_keys = _answer(explore, state, shown)
        assert part_keys == keys
        for name, value in part.items():
            if value is no_update:
                left_out[name] += 1
            else:
                page[name] = value
        assert _bytes(page) == _bytes(full), change
        shown = keys
    # each part was left out somewhere on the walk, and drawn elsewhere (the walk tests both ways)
    assert {"series", "scatter", "rows", "cols", "count"} <= set(left_out)
    assert all(n < len(WALK) for n in left_out.values())
    assert "csv" not in left_out and "query" not in left_out  # they name every control: always sent


def test_a_dropped_answer_is_made_up_by_the_next(explore):
    """The page's record of what it shows moves only with the answers it receives: when an answer is dropped, the
    next one redraws what the dropped one would have."""
    from dash import no_update

    rng = random.Random(6)
    state = dict(START)
    page, shown = _answer(explore, state, None)
    dropped = 0
    for change in WALK * 2:
        state.update(change)
        part, keys = _answer(explore, state, shown)
        if rng.random() < 0.35:  # this answer never reaches the page
            dropped += 1
            continue
        page.update({k: v for k, v in part.items() if v is not no_update})
        shown = keys
        assert _bytes(page) == _bytes(_answer(explore, state, None)[0]), change
    assert dropped >= 5


def test_what_the_page_claims_to_show_is_not_trusted_blindly(explore):
    """A missing, malformed or foreign record gives a full answer (never an error, never a stale part)."""
    from dash import no_update

    for shown in (None, "x", [1, 2], {"series": 3}, {"grid": None, "other": "y"}):
        part, _keys = _answer(explore, dict(START), shown)
        assert not any(v is no_update for v in part.values())


def test_the_two_csv_downloads_write_numbers_alike(explore):
    """The server's CSV writes numbers as the grid's own export does (raw values, no thousands separator, no
    '.0'): issue 18 found '700.0' in one and '1,264' in the other."""
    import polars as pl

    wide = pl.DataFrame({"iso3": ["A", "B", "C"], "v": [700.0, 1264.0, 0.25], "w": [None, 2.5, 3.0]})
    assert explore.csv_numbers(wide).write_csv() == "iso3,v,w\nA,700,\nB,1264,2.5\nC,0.25,3\n"
    cols = explore._grid(wide.with_columns(pl.lit("n").alias("name")), ("v",))[1]
    assert [c.get("useValueFormatterForExport") for c in cols if c["field"] == "v"] == [False]


def test_choosing_a_factor_keeps_the_chosen_indicators(explore):
    """A link with a risk factor and indicators outside it keeps them (shown and offered), with rows."""
    from dashboard.explore_state import parse

    state, notes = parse({"factor": "11", "indicators": "ucdp_state_based_deaths,population"})
    assert state.indicators == ("ucdp_state_based_deaths", "population") and notes == []
    offered = {o["value"] for o in explore.indicator_options(state.factor, state.violence, state.indicators)}
    assert set(state.indicators) <= offered
    assert explore.build(state).count.split()[0] != "0"
