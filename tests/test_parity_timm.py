"""pycore against timm 1.0.31's schedulers, bit for bit.

Two sources of truth:

* the committed vectors tests/data/timm_reference.json, written by
  tools/timm_reference.py from the real timm classes (these tests need no timm);
* timm itself, loaded from its installed scheduler files without timm/__init__.py (which
  needs torchvision): seeded random specs across the allowed ranges, driven the way timm's
  train.py drives them, compared with lr_series and again with the to_code snippet.
  requirements.txt installs timm (--no-deps), so a missing timm fails these loudly.
"""
import importlib.util
import json
import os
import random
import warnings

import pytest

import pycore
from conftest import ROOT

DATA = os.path.join(ROOT, "tests", "data", "timm_reference.json")
TOOL = os.path.join(ROOT, "tools", "timm_reference.py")
NAMES = ["CosineLRScheduler", "StepLRScheduler", "MultiStepLRScheduler", "PolyLRScheduler",
         "TanhLRScheduler", "PlateauLRScheduler"]
LEFT_OUT = {"optimizer", "noise_range_t", "noise_type", "noise_pct", "noise_std",
            "noise_seed", "initialize"}
N = 1000
CASES = 24  # random specs per scheduler


def _load_tool():
    found = importlib.util.spec_from_file_location("timm_reference", TOOL)
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return module


reference = _load_tool()
with open(DATA) as f:
    VECTORS = json.load(f)


@pytest.fixture(scope="module")
def timm():
    """timm.scheduler, or a failure saying how to install it."""
    try:
        return reference.load_timm_scheduler()
    except ImportError as err:
        pytest.fail("%s: install requirements.txt (timm==1.0.31 with --no-deps)" % err)


def first_difference(got, expected):
    """'' if the lists are equal, else where and how they first differ."""
    if got == expected:
        return ""
    if len(got) != len(expected):
        return "lengths %d and %d" % (len(got), len(expected))
    t = [i for i, (a, b) in enumerate(zip(got, expected)) if a != b][0]
    return "t=%d: pycore %r, timm %r" % (t, got[t], expected[t])


# -- committed vectors ------------------------------------------------------------------

@pytest.mark.parametrize("entry", VECTORS["cases"],
                         ids=lambda e: "%s-%s" % (e["spec"]["name"], e["n"]))
def test_committed_vectors(entry):
    spec, n = entry["spec"], entry["n"]
    assert first_difference(pycore.lr_series(spec, n), entry["lr"]) == ""
    sched = pycore.build(spec)
    step = 1 if spec["name"] != "PlateauLRScheduler" else 97
    for t in range(0, n, step):
        assert sched.at(t) == entry["lr"][t], t


def test_committed_vectors_cover_the_edges():
    """Every class, both warmup_prefix values, both t_in_epochs values, restarts, growing
    and shrinking cycles, the float-log quirk, k-decay, tanh without warmup; >= 1,000 steps."""
    specs = [e["spec"] for e in VECTORS["cases"]]
    assert all(e["n"] >= 1000 for e in VECTORS["cases"])
    assert sorted(set(s["name"] for s in specs)) == sorted(NAMES)
    p = [s["params"] for s in specs]
    assert {q.get("warmup_prefix") for q in p if q.get("warmup_t")} >= {True, False}
    assert {q.get("t_in_epochs", True) for q in p} == {True, False}
    assert any(q.get("cycle_limit", 1) > 1 and q.get("cycle_mul", 1) == 1 for q in p)
    assert any(q.get("cycle_mul", 1) > 1 for q in p) and any(q.get("cycle_mul", 1) < 1 for q in p)
    assert any(q.get("k_decay", 1) != 1 for q in p)
    assert any(s["name"] == "TanhLRScheduler" and not s["params"].get("warmup_t")
               for s in specs)
    quirk = [e for e in VECTORS["cases"] if e["spec"]["params"].get("t_initial") == 1
             and e["spec"]["params"].get("cycle_mul") == 3.0]
    assert len(quirk) == 3  # cosine, poly, tanh: the restart due at 121 comes at 122
    assert all(e["lr"][121] < 0.01 * e["spec"]["lr"] < e["lr"][122] for e in quirk)
    assert VECTORS["timm"] == "1.0.31"


def test_committed_vectors_are_what_the_tool_writes(timm):
    """The vectors are up to date with tools/timm_reference.py and the installed timm."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        fresh = [{"spec": spec, "n": n, "lr": reference.run(spec, n)}
                 for spec, n in reference.cases()]
    assert fresh == VECTORS["cases"]
    assert reference.timm_version() == VECTORS["timm"]


# -- live timm ---------------------------------------------------------------------------

def test_params_are_the_constructor_arguments(timm):
    """pycore's params are timm's keyword arguments in order, minus the optimizer, the noise
    options and initialize, with timm's defaults."""
    import inspect

    for name in NAMES:
        cls = pycore.spec.REGISTRY[("timm", name)]
        signature = inspect.signature(getattr(timm, name).__init__).parameters.values()
        theirs = [(a.name, a.default) for a in signature
                  if a.name != "self" and a.name not in LEFT_OUT]
        ours = [(p.name, p.default) for p in cls.params]
        assert [a for a, _ in ours] == [a for a, _ in theirs], name
        for (a, mine), (_, default) in zip(ours, theirs):
            if default is not inspect.Parameter.empty:
                assert mine == default and type(mine) is type(default), (name, a)


def _lr(rng):
    return rng.choice([0.1, 1.0, 10 ** rng.uniform(-6, 0)])


def _warmup(rng, lr):
    return {"warmup_t": rng.choice([0, 0, 1, rng.randint(2, 20), rng.randint(20, 400)]),
            "warmup_lr_init": rng.choice([0.0, lr, lr * rng.random(), 1e-5 * lr]),
            "warmup_prefix": rng.random() < 0.5, "t_in_epochs": rng.random() < 0.5}


def _cycle_params(rng, lr):
    return {"t_initial": rng.choice([1, 2, rng.randint(3, 60), rng.randint(60, 1500)]),
            "lr_min": rng.choice([0.0, lr, lr * rng.random(), 1e-3 * lr]),
            "cycle_mul": rng.choice([1.0, 1.0, 2.0, 3.0, rng.uniform(1.001, 4),
                                     rng.uniform(0.3, 0.99)]),
            "cycle_decay": rng.choice([1.0, rng.uniform(0.05, 1), rng.uniform(1, 3)]),
            "cycle_limit": rng.choice([1, rng.randint(2, 6), 10 ** 6])}


def random_spec(rng, name):
    """A spec of name with parameters across the allowed ranges, edge values included."""
    lr = _lr(rng)
    out = {"framework": "timm", "name": name, "lr": lr}
    if name == "PlateauLRScheduler":
        sign, scale = rng.choice([1.0, -1.0]), rng.choice([1.0, 1e-3, 1e6])
        level, metrics = 1.0, []
        for _ in range(N):  # a random walk that mostly stalls
            level *= rng.choice([1.0, 1.0, 1.0, rng.uniform(0.9, 1.0), rng.uniform(1.0, 1.1)])
            metrics.append(sign * scale * level)
        warm = _warmup(rng, lr)
        out["params"] = {"decay_rate": rng.choice([0.1, 0.5, rng.uniform(0.01, 0.95)]),
                         "patience_t": rng.choice([0, 1, rng.randint(2, 12)]),
                         "threshold": rng.choice([0.0, 1e-4, rng.uniform(0, 0.05)]),
                         "cooldown_t": rng.choice([0, rng.randint(1, 8)]),
                         "warmup_t": warm["warmup_t"], "warmup_lr_init": warm["warmup_lr_init"],
                         "lr_min": rng.choice([0.0, lr * 1e-3, lr * rng.uniform(0, 0.5)]),
                         "mode": rng.choice(["min", "max"])}
        out["metrics"] = metrics
        return out
    params = _warmup(rng, lr)
    if name == "StepLRScheduler":
        params.update(decay_t=rng.choice([1, 30, rng.randint(1, 300), rng.uniform(0.1, 80)]),
                      decay_rate=rng.choice([1.0, 0.1, rng.uniform(0.01, 1),
                                             rng.uniform(0.5, 1), rng.uniform(1, 2.5)]))
    elif name == "MultiStepLRScheduler":
        params.update(decay_t=sorted(rng.randint(1, 1000) for _ in range(rng.randint(1, 6))),
                      decay_rate=rng.choice([1.0, 0.1, rng.uniform(0.01, 1),
                                             rng.uniform(0.01, 1), 3.0]))
    else:
        params.update(_cycle_params(rng, lr))
        if name == "PolyLRScheduler":
            params["power"] = rng.choice([0.5, 1.0, 2.0, rng.uniform(0.05, 6)])
        if name == "TanhLRScheduler":
            params["lb"] = rng.choice([-7.0, rng.uniform(-12, 2)])
            params["ub"] = rng.choice([params["lb"] + 1e-3, params["lb"] + rng.uniform(0.1, 14)])
        else:
            params["k_decay"] = rng.choice([1.0, 1.0, 2.0, rng.uniform(0.1, 1),
                                            rng.uniform(1, 5)])
    out["params"] = params
    return out


def timm_run(spec, n):
    """('ok', LRs) from timm, ('step', t) if it fails at t, ('init', error) if its
    constructor does."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return "ok", reference.run(spec, n)
    except reference.TimmFailed as failed:
        return "step", len(failed.lrs)
    except (AssertionError, ArithmeticError, ValueError) as err:
        return "init", err


def exec_to_code(spec, n):
    """Run the to_code snippet with a model defined, drive it train.py's way."""
    import torch

    scope = {"model": torch.nn.Linear(1, 1)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        exec(pycore.to_code(spec), scope)
        return reference.drive(scope["optimizer"], scope["scheduler"], n,
                               spec["params"].get("t_in_epochs", True), spec.get("metrics"))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("case", range(CASES))
def test_random_specs_against_timm(timm, name, case):
    rng = random.Random(31000 + 100 * NAMES.index(name) + case)
    spec = random_spec(rng, name)
    n = N + rng.randint(0, 200) if name != "PlateauLRScheduler" else N
    kind, result = timm_run(spec, n)
    if kind == "init":  # timm's constructor refuses it: so must pycore
        with pytest.raises(pycore.SpecError):
            pycore.validate(spec)
        return
    try:
        pycore.validate(spec)
    except pycore.SpecError as err:
        # pycore refuses nonsense timm runs: a warmup from above the base LR or an lr_min
        # above it; plateau settings that never reduce
        assert err.field in ("params.warmup_lr_init", "params.lr_min", "params.threshold",
                             "params.decay_rate"), err
        return
    if kind == "step":  # timm fails at step `result`: pycore names that step
        with pytest.raises(pycore.SpecError) as err:
            pycore.lr_series(spec, n)
        assert (err.value.field, err.value.value) == ("step", result)
        with pytest.raises(pycore.SpecError):
            pycore.lr_at(spec, result)
        return
    assert first_difference(pycore.lr_series(spec, n), result) == ""
    assert first_difference(exec_to_code(spec, n), result) == ""


def test_random_specs_reach_timm_failures_too():
    """Some of the random specs above run into a step where timm fails (overflow, the end
    of shrinking cycles), so that path is compared with timm as well."""
    kinds = set()
    for name in NAMES:
        for case in range(CASES):
            spec = random_spec(random.Random(31000 + 100 * NAMES.index(name) + case), name)
            try:
                pycore.lr_series(spec, N)
                kinds.add("values")
            except pycore.SpecError as err:
                kinds.add(err.field)
    assert kinds == {"values", "step"}


@pytest.mark.parametrize("name, params", [
    ("CosineLRScheduler", {"t_initial": 0}),
    ("TanhLRScheduler", {"t_initial": 10, "lb": 2.0, "ub": 1.0}),
    ("TanhLRScheduler", {"t_initial": 10, "cycle_mul": 0.5, "warmup_t": 25}),
    ("PlateauLRScheduler", {"decay_rate": 1.5}),
])
def test_timm_rejects_what_pycore_rejects(timm, name, params):
    spec = {"framework": "timm", "name": name, "lr": 0.1, "params": params}
    if name == "PlateauLRScheduler":
        spec["metrics"] = [1.0]
    assert timm_run(spec, 3)[0] == "init"
    with pytest.raises(pycore.SpecError):
        pycore.validate(spec)


def test_far_past_the_end_matches_timm(timm):
    """Closed forms at large t agree with timm's _get_lr (no replay involved)."""
    import torch

    for params in ({"t_initial": 7, "cycle_limit": 10 ** 9, "cycle_decay": 0.999},
                   {"t_initial": 5, "cycle_mul": 1.7, "cycle_limit": 10 ** 9, "k_decay": 1.3},
                   {"t_initial": 1, "cycle_mul": 3.0, "cycle_limit": 40}):
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        sched = timm.CosineLRScheduler(opt, **params)
        spec = {"framework": "timm", "name": "CosineLRScheduler", "lr": 0.1, "params": params}
        for t in (10 ** 6 + 3, 3 ** 20, 2 ** 40, 2 ** 53 - 1):
            assert pycore.lr_at(spec, t) == sched._get_lr(t)[0], (params, t)
