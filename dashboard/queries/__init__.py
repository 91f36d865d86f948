"""Read-only, parameterised queries of single dashboard features (one module per feature)."""
