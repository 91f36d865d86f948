"""Curated country narratives: ``data/curated/countries/<ISO3>.md`` with YAML front matter (author, date, sources).

Written by analysts, never generated: when no file exists the page says so (an honest empty state). Sections are
the R2P Monitor ones: Background, Analysis, International Response, Necessary Action (level-2 headings).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SECTIONS = ("Background", "Analysis", "International Response", "Necessary Action")
DEFAULT_DIR = Path("data/curated/countries")
_ISO3 = re.compile(r"^[A-Z]{3}$")
MAX_FILE_BYTES = 512_000  # a narrative is a few pages of text; a larger file is not read at all
MAX_FRONT_MATTER = 16_000  # author, date and a list of sources


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML without aliases: nested ``*name`` aliases expand to billions of nodes (a "billion laughs" bomb),
    which once made one country page answer 312 MB. Front matter never needs them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, f"aliases (*{event.anchor}) are not accepted",
                                              event.start_mark)
        return super().compose_node(parent, index)


def front_matter(text: str) -> tuple[dict, str]:
    """Parse front matter YAML into a mapping, or ({}, the problem) — never raises, never expands aliases."""
    if len(text) > MAX_FRONT_MATTER:
        return {}, f"front matter is {len(text):,} characters, over the {MAX_FRONT_MATTER:,} limit"
    try:
        meta = yaml.load(text, Loader=_FrontMatterLoader) or {}
    except yaml.YAMLError as exc:
        detail = getattr(exc, "problem", None) or exc.__class__.__name__
        return {}, f"front matter is not valid YAML: {detail}"
    except RecursionError:
        return {}, "front matter is not valid YAML: nested too deeply"
    if not isinstance(meta, dict):
        return {}, "front matter is not a mapping"
    return meta, ""


@dataclass
class Narrative:
    iso3: str
    author: str = ""
    date: str = ""
    sources: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)
    path: str = ""
    problems: list[str] = field(default_factory=list)


def narrative_dir() -> Path:
    return Path(os.environ.get("R2P_NARRATIVES", DEFAULT_DIR))


def load(iso3: str, directory: str | os.PathLike[str] | None = None) -> Narrative | None:
    """Read one country's narrative, or None when there is none (or the code is not an ISO3 code)."""
    if not _ISO3.match(iso3 or ""):
        return None
    path = Path(directory or narrative_dir()) / f"{iso3}.md"
    if not path.is_file():
        return None
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return Narrative(iso3=iso3, path=str(path), problems=[
            f"{path.name} is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for a narrative; not shown"])
    text = path.read_text(encoding="utf-8", errors="replace")
    meta: dict = {}
    problems: list[str] = []
    body = text
    m = re.match(r"^---\s*\n(.*?)\n---\s*\n?(.*)$", text, flags=re.S)
    if m:
        meta, problem = front_matter(m.group(1))
        if problem:
            problems.append(problem)
        body = m.group(2)
    else:
        problems.append("no front matter (author, date, sources)")
    for key in ("author", "date", "sources"):
        if not meta.get(key):
            problems.append(f"front matter lacks '{key}'")
    sections: dict[str, str] = {}
    parts = re.split(r"^##\s+(.+?)\s*$", body, flags=re.M)
    for title, content in zip(parts[1::2], parts[2::2], strict=False):
        key = next((s for s in SECTIONS if s.casefold() == title.strip().casefold()), None)
        if key and content.strip():
            sections[key] = content.strip()
    sources = meta.get("sources") or []
    if isinstance(sources, str):
        sources = [sources]
    return Narrative(iso3=iso3, author=str(meta.get("author") or ""), date=str(meta.get("date") or ""),
                     sources=[str(s) for s in sources], sections=sections, path=str(path), problems=problems)
