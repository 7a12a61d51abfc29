"""Cases run under both CPython and MicroPython; tests compare the two outputs.

Prints one JSON object per line: {"id": ..., "value": ...}. Floats are written exactly
as [n, e] with x == n * 2**e (or as "nan"/"inf"/"-inf"), so no runtime's float printing
is involved; strings are the formatter's output and must match to the letter.
Runs on MicroPython: no random module (an LCG instead), only math/json/struct.
"""
import json
import math

import pycore
from cases import (analysis_cases, dataio_cases, examples_cases, form_cases, keras,
                   lessons_cases, lrfinder_cases, optax, optim_cases, pytorch,
                   pytorch_cycles, rangetest_cases, sanity_cases, timm, transformers,
                   tuning_cases)
from cases.lcg import Lcg
from pycore import calculator


def exact(x):
    """A float as [n, e] with x == n * 2**e exactly."""
    if x != x:
        return "nan"
    if x in (math.inf, -math.inf):
        return "inf" if x > 0 else "-inf"
    m, e = math.frexp(x)
    return [int(m * 9007199254740992.0), e - 53]


def encode(value):
    """Recursively replace floats by their exact form."""
    if isinstance(value, float):
        return exact(value)
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return dict((k, encode(v)) for k, v in value.items())
    return value


def emit(case_id, value):
    print(json.dumps({"id": case_id, "value": encode(value)}))


def rounded(value):
    """value with every float cut to 6 significant digits: drawn parameters can differ by
    an ulp between the runtimes (their pow rounds differently), and code export writes
    floats exactly, so export is compared on specs both runtimes hold bit for bit."""
    if isinstance(value, float):
        return float(pycore.format_sig(value, 6))
    if isinstance(value, list):
        return [rounded(v) for v in value]
    if isinstance(value, dict):
        return dict((k, rounded(v)) for k, v in value.items())
    return value


def emit_export(key, spec, translate):
    """to_code text (identical on both runtimes) and, for some specs, translations."""
    try:
        emit("code." + key, pycore.to_code(spec))
    except pycore.SpecError as err:
        emit("code." + key, str(err))
        return
    if not translate or pycore.build(spec).metric_driven:
        return
    for framework in pycore.frameworks():
        try:
            out = pycore.translate(spec, framework, 300)
        except pycore.SpecError as err:
            out = str(err)
        emit("translate.%s.%s" % (key, framework), out)


def main():
    rng = Lcg(20261123)
    for module in (pytorch, pytorch_cycles, transformers, keras, optax, timm):
        for i, c in enumerate(module.cases(rng)):
            spec = c["spec"]
            key = "%s.%d.%s%s" % (spec["framework"], i, spec["name"],
                                  ".recursive" if c["recursive"] else "")
            emit("series." + key, pycore.lr_series(spec, c["n"]))
            emit("at." + key, [pycore.lr_at(spec, t) for t in c["at"]])
            momentum = pycore.momentum_series(spec, c["n"])
            if momentum is not None:
                emit("momentum." + key, momentum)
            emit_export(key, rounded(spec), i < 2)
    emit("catalog", pycore.catalog())

    emit("libm.cos", [math.cos(math.pi * k / 997) for k in range(998)])

    doubles = [0.1, 0.07, 0.941, 5e-324, 1e16, 1e15, 1e-5, 1e-4, 2.675, 0.125, 0.5, 1.5,
               -0.0, 0.0, 2.0 ** -1022, 1.7976931348623157e308, math.inf, -math.inf]
    # The formatter's inputs come from their own generator and are built exactly
    # (ldexp of whole numbers), so both runtimes format the very same doubles whatever
    # the schedule cases above drew and however each runtime's pow rounds.
    rng = Lcg(4242)
    doubles += [rng.double() for _ in range(1500)]
    doubles += [math.ldexp(rng.bits() >> 11, rng.int(-83, -43)) for _ in range(1500)]
    emit("fmt.repr", [pycore.py_repr(x) for x in doubles])
    for p in (1, 3, 6, 12, 17):
        emit("fmt.sig%d" % p, [pycore.format_sig(x, p) for x in doubles])
    emit("fmt.int", [pycore.format_int(n) for n in (0, 7, -1234, 1000, 999999, 10 ** 12)])

    bad_specs = [None, [], {"framework": "tf"}, {"framework": "keras", "name": "Nope"},
                 {"framework": "keras", "name": "InverseTimeDecay", "params": {}},
                 {"framework": "keras", "name": "InverseTimeDecay", "params": {
                     "initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 1}},
                 {"framework": "pytorch", "name": "StepLR", "params": {"step_size": 2}},
                 {"framework": "pytorch", "name": "StepLR", "lr": True,
                  "params": {"step_size": 2}},
                 {"framework": "pytorch", "name": "StepLR", "lr": 0.1,
                  "params": {"step_size": 2.5}},
                 {"framework": "pytorch", "name": "StepLR", "lr": 0.1,
                  "params": {"step_size": 2, "extra": 1}}]
    messages = []
    for spec in bad_specs:
        try:
            pycore.validate(spec)
            messages.append("accepted")
        except pycore.SpecError as err:
            messages.append([err.field, str(err)])
    emit("errors", messages)

    bad_inputs = ["", " ", "abc", "1e999", "-0", "NaN", "Infinity", "0x10", "1,5",
                  "1" * 400, "<script>alert(1)</script>", "-1", "0", "2.5", "1e-3", ".5",
                  "5.", "+3", "1e", "e5", "--1", "1.2.3", "\u0661"]
    for key in ("lr0", "decay_rate", "epochs", "epoch", "steps_per_epoch"):
        out = []
        for text in bad_inputs:
            raw = calculator.defaults()
            raw[key] = text
            out.append(calculator.read_form(raw)[1])
        emit("form." + key, out)

    for ex in calculator.EXAMPLES:
        emit("example." + ex["id"], calculator.worked_example(ex["id"]))
        values, _ = calculator.read_form(calculator.example_inputs(ex["id"]))
        result = calculator.compute(values)
        result["comparisons"] = [[c["key"], c["lr"], c["lr_text"]] for c in result["comparisons"]]
        emit("compute." + ex["id"], result)
        emit("fragment." + ex["id"], calculator.read_fragment(calculator.fragment_of(values)))
    raw = calculator.defaults()
    raw.update({"staircase": True, "epoch": "2.5", "steps_per_epoch": "3", "epochs": "7"})
    values, _ = calculator.read_form(raw)
    emit("compute.staircase", calculator.compute(values)["chart"])
    for frag in ("#", "#spec=%7B", "#spec=%ZZ", "#step=5", "#epochs=3&gamma=abc",
                 "#spec=" + calculator.quote('{"framework":"pytorch","name":"StepLR","lr":0.1,'
                                             '"params":{"step_size":3}}'),
                 "#spec=" + calculator.quote('{"framework":"keras","name":"InverseTimeDecay",'
                                             '"params":{"initial_learning_rate":0.1,'
                                             '"decay_steps":3,"decay_rate":0.5}}') + "&step=7",
                 "#x=%E2%82%AC%F0%9F%98%80"):
        emit("read_fragment." + frag[:24], calculator.read_fragment(frag))
    emit("quote", calculator.quote('{"a": "é €/?&=#"}'))
    for module in (form_cases, analysis_cases, sanity_cases, dataio_cases, lrfinder_cases,
                   rangetest_cases, tuning_cases, optim_cases, lessons_cases,
                   examples_cases):
        module.parity(emit)


main()
