"""The OSCU client: one POST per call, JSON in and out, KRA's headers, typed answers.

Thin on purpose (as the payment clients are): a configurable base URL, an injected
``requests.Session`` (or any object with its ``post``), the timeouts Odoo uses (30 s for
initialisation, 120 s for the rest), and no automatic retries: whether a call may be
repeated depends on what KRA may have recorded, which :mod:`sync.etims.queue` decides.
The communication key comes from an injected secret store and is never logged, never put
in an error message and never stored anywhere else.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import requests

from sync.etims import words
from sync.etims.codes import ResultKind
from sync.etims.keykeep import KeyNotStored, KeyStoreUnusable, probe, store_key
from sync.etims.models import (
    CodeCache,
    DeviceInfo,
    Envelope,
    EtimsError,
    ReplyError,
    Signature,
)
from sync.etims.settings import Branch, EtimsSettings, SecretStore
from sync.etims.transport import ConnectionPoster, RawReply, TransportError

__all__ = [
    "DeviceAlreadyInstalled",
    "EtimsRejected",
    "HttpPoster",
    "NotInitialised",
    "OscuClient",
    "SubmitOutcome",
    "TransportError",
]

log = logging.getLogger(__name__)


class HttpPoster(Protocol):
    """What the client needs of an HTTP library: :class:`ConnectionPoster` (the default)
    or a ``requests.Session``. It raises :class:`TransportError` or ``requests``'
    exceptions when no answer came."""

    def post(
        self, url: str, *, data: bytes, headers: Mapping[str, str], timeout: float
    ) -> RawReply | requests.Response: ...


class EtimsRejected(EtimsError):
    """KRA answered with a refusal; ``envelope`` holds its code and message."""

    def __init__(self, what: str, envelope: Envelope) -> None:
        self.envelope = envelope
        super().__init__(f"KRA refused {what}: {envelope.reason()}")


class NotInitialised(EtimsError):
    """The branch has no communication key yet: initialise the device first."""


class DeviceAlreadyInstalled(EtimsError):
    """902: KRA says the device is installed and does not send its key again; the key
    from the first initialisation must be restored (from the head office's backup)."""


def _wire_default(value: object) -> object:
    if type(value) is Decimal or isinstance(value, Decimal):
        return float(value)  # two decimals below 10^11: exact as a float's shortest repr
    raise TypeError(f"{type(value).__name__} cannot go on the wire")


#: made once (``json.dumps`` with arguments makes an encoder per call); thread-safe
_ENCODER = json.JSONEncoder(default=_wire_default, separators=(",", ":"))
#: the same for replies: amounts as ``Decimal`` (``json.loads`` would make one per call)
_DECODER = json.JSONDecoder(parse_float=Decimal)


def encode(body: Mapping[str, Any]) -> bytes:
    """The request body as KRA receives it (amounts as JSON numbers): the bytes of
    ``json.dumps(body, default=..., separators=(",", ":"))``, ASCII with ``\\u`` escapes."""
    return _ENCODER.encode(body).encode("utf-8")


def _read_json(content: bytes | str) -> Any:
    """``json.loads(content, parse_float=Decimal)``, step for step, on :data:`_DECODER`."""
    if isinstance(content, str):
        if content.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", content, 0)
        return _DECODER.decode(content)
    if not isinstance(content, bytes | bytearray):
        raise TypeError(f"the JSON object must be str, bytes or bytearray, not {type(content)}")
    return _DECODER.decode(content.decode(json.detect_encoding(content), "surrogatepass"))


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """What one ``saveTrnsSalesOsdc`` call gave: a signature, or a kind and a reason."""

    kind: ResultKind
    signature: Signature | None
    reason: str
    result_cd: str


class OscuClient:
    """Calls for one branch device. ``clock`` gives aware times (for ``lastReqDt``)."""

    def __init__(
        self,
        branch: Branch,
        settings: EtimsSettings,
        secrets: SecretStore,
        *,
        http: HttpPoster | None = None,
        bearer: Callable[[], str | None] | None = None,
    ) -> None:
        self.branch = branch
        self.settings = settings
        self._secrets = secrets
        self._http: HttpPoster = http if http is not None else _session(settings)
        self._bearer = bearer
        self._base = settings.base_url.rstrip("/")

    # -- transport ---------------------------------------------------------------------
    def _headers(self, with_key: bool) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "tin": self.branch.tin,
            "bhfId": self.branch.bhf_id,
        }
        if with_key:
            headers["cmcKey"] = self.cmc_key()
        if self._bearer is not None:
            token = self._bearer()
            if token:
                headers["Authorization"] = f"Bearer {token}"
        return headers

    def cmc_key(self) -> str:
        key = self._secrets.get(self.branch.secret_name)
        if not key:
            raise NotInitialised(
                f"branch {self.branch.bhf_id} of {self.branch.tin} is not initialised with "
                "KRA yet (no communication key): run the device initialisation first"
            )
        return key

    def call(
        self, path: str, body: Mapping[str, Any], *, with_key: bool = True, timeout: float = 0
    ) -> Envelope:
        """POST ``body`` to ``path``; the envelope, or :class:`TransportError`."""
        headers = self._headers(with_key)
        payload: Mapping[str, Any]
        if self.settings.send_credentials_in_body:
            extra = dict(body)
            extra.setdefault("tin", self.branch.tin)
            extra.setdefault("bhfId", self.branch.bhf_id)
            payload = extra
        else:  # a plain dict is encoded as it is (any other Mapping as a dict)
            payload = body if type(body) is dict else dict(body)
        url = f"{self._base}/{path.lstrip('/')}"
        try:
            response = self._http.post(
                url,
                data=encode(payload),
                headers=headers,
                timeout=timeout or self.settings.timeout_s,
            )
        except TransportError as exc:
            log.info("eTIMS %s: %s", path, exc)
            raise
        except requests.exceptions.ConnectTimeout:
            raise TransportError(ResultKind.NOT_SENT, words.UNREACHABLE) from None
        except requests.exceptions.Timeout:
            log.info("eTIMS %s: no answer in time", path)
            raise TransportError(ResultKind.IN_DOUBT, words.NO_ANSWER) from None
        except requests.exceptions.ConnectionError as exc:
            if _refused(exc):
                raise TransportError(ResultKind.NOT_SENT, words.REFUSED) from None
            log.info("eTIMS %s: connection lost before the answer", path)
            raise TransportError(ResultKind.IN_DOUBT, words.BROKE) from None
        except requests.exceptions.RequestException as exc:
            raise TransportError(
                ResultKind.IN_DOUBT, f"{words.HTTP_ERROR}: {type(exc).__name__}"
            ) from None
        try:
            envelope = Envelope.parse(_read_json(response.content))
        except (ValueError, ReplyError):
            log.info("eTIMS %s: unreadable reply (HTTP %s)", path, response.status_code)
            raise TransportError(
                ResultKind.IN_DOUBT,
                f"{words.UNREADABLE}: HTTP {response.status_code}, "
                f"{response.headers.get('Content-Type', 'no type')}",
            ) from None
        log.debug("eTIMS %s: %s", path, envelope.result_cd)
        return envelope

    # -- set-up ------------------------------------------------------------------------
    def initialize(self) -> DeviceInfo:
        """``selectInitOsdcInfo`` (no key): stores the communication key in the secret
        store and returns the device, whose ``sdc_id`` the receipts print.

        KRA sends the key this once, so the store is tried first
        (:func:`~sync.etims.keykeep.probe`: :class:`~sync.etims.keykeep.KeyStoreUnusable`
        before any call); a store refusing the key after KRA answered raises
        :class:`~sync.etims.keykeep.KeyNotStored` carrying it, for the caller to keep."""
        probe(self._secrets, self.branch.secret_name)
        envelope = self.call(
            "selectInitOsdcInfo",
            {
                "tin": self.branch.tin,
                "bhfId": self.branch.bhf_id,
                "dvcSrlNo": self.branch.device_serial,
            },
            with_key=False,
            timeout=self.settings.init_timeout_s,
        )
        if envelope.result_cd == "902" and not (envelope.data or {}).get("info"):
            raise DeviceAlreadyInstalled(
                "KRA says this device is already installed and does not send its key again: "
                "restore the communication key kept from the first initialisation"
            )
        if not envelope.ok and envelope.result_cd != "902":
            raise EtimsRejected("the device initialisation", envelope)
        info, key = DeviceInfo.parse((envelope.data or {}).get("info"))
        try:
            store_key(self._secrets, self.branch.secret_name, key)
        except KeyStoreUnusable as exc:
            log.error("eTIMS: KRA initialised the device but its key was not stored: %s", exc)
            raise KeyNotStored(
                f"KRA initialised the device (control unit {info.sdc_id}) but {exc}",
                info,
                key,
            ) from None
        return info

    def refresh_codes(self, cache: CodeCache, now: datetime) -> int:
        """Fetch code lists changed since the last fetch; returns how many changed."""
        envelope = self.call("selectCodeList", {"lastReqDt": cache.codes_fetched})
        if envelope.kind is ResultKind.NO_DATA:
            return 0
        if not envelope.ok:
            raise EtimsRejected("the code-list request", envelope)
        return cache.merge_codes(envelope.data, now)

    def refresh_item_classes(self, cache: CodeCache, now: datetime) -> int:
        envelope = self.call("selectItemClsList", {"lastReqDt": cache.classes_fetched})
        if envelope.kind is ResultKind.NO_DATA:
            return 0
        if not envelope.ok:
            raise EtimsRejected("the item-class request", envelope)
        return cache.merge_classes(envelope.data, now)

    def save_item(self, item: Mapping[str, Any]) -> None:
        """``saveItem``: register (or update) one product before it is first sold."""
        envelope = self.call("saveItem", item)
        if not envelope.ok:
            raise EtimsRejected(f"item {item.get('itemCd')}", envelope)

    def select(self, path: str, list_key: str, last_req_dt: str) -> list[dict[str, Any]]:
        """A ``lastReqDt`` list (notices, branches); empty on 001."""
        envelope = self.call(path, {"lastReqDt": last_req_dt})
        if envelope.kind is ResultKind.NO_DATA:
            return []
        if not envelope.ok:
            raise EtimsRejected(path, envelope)
        return list((envelope.data or {}).get(list_key) or [])

    # -- invoices ----------------------------------------------------------------------
    def submit(self, invoice: Mapping[str, Any]) -> SubmitOutcome:
        """One ``saveTrnsSalesOsdc`` call. Transport failures become outcomes too."""
        raw_no = str(invoice.get("invcNo", ""))
        invc_no = int(raw_no) if raw_no.isdigit() else 0
        try:
            envelope = self.call("saveTrnsSalesOsdc", invoice)
        except TransportError as exc:
            return SubmitOutcome(exc.kind, None, str(exc), "")
        if envelope.ok:
            try:
                sig = Signature.parse(envelope.data, invc_no, str(invoice["rcptTyCd"]))
            except ReplyError as exc:
                return SubmitOutcome(ResultKind.IN_DOUBT, None, str(exc), envelope.result_cd)
            return SubmitOutcome(ResultKind.OK, sig, "", envelope.result_cd)
        return SubmitOutcome(envelope.kind, None, envelope.reason(), envelope.result_cd)

    def invoice_details(self, invc_no: int, rcpt_ty_cd: str) -> Signature | None:
        """``selectInvoiceDetails``: KRA's signature for ``invc_no``, or None when KRA does
        not hold it (001). Raises :class:`TransportError` or :class:`EtimsRejected`."""
        found = self.invoice_record(invc_no, rcpt_ty_cd)
        return None if found is None else found[0]

    def invoice_record(
        self, invc_no: int, rcpt_ty_cd: str
    ) -> tuple[Signature, dict[str, Any]] | None:
        """``selectInvoiceDetails``: KRA's signature for ``invc_no`` and the invoice as KRA
        holds it (its ``salesList`` entry: whose sale it is, :mod:`sync.etims.lookup`), or
        None when KRA does not hold it (001)."""
        envelope = self.call("selectInvoiceDetails", {"invcNo": invc_no})
        if envelope.kind is ResultKind.NO_DATA:
            return None
        if not envelope.ok:
            raise EtimsRejected(f"the look-up of invoice {invc_no}", envelope)
        sales = (envelope.data or {}).get("salesList") or []
        if not sales:
            return None
        first = sales[0]
        return Signature.parse(first.get("receipt") or first, invc_no, rcpt_ty_cd), first


def _session(settings: EtimsSettings) -> HttpPoster:
    """The default transport: one kept-alive connection (:mod:`sync.etims.transport`);
    with ``settings.proxy``, a ``requests`` session through it that reads no proxy
    settings from the environment."""
    if not settings.proxy:
        return ConnectionPoster(settings.base_url)
    session = requests.Session()
    session.trust_env = False
    session.proxies = {"http": settings.proxy, "https": settings.proxy}
    return session


def _refused(exc: requests.exceptions.ConnectionError) -> bool:
    """Was the connection refused before the request went out?"""
    text = repr(exc)
    return any(
        marker in text
        for marker in ("ConnectionRefused", "NewConnectionError", "Errno 111", "WinError 10061")
    )
