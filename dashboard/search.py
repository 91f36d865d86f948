"""The navbar's country search: a text box with suggestions (a native ``<input list>``, so keyboard and screen
reader work as in any form) that goes to ``/country/<ISO3>``.

A country is found by its ISO3 code, the warehouse's name, pycountry's name / common name / official name, or one of
the everyday names in ``ALIASES`` (names readers type that none of those hold: "Burma", "DRC", "Ivory Coast"…).
Matching ignores case, accents and punctuation."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pycountry
from dash import Input, Output, State, callback, dcc, html, no_update

from dashboard import data

INPUT = "country-search"
OPTIONS = "country-search-options"
NAV = "country-search-nav"

# Everyday names → ISO3 that neither the warehouse (M49 names) nor pycountry's names give. Keep it short and
# uncontroversial: these only route a search; the page shows the warehouse's name.
ALIASES: dict[str, str] = {
    "Burma": "MMR", "DRC": "COD", "DR Congo": "COD", "Congo-Kinshasa": "COD", "Congo Kinshasa": "COD",
    "Congo-Brazzaville": "COG", "Ivory Coast": "CIV", "Cote d'Ivoire": "CIV", "Syria": "SYR", "North Korea": "PRK",
    "DPRK": "PRK", "South Korea": "KOR", "Iran": "IRN", "Russia": "RUS", "Laos": "LAO", "Vietnam": "VNM",
    "Palestine": "PSE", "Gaza": "PSE", "West Bank": "PSE", "Occupied Palestinian Territory": "PSE", "OPT": "PSE",
    "Tanzania": "TZA", "Bolivia": "BOL", "Venezuela": "VEN", "Moldova": "MDA", "Turkey": "TUR",
    "Czech Republic": "CZE", "East Timor": "TLS", "Cape Verde": "CPV", "Swaziland": "SWZ", "Macedonia": "MKD",
    "UK": "GBR", "Britain": "GBR", "Great Britain": "GBR", "USA": "USA", "US": "USA", "America": "USA",
    "UAE": "ARE", "CAR": "CAF", "South Sudan": "SSD", "Sudan": "SDN", "Kosovo": "XKX", "Micronesia": "FSM",
    "Brunei": "BRN", "Holland": "NLD", "Vatican": "VAT",
}


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces ("Côte d’Ivoire" → "cote d ivoire")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain.lower()).split())


@data.cached
def names() -> dict[str, list[str]]:
    """ISO3 → every name it can be found by (the warehouse's name first), for countries in the warehouse."""
    out: dict[str, list[str]] = {}
    for iso3, name in data.country_names().items():
        found = [name, iso3]
        entry = pycountry.countries.get(alpha_3=iso3)
        if entry is not None:
            found += [getattr(entry, k, None) for k in ("name", "common_name", "official_name")]
        out[iso3] = list(dict.fromkeys(n for n in found if n))
    for alias, iso3 in ALIASES.items():
        if iso3 in out and alias not in out[iso3]:
            out[iso3].append(alias)
    return out


@data.cached
def _index() -> dict[str, str]:
    """normalised name → ISO3 (also every suggestion's own text, so picking one resolves)."""
    index: dict[str, str] = {}
    for iso3, found in names().items():
        for n in found:
            index.setdefault(normalise(n), iso3)
        for text in suggestions_for(iso3):
            index.setdefault(normalise(text), iso3)
    return index


def suggestions_for(iso3: str) -> list[str]:
    """The suggestion texts of one country: "Myanmar (MMR)" and each other name, "Burma → Myanmar (MMR)"."""
    found = names()[iso3]
    main = f"{found[0]} ({iso3})"
    others = [n for n in found[2:] if normalise(n) != normalise(found[0]) and ", " not in n]  # not "Korea, Republic of"
    return [main, *[f"{n} → {main}" for n in others]]


def resolve(text: Any) -> str | None:
    """The ISO3 a typed text names, or None: exact (normalised) name, alias, code or suggestion; else the only
    country whose name starts with it."""
    if not isinstance(text, str) or not text.strip():
        return None
    key = normalise(text)
    index = _index()
    if key in index:
        return index[key]
    starts = {iso3 for n, iso3 in index.items() if n.startswith(key)}
    return starts.pop() if len(starts) == 1 else None


def box() -> html.Form:
    """The navbar search form (a visually hidden label; suggestions from a datalist)."""
    try:
        options = _options()
    except data.WarehouseMissing:  # the pages say what is missing; the box then only takes codes and names
        options = []
    return html.Div([
        html.Label("Find a country", htmlFor=INPUT, className="visually-hidden"),
        dcc.Input(id=INPUT, type="search", list=OPTIONS, placeholder="Find a country…", debounce=False,
                  autoComplete="off", className="form-control form-control-sm", style={"minWidth": "12rem"}),
        html.Datalist(id=OPTIONS, children=options),
        html.Div(id=INPUT + "-status", role="status", className="visually-hidden"),
        dcc.Location(id=NAV, refresh=True),
    ], className="country-search d-flex align-items-center ms-lg-auto my-2 my-lg-0", role="search")


@data.cached
def _options() -> list[html.Option]:
    return [html.Option(value=t) for iso3 in sorted(names(), key=lambda c: names()[c][0])
            for t in suggestions_for(iso3)]


@callback(
    Output(NAV, "href"),
    Output(INPUT + "-status", "children"),
    Input(INPUT, "n_submit"),
    Input(INPUT, "value"),
    State(INPUT, "value"),
    prevent_initial_call=True,
)
def go(_submitted: Any, typed: Any, value: Any) -> tuple:
    """Enter goes to the country the text names; picking a suggestion goes at once."""
    from dash import ctx

    if ctx.triggered_id == INPUT and ctx.triggered and ctx.triggered[0]["prop_id"].endswith(".value"):
        iso3 = _index().get(normalise(typed)) if isinstance(typed, str) and "(" in typed else None
        return (f"/country/{iso3}", no_update) if iso3 else (no_update, no_update)
    iso3 = resolve(value)
    if iso3 is None:
        return no_update, f"No country matches “{value}”." if value else no_update
    return f"/country/{iso3}", no_update
