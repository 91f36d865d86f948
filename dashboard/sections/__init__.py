"""Country-page sections, one module per feature, each exposing ``section(iso3)``."""
