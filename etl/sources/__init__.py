"""The dataset registry: one module per dataset, each exposing ``SOURCE`` (see etl/model.py)."""

from __future__ import annotations

import importlib
import pkgutil

from etl.model import Source


def all_sources() -> list[Source]:
    """Every ``etl/sources/*.py`` module's SOURCE, in load order (reference data first)."""
    found: list[Source] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        source = getattr(module, "SOURCE", None)
        if isinstance(source, Source):
            found.append(source)
    return sorted(found, key=lambda s: (s.order, s.id))


def by_id() -> dict[str, Source]:
    return {s.id: s for s in all_sources()}
