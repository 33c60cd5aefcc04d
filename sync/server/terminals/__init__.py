"""Head office app: terminals."""
