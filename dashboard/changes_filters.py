"""The /changes filters as URL parameters, shared by the page (bad value → notice) and the feed (bad value → 400)."""

from __future__ import annotations

from datetime import date
from typing import Any

from dashboard import data, params
from dashboard.queries import changes as q


def _date(text: str) -> date:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(f"'{str(text)[:40]}' is not a date (YYYY-MM-DD)") from None


def _region(text: str) -> str:
    name = q.region_name(str(text))
    if name is None:
        raise ValueError(f"'{str(text)[:40]}' is not an M49 region (name or code: "
                         + ", ".join(f"{c} {n}" for c, n in q.REGION_CODES.items()) + ")")
    return name


def _iso3(text: str) -> str:
    code = str(text).strip().upper()
    if code not in data.country_names():
        raise ValueError(f"'{code[:40]}' is not a known ISO3 country code")
    return code


def spec() -> list[params.Param]:
    return [
        params.Param("since", None, _date),
        params.Param("region", None, _region),
        params.Param("iso3", [], _iso3, multi=True),
        params.Param("factor", None, params.as_int(1, 14)),
        params.Param("kind", [], params.as_choice(q.KINDS), multi=True),
        params.Param("direction", [], params.as_choice(q.DIRECTIONS), multi=True),
        params.Param("min_severity", None, params.as_choice(q.SEVERITIES)),
    ]


def to_filters(values: dict[str, Any]) -> q.Filters:
    return q.Filters(since=values["since"], region=values["region"], iso3=tuple(values["iso3"]),
                     factor=values["factor"], kind=tuple(values["kind"]), direction=tuple(values["direction"]),
                     min_severity=values["min_severity"])


def strict(args: dict[str, Any]) -> q.Filters:
    """Parse or raise ValueError naming the first bad or unknown parameter (the feed answers 400 with it)."""
    known = {p.name for p in spec()}
    for name in args:
        if name not in known:
            raise ValueError(f"unknown parameter '{name[:40]}' (known: {', '.join(sorted(known))})")
    values, notes = params.parse(args, spec())
    if notes:
        raise ValueError(notes[0].replace("Ignored parameter", "parameter").replace("; using the default.", ""))
    return to_filters(values)


def encode(f: q.Filters) -> str:
    return params.encode({"since": f.since.isoformat() if f.since else None, "region": f.region,
                          "iso3": list(f.iso3), "factor": f.factor, "kind": list(f.kind),
                          "direction": list(f.direction), "min_severity": f.min_severity})
