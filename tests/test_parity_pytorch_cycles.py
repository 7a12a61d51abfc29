"""pycore against torch 2.13's CyclicLR, OneCycleLR, SWALR and ReduceLROnPlateau.

torch is driven the documented way: an SGD optimizer with momentum over a real model,
``optimizer.step()`` then ``scheduler.step()`` (``scheduler.step(metric)`` for
ReduceLROnPlateau), reading the param group's lr and momentum before each update. All four
match bit for bit: CyclicLR and OneCycleLR are absolute functions of the step, SWALR and
ReduceLROnPlateau are replayed in torch's operation order. The snippets ``pycore.to_code``
writes are executed and compared the same way.
"""
import math
import random

import pytest
import torch
from torch.optim import lr_scheduler
from torch.optim.swa_utils import SWALR

import pycore

N = 1200
LONG = 10000


def run(optimizer, scheduler, n, metrics=None):
    """The lr and momentum of n updates; the scheduler steps between them."""
    lrs, momenta = [], []
    for k in range(n):
        group = optimizer.param_groups[0]
        lrs.append(group["lr"])
        momenta.append(group["momentum"] if "momentum" in group else group["betas"][0])
        if k == n - 1:
            break
        optimizer.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[k])
    return lrs, momenta


def drive(spec, n):
    """torch's lr and momentum per update for spec, built from the spec's own params."""
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=spec["lr"], momentum=0.9)
    params = spec["params"]
    if spec["name"] == "SWALR":
        scheduler = SWALR(optimizer, **params)
    else:
        scheduler = getattr(lr_scheduler, spec["name"])(optimizer, **params)
    return run(optimizer, scheduler, n, spec.get("metrics"))


def drive_code(spec, n):
    """The same, with the optimizer and scheduler that pycore.to_code(spec) defines."""
    scope = {"model": torch.nn.Linear(1, 1)}
    exec(pycore.to_code(spec), scope)
    return run(scope["optimizer"], scope["scheduler"], n, spec.get("metrics"))


def spec(name, lr, params, metrics=None):
    out = {"framework": "pytorch", "name": name, "lr": lr, "params": params}
    if metrics is not None:
        out["metrics"] = metrics
    return out


def log_uniform(rng, lo, hi):
    return 10 ** rng.uniform(math.log10(lo), math.log10(hi))


# ---------------------------------------------------------------- random parameter sets


def cyclic_case(seed):
    """A CyclicLR spec across the allowed ranges, and how many updates torch allows."""
    rng = random.Random(seed)
    base = rng.choice([0.0, log_uniform(rng, 1e-6, 1e-1), log_uniform(rng, 1e-6, 1e-1)])
    top = rng.choice([base, base * (1 + log_uniform(rng, 1e-3, 100)),
                      log_uniform(rng, 1e-5, 1.0) + base]) or 0.01
    up = rng.choice([1, 2, 3, 7, 50, 333, 2000, rng.randint(1, 1500)])
    down = rng.choice([None, 0, 1, rng.randint(1, 700)])
    mode = rng.choice(["triangular", "triangular2", "exp_range"])
    gamma = rng.choice([1.0, 0.5, rng.uniform(0.99, 1.0), 1 - log_uniform(rng, 1e-7, 1e-2)])
    momenta = sorted([rng.choice([0.0, rng.uniform(0, 0.999)]), rng.uniform(0, 0.999)])
    params = {"base_lr": base, "max_lr": top, "step_size_up": up, "step_size_down": down,
              "mode": mode, "gamma": gamma, "cycle_momentum": rng.random() < 0.8,
              "base_momentum": momenta[0], "max_momentum": momenta[1]}
    n = N
    if mode == "triangular2":
        n = min(n, 1024 * (up + (up if down is None else down)))
    return spec("CyclicLR", log_uniform(rng, 1e-4, 1.0), params), n


def onecycle_case(seed):
    """A OneCycleLR spec with a valid pct_start, and total_steps + 1 updates (at most)."""
    rng = random.Random(seed)
    while True:
        total = rng.choice([rng.randint(999, 2500)] * 4 + [2, 3, 7, 10, 37, 100])
        three = rng.random() < 0.4
        hi = 0.5 if three else 1.0
        pct = rng.choice([0.3, rng.uniform(1.0 / total, hi), rng.uniform(0, hi)])
        params = {"max_lr": log_uniform(rng, 1e-5, 10.0), "pct_start": pct,
                  "anneal_strategy": rng.choice(["cos", "linear"]),
                  "cycle_momentum": rng.random() < 0.8,
                  "div_factor": rng.choice([1.0, 25.0, rng.uniform(1, 1000)]),
                  "final_div_factor": rng.choice([1.0, 1e4, log_uniform(rng, 1, 1e6)]),
                  "three_phase": three}
        momenta = sorted([rng.uniform(0, 0.999), rng.uniform(0, 0.999)])
        params["base_momentum"], params["max_momentum"] = momenta
        if rng.random() < 0.3:
            per = rng.choice([d for d in range(1, total + 1) if total % d == 0])
            params["epochs"], params["steps_per_epoch"] = total // per, per
        else:
            params["total_steps"] = total
        s = spec("OneCycleLR", log_uniform(rng, 1e-4, 1.0), params)
        try:
            pycore.validate(s)
        except pycore.SpecError:
            continue
        return s, min(total + 1, N)


def swalr_case(seed):
    rng = random.Random(seed)
    params = {"swa_lr": log_uniform(rng, 1e-6, 1.0),
              "anneal_epochs": rng.choice([0, 1, 2, 3, 10, 100, 999, 5000, rng.randint(1, 3000)]),
              "anneal_strategy": rng.choice(["cos", "linear"])}
    return spec("SWALR", log_uniform(rng, 1e-6, 1.0), params), N


def metric_series(rng, count):
    """Validation-loss-like metrics: trends, noise, flat plateaus, jumps; some negative."""
    kind = rng.choice(["decay", "walk", "plateaus", "flat", "noisy"])
    level = rng.choice([1.0, 100.0, -5.0, log_uniform(rng, 1e-3, 1e3)])
    out = []
    for k in range(count):
        if kind == "decay":
            level = level * (1 - log_uniform(rng, 1e-5, 1e-2)) + rng.gauss(0, 1e-3)
        elif kind == "walk":
            level += rng.gauss(0, 0.01)
        elif kind == "plateaus" and rng.random() < 0.02:
            level -= abs(level) * rng.uniform(0, 0.2)
        elif kind == "noisy":
            out.append(level * (1 + rng.gauss(0, 0.05)) - k * 1e-4)
            continue
        out.append(round(level, rng.choice([3, 6, 12])))
    return out


def plateau_case(seed):
    rng = random.Random(seed)
    lr = log_uniform(rng, 1e-4, 1.0)
    factor = rng.choice([0.1, 0.5, rng.uniform(0.01, 0.99)])
    params = {"mode": rng.choice(["min", "max"]), "factor": factor,
              "patience": rng.choice([0, 1, 2, 10, rng.randint(0, 30)]),
              "threshold": rng.choice([0.0, 1e-4, log_uniform(rng, 1e-6, 0.1)]),
              "threshold_mode": rng.choice(["rel", "abs"]),
              "cooldown": rng.choice([0, 0, 1, rng.randint(0, 10)]),
              "min_lr": rng.choice([0.0, lr * log_uniform(rng, 1e-6, 0.5)]),
              "eps": rng.choice([1e-8, 0.0, lr * log_uniform(rng, 1e-9, 1e-3)])}
    return spec("ReduceLROnPlateau", lr, params, metric_series(rng, N - 1)), N


CASES = ([cyclic_case(1000 + i) for i in range(40)]
         + [onecycle_case(2000 + i) for i in range(40)]
         + [swalr_case(3000 + i) for i in range(30)]
         + [plateau_case(4000 + i) for i in range(40)])
IDS = ["%s-%d" % (s["name"], i) for i, (s, _) in enumerate(CASES)]


# ---------------------------------------------------------------- parity


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_series_bit_exact(case):
    s, n = case
    lrs, momenta = drive(s, n)
    assert pycore.lr_series(s, n) == lrs
    expected = momenta if s["params"].get("cycle_momentum") else None
    assert pycore.momentum_series(s, n) == expected


@pytest.mark.parametrize("case", [c for c in CASES if c[0]["name"] in ("CyclicLR", "OneCycleLR")],
                         ids=[i for i, c in zip(IDS, CASES)
                              if c[0]["name"] in ("CyclicLR", "OneCycleLR")])
def test_at_bit_exact_for_absolute_schedulers(case):
    s, n = case
    lrs, _ = drive(s, n)
    assert [pycore.lr_at(s, t) for t in range(n)] == lrs


@pytest.mark.parametrize("case", [c for c in CASES if c[0]["name"] == "SWALR"],
                         ids=[i for i, c in zip(IDS, CASES) if c[0]["name"] == "SWALR"])
def test_swalr_at_within_drift(case):
    s, n = case
    lrs, _ = drive(s, n)
    peak = max(s["lr"], s["params"]["swa_lr"])
    for t in range(n):
        assert abs(pycore.lr_at(s, t) - lrs[t]) <= 1e-12 * max(abs(lrs[t]), peak)


LONG_CASES = [
    spec("CyclicLR", 0.1, {"base_lr": 1e-4, "max_lr": 0.3, "step_size_up": 700,
                           "step_size_down": 1300, "mode": "triangular2"}),
    spec("CyclicLR", 0.1, {"base_lr": 0.0, "max_lr": 1.0, "step_size_up": 3,
                           "mode": "exp_range", "gamma": 0.9995}),
    spec("OneCycleLR", 0.1, {"max_lr": 0.4, "total_steps": LONG - 1, "three_phase": True}),
    spec("OneCycleLR", 0.1, {"max_lr": 3e-3, "epochs": 40, "steps_per_epoch": 250,
                             "pct_start": 0.25, "anneal_strategy": "linear"}),
    spec("SWALR", 0.2, {"swa_lr": 0.01, "anneal_epochs": 7000}),
    spec("ReduceLROnPlateau", 0.1, {"patience": 3, "cooldown": 2},
         metric_series(random.Random(7), LONG - 1)),
]


@pytest.mark.parametrize("s", LONG_CASES, ids=[s["name"] for s in LONG_CASES])
def test_ten_thousand_updates_bit_exact(s):
    lrs, momenta = drive(s, LONG)
    assert pycore.lr_series(s, LONG) == lrs
    if s["name"] in ("CyclicLR", "OneCycleLR"):
        assert pycore.momentum_series(s, LONG) == momenta


# ---------------------------------------------------------------- where torch stops


@pytest.mark.parametrize("total", [2, 5, 100])
def test_onecycle_refuses_exactly_where_torch_raises(total):
    s = spec("OneCycleLR", 0.1, {"max_lr": 0.1, "total_steps": total, "pct_start": 0.9})
    lrs, _ = drive(s, total + 1)  # total_steps step() calls: all allowed
    assert pycore.lr_series(s, total + 1) == lrs
    with pytest.raises(ValueError, match="Tried to step %d times" % (total + 1)):
        drive(s, total + 2)
    with pytest.raises(pycore.SpecError) as err:
        pycore.lr_series(s, total + 2)
    assert "call %d" % (total + 1) in str(err.value)
    with pytest.raises(pycore.SpecError):
        pycore.lr_at(s, total + 1)


@pytest.mark.parametrize("up, down", [(1, 0), (1, 1), (2, 3)])
def test_cyclic_triangular2_refuses_exactly_where_torch_overflows(up, down):
    s = spec("CyclicLR", 0.1, {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": up,
                               "step_size_down": down, "mode": "triangular2"})
    limit = 1024 * (up + down)
    lrs, _ = drive(s, limit)
    assert pycore.lr_series(s, limit) == lrs
    with pytest.raises(OverflowError):
        drive(s, limit + 1)
    with pytest.raises(pycore.SpecError):
        pycore.lr_series(s, limit + 1)


def test_plateau_refuses_more_updates_than_metrics_allow():
    s = spec("ReduceLROnPlateau", 0.1, {}, [1.0, 2.0])
    assert pycore.lr_series(s, 3) == drive(s, 3)[0]
    with pytest.raises(pycore.SpecError):
        pycore.lr_series(s, 4)


# Specs pycore refuses because torch fails on them (ValueError at construction, or a
# ZeroDivisionError at construction or at a later step).
TORCH_FAILS = [
    spec("CyclicLR", 0.1, {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 0}),
    spec("OneCycleLR", 0.1, {"max_lr": 0.1, "total_steps": 10, "pct_start": 0.1}),
    spec("OneCycleLR", 0.1, {"max_lr": 0.1, "total_steps": 10, "pct_start": 1.0}),
    spec("OneCycleLR", 0.1, {"max_lr": 0.1, "total_steps": 3, "pct_start": 2 / 3,
                             "three_phase": True}),
    spec("OneCycleLR", 0.1, {"max_lr": 0.1, "total_steps": 0}),
    spec("OneCycleLR", 0.1, {"max_lr": 0.1, "epochs": 3}),
    spec("OneCycleLR", 0.1, {"max_lr": 0.1, "total_steps": 10, "pct_start": -0.1}),
    spec("OneCycleLR", 0.1, {"max_lr": 0.1, "total_steps": 10, "anneal_strategy": "exp"}),
    spec("OneCycleLR", 0.1, {"max_lr": 0.1, "total_steps": 10, "div_factor": 0.0}),
    spec("SWALR", 0.1, {"swa_lr": 0.05, "anneal_epochs": -1}),
    spec("SWALR", 0.1, {"swa_lr": 0.05, "anneal_strategy": "exp"}),
    spec("ReduceLROnPlateau", 0.1, {"factor": 1.0}, [1.0]),
    spec("ReduceLROnPlateau", 0.1, {"mode": "auto"}, [1.0]),
    spec("ReduceLROnPlateau", 0.1, {"threshold_mode": "pct"}, [1.0]),
]


@pytest.mark.parametrize("s", TORCH_FAILS, ids=["%s-%d" % (s["name"], i)
                                                for i, s in enumerate(TORCH_FAILS)])
def test_refused_where_torch_fails(s):
    with pytest.raises((ValueError, ZeroDivisionError)):
        drive(s, 12)
    with pytest.raises(pycore.SpecError):
        pycore.validate(s)


# ---------------------------------------------------------------- exported code


CODE_CASES = ([c for c in CASES if c[0]["name"] != "ReduceLROnPlateau"][::6]
              + [c for c in CASES if c[0]["name"] == "ReduceLROnPlateau"][::6])


@pytest.mark.parametrize("case", CODE_CASES, ids=["%s-%d" % (c[0]["name"], i)
                                                  for i, c in enumerate(CODE_CASES)])
def test_to_code_reproduces_the_series(case):
    s, n = case
    lrs, momenta = drive_code(s, n)
    assert pycore.lr_series(s, n) == lrs
    if s["params"].get("cycle_momentum"):
        assert pycore.momentum_series(s, n) == momenta
