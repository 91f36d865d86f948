"""The explorer's state: every filter of `/explore`, parsed and validated once, from the URL or from the controls.

The page, its callbacks and its CSV download all read one frozen ``ExploreState``; the link (``query``) writes it
back. Bad values never fail: they fall back to defaults and, from a URL, say so in a notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from dashboard import data, params
from dashboard import risk as riskdata
from dashboard.queries import fresh_events

MAX_INDICATORS = 6
MAX_COUNTRIES = 8


@dataclass(frozen=True)
class ExploreState:
    """The explorer's filters (URL names in comments where they differ)."""

    region: str = ""
    subregion: str = ""
    factor: int | None = None
    status: tuple[str, ...] = ()  # only countries where ``factor`` has one of these statuses
    indicators: tuple[str, ...] = ()
    y0: int = 0  # from
    y1: int = 0  # to
    violence: tuple[str, ...] = ()
    risk: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # compared in the series
    x: str | None = None  # scatter axes (default: the first two indicators)
    y: str | None = None
    compare: str = ""  # a country whose fatalities UCDP, ACLED and HDX HAPI give side by side
    headline: str = fresh_events.UCDP  # the source drawn as the headline there (the default is left out of the URL)

    @property
    def scatter_x(self) -> str | None:
        return self.x or (self.indicators[0] if self.indicators else None)

    @property
    def scatter_y(self) -> str | None:
        return self.y or (self.indicators[1] if len(self.indicators) > 1 else None)

    @property
    def scatter_ids(self) -> tuple[str, ...]:
        """The scatter's indicators (one when both axes show the same), none without two known axes."""
        known = set(data.indicator_ids())
        xi, yi = self.scatter_x, self.scatter_y
        return tuple(dict.fromkeys((xi, yi))) if xi in known and yi in known else ()  # type: ignore[arg-type]

    def query(self) -> str:
        """The link's query string (what the address bar shows)."""
        return params.encode({"region": self.region, "subregion": self.subregion, "factor": self.factor,
                              "status": list(self.status), "indicators": list(self.indicators), "from": self.y0,
                              "to": self.y1, "violence": list(self.violence), "risk": list(self.risk),
                              "countries": list(self.countries), "x": self.x, "y": self.y,
                              "compare": self.compare,
                              "headline": None if self.headline == fresh_events.UCDP else self.headline})


def spec() -> list[params.Param]:
    """The URL parameters, their defaults and validators."""
    regions = data.regions()
    lo, hi = data.year_bounds()
    default_inds = [i for i in (data.default_indicator(), "ucdp_state_based_deaths") if i in data.indicator_ids()]
    return [
        params.Param("region", "", params.as_choice(list(regions))),
        params.Param("subregion", "", params.as_choice([s for v in regions.values() for s in v])),
        params.Param("factor", None, params.as_int(choices=riskdata.factor_numbers())),
        params.Param("status", [], params.as_choice(riskdata.STATUSES), multi=True),
        params.Param("indicators", list(dict.fromkeys(default_inds)), params.as_choice(data.indicator_ids()),
                     multi=True),
        params.Param("from", max(lo, hi - 10), params.as_int(lo, hi)),
        params.Param("to", hi, params.as_int(lo, hi)),
        params.Param("violence", [], params.as_choice(data.VIOLENCE_TYPES), multi=True),
        params.Param("risk", [], params.as_choice(data.RISK_LEVELS), multi=True),
        params.Param("countries", [], params.as_choice(list(data.country_names()), upper=True), multi=True),
        params.Param("x", None, params.as_choice(data.indicator_ids())),
        params.Param("y", None, params.as_choice(data.indicator_ids())),
        params.Param("compare", "", params.as_choice(list(data.country_names()), upper=True)),
        params.Param("headline", fresh_events.UCDP, params.as_choice(fresh_events.SOURCES)),
    ]


def parse(raw: Mapping[str, Any]) -> tuple[ExploreState, list[str]]:
    """The state from URL parameters (or control values under the same names), with a notice per value dropped."""
    v, notes = params.parse(dict(raw), spec())
    if v["from"] > v["to"]:
        notes.append("'from' is after 'to'; swapped.")
        v["from"], v["to"] = v["to"], v["from"]
    if v["subregion"] and v["region"] and v["subregion"] not in data.regions().get(v["region"], []):
        notes.append(f"Sub-region '{v['subregion']}' is not in region '{v['region']}'; ignored.")
        v["subregion"] = ""
    for name, cap in (("indicators", MAX_INDICATORS), ("countries", MAX_COUNTRIES)):
        if len(v[name]) > cap:
            notes.append(f"At most {cap} {name}; kept the first {cap}.")
            v[name] = v[name][:cap]
    if v["status"] and v["factor"] is None:
        notes.append("The status filter needs a risk factor; ignored.")
        v["status"] = []
    state = ExploreState(v["region"], v["subregion"], v["factor"], tuple(v["status"]), tuple(v["indicators"]),
                         v["from"], v["to"], tuple(v["violence"]), tuple(v["risk"]), tuple(v["countries"]),
                         v["x"], v["y"], v["compare"], v["headline"])
    return state, notes


def from_controls(region: Any, subregion: Any, factor: Any, indicators: Any, years: Any, violence: Any, risk: Any,
                  countries: Any, x: Any, y: Any, status: Any, compare: Any = None,
                  headline: Any = None) -> ExploreState:
    """The state from the page's controls (a browser can send anything: the same validation as a URL)."""
    y0, y1 = years if isinstance(years, list | tuple) and len(years) == 2 else (None, None)
    raw = {"region": region, "subregion": subregion, "factor": factor, "status": status, "indicators": indicators,
           "from": y0, "to": y1, "violence": violence, "risk": risk, "countries": countries, "x": x, "y": y,
           "compare": compare, "headline": headline}
    state = parse({k: _listed(v) for k, v in raw.items()})[0]
    # an emptied indicator menu means none (the URL's default is for a link without the parameter)
    return state if _listed(indicators) is not None else replace(state, indicators=())


def _listed(value: Any) -> Any:
    """A control's value as the URL parser takes it: no value is None; a list of text stays a list."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        return [str(x) for x in value if x is not None] or None
    return value if isinstance(value, str | int) and not isinstance(value, bool) else str(value)
