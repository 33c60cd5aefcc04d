"""Head office app: catalog."""
