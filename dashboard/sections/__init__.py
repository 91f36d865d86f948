"""Country-page sections as standalone modules: each exposes ``section(iso3) -> dash component``."""
