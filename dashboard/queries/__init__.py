"""Read-only, parameterised queries of one feature each, through the data manager (dashboard/data.py)."""
