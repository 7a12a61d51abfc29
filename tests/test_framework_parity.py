"""pycore against the real frameworks: PyTorch 2.13 schedulers and Keras 3 schedules.

PyTorch is driven the documented way (optimizer.step() then scheduler.step(), reading the
param group's LR before each update) and must match lr_series bit for bit. Keras runs
with floatx float64 on the torch backend and must match to 1e-12 relative.
"""
import os
import random

import pytest

import pycore

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

N = 1200


def torch_series(make, lr, n):
    """LR used by each of n updates of a real torch optimizer driven by the scheduler."""
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=lr)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out



@pytest.mark.parametrize("case", range(25))
def test_steplr_bit_exact(case):
    rng = random.Random(100 + case)
    lr, size, gamma = 10 ** rng.uniform(-5, 0), rng.choice([1, 2, 3, 10, 30, 97]), rng.uniform(0.01, 1)
    if case == 0:
        lr, size, gamma = 0.1, 30, 0.1
    spec = {"framework": "pytorch", "name": "StepLR", "lr": lr,
            "params": {"step_size": size, "gamma": gamma}}
    expected = torch_series(lambda o: torch.optim.lr_scheduler.StepLR(o, size, gamma), lr, N)
    assert pycore.lr_series(spec, N) == expected


@pytest.mark.parametrize("case", range(25))
def test_cosine_annealing_bit_exact(case):
    rng = random.Random(200 + case)
    lr = 10 ** rng.uniform(-5, 0)
    t_max = rng.choice([1, 2, 5, 50, 333, 1000])
    eta = lr * rng.choice([0.0, rng.uniform(0, 1), 1.0])
    spec = {"framework": "pytorch", "name": "CosineAnnealingLR", "lr": lr,
            "params": {"T_max": t_max, "eta_min": eta}}
    expected = torch_series(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, t_max, eta), lr, N)
    assert pycore.lr_series(spec, N) == expected
    closed = [pycore.lr_at(spec, t) for t in range(N)]
    for a, b in zip(closed, expected):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-11 * lr)


@pytest.fixture(scope="module")
def float64():
    keras.config.set_floatx("float64")
    yield
    keras.config.set_floatx("float32")


def keras_series(cls, params, n):
    """Keras's float64 values for steps 0..n-1.

    With staircase, Keras's torch backend returns float32 from ops.floor even under floatx
    float64, so the float64 reference is taken from the same Keras schedule without
    staircase, evaluated at the start of each period (k * decay_steps, exact for the
    decay_steps used here, so p is exactly k).
    """
    params = dict(params)
    staircase = params.pop("staircase")
    ds = params["decay_steps"]
    points = [float(t) for t in range(n)]
    if staircase:
        points = [(t // ds) * ds for t in points]
        assert all((p / ds) == (t // ds) for p, t in zip(points, range(n)))
    sched = cls(staircase=False, **params)
    steps = keras.ops.convert_to_tensor(points, dtype="float64")
    return [float(v) for v in keras.ops.convert_to_numpy(sched(steps))]


@pytest.mark.parametrize("name", ["InverseTimeDecay", "ExponentialDecay"])
@pytest.mark.parametrize("case", range(12))
def test_keras_schedules_float64(float64, name, case):
    rng = random.Random("%s-%d" % (name, case))
    params = {"initial_learning_rate": 10 ** rng.uniform(-5, 0),
              "decay_steps": rng.choice([1, 3, 100, 1000]) * rng.choice([1.0, 1.5]),
              "decay_rate": rng.uniform(0.01, 2) if name == "InverseTimeDecay" else rng.uniform(0.05, 0.999),
              "staircase": case % 2 == 1}
    if case == 0 and name == "InverseTimeDecay":
        params = {"initial_learning_rate": 0.01, "decay_steps": 1.0, "decay_rate": 0.1,
                  "staircase": False}
    expected = keras_series(getattr(keras.optimizers.schedules, name), params, N)
    got = pycore.lr_series({"framework": "keras", "name": name, "params": params}, N)
    for t, (a, b) in enumerate(zip(got, expected)):
        assert a == pytest.approx(b, rel=1e-12), t


def test_keras_rejects_what_pycore_rejects():
    with pytest.raises(ValueError):
        keras.optimizers.schedules.InverseTimeDecay(0.1, 0, 0.5)
    with pytest.raises(pycore.SpecError):
        pycore.validate({"framework": "keras", "name": "InverseTimeDecay", "params": {
            "initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 0.5}})
