"""Head office app: accounts."""
