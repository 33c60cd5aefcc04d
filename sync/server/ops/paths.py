"""A request's path as it may be written down (logs, rejected-callback rows).

Some URLs carry a secret as a path segment: ``/hooks/stk/<attempt_id>/<token>`` (the token
that proves a Daraja callback is the one head office handed out for that attempt) and
``/r/<token>`` (a customer's receipt page). Written as they came, the access log and the
rejected-callback table held what lets anyone post a forged callback or read a customer's
receipt. :func:`safe_path` masks every URL parameter whose name holds ``token``."""

from __future__ import annotations

from django.http import HttpRequest

#: what a masked path segment reads as
MASK = "<token>"


def safe_path(request: HttpRequest, limit: int = 300) -> str:
    """``request.path`` with its token parameters masked, cut to ``limit`` characters."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:  # a middleware or view before routing: resolve it here
            from django.urls import Resolver404, resolve

            match = resolve(request.path_info)
        except Resolver404:
            match = None
    if match is not None:
        for name, value in match.kwargs.items():
            if "token" in name and isinstance(value, str) and value:
                path = path.replace(value, MASK)
    return path[:limit]
