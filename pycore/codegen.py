"""Helpers for the code snippets ``to_code`` writes: exact literals and wrapped calls.

Floats are written with the shortest repr that reads back to the same double, so a pasted
snippet reproduces pycore's numbers bit for bit.
"""
from .numfmt import py_repr
from .params import REQUIRED


def literal(value):
    """Python source for a JSON-like value (None, bool, int, float, str, list, dict)."""
    if value is None or value is True or value is False:
        return str(value)
    if isinstance(value, float):
        text = py_repr(value)
        return "float('%s')" % text if text in ("inf", "-inf", "nan") else text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if isinstance(value, (list, tuple)):
        return "[%s]" % ", ".join(literal(v) for v in value)
    if isinstance(value, dict):
        return "{%s}" % ", ".join("%s: %s" % (literal(k), literal(v)) for k, v in value.items())
    raise TypeError("no literal for %r" % (value,))


def call(func, args, indent=0):
    """``func(a, b=...)`` from args: a list of source strings (positional) or
    (name, source) pairs (keywords); wrapped one argument per line when long."""
    parts = [a if isinstance(a, str) else "%s=%s" % a for a in args]
    one_line = "%s(%s)" % (func, ", ".join(parts))
    if len(one_line) + indent <= 88:
        return one_line
    pad = " " * (indent + 4)
    return "%s(\n%s,\n%s)" % (func, (",\n").join(pad + a for a in parts), " " * indent)


def changed(params, declared, always=()):
    """The (name, literal) keyword pairs of params, in declaration order: required ones,
    those named in ``always``, and those that differ from their declared default."""
    out = []
    for prm in declared:
        if prm.name not in params:
            continue
        v = params[prm.name]
        d = prm.default
        if d is REQUIRED or prm.name in always or not _same(v, d):
            out.append((prm.name, literal(v)))
    return out


def _same(a, b):
    if type(a) is bool or type(b) is bool:
        return a is b
    return a == b
