"""The terminal API (``/api/v1/…``): thin views over the apps' services."""
