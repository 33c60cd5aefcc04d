"""M-Pesa Express (Daraja STK push): phone and amount rules, result codes, the Daraja
client, the payment method and a local Daraja simulator for training mode and tests.

Modules: ``phone`` (MSISDN normalising), ``amounts`` (whole-shilling rule), ``codes``
(ResultCode / errorCode meanings), ``client`` (HTTP calls, callback parser, scrub),
``method`` (the ``PaymentMethod``), ``sandbox`` and ``sandbox_control`` (the simulator and
a small client for its customer controls). Facts about Daraja: ``gateways.md`` section A.
"""
