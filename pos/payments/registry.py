"""Finding payment methods: entry points in the group ``kaunta.payment_methods``.

Kaunta's own methods are registered the same way a third-party package registers one
(see ``[project.entry-points."kaunta.payment_methods"]`` in pyproject.toml), so adding a
gateway never needs a change to Kaunta. Each entry point names a factory
``create(context: MethodContext) -> PaymentMethod``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol, TypeVar

from pos.payments.base import MethodDescription, PaymentMethod

ENTRY_POINT_GROUP = "kaunta.payment_methods"
log = logging.getLogger(__name__)


class SecretSource(Protocol):
    """Where a method reads its keys (the OS keyring in the app; a dict in tests)."""

    def get(self, name: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class MethodContext:
    """Everything a factory may use to build its method."""

    training: bool
    currency: str  # the store's currency
    settings: Mapping[str, Any] = field(default_factory=dict)  # [payments.<code>] config
    secrets: SecretSource | None = None


Factory = Callable[[MethodContext], PaymentMethod]
F = TypeVar("F", bound=Callable[..., PaymentMethod])


def method_factory(method_class: type[PaymentMethod]) -> Callable[[F], F]:
    """Mark ``create`` as the factory of ``method_class``, so the till can read the
    method's description (settings fields, label) before it is built, e.g. to let the
    manager type the keys of a method that cannot be built yet because they are missing."""

    def mark(factory: F) -> F:
        factory.method_class = method_class  # type: ignore[attr-defined]
        return factory

    return mark


@dataclass(frozen=True, slots=True)
class Discovered:
    code: str
    factory: Factory
    source: str  # "package:module:attr" for the docs and error messages

    @property
    def description(self) -> MethodDescription | None:
        """The method's description without building it (None if the factory is not
        marked with :func:`method_factory` and is not the method class itself)."""
        cls = getattr(self.factory, "method_class", None)
        if cls is None and isinstance(self.factory, type):
            cls = self.factory
        if isinstance(cls, type) and issubclass(cls, PaymentMethod):
            return cls.describe()
        return None


def discover() -> dict[str, Discovered]:
    """Every installed method, by code. A broken plug-in is logged and skipped."""
    found: dict[str, Discovered] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            factory = ep.load()
        except Exception:
            log.exception("payment method %s (%s) failed to load; skipped", ep.name, ep.value)
            continue
        if ep.name in found:
            log.warning(
                "payment method %s registered twice; keeping %s", ep.name, found[ep.name].source
            )
            continue
        found[ep.name] = Discovered(ep.name, factory, ep.value)
    return found


def build(code: str, context: MethodContext, available: Mapping[str, Discovered]) -> PaymentMethod:
    """Instantiate one method, checking it is what it claims to be."""
    if code not in available:
        known = ", ".join(sorted(available)) or "none"
        raise LookupError(f"No payment method {code!r} is installed (installed: {known}).")
    method = available[code].factory(context)
    if not isinstance(method, PaymentMethod):
        raise TypeError(f"{available[code].source} did not return a PaymentMethod")
    if method.code != code:
        raise TypeError(f"{available[code].source} returned method {method.code!r}, not {code!r}")
    return method
