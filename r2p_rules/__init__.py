"""Rules shared by the ETL and the dashboard (pure functions, no I/O): neither side imports the other's code.

- ``numbers.fmt``: a figure as people write it (reasons, notes);
- ``staleness.stale_reasons``: when something written about a country is out of date (evidence items in the ETL,
  narratives in the dashboard).
"""
