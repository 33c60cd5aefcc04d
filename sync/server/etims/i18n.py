"""Kiswahili and English for head office's eTIMS pages: the dashboard's KRA eTIMS page
and the customer's page behind a provisional receipt's QR code (``/r/<token>``).

The texts are Django's own i18n (``{% translate %}`` in the templates, ``gettext`` in
the views); their Kiswahili is the catalogue ``locale/sw/LC_MESSAGES/django.po`` of this
app (Django finds an app's ``locale`` folder by itself, so the catalogue serves the
dashboard's eTIMS template too). The compiled ``django.mo`` is build output, not
committed: :func:`compile_catalogue` makes it with GNU ``msgfmt`` (Django's
``compilemessages`` uses the same tool), as ``dev.py`` builds the till's ``.qm`` files.

Which language a page is in is chosen per page, not by a site-wide middleware (the
other dashboard pages are English only, and their forms and Django's own messages must
not change language under them): ``?lang=sw`` or ``?lang=en`` first, then the
browser's Accept-Language (the first of Kiswahili or English it names), else English.
A customer's phone set to Kiswahili gets the Kiswahili page without asking.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_noop
from django.utils.translation.trans_real import parse_accept_lang_header

__all__ = [
    "CATALOGUE",
    "LANGUAGES",
    "OWN_LABELS",
    "compile_catalogue",
    "in_page_language",
    "page_language",
]

#: the SCU block's labels that are the shop's words, not KRA's (as the till's
#: ``pos.services.etims.OWN_LABELS``): said in the page's language; KRA's own terms (the
#: title, SCU ID, CU Invoice No., Internal Data, Receipt Signature) stay as KRA prints them
OWN_LABELS = frozenset(
    {gettext_noop("Date"), gettext_noop("Time"), gettext_noop("Receipt counter")}
)
#: the languages of these pages; the first is the default
LANGUAGES = ("en", "sw")
LOCALE = Path(__file__).resolve().parent / "locale"
CATALOGUE = LOCALE / "sw" / "LC_MESSAGES" / "django.po"


def page_language(request: HttpRequest) -> str:
    """``?lang=`` when it names one of :data:`LANGUAGES`, else the first of them the
    Accept-Language header names (by its q order), else English."""
    asked = request.GET.get("lang", "").strip().lower()
    if asked in LANGUAGES:
        return asked
    for code, _q in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        base = code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return LANGUAGES[0]


View = Callable[..., HttpResponse]


def in_page_language(view: View) -> View:
    """Run ``view`` (and render its template) in :func:`page_language`; the answer says
    its language (``Content-Language``) and that it varies with Accept-Language."""

    @wraps(view)
    def wrapper(request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        language = page_language(getattr(request, "_request", request))
        with translation.override(language):
            response = view(request, *args, **kwargs)
            render = getattr(response, "render", None)
            if callable(render) and not getattr(response, "is_rendered", True):
                response = render()  # a template response renders in the language too
        response["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language",))
        return response

    return wrapper


def compile_catalogue(
    source: Path = CATALOGUE, msgfmt: str | None = None, *, force: bool = False
) -> Path:
    """Compile ``source`` (the catalogue) to the ``.mo`` beside it when that is missing
    or older (or ``force``), with ``msgfmt --check`` (format strings checked against
    their source). Returns the ``.mo`` path. Raises ``FileNotFoundError`` naming the
    package when ``msgfmt`` is not installed, and ``subprocess.CalledProcessError``
    (``stderr``: msgfmt's message) for a broken catalogue: the old ``.mo`` is then kept."""
    compiled = source.with_suffix(".mo")
    if not force and compiled.exists() and compiled.stat().st_mtime >= source.stat().st_mtime:
        return compiled
    tool = msgfmt or shutil.which("msgfmt")
    if tool is None:
        raise FileNotFoundError("msgfmt is not installed (apt install gettext)")
    partial = compiled.with_suffix(".mo.new")
    try:
        subprocess.run(
            [tool, "--check", "-o", str(partial), str(source)],
            check=True,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(compiled)  # whole or not at all: a server never reads half a file
    return compiled
