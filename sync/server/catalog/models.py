"""The catalog (VAT classes, products, barcodes, prices) and the staff who work the tills.

Every VAT class, product and staff row carries ``version``, taken from one organisation-wide counter
(:func:`reserve_versions`) in the transaction that changes it. The counter row stays locked
until that transaction ends, so versions become visible in order and a terminal that pulled
"everything after version N" can never miss a change committed later with a smaller number.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.utils import timezone

from sync.server.terminals.models import Organisation, Store


class ChangeCounter(models.Model):
    """One row: the last version handed out."""

    last = models.BigIntegerField(default=0)


def reserve_versions(count: int = 1) -> int:
    """Take ``count`` consecutive versions; returns the first. Call inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reserve_versions must run inside transaction.atomic()")
    ChangeCounter.objects.get_or_create(pk=1)
    counter = ChangeCounter.objects.select_for_update().get(pk=1)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return first


class Versioned(models.Model):
    version = models.BigIntegerField(default=0, db_index=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            self.version = reserve_versions()
            super().save(*args, **kwargs)


#: KRA's tax types (eTIMS code class 04) and the rate KRA fixes for each, from the
#: reference (../shared/reference/etims.md, "Tax type"): A exempt, B 16 %, C zero-rated,
#: D non-VAT, E 8 %. A rate KRA does not hold cannot be printed on an eTIMS receipt.
KRA_BAND_RATES: dict[str, tuple[Decimal, bool]] = {
    "A": (Decimal(0), True),
    "B": (Decimal(16), False),
    "C": (Decimal(0), False),
    "D": (Decimal(0), False),
    "E": (Decimal(8), False),
}
#: The Kaunta VAT codes tied to a KRA tax type by code: the default of the eTIMS setting
#: ``band_by_vat_code`` (``sync.etims.settings.EtimsSettings``; a test holds the two
#: equal, the catalog may not import the eTIMS package); others find their band by rate.
KRA_BAND_BY_CODE: dict[str, str] = {"E": "A", "Z": "C"}


class VatClass(Versioned):
    """A VAT class as the till knows it: ``S`` 16 %, ``Z`` zero-rated, ``E`` exempt, …

    Versioned like products and staff (one counter), so a rate changed here reaches the
    tills in the same ordered feed (``kind: "vat_class"``) as the products that use it.
    A class in use is never deleted (``PROTECT``): it is deactivated (``active``).
    """

    code = models.CharField(
        max_length=4, unique=True, validators=[RegexValidator(r"^[A-Za-z0-9]{1,4}$")]
    )
    name = models.CharField(max_length=80)
    rate = models.CharField(
        max_length=12,
        validators=[RegexValidator(r"^\d{1,3}(\.\d{1,4})?$", "a percentage such as 16 or 8.5")],
        help_text="Percent, 0 to 100 (16 for 16 %); 0 when exempt.",
    )
    exempt = models.BooleanField(default=False)
    active = models.BooleanField(
        default=True, help_text="Inactive: kept for the products and sales that name it."
    )

    def __str__(self) -> str:
        return f"{self.code} ({self.rate} %)"

    def clean(self) -> None:
        """Refuse a rate outside 0 to 100, an exempt class with a rate, and a rate that
        contradicts the KRA tax type the class's code is tied to (docs/headoffice.md)."""
        super().clean()
        try:
            rate = Decimal(self.rate)
        except (InvalidOperation, TypeError):
            raise ValidationError({"rate": "The rate must be a percentage such as 16."}) from None
        if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(100):
            raise ValidationError({"rate": "The rate must be between 0 and 100 percent."})
        if self.exempt and rate != 0:
            raise ValidationError(
                {"rate": "An exempt class has no rate: set the rate to 0 or untick exempt."}
            )
        band = KRA_BAND_BY_CODE.get(self.code)
        if band is not None:
            kra_rate, kra_exempt = KRA_BAND_RATES[band]
            if rate != kra_rate or self.exempt != kra_exempt:
                kind = "exempt" if kra_exempt else f"{kra_rate} %"
                raise ValidationError(
                    f"Class {self.code} is KRA tax type {band}, which KRA fixes at {kind}: "
                    "use another class code for another rate."
                )

    def kra_band(self) -> str | None:
        """The KRA tax type this class maps to on eTIMS receipts, None when KRA has none
        at its rate (its sales would be refused by eTIMS: the admin warns)."""
        band = KRA_BAND_BY_CODE.get(self.code)
        if band is not None:
            return band
        rate = Decimal(self.rate)
        if self.exempt:
            return "A"
        if rate == 0:
            return "C"
        return next((b for b in "BE" if KRA_BAND_RATES[b][0] == rate), None)

    def change_data(self) -> dict[str, Any]:
        """The class as the tills get it (``kind: "vat_class"``): the rate as the same
        decimal text as in a product change's ``vat_class``."""
        return {
            "code": self.code,
            "name": self.name,
            "rate": self.rate,
            "exempt": self.exempt,
            "active": self.active,
        }


class Product(Versioned):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=80, blank=True)
    vat_class = models.ForeignKey(VatClass, on_delete=models.PROTECT)
    price_minor = models.BigIntegerField("price (minor units, VAT included)")
    currency = models.CharField(max_length=3, default="KES")
    active = models.BooleanField(default=True)
    #: KRA eTIMS item classification (``itemClsCd`` from KRA's list, 1 to 10 digits);
    #: empty: the branch default (``KAUNTA_ETIMS_ITEM_CLASS``). Sent to the tills.
    kra_item_class = models.CharField(
        "KRA item classification",
        max_length=10,
        null=True,
        blank=True,
        default=None,
        validators=[RegexValidator(r"^[0-9]{1,10}$", "1 to 10 digits from KRA's list")],
        help_text="KRA eTIMS itemClsCd (digits, from KRA's classification list); "
        "empty: the branch default.",
    )

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["organisation", "sku"], name="sku_per_organisation"),
        )
        indexes = (models.Index(fields=["organisation", "version"]),)

    def save(self, *args: Any, **kwargs: Any) -> None:
        # the admin's blank field is "" : stored as NULL (the branch default), one meaning
        if self.kra_item_class is not None and not self.kra_item_class.strip():
            self.kra_item_class = None
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class Barcode(models.Model):
    """A product's barcode; saving or deleting one gives its product a new version."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="barcodes")
    code = models.CharField(max_length=14, validators=[RegexValidator(r"^[A-Za-z0-9]{1,14}$")])

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["product", "code"], name="barcode_once_per_product"),
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)
            self.product.save(update_fields=["version"])

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            self.product.save(update_fields=["version"])
            return result


class StaffRole(models.TextChoices):
    CASHIER = "cashier"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"


class StaffUser(Versioned):
    """A person who works a till. No PIN here, ever: see docs/headoffice.md (PINs)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    stores = models.ManyToManyField(Store, blank=True, help_text="None chosen: every store.")
    name = models.CharField(max_length=80)
    role = models.CharField(max_length=12, choices=StaffRole, default=StaffRole.CASHIER)
    active = models.BooleanField(default=True)
    #: a one-time PIN set-up code (its SHA-256 only; the code is shown once at head office)
    #: with which the person sets their own PIN at a till; never a PIN or a PIN's hash
    setup_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    setup_code_expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"

    def make_setup_code(self, *, hours: int = 24) -> str:
        """A new PIN set-up code (replacing any earlier one); returns it, shown once. The
        new version takes its SHA-256 to the person's tills; each till accepts it once."""
        raw = secrets.token_hex(8).upper()
        code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
        self.setup_code_hash = hashlib.sha256(code.encode()).hexdigest()
        self.setup_code_expires_at = timezone.now() + timedelta(hours=hours)
        self.save()
        return code

    def change_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "role": self.role,
            "active": self.active,
        }
        if self.setup_code_hash and self.setup_code_expires_at is not None:
            data["setup_code"] = {
                "sha256": self.setup_code_hash,
                "expires_at": self.setup_code_expires_at.isoformat().replace("+00:00", "Z"),
            }
        return data
