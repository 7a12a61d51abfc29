"""pycore: the learning-rate maths of the site, in plain Python.

Runs unchanged on CPython >= 3.11 and on MicroPython 1.28 (the interpreter the site ships
to browsers), using only ``math`` and ``json`` (and ``struct``, built into MicroPython, for
lrfinder's float32 rounding). No DOM, no I/O.
"""
from .errors import SpecError
from .numfmt import format_int, format_lr, format_sig, py_repr
from .spec import (MAX_SERIES, MAX_STEP, build, catalog, frameworks, lr_at, lr_series,
                   momentum_series, names, to_code, validate)
from .translate import translate

__all__ = [
    "SpecError", "format_int", "format_lr", "format_sig", "py_repr", "MAX_SERIES",
    "MAX_STEP", "build", "catalog", "frameworks", "lr_at", "lr_series", "momentum_series",
    "names", "to_code", "translate", "validate", "suggest_lr", "smooth", "lr_ladder",
]

# Exported functions whose module loads on their first call, so that a page which never
# calls them never downloads or imports it (tools/mkdocs_hooks.py reads this table to
# decide which modules a page ships).
LAZY = {"suggest_lr": "lrfinder", "smooth": "lrfinder", "lr_ladder": "lrfinder"}


def _lazy(name):
    return getattr(__import__("pycore." + LAZY[name], None, None, [name]), name)


def suggest_lr(*args, **options):
    """pycore.lrfinder.suggest_lr(lrs, losses, method, **options)."""
    return _lazy("suggest_lr")(*args, **options)


def smooth(*args, **options):
    """pycore.lrfinder.smooth(losses, tool)."""
    return _lazy("smooth")(*args, **options)


def lr_ladder(*args, **options):
    """pycore.lrfinder.lr_ladder(start, end, n, mode, tool)."""
    return _lazy("lr_ladder")(*args, **options)
