"""The seed calculator: inverse-time decay by epoch, with step/exponential/cosine beside it.

The page glue hands this module the raw text of each input; everything else happens here:
strict parsing, per-field messages, the specs, the numbers, their formatting, the chart
data, the copy-to-clipboard text and the URL fragment. The primary schedule is Keras
``InverseTimeDecay`` with ``decay_steps`` = steps per epoch, so at epoch t (update
t * steps_per_epoch) it is exactly lr0 / (1 + decay_rate * t).
"""
import json
import math

from .dataio import is_digits, parse_number, read_json
from .errors import SpecError
from .links import fragment_parts, quote
from .numfmt import format_int, format_lr, format_sig, py_repr
from .spec import build, lr_at, validate

MAX_EPOCHS = 10000
MAX_STEPS_PER_EPOCH = 1000000000
CHART_POINTS = 600  # aim for at least this many samples across the run


class Field:
    """One calculator input: key, label, default text, kind and limits, help text."""

    def __init__(self, key, label, default, kind, lo=None, lo_open=False, hi=None, help=""):
        self.key = key
        self.label = label
        self.default = default
        self.kind = kind  # "float", "int" or "bool"
        self.lo = lo
        self.lo_open = lo_open
        self.hi = hi
        self.help = help


FIELDS = (
    Field("lr0", "Initial learning rate", "0.01", "float", lo=0.0, lo_open=True,
          help="Typical 0.0001 to 1; 0.1, 0.01 and 0.001 are common starting points."),
    Field("decay_rate", "Decay rate", "0.1", "float", lo=0.0,
          help="Inverse-time decay: usually 0.001 to 1. The LR halves at epoch 1 / decay rate."),
    Field("epochs", "Total epochs", "50", "int", lo=1, hi=MAX_EPOCHS,
          help="Length of training, 1 to %s epochs." % format_int(MAX_EPOCHS)),
    Field("epoch", "Current epoch", "15", "float", lo=0.0,
          help="0 is the first epoch; fractions give the LR part-way through an epoch."),
    Field("steps_per_epoch", "Steps per epoch", "100", "int", lo=1, hi=MAX_STEPS_PER_EPOCH,
          help="Optimizer updates per epoch: batches per epoch / gradient-accumulation steps."),
    Field("staircase", "Change the LR once per epoch (staircase)", False, "bool",
          help="Off: the LR falls a little after every update. On: it steps at epoch starts."),
    Field("step_size", "Step decay: epochs between drops", "10", "int", lo=1, hi=MAX_EPOCHS,
          help="PyTorch StepLR step_size, with the scheduler stepped once per epoch."),
    Field("gamma", "Step decay: factor at each drop", "0.5", "float", lo=0.0, lo_open=True,
          help="StepLR gamma; 0.1 to 0.5 is usual."),
    Field("factor", "Exponential decay: factor per epoch", "0.95", "float", lo=0.0,
          lo_open=True, help="Multiplicative decay per epoch; 0.8 to 0.999 is usual."),
)

FIELD_BY_KEY = dict((f.key, f) for f in FIELDS)
COMPARISON_KEYS = ("step_size", "gamma", "factor")  # inputs of the comparison schedules

# The seed's worked examples. Inputs only: every number derived from them is computed.
EXAMPLES = (
    {"id": "ex1", "title": "Image classifier (CNN) from scratch",
     "inputs": {"lr0": "0.01", "decay_rate": "0.1", "epochs": "50", "epoch": "15"}},
    {"id": "ex2", "title": "Fine-tuning a pre-trained language model",
     "inputs": {"lr0": "0.0005", "decay_rate": "0.5", "epochs": "10", "epoch": "5"}},
    {"id": "ex3a", "title": "Gentle decay rate (0.05)",
     "inputs": {"lr0": "0.01", "decay_rate": "0.05", "epochs": "20", "epoch": "10"}},
    {"id": "ex3b", "title": "Aggressive decay rate (0.2)",
     "inputs": {"lr0": "0.01", "decay_rate": "0.2", "epochs": "20", "epoch": "10"}},
)


def defaults():
    """The raw input values of a fresh calculator (what Reset restores)."""
    return dict((f.key, f.default) for f in FIELDS)


def example_inputs(example_id):
    """The raw inputs an example button loads: the defaults overlaid with the example's."""
    for ex in EXAMPLES:
        if ex["id"] == example_id:
            raw = defaults()
            raw.update(ex["inputs"])
            return raw
    raise SpecError("example", example_id, "must be one of " + ", ".join(
        e["id"] for e in EXAMPLES))


def _read_field(f, raw):
    """Convert one raw input to its value, or raise SpecError with a user message."""
    if f.kind == "bool":
        return raw is True or raw == "true" or raw == "on"
    value = parse_number(raw, f.key)
    if f.kind == "int" and value != math.floor(value):
        raise SpecError(f.key, raw, "must be a whole number")
    if f.lo is not None and (value < f.lo or (f.lo_open and value == f.lo)):
        if f.lo == 0 and f.lo_open:
            raise SpecError(f.key, raw, "must be greater than 0")
        raise SpecError(f.key, raw, "must be %s or more" % _plain(f.lo))
    if f.hi is not None and value > f.hi:
        raise SpecError(f.key, raw, "must be at most " + format_int(f.hi))
    if value == 0:
        value = 0.0  # "-0" is zero
    return int(value) if f.kind == "int" else value


def read_form(raw):
    """Parse a dict of raw input values; return (values, errors).

    errors maps a field key to the message to show next to that field. values holds every
    field that parsed; it is complete only when errors is empty.
    """
    values, errors = {}, {}
    for f in FIELDS:
        try:
            values[f.key] = _read_field(f, raw.get(f.key, f.default))
        except SpecError as err:
            errors[f.key] = message(err)
    if "epoch" in values and "epochs" in values and values["epoch"] > values["epochs"]:
        errors["epoch"] = "Current epoch is beyond the total of %s epochs" % format_int(
            values["epochs"])
    return values, errors


def message(err):
    """The sentence shown next to a field for a SpecError."""
    text = err.allowed
    return text[:1].upper() + text[1:]


def primary_spec(v):
    """The seed formula as a Keras InverseTimeDecay spec, one decay unit per epoch."""
    return {"framework": "keras", "name": "InverseTimeDecay", "params": {
        "initial_learning_rate": v["lr0"], "decay_steps": v["steps_per_epoch"],
        "decay_rate": v["decay_rate"], "staircase": v["staircase"]}}


def comparison_specs(v):
    """The three comparison schedules, each stepped once per epoch or per update as named."""
    return (
        ("step", "Step decay (PyTorch StepLR, per epoch)",
         {"framework": "pytorch", "name": "StepLR", "lr": v["lr0"],
          "params": {"step_size": v["step_size"], "gamma": v["gamma"]}}, "epoch"),
        ("exponential", "Exponential decay (Keras ExponentialDecay)",
         {"framework": "keras", "name": "ExponentialDecay", "params": {
             "initial_learning_rate": v["lr0"], "decay_steps": v["steps_per_epoch"],
             "decay_rate": v["factor"], "staircase": v["staircase"]}}, "update"),
        ("cosine", "Cosine annealing (PyTorch CosineAnnealingLR, per epoch)",
         {"framework": "pytorch", "name": "CosineAnnealingLR", "lr": v["lr0"],
          "params": {"T_max": v["epochs"], "eta_min": 0.0}}, "epoch"),
    )


def current_step(v):
    """The optimizer update at the current epoch (epoch * steps per epoch, rounded)."""
    return int(math.floor(v["epoch"] * v["steps_per_epoch"] + 0.5))


def _chart_grid(epochs, spe):
    """Update indices to sample: every epoch start, subdivided when the run is short."""
    per_epoch = 1
    if epochs < CHART_POINTS:
        per_epoch = min(spe, (CHART_POINTS + epochs - 1) // epochs)
    steps = []
    for e in range(epochs):
        for j in range(per_epoch):
            steps.append(e * spe + (j * spe) // per_epoch)
    steps.append(epochs * spe)
    return steps


def compute(v):
    """All results for valid values v: numbers, formatted text, chart data and copy text."""
    spe, epochs = v["steps_per_epoch"], v["epochs"]
    main = build(primary_spec(v))
    step = current_step(v)
    epoch_index = int(math.floor(v["epoch"]))
    lr = main.at(step)
    out = {
        "lr": lr, "lr_text": format_lr(lr), "lr_repr": py_repr(lr),
        "step": step, "step_text": format_int(step),
        "epoch_text": _plain(v["epoch"]),
        "end_lr": main.at(epochs * spe), "total_steps": epochs * spe,
        "total_steps_text": format_int(epochs * spe), "epochs_text": format_int(epochs),
    }
    out["end_lr_text"] = format_lr(out["end_lr"])
    out["drop_percent_text"] = format_sig(100.0 * (1.0 - lr / v["lr0"]), 4)

    grid = _chart_grid(epochs, spe)
    series = [{"key": "main", "label": "Inverse-time decay (Keras InverseTimeDecay)",
               "values": [main.at(s) for s in grid], "stepped": v["staircase"]}]
    comparisons = []
    for key, label, spec, stepping in comparison_specs(v):
        sched = build(spec)
        if stepping == "epoch":
            per_epoch = sched.series(epochs + 1)  # the framework's own step-by-step values
            values = [per_epoch[s // spe] for s in grid]
            now = per_epoch[epoch_index]
        else:
            values = [sched.at(s) for s in grid]
            now = sched.at(step)
        # JSON (read by JSON.parse) has no infinity or NaN: an overflowing rate is a gap
        series.append({"key": key, "label": label,
                       "values": [x if x - x == 0 else None for x in values],
                       "stepped": stepping == "epoch" or v["staircase"]})
        comparisons.append({"key": key, "label": label, "lr": now, "lr_text": format_lr(now),
                            "spec": spec})
    out["comparisons"] = comparisons
    out["chart"] = json.dumps({
        "x": [s / spe for s in grid], "marker": step / spe, "series": series,
        "xlabel": "epoch", "ylabel": "learning rate"})
    out["copy_text"] = copy_text(v, out)
    return out


def _plain(x):
    """A number as a person would type it: 15 rather than 15.0, otherwise exact."""
    if isinstance(x, int):
        return str(x)
    if x == math.floor(x) and abs(x) < 1e15:
        return str(int(x))
    return py_repr(x)


def copy_text(v, r):
    """The plain-text summary the Copy results button puts on the clipboard."""
    lines = [
        "Learning rate: inverse-time decay, lr_t = lr_0 / (1 + decay_rate * t)",
        "Initial learning rate: " + _plain(v["lr0"]),
        "Decay rate: " + _plain(v["decay_rate"]),
        "Total epochs: " + format_int(v["epochs"]),
        "Steps per epoch: " + format_int(v["steps_per_epoch"]),
        "Staircase: " + ("yes" if v["staircase"] else "no"),
        "",
        "LR at epoch %s (update %s): %s" % (r["epoch_text"], r["step_text"], r["lr_text"]),
        "LR at the end of training (epoch %s): %s" % (r["epochs_text"], r["end_lr_text"]),
        "Total optimizer steps: " + r["total_steps_text"],
    ]
    for c in r["comparisons"]:
        lines.append("%s at epoch %s: %s" % (c["label"], r["epoch_text"], c["lr_text"]))
    return "\n".join(lines)


def worked_example(example_id):
    """The formatted steps of a worked example: lr0 / (1 + rate * t) = lr0 / d = result.

    The result is pycore's lr_at for the example's spec, not a separate formula.
    """
    values, errors = read_form(example_inputs(example_id))
    if errors:
        raise SpecError("example", example_id, "has invalid inputs: " + repr(errors))
    lr = lr_at(primary_spec(values), current_step(values))
    t = values["epoch"]
    return {
        "lr0": _plain(values["lr0"]), "rate": _plain(values["decay_rate"]),
        "t": _plain(t), "epochs": format_int(values["epochs"]),
        "product": format_sig(values["decay_rate"] * t, 6),
        "denominator": format_sig(1.0 + values["decay_rate"] * t, 6),
        "result": format_lr(lr), "result_short": format_sig(lr, 3),
    }


# --- URL fragment ------------------------------------------------------------------------

EXTRA_KEYS = ("epochs",) + COMPARISON_KEYS


def fragment_of(v):
    """The URL fragment (without '#') that restores values v."""
    spec = primary_spec(v)
    parts = ["spec=" + quote(json.dumps(spec, separators=(",", ":"))),
             "step=%d" % current_step(v)]
    for key in EXTRA_KEYS:
        parts.append("%s=%s" % (key, quote(_plain(v[key]))))
    return "&".join(parts)


def read_fragment(fragment):
    """Turn a URL fragment into raw input values; return (raw, problems).

    raw starts from the defaults and takes whatever the fragment sets; problems lists
    messages about parts that could not be used (they leave the defaults in place).
    """
    raw = defaults()
    problems = []
    pairs = {}
    for key, value, err in fragment_parts(fragment):
        if err is None:
            pairs[key] = value
        else:
            problems.append("%s: %s" % (key, message(err)))
    if "spec" in pairs:
        try:
            _apply_spec(raw, pairs["spec"], pairs.get("step"))
        except SpecError as err:
            problems.append("The link's schedule was not used: " + str(err))
    for key in EXTRA_KEYS:
        if key in pairs:
            raw[key] = pairs[key]
    return raw, problems


def _apply_spec(raw, text, step_text):
    """Fill raw inputs from a spec (and step) taken from a link, after validating them."""
    spec = validate(read_json(text, "spec"))
    if (spec["framework"], spec["name"]) != ("keras", "InverseTimeDecay"):
        raise SpecError("spec", "%s %s" % (spec["framework"], spec["name"]),
                        "this calculator takes keras InverseTimeDecay")
    p = spec["params"]
    if p["decay_steps"] != math.floor(p["decay_steps"]):
        raise SpecError("params.decay_steps", p["decay_steps"],
                        "must be a whole number here (it is the steps per epoch)")
    spe = int(p["decay_steps"])
    raw["lr0"] = _plain(p["initial_learning_rate"])
    raw["decay_rate"] = _plain(p["decay_rate"])
    raw["steps_per_epoch"] = str(spe)
    raw["staircase"] = p["staircase"]
    if step_text is not None:
        if not is_digits(step_text) or len(step_text) > 16:
            raise SpecError("step", step_text, "must be a whole number of updates")
        raw["epoch"] = _plain(int(step_text) / spe)
