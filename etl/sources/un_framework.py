"""UN Framework of Analysis for Atrocity Crimes (2014): the 14 risk factors, as data bundled with the code.

The factors are reference data, like the country list: they ship in ``etl/reference/risk_factors.csv`` and are
reloaded on every update (the runner always runs sources with ``bundled`` files), so the ``risk_factors`` table
always matches the code that rates them (etl/derive/). Factors 4, 5, 10, 12 and 14 are ``evidence_only``: no
public quantitative proxy is good enough, so their status is never a score — only analyst evidence.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, FileResult, Rejects, Source, SourceError
from etl.readers import header_of, read_delimited

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "risk_factors.csv"
COLUMNS = ("factor", "name", "definition", "crimes", "kind", "evidence_only")
CRIMES = ("common", "genocide", "crimes against humanity", "war crimes")
KINDS = ("common", "specific")
EVIDENCE_ONLY = (4, 5, 10, 12, 14)


class UnFramework(Source):
    id = "un_framework"
    title = "UN Framework of Analysis for Atrocity Crimes — the 14 risk factors"
    publisher = "United Nations Office on Genocide Prevention and the Responsibility to Protect"
    licence = "Factor names and short definitions quoted from a UN publication, with attribution"
    citation = ("UN Office on Genocide Prevention and the Responsibility to Protect, Framework of Analysis for "
                "Atrocity Crimes: A tool for prevention, United Nations, 2014.")
    url = "https://www.un.org/en/genocideprevention/"  # the Office's site, which publishes the Framework
    folder = "reference"
    bundled: ClassVar[tuple[Path, ...]] = (REFERENCE,)
    table_schemas: ClassVar = {
        "risk_factors": {
            "factor": pl.Int64, "name": pl.String, "definition": pl.String, "crimes": pl.List(pl.String),
            "kind": pl.String, "evidence_only": pl.Boolean, "file_name": pl.String, "row_number": pl.Int64,
        },
    }
    order = 5

    def recognise(self, path: Path, head: str) -> bool:
        return set(COLUMNS) <= set(header_of(head))

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        """All 14 factors or nothing: a half-read Framework would silently drop factors from every country board."""
        df = read_delimited(path, separator=",", required=COLUMNS)
        rows = []
        for rec in df.iter_rows(named=True):
            row = rec["_row"]
            try:
                factor = int((rec["factor"] or "").strip())
            except ValueError:
                raise SourceError(path, f"'{rec['factor']}' is not a factor number 1–14", row=row,
                                  column="factor") from None
            crimes = [c.strip() for c in (rec["crimes"] or "").split(";") if c.strip()]
            if not crimes or any(c not in CRIMES for c in crimes):
                raise SourceError(path, f"crimes '{rec['crimes']}' must be ';'-separated values of "
                                        f"{', '.join(CRIMES)}", row=row, column="crimes")
            kind = (rec["kind"] or "").strip()
            if kind not in KINDS:
                raise SourceError(path, f"kind '{kind}' is not one of {', '.join(KINDS)}", row=row, column="kind")
            flag = (rec["evidence_only"] or "").strip().lower()
            if flag not in ("true", "false"):
                raise SourceError(path, f"evidence_only '{flag}' is not true/false", row=row, column="evidence_only")
            for col in ("name", "definition"):
                if not (rec[col] or "").strip():
                    raise SourceError(path, f"{col} is empty", row=row, column=col)
            rows.append({"factor": factor, "name": rec["name"].strip(), "definition": rec["definition"].strip(),
                         "crimes": crimes, "kind": kind, "evidence_only": flag == "true",
                         "file_name": path.name, "row_number": row})
        factors = sorted(r["factor"] for r in rows)
        if factors != list(range(1, 15)):
            raise SourceError(path, f"expected factors 1–14 exactly once each, found {factors}", column="factor")
        out = pl.DataFrame(rows, schema=self.table_schemas["risk_factors"]).sort("factor")
        return FileResult(path, "Framework of Analysis for Atrocity Crimes (2014)", df.height, {"risk_factors": out},
                          Rejects(self.id, path.name).frame())


SOURCE = UnFramework()
