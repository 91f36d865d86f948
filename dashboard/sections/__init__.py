"""Country-page sections, one module each: ``section(iso3) -> component``."""
