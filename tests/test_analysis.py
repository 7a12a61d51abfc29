"""pycore.analysis: Stream hands out series() exactly in any slicing; Scan summarises any
float list fed in any slices exactly as a plain one-pass reference does."""
import math
import random
import struct

import pytest

import pycore
from pycore import analysis
from pycore.spec import build_valid
from test_catalog import CASES as SPECS

SLICES = (1, 7, 1000)
N = 600


def bits(values):
    """Values as exact bit patterns (tells -0.0 from 0.0, compares NaN with NaN)."""
    return [struct.pack("<d", v) for v in values]


def drain(stream, size):
    """Every value a stream hands out, size at a time."""
    out = []
    while True:
        chunk = stream.take(size)
        if not chunk:
            return out
        assert len(chunk) <= size
        out.extend(chunk)


def stream_of(spec, n):
    """A Stream of spec's schedule over n steps."""
    return analysis.Stream(build_valid(pycore.validate(spec)), n)


# --- Stream ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", SLICES)
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s["framework"] + "." + s["name"])
def test_stream_equals_series_in_any_slicing(spec, size):
    schedule = build_valid(pycore.validate(spec))
    try:
        expected = schedule.series(N)
    except pycore.SpecError:
        expected = None
    stream = stream_of(spec, N)
    got = drain(stream, size)
    if expected is None:  # the framework refuses a step: the values before it
        assert stream.error is not None and stream.stopped_at == len(got) < N
        assert bits(got) == bits(build_valid(pycore.validate(spec)).series(len(got)))
    else:
        assert stream.error is None and stream.stopped_at is None
        assert bits(got) == bits(expected)


def test_stream_slices_may_vary():
    spec = {"framework": "pytorch", "name": "SequentialLR", "lr": 0.1, "params": {
        "schedulers": [{"framework": "pytorch", "name": "LinearLR",
                        "params": {"start_factor": 0.01, "total_iters": 50}},
                       {"framework": "pytorch", "name": "CosineAnnealingLR",
                        "params": {"T_max": 300}}],
        "milestones": [50]}}
    stream = stream_of(spec, 1000)
    got = []
    for size in (3, 1, 50, 2, 400, 999):
        got.extend(stream.take(size))
    assert bits(got) == bits(pycore.lr_series(spec, 1000))


def test_stream_never_passes_the_run():
    stream = stream_of({"framework": "keras", "name": "ExponentialDecay", "params": {
        "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}}, 10)
    assert len(stream.take(25)) == 10
    assert stream.t == 10 and stream.take(5) == [] and stream.error is None


STOPS = [  # (spec, n, refused step)
    ({"framework": "pytorch", "name": "OneCycleLR", "lr": 0.1,
      "params": {"max_lr": 0.1, "total_steps": 100}}, 300, 101),
    ({"framework": "pytorch", "name": "ReduceLROnPlateau", "lr": 0.1,
      "params": {"patience": 1}, "metrics": [1.0, 1.0, 1.0, 1.0]}, 20, 5),
    ({"framework": "timm", "name": "PlateauLRScheduler", "lr": 0.1,
      "params": {"patience_t": 1, "mode": "min"}, "metrics": [1.0] * 9}, 40, 10),
    ({"framework": "pytorch", "name": "SequentialLR", "lr": 0.1, "params": {
        "schedulers": [{"framework": "pytorch", "name": "LinearLR", "params": {}},
                       {"framework": "pytorch", "name": "OneCycleLR",
                        "params": {"max_lr": 0.5, "total_steps": 30}}],
        "milestones": [10]}}, 100, 41),
]


@pytest.mark.parametrize("size", SLICES)
@pytest.mark.parametrize("spec,n,refused", STOPS, ids=lambda x: str(x)[:40])
def test_stream_stops_at_the_refused_step(spec, n, refused, size):
    stream = stream_of(spec, n)
    got = drain(stream, size)
    assert stream.stopped_at == refused == len(got) == stream.t
    assert isinstance(stream.error, pycore.SpecError)
    assert bits(got) == bits(pycore.lr_series(spec, refused))
    with pytest.raises(pycore.SpecError):
        pycore.lr_series(spec, refused + 1)
    assert stream.take(10) == []


def test_stream_error_names_the_refused_step():
    spec, n, refused = STOPS[0]
    stream = stream_of(spec, n)
    drain(stream, 64)
    assert stream.error.field == "step" and stream.error.value == refused


def test_stream_of_nothing_is_empty():
    stream = stream_of(SPECS[0], 0)
    assert stream.take(10) == [] and stream.t == 0


# --- Scan against a plain reference ------------------------------------------------------


def move(a, b):
    """-1, 0 or 1: the direction from a to b (NaN: 0)."""
    return -1 if b < a else 1 if b > a else 0


def reference(v, n, columns, marks):
    """The summary of v (all of the run fed), computed the obvious way."""
    count = len(v)
    moves = [0] + [move(v[t - 1], v[t]) for t in range(1, count)]
    restarts_upto, trend_upto = [], []
    restarts, trend = 0, 0
    for t in range(count):
        if moves[t] > 0 and trend < 0:
            restarts += 1
        if moves[t]:
            trend = moves[t]
        restarts_upto.append(restarts)
        trend_upto.append(trend)
    real = [t for t in range(count) if v[t] == v[t]]
    drops = [t for t in range(count) if moves[t] < 0]
    changes = any(moves)
    if n <= 4 * columns:
        xs = real
    else:
        xs = []
        for c in range(columns):
            cells = [t for t in real if c * n // columns <= t < (c + 1) * n // columns]
            if cells:
                lo = min(v[t] for t in cells)
                hi = max(v[t] for t in cells)
                picks = {cells[0], cells[-1], next(t for t in cells if v[t] == lo),
                         next(t for t in cells if v[t] == hi)}
                xs.extend(sorted(picks))
    nonzero = [t for t in range(count) if v[t] != 0]
    zero_at = (nonzero[-1] + 1 if nonzero else 0) if count else None
    lo = min((v[t] for t in real), default=None)
    hi = max((v[t] for t in real), default=None)
    out = {
        "n": count, "first": v[0] if v else None, "last": v[-1] if v else None,
        "min": lo, "argmin": next(t for t in real if v[t] == lo) if real else None,
        "max": hi, "argmax": next(t for t in real if v[t] == hi) if real else None,
        "envelope": {"x": xs, "y": [v[t] for t in xs]},
        "zero_at": zero_at if zero_at is not None and zero_at < count else None,
        "decreases": bool(drops), "increases": any(m > 0 for m in moves),
        "changes": changes, "restarts": restarts,
        "stopped_at": None, "stop_message": None, "marks": {},
    }
    for t in sorted(set(marks)):
        if 0 <= t < count:
            later = [u for u in range(t + 1, count) if v[u] != v[t]]
            d = moves[t] if t else (moves[1] if count > 1 else 0)
            k = restarts_upto[t]
            if not changes:
                phase = "constant"
            else:
                word = ("decay" if d < 0 or (d == 0 and trend_upto[t] < 0) else
                        ("warmup" if k == 0 else "rising") if d > 0 else "stable")
                phase = word if k == 0 else "restart %d: %s" % (k, word)
            out["marks"][t] = {"lr": v[t], "next_change": later[0] if later else None,
                               "phase": phase}
    return out


def scanned(values, columns, marks, sizes, n=None):
    """Scan's result for values fed in slices of the given sizes (cycled), with
    "marks": {t: Scan.mark(values, t)} for the marks within the run."""
    scan = analysis.Scan(len(values) if n is None else n, columns)
    i = k = 0
    while i < len(values):
        size = sizes[k % len(sizes)]
        scan.feed(values[i:i + size])
        i += size
        k += 1
    result = scan.result()
    result["marks"] = dict((t, scan.mark(values, t)) for t in sorted(set(marks))
                           if scan.mark(values, t) is not None)
    return result


def same(got, want, values):
    """Summaries equal, floats bit for bit; the mean to rounding (it is summed per slice)."""
    got, want = dict(got), dict(want)
    mean = got.pop("mean")
    if values:
        assert mean == pytest.approx(math.fsum(values) / len(values) if all(
            math.isfinite(v) for v in values) else sum(values) / len(values), nan_ok=True)
    else:
        assert mean is None
    assert repr(got) == repr(want)


def curves(rng):
    """Float lists with the shapes Scan meets: ramps, plateaus, cycles, spikes, zeros."""
    out = []
    for _ in range(40):
        n = rng.choice([1, 2, 3, 5, 40, 399, 400, 401, 1000, 4321])
        pieces = []
        while len(pieces) < n:
            kind = rng.randrange(6)
            length = rng.randint(1, max(1, n // 3))
            if kind == 0:  # flat
                pieces += [rng.choice([0.0, 0.1, 1e-3])] * length
            elif kind == 1:  # ramp up
                base = rng.random()
                pieces += [base + i * 1e-3 for i in range(length)]
            elif kind == 2:  # ramp down
                base = rng.random()
                pieces += [base - i * 1e-4 for i in range(length)]
            elif kind == 3:  # noise with repeats
                pieces += [rng.choice([0.1, 0.2, 0.3]) for _ in range(length)]
            elif kind == 4:  # a spike
                pieces += [1e3 if rng.random() < 0.5 else -1e3]
            else:  # a zero tail
                pieces += [0.0] * length
        out.append(pieces[:n])
    out.append([0.5] * 2000)
    out.append([math.cos(t / 30.0) for t in range(3000)])
    out.append([0.1, float("nan"), 0.2, 0.1] * 300)
    out.append([float("nan")] * 10)
    out.append([math.inf, 1.0, -math.inf, 2.0] * 10)
    return out


CURVES = curves(random.Random(4))


@pytest.mark.parametrize("sizes", [(1,), (7,), (1000,), (3, 50, 1, 999)])
@pytest.mark.parametrize("index", range(len(CURVES)))
def test_scan_matches_the_reference_in_any_slicing(index, sizes):
    values = CURVES[index]
    # marks all along the curve, so every checkpoint of Scan.mark is exercised
    marks = tuple(range(0, len(values), 37)) + (1, len(values) - 1, len(values) + 5)
    for columns in (10, 1000):
        same(scanned(values, columns, marks, sizes),
             reference(values, len(values), columns, marks), values)


# --- Scan behaviours ---------------------------------------------------------------------


def test_envelope_is_every_step_for_short_runs():
    values = [0.1 * t for t in range(40)]
    env = scanned(values, 10, (), (7,))["envelope"]
    assert env == {"x": list(range(40)), "y": values}


def test_envelope_keeps_a_one_step_spike():
    values = [0.1] * 100000
    values[54321] = 5.0
    values[777] = -1.0
    result = scanned(values, 100, (), (20000,))
    env = dict(zip(result["envelope"]["x"], result["envelope"]["y"]))
    assert env[54321] == 5.0 and env[777] == -1.0
    assert len(result["envelope"]["x"]) <= 4 * 100


def test_envelope_points_are_in_step_order_without_duplicates():
    values = [math.sin(t / 7.0) for t in range(10000)]
    xs = scanned(values, 50, (), (333,))["envelope"]["x"]
    assert xs == sorted(set(xs)) and xs[0] == 0 and xs[-1] == 9999


def test_extremes_are_first_occurrences():
    result = scanned([0.3, 0.1, 0.5, 0.1, 0.5], 10, (), (2,))
    assert (result["argmin"], result["argmax"]) == (1, 2)


def test_zero_at_is_where_the_lr_stays_zero():
    assert scanned([0.2, 0.0, 0.1, 0.0, 0.0], 10, (), (1,))["zero_at"] == 3
    assert scanned([0.2, 0.0, 0.1], 10, (), (1,))["zero_at"] is None
    assert scanned([0.0, 0.0], 10, (), (1,))["zero_at"] == 0


def test_periodic_cosine_restarts_once_per_period():
    spec = {"framework": "pytorch", "name": "CosineAnnealingLR", "lr": 0.1,
            "params": {"T_max": 10}}
    result = scanned(pycore.lr_series(spec, 100), 10, (), (7,))
    assert result["restarts"] == 5  # it rises again from steps 11, 31, 51, 71 and 91


def test_drop_steps_are_capped():
    values = [1.0 - t * 1e-6 for t in range(5000)]
    assert analysis.drop_steps(values, 1000) == list(range(1, 1001))
    assert scanned(values, 100, (), (1234,))["decreases"]


def test_drop_steps_of_a_step_schedule():
    spec = {"framework": "pytorch", "name": "StepLR", "lr": 0.1, "params": {"step_size": 30}}
    values = pycore.lr_series(spec, 100)
    assert analysis.drop_steps(values, 1000) == [30, 60, 90]
    assert not scanned(values, 10, (), (1,))["increases"]


def test_stop_ends_the_summary_at_the_refused_step():
    scan = analysis.Scan(300, 10)
    spec, n, refused = STOPS[0]
    stream = stream_of(spec, n)
    values = drain(stream, 64)
    scan.feed(values)
    scan.stop(stream.stopped_at, str(stream.error))
    result = scan.result()
    assert result["n"] == result["stopped_at"] == 101
    assert result["stop_message"] == str(stream.error)
    assert scan.mark(values, 5)["lr"] == values[5] and scan.mark(values, 200) is None
    assert result["envelope"]["x"][-1] == 100


def test_stop_refuses_a_step_other_than_the_next():
    scan = analysis.Scan(10, 10)
    scan.feed([0.1, 0.2])
    with pytest.raises(pycore.SpecError):
        scan.stop(5, "no")


def test_feed_refuses_values_past_the_run():
    scan = analysis.Scan(3, 10)
    with pytest.raises(pycore.SpecError):
        scan.feed([0.1] * 4)


def test_empty_run_summary():
    scan = analysis.Scan(0, 10)
    result = scan.result()
    assert result["n"] == 0 and result["first"] is None and result["mean"] is None
    assert result["envelope"] == {"x": [], "y": []} and scan.mark([], 0) is None


PHASES = [  # (values, step, phase)
    ([0.1, 0.1, 0.1], 1, "constant"),
    ([0.0, 0.5, 1.0, 1.0, 0.5], 0, "warmup"),
    ([0.0, 0.5, 1.0, 1.0, 0.5], 1, "warmup"),
    ([0.0, 0.5, 1.0, 1.0, 0.5], 3, "stable"),
    ([0.0, 0.5, 1.0, 1.0, 0.5], 4, "decay"),
    ([1.0, 1.0, 0.5], 0, "stable"),
    ([1.0, 0.5, 0.5, 0.25], 2, "decay"),
    ([1.0, 0.5, 1.0, 0.5], 2, "restart 1: rising"),
    ([1.0, 0.5, 1.0, 0.5, 0.5], 4, "restart 1: decay"),
    ([1.0, 0.5, 1.0, 1.0], 3, "restart 1: stable"),
    ([1.0, 0.5, 1.0, 0.5, 1.0, 0.5], 5, "restart 2: decay"),
]


@pytest.mark.parametrize("values,step,phase", PHASES)
def test_phase_labels(values, step, phase):
    result = scanned(values, 10, (step,), (2,))
    assert result["marks"][step]["phase"] == phase


def test_mark_reports_value_and_next_change():
    spec = {"framework": "pytorch", "name": "StepLR", "lr": 0.1, "params": {"step_size": 30}}
    values = pycore.lr_series(spec, 100)
    marks = scanned(values, 10, (45, 95), (7,))["marks"]
    assert marks[45] == {"lr": values[45], "next_change": 60, "phase": "decay"}
    assert marks[95]["next_change"] is None


def test_nan_is_left_out_of_extremes_and_envelope():
    result = scanned([0.2, float("nan"), 0.1], 10, (), (1,))
    assert (result["min"], result["max"]) == (0.1, 0.2)
    assert result["envelope"]["x"] == [0, 2]
    assert not result["decreases"] and not result["increases"]
