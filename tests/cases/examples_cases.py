"""Cases for pycore.examples, run by the MicroPython parity run (tests/parity_cases.py).

The examples page is built by CPython, but pycore ships to every live page, so the module
must give the same numbers, text and links under MicroPython. Links are compared as what
they open (the state read back from them): the JSON inside a link writes dict keys in each
runtime's own order. Plain Python.
"""
from pycore import calculator, examples, explorer


def parity(emit):
    for example_id in examples.RECIPE_IDS:
        n = examples.numbers(example_id)
        emit("examples.%s.rows" % example_id,
             [[r["step"], r["step_text"], r["lr"], r["lr_text"], r["lr_repr"]]
              for r in n["rows"]])
        emit("examples.%s.run" % example_id,
             [n["stepping"], n["epochs"], n["steps_per_epoch"], n["total_updates"],
              n["peak_text"], n["last_text"]])
        emit("examples.%s.link" % example_id, explorer.read_fragment(n["fragment"]))
        emit("examples.%s.settings" % example_id, examples.settings(n["spec"]))
        emit("examples.%s.chart" % example_id, examples.chart(example_id))
    for example_id in examples.SEED_IDS:
        seed = examples.seed_example(example_id)
        link = calculator.read_fragment(seed.pop("fragment"))
        emit("examples.seed.%s" % example_id, [sorted(seed.items()), link])
