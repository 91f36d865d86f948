"""Analyst evidence on the UN Framework risk factors: ``data/curated/evidence/<ISO3>.yaml``.

Evidence is what fills the factors no public dataset measures (4, 5, 10, 12, 14) and what explains the others:
a dated claim, the public document it comes from (a commission of inquiry, a Human Rights Council report…)
and who wrote it down. Analysts edit these files by hand, so a mistake must never break an update: a bad file
or item becomes a reject whose reason names the file, the item and the field, and every other item still loads.

File format (see data/curated/evidence/README.md)::

    - factor: 9
      date: 2024-05-02
      claim: "…"
      citation: https://…
      author: "A. Analyst"

A top-level mapping with an ``items:`` list is accepted too. Files are read from ``data/curated/evidence/`` (or
the folder named by the ``R2P_EVIDENCE`` environment variable) and from ``--from`` folders. ``stale`` and
``stale_reason`` are filled after all sources are loaded (etl/derive/), from the proxies of the item's factor.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlparse

import polars as pl
import yaml

from etl.model import Context, FileResult, Rejects, Source

SUFFIXES = (".yaml", ".yml")
FIELDS = ("factor", "date", "claim", "citation", "author")
SCHEMA = {
    "iso3": pl.String, "factor": pl.Int64, "date": pl.Date, "claim": pl.String, "citation_url": pl.String,
    "author": pl.String, "file_name": pl.String, "row_number": pl.Int64, "stale": pl.Boolean,
    "stale_reason": pl.String,
}
RAW_LIMIT = 2000  # characters of a rejected file kept in rejects.raw
MAX_FILE_BYTES = 1_000_000  # a country's evidence is a few kB; a larger file is refused before it is parsed


class _Loader(yaml.SafeLoader):
    """Safe YAML with dates kept as text, so an impossible date (2023-02-30) rejects one item, not the file.

    Aliases (``*name``) are refused: a few lines of nested aliases expand to billions of nodes (a "billion laughs"
    bomb) and analysts' evidence never needs them. The refusal is a YAML error, so the file is one reject.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, f"aliases (*{event.anchor}) are not accepted; write "
                                              "the value out", event.start_mark)
        return super().compose_node(parent, index)


_Loader.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class Evidence(Source):
    id = "evidence"
    title = "Analyst evidence on the UN Framework of Analysis risk factors"
    publisher = "Analysts of this deployment (data/curated/evidence/)"
    licence = "Set by the deployment; each item cites its own public source"
    citation = "Analyst evidence items; each item carries its own citation URL and author."
    url = "https://www.un.org/en/genocideprevention/"
    folder = "evidence"
    optional_input: ClassVar[bool] = True  # no evidence yet is normal, not a failed source
    table_schemas: ClassVar = {"evidence": SCHEMA}
    order = 90

    def recognise(self, path: Path, head: str) -> bool:
        if path.suffix.lower() not in SUFFIXES:
            return False
        return (path.parent.name.lower() == "evidence" or re.fullmatch(r"[A-Za-z]{3}", path.stem) is not None
                or "claim" in head)

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        rejects = Rejects(self.id, path.name)
        empty = pl.DataFrame(schema=SCHEMA)

        def whole_file(problem: str, raw: str) -> FileResult:
            rejects.add(None, f"{path.name}: {problem}", raw[:RAW_LIMIT])
            return FileResult(path, "rejected", 1, {"evidence": empty}, rejects.frame())

        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            with path.open("rb") as fh:
                head = fh.read(RAW_LIMIT).decode("utf-8", errors="replace")
            return whole_file(f"{size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for one evidence file; "
                              "split it or remove what is not evidence", head)
        raw_bytes = path.read_bytes()
        try:
            text = raw_bytes.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            return whole_file(f"not UTF-8 text (byte 0x{raw_bytes[err.start]:02x} at offset {err.start}); "
                              "save the file as UTF-8", raw_bytes[:RAW_LIMIT].decode("latin-1"))
        try:
            doc = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: no arbitrary objects
        except (yaml.YAMLError, ValueError) as err:
            mark = getattr(err, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(err, "problem", None) or str(err).splitlines()[0]
            return whole_file(f"not valid YAML{where}: {problem}", text)
        except RecursionError:
            return whole_file("not valid YAML: nested too deeply", text)
        if isinstance(doc, dict) and "items" not in doc:
            return whole_file(f"a mapping needs an 'items:' list of evidence items (found keys: "
                              f"{', '.join(map(str, doc))})", text)
        items = doc.get("items") if isinstance(doc, dict) else doc
        if items is None:
            items = []
        if not isinstance(items, list):
            return whole_file("expected a list of evidence items (or a mapping with an 'items:' list), found "
                              f"{type(doc).__name__}", text)
        country = ctx.countries.lookup(path.stem.upper(), "iso3")
        if country.action != "map" or not re.fullmatch(r"[A-Za-z]{3}", path.stem):
            return whole_file(f"the file name must be <ISO3>.yaml: '{path.stem}' is not a known ISO 3166 alpha-3 "
                              "country code (e.g. MMR.yaml)", text)
        rows = []
        today = dt.date.today()
        for number, item in enumerate(items, start=1):
            problems, row = check_item(item, today)
            if problems:
                detail = "; ".join(f"field '{f}': {msg}" if f else msg for f, msg in problems)
                rejects.add(number, f"{path.name}, item {number}: {detail}", _jsonable(item))
                continue
            rows.append({"iso3": country.iso3, **row, "file_name": path.name, "row_number": number,
                         "stale": None, "stale_reason": None})
        out = pl.DataFrame(rows, schema=SCHEMA)
        version = f"items dated to {out['date'].max()}" if out.height else "no valid items"
        return FileResult(path, version, len(items), {"evidence": out}, rejects.frame())


def check_item(item: Any, today: dt.date) -> tuple[list[tuple[str | None, str]], dict]:
    """Validate one evidence item: (problems as (field, message), normalised values). Why: every problem at once,
    so an analyst fixes a file in one pass."""
    if not isinstance(item, dict):
        return [(None, f"expected a mapping with {', '.join(FIELDS)}, found {type(item).__name__}")], {}
    problems: list[tuple[str | None, str]] = []
    row: dict[str, Any] = {}
    factor = item.get("factor")
    if isinstance(factor, str) and factor.strip().isdigit():
        factor = int(factor.strip())
    if factor is None:
        problems.append(("factor", "missing"))
    elif isinstance(factor, bool) or not isinstance(factor, int) or not 1 <= factor <= 14:
        problems.append(("factor", f"'{factor}' is not a risk factor of the UN Framework (1–14)"))
    else:
        row["factor"] = factor
    date = item.get("date")
    if isinstance(date, dt.datetime):
        date = date.date()
    elif isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date.strip())
        except ValueError:
            problems.append(("date", f"'{date}' is not a date (YYYY-MM-DD)"))
            date = None
    elif date is not None and not isinstance(date, dt.date):
        problems.append(("date", f"'{date}' is not a date (YYYY-MM-DD)"))
        date = None
    if "date" not in item or item.get("date") is None:
        problems.append(("date", "missing"))
    elif isinstance(date, dt.date):
        if date > today:
            problems.append(("date", f"{date.isoformat()} is in the future"))
        else:
            row["date"] = date
    citation = item.get("citation")
    if citation is None or (isinstance(citation, str) and not citation.strip()):
        problems.append(("citation", "missing (a public http(s) URL)"))
    elif not _is_url(citation):
        problems.append(("citation", f"'{citation}' is not an http(s) URL"))
    else:
        row["citation_url"] = citation.strip()
    for field in ("claim", "author"):
        value = item.get(field)
        if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value).strip():
            problems.append((field, "missing" if value in (None, "") else f"'{value}' is not text"))
        else:
            row[field] = str(value).strip()
    return problems, row


def _is_url(value: Any) -> bool:
    if not isinstance(value, str) or any(ch.isspace() for ch in value.strip()):
        return False
    parts = urlparse(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _jsonable(item: Any) -> Any:
    """Dates in YAML become date objects; keep the raw item as text-friendly JSON."""
    if isinstance(item, dict):
        return {str(k): _jsonable(v) for k, v in item.items()}
    if isinstance(item, list):
        return [_jsonable(v) for v in item]
    if isinstance(item, dt.date):
        return item.isoformat()
    return item


SOURCE = Evidence()
