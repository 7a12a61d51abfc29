"""Specs: the JSON objects that name a schedule, and the functions that evaluate them.

A spec is ``{"framework": ..., "name": ..., "params": {...}}`` using the framework's own
class or function name and argument names. Torch-based frameworks (pytorch, transformers,
timm) put the optimizer's base LR in the top-level key ``"lr"``; metric-driven schedules
read the metric series from the top-level key ``"metrics"`` (one float per scheduler step).
Nested schedules (SequentialLR, ChainedScheduler, join_schedules) hold full child specs of
the same framework in a list under the framework's parameter name; children of
torch-based schedulers carry no ``lr`` of their own (they share the parent's optimizer).
"""
from . import sched_keras, sched_optax, sched_pytorch, sched_timm, sched_transformers
from .errors import SpecError
from .params import REQUIRED, Param

MODULES = (sched_pytorch, sched_transformers, sched_keras, sched_optax, sched_timm)
FRAMEWORK_MODULES = dict((m.FRAMEWORK, m) for m in MODULES)
REGISTRY = dict(((m.FRAMEWORK, c.name), c) for m in MODULES for c in m.SCHEDULES)
TORCH_BASED = ("pytorch", "transformers", "timm")

LR = Param("lr", "float", lo=0.0, lo_open=True,
           help="The optimizer's base learning rate (the param group's initial_lr).")
METRICS = Param("metrics", "metric series",
                help="The monitored metric after each scheduler step (e.g. validation loss).")

MAX_SERIES = 10000000  # lr_series refuses more updates than this (keeps a page responsive)
MAX_NESTING = 8  # levels of schedules inside schedules (SequentialLR in ChainedScheduler...)
MAX_STEP = 2 ** 53  # steps beyond this are not exact integers in float64 frameworks
STEP = Param("step", "int", lo=0, hi=MAX_STEP, help="The update index, from 0.")
COUNT = Param("n", "int", lo=0, hi=MAX_SERIES, help="How many updates, from update 0.")


def frameworks():
    """The frameworks pycore has schedules for, in catalogue order."""
    return [m.FRAMEWORK for m in MODULES if m.SCHEDULES]


def names(framework):
    """The schedule names of one framework, in catalogue order."""
    return [c.name for c in FRAMEWORK_MODULES[framework].SCHEDULES]


def _schedule_class(spec, where, framework=None):
    """Check the spec's shape and return its schedule class."""
    if not isinstance(spec, dict):
        raise SpecError(where or "spec", spec,
                        "must be an object with framework, name and params")
    fw = spec.get("framework")
    known = frameworks()
    if framework is not None and fw != framework:
        raise SpecError(where + "framework", fw, 'must be "%s", like its parent' % framework)
    if fw not in known:
        raise SpecError(where + "framework", fw, "must be one of " + ", ".join(known))
    name = spec.get("name")
    cls = REGISTRY.get((fw, name)) if isinstance(name, str) else None
    if cls is None:
        raise SpecError(where + "name", name,
                        "must be one of %s for %s" % (", ".join(names(fw)), fw))
    return cls


def _allowed_keys(cls, framework, child):
    keys = ["framework", "name", "params"]
    if framework in TORCH_BASED and not child:
        keys.append("lr")
    if cls.metric_driven:
        keys.append("metrics")
    return keys


def validate(spec):
    """Return a normalised copy of spec (defaults filled in), or raise SpecError."""
    return _validate(spec, "", None, None)


def _validate(spec, where, parent_framework, parent_lr):
    child = parent_framework is not None
    cls = _schedule_class(spec, where, parent_framework)
    framework = spec["framework"]
    allowed = _allowed_keys(cls, framework, child)
    for key in spec:
        if key not in allowed:
            if key == "lr" and child:
                raise SpecError(where + "lr", spec[key],
                                "is not allowed here: children of %s schedules use their "
                                "parent's lr" % framework)
            raise SpecError(where + str(key), spec[key],
                            "is not a spec key; allowed: " + ", ".join(allowed))
    out = {"framework": framework, "name": spec["name"]}
    lr = parent_lr
    if framework in TORCH_BASED and not child:
        if "lr" not in spec:
            raise SpecError("lr", None, "is required for %s specs and %s" % (
                framework, LR.allowed()))
        lr = out["lr"] = LR.check(spec["lr"], "lr")
    out["params"] = _validate_params(cls, spec.get("params", {}), where + "params", framework, lr)
    if cls.metric_driven:
        if "metrics" not in spec:
            raise SpecError(where + "metrics", None,
                            "is required for %s and %s" % (cls.name, METRICS.allowed()))
        out["metrics"] = METRICS.check(spec["metrics"], where + "metrics")
    return out


def _validate_params(cls, params, where, framework, lr):
    """The checked keyword arguments of cls, defaults filled in, children validated."""
    if not isinstance(params, dict):
        raise SpecError(where, params, "must be an object of keyword arguments")
    declared = [p.name for p in cls.params]
    for key in params:
        if key not in declared:
            raise SpecError("%s.%s" % (where, key), params[key],
                            "is not a parameter of %s; it takes %s" % (
                                cls.name, ", ".join(declared) or "none"))
    clean = {}
    for p in cls.params:
        field = "%s.%s" % (where, p.name)
        if p.name not in params:
            if p.default is REQUIRED:
                raise SpecError(field, None, "is required and " + p.allowed())
            clean[p.name] = p.default
            continue
        value = p.check(params[p.name], field)
        if p.kind == "schedule list" and value is not None:
            value = [_validate_child(c, "%s[%d]." % (field, i), framework, lr)
                     for i, c in enumerate(value)]
        elif p.kind == "kwargs list" and value is not None:
            target = REGISTRY[(framework, p.schedule)]
            value = [_validate_params(target, c, "%s[%d]" % (field, i), framework, lr)
                     for i, c in enumerate(value)]
        clean[p.name] = value
    _check(cls, clean, lr, where)
    return clean


def _validate_child(child, where, framework, lr):
    """A nested schedule, at most MAX_NESTING levels deep (deeper nesting is never a real
    schedule, and would exhaust the recursion of both runtimes)."""
    if where.count("].") > MAX_NESTING:
        raise SpecError(where + "name", child.get("name") if isinstance(child, dict) else child,
                        "schedules nest at most %d levels deep" % MAX_NESTING)
    out = _validate(child, where, framework, lr)
    cls = REGISTRY[(framework, out["name"])]
    if cls.metric_driven:
        raise SpecError(where + "name", out["name"],
                        "cannot be nested: it is driven by a metric, not by steps")
    return out


def _check(cls, clean, lr, where):
    """Run the class's relation checks, re-rooting field names under ``where``."""
    try:
        cls.check(clean, lr)
    except SpecError as err:
        if where == "params" or not err.field.startswith("params"):
            raise
        raise SpecError(where + err.field[len("params"):], err.value, err.allowed)


def build(spec):
    """Validate spec and return its Schedule object."""
    return build_valid(validate(spec))


def build_valid(clean):
    """The Schedule object of a spec ``validate`` already returned (no second check)."""
    return _build(clean, None)


def _build(clean, lr):
    cls = REGISTRY[(clean["framework"], clean["name"])]
    lr = clean.get("lr", lr)
    p = dict(clean["params"])
    for prm in cls.params:
        if prm.kind == "schedule list" and p[prm.name] is not None:
            p[prm.name] = [_build(c, lr) for c in p[prm.name]]
    if cls.metric_driven:
        return cls(p, lr, clean["metrics"])
    return cls(p, lr)


def lr_at(spec, step):
    """The LR the framework's optimizer uses for update ``step`` (0-based)."""
    return build(spec).at(STEP.check(step, "step"))


def lr_series(spec, n):
    """The LRs of updates 0..n-1, as the framework produces them step by step."""
    return build(spec).series(COUNT.check(n, "n"))


def momentum_series(spec, n):
    """The momentum (or Adam beta1) of updates 0..n-1 for schedules that cycle it
    (CyclicLR, OneCycleLR with cycle_momentum), else None."""
    return build(spec).momentum_series(COUNT.check(n, "n"))


def to_code(spec):
    """A runnable Python snippet, in the spec's own framework, that reproduces it."""
    clean = validate(spec)
    return FRAMEWORK_MODULES[clean["framework"]].to_code(clean)


def catalog():
    """Every (framework, name) pycore models, with its parameters, as plain dicts."""
    out = []
    for m in MODULES:
        for cls in m.SCHEDULES:
            params = [p.describe() for p in cls.params]
            for p in params:
                p["where"] = "params"
            if m.FRAMEWORK in TORCH_BASED:
                top = LR.describe()
                top["where"] = "spec"
                params.insert(0, top)
            if cls.metric_driven:
                top = METRICS.describe()
                top["where"] = "spec"
                params.append(top)
            out.append({"framework": m.FRAMEWORK, "name": cls.name, "summary": cls.summary,
                        "doc": cls.doc, "notes": cls.notes, "params": params,
                        "metric_driven": cls.metric_driven,
                        "has_momentum": cls.has_momentum})
    return out
