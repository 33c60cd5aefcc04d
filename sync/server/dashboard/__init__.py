"""The head-office dashboard: Django templates over the ledger, terminals and reconciliation."""
