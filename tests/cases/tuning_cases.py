"""pycore.tuning cases run under both CPython and MicroPython (tests/parity_cases.py).

Text (tables, notes, code, messages, links) must match to the letter; rates to 1e-15.
"""
from pycore import tuning

PLAN = [
    {},
    {"plan-low": "3e-6", "plan-high": "0.5", "plan-best": "3e-4", "plan-points": "9"},
    {"plan-mode": "random"},
    {"plan-mode": "random", "plan-low": "1e-5", "plan-high": "0.1", "plan-samples": "200",
     "plan-seed": "4294967295"},
]

BATCH = [
    {},
    {"batch-accum": "8"},
    {"batch-rule": "sqrt"},
    {"batch-rule": "custom", "batch-exponent": "0.75", "batch-warmup": "2.5"},
    {"batch-optimizer": "adam", "batch-rule": "sqrt", "batch-lr": "1e-3", "batch-devices": "8",
     "batch-accum": "1"},
    {"batch-optimizer": "adam", "batch-rule": "sqrt"},
    {"batch-optimizer": "adam", "batch-warmup": "0"},
    {"batch-devices": "1", "batch-accum": "1", "batch-per-device": "3"},
]

LAYERS = [
    {},
    {"layers-scheme": "beit", "layers-decay": "0.65", "layers-blocks": "24"},
    {"layers-mode": "ulmfit"},
    {"layers-mode": "ulmfit", "layers-groups": "40", "layers-factor": "3.3", "layers-lr": "0.02"},
]

BAD = [
    ("plan", {"plan-low": "abc"}),
    ("plan", {"plan-high": "1e-8"}),
    ("plan", {"plan-best": "10", "plan-points": "2.5"}),
    ("batch", {"batch-ref": "0", "batch-devices": "1,5", "batch-accum": "5000"}),
    ("layers", {"layers-decay": "0", "layers-blocks": "201"}),
]


def _raw(changes):
    raw = tuning.defaults()
    raw.update(changes)
    return raw


def _emit_result(emit, prefix, r):
    """Everything a section shows, plus the exact rates behind it."""
    emit(prefix + ".summary", [list(p) for p in r["summary"]])
    emit(prefix + ".columns", r["columns"])
    emit(prefix + ".rows", r["rows"])
    emit(prefix + ".notes", [[n["level"], n["text"]] for n in r["notes"]])
    emit(prefix + ".code", r["code"])
    emit(prefix + ".curves", [[c["key"], c["x"], c["y"]] for c in r["chart"]["curves"]])
    emit(prefix + ".points", [[p["x"], p["y"], p["label"]] for p in r["chart"]["points"]])


def parity(emit):
    for name, cases in (("plan", PLAN), ("batch", BATCH), ("layers", LAYERS)):
        for i, changes in enumerate(cases):
            raw = _raw(changes)
            values, errors = tuning.read(name, raw)
            emit("tuning.%s.%d.errors" % (name, i), sorted(errors.items()))
            _emit_result(emit, "tuning.%s.%d" % (name, i), tuning.compute(name, values))
            emit("tuning.%s.%d.fragment" % (name, i), tuning.fragment_of(raw))
    for i, (name, changes) in enumerate(BAD):
        emit("tuning.bad.%d" % i, sorted(tuning.read(name, _raw(changes))[1].items()))
    emit("tuning.rounded", [tuning.rounded(x) for x in (1e-12, 1.2345e-7, 0.00999999, 999.5,
                                                          0.1 + 0.2, 2.0 / 3.0)])
    emit("tuning.samples", tuning.log_uniform_samples(1e-7, 1.0, 300, 12345))
    emit("tuning.fragment.read", tuning.read_fragment(
        "#plan-mode=random&nope=1&batch-lr=%zz&layers-lr=%E2%82%AC"))
