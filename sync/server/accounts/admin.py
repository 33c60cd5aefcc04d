"""Admin: head-office people and their roles (Django's user admin plus the role inline)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from sync.server.accounts.models import Profile, SignInFailures


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    filter_horizontal = ("stores",)


class HqUserAdmin(UserAdmin):
    inlines = (ProfileInline,)


admin.site.unregister(User)
admin.site.register(User, HqUserAdmin)


@admin.register(SignInFailures)
class SignInFailuresAdmin(admin.ModelAdmin):
    list_display = ("username", "count", "locked_until")
