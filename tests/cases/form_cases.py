"""pycore.form parity cases: starting forms, fields, messages and round trips, identical on
CPython and MicroPython. Dicts are emitted as sorted [key, value] pairs (MicroPython's dict
order and json keys differ from CPython's)."""
import pycore
from pycore import form

from . import keras, optax, pytorch, pytorch_cycles, timm, transformers
from .lcg import Lcg

EDITS = (
    ("pytorch", "StepLR", {"lr": "", "step_size": "2.5", "gamma": "0,5"}),
    ("pytorch", "StepLR", {"lr": "0", "step_size": "9007199254740993", "gamma": "1e999"}),
    ("pytorch", "MultiStepLR", {"milestones": "30, x, 90"}),
    ("pytorch", "MultiStepLR", {"milestones": "[30, 20]"}),
    ("pytorch", "OneCycleLR", {"total_steps": ""}),
    ("pytorch", "OneCycleLR", {"total_steps": "0", "three_phase": "yes"}),
    ("pytorch", "LambdaLR", {"lr_lambda": "0.95 ** (step"}),
    ("pytorch", "LambdaLR", {"lr_lambda": "1 / step"}),
    ("pytorch", "SequentialLR", {"milestones": "5, 10"}),
    ("pytorch", "ReduceLROnPlateau", {"metrics": "1\n2\nabc"}),
    ("pytorch", "ReduceLROnPlateau", {"metrics": "a,b\n1,0.5\n2,0.25", "metrics_column": "b"}),
    ("optax", "piecewise_constant_schedule", {"boundaries_and_scales": "{30: 0.5,\n60: 2}"}),
    ("optax", "piecewise_constant_schedule", {"boundaries_and_scales": "30 0.5"}),
    ("optax", "piecewise_constant_schedule", {"boundaries_and_scales": "30: -1, 30: 2"}),
    ("keras", "PiecewiseConstantDecay", {"boundaries": "10 20", "values": ".1 .01 .001"}),
)
NUMBERS = ("12", " -0.5 ", ".5", "3.", "1e-3", "1E+3", "", "1,5", "0x10", "nan", "1e999",
           "0.1", "123456789.123456789")


def plain(value):
    """value with dicts as sorted [key, value] pairs and floats as exact text."""
    if isinstance(value, dict):
        return [[str(k), plain(value[k])] for k in sorted(value, key=str)]
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, float):
        return pycore.py_repr(value)
    return value


def edited(framework, name, changes):
    """A starting raw state with some top-level or params values changed."""
    raw = form.default_raw(framework, name)
    for key in changes:
        if key in ("lr", "metrics", "metrics_column"):
            raw[key] = changes[key]
        else:
            raw["params"][key] = changes[key]
    return raw


def parity(emit):
    """Emit every deterministic form case."""
    for text in NUMBERS:
        try:
            emit("form.number." + text, pycore.py_repr(form.parse_number(text, "x")))
        except pycore.SpecError as err:
            emit("form.number." + text, str(err))
    for entry in pycore.catalog():
        fw, name = entry["framework"], entry["name"]
        emit("form.fields.%s.%s" % (fw, name), plain(form.fields(fw, name)))
        spec, errors = form.read(form.default_raw(fw, name))
        emit("form.start.%s.%s" % (fw, name), plain([form.raw_from_spec(spec), errors]))
        emit("form.ids.%s.%s" % (fw, name),
             [form.field_id(f["path"]) for f in form.fields(fw, name)])
    for i, (fw, name, changes) in enumerate(EDITS):
        spec, errors = form.read(edited(fw, name, changes))
        emit("form.edit.%d.%s" % (i, name), plain([spec, errors]))
    for parent in ("SequentialLR", "ChainedScheduler"):
        emit("form.children." + parent, form.child_names("pytorch", parent))
    rng = Lcg(20261123)
    same = []
    for module in (pytorch, pytorch_cycles, transformers, keras, optax, timm):
        for case in module.cases(rng):
            try:
                clean = pycore.validate(case["spec"])
            except pycore.SpecError:
                continue
            same.append(form.read(form.raw_from_spec(clean)) == (clean, {}))
    emit("form.round_trips", [len(same), same.count(True)])
