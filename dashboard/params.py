"""URL state: parse and validate query-string parameters; bad values fall back to defaults with a notice.

Every filter lives in the query string so that a link reproduces exactly what was seen. Pages declare a spec,
get (values, notices) back, and write the current filters back with ``encode``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

RESERVED = {"pathname_", "search_"}


@dataclass
class Param:
    """One query parameter: a validator turns the raw text into a value or raises ValueError."""

    name: str
    default: Any
    parse: Callable[[str], Any]
    multi: bool = False
    help: str = ""
    extra: dict = field(default_factory=dict)


def as_int(lo: int | None = None, hi: int | None = None, choices: Sequence[int] | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(str(text).strip())
        if choices is not None and value not in choices:
            raise ValueError(f"{value} is not available")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ValueError(f"{value} is outside {lo}–{hi}")
        return value
    return parse


def as_choice(choices: Sequence[str], upper: bool = False) -> Callable[[str], str]:
    allowed = list(choices)

    def parse(text: str) -> str:
        value = str(text).strip()
        value = value.upper() if upper else value
        if value not in allowed:
            raise ValueError(f"'{value[:40]}' is not a known value")
        return value
    return parse


def _split(raw: Any) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for item in items:
        out.extend(p for p in str(item).split(",") if p.strip())
    return out


def parse(kwargs: dict[str, Any], spec: Sequence[Param]) -> tuple[dict[str, Any], list[str]]:
    """Validate query parameters against ``spec``; unknown parameters and bad values produce notices."""
    values: dict[str, Any] = {}
    notices: list[str] = []
    known = {p.name for p in spec}
    for p in spec:
        raw = kwargs.get(p.name)
        if raw is None or raw == "" or raw == []:
            values[p.name] = p.default
            continue
        try:
            if p.multi:
                parsed = [p.parse(x) for x in _split(raw)]
                values[p.name] = list(dict.fromkeys(parsed))
            else:
                if isinstance(raw, list):
                    raise ValueError("given more than once")
                values[p.name] = p.parse(raw)
        except (ValueError, TypeError) as exc:
            values[p.name] = p.default
            notices.append(f"Ignored parameter '{p.name}': {exc}; using the default.")
    for name in kwargs:
        if name not in known and name not in RESERVED and not name.startswith("_"):
            notices.append(f"Ignored unknown parameter '{name[:40]}'.")
    return values, notices


def encode(values: dict[str, Any]) -> str:
    """Query string ('?a=1&b=x,y') of the non-empty values, lists joined by commas."""
    pairs = []
    for k, v in values.items():
        if v is None or v == "" or v == []:
            continue
        pairs.append((k, ",".join(str(x) for x in v) if isinstance(v, list | tuple) else str(v)))
    return "?" + urlencode(pairs, safe=",") if pairs else ""
