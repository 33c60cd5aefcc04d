"""One round of a branch's eTIMS work at head office: set the device up (once), refresh
the code lists, register the products a waiting sale sells, drain the queue in order.

It is the pure ``sync.etims`` machinery (``OscuClient``, ``Submitter``, ``ItemRegistry``)
over :class:`~sync.server.etims.store.DjangoQueue`; a round is what the background task
(:mod:`sync.server.etims.tasks`) runs, one branch at a time (the branch row's lock keeps
two workers from numbering alike even if two rounds of a branch overlap).

How KRA is reached and every GUESS/CONFLICT choice: the till's ``[etims]`` keys as
``KAUNTA_ETIMS_<KEY>`` environment variables, checked by the till's own parser
(:func:`sync.etims.config.parse_settings` through
:func:`~sync.etims.config.environment_section`): ``KAUNTA_ETIMS_ENVIRONMENT``,
``_BASE_URL``, ``_VERIFY_HOST`` (KRA's sandbox by default), ``_AMOUNT_CONVENTION``,
``_RATE_STYLE``, ``_CU_NUMBER_STYLE``, ``_INVOICE_NUMBER_AS_STRING``,
``_SEND_CREDENTIALS_IN_BODY``, ``_ITEM_CLASS`` and the rest. The communication key and
the optional Bearer token (``etims.bearer.<PIN>.<branch>``):
:class:`~sync.server.etims.store.HeadOfficeSecrets` (environment, else sealed in the
database).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sync.etims.amounts import MappingError
from sync.etims.client import EtimsRejected, NotInitialised, OscuClient, TransportError
from sync.etims.config import environment_section, environment_variable, parse_settings
from sync.etims.inorder import Fence, drain_in_order
from sync.etims.items import DEFAULT_CLASS, ItemRegistry, UnlistedClass, line_band, listed_class
from sync.etims.keykeep import KeyNotStored, restore_rescued, write_rescue
from sync.etims.mapping import Registrar
from sync.etims.models import CodeCache, DeviceInfo, EtimsError
from sync.etims.public import receipt_token
from sync.etims.queue import Entry, EntryKind, EntryState, Submitter
from sync.etims.settings import Branch, EtimsSettings, SecretStore, SettingsError
from sync.server.etims.models import BranchDevice, QueueEntry
from sync.server.etims.store import DjangoQueue, HeadOfficeSecrets

log = logging.getLogger("kaunta.hq.etims")

__all__ = [
    "RoundResult",
    "alert_after_from_environment",
    "item_class_from_environment",
    "run_round",
    "settings_from_environment",
]

#: the queue-age alert's variable: the till's ``[etims] max_queue_age_hours``
ALERT_VARIABLE = environment_variable("max_queue_age_hours")
#: the name the dashboard read before (still read when the other is not set)
OLD_ALERT_VARIABLE = "KAUNTA_ETIMS_ALERT_HOURS"


@dataclass(frozen=True, slots=True)
class RoundResult:
    signed: int
    parked: int
    #: why the round stopped early ("" = the queue is empty)
    stopped: str
    #: another round of the branch was draining it: this one sent nothing
    busy: bool = False


def settings_from_environment(env: Mapping[str, str] | None = None) -> EtimsSettings:
    """Head office's eTIMS settings from ``KAUNTA_ETIMS_<KEY>`` (the till's ``[etims]``
    keys and defaults, the reference's recommendations; KRA's sandbox by default). A bad
    value raises :class:`~sync.etims.settings.SettingsError` naming it."""
    env = os.environ if env is None else env
    settings, _environment, _item_class = parse_settings(environment_section(env))
    return settings


def alert_after_from_environment(env: Mapping[str, str] | None = None) -> timedelta:
    """How old the oldest unsigned entry may get before the dashboard raises the alert:
    ``KAUNTA_ETIMS_MAX_QUEUE_AGE_HOURS``, the till's ``max_queue_age_hours`` with its
    default (24) and bounds (0.1 to 720), read alone so that another key's bad value does
    not take the page down. ``KAUNTA_ETIMS_ALERT_HOURS``, the dashboard's earlier name,
    is read when the first is not set. A bad value raises
    :class:`~sync.etims.settings.SettingsError` naming the variable read."""
    env = os.environ if env is None else env
    name = ALERT_VARIABLE
    if not (env.get(name) or "").strip() and (env.get(OLD_ALERT_VARIABLE) or "").strip():
        name = OLD_ALERT_VARIABLE
    raw = (env.get(name) or "").strip()
    try:
        section = environment_section({ALERT_VARIABLE: raw} if raw else {})
        settings, _environment, _item_class = parse_settings(section)
    except SettingsError as exc:
        raise SettingsError(f"{name}: {exc}") from None
    return settings.queue_alert_after


def item_class_from_environment(env: Mapping[str, str] | None = None) -> str:
    """The item classification given to a product KRA's list has nothing better for
    (``KAUNTA_ETIMS_ITEM_CLASS``; :data:`~sync.etims.items.DEFAULT_CLASS` by default)."""
    env = os.environ if env is None else env
    _settings, _environment, item_class = parse_settings(environment_section(env))
    return item_class or DEFAULT_CLASS


#: the process's secrets: environment first, then sealed in the database (a key KRA
#: gives at initialisation outlives the worker)
_SECRETS = HeadOfficeSecrets()


def _now() -> datetime:
    return datetime.now(UTC)


def run_round(
    device: BranchDevice,
    *,
    settings: EtimsSettings | None = None,
    secrets: SecretStore | None = None,
    clock: Callable[[], datetime] = _now,
    item_class: str | None = None,
) -> RoundResult:
    """Set up, register, drain: one branch, once. KRA away or refusing the set-up is a
    result (``stopped`` says why), not an exception: the next round tries again. The
    outcome is kept on the device (``last_round_at``, ``last_stopped``: the dashboard
    shows the link to KRA), unless another round of the branch was draining.

    ``settings`` and ``item_class`` default to the environment's
    (:func:`settings_from_environment`, :func:`item_class_from_environment`)."""
    try:
        result = _round(
            device, settings=settings, secrets=secrets, clock=clock, item_class=item_class
        )
    except Exception as exc:
        # a fault of Kaunta's, not KRA's: the page must not keep the last good round's
        # "everything sent" (review r14c); the type only (the log has the rest)
        _keep_outcome(device, clock, f"the round failed ({type(exc).__name__}): see the log")
        raise
    if not result.busy:
        _keep_outcome(device, clock, result.stopped)
    return result


def _keep_outcome(device: BranchDevice, clock: Callable[[], datetime], stopped: str) -> None:
    """The round's end and why it stopped on the device: an update, not ``save()`` (no
    identity check or backfill for two bookkeeping fields)."""
    BranchDevice.objects.filter(pk=device.pk).update(
        last_round_at=clock(), last_stopped=stopped[:500]
    )


def _round(
    device: BranchDevice,
    *,
    settings: EtimsSettings | None,
    secrets: SecretStore | None,
    clock: Callable[[], datetime],
    item_class: str | None,
) -> RoundResult:
    """:func:`run_round`'s work."""
    settings = settings or settings_from_environment()
    item_class = item_class or item_class_from_environment()
    secrets = secrets or _SECRETS
    try:
        branch = Branch(device.tin, device.bhf_id, device.device_serial)
    except SettingsError as exc:
        # a device saved before its fields were checked (or past the model): a set-up
        # failure said like KRA's, not an exception failing the task without a reason
        return RoundResult(0, 0, f"set-up of the branch device (admin: KRA eTIMS): {exc}")
    queue = DjangoQueue()
    try:
        # the optional GavaConnect token (reference 1.4), read once per round
        token = secrets.get(f"etims.bearer.{branch.tin}.{branch.bhf_id}")
        client = OscuClient(branch, settings, secrets, bearer=lambda: token)
        _set_up(device, client, clock, secrets)
        cache = CodeCache.from_json(device.codes or CodeCache().to_json())
        default_class = fallback_class(cache, item_class)
    except (TransportError, EtimsError) as exc:
        return RoundResult(0, 0, f"set-up with KRA: {exc}")

    def save_items(items: dict[str, dict[str, str]]) -> None:
        BranchDevice.objects.filter(pk=device.pk).update(items=items)

    from sync.server.etims.catalog import REFUSED, own_class

    registry = ItemRegistry(
        device.items or {},
        save_items,
        default_class=default_class,
        own_class=lambda sku: own_class(device, sku),
        listed=lambda: cache.item_classes,
    )
    registrar = Registrar("kaunta-hq", f"Kaunta head office {device.store}")
    fence = Fence(queue)
    submitter = Submitter(
        fence.as_store(),
        client,
        settings,
        items=registry.items,
        rates=cache.tax_rates,
        registrar=registrar,
        clock=clock,
    )
    try:
        for entry in queue.entries(branch.key, (EntryState.WAITING,)):
            if entry.kind is EntryKind.SALE:
                for line in registry.missing(entry.body.get("lines") or []):
                    sku = str(line["sku"])
                    if (device.pk, sku) in REFUSED:
                        continue  # its sale parks ("not yet registered") for the manager
                    try:
                        registry.register(
                            line,
                            rates=cache.tax_rates(),
                            band_by_vat_code=settings.band_by_vat_code,
                            registrar=registrar,
                            send=client.save_item,
                        )
                    except UnlistedClass as exc:  # this product alone: the rest go on
                        REFUSED[(device.pk, sku)] = (exc.item_class, str(exc))
                        log.warning("eTIMS %s: %s", device.key, exc)
    except (TransportError, EtimsRejected) as exc:
        return RoundResult(0, 0, f"product registration: {exc}")

    def stale(entry: Entry) -> list[Mapping[str, Any]]:
        """A waiting document's lines whose product must be registered (again) first:
        unknown to KRA, or in another band than sold in (not those refused under their
        class now: the document parks saying why)."""
        lines = registry.stale(
            entry.body.get("lines") or [],
            rates=cache.tax_rates(),
            band_by_vat_code=settings.band_by_vat_code,
        )
        return [ln for ln in lines if (device.pk, str(ln["sku"])) not in REFUSED]

    def register_again(lines: list[Mapping[str, Any]]) -> None:
        for line in lines:
            try:
                item = registry.register(
                    line,
                    rates=cache.tax_rates(),
                    band_by_vat_code=settings.band_by_vat_code,
                    registrar=registrar,
                    send=client.save_item,
                )
            except UnlistedClass as exc:
                REFUSED[(device.pk, str(line["sku"]))] = (exc.item_class, str(exc))
                log.warning("eTIMS %s: %s", device.key, exc)
            else:
                log.info(
                    "eTIMS %s: %s registered again in band %s",
                    device.key,
                    item.sku,
                    item.tax_ty_cd,
                )

    try:
        result = drain_in_order(submitter, fence, stale, register_again)
    except (TransportError, EtimsRejected) as exc:
        return RoundResult(0, 0, f"product registration: {exc}")
    if result.busy:
        return RoundResult(0, 0, "", busy=True)
    if not result.stopped:
        try:
            _register_catalog(device, registry, cache, settings, registrar, client)
        except TransportError as exc:
            return RoundResult(result.signed, result.parked, f"product registration: {exc}")
    return RoundResult(result.signed, result.parked, result.stopped)


def _register_catalog(
    device: BranchDevice,
    registry: ItemRegistry,
    cache: CodeCache,
    settings: EtimsSettings,
    registrar: Registrar,
    client: OscuClient,
) -> int:
    """Register a batch of the catalogue's products KRA lacks, or has under another
    class than theirs now (``saveItem``), ahead of their first sale; KRA away stops
    (raised), a refusal (KRA's, or a class KRA does not list) skips the product
    (logged, kept with the class it was refused under)."""
    from sync.server.etims.catalog import REFUSED, lines_to_register

    def band(line: Mapping[str, Any]) -> str | None:
        try:
            return line_band(line, cache.tax_rates(), settings.band_by_vat_code)
        except MappingError:
            return None  # its first sale parks saying why

    done = 0
    for line in lines_to_register(
        device,
        registry.registered_class,
        registry.default_class,
        registered_band=registry.registered_band,
        band=band,
    ):
        try:
            registry.register(
                line,
                rates=cache.tax_rates(),
                band_by_vat_code=settings.band_by_vat_code,
                registrar=registrar,
                send=client.save_item,
            )
            done += 1
        except TransportError:
            raise
        except (EtimsRejected, EtimsError, ValueError) as exc:
            wanted = registry.class_for(line.get("kra_item_class"))
            REFUSED[(device.pk, str(line["sku"]))] = (wanted, str(exc))
            log.warning("eTIMS %s: KRA did not register %s: %s", device.key, line["sku"], exc)
    return done


def fallback_class(cache: CodeCache, configured: str) -> str:
    """The classification a product without its own gets: ``configured`` when KRA's
    fetched list holds it (or no list was fetched), else refused: a code KRA does not
    list would be refused at ``saveItem`` for every product, so the round says so
    rather than register the catalogue under it."""
    return listed_class(cache, configured, "KAUNTA_ETIMS_ITEM_CLASS")


def key_rescue_dir() -> Path:
    """Where head office keeps a communication key its sealed store refused, until the store
    takes it (``KAUNTA_HQ_DATA_DIR/etims-keys``, readable by head office's OS user only)."""
    from django.conf import settings

    return Path(settings.DATA_DIR) / "etims-keys"


def _set_up(
    device: BranchDevice,
    client: OscuClient,
    clock: Callable[[], datetime],
    secrets: SecretStore,
) -> None:
    """KRA's device set-up (once per branch: KRA answers it once) and the code lists.

    KRA gives the communication key only on that one call: if the sealed store then refuses
    it, the key is written to a rescue file (:mod:`sync.etims.keykeep`, never to the log) and
    moved into the store by the next round that can."""
    folder = key_rescue_dir()
    if restore_rescued(folder, client.branch, secrets):
        log.warning("eTIMS %s: the communication key moved from its rescue file", device)
    try:
        client.cmc_key()
        known = device.device is not None
    except NotInitialised:
        known = False
    if not known:
        try:
            info: DeviceInfo = client.initialize()
        except KeyNotStored as exc:
            device.device = exc.device.to_json()
            BranchDevice.objects.filter(pk=device.pk).update(device=device.device)
            path = write_rescue(folder, client.branch, exc.key, clock())
            raise KeyNotStored(
                f"{exc}: the key is kept in {path} until the store takes it (next round); "
                "copy that file somewhere safe meanwhile",
                exc.device,
                "",
            ) from None
        device.device = info.to_json()
        BranchDevice.objects.filter(pk=device.pk).update(device=device.device)
    cache = CodeCache.from_json(device.codes or CodeCache().to_json())
    client.refresh_codes(cache, clock())
    client.refresh_item_classes(cache, clock())
    device.codes = cache.to_json()
    BranchDevice.objects.filter(pk=device.pk).update(codes=device.codes)


def enqueue_document(
    device: BranchDevice,
    document: Mapping[str, Any],
    *,
    terminal_id: int | None = None,
    token_hash: str = "",
) -> int | None:
    """Queue one ledger document (``sale.completed`` / ``refund.completed``) in its
    branch's queue, once (again: the same position). Training documents never.

    ``terminal_id``: the till that made it (its results pull gets KRA's answer);
    ``token_hash``: that till's token hash, from which the customer page's token is made
    (:func:`sync.etims.public.receipt_token`, as the till made it for its QR code)."""
    body = document["body"]
    if document.get("training") or body.get("training"):
        return None
    queue = DjangoQueue()
    key = f"{device.tin}-{device.bhf_id}"
    now = _now()
    if document["type"] == "sale.completed":
        doc_id = str(body["sale_id"])
        position = queue.enqueue(key, doc_id, EntryKind.SALE, body, now)
    else:
        original = body.get("original") or {}
        doc_id = str(body["refund_id"])
        position = queue.enqueue(
            key, doc_id, EntryKind.REFUND, body, now, original_doc_id=original.get("sale_id")
        )
    if terminal_id is not None:
        QueueEntry.objects.filter(id=position, terminal__isnull=True).update(
            terminal_id=terminal_id,
            public_token=receipt_token(token_hash, doc_id) if token_hash else None,
        )
    return position
