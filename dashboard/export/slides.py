"""The country briefing as a PowerPoint deck (python-pptx): a title slide, a summary slide, then one slide per chart.

Briefers paste slides into their own decks, so each chart slide stands alone: the chart image carries its own
title, subtitle, source line, generation date and, for maps, the UN disclaimer, so nothing is repeated as text
beside it; the picture's alt text says what it shows and the notes hold the title and source for the speaker.
"""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from dashboard.export.briefing import Briefing, Chart
from dashboard.export.charts import APP_NAME
from dashboard.figures import RISK_COLOURS, RISK_TEXT
from dashboard.sections import response as response_section

WIDE = (Inches(13.333), Inches(7.5))
MARGIN = Inches(0.5)


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _text(slide, left: Emu, top: Emu, width: Emu, height: Emu, text: str, size: int, bold: bool = False,
          lines: list[str] | None = None):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate([text] + (lines or [])):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = line
        run.font.size = Pt(size if i == 0 else max(10, size - 4))
        run.font.bold = bold and i == 0
    return box


def _cover(prs: Presentation, b: Briefing) -> None:
    inner = prs.slide_width - 2 * MARGIN
    cover = prs.slides.add_slide(prs.slide_layouts[6])
    _text(cover, MARGIN, Inches(2.0), inner, Inches(1.0), b.name, 40, bold=True)
    _text(cover, MARGIN, Inches(3.1), inner, Inches(0.6), f"R2P briefing · {b.iso3} · {b.region}", 18)
    _text(cover, MARGIN, Inches(6.6), inner, Inches(0.4),
          f"Generated {b.generated:%Y-%m-%d %H:%M} UTC by the {APP_NAME} · {b.link}", 11)


def _summary(prs: Presentation, b: Briefing) -> None:
    """Level (in the page's colours), key figures with change, elevated factors: the brief on one slide."""
    s = prs.slides.add_slide(prs.slide_layouts[6])
    inner = prs.slide_width - 2 * MARGIN
    _text(s, MARGIN, Inches(0.3), inner, Inches(0.6), f"{b.name}: summary", 28, bold=True)
    if b.brief and b.brief.level:
        lvl = b.brief.level
        badge = _text(s, MARGIN, Inches(1.0), Inches(2.6), Inches(0.5), lvl.risk_level, 18, bold=True)
        badge.fill.solid()
        badge.fill.fore_color.rgb = _rgb(RISK_COLOURS.get(lvl.risk_level, "#999999"))
        badge.text_frame.paragraphs[0].runs[0].font.color.rgb = _rgb(RISK_TEXT)
        _text(s, MARGIN + Inches(2.8), Inches(1.0), inner - Inches(2.8), Inches(0.5),
              f"R2P Monitor: {lvl.age_text}; {lvl.later_text}.", 13)
    else:
        _text(s, MARGIN, Inches(1.0), inner, Inches(0.5), "Not listed by R2P Monitor in the warehouse.", 16)
    if b.ewp_text:
        _text(s, MARGIN, Inches(1.6), inner, Inches(0.5), b.ewp_text, 13)
    half = (inner - Inches(0.3)) // 2
    figs = [f"{k['label']}: {k['value']} ({k['year']}){' — ' + k['change'] if k.get('change') else ''}"
            for k in b.key_figures]
    _text(s, MARGIN, Inches(2.3), half, Inches(4.6), "Key figures (change vs previous period)", 16, bold=True,
          lines=figs or ["No key figures in the warehouse."])
    factors = [f"{f.factor}. {f.name}: {f.sentence}" for f in (b.brief.elevated if b.brief else ())]
    _text(s, MARGIN + half + Inches(0.3), Inches(2.3), half, Inches(4.6), "Elevated risk factors", 16, bold=True,
          lines=factors or ["No risk factor is elevated on the documented rules."])


def _chart_slide(prs: Presentation, c: Chart) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    top, bottom = Inches(0.3), Inches(0.3)
    avail_h = prs.slide_height - top - bottom
    width = prs.slide_width - 2 * MARGIN
    height = int(width * c.height / c.width)
    if height > avail_h:
        height = avail_h
        width = int(height * c.width / c.height)
    left = int((prs.slide_width - width) / 2)
    pic = slide.shapes.add_picture(io.BytesIO(c.png or b""), left, top, width=width, height=height)
    alt = alt_text(c)
    pic._element.nvPicPr.cNvPr.set("descr", alt)  # python-pptx has no public alt-text setter
    pic._element.nvPicPr.cNvPr.set("name", c.title[:120] or c.chart_id)
    slide.notes_slide.notes_text_frame.text = f"{c.title}\n{c.source}\nChart id: {c.chart_id}"


def alt_text(c: Chart) -> str:
    """What the image shows, for screen readers: title, subtitle and source line."""
    return ". ".join(p.rstrip(".") for p in (c.title, c.subtitle, c.source) if p) + "."


def build_pptx(b: Briefing) -> bytes:
    """Title slide, summary slide, then one 16:9 slide per chart of the country page."""
    shown = b.images()
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE
    _cover(prs, b)
    _summary(prs, b)
    for c in shown:
        _chart_slide(prs, c)
    response_section.pptx_slide(prs, b.iso3, b.name)  # International response, last
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
