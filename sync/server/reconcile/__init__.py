"""Reconciliation: gateway statements (M-Pesa, PayPal) matched against the ledger's payments."""
