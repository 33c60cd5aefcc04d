"""``python -m pos.payments.paypal.sandbox [--host H] [--port P]``."""

from __future__ import annotations

from pos.payments.paypal.sandbox.cli import main

raise SystemExit(main())
