"""Head-office people: their role, and failed sign-ins (for the lockout)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sync.server.terminals.models import Store


class HqRole(models.TextChoices):
    """admin: everything; area_manager: read only, own stores; auditor: read only."""

    ADMIN = "admin"
    AREA_MANAGER = "area_manager"
    AUDITOR = "auditor"


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hq_profile"
    )
    role = models.CharField(max_length=16, choices=HqRole)
    stores = models.ManyToManyField(Store, blank=True, help_text="For area managers.")

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class SignInFailures(models.Model):
    """Failed sign-ins for one user name since the last success (PCI DSS 8.3.4)."""

    username = models.CharField(max_length=150, unique=True)
    count = models.IntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
