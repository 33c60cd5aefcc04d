"""Head office app: ledger."""
