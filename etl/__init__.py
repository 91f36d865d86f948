"""ETL: read public datasets, validate them, and publish one DuckDB warehouse atomically."""
