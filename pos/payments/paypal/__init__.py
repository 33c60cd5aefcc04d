"""PayPal (Orders v2) as a payment method: the customer scans a QR code of the approve link.

- ``client``: a thin REST client (OAuth token cache, orders, captures, refunds, typed errors).
- ``method``: :class:`~pos.payments.paypal.method.PayPalMethod`, the till's view of it.
- ``webhooks`` / ``ipn``: checking that a notification really comes from PayPal.
- ``sandbox``: a faithful local simulator for training mode and tests;
  ``sandbox_control``: the small client the training "customer phone" uses to drive it.

Facts about the real API come from PayPal's published OpenAPI files (Orders 2.13,
Payments v2, Webhooks v1); where the sandbox or client had to guess, the docstring says so.
"""
