"""Parameter definitions: the name, kind, default, allowed range and help of one argument.

A schedule's parameters are declared once here and serve validation, the defaults that
fill a spec, and (later) the forms generated from the catalogue.
"""
import math

from .errors import SpecError

REQUIRED = object()  # default of a parameter the framework makes the caller supply


class Param:
    """One keyword argument of a framework's schedule constructor or factory.

    kind is "float", "int" or "bool". lo/hi bound the value; lo_open/hi_open make a bound
    exclusive. Numbers must be finite; bools are never accepted as numbers.
    """

    def __init__(self, name, kind, default=REQUIRED, lo=None, hi=None, lo_open=False,
                 hi_open=False, help=""):
        self.name = name
        self.kind = kind
        self.default = default
        self.lo = lo
        self.hi = hi
        self.lo_open = lo_open
        self.hi_open = hi_open
        self.help = help

    def allowed(self):
        """What this parameter accepts, as a phrase for error messages and help text."""
        if self.kind == "bool":
            return "must be true or false"
        what = "a whole number" if self.kind == "int" else "a number"
        parts = []
        if self.lo is not None:
            parts.append(("> %s" if self.lo_open else ">= %s") % _num(self.lo))
        if self.hi is not None:
            parts.append(("< %s" if self.hi_open else "<= %s") % _num(self.hi))
        if parts:
            return "must be %s %s" % (what, " and ".join(parts))
        return "must be %s" % what

    def check(self, value, field):
        """Return value converted to the parameter's kind, or raise SpecError."""
        if self.kind == "bool":
            if type(value) is not bool:
                raise SpecError(field, value, self.allowed())
            return value
        if type(value) is bool or not isinstance(value, (int, float)):
            raise SpecError(field, value, self.allowed())
        if self.kind == "int":
            if isinstance(value, float):
                if not math.isfinite(value) or value != math.floor(value):
                    raise SpecError(field, value, self.allowed())
                value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise SpecError(field, value, "must be a finite number")
        if self.lo is not None and (value < self.lo or (self.lo_open and value == self.lo)):
            raise SpecError(field, value, self.allowed())
        if self.hi is not None and (value > self.hi or (self.hi_open and value == self.hi)):
            raise SpecError(field, value, self.allowed())
        return value


def _num(x):
    """A bound as written in messages: 0 not 0.0."""
    if isinstance(x, float) and x == math.floor(x) and abs(x) < 1e15:
        return str(int(x))
    return str(x)
