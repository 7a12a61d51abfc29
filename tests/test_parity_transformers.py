"""pycore against transformers 5.23 + torch 2.13 themselves, bit for bit.

Every schedule is built with the real ``get_scheduler`` on a one-parameter model and driven
the Trainer way (``optimizer.step()`` then ``scheduler.step()``), reading the param
group's LR before each update; then ``pycore.to_code``'s snippet is executed and driven the
same way. Both must equal ``pycore.lr_series`` exactly: transformers' LambdaLR schedules
are closed forms evaluated in Python floats, and pycore follows their operation order.
"""
import random
import warnings

import pytest
import torch
from transformers import get_scheduler

import pycore

TOP_LEVEL = ("num_warmup_steps", "num_training_steps")
STEP_DRIVEN = ["constant", "constant_with_warmup", "linear", "cosine", "cosine_with_restarts",
               "polynomial", "inverse_sqrt", "cosine_with_min_lr", "cosine_warmup_with_min_lr",
               "warmup_stable_decay"]
SETS = 12  # random parameter sets per name
N = 1200  # updates per random set (every set also runs past num_training_steps)
LONG = 10000  # updates for the long sets


def drive(optimizer, scheduler, n):
    """The LR of updates 0..n-1, stepping as the Trainer does."""
    out = []
    for _ in range(n):
        out.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return out


def library_series(spec, n):
    """transformers' LRs for spec, built with get_scheduler from the spec's params."""
    optimizer = torch.optim.AdamW(torch.nn.Linear(1, 1).parameters(), lr=spec["lr"])
    params = spec["params"]
    top = dict((k, v) for k, v in params.items() if k in TOP_LEVEL)
    extra = dict((k, v) for k, v in params.items() if k not in TOP_LEVEL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # WSD warns when given both step counts
        scheduler = get_scheduler(spec["name"], optimizer, scheduler_specific_kwargs=extra,
                                  **top)
    return drive(optimizer, scheduler, n)


def code_series(spec, n):
    """The LRs of pycore.to_code's snippet, executed with a one-parameter model."""
    namespace = {"model": torch.nn.Linear(1, 1)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(pycore.to_code(spec), namespace)
    return drive(namespace["optimizer"], namespace["scheduler"], n)


def random_spec(name, rng, case):
    """A valid spec of name with parameters drawn across their allowed ranges; the first
    cases pin edge values (no warmup, one warmup step, the shortest decay)."""
    lr = rng.choice([1.0, 0.1, 3e-4, 10 ** rng.uniform(-7, 1)])
    warmup = [0, 1, 0][case] if case < 3 else rng.choice([0, rng.randint(1, 40),
                                                           rng.randint(41, 400)])
    total = warmup + ([1, rng.randint(1, 5), 2][case] if case < 3 else rng.randint(1, 700))
    counts = {"num_warmup_steps": warmup, "num_training_steps": total}
    params = {}
    if name == "constant_with_warmup":
        params = {"num_warmup_steps": warmup}
    elif name == "linear":
        params = counts
    elif name in ("cosine", "cosine_with_min_lr", "cosine_warmup_with_min_lr"):
        params = dict(counts, num_cycles=rng.choice(
            [0.5, rng.uniform(0.05, 1), rng.uniform(1, 5), float(rng.randint(1, 4))]))
    elif name == "cosine_with_restarts":
        params = dict(counts, num_cycles=rng.choice(
            [1.0, float(rng.randint(2, 8)), rng.uniform(0.1, 6)]))
    elif name == "polynomial":
        params = dict(counts, lr_end=rng.choice([1e-7 if lr > 1e-7 else 0.0, 0.0,
                                                 lr * rng.random()]),
                      power=rng.choice([1.0, 2.0, rng.uniform(0.1, 5)]))
    elif name == "inverse_sqrt":
        params = {"num_warmup_steps": warmup,
                  "timescale": rng.choice([None, rng.randint(1, 3), rng.randint(4, 5000)])}
    elif name == "warmup_stable_decay":
        params = {"num_warmup_steps": warmup, "num_decay_steps": rng.randint(1, 500),
                  "warmup_type": rng.choice(["linear", "cosine", "1-sqrt"]),
                  "decay_type": rng.choice(["linear", "cosine", "1-sqrt"]),
                  "min_lr_ratio": rng.choice([0.0, 1.0, rng.random()]),
                  "num_cycles": rng.choice([0.5, rng.uniform(0.05, 3)])}
        stable = rng.randint(0, 300)
        which = rng.choice(["training", "stable", "both"])
        if which != "stable":
            params["num_training_steps"] = (warmup + params["num_decay_steps"] + stable
                                            + rng.choice([0, rng.randint(0, 50)]))
        if which != "training":
            params["num_stable_steps"] = stable
    if name in ("cosine_with_min_lr", "cosine_warmup_with_min_lr"):
        if rng.random() < 0.5:
            params["min_lr"] = rng.choice([0.0, lr, lr * rng.random()])
        else:
            params["min_lr_rate"] = rng.choice([0.0, 1.0, rng.random()])
        if name == "cosine_warmup_with_min_lr":
            params["warmup_lr_rate"] = rng.choice([None, 0.0, 1.0, rng.random()])
    return {"framework": "transformers", "name": name, "lr": lr, "params": params}


def cases():
    out = []
    for k, name in enumerate(STEP_DRIVEN):
        rng = random.Random(3000 + k)
        out += [random_spec(name, rng, case) for case in range(SETS)]
    return out


@pytest.mark.parametrize("spec", cases(), ids=lambda s: s["name"])
def test_random_sets_are_bit_exact(spec):
    expected = library_series(spec, N)
    assert pycore.lr_series(spec, N) == expected
    assert code_series(spec, N) == expected


LONG_SPECS = [
    ("cosine", 0.001, {"num_warmup_steps": 500, "num_training_steps": 8000, "num_cycles": 0.5}),
    ("linear", 5e-5, {"num_warmup_steps": 300, "num_training_steps": 9000}),
    ("cosine_with_restarts", 0.01, {"num_warmup_steps": 100, "num_training_steps": 9000,
                                    "num_cycles": 7.0}),
    ("polynomial", 2e-4, {"num_warmup_steps": 700, "num_training_steps": 7000,
                          "lr_end": 1e-6, "power": 3.0}),
    ("inverse_sqrt", 0.003, {"num_warmup_steps": 4000}),
    ("cosine_with_min_lr", 0.0003, {"num_warmup_steps": 100, "num_training_steps": 9999,
                                    "min_lr": 3e-5}),
    ("cosine_warmup_with_min_lr", 0.0003, {"num_warmup_steps": 100,
                                           "num_training_steps": 9999, "min_lr_rate": 0.1,
                                           "warmup_lr_rate": 0.01}),
    ("warmup_stable_decay", 0.002, {"num_warmup_steps": 1000, "num_decay_steps": 2000,
                                    "num_training_steps": 9000, "warmup_type": "1-sqrt",
                                    "decay_type": "1-sqrt", "min_lr_ratio": 0.05}),
]


@pytest.mark.parametrize("name, lr, params", LONG_SPECS, ids=[s[0] for s in LONG_SPECS])
def test_long_runs_are_bit_exact(name, lr, params):
    spec = {"framework": "transformers", "name": name, "lr": lr, "params": params}
    expected = library_series(spec, LONG)
    assert pycore.lr_series(spec, LONG) == expected
    assert code_series(spec, LONG) == expected


def random_plateau(rng, case):
    """A reduce_lr_on_plateau spec with torch's arguments drawn across their ranges and a
    noisy metric that improves, stalls and improves again."""
    mode = rng.choice(["min", "max"])
    params = {"mode": mode, "factor": rng.choice([0.1, 0.5, rng.uniform(0.01, 0.99)]),
              "patience": rng.choice([0, 1, rng.randint(2, 30)]),
              "threshold": rng.choice([0.0, 1e-4, rng.uniform(0, 0.2)]),
              "threshold_mode": rng.choice(["rel", "abs"]),
              "cooldown": rng.choice([0, rng.randint(1, 20)]),
              "min_lr": rng.choice([0.0, 1e-6]), "eps": rng.choice([1e-8, 0.0])}
    level, metrics = rng.uniform(0.5, 5), []
    for _ in range(N):
        level *= rng.choice([1.0, 1.0, rng.uniform(0.97, 1.0)])
        metrics.append((level if mode == "min" else 1.0 / level) + rng.gauss(0, 0.01 * case))
    return {"framework": "transformers", "name": "reduce_lr_on_plateau",
            "lr": rng.choice([0.1, 10 ** rng.uniform(-4, 0)]), "params": params,
            "metrics": metrics}


def plateau_series(optimizer, scheduler, metrics, n):
    """The LR of updates 0..n-1, reporting metrics[k] after update k as the Trainer does
    after each evaluation."""
    out = []
    for k in range(n):
        out.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if k < n - 1:
            scheduler.step(metrics[k])
    return out


@pytest.mark.parametrize("case", range(SETS))
def test_reduce_lr_on_plateau_is_bit_exact(case):
    spec = random_plateau(random.Random(4000 + case), case)
    optimizer = torch.optim.AdamW(torch.nn.Linear(1, 1).parameters(), lr=spec["lr"])
    scheduler = get_scheduler("reduce_lr_on_plateau", optimizer,
                              scheduler_specific_kwargs=spec["params"])
    expected = plateau_series(optimizer, scheduler, spec["metrics"], N)
    assert pycore.lr_series(spec, N) == expected
    assert len(set(expected)) > 1 or spec["params"]["patience"] > 20
    namespace = {"model": torch.nn.Linear(1, 1)}
    exec(pycore.to_code(spec), namespace)
    assert plateau_series(namespace["optimizer"], namespace["scheduler"], spec["metrics"],
                          N) == expected


def test_lr_at_far_out_equals_the_lambda():
    """lr_at far beyond any series: base LR times transformers' own lr_lambda."""
    spec = {"framework": "transformers", "name": "cosine", "lr": 0.1,
            "params": {"num_warmup_steps": 10, "num_training_steps": 1000, "num_cycles": 0.5}}
    optimizer = torch.optim.AdamW(torch.nn.Linear(1, 1).parameters(), lr=0.1)
    scheduler = get_scheduler("cosine", optimizer, 10, 1000)
    factor = scheduler.lr_lambdas[0]
    for t in (10 ** 6, 12345678, 2 ** 40):
        assert pycore.lr_at(spec, t) == 0.1 * factor(t)


def make(name, lr=0.1, **kwargs):
    optimizer = torch.optim.AdamW(torch.nn.Linear(1, 1).parameters(), lr=lr)
    return get_scheduler(name, optimizer, **kwargs)


# What transformers itself rejects, which pycore's validation (tests/test_transformers.py)
# rejects too.
@pytest.mark.parametrize("name, kwargs", [
    ("constant_with_warmup", {}),
    ("linear", {"num_warmup_steps": 1}),
    ("reduce_lr_on_plateau", {"scheduler_specific_kwargs": {"factor": 1.0}}),
    ("cosine_with_min_lr", {"num_warmup_steps": 1, "scheduler_specific_kwargs": {
        "min_lr_rate": 0.1}}),
    ("polynomial", {"num_warmup_steps": 1, "num_training_steps": 10,
                    "scheduler_specific_kwargs": {"lr_end": 0.1}}),
    ("cosine_with_min_lr", {"num_warmup_steps": 1, "num_training_steps": 10}),
    ("cosine_warmup_with_min_lr", {"num_warmup_steps": 1, "num_training_steps": 10,
                                   "scheduler_specific_kwargs": {"min_lr": 0.01,
                                                                 "min_lr_rate": 0.1}}),
    ("warmup_stable_decay", {"num_warmup_steps": 1, "scheduler_specific_kwargs": {
        "num_decay_steps": 5}}),
    ("warmup_stable_decay", {"num_warmup_steps": 1, "num_training_steps": 20,
                             "scheduler_specific_kwargs": {"num_decay_steps": 5,
                                                           "warmup_type": "exp"}}),
    ("warmup_stable_decay", {"num_warmup_steps": 1, "num_training_steps": 20,
                             "scheduler_specific_kwargs": {"num_decay_steps": 5,
                                                           "decay_type": "step"}}),
])
def test_transformers_rejects_them_too(name, kwargs):
    with pytest.raises(ValueError):
        make(name, **kwargs)


@pytest.mark.parametrize("name, kwargs", [
    ("warmup_stable_decay", {"num_warmup_steps": 1, "num_training_steps": 20}),
    ("cosine", {"num_warmup_steps": 1, "num_training_steps": 20,
                "scheduler_specific_kwargs": {"min_lr_rate": 0.1}}),
])
def test_transformers_refuses_missing_or_unknown_arguments(name, kwargs):
    with pytest.raises(TypeError):
        make(name, **kwargs)


def test_transformers_divides_by_zero_where_pycore_refuses_an_empty_decay():
    scheduler = make("polynomial", num_warmup_steps=5, num_training_steps=5)
    with pytest.raises(ZeroDivisionError):
        for _ in range(6):
            scheduler.optimizer.step()
            scheduler.step()
