"""Country-page panels as data: a section returns what it shows together with the sources it used, and the page is
a list of panels (anchor, menu label, builder), so adding a section is one entry in that list."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Section:
    """What a section shows (Dash components) and the source ids behind it."""

    children: tuple[Any, ...]
    sources: tuple[str, ...] = ()

    @staticmethod
    def of(*children: Any, sources: Iterable[str] = ()) -> Section:
        return Section(tuple(c for c in children if c is not None), tuple(dict.fromkeys(s for s in sources if s)))

    def __add__(self, other: Section) -> Section:
        return Section(self.children + other.children, tuple(dict.fromkeys(self.sources + other.sources)))


@dataclass(frozen=True)
class Panel:
    """One section of the country page: its anchor id, its label in the section menu and its builder."""

    anchor: str
    label: str
    build: Callable[..., Section]
    heading: str = ""
    in_menu: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def analyst_mode() -> bool:
    """Analysts' how-to text (repository paths, file formats) is shown only when the app runs with R2P_ANALYST=1."""
    return os.environ.get("R2P_ANALYST", "").strip() in ("1", "true", "yes")
