"""The country briefing as a PowerPoint deck (python-pptx): a title slide, then one slide per chart.

Briefers paste slides into their own decks, so each chart slide stands alone: its title, the chart image (which
carries its own source line, generation date and, for maps, the UN disclaimer) and the source line again as text.
"""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.util import Emu, Inches, Pt

from dashboard.export.briefing import Briefing
from dashboard.export.charts import APP_NAME
from dashboard.sections import response as response_section

WIDE = (Inches(13.333), Inches(7.5))


def _text(slide, left: Emu, top: Emu, width: Emu, height: Emu, text: str, size: int, bold: bool = False) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    run = frame.paragraphs[0].add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold


def build_pptx(b: Briefing) -> bytes:
    """Title slide (country, risk level and date, generated-on) + one 16:9 slide per chart of the country page."""
    shown = b.images()
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE
    blank = prs.slide_layouts[6]
    margin = Inches(0.5)
    inner = prs.slide_width - 2 * margin

    cover = prs.slides.add_slide(blank)
    _text(cover, margin, Inches(2.0), inner, Inches(1.0), b.name, 40, bold=True)
    risk = (f"R2P Monitor risk level: {b.risk_level} (as of {b.risk_as_of})" if b.risk_level
            else "Not listed by R2P Monitor in the warehouse.")
    _text(cover, margin, Inches(3.1), inner, Inches(0.6), risk, 20)
    if b.ewp_text:
        _text(cover, margin, Inches(3.8), inner, Inches(0.8), b.ewp_text, 14)
    _text(cover, margin, Inches(6.6), inner, Inches(0.4),
          f"Generated {b.generated:%Y-%m-%d %H:%M} UTC by the {APP_NAME} · {b.link}", 11)

    for c in shown:
        slide = prs.slides.add_slide(blank)
        _text(slide, margin, Inches(0.25), inner, Inches(0.6), c.title, 24, bold=True)
        top, bottom = Inches(0.95), Inches(0.55)
        avail_h = prs.slide_height - top - bottom
        width = inner
        height = int(width * c.height / c.width)
        if height > avail_h:
            height = avail_h
            width = int(height * c.width / c.height)
        left = int((prs.slide_width - width) / 2)
        slide.shapes.add_picture(io.BytesIO(c.png or b""), left, top, width=width, height=height)
        _text(slide, margin, prs.slide_height - bottom, inner, Inches(0.4), c.source, 10)
        slide.notes_slide.notes_text_frame.text = f"{c.title}\n{c.source}\nChart id: {c.chart_id}"
    response_section.pptx_slide(prs, b.iso3, b.name)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
