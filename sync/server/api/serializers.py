"""Request checks and the schema of every answer (drf-spectacular reads these)."""

from __future__ import annotations

from rest_framework import serializers


class ErrorDetail(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorBody(serializers.Serializer):
    error = ErrorDetail()


class EnrollRequest(serializers.Serializer):
    code = serializers.CharField(min_length=4, max_length=64)
    terminal_name = serializers.CharField(min_length=1, max_length=100)


class StoreIdentity(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kra_pin = serializers.CharField(allow_blank=True)
    etims_branch = serializers.CharField(allow_blank=True)
    address = serializers.CharField(allow_blank=True)
    currency = serializers.CharField()


class EnrollResponse(serializers.Serializer):
    store_id = serializers.CharField()
    terminal_id = serializers.CharField()
    token = serializers.CharField()
    organisation = serializers.CharField()
    store = StoreIdentity()


class ChainHeadSchema(serializers.Serializer):
    seq = serializers.IntegerField(min_value=0)
    hash = serializers.RegexField(r"^[0-9a-f]{64}$")


class ChainCheckSchema(serializers.Serializer):
    seq = serializers.IntegerField(min_value=1)
    hash = serializers.RegexField(r"^[0-9a-f]{64}$")


class BatchSchema(serializers.Serializer):
    """Documentation only: the batch is read by ``sync.protocol.parse_batch``."""

    version = serializers.CharField()
    store_id = serializers.CharField()
    terminal_id = serializers.CharField()
    sent_at = serializers.CharField()
    chain_head = ChainHeadSchema()
    #: since batch version 1.1: the journal's entry at the seq the last answer named
    #: (``AcksSchema.chain``), read at send time; null or absent when there is none
    chain_check = ChainCheckSchema(required=False, allow_null=True)
    events = serializers.ListField(child=serializers.DictField(), max_length=500)


class AckSchema(serializers.Serializer):
    index = serializers.IntegerField()
    event_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["applied", "duplicate", "rejected"])
    field = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    #: a refusal the till words in its cashier's language (sync.protocol.refusals)
    code = serializers.CharField(required=False)
    params = serializers.DictField(required=False)


class ChainNamedSchema(serializers.Serializer):
    seq = serializers.IntegerField(min_value=1)


class AcksSchema(serializers.Serializer):
    version = serializers.CharField()
    results = AckSchema(many=True)
    #: since version 1.1: the newest chain seq head office keeps for this terminal, for
    #: the next batch's ``chain_check`` (absent before any head was kept)
    chain = ChainNamedSchema(required=False)


class ChangeSchema(serializers.Serializer):
    """One change: ``product`` (data: sku, name, barcodes, price_minor, currency,
    vat_class {code, rate, exempt}, category, active, kra_item_class), ``user`` (id, name,
    role, active, setup_code) or, since VAT classes are versioned, ``vat_class`` (code,
    name, rate as decimal text in percent such as "16", exempt, active)."""

    kind = serializers.ChoiceField(choices=["product", "user", "vat_class"])
    id = serializers.CharField()
    version = serializers.IntegerField()
    data = serializers.DictField()


class ChangesSchema(serializers.Serializer):
    changes = ChangeSchema(many=True)
    cursor = serializers.CharField()
    more = serializers.BooleanField()


class ChangesQuery(serializers.Serializer):
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=40)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000)


class HeartbeatRequest(serializers.Serializer):
    at = serializers.DateTimeField()
    outbox_waiting = serializers.IntegerField(min_value=0)
    last_sync_at = serializers.DateTimeField(allow_null=True)
    app_version = serializers.CharField(max_length=40)


class HeartbeatResponse(serializers.Serializer):
    server_time = serializers.DateTimeField()


class HealthResponse(serializers.Serializer):
    status = serializers.CharField()
