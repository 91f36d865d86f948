"""Read-only query modules of dashboard features (parameterised SQL through dashboard.data's warehouse)."""
