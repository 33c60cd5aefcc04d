"""A local Daraja (M-Pesa Express) simulator for training mode, tests and integrators.

It answers like Safaricom's API as documented in ``gateways.md`` section A, over plain
HTTP on 127.0.0.1 (``port=0`` picks a free port), and plays the customer's phone through a
scriptable "customer". Run one with ``with MpesaSandbox() as sandbox: sandbox.base_url``
or from the command line through :func:`serve`. Everything it checks (password,
timestamp, number formats, callback URLs) is its own code (:mod:`.daraja`): it shares
nothing with the client, so a bug in one is caught by the other.

Daraja API (same paths, shapes and error envelopes as the real one):

``GET  /oauth/v1/generate?grant_type=client_credentials``
    Basic auth with the consumer key/secret → ``{"access_token", "expires_in": "3599"}``
    (``expires_in`` is a string, as on the wire; the lifetime is ``token_ttl``). Missing
    or wrong credentials → 400 ``400.008.01``; another grant type → 400 ``400.008.02``.
``POST /mpesa/stkpush/v1/processrequest``
    Bearer token (missing/expired → 404 ``404.001.03`` "Invalid Access Token"). Every field
    is validated → 400 ``400.002.02`` "Bad Request - Invalid <Field>"; a CallBackURL that
    is not ``https://`` or holds a space → "Bad Request - Invalid CallBackURL" (plain
    ``http://`` to this machine is accepted only with ``local_callbacks=True``); a wrong
    Password → 500 ``500.001.1001`` "[MerchantValidate] - Wrong credentials"; an unknown
    shortcode → 500 ``500.001.1001`` "Merchant does not exist". Success → the reference
    body (MerchantRequestID, CheckoutRequestID "ws_CO_…", ResponseCode "0", …). A push to
    a phone that already shows a prompt is accepted and ends at once in ResultCode 1001
    ("Unable to lock subscriber, …"); the open prompt is left as it is.
``POST /mpesa/stkpushquery/v1/query``
    Pending → HTTP 500 ``500.001.1001`` "The transaction is being processed"; final →
    ResponseCode "0" with ResultCode as a *string* and Daraja's own typo "successsfully".
Callbacks
    When a push becomes final, the reference callback JSON is POSTed (from a background
    thread) to its CallBackURL: ResultCode as a number (the string ``"SFC_IC0003"`` for an
    unknown till), CallbackMetadata (Amount, MpesaReceiptNumber, Balance without a value,
    TransactionDate and PhoneNumber as numbers) on success only. Hosts under the reserved
    ``.invalid`` domain are not contacted (recorded as undelivered). How it is sent is
    scriptable (:class:`CallbackMode`): ``prompt`` (the default), ``delay`` (late by
    ``delay`` seconds), ``duplicate`` (``copies`` times, ``delay`` apart) or ``drop``
    (never; recorded with ``dropped``), as real callbacks arrive late, twice or never.
Rate limiting
    ``rate_limit`` requests per rolling second per client (consumer key, or token owner)
    → 500 ``500.003.02`` "Spike Arrest Violation".

Control paths (the sandbox's own; never at Safaricom):

========================================  ============================================
``POST /__sandbox__/customer``            ``{"checkout_request_id": "ws_CO_…",
                                          "decision": "approve", "pin": "1234"}`` answers
                                          one prompt (a wrong ``pin`` with "approve" is
                                          ResultCode 2001); ``{"default": "approve"}`` sets
                                          what happens to new prompts.
``GET  /__sandbox__/pending``             ``{"pending": [PendingPush…]}``: prompts waiting.
``POST /__sandbox__/callback-mode``       ``{"mode": "delay", "delay": 2.5}``,
                                          ``{"mode": "duplicate", "copies": 2}``,
                                          ``{"mode": "drop"}`` or ``{"mode": "prompt"}``:
                                          how callbacks are sent from now on; with
                                          ``"checkout_request_id"`` for one open push only.
``GET  /__sandbox__/callback-mode``       ``{"callback_mode": {"mode", "delay", "copies"}}``.
``POST /__sandbox__/fail-next``           ``{"status": 503, "count": 2, "endpoint":
                                          "stkquery", "after_processing": false}``: the
                                          next API calls answer that status (endpoint one
                                          of ``oauth``, ``stkpush``, ``stkquery``; omitted
                                          = any). ``after_processing`` = the call is done
                                          but its answer is replaced (a "lost answer").
``POST /__sandbox__/expire-tokens``       every issued token becomes invalid.
``GET  /__sandbox__/callbacks``           ``{"callbacks": [CallbackRecord…]}`` delivered,
                                          failed or dropped so far.
``GET  /__sandbox__/stats``               ``{"requests": {"oauth": n, …}}``.
========================================  ============================================

Decisions: ``wait`` (the default: the prompt waits for a decision, then times out),
``approve`` (ResultCode 0), ``cancel`` (1032), ``wrong_pin`` (2001), ``insufficient`` (1),
``no_answer`` (1037 after ``prompt_timeout`` seconds), ``slow`` (approve after
``slow_delay`` seconds). A TransactionDesc longer than ``desc_limit`` ends in 1025, and a
BuyGoods push to a till the sandbox does not know ends in ``"SFC_IC0003"``, as reported in
the wild.

Where the real API's behaviour is not documented the sandbox makes a choice and says so
(GUESS): OAuth errors for wrong credentials, the maximum amount (``max_amount``), an
unknown CheckoutRequestID on query (400.002.02 "Invalid CheckoutRequestID"), a PartyB
different from the shortcode in paybill mode (400.002.02 "Invalid PartyB"), an
unreadable body (400.002.05 "Invalid Payload"), the refusal of plain ``http://`` and of
control characters in a CallBackURL (the same "Invalid CallBackURL" as for a space), and
1001 arriving as a result (callback and query) rather than as a synchronous error.
"""

from __future__ import annotations

from pos.payments.mpesa.sandbox.callbacks import CallbackPlan
from pos.payments.mpesa.sandbox.cli import serve
from pos.payments.mpesa.sandbox.control import CONTROL_PREFIX
from pos.payments.mpesa.sandbox.model import (
    RESULT_DESC,
    CallbackMode,
    CallbackRecord,
    Decision,
    PendingPush,
)
from pos.payments.mpesa.sandbox.server import (
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    DEMO_PASSKEY,
    DEMO_PHONE,
    DEMO_PIN,
    DEMO_SHORTCODE,
    DEMO_TILL,
    OAUTH_PATH,
    PUSH_PATH,
    QUERY_PATH,
    MpesaSandbox,
)

__all__ = [
    "CONTROL_PREFIX",
    "DEMO_CONSUMER_KEY",
    "DEMO_CONSUMER_SECRET",
    "DEMO_PASSKEY",
    "DEMO_PHONE",
    "DEMO_PIN",
    "DEMO_SHORTCODE",
    "DEMO_TILL",
    "OAUTH_PATH",
    "PUSH_PATH",
    "QUERY_PATH",
    "RESULT_DESC",
    "CallbackMode",
    "CallbackPlan",
    "CallbackRecord",
    "Decision",
    "MpesaSandbox",
    "PendingPush",
    "serve",
]
