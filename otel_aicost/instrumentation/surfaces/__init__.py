"""One module per OpenAI API surface, each with its request attributes, response reader, chunk reader and
``PATCHES`` rows. A new surface is one new module here: ``all_patches()`` finds every module that has ``PATCHES``.
``shared`` holds the safe reads the surfaces share; ``surface`` the ``Surface`` and ``Patch`` types.
"""

from __future__ import annotations

import importlib
import pkgutil

from otel_aicost.instrumentation.surfaces.surface import Patch, Surface

__all__ = ["Patch", "Surface", "all_patches"]


def all_patches() -> tuple[Patch, ...]:
    """The ``PATCHES`` rows of every surface module, in module-name order."""
    rows: list[Patch] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        rows.extend(getattr(module, "PATCHES", ()))
    return tuple(rows)
