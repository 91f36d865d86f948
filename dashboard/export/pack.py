"""The country briefing pack as a 2–4 page A4 PDF (fpdf2): real text (searchable, copyable) around chart images.

Page 1: country, risk level and date, EWP forecast, key figures with sources, the data summary and the risk-factor
board. Then the main charts, the narrative sections and the full source list with licences. Every page carries the
page number and the generation date. If the content runs past 4 pages, the least central charts are dropped and
long narrative sections shortened (the country page has them in full).
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from dashboard.export.briefing import Briefing, Chart
from dashboard.export.charts import APP_NAME
from dashboard.figures import RISK_COLOURS, RISK_TEXT
from dashboard.sections import response as response_section

MAX_PAGES = 4
HEADER_H = 6.0  # running header on pages 2+: a 5 mm line and 1 mm space
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/TTF"), Path("/usr/share/fonts/dejavu"))
# the page's one risk-level palette (figures.RISK_COLOURS with RISK_TEXT on it), as RGB for fpdf
RISK_RGB = {level: tuple(int(c.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)) for level, c in RISK_COLOURS.items()}
RISK_TEXT_RGB = tuple(int(RISK_TEXT.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
HEAD = FontFace(emphasis="BOLD", fill_color=(232, 232, 232))


def _font_files() -> tuple[Path, Path] | None:
    for d in FONT_DIRS:
        regular, bold = d / "DejaVuSans.ttf", d / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class Pack(FPDF):
    """A4 portrait with a running header (country) and footer (page x of n, generated-on date)."""

    def __init__(self, b: Briefing):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.b = b
        self.set_margins(15, 16, 15)
        self.set_auto_page_break(True, margin=16)
        fonts = _font_files()
        if fonts:
            self.add_font("body", "", str(fonts[0]))
            self.add_font("body", "B", str(fonts[1]))
            self.family_name, self.unicode = "body", True
        else:  # core font: Latin-1 only, so text is transliterated
            self.family_name, self.unicode = "helvetica", False
        self.set_title(f"{b.name}: R2P briefing pack")
        self.set_author(APP_NAME)
        self.set_creation_date(b.generated)

    def t(self, text: object) -> str:
        s = str(text if text is not None else "")
        if self.unicode:
            return s
        s = s.replace("–", "-").replace("—", "-").replace("·", "-").replace("’", "'").replace("“", '"')
        return s.replace("”", '"').encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.font(8)
        self.set_text_color(110)
        self.cell(0, HEADER_H - 1, self.t(f"{self.b.name} ({self.b.iso3}) · R2P briefing pack"),
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)
        self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-12)
        self.font(8)
        self.set_text_color(110)
        self.cell(0, 5, self.t(f"Generated {self.b.generated:%Y-%m-%d %H:%M} UTC by the {APP_NAME}"
                               f"{' · ' + self.b.link if self.b.link else ''}"), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0)

    def heading(self, text: str, size: float = 12) -> None:
        self.ln(2)
        self.font(size, bold=True)
        self.cell(0, 6.5, self.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.font(9)

    def para(self, text: str, size: float = 9, height: float = 4.4) -> None:
        self.font(size)
        self.multi_cell(0, height, self.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _first_page(pdf: Pack, b: Briefing) -> None:
    pdf.add_page()
    pdf.font(8)
    pdf.set_text_color(110)
    pdf.cell(0, 5, pdf.t(f"R2P briefing pack · generated {b.generated:%d %B %Y}"), new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    pdf.set_text_color(0)
    pdf.font(20, bold=True)
    pdf.cell(0, 10, pdf.t(b.name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font(9)
    pdf.cell(0, 5, pdf.t(f"{b.iso3} · {b.region}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    _level(pdf, b)
    if b.ewp_text:
        pdf.para(b.ewp_text)
    _key_figures(pdf, b)
    pdf.heading("What the data says")
    pdf.para(b.summary)
    if b.board is not None and b.board.height:
        _factors(pdf, b)


def _level(pdf: Pack, b: Briefing) -> None:
    """The risk-level badge with its date and age, as on the page."""
    if b.risk_level:
        pdf.set_fill_color(*RISK_RGB.get(b.risk_level, (120, 120, 120)))
        pdf.set_text_color(*RISK_TEXT_RGB)
        pdf.font(11, bold=True)
        pdf.cell(pdf.get_string_width(pdf.t(b.risk_level)) + 6, 7, pdf.t(b.risk_level), fill=True, align="C")
        pdf.set_text_color(0)
        pdf.set_fill_color(255)
        pdf.font(9)
        lvl = b.brief.level if b.brief else None
        text = (f"R2P Monitor (Global Centre for R2P): {lvl.age_text}; {lvl.later_text}." if lvl
                else f"R2P Monitor risk level, as of {b.risk_as_of} (Global Centre for R2P)")
        pdf.set_x(pdf.get_x() + 2)
        pdf.multi_cell(0, 3.6, pdf.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # wraps inside the margin
        pdf.ln(0.8)
    else:
        pdf.para("Not listed by R2P Monitor in the warehouse.")


def _key_figures(pdf: Pack, b: Briefing) -> None:
    pdf.heading("Key figures")
    if b.key_figures:
        pdf.font(8.5)
        with pdf.table(col_widths=(46, 19, 22, 38, 55), text_align=("LEFT", "RIGHT", "LEFT", "LEFT", "LEFT"),
                       line_height=4.1, padding=0.7, headings_style=HEAD) as table:
            table.row([pdf.t(x) for x in ("Figure", "Value", "Year", "Change", "Source")])
            for k in b.key_figures:
                rng = f" (range {k['range']})" if k["range"] else ""
                table.row([pdf.t(k["label"]), pdf.t(k["value"]), pdf.t(k["year"]), pdf.t(k.get("change", "")),
                           pdf.t(f"{k['unit']} · {k['source']}{rng}")])
    else:
        pdf.para("No key figures in the warehouse for this country.")


def _factors(pdf: Pack, b: Briefing) -> None:
    """The 14 risk factors with their status and, for elevated ones, the page's plain sentence."""
    pdf.heading("Risk factors (UN Framework of Analysis, 2014)")
    reasons = b.board["reason"].fill_null("").unique().to_list()
    common = reasons[0] if len(reasons) == 1 else None  # e.g. a warehouse without statuses: say it once
    if common:
        pdf.para(common, size=8)
    pdf.font(7.5)
    with pdf.table(col_widths=(62, 20, 98), text_align=("LEFT", "CENTER", "LEFT"), line_height=3.5, padding=0.6,
                   headings_style=HEAD) as table:
        table.row([pdf.t(x) for x in ("Risk factor", "Status", "Why")])
        plain = {f.factor: f.sentence for f in (b.brief.elevated if b.brief else ())}  # as on the page
        for r in b.board.iter_rows(named=True):
            reason = "" if common else plain.get(r["factor"]) or str(r.get("reason") or "")
            reason = reason if len(reason) <= 150 else reason[:147].rstrip() + "…"
            n_ev = r.get("n_evidence") or 0
            if n_ev:
                reason += f" ({n_ev} evidence item{'s' if n_ev != 1 else ''})"
            table.row([pdf.t(f"{r['factor']}. {r['name']}"), pdf.t(r["status"]), pdf.t(reason)])


HEADING_H = 8.5  # Pack.heading: 2 mm space + a 6.5 mm line
GAP = 2.0  # mm below each chart


def _chart_slots(pdf: Pack, page: int, y: float, charts: list[Chart]) -> tuple[list[tuple[int, float]], int, float]:
    """Where the 'Main charts' heading and each chart go, starting at (page, y): (page, y) per chart, then the
    page and y after the last one. Pure arithmetic, so the planner and the drawing agree exactly."""
    bottom, top = pdf.h - pdf.b_margin, pdf.t_margin + HEADER_H
    slots: list[tuple[int, float]] = []
    if not charts:
        return slots, page, y
    if y + HEADING_H + pdf.epw * charts[0].height / charts[0].width > bottom:
        page, y = page + 1, top
    y += HEADING_H
    for c in charts:
        h = pdf.epw * c.height / c.width
        if y + h > bottom:
            page, y = page + 1, top
        slots.append((page, y))
        y += h + GAP
    return slots, page, y


def _charts(pdf: Pack, charts: list[Chart]) -> None:
    if not charts:
        return
    slots, _, _ = _chart_slots(pdf, pdf.page_no(), pdf.get_y(), charts)
    if slots[0][0] > pdf.page_no():
        pdf.add_page()
    pdf.heading("Main charts", 12)
    for c, (page, y) in zip(charts, slots, strict=True):
        if page > pdf.page_no():
            pdf.add_page()
        h = pdf.epw * c.height / c.width
        pdf.image(io.BytesIO(c.png or b""), x=pdf.l_margin, y=y, w=pdf.epw, h=h, alt_text=c.title)
        pdf.set_y(y + h + GAP)


_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def _plain(markdown: str) -> str:
    """Markdown to readable plain text: links as 'text (url)', no emphasis markers or heading hashes."""
    text = _MD_LINK.sub(r"\1 (\2)", markdown)
    text = re.sub(r"^#+\s*", "", text, flags=re.M)
    return re.sub(r"(\*\*|__|\*|`)", "", text)


def _narrative(pdf: Pack, b: Briefing, limit: int | None) -> None:
    from dashboard import narratives

    pdf.heading("Narrative")
    nar = b.narrative
    if nar is None or not nar.sections:
        pdf.para("No curated narrative for this country yet (analysts add one as data/curated/countries/"
                 f"{b.iso3}.md). Nothing in this pack is written by the dashboard except the data summary.")
        return
    pdf.para(f"By {nar.author or 'unknown author'}, {nar.date or 'undated'}.", size=8)
    for sec in narratives.SECTIONS:
        pdf.font(10, bold=True)
        pdf.cell(0, 6, pdf.t(sec), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        text = _plain(nar.sections.get(sec, "Not written yet."))
        if limit and len(text) > limit:
            text = text[:limit].rsplit(" ", 1)[0] + " … (shortened; full text on the country page)"
        pdf.para(text)
    if nar.sources:
        pdf.para("Narrative sources: " + "; ".join(nar.sources), size=8)


def _sources(pdf: Pack, b: Briefing, shown: list[Chart]) -> None:
    pdf.heading("Sources")
    pdf.font(7.5)
    with pdf.table(col_widths=(70, 34, 76), text_align="LEFT", line_height=3.5, padding=0.6,
                   headings_style=HEAD) as table:
        table.row([pdf.t(x) for x in ("Dataset (publisher)", "Version · retrieved", "Licence")])
        for s in b.sources(shown):
            lic = s["licence"] + ("  [NON-COMMERCIAL licence]" if s.get("non_commercial") else "")
            table.row([pdf.t(f"{s['title']} ({s['publisher']}) {s['url']}"),
                       pdf.t(f"{s['version']} · retrieved {s['accessed']}"), pdf.t(lic)])
    pdf.ln(1)
    pdf.para("Figures are read from the dashboard's warehouse, built from the files listed above; each number can be "
             "traced to its source file and row on the Sources page. Maps: the boundaries and names shown and the "
             "designations used on these maps do not imply official endorsement or acceptance by the United "
             "Nations.", size=7.5, height=3.6)


def _tail_length(b: Briefing, narrative_limit: int | None) -> tuple[float, Pack]:
    """Length (mm of text column) of narrative + sources, laid out on a scratch document from the top of a page."""
    scratch = Pack(b)
    scratch.add_page()
    scratch.add_page()  # page 2: same running header and top as the pages the tail will land on
    top = scratch.get_y()
    _narrative(scratch, b, narrative_limit)
    response_section.pdf_section(scratch, b.iso3)
    _sources(scratch, b, b.charts)  # every chart's sources: never shorter than the final list
    usable = scratch.h - scratch.b_margin - top
    return (scratch.page_no() - 2) * usable + scratch.get_y() - top, scratch


def plan(b: Briefing, pdf: Pack) -> tuple[int, int | None]:
    """How many charts and how much narrative fit on ``MAX_PAGES`` pages, given page 1 already laid out in ``pdf``.

    The chart slots are arithmetic and the tail is measured once, so planning costs one scratch layout of the tail
    (the chart images render meanwhile). At least 2 charts are kept; then long narrative sections are shortened.
    """
    total = len(b.charts)
    for limit in (None, 1200, 600, 300):
        tail, scratch = _tail_length(b, limit)
        usable = scratch.h - scratch.b_margin - scratch.t_margin - HEADER_H
        for n in range(total, min(2, total) - 1, -1):
            _, page, y = _chart_slots(pdf, pdf.page_no(), pdf.get_y(), b.charts[:n])
            room = pdf.h - pdf.b_margin - y
            pages = page if tail <= room else page + math.ceil((tail - room) / usable)
            if pages <= MAX_PAGES:
                return n, limit
    return min(2, total), 300


def build_pdf(b: Briefing) -> bytes:
    """The pack on at most ``MAX_PAGES`` pages (fewer charts, then shorter narrative, when it would not fit)."""
    pdf = Pack(b)
    _first_page(pdf, b)
    n, limit = plan(b, pdf)
    shown = b.images(n)
    _charts(pdf, shown)
    _narrative(pdf, b, limit)
    response_section.pdf_section(pdf, b.iso3)
    _sources(pdf, b, shown)
    return bytes(pdf.output())
