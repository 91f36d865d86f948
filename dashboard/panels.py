"""Country-page panels as data: a section returns what it shows together with the sources it used, and the page is
a list of panels (anchor, menu label, builder), so adding a section is one entry in that list."""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any


# Panels read the warehouse through their own DuckDB cursors, and DuckDB releases the GIL while a query runs, so
# building them side by side overlaps one panel's queries with another's Python (a country page at 3M events:
# ~110 ms one after the other). A small pool per process; R2P_PANEL_THREADS=1 builds them in order.
def _threads(raw: str | None, default: int = 3) -> int:
    """R2P_PANEL_THREADS as a count ≥ 1; a blank or malformed value keeps the default (never a failed start)."""
    try:
        return max(1, int(raw)) if raw and raw.strip() else default
    except ValueError:
        return default


PANEL_THREADS = _threads(os.environ.get("R2P_PANEL_THREADS"))
_POOL = ThreadPoolExecutor(max_workers=PANEL_THREADS, thread_name_prefix="panel")


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


def build_all(panels: Sequence[Panel], ctx: Any) -> list[tuple[Panel, Section]]:
    """Each panel with what it built, in page order. Every build runs in a copy of the caller's context (the pinned
    warehouse stamp, Dash's callback context), so all panels read one warehouse version."""
    if PANEL_THREADS == 1:
        return [(p, p.build(ctx)) for p in panels]
    futures = [_POOL.submit(contextvars.copy_context().run, p.build, ctx) for p in panels]
    return [(p, f.result()) for p, f in zip(panels, futures, strict=True)]


def analyst_mode() -> bool:
    """Analysts' how-to text (repository paths, file formats) is shown only when the app runs with R2P_ANALYST=1."""
    return os.environ.get("R2P_ANALYST", "").strip() in ("1", "true", "yes")
