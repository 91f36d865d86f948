"""Read-only, parameterised warehouse queries for dashboard features (through dashboard.data)."""
