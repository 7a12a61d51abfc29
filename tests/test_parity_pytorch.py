"""pycore against PyTorch 2.13's schedulers (sched_pytorch), composites included.

PyTorch is driven the documented way: optimizer.step() then scheduler.step(), reading the
param group's LR (and momentum) before each update. pycore replays torch's recursion in
its operation order, so lr_series must equal torch's LRs bit for bit (compared with ==)
for every scheduler, and so must the momentum where a child cycles it. lr_at is torch's
closed form and must agree up to the recursion's drift (1e-12 relative, with a floor of
1e-11 of the peak LR). Each parameter set is built twice in torch: once directly from the
spec (formulas evaluated by Python itself, not by pycore) and once by executing the
to_code snippet.

The random sets are seeded (random.Random(<int>)) and include edge values: factors of
exactly 0 or 1, one-step phases, T_max of 1, milestones at 0 and beyond the horizon,
duplicate milestones. SequentialLR and ChainedScheduler get random children, including
CyclicLR, OneCycleLR and SWALR from torch_cycles.
"""
import math
import random
import warnings

import pytest
import torch
from torch.optim import lr_scheduler
from torch.optim.swa_utils import SWALR

import pycore

N = 1200
LONG = 10000
CASES = 16
COMPOSITE_CASES = 40  # random children: more combinations to cover
COMPOSITES = ("SequentialLR", "ChainedScheduler")
FORMULA_NAMES = {"floor": math.floor, "ceil": math.ceil, "exp": math.exp, "log": math.log,
                 "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos, "pi": math.pi,
                 "min": min, "max": max, "abs": abs, "__builtins__": {}}


def torch_series(make, lr, n, momenta=None):
    """LR used by each of n updates of a real torch optimizer driven by the scheduler;
    the momentum of each update is appended to ``momenta`` when given. Update t uses the
    LR after t scheduler.step() calls (a training loop's step after its last update would
    only prepare an update that never runs)."""
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=lr, momentum=0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SequentialLR's internal calls warn in some versions
        sched = make(opt)
        out = []
        for t in range(n):
            if t:
                opt.step()
                sched.step()
            out.append(opt.param_groups[0]["lr"])
            if momenta is not None:
                momenta.append(opt.param_groups[0]["momentum"])
    return out


def code_series(spec, n):
    """The LRs of n updates driven by the scheduler of the to_code snippet."""
    namespace = {"model": torch.nn.Linear(1, 1)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(pycore.to_code(spec), namespace)
        opt, sched = namespace["optimizer"], namespace["scheduler"]
        out = []
        for t in range(n):
            if t:
                opt.step()
                sched.step()
            out.append(opt.param_groups[0]["lr"])
    return out


def formula(text):
    """The formula as a Python function of the step, evaluated by Python itself."""
    return lambda epoch: eval(text, dict(FORMULA_NAMES, step=epoch, epoch=epoch))


def build(spec, opt):
    """The torch scheduler of a (child) spec on opt, built directly from its params."""
    params = dict(spec["params"])
    name = spec["name"]
    if name in ("SequentialLR", "ChainedScheduler"):
        kids = [build(c, opt) for c in params.pop("schedulers")]
        if name == "SequentialLR":
            return lr_scheduler.SequentialLR(opt, kids, **params)
        return lr_scheduler.ChainedScheduler(kids, opt)
    if "lr_lambda" in params:
        params["lr_lambda"] = formula(params["lr_lambda"])
    cls = SWALR if name == "SWALR" else getattr(lr_scheduler, name)
    return cls(opt, **params)


def close(a, b, peak):
    """lr_at (torch's closed form) against torch's recursion: equal up to the recursion's
    rounding drift, which reaches a few 1e-12 of the peak LR over 10,000 cosine steps."""
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b)) + 1e-11 * peak


def assert_parity(spec, n, at_steps=20):
    """lr_series == torch (directly built and from to_code), momentum too, lr_at close."""
    momenta = []
    expected = torch_series(lambda o: build(spec, o), spec["lr"], n, momenta)
    got = pycore.lr_series(spec, n)
    first = next((t for t in range(n) if got[t] != expected[t]), None)
    assert first is None, (first, got[first], expected[first])
    assert code_series(spec, n) == expected
    ours = pycore.momentum_series(spec, n)
    if ours is not None:
        assert ours == momenta
    peak = max(abs(v) for v in expected if v == v and abs(v) != math.inf) or 1.0
    rng = random.Random(n)
    for t in [0, 1, n - 1] + [rng.randrange(n) for _ in range(at_steps)]:
        at = pycore.lr_at(spec, t)
        assert at == expected[t] or close(at, expected[t], peak), (t, at, expected[t])


# ---------------------------------------------------------------- random parameter sets


def log_uniform(rng, lo, hi):
    return 10 ** rng.uniform(math.log10(lo), math.log10(hi))


def base_lr(rng):
    return rng.choice([1.0, 1e-6, log_uniform(rng, 1e-6, 1), log_uniform(rng, 1e-4, 1)])


def horizon_int(rng, n):
    """A whole number of steps: the smallest, a random one, or past the horizon."""
    return rng.choice([1, 2, rng.randint(1, n // 3), rng.randint(1, n), n + rng.randint(0, 99)])


def fraction(rng, lo_open=True):
    """A factor in (0, 1], or [0, 1] when not lo_open, with its edges."""
    edges = [1.0, 1e-6] + ([] if lo_open else [0.0])
    return rng.choice(edges + [rng.uniform(1e-9, 1), rng.uniform(1e-9, 1)])


def lambdalr(rng, lr, n):
    k = rng.randint(1, n)
    return {"lr_lambda": rng.choice([
        "%r ** step" % rng.uniform(0.99, 1.0), "min(1, (step + 1) / %d)" % k,
        "0.5 * (1 + cos(pi * step / %d))" % k, "1 / sqrt(max(step, %d))" % k,
        "max(0.01, 1 - step / %d)" % k, "floor(step / %d) %% 3 + 0.5" % k,
        "exp(-step / %d) + abs(sin(step))" % k, "1", "2 ** -floor(step / %d)" % k])}


def multiplicativelr(rng, lr, n):
    return {"lr_lambda": rng.choice([
        "%r" % rng.uniform(0.99, 1.0), "1 - 0.001 * (step %% %d)" % rng.randint(1, 20),
        "max(0.99, 1 - step / %d)" % rng.randint(1, n), "1.001", "1"])}


def steplr(rng, lr, n):
    return {"step_size": horizon_int(rng, n),
            "gamma": rng.choice([0.1, 1.0, 1e-3, 1.5, rng.uniform(0.01, 1)])}


def multisteplr(rng, lr, n):
    ms = sorted(rng.choice([0, rng.randint(0, n), n + 5]) for _ in range(rng.randint(0, 8)))
    if ms and rng.random() < 0.5:
        ms.append(ms[-1])  # a duplicate: gamma ** 2 there
    return {"milestones": ms, "gamma": rng.choice([0.1, 0.5, 1.2, rng.uniform(0.01, 1)])}


def constantlr(rng, lr, n):
    return {"factor": fraction(rng), "total_iters": horizon_int(rng, n)}


def linearlr(rng, lr, n):
    return {"start_factor": fraction(rng), "end_factor": fraction(rng, lo_open=False),
            "total_iters": horizon_int(rng, n)}


def exponentiallr(rng, lr, n):
    return {"gamma": rng.choice([1.0, 0.5, 1.01, rng.uniform(0.9, 1), rng.uniform(0.99, 1)])}


def polynomiallr(rng, lr, n):
    return {"total_iters": horizon_int(rng, n),
            "power": rng.choice([0.0, 0.5, 1.0, 2.0, rng.uniform(0, 5)])}


def cosineannealinglr(rng, lr, n):
    return {"T_max": horizon_int(rng, n),
            "eta_min": rng.choice([0.0, lr, lr * rng.uniform(0, 1)])}


def cosineannealingwarmrestarts(rng, lr, n):
    return {"T_0": rng.choice([1, 2, rng.randint(1, 50), rng.randint(1, n)]),
            "T_mult": rng.choice([1, 2, 3, rng.randint(1, 5)]),
            "eta_min": rng.choice([0.0, lr, lr * rng.uniform(0, 1)])}


def cycliclr(rng, lr, n):
    low = lr * rng.uniform(0, 1)
    return {"base_lr": low, "max_lr": low + lr * rng.uniform(0, 2),
            "step_size_up": rng.randint(1, 60),
            "step_size_down": rng.choice([None, 0, rng.randint(1, 60)]),
            "mode": rng.choice(["triangular", "triangular2", "exp_range"]),
            "gamma": rng.uniform(0.99, 1.0), "cycle_momentum": rng.random() < 0.7}


def onecyclelr(rng, lr, n):
    return {"max_lr": lr * rng.uniform(0.5, 10), "total_steps": n + rng.randint(0, 200),
            "pct_start": rng.uniform(0.05, 0.45), "anneal_strategy": rng.choice(["cos", "linear"]),
            "three_phase": rng.random() < 0.3, "cycle_momentum": rng.random() < 0.7}


def swalr(rng, lr, n):
    return {"swa_lr": lr * rng.uniform(0.01, 2), "anneal_epochs": rng.randint(0, 40),
            "anneal_strategy": rng.choice(["cos", "linear"])}


LEAVES = {"LambdaLR": lambdalr, "MultiplicativeLR": multiplicativelr, "StepLR": steplr,
          "MultiStepLR": multisteplr, "ConstantLR": constantlr, "LinearLR": linearlr,
          "ExponentialLR": exponentiallr, "PolynomialLR": polynomiallr,
          "CosineAnnealingLR": cosineannealinglr,
          "CosineAnnealingWarmRestarts": cosineannealingwarmrestarts}
CYCLES = {"CyclicLR": cycliclr, "OneCycleLR": onecyclelr, "SWALR": swalr}


def leaf(rng, lr, n, names):
    """A random child spec (no lr) of one of the named schedulers."""
    name = rng.choice(sorted(names))
    gens = dict(LEAVES, **CYCLES)
    return {"framework": "pytorch", "name": name, "params": gens[name](rng, lr, n)}


def sequential(rng, lr, n):
    count = rng.randint(1, 4)
    first = rng.choice([0, 1, 1, 1])  # sometimes a milestone at 0 (torch 2.13 skips child 0)
    milestones = sorted(rng.sample(range(first, n + 50), count - 1))
    kids = [leaf(rng, lr, n, list(LEAVES) + list(CYCLES)) for _ in range(count)]
    return {"schedulers": kids, "milestones": milestones}


def chained(rng, lr, n):
    kids = [leaf(rng, lr, n, list(LEAVES) + list(CYCLES)) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.2:
        kids.insert(rng.randint(0, len(kids)), {"framework": "pytorch", "name": "SequentialLR",
                                                "params": sequential(rng, lr, n)})
    return {"schedulers": kids}


GENERATORS = dict(LEAVES, SequentialLR=sequential, ChainedScheduler=chained)


def random_spec(name, seed, n):
    """A random spec pycore accepts. Composites are drawn again while they share the
    param group in ways pycore refuses (two OneCycleLR, SWALRs with different swa_lr)."""
    rng = random.Random(seed)
    while True:
        lr = base_lr(rng)
        spec = {"framework": "pytorch", "name": name, "lr": lr,
                "params": GENERATORS[name](rng, lr, n)}
        try:
            pycore.validate(spec)
            return spec
        except pycore.SpecError as err:
            if not err.field.endswith("params.schedulers"):
                raise


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("name, case", [(name, case) for name in GENERATORS for case in
                                        range(COMPOSITE_CASES if name in COMPOSITES else CASES)])
def test_random_sets_bit_exact(name, case):
    assert_parity(random_spec(name, 1000 * list(GENERATORS).index(name) + case, N), N)


@pytest.mark.parametrize("name, case", [
    ("StepLR", 0), ("LinearLR", 1), ("CosineAnnealingLR", 2), ("PolynomialLR", 3),
    ("CosineAnnealingWarmRestarts", 4), ("SequentialLR", 5), ("ChainedScheduler", 6)])
def test_ten_thousand_updates_bit_exact(name, case):
    assert_parity(random_spec(name, 90000 + case, LONG), LONG, at_steps=5)


@pytest.mark.parametrize("params", [
    {"T_max": 1, "eta_min": 0.0}, {"T_max": 3, "eta_min": 0.1}, {"T_max": 1000, "eta_min": 0.0}])
def test_cosine_special_branch_after_each_minimum(params):
    """The step after each minimum adds a term instead of the 0/0 ratio of cosines."""
    spec = {"framework": "pytorch", "name": "CosineAnnealingLR", "lr": 0.1, "params": params}
    assert_parity(spec, 4 * params["T_max"] + 3)


@pytest.mark.parametrize("first", ["CyclicLR", "OneCycleLR"])
def test_children_built_after_cyclic_or_onecycle_take_their_base_lr(first):
    """CyclicLR writes its base_lr into the group's lr before torch's base class reads
    initial_lr, and OneCycleLR overwrites initial_lr with max_lr / div_factor: the
    children built after them, and SequentialLR's reset, take that as the base LR."""
    lead = {"framework": "pytorch", "name": first,
            "params": CYCLES[first](random.Random(7), 0.1, 200)}
    spec = {"framework": "pytorch", "name": "SequentialLR", "lr": 0.1, "params": {
        "milestones": [50], "schedulers": [
            lead, {"framework": "pytorch", "name": "LinearLR", "params": {}}]}}
    assert_parity(spec, 200)


def test_cyclic_built_after_another_scheduler_writes_initial_lr_first():
    """CyclicLR's initial step runs inside torch's base constructor, while its base LR is
    still the group's initial_lr (set by the scheduler built before it); it replaces that
    by base_lr only afterwards. So in a ChainedScheduler update 0 uses initial_lr."""
    spec = {"framework": "pytorch", "name": "ChainedScheduler", "lr": 0.1, "params": {
        "schedulers": [
            {"framework": "pytorch", "name": "ExponentialLR", "params": {"gamma": 0.9}},
            {"framework": "pytorch", "name": "CyclicLR",
             "params": {"base_lr": 0.01, "max_lr": 0.5, "step_size_up": 4}}]}}
    assert_parity(spec, 50)


def test_sequential_child_without_closed_form_continues_from_the_current_lr():
    spec = {"framework": "pytorch", "name": "SequentialLR", "lr": 1.0, "params": {
        "milestones": [2, 6], "schedulers": [
            {"framework": "pytorch", "name": "ConstantLR", "params": {"factor": 0.5}},
            {"framework": "pytorch", "name": "MultiplicativeLR", "params": {"lr_lambda": "0.9"}},
            {"framework": "pytorch", "name": "SWALR", "params": {"swa_lr": 0.01}}]}}
    assert_parity(spec, 40)


def test_onecycle_child_refused_where_torch_raises():
    spec = {"framework": "pytorch", "name": "SequentialLR", "lr": 0.1, "params": {
        "milestones": [3], "schedulers": [
            {"framework": "pytorch", "name": "StepLR", "params": {"step_size": 2}},
            {"framework": "pytorch", "name": "OneCycleLR",
             "params": {"max_lr": 1.0, "total_steps": 20}}]}}
    assert_parity(spec, 24)
    with pytest.raises(ValueError, match="Tried to step 21 times"):
        torch_series(lambda o: build(spec, o), 0.1, 25)  # the 24th step() call
    with pytest.raises(pycore.SpecError):
        pycore.lr_series(spec, 25)
