"""Specs: the JSON objects that name a schedule, and the functions that evaluate them.

A spec is ``{"framework": ..., "name": ..., "params": {...}}`` using the framework's own
class or function name and argument names; torch-based frameworks (pytorch, transformers,
timm) put the optimizer's base LR in the top-level key ``"lr"``.
"""
from .errors import SpecError
from .params import REQUIRED
from .schedules import PYTORCH_LR, REGISTRY, TORCH_BASED

MAX_SERIES = 10000000  # lr_series refuses more updates than this (keeps a page responsive)
MAX_STEP = 2 ** 53  # steps beyond this are not exact integers in float64 frameworks


def frameworks():
    """The frameworks pycore has schedules for, sorted."""
    return sorted(set(f for f, _ in REGISTRY))


def _schedule_class(spec):
    """Check the spec's shape and return its schedule class."""
    if not isinstance(spec, dict):
        raise SpecError("spec", spec, "must be an object with framework, name and params")
    framework = spec.get("framework")
    known = frameworks()
    if framework not in known:
        raise SpecError("framework", framework, "must be one of " + ", ".join(known))
    name = spec.get("name")
    names = sorted(n for f, n in REGISTRY if f == framework)
    cls = REGISTRY.get((framework, name)) if isinstance(name, str) else None
    if cls is None:
        raise SpecError("name", name, "must be one of %s for %s" % (", ".join(names), framework))
    allowed_keys = ("framework", "name", "params", "lr") if framework in TORCH_BASED else (
        "framework", "name", "params")
    for key in spec:
        if key not in allowed_keys:
            raise SpecError(key, spec[key], "is not a spec key; allowed: " + ", ".join(allowed_keys))
    return cls


def validate(spec):
    """Return a normalised copy of spec (defaults filled in), or raise SpecError."""
    cls = _schedule_class(spec)
    params = spec.get("params", {})
    if not isinstance(params, dict):
        raise SpecError("params", params, "must be an object of keyword arguments")
    names = [p.name for p in cls.params]
    for key in params:
        if key not in names:
            raise SpecError("params." + str(key), params[key],
                            "is not a parameter of %s; it takes %s" % (spec["name"], ", ".join(names)))
    clean = {}
    for p in cls.params:
        field = "params." + p.name
        if p.name in params:
            clean[p.name] = p.check(params[p.name], field)
        elif p.default is REQUIRED:
            raise SpecError(field, None, "is required and " + p.allowed())
        else:
            clean[p.name] = p.default
    out = {"framework": spec["framework"], "name": spec["name"], "params": clean}
    if spec["framework"] in TORCH_BASED:
        if "lr" not in spec:
            raise SpecError("lr", None, "is required for %s specs and %s" % (
                spec["framework"], PYTORCH_LR.allowed()))
        out["lr"] = PYTORCH_LR.check(spec["lr"], "lr")
    _check_relations(out)
    return out


def _check_relations(spec):
    """Refuse combinations the framework accepts but that make no sense."""
    p = spec["params"]
    if spec["name"] == "CosineAnnealingLR" and p["eta_min"] > spec["lr"]:
        raise SpecError("params.eta_min", p["eta_min"],
                        "must be <= the base lr (%s); above it the curve would rise" % spec["lr"])


def build(spec):
    """Validate spec and return its Schedule object."""
    clean = validate(spec)
    cls = REGISTRY[(clean["framework"], clean["name"])]
    if clean["framework"] in TORCH_BASED:
        return cls(clean["params"], clean["lr"])
    return cls(clean["params"])


def _check_count(value, field, hi):
    """An update index or count: a whole number from 0 to hi."""
    if type(value) is bool or not isinstance(value, int) or value < 0 or value > hi:
        raise SpecError(field, value, "must be a whole number from 0 to %d" % hi)
    return value


def lr_at(spec, step):
    """The LR the framework's optimizer uses for update ``step`` (0-based)."""
    return build(spec).at(_check_count(step, "step", MAX_STEP))


def lr_series(spec, n):
    """The LRs of updates 0..n-1, as the framework produces them step by step."""
    return build(spec).series(_check_count(n, "n", MAX_SERIES))



