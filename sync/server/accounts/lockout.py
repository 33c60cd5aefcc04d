"""Sign-in lockout: after ``LOCKOUT_FAILURES`` failures a user name is refused for
``LOCKOUT_MINUTES`` (PCI DSS 8.3.4), even with the right password."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from sync.server.accounts.models import SignInFailures


def is_locked(username: str) -> bool:
    row = SignInFailures.objects.filter(username=username).first()
    return bool(row and row.locked_until and row.locked_until > timezone.now())


class LockoutModelBackend(ModelBackend):
    """Django's user/password check, refused while the user name is locked."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is not None and is_locked(username):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def _failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    username = str(credentials.get("username") or "")[:150]
    if not username:
        return
    with transaction.atomic():
        row, _ = SignInFailures.objects.select_for_update().get_or_create(username=username)
        if row.locked_until and row.locked_until <= timezone.now():
            row.count = 0
            row.locked_until = None
        row.count += 1
        if row.count >= settings.LOCKOUT_FAILURES and row.locked_until is None:
            row.locked_until = timezone.now() + timedelta(minutes=settings.LOCKOUT_MINUTES)
        row.save()


@receiver(user_logged_in)
def _succeeded(sender: Any, user: Any, **kwargs: Any) -> None:
    SignInFailures.objects.filter(username=user.get_username()).delete()
