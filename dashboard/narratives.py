"""Curated country narratives: ``data/curated/countries/<ISO3>.md`` with YAML front matter (author, date, sources).

Written by analysts, never generated: when no file exists the page says so (an honest empty state). Sections are
the R2P Monitor ones: Background, Analysis, International Response, Necessary Action (level-2 headings).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SECTIONS = ("Background", "Analysis", "International Response", "Necessary Action")
DEFAULT_DIR = Path("data/curated/countries")
_ISO3 = re.compile(r"^[A-Z]{3}$")


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
    text = path.read_text(encoding="utf-8")
    meta: dict = {}
    problems: list[str] = []
    body = text
    m = re.match(r"^---\s*\n(.*?)\n---\s*\n?(.*)$", text, flags=re.S)
    if m:
        try:
            meta = yaml.safe_load(m.group(1)) or {}
            if not isinstance(meta, dict):
                problems.append("front matter is not a mapping")
                meta = {}
        except yaml.YAMLError as exc:
            problems.append(f"front matter is not valid YAML: {exc.__class__.__name__}")
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
