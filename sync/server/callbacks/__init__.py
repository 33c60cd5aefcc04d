"""Gateway callbacks at head office: the M-Pesa STK callback, relayed to the till that asked.

The till registers a push before it sends it (``POST /api/v1/pushes``) and gets back the
CallBackURL to put in the STK request; Daraja POSTs the customer's answer there; head office
checks it, stores it raw, answers at once and lets a background task (sync/server/tasks.py)
record the result, which the till pulls on its sync channel (``GET /api/v1/push-results``).
"""
