"""Demo data for training mode: the shipped catalog CSV and demo users."""
