"""The PayPal sandbox's fixed training values, in a module of their own.

The PayPal method's factory needs them in training mode (the credentials the sandbox
accepts, where it listens by default); importing them from ``pos.payments.paypal.sandbox``
ran the whole sandbox package (its server, webhook signing and ``cryptography``, about
85 ms) while the till was still building its window. The sandbox keeps its own copy (it
imports nothing of Kaunta's outside itself); a test holds the two equal.
"""

from __future__ import annotations

#: Credentials the sandbox accepts; training mode uses them. Not secrets.
DEMO_CLIENT_ID = "KauntaTrainingSandboxClientId"
DEMO_CLIENT_SECRET = "KauntaTrainingSandboxSecret-not-a-real-secret"
#: Where ``kaunta sandbox paypal`` listens, and training mode looks, by default.
DEFAULT_PORT = 8770
DEFAULT_HOST = "127.0.0.1"
