"""Parameter definitions: the name, kind, default, allowed values and help of one argument.

A schedule's parameters are declared once here and serve validation, the defaults that
fill a spec, the catalogue, and the forms generated from it.

Kinds (the strings the catalogue shows):

* ``float``, ``int``, ``bool``: a number or flag; ``lo``/``hi`` bound numbers
  (``lo_open``/``hi_open`` make a bound exclusive).
* ``choice``: one of ``choices`` (strings).
* ``list``: a list of numbers of kind ``item`` ("float" or "int"), each within lo/hi;
  ``order`` may demand "increasing" or "nondecreasing" values; ``min_len`` a minimum length.
* ``map``: an object from whole-number boundaries (JSON keys are strings: "30") to numbers
  of kind ``item`` within lo/hi; optax's ``boundaries_and_scales``. Checked to a dict with
  int keys in increasing order.
* ``formula``: an expression of the step in pycore's formula language (``pycore.expr``).
* ``schedule list``: a list of full child specs of the same framework (SequentialLR's
  ``schedulers``); validated by ``pycore.spec``, not here.
* ``kwargs list``: a list of keyword-argument objects, each for the schedule named by
  ``schedule`` (optax ``sgdr_schedule``'s ``cosine_kwargs``); validated by ``pycore.spec``.
* ``metric series``: the top-level ``metrics`` list of a metric-driven schedule.

``nullable`` parameters also accept None (the framework's "not given"), which is then
their default unless another is declared.
"""
import math

from .errors import SpecError

REQUIRED = object()  # default of a parameter the framework makes the caller supply

KINDS = ("float", "int", "bool", "choice", "list", "map", "formula", "schedule list",
         "kwargs list", "metric series")


class Param:
    """One keyword argument of a framework's schedule constructor or factory."""

    def __init__(self, name, kind, default=REQUIRED, lo=None, hi=None, lo_open=False,
                 hi_open=False, help="", choices=None, item=None, order=None, min_len=0,
                 nullable=False, schedule=None):
        if kind not in KINDS:
            raise ValueError("unknown parameter kind " + kind)
        if nullable and default is REQUIRED:
            default = None
        self.name = name
        self.kind = kind
        self.default = default
        self.lo = lo
        self.hi = hi
        self.lo_open = lo_open
        self.hi_open = hi_open
        self.help = help
        self.choices = choices
        self.item = item
        self.order = order
        self.min_len = min_len
        self.nullable = nullable
        self.schedule = schedule

    def _range(self, what):
        parts = []
        if self.lo is not None:
            parts.append(("> %s" if self.lo_open else ">= %s") % _num(self.lo))
        if self.hi is not None:
            parts.append(("< %s" if self.hi_open else "<= %s") % _num(self.hi))
        if parts:
            return "%s %s" % (what, " and ".join(parts))
        return what

    def allowed(self):
        """What this parameter accepts, as a phrase for error messages and help text."""
        kind = self.kind
        if kind == "bool":
            text = "must be true or false"
        elif kind == "choice":
            text = "must be one of " + ", ".join('"%s"' % c for c in self.choices)
        elif kind in ("float", "int"):
            text = "must be " + self._range("a whole number" if kind == "int" else "a number")
        elif kind == "list":
            each = self._range("a whole number" if self.item == "int" else "a number")
            text = "must be a list of numbers, each " + each
            if self.order:
                text += ", in %s order" % self.order
            if self.min_len:
                text += ", at least %d long" % self.min_len
        elif kind == "map":
            each = self._range("a whole number" if self.item == "int" else "a number")
            text = ("must be an object from whole-number steps >= 0 to numbers, each value "
                    + each)
        elif kind == "formula":
            text = "must be a formula of step"
        elif kind == "schedule list":
            text = "must be a list of schedule specs"
        elif kind == "kwargs list":
            text = "must be a list of %s argument objects" % self.schedule
        else:
            text = "must be a list of numbers"
        if self.nullable:
            text += ", or null"
        return text

    def check(self, value, field):
        """Return value converted to the parameter's kind, or raise SpecError.

        Kinds that hold other specs (schedule list, kwargs list) and formulas are checked
        for shape only; ``pycore.spec`` validates their contents.
        """
        if value is None and self.nullable:
            return None
        kind = self.kind
        if kind == "bool":
            if type(value) is not bool:
                raise SpecError(field, value, self.allowed())
            return value
        if kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise SpecError(field, value, self.allowed())
            return value
        if kind in ("float", "int"):
            return self._number(value, field, kind, self.allowed())
        if kind == "list":
            return self._list(value, field)
        if kind == "map":
            return self._map(value, field)
        if kind == "formula":
            if not isinstance(value, str) or not value.strip():
                raise SpecError(field, value, self.allowed())
            return value
        if not isinstance(value, list):
            raise SpecError(field, value, self.allowed())
        if kind == "metric series":
            return [self._number(v, "%s[%d]" % (field, i), "float", "must be a finite number")
                    for i, v in enumerate(value)]
        if len(value) < self.min_len:
            raise SpecError(field, value, "%s, at least %d long" % (self.allowed(), self.min_len))
        return value

    def _number(self, value, field, kind, allowed):
        if type(value) is bool or not isinstance(value, (int, float)):
            raise SpecError(field, value, allowed)
        if kind == "int":
            if isinstance(value, float):
                if not math.isfinite(value) or value != math.floor(value):
                    raise SpecError(field, value, allowed)
                value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise SpecError(field, value, "must be a finite number")
        if self.lo is not None and (value < self.lo or (self.lo_open and value == self.lo)):
            raise SpecError(field, value, allowed)
        if self.hi is not None and (value > self.hi or (self.hi_open and value == self.hi)):
            raise SpecError(field, value, allowed)
        return value

    def _list(self, value, field):
        if not isinstance(value, (list, tuple)):
            raise SpecError(field, value, self.allowed())
        if len(value) < self.min_len:
            raise SpecError(field, value, self.allowed())
        out = [self._number(v, "%s[%d]" % (field, i), self.item, self.allowed())
               for i, v in enumerate(value)]
        for i in range(1, len(out)):
            if ((self.order == "increasing" and out[i] <= out[i - 1])
                    or (self.order == "nondecreasing" and out[i] < out[i - 1])):
                raise SpecError("%s[%d]" % (field, i), out[i], self.allowed())
        return out

    def _map(self, value, field):
        if not isinstance(value, dict):
            raise SpecError(field, value, self.allowed())
        pairs = []
        for key in value:
            step = key
            if isinstance(key, str):
                text = key.strip()
                step = int(text) if text.isdigit() else None
            if type(step) is not int or step < 0:
                raise SpecError("%s[%s]" % (field, key), key,
                                "keys must be whole-number steps >= 0")
            pairs.append((step, self._number(value[key], "%s[%s]" % (field, key), self.item,
                                             self.allowed())))
        pairs.sort()
        for i in range(1, len(pairs)):
            if pairs[i][0] == pairs[i - 1][0]:
                raise SpecError(field, value, "must not name step %d twice" % pairs[i][0])
        if len(pairs) < self.min_len:
            raise SpecError(field, value, self.allowed())
        out = {}
        for step, v in pairs:
            out[step] = v
        return out

    def describe(self):
        """This parameter as a catalogue entry (plain JSON-ready dict)."""
        entry = {"name": self.name, "kind": self.kind, "help": self.help,
                 "required": self.default is REQUIRED, "allowed": self.allowed()}
        if self.default is not REQUIRED:
            entry["default"] = self.default
        for key in ("lo", "hi", "choices", "item", "order", "schedule"):
            v = getattr(self, key)
            if v is not None:
                entry[key] = list(v) if isinstance(v, tuple) else v
        if self.lo is not None:
            entry["lo_open"] = self.lo_open
        if self.hi is not None:
            entry["hi_open"] = self.hi_open
        if self.min_len:
            entry["min_len"] = self.min_len
        if self.nullable:
            entry["nullable"] = True
        return entry


def _num(x):
    """A bound as written in messages: 0 not 0.0."""
    if isinstance(x, float) and x == math.floor(x) and abs(x) < 1e15:
        return str(int(x))
    return str(x)
