"""The schedule form, generated from the catalogue: fields, defaults, and reading what was typed.

A *raw* state holds exactly what the user typed, so nothing is lost on a bad value:

    {"framework": "pytorch", "name": "StepLR",
     "lr": "0.1",                                  # torch-based frameworks, top level only
     "params": {"step_size": "30", "gamma": "0.1"},
     "metrics": "0.9\\n0.8", "metrics_column": ""}  # metric-driven schedules only

Raw values per parameter kind: float/int -> text ("" = None when nullable); bool -> bool;
choice -> the choice string; list -> "30, 60, 90" (commas or whitespace, optional
brackets); map -> "30: 0.5, 60: 0.25" (optional braces); formula -> text; schedule list ->
a list of child raws (same shape, no lr, no metrics); kwargs list -> a list of
{argname: raw value} for the schedule the parameter names.

``read(raw)`` turns a raw state into a spec or per-field messages. The rules live in
``pycore.params`` and ``pycore.spec``: text is parsed to a value here, then the Param checks
it and ``validate`` runs the cross-field checks; their SpecErrors become the sentences.

Field paths name a value in the raw state: ``"lr"``, ``"metrics"``, ``"name"`` (the
schedule itself), ``"params.gamma"``, ``"params.schedulers[1].name"``,
``"params.schedulers[1].params.gamma"``, ``"params.cosine_kwargs[0].peak_value"``.
"""

from . import expr
from . import dataio
from .dataio import is_digits, parse_number, sentence
from .errors import SpecError
from .numfmt import py_repr
from .params import REQUIRED
from .spec import LR, METRICS, REGISTRY, TORCH_BASED, names, validate

# The optimizer's base LR a fresh form starts with, per torch-based framework.
START_LR = {"pytorch": "0.1", "transformers": "5e-5", "timm": "0.1"}

# Starting values for parameters the framework makes the caller supply, and for the few
# optional ones whose framework default shows nothing (timm's decay_rate 1.0 never
# decays; optax piecewise schedules without boundaries are constant).
START = {
    ("pytorch", "LambdaLR"): {"lr_lambda": "0.95 ** epoch"},
    ("pytorch", "MultiplicativeLR"): {"lr_lambda": "0.95"},
    ("pytorch", "StepLR"): {"step_size": "30"},
    ("pytorch", "MultiStepLR"): {"milestones": "30, 60, 90"},
    ("pytorch", "ExponentialLR"): {"gamma": "0.95"},
    ("pytorch", "CosineAnnealingLR"): {"T_max": "100"},
    ("pytorch", "CosineAnnealingWarmRestarts"): {"T_0": "10"},
    ("pytorch", "CyclicLR"): {"base_lr": "0.001", "max_lr": "0.1"},
    ("pytorch", "OneCycleLR"): {"max_lr": "0.1", "total_steps": "1000"},
    ("pytorch", "SequentialLR"): {"milestones": "5"},
    ("pytorch", "SWALR"): {"swa_lr": "0.05"},
    ("transformers", "constant_with_warmup"): {"num_warmup_steps": "100"},
    ("transformers", "linear"): {"num_warmup_steps": "100", "num_training_steps": "1000"},
    ("transformers", "cosine"): {"num_warmup_steps": "100", "num_training_steps": "1000"},
    ("transformers", "cosine_with_restarts"): {"num_warmup_steps": "100",
                                               "num_training_steps": "1000"},
    ("transformers", "polynomial"): {"num_warmup_steps": "100", "num_training_steps": "1000"},
    ("transformers", "inverse_sqrt"): {"num_warmup_steps": "100"},
    ("transformers", "cosine_with_min_lr"): {"num_warmup_steps": "100",
                                             "num_training_steps": "1000", "min_lr": "1e-6"},
    ("transformers", "cosine_warmup_with_min_lr"): {"num_warmup_steps": "100",
                                                    "num_training_steps": "1000",
                                                    "min_lr": "1e-6"},
    ("transformers", "warmup_stable_decay"): {"num_warmup_steps": "100",
                                              "num_decay_steps": "200",
                                              "num_training_steps": "1000"},
    ("keras", "ExponentialDecay"): {"initial_learning_rate": "0.1", "decay_steps": "1000",
                                    "decay_rate": "0.96"},
    ("keras", "PiecewiseConstantDecay"): {"boundaries": "1000, 2000",
                                          "values": "0.1, 0.01, 0.001"},
    ("keras", "PolynomialDecay"): {"initial_learning_rate": "0.1", "decay_steps": "1000"},
    ("keras", "InverseTimeDecay"): {"initial_learning_rate": "0.1", "decay_steps": "1000",
                                    "decay_rate": "0.5"},
    ("keras", "CosineDecay"): {"initial_learning_rate": "0.1", "decay_steps": "1000"},
    ("keras", "CosineDecayRestarts"): {"initial_learning_rate": "0.1",
                                       "first_decay_steps": "1000"},
    ("optax", "constant_schedule"): {"value": "0.1"},
    ("optax", "linear_schedule"): {"init_value": "0.1", "end_value": "0.001",
                                   "transition_steps": "1000"},
    ("optax", "polynomial_schedule"): {"init_value": "0.1", "end_value": "0.001",
                                       "power": "2.0", "transition_steps": "1000"},
    ("optax", "exponential_decay"): {"init_value": "0.1", "transition_steps": "1000",
                                     "decay_rate": "0.5"},
    ("optax", "cosine_decay_schedule"): {"init_value": "0.1", "decay_steps": "1000"},
    ("optax", "warmup_constant_schedule"): {"init_value": "0.0", "peak_value": "0.1",
                                            "warmup_steps": "100"},
    ("optax", "warmup_cosine_decay_schedule"): {"init_value": "0.0", "peak_value": "0.1",
                                                "warmup_steps": "100", "decay_steps": "1000"},
    ("optax", "warmup_exponential_decay_schedule"): {"init_value": "0.0",
                                                     "peak_value": "0.1",
                                                     "warmup_steps": "100",
                                                     "transition_steps": "1000",
                                                     "decay_rate": "0.5"},
    ("optax", "piecewise_constant_schedule"): {"init_value": "0.1",
                                               "boundaries_and_scales": "300: 0.1, 600: 0.1"},
    ("optax", "piecewise_interpolate_schedule"): {"interpolate_type": "linear",
                                                  "init_value": "0.1",
                                                  "boundaries_and_scales":
                                                      "300: 0.1, 600: 0.1"},
    ("optax", "join_schedules"): {"boundaries": "100"},
    ("optax", "cosine_onecycle_schedule"): {"transition_steps": "1000", "peak_value": "0.1"},
    ("optax", "linear_onecycle_schedule"): {"transition_steps": "1000", "peak_value": "0.1"},
    ("timm", "CosineLRScheduler"): {"t_initial": "100"},
    ("timm", "StepLRScheduler"): {"decay_t": "30", "decay_rate": "0.1"},
    ("timm", "MultiStepLRScheduler"): {"decay_t": "30, 60, 90", "decay_rate": "0.1"},
    ("timm", "PolyLRScheduler"): {"t_initial": "100"},
    ("timm", "TanhLRScheduler"): {"t_initial": "100"},
}

# Starting children of nested schedules: (child name, starting values over its own).
START_CHILDREN = {
    ("pytorch", "SequentialLR"): [("LinearLR", {"start_factor": "0.1"}),
                                  ("CosineAnnealingLR", {"T_max": "95"})],
    ("pytorch", "ChainedScheduler"): [("ConstantLR", {"factor": "0.5"}),
                                      ("ExponentialLR", {})],
    ("optax", "join_schedules"): [("linear_schedule", {"init_value": "0.0", "end_value": "0.1",
                                                       "transition_steps": "100"}),
                                  ("cosine_decay_schedule", {"decay_steps": "900"})],
}

# optax sgdr_schedule starts with three warm-restart cycles of 300 steps.
START_KWARGS = {
    ("optax", "sgdr_schedule"): [{"warmup_steps": "10", "decay_steps": "300"}] * 3,
}

# A validation-loss curve that falls, then plateaus (so reductions show); for a schedule
# whose mode defaults to "max" (timm), an accuracy curve that rises, then plateaus.
LOSS_CURVE = (
    "2.300 2.030 1.800 1.605 1.440 1.299 1.179 1.077 0.990 0.917 0.854 0.801 0.756 0.718 "
    "0.685 0.657 0.634 0.614 0.597 0.582 0.570 0.559 0.550 0.543 0.536 0.503 0.501 0.504 "
    "0.502 0.505 0.501 0.503 0.506 0.502 0.504 0.504 0.502 0.505 0.503 0.506 0.502 0.504 "
    "0.507 0.503 0.505 0.505 0.503 0.506 0.504 0.507 0.503 0.505 0.508 0.504 0.506 0.506 "
    "0.504 0.507 0.505 0.508")
ACCURACY_CURVE = (
    "0.320 0.410 0.487 0.552 0.607 0.654 0.694 0.728 0.757 0.781 0.802 0.820 0.835 0.847 "
    "0.858 0.868 0.875 0.882 0.888 0.893 0.897 0.900 0.903 0.906 0.908 0.917 0.919 0.916 "
    "0.918 0.915 0.919 0.917 0.914 0.918 0.916 0.916 0.918 0.915 0.917 0.914 0.918 0.916 "
    "0.913 0.917 0.915 0.915 0.917 0.914 0.916 0.913 0.917 0.915 0.912 0.916 0.914 0.914 "
    "0.916 0.913 0.915 0.912")

_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
MAX_INT_DIGITS = 20  # longer whole numbers go through float parsing (CPython caps int())


# --- numbers ----------------------------------------------------------------------------


def _parse_value(text, field, kind):
    """A number typed for a field of kind "int" or "float": whole numbers written as
    digits stay exact ints (beyond 2**53 too); everything else parses as a float, which
    the Param then checks (and turns into an int when it is whole)."""
    if not isinstance(text, str):
        raise SpecError(field, text, "enter a number")
    s = text.strip()
    digits = s[1:] if s[:1] in "+-" else s
    if kind == "int" and is_digits(digits) and len(digits) <= MAX_INT_DIGITS:
        return int(s)
    return parse_number(text, field)


# --- messages ---------------------------------------------------------------------------


def _in_form_words(phrase):
    """An allowed-phrase in the form's words: a nullable field's null is an empty box."""
    if phrase.endswith(", or null"):
        return phrase[:-len(", or null")] + ", or leave it empty"
    return phrase


def _allowed(param):
    """What a parameter accepts, as the form says it."""
    return _in_form_words(param.allowed())


def _message(err, path, param=None):
    """The sentence for a SpecError raised while checking the value at ``path``.

    A deeper field (an entry of a list or map) is named after the sentence.
    """
    text = sentence(_in_form_words(err.allowed))
    rest = err.field[len(path):] if err.field.startswith(path) else ""
    if rest.startswith("[") and rest.endswith("]") and is_digits(rest[1:-1]):
        if param is not None and param.kind == "map":
            return "%s (at step %s)" % (text, rest[1:-1])
        return "%s (entry %d)" % (text, int(rest[1:-1]) + 1)
    return text


# --- fields -----------------------------------------------------------------------------


def _schedule_class(framework, name):
    """The registry class of (framework, name), or SpecError naming the schedule field."""
    cls = None
    if isinstance(framework, str) and isinstance(name, str):
        cls = REGISTRY.get((framework, name))
    if cls is None:
        raise SpecError("name", name, "choose a schedule from the list")
    return cls


def child_names(framework, parent):
    """The schedules a nested schedule ``parent`` (SequentialLR, ChainedScheduler,
    join_schedules) may hold: its framework's, minus metric-driven ones (they need a
    metric, not steps), minus the composites PyTorch's SequentialLR cannot restart."""
    out = []
    for name in names(framework):
        if REGISTRY[(framework, name)].metric_driven:
            continue
        if (framework, parent) == ("pytorch", "SequentialLR") and name in (
                "SequentialLR", "ChainedScheduler"):
            continue
        out.append(name)
    return out


def _raw_default(framework, name, param):
    """The raw value a fresh form shows for one parameter of (framework, name)."""
    start = START.get((framework, name), {})
    if param.name in start:
        return start[param.name]
    if param.kind == "schedule list":
        return [_child_raw(framework, child, over)
                for child, over in START_CHILDREN[(framework, name)]]
    if param.kind == "kwargs list":
        target = REGISTRY[(framework, param.schedule)]
        return [_kwargs_raw(framework, target, over)
                for over in START_KWARGS[(framework, name)]]
    return _raw_value(param, param.default)


def _child_raw(framework, name, over):
    """A child raw (no lr, no metrics) of a nested schedule, with some starting values."""
    raw = default_raw(framework, name, child=True)
    raw["params"].update(over)
    return raw


def _kwargs_raw(framework, target, over):
    """One kwargs-list entry: every argument of ``target`` with its starting value."""
    entry = dict((p.name, _raw_default(framework, target.name, p)) for p in target.params)
    entry.update(over)
    return entry


def _field(path, param, default, children=None):
    """One field description (see ``fields``)."""
    return {"path": path, "name": param.name, "kind": param.kind, "default": default,
            "help": param.help, "allowed": _allowed(param), "choices": param.choices,
            "nullable": param.nullable, "required": param.default is REQUIRED,
            "schedule": param.schedule, "lo": param.lo, "hi": param.hi,
            "children": children}


def fields(framework, name, child=False):
    """The form fields of one schedule, in catalogue order.

    Each is {"path", "name", "kind", "default" (the raw value a fresh form shows),
    "help", "allowed" (phrase), "choices", "nullable", "required", "schedule" (a kwargs
    list's target), "lo", "hi", "children" (a schedule list's allowed child names)}.
    ``child=True`` gives a nested schedule's fields: no lr and no metrics. A child's
    field paths are its parent's path prefix plus these, e.g.
    "params.schedulers[1]." + "params.gamma".
    """
    cls = _schedule_class(framework, name)
    out = []
    if framework in TORCH_BASED and not child:
        out.append(_field("lr", LR, START_LR[framework]))
    for p in cls.params:
        kids = child_names(framework, name) if p.kind == "schedule list" else None
        out.append(_field("params." + p.name, p, _raw_default(framework, name, p), kids))
    if cls.metric_driven and not child:
        out.append(_field("metrics", METRICS, _metrics_default(cls)))
    return out


def kwargs_fields(framework, schedule):
    """The fields of one entry of a kwargs list whose entries are ``schedule``'s arguments
    (optax sgdr_schedule's cosine_kwargs); paths are the bare argument names."""
    target = _schedule_class(framework, schedule)
    return [_field(p.name, p, _raw_default(framework, schedule, p)) for p in target.params]


def default_kwargs(framework, schedule):
    """A fresh kwargs-list entry for ``schedule`` (what "Add" appends)."""
    return _kwargs_raw(framework, _schedule_class(framework, schedule), {})


def _metrics_default(cls):
    """A plausible metric series for a fresh metric-driven form, one value per line."""
    mode = None
    for p in cls.params:
        if p.name == "mode":
            mode = p.default
    curve = ACCURACY_CURVE if mode == "max" else LOSS_CURVE
    return "\n".join(curve.split())


def default_raw(framework, name, child=False):
    """The raw state of a fresh form for (framework, name); it reads without errors."""
    raw = {"framework": framework, "name": name, "params": {}}
    for f in fields(framework, name, child):
        if f["path"] == "lr":
            raw["lr"] = f["default"]
        elif f["path"] == "metrics":
            raw["metrics"] = f["default"]
            raw["metrics_column"] = ""
        else:
            raw["params"][f["name"]] = f["default"]
    return raw


def field_id(path):
    """A safe HTML id for a field path: "f-" + the path with every character outside
    [A-Za-z0-9_-] replaced by "-". Parameter names are identifiers, so distinct paths
    give distinct ids."""
    out = ["f-"]
    for ch in path:
        if ch in _ID_CHARS:
            out.append(ch)
        else:
            out.append("-")
    return "".join(out)


# --- raw values from spec values --------------------------------------------------------


def _number_text(x):
    """A number as raw text: ints with str, floats exactly (py_repr)."""
    if isinstance(x, float):
        return py_repr(x)
    return str(x)


def _raw_value(param, value):
    """The raw form value of one (validated) parameter value of a leaf kind."""
    if value is None:
        return ""
    kind = param.kind
    if kind in ("float", "int"):
        return _number_text(value)
    if kind == "list":
        return ", ".join(_number_text(v) for v in value)
    if kind == "map":
        return ", ".join("%s: %s" % (k, _number_text(value[k])) for k in sorted(value))
    return value


def _raw_params(framework, cls, params):
    """Raw values of a validated params dict of cls (children included)."""
    out = {}
    for p in cls.params:
        value = params[p.name]
        if p.kind == "schedule list":
            out[p.name] = [_raw_spec(c) for c in value]
        elif p.kind == "kwargs list":
            target = REGISTRY[(framework, p.schedule)]
            out[p.name] = [_raw_params(framework, target, entry) for entry in value]
        else:
            out[p.name] = _raw_value(p, value)
    return out


def _raw_spec(clean):
    """The raw state of a validated spec (children carry no lr and no metrics)."""
    framework = clean["framework"]
    raw = {"framework": framework, "name": clean["name"],
           "params": _raw_params(framework, REGISTRY[(framework, clean["name"])],
                                 clean["params"])}
    if "lr" in clean:
        raw["lr"] = _number_text(clean["lr"])
    if "metrics" in clean:
        raw["metrics"] = "\n".join(py_repr(v) for v in clean["metrics"])
        raw["metrics_column"] = ""
    return raw


def raw_from_spec(spec):
    """The raw state that ``read`` turns back into the same validated spec (exact floats).

    Raises SpecError for an invalid spec."""
    return _raw_spec(validate(spec))


# --- reading a raw state ----------------------------------------------------------------


class _Reading:
    """The messages and the field paths met while reading one raw state."""

    def __init__(self):
        self.errors = {}
        self.paths = []

    def fail(self, path, err, param=None):
        """Record the message of err under path (the first one per field wins)."""
        if path not in self.errors:
            self.errors[path] = _message(err, path, param)

    def owner(self, field):
        """The form field a SpecError's field belongs to: the longest path that is it or
        contains it; the schedule itself ("name") when none does."""
        best = None
        for path in self.paths:
            if field == path or field.startswith(path + ".") or field.startswith(path + "["):
                if best is None or len(path) > len(best):
                    best = path
        return best or "name"


def read(raw):
    """Read a raw state: (spec, errors).

    spec is the plain spec (framework, name, params, and lr / metrics where they apply)
    when errors is empty, else None. errors maps a field path to the sentence shown next
    to it. Each field is parsed and checked by its Param; once all parse, the whole spec
    goes through ``pycore.validate`` for the cross-field rules.
    """
    reading = _Reading()
    if not isinstance(raw, dict):
        raw = {}
    spec = _read_schedule(raw, raw.get("framework"), "", False, reading)
    if reading.errors:
        return None, reading.errors
    try:
        validate(spec)
    except SpecError as err:
        path = reading.owner(err.field)
        reading.fail(path, err)
        return None, reading.errors
    return spec, {}


def _read_schedule(raw, framework, prefix, child, reading):
    """The spec of one raw schedule (top level or a child at ``prefix``), recording errors."""
    reading.paths.append(prefix + "name")
    try:
        cls = _schedule_class(framework, raw.get("name"))
    except SpecError as err:
        reading.fail(prefix + "name", err)
        return None
    spec = {"framework": framework, "name": cls.name}
    if framework in TORCH_BASED and not child:
        spec["lr"] = _read_leaf(LR, raw.get("lr", ""), "lr", reading)
    params = raw.get("params")
    spec["params"] = _read_params(cls, params if isinstance(params, dict) else {},
                                  framework, prefix + "params.", reading)
    if cls.metric_driven and not child:
        spec["metrics"] = _read_metrics(raw, reading)
    return spec


def _read_params(cls, params, framework, prefix, reading):
    """The values of one schedule's (or kwargs entry's) raw params; missing ones take the
    form's starting value."""
    out = {}
    for p in cls.params:
        path = prefix + p.name
        value = params.get(p.name)
        if value is None:
            value = _raw_default(framework, cls.name, p)
        if p.kind == "schedule list":
            out[p.name] = _read_children(p, value, framework, path, reading)
        elif p.kind == "kwargs list":
            out[p.name] = _read_kwargs(p, value, framework, path, reading)
        else:
            out[p.name] = _read_leaf(p, value, path, reading)
    return out


def _read_children(param, raws, framework, path, reading):
    """The child specs of a schedule list."""
    reading.paths.append(path)
    if not isinstance(raws, list):
        raws = []
    out = [_read_schedule(c if isinstance(c, dict) else {}, framework,
                          "%s[%d]." % (path, i), True, reading)
           for i, c in enumerate(raws)]
    _check(param, out, path, reading)
    return out


def _read_kwargs(param, raws, framework, path, reading):
    """The argument objects of a kwargs list (each for ``param.schedule``)."""
    reading.paths.append(path)
    if not isinstance(raws, list):
        raws = []
    target = REGISTRY[(framework, param.schedule)]
    out = [_read_params(target, c if isinstance(c, dict) else {}, framework,
                        "%s[%d]." % (path, i), reading)
           for i, c in enumerate(raws)]
    _check(param, out, path, reading)
    return out


def _check(param, value, path, reading):
    """Param.check a value, recording its message; returns the checked value or None."""
    try:
        return param.check(value, path)
    except SpecError as err:
        reading.fail(path, err, param)
        return None


def _read_leaf(param, text, path, reading):
    """The value of a number, flag, choice, list, map or formula field."""
    reading.paths.append(path)
    try:
        value = _convert(param, text, path)
    except SpecError as err:
        reading.fail(path, err, param)
        return None
    return _check(param, value, path, reading)


def _convert(param, text, path):
    """Raw text to the value the Param checks (flags and choices are already values)."""
    kind = param.kind
    if kind in ("bool", "choice"):
        return text
    if not isinstance(text, str):
        raise SpecError(path, text, _allowed(param))
    if param.nullable and not text.strip():
        return None
    if kind in ("float", "int"):
        return _parse_value(text, path, kind)
    if kind == "list":
        return _parse_list(text, path, param.item)
    if kind == "map":
        return _parse_map(text, path, param.item)
    expr.parse(text, path)
    return text


def _strip_brackets(text, left, right):
    """text without one pair of enclosing brackets (pasted Python lists and dicts)."""
    s = text.strip()
    if s[:1] == left and s[-1:] == right:
        return s[1:-1]
    return s


def _parse_list(text, path, item):
    """A list typed as "30, 60, 90" (commas or whitespace between entries)."""
    out = []
    for i, token in enumerate(_strip_brackets(text, "[", "]").replace(",", " ").split()):
        try:
            out.append(_parse_value(token, path, item))
        except SpecError as err:
            raise SpecError(path, token, "entry %d (%s): %s" % (i + 1, token, err.allowed))
    return out


def _parse_map(text, path, item):
    """A map typed as "30: 0.5, 60: 0.25" (entries separated by commas or new lines)."""
    out = {}
    body = _strip_brackets(text, "{", "}").replace("\n", ",")
    for entry in [part for part in body.split(",") if part.strip()]:
        key, colon, value = entry.partition(":")
        key = key.strip().strip("\"'")
        if not colon or not is_digits(key) or len(key) > MAX_INT_DIGITS:
            raise SpecError(path, entry.strip(),
                            "'%s' is not step: value; write entries like 30: 0.5, with a "
                            "whole-number step >= 0" % entry.strip())
        step = int(key)
        if step in out:
            raise SpecError(path, text, "must not name step %d twice" % step)
        try:
            out[step] = _parse_value(value, path, item)
        except SpecError as err:
            raise SpecError(path, value.strip(), "step %d: %s" % (step, err.allowed))
    return out


def _read_metrics(raw, reading):
    """The metric series from the pasted text and chosen column (pycore.dataio parses)."""

    reading.paths.append("metrics")
    try:
        return dataio.parse_series(raw.get("metrics", ""), raw.get("metrics_column", ""))
    except SpecError as err:
        reading.fail("metrics", SpecError("metrics", err.value, err.allowed))
        return None
