"""Use cases of the terminal: log in, ring up, pay, complete, report, import.

Services own transactions (one ``Database.session()`` per user action) and enforce roles
and approvals, so a rule holds even when the UI is bypassed.
"""
