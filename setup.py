"""Build glue that pyproject.toml cannot express: ship ``resources/`` as ``kaunta_resources``.

Everything else (metadata, dependencies, package discovery, the files shipped) is in
pyproject.toml. Package discovery there only finds folders named like their package, and
the brief's top-level ``resources/`` folder must not be installed as a top-level package
called ``resources`` (too generic a name to put in site-packages). So, after pyproject.toml
is read, the folder is added under the name ``kaunta_resources``. Both a real wheel and an
editable install (``pip install -e .``, whose import finder maps the name to the folder)
then have it, and ``pos.ui.resources`` finds it the same way in either.

It also builds the head office's native ingest kernel as *optional* extensions:
``sync.protocol._quickc`` (the quick sale check in C, see ``sync/protocol/quick.py``) and
``sync.server.ledger._rowsc`` (a batch's sale rows as COPY text, see
``sync/server/ledger/bulk.py``). Where no C compiler or Python headers are installed the
build says so and goes on, and the head office runs the same code in Python (slower, same
answers).
"""

from __future__ import annotations

from typing import Any

from setuptools import Extension, setup
from setuptools.dist import Distribution

RESOURCES = "kaunta_resources"
#: sub-folders of resources/ that hold shipped files (listed so setuptools treats them as
#: part of the package instead of warning about data folders it would ignore)
RESOURCE_FOLDERS = ("icons", "style", "translations")


class KauntaDistribution(Distribution):
    """pyproject.toml's configuration, plus the resources folder as a package."""

    def parse_config_files(self, *args: Any, **kwargs: Any) -> None:
        super().parse_config_files(*args, **kwargs)
        extra = [RESOURCES, *(f"{RESOURCES}.{folder}" for folder in RESOURCE_FOLDERS)]
        self.packages = [*(self.packages or []), *extra]
        self.package_dir = {**(self.package_dir or {}), RESOURCES: "resources"}


#: the native ingest kernel: the quick sale check and the sale rows' COPY text; optional:
#: without a compiler the Python code they are held to runs instead
KERNEL = [
    Extension(name, [source], extra_compile_args=["-O2"], optional=True)
    for name, source in (
        ("sync.protocol._quickc", "sync/protocol/_quickc.c"),
        ("sync.server.ledger._rowsc", "sync/server/ledger/_rowsc.c"),
    )
]

setup(distclass=KauntaDistribution, ext_modules=KERNEL)
