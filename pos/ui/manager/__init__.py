"""The manager's tools on the till: shifts and cash, X/Z reports, daily totals (and, from
the other manager's-day work, refunds, products and staff), opened from :mod:`.menu`."""
