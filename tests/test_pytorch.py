"""PyTorch 2.13 schedulers in pycore (sched_pytorch): values, edges, validation, code.

Expected values are worked out from torch 2.13's lr_scheduler.py;
tests/test_parity_pytorch.py compares with torch itself.
"""
import math
import random

import pytest

import pycore
from pycore import sched_pytorch
from pycore.spec import REGISTRY

LR = 0.1


def spec(name, lr=LR, **params):
    """A top-level pytorch spec."""
    out = {"framework": "pytorch", "name": name, "params": params}
    if lr is not None:
        out["lr"] = lr
    return out


def child(name, **params):
    """A child spec: no lr, it shares the parent's optimizer."""
    return spec(name, None, **params)


def series(name, n, lr=LR, **params):
    return pycore.lr_series(spec(name, lr, **params), n)


def close(a, b, scale):
    """Equal up to rounding drift: 1e-12 relative, with a floor of 1e-12 of the scale."""
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b)) + 1e-12 * scale


# ---------------------------------------------------------------- catalogue


def test_catalogue_order_is_the_issue_list():
    assert [c.name for c in sched_pytorch.SCHEDULES] == [
        "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
        "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
        "CyclicLR", "OneCycleLR", "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau",
        "SWALR"]


@pytest.mark.parametrize("name, params", [
    ("LambdaLR", {"lr_lambda": None}),
    ("MultiplicativeLR", {"lr_lambda": None}),
    ("StepLR", {"step_size": None, "gamma": 0.1}),
    ("MultiStepLR", {"milestones": None, "gamma": 0.1}),
    ("ConstantLR", {"factor": 1.0 / 3, "total_iters": 5}),
    ("LinearLR", {"start_factor": 1.0 / 3, "end_factor": 1.0, "total_iters": 5}),
    ("ExponentialLR", {"gamma": None}),
    ("PolynomialLR", {"total_iters": 5, "power": 1.0}),
    ("CosineAnnealingLR", {"T_max": None, "eta_min": 0.0}),
    ("CosineAnnealingWarmRestarts", {"T_0": None, "T_mult": 1, "eta_min": 0.0}),
    ("SequentialLR", {"schedulers": None, "milestones": None}),
    ("ChainedScheduler", {"schedulers": None}),
])
def test_params_and_defaults_are_torchs(name, params):
    """torch's keyword names in its order; None marks a required argument."""
    declared = REGISTRY[("pytorch", name)].params
    assert [p.name for p in declared] == list(params)
    for p in declared:
        if params[p.name] is None:
            assert p.default is pycore.params.REQUIRED
        else:
            assert p.default == params[p.name] and type(p.default) is type(params[p.name])


def test_every_class_is_described():
    for cls in sched_pytorch.SCHEDULES:
        assert cls.summary and cls.doc.startswith("https://docs.pytorch.org/"), cls.name
        assert all(p.help for p in cls.params), cls.name


# ---------------------------------------------------------------- values


def test_lambdalr_is_the_base_lr_times_the_formula():
    assert series("LambdaLR", 4, lr_lambda="0.5 ** step") == [0.1, 0.05, 0.025, 0.0125]
    assert pycore.lr_at(spec("LambdaLR", lr_lambda="1 / (epoch + 1)"), 3) == 0.1 * 0.25


def test_multiplicativelr_leaves_step_0_alone_then_multiplies():
    out = series("MultiplicativeLR", 4, lr_lambda="0.5 + step")
    assert out == [0.1, 0.1 * 1.5, 0.1 * 1.5 * 2.5, 0.1 * 1.5 * 2.5 * 3.5]
    assert pycore.lr_at(spec("MultiplicativeLR", lr_lambda="0.5 + step"), 3) == out[3]


def test_steplr_decays_at_multiples_of_step_size():
    assert series("StepLR", 7, step_size=3, gamma=0.5) == [
        0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]


def test_multisteplr_counts_duplicate_milestones():
    out = series("MultiStepLR", 6, milestones=[2, 4, 4], gamma=0.5)
    assert out == [0.1, 0.1, 0.05, 0.05, 0.05 * 0.25, 0.05 * 0.25]


def test_multisteplr_milestone_0_applies_at_construction():
    assert series("MultiStepLR", 2, milestones=[0], gamma=0.5) == [0.05, 0.05]


def test_constantlr_returns_at_total_iters():
    out = series("ConstantLR", 5, factor=0.5, total_iters=3)
    assert out == [0.05, 0.05, 0.05, 0.1, 0.1]


def test_constantlr_return_is_the_recursion_not_the_base():
    """torch multiplies by 1.0 / factor, which need not give the base LR back exactly."""
    f, lr = 0.7, 0.1
    out = series("ConstantLR", 3, lr=lr, factor=f, total_iters=1)
    assert out[1] == (lr * f) * (1.0 / f) != lr
    assert pycore.lr_at(spec("ConstantLR", lr, factor=f, total_iters=1), 1) == lr * (f + (1 - f))


def test_linearlr_ramps_then_holds():
    out = series("LinearLR", 6, start_factor=0.25, end_factor=1.0, total_iters=3)
    assert out[0] == 0.025
    assert all(close(a, b, LR) for a, b in zip(out, [0.025, 0.05, 0.075, 0.1, 0.1, 0.1]))
    assert out[3] == out[4] == out[5]


def test_linearlr_to_zero_ends_near_zero_not_always_exactly():
    """The last factor rounds to a tiny number rather than 0 here, in torch too."""
    out = series("LinearLR", 12, start_factor=0.7, end_factor=0.0, total_iters=10)
    assert out[10] == out[11] == 2.33146835171283e-18
    assert series("LinearLR", 3, start_factor=0.5, end_factor=0.0, total_iters=2)[2] == 0.0


def test_exponentiallr_multiplies_every_step():
    assert series("ExponentialLR", 3, gamma=0.5) == [0.1, 0.05, 0.025]


def test_growing_lr_overflows_to_inf_as_torch_does():
    """torch's recursion multiplies into inf; the closed form must not raise OverflowError."""
    assert pycore.lr_at(spec("ExponentialLR", gamma=1.5), 10 ** 6) == math.inf
    assert pycore.lr_at(spec("StepLR", step_size=1, gamma=2.0), 10 ** 6) == math.inf
    assert series("ExponentialLR", 2000, gamma=2.0)[-1] == math.inf


def test_small_lr_stays_finite_where_only_the_power_overflows():
    """2.0 ** 1030 overflows, 2 ** -10 * 2 ** 1030 does not: torch's recursion gets there."""
    s = spec("ExponentialLR", lr=2.0 ** -10, gamma=2.0)
    assert pycore.lr_series(s, 1031)[-1] == 2.0 ** 1020
    assert close(pycore.lr_at(s, 1030), 2.0 ** 1020, 0.0)


def test_polynomiallr_reaches_zero_and_stays():
    out = series("PolynomialLR", 6, total_iters=4, power=2.0)
    assert out[0] == 0.1 and out[4] == out[5] == 0.0
    assert close(out[2], 0.1 * 0.25, LR)


def test_cosine_reaches_eta_min_and_rises_again_past_t_max():
    out = series("CosineAnnealingLR", 21, T_max=10, eta_min=0.01)
    assert out[10] == 0.01
    assert close(out[20], 0.1, LR) and out[15] > out[10]


def test_warm_restarts_restart_at_the_cycle_boundaries():
    s = spec("CosineAnnealingWarmRestarts", T_0=2, T_mult=3, eta_min=0.01)
    out = pycore.lr_series(s, 30)
    assert [t for t in range(30) if out[t] == 0.1] == [0, 2, 8, 26]
    assert pycore.lr_at(s, 26 + 54) == 0.1  # the next cycle: 54 steps
    assert pycore.lr_at(s, 10 ** 12) == pycore.build(s).at(10 ** 12)  # O(log t)


def test_sequential_restarts_each_child_at_its_milestone():
    s = spec("SequentialLR", milestones=[3], schedulers=[
        child("LinearLR", start_factor=0.5, total_iters=3),
        child("ExponentialLR", gamma=0.5)])
    out = pycore.lr_series(s, 6)
    assert out[0] == 0.05 and out[3:] == [0.1, 0.05, 0.025]


def test_sequential_child_without_closed_form_continues_from_the_current_lr():
    """reference §3.14: MultiplicativeLR applies lr_lambda(0) to the LR it inherits."""
    s = spec("SequentialLR", lr=1.0, milestones=[2], schedulers=[
        child("ConstantLR", factor=0.5, total_iters=5),
        child("MultiplicativeLR", lr_lambda="0.9")])
    assert pycore.lr_series(s, 4) == [0.5, 0.5, 0.45, 0.45 * 0.9]


def test_sequential_milestone_0_starts_with_the_second_scheduler():
    """torch 2.13 re-initialises bisect_right(milestones, 0): the second one here."""
    s = spec("SequentialLR", milestones=[0], schedulers=[
        child("ConstantLR", factor=0.5), child("ExponentialLR", gamma=0.5)])
    assert pycore.lr_series(s, 3) == [0.1, 0.05, 0.025]


def test_sequential_reset_discards_the_childrens_initial_steps():
    """All children are built (ConstantLR halves the LR), then the LR is reset to the base
    and only the first child's initial step re-runs."""
    s = spec("SequentialLR", milestones=[2], schedulers=[
        child("StepLR", step_size=10), child("ConstantLR", factor=0.5, total_iters=1)])
    assert pycore.lr_series(s, 4) == [0.1, 0.1, 0.05, 0.1]


def test_chained_multiplies_and_matches_the_reference_example():
    """reference §3.14: ConstantLR(0.5, 2) chained with ExponentialLR(0.9) on lr 0.1."""
    s = spec("ChainedScheduler", schedulers=[
        child("ConstantLR", factor=0.5, total_iters=2), child("ExponentialLR", gamma=0.9)])
    out = pycore.lr_series(s, 3)
    assert all(close(a, b, LR) for a, b in zip(out, [0.05, 0.045, 0.081]))


def test_chained_absolute_child_overwrites_what_came_before():
    """After LambdaLR writes base * (1 + t), ConstantLR only applies its step's change
    (none between 0 and total_iters): its halving from construction is gone."""
    s = spec("ChainedScheduler", schedulers=[
        child("ExponentialLR", gamma=0.5), child("LambdaLR", lr_lambda="1 + step"),
        child("ConstantLR", factor=0.5, total_iters=10)])
    assert pycore.lr_series(s, 3) == [0.05, 0.2, 0.1 * 3]
    assert [pycore.lr_at(s, t) for t in range(3)] == [0.05, 0.2, 0.1 * 3]


def test_chained_sequential_child_resets_the_lr_when_built():
    """A SequentialLR built after ConstantLR resets the LR to the base: ConstantLR's
    halving is lost, and its return at total_iters then doubles the LR (torch's order)."""
    s = spec("ChainedScheduler", schedulers=[
        child("ConstantLR", factor=0.5, total_iters=2),
        child("SequentialLR", milestones=[5], schedulers=[
            child("StepLR", step_size=100), child("StepLR", step_size=100)])])
    assert pycore.lr_series(s, 3) == [0.1, 0.1, 0.2]


# ---------------------------------------------------------------- at versus series


def random_leaf(rng, lr0):
    """A random child spec of a step-driven scheduler of this module."""
    return rng.choice([
        lambda: child("LambdaLR", lr_lambda=rng.choice(
            ["0.99 ** step", "min(1, (step + 1) / 50)", "1 / sqrt(step + 1)"])),
        lambda: child("StepLR", step_size=rng.randint(1, 40), gamma=rng.uniform(0.1, 1)),
        lambda: child("MultiStepLR", milestones=sorted(rng.randint(0, 300) for _ in range(3)),
                      gamma=rng.uniform(0.1, 1)),
        lambda: child("ConstantLR", factor=rng.uniform(0.1, 1), total_iters=rng.randint(1, 99)),
        lambda: child("LinearLR", start_factor=rng.uniform(0.1, 1),
                      end_factor=rng.uniform(0, 1), total_iters=rng.randint(1, 200)),
        lambda: child("ExponentialLR", gamma=rng.uniform(0.99, 1)),
        lambda: child("PolynomialLR", total_iters=rng.randint(1, 300),
                      power=rng.uniform(0, 3)),
        lambda: child("CosineAnnealingLR", T_max=rng.randint(1, 150),
                      eta_min=rng.choice([0.0, lr0 * rng.uniform(0, 1)])),
        lambda: child("CosineAnnealingWarmRestarts", T_0=rng.randint(1, 40),
                      T_mult=rng.randint(1, 3), eta_min=lr0 * rng.uniform(0, 1)),
        lambda: child("MultiplicativeLR", lr_lambda="0.999"),
    ])()


def random_spec(rng):
    """A random top-level spec: a leaf, a SequentialLR or a ChainedScheduler of leaves."""
    lr0 = 10 ** rng.uniform(-5, 0)
    kind = rng.randint(0, 2)
    if kind == 0:
        out = random_leaf(rng, lr0)
    elif kind == 1:
        count = rng.randint(1, 4)
        out = child("SequentialLR", schedulers=[random_leaf(rng, lr0) for _ in range(count)],
                    milestones=sorted(rng.sample(range(0, 400), count - 1)))
    else:
        out = child("ChainedScheduler",
                    schedulers=[random_leaf(rng, lr0) for _ in range(rng.randint(1, 3))])
    out["lr"] = lr0
    return out


@pytest.mark.parametrize("seed", range(60))
def test_at_agrees_with_series(seed):
    """Exactly for absolute schedulers, within the recursion's rounding drift otherwise."""
    s = random_spec(random.Random(seed))
    out = pycore.lr_series(s, 500)
    peak = max(out)
    for t in range(500):
        at = pycore.lr_at(s, t)
        if s["name"] in ("LambdaLR", "CosineAnnealingWarmRestarts"):
            assert at == out[t], t
        else:
            assert close(at, out[t], peak), (t, at, out[t])


@pytest.mark.parametrize("s", [
    spec("StepLR", step_size=3), spec("MultiStepLR", milestones=[5, 9]),
    spec("ConstantLR"), spec("LinearLR"), spec("ExponentialLR", gamma=0.9),
    spec("PolynomialLR"), spec("CosineAnnealingLR", T_max=7), spec("LambdaLR", lr_lambda="1"),
    spec("CosineAnnealingWarmRestarts", T_0=3, T_mult=2),
    spec("SequentialLR", milestones=[5], schedulers=[child("LinearLR"),
                                                     child("CosineAnnealingLR", T_max=9)]),
    spec("ChainedScheduler", schedulers=[child("LinearLR"), child("ExponentialLR", gamma=0.9)]),
], ids=lambda s: s["name"])
def test_at_is_a_closed_form_far_out(s):
    """A replay of 10**15 steps would never return."""
    assert pycore.lr_at(s, 10 ** 15) >= 0.0


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize("s, field", [
    (spec("StepLR", step_size=0), "params.step_size"),
    (spec("StepLR", step_size=2.5), "params.step_size"),
    (spec("StepLR", step_size=3, gamma=0.0), "params.gamma"),
    (spec("StepLR", step_size=3, gamma=-0.5), "params.gamma"),
    (spec("MultiStepLR", milestones=[5, 3]), "params.milestones[1]"),
    (spec("MultiStepLR", milestones=[-1]), "params.milestones[0]"),
    (spec("MultiStepLR", milestones=[3], gamma=0.0), "params.gamma"),
    (spec("ConstantLR", factor=0.0), "params.factor"),
    (spec("ConstantLR", factor=1.5), "params.factor"),
    (spec("ConstantLR", total_iters=0), "params.total_iters"),
    (spec("LinearLR", start_factor=0.0), "params.start_factor"),
    (spec("LinearLR", start_factor=1.5), "params.start_factor"),
    (spec("LinearLR", end_factor=-0.1), "params.end_factor"),
    (spec("LinearLR", end_factor=1.1), "params.end_factor"),
    (spec("LinearLR", total_iters=0), "params.total_iters"),
    (spec("ExponentialLR"), "params.gamma"),
    (spec("ExponentialLR", gamma=0.0), "params.gamma"),
    (spec("PolynomialLR", total_iters=0), "params.total_iters"),
    (spec("PolynomialLR", power=-1.0), "params.power"),
    (spec("CosineAnnealingLR", T_max=0), "params.T_max"),
    (spec("CosineAnnealingLR", T_max=5, eta_min=0.2), "params.eta_min"),
    (spec("CosineAnnealingLR", T_max=5, eta_min=-0.01), "params.eta_min"),
    (spec("CosineAnnealingWarmRestarts", T_0=0), "params.T_0"),
    (spec("CosineAnnealingWarmRestarts", T_0=5, T_mult=0), "params.T_mult"),
    (spec("CosineAnnealingWarmRestarts", T_0=5, T_mult=1.5), "params.T_mult"),
    (spec("CosineAnnealingWarmRestarts", T_0=5, eta_min=0.5), "params.eta_min"),
    (spec("LambdaLR"), "params.lr_lambda"),
    (spec("LambdaLR", lr_lambda="0.9 **"), "params.lr_lambda"),
    (spec("LambdaLR", lr_lambda="1 / step"), "params.lr_lambda"),
    (spec("MultiplicativeLR", lr_lambda="import os"), "params.lr_lambda"),
    (spec("SequentialLR", schedulers=[], milestones=[]), "params.schedulers"),
    (spec("SequentialLR", schedulers=[child("ConstantLR")], milestones=[3]),
     "params.milestones"),
    (spec("SequentialLR", schedulers=[child("ConstantLR")] * 3, milestones=[3, 3]),
     "params.milestones[1]"),
    (spec("SequentialLR", schedulers=[child("ConstantLR")] * 2, milestones=[-1]),
     "params.milestones[0]"),
    (spec("SequentialLR", schedulers=[child("ConstantLR"), child("CosineAnnealingLR")],
          milestones=[3]), "params.schedulers[1].params.T_max"),
    (spec("SequentialLR", schedulers=[child("ConstantLR"), spec("ConstantLR")],
          milestones=[3]), "params.schedulers[1].lr"),
    (spec("SequentialLR", schedulers=[
        child("ConstantLR"), child("ChainedScheduler", schedulers=[child("ConstantLR")])],
        milestones=[3]), "params.schedulers[1].name"),
    (spec("SequentialLR", schedulers=[
        child("ConstantLR"), dict(child("ReduceLROnPlateau"), metrics=[1.0])],
        milestones=[3]), "params.schedulers[1].name"),
    (spec("SequentialLR", schedulers=[child("OneCycleLR", max_lr=1.0, total_steps=9)] * 2,
          milestones=[3]), "params.schedulers"),
    (spec("SequentialLR", schedulers=[child("SWALR", swa_lr=0.01), child("SWALR", swa_lr=0.02)],
          milestones=[3]), "params.schedulers"),
    (spec("ChainedScheduler", schedulers=[
        child("OneCycleLR", max_lr=1.0, total_steps=9),
        child("CyclicLR", base_lr=0.01, max_lr=0.1)]), "params.schedulers"),
    (spec("ChainedScheduler", schedulers=[]), "params.schedulers"),
    (spec("ChainedScheduler", schedulers=[
        child("OneCycleLR", max_lr=1.0, total_steps=9),
        child("SequentialLR", milestones=[], schedulers=[
            child("OneCycleLR", max_lr=1.0, total_steps=9)])]), "params.schedulers"),
])
def test_refusals_name_the_field(s, field):
    with pytest.raises(pycore.SpecError) as err:
        pycore.validate(s)
    assert err.value.field == field
    assert str(err.value).startswith(field + ": got ")


def test_shared_group_settings_may_repeat_when_they_agree():
    pycore.validate(spec("SequentialLR", milestones=[3], schedulers=[
        child("SWALR", swa_lr=0.01), child("SWALR", swa_lr=0.01)]))
    pycore.validate(spec("ChainedScheduler", schedulers=[
        child("CyclicLR", base_lr=0.01, max_lr=0.1),
        child("OneCycleLR", max_lr=1.0, total_steps=9)]))


def test_constantlr_factor_refusal_explains_why():
    prm = [p for p in REGISTRY[("pytorch", "ConstantLR")].params if p.name == "factor"][0]
    assert "divides" in prm.help
    with pytest.raises(pycore.SpecError, match="> 0"):
        pycore.validate(spec("ConstantLR", factor=0.0))


def test_formula_failure_names_the_step():
    with pytest.raises(pycore.SpecError, match="at step 5: division by zero") as err:
        pycore.lr_series(spec("LambdaLR", lr_lambda="1 / abs(step - 5)"), 10)
    assert err.value.field == "params.lr_lambda"
    with pytest.raises(pycore.SpecError, match="at step 3"):
        pycore.lr_at(spec("MultiplicativeLR", lr_lambda="1 / (3 - step)"), 4)


def test_child_formula_failure_names_the_child_field():
    failing = child("MultiplicativeLR", lr_lambda="1 / abs(step - 2)")
    s = spec("SequentialLR", milestones=[4], schedulers=[child("StepLR", step_size=2), failing])
    with pytest.raises(pycore.SpecError, match="at step 2") as err:
        pycore.lr_series(s, 10)
    assert err.value.field == "params.schedulers[1].params.lr_lambda"
    chained = spec("ChainedScheduler", schedulers=[child("StepLR", step_size=2), failing])
    with pytest.raises(pycore.SpecError) as err:
        pycore.lr_at(chained, 3)
    assert err.value.field == "params.schedulers[1].params.lr_lambda"


def test_child_past_its_end_names_the_update():
    s = spec("SequentialLR", milestones=[3], schedulers=[
        child("StepLR", step_size=2), child("OneCycleLR", max_lr=1.0, total_steps=5)])
    assert len(pycore.lr_series(s, 9)) == 9  # OneCycleLR's steps 0..5
    with pytest.raises(pycore.SpecError, match=r"schedulers\[1\] \(OneCycleLR\) to its step 6"):
        pycore.lr_series(s, 10)
    with pytest.raises(pycore.SpecError) as err:
        pycore.lr_at(s, 9)
    assert err.value.field == "step"


# ---------------------------------------------------------------- code export


def test_code_builds_children_first_and_omits_defaults():
    """total_iters=5 is LinearLR's default, so the snippet leaves it out."""
    code = pycore.to_code(spec("SequentialLR", milestones=[5], schedulers=[
        child("LinearLR", start_factor=0.1, total_iters=5), child("StepLR", step_size=3)]))
    assert code == (
        "import torch\n\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "scheduler1 = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1)\n"
        "scheduler2 = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3)\n"
        "scheduler = torch.optim.lr_scheduler.SequentialLR(\n"
        "    optimizer,\n"
        "    schedulers=[scheduler1, scheduler2],\n"
        "    milestones=[5],\n"
        ")\n")


def test_code_numbers_nested_children_in_construction_order():
    code = pycore.to_code(spec("ChainedScheduler", schedulers=[
        child("SequentialLR", milestones=[], schedulers=[child("StepLR", step_size=3)]),
        child("ExponentialLR", gamma=0.5)]))
    assert "scheduler1 = torch.optim.lr_scheduler.StepLR(" in code
    assert "scheduler2 = torch.optim.lr_scheduler.SequentialLR(" in code
    assert "scheduler3 = torch.optim.lr_scheduler.ExponentialLR(" in code
    assert code.endswith("scheduler = torch.optim.lr_scheduler.ChainedScheduler(\n"
                         "    schedulers=[scheduler2, scheduler3],\n"
                         "    optimizer=optimizer,\n)\n")


def test_code_writes_formulas_as_lambdas_with_math_when_needed():
    code = pycore.to_code(spec("LambdaLR", lr_lambda="0.5 * (1 + cos(pi * step / 10))"))
    assert code.startswith("import math\nimport torch\n\n")
    assert "lr_lambda=lambda epoch: 0.5 * (1 + math.cos(math.pi * epoch / 10))" in code
    assert "import math" not in pycore.to_code(spec("MultiplicativeLR", lr_lambda="0.95"))


def test_code_gives_momentum_only_where_a_scheduler_cycles_it():
    with_momentum = "SGD(model.parameters(), lr=0.1, momentum=0.9)"
    assert with_momentum in pycore.to_code(spec("OneCycleLR", max_lr=1.0, total_steps=9))
    assert with_momentum in pycore.to_code(spec("SequentialLR", milestones=[2], schedulers=[
        child("LinearLR"), child("CyclicLR", base_lr=0.01, max_lr=0.1)]))
    assert "momentum" not in pycore.to_code(spec("SequentialLR", milestones=[2], schedulers=[
        child("LinearLR"), child("SWALR", swa_lr=0.01)]))


def test_code_for_swalr_and_plateau():
    assert "torch.optim.swa_utils.SWALR(optimizer, swa_lr=0.01)" in pycore.to_code(
        spec("SWALR", swa_lr=0.01))
    code = pycore.to_code(dict(spec("ReduceLROnPlateau", patience=3), metrics=[1.0]))
    assert "lr_scheduler.ReduceLROnPlateau(optimizer, patience=3)" in code
    assert "scheduler.step(val_loss)" in code.splitlines()[-1]


def test_code_is_valid_python():
    """Every snippet compiles (the parity tests run them against torch)."""
    for seed in range(20):
        compile(pycore.to_code(random_spec(random.Random(seed))), "<snippet>", "exec")
