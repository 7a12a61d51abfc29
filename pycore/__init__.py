"""pycore: the learning-rate maths of the site, in plain Python.

Runs unchanged on CPython >= 3.11 and on MicroPython 1.28 (the interpreter the site ships
to browsers), using only ``math`` and ``json`` (and ``struct``, built into MicroPython, for
lrfinder's float32 rounding). No DOM, no I/O.
"""
from .errors import SpecError
from .lrfinder import lr_ladder, smooth, suggest_lr
from .numfmt import format_int, format_lr, format_sig, py_repr
from .spec import (MAX_SERIES, MAX_STEP, build, catalog, frameworks, lr_at, lr_series,
                   momentum_series, names, to_code, validate)
from .translate import translate

__all__ = [
    "SpecError", "format_int", "format_lr", "format_sig", "py_repr", "MAX_SERIES",
    "MAX_STEP", "build", "catalog", "frameworks", "lr_at", "lr_series", "momentum_series",
    "names", "to_code", "translate", "validate", "suggest_lr", "smooth", "lr_ladder",
]
