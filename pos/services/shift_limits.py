"""The shift rules' approval limits (config ``[shifts]``), in a module of their own.

``pos.config`` builds them for every configuration it reads; they live apart from the
shift use cases (:mod:`pos.services.shifts`, which bring SQLAlchemy and the store models)
so that reading the configuration does not load the store.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ShiftLimits:
    """Shop rules (config ``[shifts]``): above these, a manager approves. Amounts are in
    minor units of the store's currency."""

    cash_movement_approval_above: int = 500_000  # KES 5,000.00
    close_difference_approval_above: int = 50_000  # KES 500.00
