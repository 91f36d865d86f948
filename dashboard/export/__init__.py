"""Briefing exports: chart images (PNG/SVG/PDF), the country briefing pack (PDF/PPTX) and table downloads.

render = the one kaleido server per process and its queue; charts = which charts exist and how an exported chart
is labelled; pack / slides = the briefing pack; tables = CSV/XLSX with attribution; routes = the Flask URLs.
"""
