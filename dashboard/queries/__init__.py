"""Read-only, parameterised warehouse queries per feature (through dashboard.data\x27s cache)."""
