"""pycore against Keras 3's schedules computing in float64, to 1e-12 relative.

Backend: torch. Keras 3.15.1 does not compute fully in float64 on any installed backend,
even with ``floatx`` float64: its type promotion (``keras.src.backend.common.dtypes``,
``BIT64_TO_BIT32_DTYPE``) demotes float64 to float32 on every backend but TensorFlow, so
the ops that take their dtype from it return float32 (keras-team/keras#23223, fixed
upstream by PR #23225). On torch that hits ``floor``, ``ceil`` and ``minimum``; on JAX
``floor``, ``ceil`` and ``cos``, which would round every cosine schedule to float32. So the
torch backend is the closer one, and the ``float64`` fixture below sets that one
promotion entry to float64, as Keras's TensorFlow backend has it: every operation is then
Keras's own, run by torch in float64, and each value is checked to be float64.

``test_stock_keras_*`` run unpatched Keras on parameter sets where that float32 demotion
cannot change a value (whole step counts, steps below 2**24), and one test pins the known
place where it does: a CosineDecayRestarts restart step whose float64 log ratio falls just
below a whole number (pycore, like float64 Keras, returns the floor there; float32
rounding of the ratio hides the quirk).

Schedules are evaluated one step at a time, as the optimizer reads
``schedule(iterations)``: Python ints for the series, int64 tensors (the dtype of
``iterations``) for a few far steps up to 2**53 - 1. One test drives a real optimizer to
check that update k uses f(k).
"""
import math
import os
import random

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402  (the backend is chosen by the environment at first import)
import pytest  # noqa: E402
from keras.src.backend.common import dtypes  # noqa: E402

import pycore  # noqa: E402

N = 1000
LONG = 10000
SNIPPET_STEPS = 100
FAR = (12345, 10 ** 6, 2 ** 31 + 7, 2 ** 40, 2 ** 53 - 1)  # int64 steps, as iterations is
NAMES = ("ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay",
         "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts")


@pytest.fixture(scope="module", autouse=True)
def torch_backend():
    assert keras.backend.backend() == "torch", "keras was imported before with another backend"


@pytest.fixture
def float64():
    """floatx float64 and float64 type promotion (as on Keras's TensorFlow backend)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(dtypes.BIT64_TO_BIT32_DTYPE, "float64", "float64")
        keras.config.set_floatx("float64")
        try:
            yield
        finally:
            keras.config.set_floatx("float32")


@pytest.fixture
def stock_float64():
    """floatx float64 with Keras's type promotion as shipped."""
    keras.config.set_floatx("float64")
    yield
    keras.config.set_floatx("float32")


def keras_values(schedule, n):
    """schedule(t) for t in 0..n-1, each checked to be a float64 scalar."""
    out = []
    for t in range(n):
        v = schedule(t)
        assert keras.backend.standardize_dtype(v.dtype) == "float64", (t, v.dtype)
        out.append(float(v))
    return out


def keras_schedule(name, params):
    return getattr(keras.optimizers.schedules, name)(**params)


def assert_close(got, expected, what):
    """1e-12 relative, with a floor of 1e-12 times the peak for values near 0."""
    assert len(got) == len(expected)
    peak = max([abs(v) for v in expected if math.isfinite(v)] or [0.0])
    for t, (a, b) in enumerate(zip(got, expected)):
        if math.isinf(a) or math.isinf(b):
            assert a == b, (what, t, a, b)
        else:
            assert abs(a - b) <= 1e-12 * max(abs(a), abs(b), peak), (what, t, a, b)


def _lr(rng):
    return 10 ** rng.uniform(-6, 0)


def _steps(rng, whole=False):
    """A step count: whole, half-integer or arbitrary (fractional ones only if allowed)."""
    kind = rng.choice(["small", "whole", "whole", "half", "any"] if not whole else
                      ["small", "whole"])
    if kind == "small":
        return float(rng.randint(1, 5))
    if kind == "whole":
        return float(rng.randint(6, 1500))
    if kind == "half":
        return rng.randint(1, 600) + 0.5
    return rng.uniform(0.3, 1500)


def random_params(name, rng, case):
    """A random parameter set of the Keras class; the first cases take edge values."""
    if name in ("ExponentialDecay", "InverseTimeDecay"):
        if name == "ExponentialDecay":
            rate = [1.0, 1.2][case] if case < 2 else rng.uniform(0.05, 1.0)
        else:
            rate = [0.0, 3.0][case] if case < 2 else rng.uniform(0.0, 3.0)
        return {"initial_learning_rate": _lr(rng), "decay_steps": _steps(rng),
                "decay_rate": rate, "staircase": case % 2 == 1}
    if name == "PiecewiseConstantDecay":
        k = rng.randint(1, 6)
        bounds = sorted(rng.sample(range(0 if case == 0 else 1, N + 100), k))
        values = [rng.choice([_lr(rng), _lr(rng), 0.0]) for _ in range(k + 1)]
        values[rng.randrange(k + 1)] = _lr(rng)
        return {"boundaries": bounds, "values": values}
    if name == "PolynomialDecay":
        cycle = case % 2 == 1
        lr0 = 0.0 if case == 2 else _lr(rng)
        p = {"initial_learning_rate": lr0, "decay_steps": _steps(rng, whole=cycle),
             "power": rng.choice([1.0, 0.5, 2.0, rng.uniform(0.1, 5.0)]), "cycle": cycle}
        end = rng.choice([None, 0.0, lr0 * rng.uniform(0, 1), lr0 * rng.uniform(1, 3)])
        if lr0 == 0.0:
            end = 0.05
        if end is not None:
            p["end_learning_rate"] = end
        return p
    if name == "CosineDecay":
        lr0 = _lr(rng)
        p = {"initial_learning_rate": lr0, "decay_steps": _steps(rng),
             "alpha": [0.0, 1.0][case % 4] if case % 4 < 2 else rng.uniform(0, 1)}
        if case % 3 != 0:
            p["warmup_target"] = lr0 * (1.0 if case == 1 else rng.uniform(1, 20))
            p["warmup_steps"] = _steps(rng)
            if case % 3 == 2:
                p["initial_learning_rate"] = 0.0
        return p
    return {"initial_learning_rate": _lr(rng),
            "first_decay_steps": [1.0, _steps(rng), rng.uniform(0.5, 40)][case % 3],
            "t_mul": [1.0, 2.0, 3.0, 1.5][case % 4] if case < 8 else rng.uniform(1, 4),
            "m_mul": [1.0, 0.0][case % 2] if case < 4 else rng.uniform(0, 1),
            "alpha": [0.0, 1.0][case % 2] if case in (4, 5) else rng.uniform(0, 1)}


def _seed(name, case):
    return 1000 * NAMES.index(name) + case


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("case", range(12))
def test_random_sets_match_keras(float64, name, case):
    params = random_params(name, random.Random(_seed(name, case)), case)
    spec = {"framework": "keras", "name": name, "params": params}
    expected = keras_values(keras_schedule(name, params), N)
    assert_close(pycore.lr_series(spec, N), expected, params)
    assert_close([pycore.lr_at(spec, t) for t in range(0, N, 37)], expected[::37], params)
    schedule = keras_schedule(name, params)
    assert_close([pycore.lr_at(spec, t) for t in FAR],
                 [float(schedule(keras.ops.convert_to_tensor(t, dtype="int64"))) for t in FAR],
                 params)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("case", range(12))
def test_to_code_reproduces_the_spec(float64, name, case):
    params = random_params(name, random.Random(_seed(name, case)), case)
    spec = {"framework": "keras", "name": name, "params": params}
    scope = {}
    exec(pycore.to_code(spec), scope)
    assert isinstance(scope["optimizer"], keras.optimizers.SGD)
    assert scope["optimizer"]._learning_rate is scope["lr_schedule"]
    direct = keras_schedule(name, params).get_config()
    assert scope["lr_schedule"].get_config() == direct
    assert_close(pycore.lr_series(spec, SNIPPET_STEPS),
                 keras_values(scope["lr_schedule"], SNIPPET_STEPS), params)


LONG_SPECS = [  # the random sets cover every class over N updates; these go to LONG
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 1.0,
                          "decay_rate": 1.1, "staircase": False}),  # overflows to inf
    ("CosineDecay", {"initial_learning_rate": 1e-5, "decay_steps": 8000.0, "alpha": 0.05,
                     "warmup_target": 0.003, "warmup_steps": 1000.0}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 10.0,
                             "t_mul": 3.0, "m_mul": 0.8, "alpha": 0.01}),
]


@pytest.mark.parametrize("name, params", LONG_SPECS)
def test_first_ten_thousand_updates_match_keras(float64, name, params):
    spec = {"framework": "keras", "name": name, "params": params}
    assert_close(pycore.lr_series(spec, LONG), keras_values(keras_schedule(name, params), LONG),
                 params)


def test_exponential_growth_overflows_to_inf_like_keras(float64):
    params = LONG_SPECS[0][1]
    spec = {"framework": "keras", "name": "ExponentialDecay", "params": params}
    big = 10 ** 6
    assert pycore.lr_at(spec, big) == float(keras_schedule(spec["name"], params)(big)) == math.inf


def test_the_optimizer_uses_f_k_for_update_k(float64):
    spec = {"framework": "keras", "name": "CosineDecay", "params": {
        "initial_learning_rate": 0.0, "decay_steps": 20.0, "alpha": 0.1,
        "warmup_target": 0.4, "warmup_steps": 5.0}}
    scope = {}
    exec(pycore.to_code(spec), scope)
    optimizer = scope["optimizer"]
    var = keras.Variable(0.0, dtype="float64")
    used = []
    for _ in range(30):
        var.assign(0.0)
        optimizer.apply_gradients([(keras.ops.ones((), dtype="float64"), var)])
        used.append(-float(keras.ops.convert_to_numpy(var.value)))  # plain SGD: 0 - lr * 1
    assert_close(used, pycore.lr_series(spec, 30), spec)


STOCK = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7.0,
                          "decay_rate": 0.6, "staircase": True}),
    ("PiecewiseConstantDecay", {"boundaries": [10, 100, 500], "values": [1.0, 0.3, 0.1, 0.01]}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 300.0,
                         "power": 1.5, "cycle": True}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 13.0,
                          "decay_rate": 0.5, "staircase": True}),
    ("CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 700.0, "alpha": 0.1,
                     "warmup_target": 0.1, "warmup_steps": 100.0}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 10.0,
                             "t_mul": 2.0, "m_mul": 0.5, "alpha": 0.1}),
]


@pytest.mark.parametrize("name, params", STOCK)
def test_stock_keras_matches_where_float32_promotion_is_harmless(stock_float64, name, params):
    spec = {"framework": "keras", "name": name, "params": params}
    assert_close(pycore.lr_series(spec, N), keras_values(keras_schedule(name, params), N), params)


def test_stock_keras_hides_the_restart_log_quirk_by_rounding_to_float32(stock_float64):
    # t_mul=3, first_decay_steps=1: step 121 starts cycle 5, but in float64
    # log(243) / log(3) = 4.999999999999999, so float64 Keras (and pycore) take it as the
    # end of cycle 4; stock Keras rounds the ratio to float32 (5.0) and restarts.
    params = {"initial_learning_rate": 0.1, "first_decay_steps": 1.0, "t_mul": 3.0,
              "alpha": 0.1}
    spec = {"framework": "keras", "name": "CosineDecayRestarts", "params": params}
    assert math.log(243.0) / math.log(3.0) < 5.0
    assert float(keras_schedule(spec["name"], params)(121)) == 0.1
    assert pycore.lr_at(spec, 121) == pytest.approx(0.01, rel=1e-12)


def test_float64_keras_shows_the_restart_log_quirk(float64):
    params = {"initial_learning_rate": 0.1, "first_decay_steps": 1.0, "t_mul": 3.0,
              "alpha": 0.1}
    spec = {"framework": "keras", "name": "CosineDecayRestarts", "params": params}
    assert float(keras_schedule(spec["name"], params)(121)) == pycore.lr_at(spec, 121)


@pytest.mark.parametrize("name, params", [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 0.5}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": -1.0}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 0.5}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 0}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 0}),
    ("PiecewiseConstantDecay", {"boundaries": [10, 20], "values": [0.1, 0.01]}),
])
def test_what_keras_rejects_pycore_rejects(name, params):
    with pytest.raises(ValueError):
        keras_schedule(name, params)
    with pytest.raises(pycore.SpecError):
        pycore.validate({"framework": "keras", "name": name, "params": params})
