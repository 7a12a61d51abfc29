"""pycore.analysis parity cases: the same answers under CPython and MicroPython.

``parity(emit)`` checks, inside each runtime, that Stream hands out every family's series
bit for bit in slices of 7 (one boolean per case: series may differ by an ulp between the
runtimes, Stream must not differ from series within one), where streams stop, and the
summaries of curves built from exact binary fractions (so both runtimes hold the same
doubles and sum them exactly).
"""
from pycore import analysis
from pycore.spec import build_valid, validate

from . import keras, optax, pytorch, pytorch_cycles, timm, transformers
from .lcg import Lcg

STOPS = [
    ({"framework": "pytorch", "name": "OneCycleLR", "lr": 0.1,
      "params": {"max_lr": 0.1, "total_steps": 100}}, 300),
    ({"framework": "pytorch", "name": "ReduceLROnPlateau", "lr": 0.1,
      "params": {"patience": 1}, "metrics": [1.0, 1.0, 1.0, 1.0]}, 20),
    ({"framework": "timm", "name": "PlateauLRScheduler", "lr": 0.1,
      "params": {"patience_t": 1, "mode": "min"}, "metrics": [1.0] * 9}, 40),
]


def _same(a, b):
    """Two float lists equal value for value (NaN equal to NaN)."""
    return len(a) == len(b) and all(x == y or (x != x and y != y) for x, y in zip(a, b))


def _drained(stream, size):
    """Every value a stream hands out, size at a time."""
    out = []
    while True:
        chunk = stream.take(size)
        if not chunk:
            return out
        out.extend(chunk)


def _stream_agrees(spec, n):
    """Whether Stream in slices of 7 gives series(n) (or, where the framework refuses a
    step, the series before it)."""
    clean = validate(spec)
    stream = analysis.Stream(build_valid(clean), n)
    got = _drained(stream, 7)
    if stream.error is not None:
        n = stream.stopped_at
    return _same(got, build_valid(clean).series(n))


def _plain(summary, scan, values, marks):
    """A summary as JSON-ready data, with the marks' reports under their steps as text."""
    out = dict(summary)
    out["marks"] = dict((str(t), scan.mark(values, t)) for t in marks)
    return out


def _curves():
    """Curves of exact binary fractions: staircase, triangles, spike, zero tail, NaN."""
    stairs = [1.0 / 2 ** (t // 300) for t in range(3000)]
    triangles = [(t % 64 if t % 128 < 64 else 128 - t % 128) / 64.0 for t in range(5000)]
    spike = [0.25] * 4000
    spike[1234] = 8.0
    tail = [(50 - t) / 64.0 if t < 50 else 0.0 for t in range(900)]
    gaps = [0.5, float("nan"), 0.25, 0.75] * 50
    return [("stairs", stairs), ("triangles", triangles), ("spike", spike),
            ("tail", tail), ("nan", gaps), ("one", [0.125])]


def parity(emit):
    """Emit the analysis cases (see the module docstring)."""
    rng = Lcg(20261123)
    agree = []
    for module in (pytorch, pytorch_cycles, transformers, keras, optax, timm):
        for c in module.cases(rng):
            agree.append(_stream_agrees(c["spec"], c["n"]))
    emit("analysis.stream_equals_series", agree)
    for spec, n in STOPS:
        stream = analysis.Stream(build_valid(validate(spec)), n)
        got = _drained(stream, 16)
        emit("analysis.stop." + spec["name"],
             [len(got), stream.stopped_at, stream.t, str(stream.error)])
    for name, values in _curves():
        n = len(values)
        scan = analysis.Scan(n, 100)
        for i in range(0, n, 777):
            scan.feed(values[i:i + 777])
        emit("analysis.scan." + name,
             _plain(scan.result(), scan, values, (0, 1, n // 3, n - 1)))
