"""The one small interface every dataset module implements, and the records it hands to the loader.

A source module (``etl/sources/<dataset>.py``) exposes a ``SOURCE`` object, a subclass of :class:`Source`:

* ``recognise(path, head)`` — does this file belong to me? Decided from the file's *content* (header row,
  JSON keys…), never from its exact name, because users rename downloads.
* ``read_file(path, ctx)`` — read + validate + normalise one file into Polars frames keyed by warehouse table
  (``events``, ``indicator_values``, ``displacement``…), plus row-level rejects. Structural problems (a missing
  column, an HTML page instead of a CSV) raise :class:`SourceError`; the loader then keeps the source's previous
  data and marks it stale.
* ``combine(results)`` — optional cross-file step (e.g. GED: the same event id in several releases is one event).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import polars as pl

if TYPE_CHECKING:
    from etl.countries import Countries

REJECT_SCHEMA = {
    "source_id": pl.String,
    "file_name": pl.String,
    "row_number": pl.Int64,
    "reason": pl.String,
    "raw": pl.String,
}


class SourceError(Exception):
    """A file cannot be loaded at all. The message names file, row and column where known."""

    def __init__(self, file: str | Path, message: str, *, row: int | None = None, column: str | None = None):
        self.file = Path(file).name
        self.row = row
        self.column = column
        self.detail = message
        where = [self.file]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass(frozen=True)
class Download:
    """One file the publisher serves. ``name`` is the local cache name under ``data/raw/<folder>/``."""

    url: str
    name: str
    unzip: bool = False  # extract the archive's members next to it (zip-bomb guarded)
    # a publisher that needs a login (e.g. ACLED): the NAME of the environment variable holding the access token,
    # sent as "Authorization: Bearer …"; the token itself is never written to disk, logs, manifests or exports
    token_env: str = ""


@dataclass(frozen=True)
class Indicator:
    """An entry of the public indicator catalog (warehouse table ``indicators``)."""

    indicator_id: str
    label: str
    unit: str
    description: str
    higher_is_worse: bool | None
    risk_factors: tuple[int, ...] = ()


@dataclass
class Rejects:
    """Row-level rejects of one file: nothing is dropped without a recorded reason."""

    source_id: str
    file_name: str
    frames: list[pl.DataFrame] = field(default_factory=list)
    # (row, why) for codes dropped from a row that still loads for its other codes (a multi-location UCDP row)
    dropped_codes: list[tuple[int, str]] = field(default_factory=list)

    def dropped_note(self) -> str:
        """The file's note about partially attributed rows: how many, and the first few with their reasons."""
        if not self.dropped_codes:
            return ""
        shown = "; ".join(f"row {row}: {why}" for row, why in sorted(self.dropped_codes)[:5])
        more = f" (+{len(self.dropped_codes) - 5} more)" if len(self.dropped_codes) > 5 else ""
        return (f"{len(self.dropped_codes)} location codes not attributed in rows loaded for their other "
                f"locations: {shown}{more}")

    def add_rows(self, rows: pl.DataFrame, reason: str | pl.Expr, row_col: str = "_row") -> None:
        """Record every row of ``rows`` (a slice of the raw frame, with its ``_row`` number) with a reason."""
        if rows.height == 0:
            return
        # one contiguous chunk first: a string expression over a filtered multi-chunk slice of a few million rows
        # panicked inside Polars 2.1.0 (binview index assertion; seen on a 2.5M-row ACLED export)
        rows = rows.rechunk()
        data_cols = [c for c in rows.columns if not c.startswith("_")]
        reason_expr = reason if isinstance(reason, pl.Expr) else pl.lit(reason)
        raw = rows.select(data_cols).to_dicts()
        frame = rows.select(
            pl.lit(self.source_id).alias("source_id"),
            pl.lit(self.file_name).alias("file_name"),
            pl.col(row_col).cast(pl.Int64).alias("row_number"),
            reason_expr.cast(pl.String).alias("reason"),
        ).with_columns(pl.Series("raw", [json.dumps(r, ensure_ascii=False, default=str) for r in raw], dtype=pl.String))
        self.frames.append(frame)

    def add(self, row_number: int | None, reason: str, raw: dict | str | None = None) -> None:
        raw_text = raw if isinstance(raw, str) or raw is None else json.dumps(raw, ensure_ascii=False, default=str)
        self.frames.append(
            pl.DataFrame(
                [{"source_id": self.source_id, "file_name": self.file_name, "row_number": row_number,
                  "reason": reason, "raw": raw_text}],
                schema=REJECT_SCHEMA,
            )
        )

    def frame(self) -> pl.DataFrame:
        if not self.frames:
            return pl.DataFrame(schema=REJECT_SCHEMA)
        return pl.concat([f.select(list(REJECT_SCHEMA)) for f in self.frames], how="vertical")

    def __len__(self) -> int:
        return sum(f.height for f in self.frames)


@dataclass
class FileResult:
    """What one file produced. Invariant: rows_read == loaded + rejected + duplicate + excluded.

    ``rows_excluded`` counts rows that are not about a country at all (e.g. World Bank region aggregates).
    """

    path: Path
    version: str
    rows_read: int
    tables: dict[str, pl.DataFrame]
    rejects: pl.DataFrame
    rows_duplicate: int = 0
    rows_loaded: int | None = None  # defaults to rows_read - rejected - duplicate - excluded
    rows_excluded: int = 0
    note: str = ""

    @property
    def rows_rejected(self) -> int:
        return self.rejects.height

    def loaded(self) -> int:
        if self.rows_loaded is not None:
            return self.rows_loaded
        return self.rows_read - self.rows_rejected - self.rows_duplicate - self.rows_excluded


@dataclass
class Context:
    """What a reader may use: the country resolver and the run's options."""

    countries: Countries
    max_reject_share: float = 0.25  # above this a file is structurally wrong, not just dirty


class Source:
    """Base class of a dataset module. Subclasses set the class attributes and implement two methods."""

    id: ClassVar[str]
    title: ClassVar[str]
    publisher: ClassVar[str]
    licence: ClassVar[str]
    citation: ClassVar[str]
    url: ClassVar[str]  # the dataset's landing page
    folder: ClassVar[str]  # folder name under data/raw/ (and under --from DIR by convention)
    downloads: ClassVar[tuple[Download, ...]] = ()
    indicators: ClassVar[tuple[Indicator, ...]] = ()
    tables: ClassVar[tuple[str, ...]] = ()  # warehouse tables this source writes rows into
    table_schemas: ClassVar[dict[str, dict[str, pl.DataType]]] = {}  # the source's own extra tables, if any
    redistributable: ClassVar[bool] = True
    order: ClassVar[int] = 100  # load order; reference sources (countries) first
    # files in the source's folder it documents as NOT loaded (glob patterns, e.g. a derived template): any other
    # file there that it cannot read fails the source instead of vanishing (docs/reliability.md, "Nothing lost")
    ignore: ClassVar[tuple[str, ...]] = ()
    # shrink guard: the largest share of its loaded rows a source may lose against the warehouse being replaced
    # before the update keeps its previous rows and fails (``--accept-shrink SOURCE`` accepts a real drop)
    max_shrink: ClassVar[float] = 0.20

    def recognise(self, path: Path, head: str) -> bool:
        raise NotImplementedError

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        raise NotImplementedError

    def combine(self, results: list[FileResult], ctx: Context) -> list[FileResult]:
        return results
