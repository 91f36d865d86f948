"""UN Security Council meetings and outcomes, 1946 – June 2022 (Dag Hammarskjöld Library "scact" tables).

The library publishes one HTML table per year ("Meetings conducted by the Security Council in YEAR"): meeting
record, date, topic and outcome (S/RES or S/PRST symbol, vote). The 2020–2022 pages carry extra columns (webcast,
letters), so columns are found by their header text, not position. Each outcome becomes one
``security_council_outcomes`` row; its topic is mapped to countries through ``etl/reference/unsc_topics.csv``
(regular expression → ISO3 list). A thematic topic ("Children and armed conflict") maps to nothing and goes to
``rejects`` with that reason, so the share of outcomes placed on a country page is visible and auditable.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import polars as pl

from etl.model import Context, FileResult, Rejects, Source, SourceError

TOPICS_CSV = Path(__file__).resolve().parents[1] / "reference" / "unsc_topics.csv"
TITLE_RE = re.compile(r"Meetings\s+conducted\s+by\s+the\s+Security\s+Council\s+in\s+(\d{4})", re.I)
OUTCOME_RE = re.compile(r"S/(?:RES/\d+\s*\(\d{4}\)|PRST/\d{4}/\d+)")
SYMBOL_YEAR_RE = re.compile(r"S/(?:RES/\d+\s*\((\d{4})\)|PRST/(\d{4})/\d+)")
VOTE_RE = re.compile(r"\b(\d{1,2}-\d{1,2}-\d{1,2})\b")
MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                      "september", "october", "november", "december"), start=1)}


@dataclass
class _Rows(HTMLParser):
    """Collects the text of every table cell, row by row (the pages are hand-written HTML: unclosed tags abound)."""

    rows: list[list[str]] = field(default_factory=list)
    _cell: list[str] | None = None

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._close()
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "tr"):
            self._close()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _close(self) -> None:
        if self._cell is not None and self.rows:
            self.rows[-1].append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
        self._cell = None


@cache
def topic_rules() -> tuple[tuple[re.Pattern, tuple[str, ...]], ...]:
    """The reference table: (compiled pattern, ISO3 codes) rows; every matching row contributes its codes."""
    df = pl.read_csv(TOPICS_CSV, comment_prefix="#", infer_schema=False)
    return tuple((re.compile(r["pattern"], re.I), tuple(x.strip() for x in r["iso3"].split(";") if x.strip()))
                 for r in df.iter_rows(named=True))


def topic_countries(topic: str) -> tuple[str, ...]:
    """Every country a topic names, in reference-table order; () for a regional or thematic topic."""
    found = [code for pattern, iso3 in topic_rules() if pattern.search(topic) for code in iso3]
    return tuple(dict.fromkeys(found))


def _date(text: str, year: int) -> dt.date | None:
    m = re.match(r"(\d{1,2})\s+([A-Za-z]+)|([A-Za-z]+)\s+(\d{1,2})", text.strip())
    if not m:
        return None
    day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
    try:
        return dt.date(year, MONTHS[month.lower()], int(day))
    except (KeyError, ValueError):
        return None


def parse_page(text: str) -> tuple[int, list[dict]]:
    """The page's year and its data rows as dicts of the header columns (meeting, date, topic, outcome)."""
    m = TITLE_RE.search(re.sub(r"\s+", " ", text))
    if not m:
        raise ValueError("no 'Meetings conducted by the Security Council in YEAR' title")
    parser = _Rows()
    parser.feed(text)
    header_idx = next((i for i, r in enumerate(parser.rows) if any(c.lower().startswith("topic") for c in r)), None)
    if header_idx is None:
        raise ValueError("no header row with a 'Topic' column")
    header = [c.lower() for c in parser.rows[header_idx]]
    col = {name: next((i for i, c in enumerate(header) if c.startswith(prefix)), None)
           for name, prefix in (("meeting", "meeting"), ("date", "date"), ("topic", "topic"),
                                ("outcome", "security council"))}
    if None in col.values():
        raise ValueError(f"header row lacks one of meeting/date/topic/outcome: {parser.rows[header_idx]}")
    rows = []
    for number, cells in enumerate(parser.rows[header_idx + 1:], start=1):
        if len(cells) <= max(col.values()):
            continue
        rows.append({"_row": number, **{k: cells[i] for k, i in col.items()}})
    return _page_year(int(m.group(1)), rows), rows


def _page_year(title_year: int, rows: list[dict]) -> int:
    """The title's year, unless the outcomes' own symbols say otherwise: the library's 2020 VTC page is titled
    "… in 2021" while every symbol on it is of 2020 (S/RES/2541 (2020), S/PRST/2020/10)."""
    years = Counter(int(a or b) for r in rows for a, b in SYMBOL_YEAR_RE.findall(r["outcome"]))
    if years and years.most_common(1)[0][0] != title_year and years[title_year] < sum(years.values()) / 2:
        return years.most_common(1)[0][0]
    return title_year


def _outcomes(rows: list[dict], year: int, rejects: Rejects) -> tuple[list[dict], int, int]:
    """One row per outcome symbol; meetings with no outcome are excluded (not outcomes), unmapped topics rejected."""
    out, read, excluded = [], 0, 0
    for r in rows:
        symbols = [re.sub(r"\s+", " ", s) for s in OUTCOME_RE.findall(r["outcome"])]
        if not symbols:
            continue  # a meeting without a resolution or presidential statement: not an outcome row
        read += len(symbols)
        date = _date(r["date"], year)
        votes = VOTE_RE.findall(r["outcome"])
        iso3 = topic_countries(r["topic"])
        for k, symbol in enumerate(symbols):
            raw = {"meeting": r["meeting"], "date": r["date"], "topic": r["topic"], "symbol": symbol}
            if date is None:
                rejects.add(r["_row"], f"column 'date': '{r['date']}' is not a day and month of {year}", raw)
            elif not iso3:
                rejects.add(r["_row"], f"topic names no country: '{r['topic']}' (no pattern in "
                                       "etl/reference/unsc_topics.csv)", raw)
            else:
                out.append({"date": date, "year": year, "symbol": symbol,
                            "kind": "resolution" if "/RES/" in symbol else "presidential statement",
                            "topic": r["topic"], "iso3_list": list(iso3),
                            "vote": votes[k] if k < len(votes) and "/RES/" in symbol else None,
                            "meeting": r["meeting"] if r["meeting"] != "--" else None, "row_number": r["_row"]})
    return out, read, excluded


OUTCOME_SCHEMA = {"date": pl.Date, "year": pl.Int64, "symbol": pl.String, "kind": pl.String, "topic": pl.String,
                  "iso3_list": pl.List(pl.String), "vote": pl.String, "meeting": pl.String, "row_number": pl.Int64}


class UnscMeetings(Source):
    id = "unsc_meetings"
    title = "UN Security Council meetings and outcomes (Dag Hammarskjöld Library tables)"
    publisher = "United Nations Dag Hammarskjöld Library"
    licence = "UN website terms of use (facts reused with attribution); copies from intreleng-research/unsc-dataset " \
              "(GPL-3.0)"
    citation = "United Nations Dag Hammarskjöld Library, Security Council Meetings and Outcomes Tables, " \
               "https://research.un.org/en/docs/sc/quick/meetings (yearly pages scact{YEAR}_table_en)."
    url = "https://research.un.org/en/docs/sc/quick/meetings"
    folder = "unsc-dhl-meetings"
    ignore: ClassVar = ("scact_veto_table*.html",)  # the library's veto table: vetoes come from unsc-vetoes
    tables = ("security_council_outcomes",)
    order = 110
    html_input = True  # the publisher's format is an HTML page: the runner's "HTML instead of data" check is skipped

    def recognise(self, path: Path, head: str) -> bool:
        return bool(TITLE_RE.search(re.sub(r"\s+", " ", head))) or (
            path.suffix.lower() in (".htm", ".html") and "Meetings conducted" in head)

    def read_file(self, path: Path, ctx: Context) -> FileResult:
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            year, rows = parse_page(text)
        except ValueError as err:
            raise SourceError(path, f"not a Security Council meetings table: {err}") from err
        rejects = Rejects(self.id, path.name)
        out, read, excluded = _outcomes(rows, year, rejects)
        frame = pl.DataFrame(out, schema=OUTCOME_SCHEMA).with_columns(pl.lit(path.name).alias("file_name"))
        known = set(ctx.countries.table()["iso3"].to_list())
        unknown = frame.filter(~pl.col("iso3_list").list.eval(pl.element().is_in(list(known))).list.all())
        for r in unknown.iter_rows(named=True):
            rejects.add(r["row_number"], f"etl/reference/unsc_topics.csv maps topic '{r['topic']}' to an unknown "
                                         f"ISO3 in {r['iso3_list']}", r["symbol"])
        frame = frame.join(unknown.select("symbol"), on="symbol", how="anti")
        return FileResult(path, f"{year} page", read, {"security_council_outcomes": frame}, rejects.frame(),
                          rows_excluded=excluded, rows_loaded=frame.height,
                          note=f"{frame.height} of {read} outcomes mapped to a country")


SOURCE = UnscMeetings()
