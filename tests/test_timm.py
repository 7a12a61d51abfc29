"""timm's schedulers in pycore: values, edges, validation and code export.

Expected values are worked out by hand from timm 1.0.31's scheduler sources;
tests/test_parity_timm.py compares with timm itself (committed vectors and live runs).
"""
import math
import random

import pytest

import pycore
from pycore.params import REQUIRED

NAMES = ["CosineLRScheduler", "StepLRScheduler", "MultiStepLRScheduler", "PolyLRScheduler",
         "TanhLRScheduler", "PlateauLRScheduler"]
LR = 0.1
WARMUP = ["warmup_t", "warmup_lr_init", "warmup_prefix", "t_in_epochs"]
CYCLES = ["cycle_mul", "cycle_decay", "cycle_limit"]


def spec(name, lr=LR, metrics=None, **params):
    out = {"framework": "timm", "name": name, "lr": lr, "params": params}
    if metrics is not None:
        out["metrics"] = metrics
    return out


def series(name, n, lr=LR, **params):
    return pycore.lr_series(spec(name, lr, **params), n)


def at(name, t, lr=LR, **params):
    return pycore.lr_at(spec(name, lr, **params), t)


def declared(name):
    """[(param name, default)] of a scheduler, in order; REQUIRED for required ones."""
    cls = pycore.spec.REGISTRY[("timm", name)]
    return [(p.name, p.default) for p in cls.params]


def test_catalogue_order_is_the_issue_order():
    assert pycore.names("timm") == NAMES


# timm 1.0.31's constructor arguments minus the optimizer, the noise options and
# initialize, in its order and with its defaults.
@pytest.mark.parametrize("name, params", [
    ("CosineLRScheduler", [("t_initial", REQUIRED), ("lr_min", 0.0), ("cycle_mul", 1.0),
                           ("cycle_decay", 1.0), ("cycle_limit", 1), ("warmup_t", 0),
                           ("warmup_lr_init", 0.0), ("warmup_prefix", False),
                           ("t_in_epochs", True), ("k_decay", 1.0)]),
    ("StepLRScheduler", [("decay_t", REQUIRED), ("decay_rate", 1.0), ("warmup_t", 0),
                         ("warmup_lr_init", 0.0), ("warmup_prefix", True),
                         ("t_in_epochs", True)]),
    ("MultiStepLRScheduler", [("decay_t", REQUIRED), ("decay_rate", 1.0), ("warmup_t", 0),
                              ("warmup_lr_init", 0.0), ("warmup_prefix", True),
                              ("t_in_epochs", True)]),
    ("PolyLRScheduler", [("t_initial", REQUIRED), ("power", 0.5), ("lr_min", 0.0),
                         ("cycle_mul", 1.0), ("cycle_decay", 1.0), ("cycle_limit", 1),
                         ("warmup_t", 0), ("warmup_lr_init", 0.0), ("warmup_prefix", False),
                         ("t_in_epochs", True), ("k_decay", 1.0)]),
    ("TanhLRScheduler", [("t_initial", REQUIRED), ("lb", -7.0), ("ub", 3.0), ("lr_min", 0.0),
                         ("cycle_mul", 1.0), ("cycle_decay", 1.0), ("cycle_limit", 1),
                         ("warmup_t", 0), ("warmup_lr_init", 0.0), ("warmup_prefix", False),
                         ("t_in_epochs", True)]),
    ("PlateauLRScheduler", [("decay_rate", 0.1), ("patience_t", 10), ("threshold", 1e-4),
                            ("cooldown_t", 0), ("warmup_t", 0), ("warmup_lr_init", 0.0),
                            ("lr_min", 0.0), ("mode", "max")]),
])
def test_params_mirror_the_constructor(name, params):
    assert declared(name) == params


@pytest.mark.parametrize("name", NAMES)
def test_notes_say_what_is_left_out(name):
    entry = [e for e in pycore.catalog() if e["framework"] == "timm" and e["name"] == name][0]
    assert "noise_range_t" in entry["notes"] and "initialize" in entry["notes"]
    assert entry["doc"].endswith("#timm.scheduler." + name)
    assert entry["metric_driven"] == (name == "PlateauLRScheduler")


# -- what the constructor writes: entry 0 ------------------------------------------------

@pytest.mark.parametrize("name, params", [
    ("CosineLRScheduler", {"t_initial": 10, "lr_min": 0.03}),
    ("PolyLRScheduler", {"t_initial": 10, "lr_min": 0.03}),
    ("TanhLRScheduler", {"t_initial": 10}),
    ("StepLRScheduler", {"decay_t": 1, "decay_rate": 0.5}),
    ("MultiStepLRScheduler", {"decay_t": [1], "decay_rate": 0.5}),
])
def test_t0_is_the_base_lr_not_get_lr_0(name, params):
    """The constructor writes the base LR; _get_lr(0) is never used (for tanh it is
    0.99999917 * lr, for MultiStep with a milestone at 1 it is already decayed)."""
    assert at(name, 0, **params) == LR
    assert series(name, 3, **params)[0] == LR


def test_tanh_get_lr_0_differs_from_the_start():
    sched = pycore.build(spec("TanhLRScheduler", t_initial=10))
    assert sched.get_lr(0) == pytest.approx(0.5 * LR * (1 - math.tanh(-7.0)))
    assert sched.get_lr(0) != LR == sched.at(0)


@pytest.mark.parametrize("name, params", [
    ("CosineLRScheduler", {"t_initial": 100}),
    ("StepLRScheduler", {"decay_t": 30}),
    ("MultiStepLRScheduler", {"decay_t": [30]}),
    ("PolyLRScheduler", {"t_initial": 100}),
    ("TanhLRScheduler", {"t_initial": 100}),
])
def test_warmup_starts_at_warmup_lr_init_and_is_linear(name, params):
    values = series(name, 6, warmup_t=4, warmup_lr_init=0.02, warmup_prefix=True, **params)
    step = (LR - 0.02) / 4
    assert values[:4] == [0.02, 0.02 + step, 0.02 + 2 * step, 0.02 + 3 * step]
    assert values[4] == pytest.approx(LR)


# -- cosine ------------------------------------------------------------------------------

def test_cosine_values_and_clamp_after_the_last_cycle():
    values = series("CosineLRScheduler", 30, t_initial=20, lr_min=0.01)
    for t in range(1, 20):
        assert values[t] == 0.01 + 0.5 * (LR - 0.01) * (1 + math.cos(math.pi * t / 20))
    assert values[20:] == [0.01] * 10  # cycle_limit=1: lr_min from t_initial on


def test_cosine_without_prefix_overlaps_the_warmup_and_jumps():
    """warmup_prefix=False (the default): the warmup replaces the cosine's first steps, the
    LR jumps from the warmup line to cos(W / T) and never equals the base LR."""
    values = series("CosineLRScheduler", 12, t_initial=10, warmup_t=5)
    assert values[4] == 4 * (LR / 5)
    assert values[5] == 0.5 * LR * (1 + math.cos(math.pi * 5 / 10))
    assert LR not in values


def test_cosine_with_prefix_reaches_the_base_lr_after_the_warmup():
    values = series("CosineLRScheduler", 20, t_initial=10, warmup_t=5, warmup_prefix=True)
    assert values[5] == LR
    assert values[10] == 0.5 * LR * (1 + math.cos(math.pi * 5 / 10))
    assert values[15:] == [0.0] * 5


def test_cosine_restarts_with_decay_keep_lr_min():
    values = series("CosineLRScheduler", 40, t_initial=10, lr_min=0.01, cycle_limit=3,
                    cycle_decay=0.5)
    assert values[10] == 0.01 + 0.5 * (LR * 0.5 - 0.01) * 2
    assert values[20] == 0.01 + 0.5 * (LR * 0.25 - 0.01) * 2
    assert values[30:] == [0.01] * 10


def test_cosine_cycle_mul_lengths():
    """cycle_mul=2, t_initial=5: cycles of 5, 10, 20 steps start at 0, 5, 15."""
    values = series("CosineLRScheduler", 36, t_initial=5, cycle_mul=2.0, cycle_limit=3)
    assert values[5] == values[15] == LR
    assert values[10] == 0.5 * LR * (1 + math.cos(math.pi * 5 / 10))
    assert values[35] == 0.0


def test_float_log_cycle_quirk():
    """cycle_mul=3, t_initial=1: restarts at 1, 4, 13, 40, 121, 364, but timm's
    floor(log(243) / log(3)) is 4, so t=121 ends cycle 4 at lr_min instead of restarting;
    the restart comes one step late."""
    s = spec("CosineLRScheduler", t_initial=1, cycle_mul=3.0, cycle_limit=10)
    values = pycore.lr_series(s, 400)
    assert values[40] == LR and values[364] == LR
    assert values[121] == 0.0 == pycore.lr_at(s, 121)
    assert values[122] == 0.5 * LR * (1 + math.cos(math.pi * 1 / 243))


def test_k_decay_reshapes_time():
    values = series("CosineLRScheduler", 50, t_initial=40, k_decay=2.0)
    for t in (1, 10, 39):
        assert values[t] == 0.5 * LR * (1 + math.cos(math.pi * t ** 2.0 / 40 ** 2.0))


def test_cycle_mul_below_one_ends_where_timm_fails():
    """Shrinking cycles sum to t_initial / (1 - cycle_mul); from there timm takes the log
    of a number <= 0 (ValueError), and pycore names the step."""
    s = spec("CosineLRScheduler", t_initial=100, cycle_mul=0.5, cycle_limit=3)
    assert pycore.lr_series(s, 200)[199] == 0.0
    with pytest.raises(pycore.SpecError) as err:
        pycore.lr_series(s, 201)
    assert (err.value.field, err.value.value) == ("step", 200)
    with pytest.raises(pycore.SpecError):
        pycore.lr_at(s, 10 ** 6)


def test_cycle_decay_above_one_overflows_like_timm():
    """Cosine and poly compute cycle_decay ** i even after the last cycle, so timm raises
    OverflowError there; tanh does not."""
    s = spec("CosineLRScheduler", t_initial=1, cycle_decay=2.0)
    assert pycore.lr_at(s, 1023) == 0.0
    with pytest.raises(pycore.SpecError) as err:
        pycore.lr_at(s, 1024)
    assert err.value.field == "step" and "overflow" in str(err.value)
    with pytest.raises(pycore.SpecError):
        pycore.lr_series(s, 2000)
    assert at("TanhLRScheduler", 5000, t_initial=1, cycle_decay=2.0) == 0.0


def test_huge_k_decay_overflows_like_timm():
    """100 ** 150 is a float, 200 ** 150 is not: timm fails when the second cycle starts."""
    s = spec("CosineLRScheduler", t_initial=100, k_decay=150.0, cycle_mul=2.0, cycle_limit=3)
    assert pycore.lr_at(s, 99) == 0.5 * LR * (1 + math.cos(math.pi * 99 ** 150.0
                                                          / 100 ** 150.0))
    with pytest.raises(pycore.SpecError) as err:
        pycore.lr_series(s, 200)
    assert (err.value.field, err.value.value) == ("step", 100)


# -- poly and tanh -----------------------------------------------------------------------

def test_poly_default_power_is_half():
    values = series("PolyLRScheduler", 12, t_initial=10)
    assert values[4] == LR * (1 - 4 / 10) ** 0.5
    assert values[10:] == [0.0, 0.0]


def test_tanh_curve_and_its_ends():
    values = series("TanhLRScheduler", 12, t_initial=10, lr_min=0.001)
    tr = 4 / 10
    assert values[4] == 0.001 + 0.5 * (LR - 0.001) * (1 - math.tanh(-7.0 * (1 - tr) + 3.0 * tr))
    assert values[9] > values[10] == 0.001  # the curve never reaches lr_min; then it jumps


def test_tanh_warmup_without_prefix_joins_the_curve():
    """Without prefix the warmup rises to the curve's value at warmup_t (continuous)."""
    sched = pycore.build(spec("TanhLRScheduler", t_initial=100, warmup_t=10))
    target = sched.decay(10, 10)
    assert sched.series(11)[10] == target
    assert sched.at(9) == 0.0 + 9 * (target / 10)


# -- step and multistep ------------------------------------------------------------------

def test_step_decays_every_decay_t_even_fractional():
    assert series("StepLRScheduler", 7, decay_t=3, decay_rate=0.5) == [
        LR, LR, LR, LR * 0.5, LR * 0.5, LR * 0.5, LR * 0.25]
    values = series("StepLRScheduler", 10, decay_t=2.4, decay_rate=0.5)
    assert values == [LR * 0.5 ** (t // 2.4) for t in range(10)]


def test_step_default_prefix_shifts_the_decay_after_warmup():
    values = series("StepLRScheduler", 8, decay_t=2, decay_rate=0.5, warmup_t=3)
    assert values[3:] == [LR, LR, LR * 0.5, LR * 0.5, LR * 0.25]


def test_multistep_decays_one_step_before_the_milestone():
    assert series("MultiStepLRScheduler", 6, decay_t=[2, 4], decay_rate=0.5) == [
        LR, LR * 0.5, LR * 0.5, LR * 0.25, LR * 0.25, LR * 0.25]


def test_multistep_repeated_milestones_decay_twice():
    values = series("MultiStepLRScheduler", 5, decay_t=[3, 3], decay_rate=0.5)
    assert values == [LR, LR, LR * 0.25, LR * 0.25, LR * 0.25]
    assert at("MultiStepLRScheduler", 2, decay_t=[3, 3], decay_rate=0.5) == LR * 0.25


def test_step_growing_rate_overflows_like_timm():
    s = spec("StepLRScheduler", decay_t=1, decay_rate=10.0)
    assert pycore.lr_at(s, 300) == LR * 10.0 ** 300
    with pytest.raises(pycore.SpecError) as err:
        pycore.lr_series(s, 400)
    assert (err.value.field, err.value.value) == ("step", 309)


# -- plateau -----------------------------------------------------------------------------

def test_plateau_default_mode_is_max():
    """A falling metric is bad in timm's default 'max' mode: the LR is cut after patience."""
    values = pycore.lr_series(spec("PlateauLRScheduler", patience_t=2,
                                   metrics=[1.0, 0.9, 0.8, 0.7, 0.6]), 6)
    assert values == [LR, LR, LR, LR, LR * 0.1, LR * 0.1]


def test_plateau_warmup_includes_warmup_t_and_ignores_its_metrics():
    metrics = [5.0, 4.0, 3.0, 2.0, 2.0, 2.0]
    values = pycore.lr_series(spec("PlateauLRScheduler", mode="min", patience_t=0,
                                   warmup_t=3, warmup_lr_init=0.01, metrics=metrics), 7)
    step = (LR - 0.01) / 3
    assert values[:4] == [0.01, 0.01 + step, 0.01 + 2 * step, 0.01 + 3 * step]
    # metrics[3] = 2.0 is the first one torch sees (best); 2.0 again is bad: cut at once
    assert values[4] == values[3]
    assert values[5] == values[3] * 0.1


def test_plateau_needs_one_metric_per_step():
    s = spec("PlateauLRScheduler", metrics=[1.0, 2.0])
    assert len(pycore.lr_series(s, 3)) == 3
    with pytest.raises(pycore.SpecError) as err:
        pycore.lr_series(s, 4)
    assert err.value.field == "n"
    with pytest.raises(pycore.SpecError) as err:
        pycore.lr_at(s, 3)
    assert err.value.field == "step"


# -- at and series -----------------------------------------------------------------------

def random_spec(rng, name):
    """A valid spec of name with parameters across their ranges."""
    lr = 10 ** rng.uniform(-5, 0)
    warm = {"warmup_t": rng.choice([0, 1, rng.randint(2, 80)]),
            "warmup_lr_init": lr * rng.random()}
    if name == "PlateauLRScheduler":
        metrics = [rng.random() for _ in range(400)]
        return spec(name, lr, metrics=metrics, patience_t=rng.randint(0, 5),
                    mode=rng.choice(["min", "max"]), decay_rate=rng.uniform(0.1, 0.9),
                    **warm)
    warm.update(warmup_prefix=rng.random() < 0.5, t_in_epochs=rng.random() < 0.5)
    if name == "StepLRScheduler":
        return spec(name, lr, decay_t=rng.choice([1, 7, rng.uniform(0.3, 40)]),
                    decay_rate=rng.uniform(0.05, 1), **warm)
    if name == "MultiStepLRScheduler":
        return spec(name, lr, decay_t=sorted(rng.randint(1, 300) for _ in range(4)),
                    decay_rate=rng.uniform(0.05, 1), **warm)
    params = dict(warm, t_initial=rng.choice([1, 2, rng.randint(3, 200)]),
                  lr_min=lr * rng.choice([0.0, rng.random()]),
                  cycle_mul=rng.choice([1.0, 2.0, 3.0, rng.uniform(1.01, 3)]),
                  cycle_decay=rng.uniform(0.2, 1), cycle_limit=rng.choice([1, 3, 10 ** 6]))
    if name == "PolyLRScheduler":
        params["power"] = rng.uniform(0.1, 4)
    if name == "TanhLRScheduler":
        params.update(lb=rng.uniform(-10, 0), ub=rng.uniform(0.1, 8))
    else:
        params["k_decay"] = rng.choice([1.0, rng.uniform(0.2, 4)])
    return spec(name, lr, **params)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("case", range(8))
def test_at_equals_series_exactly(name, case):
    rng = random.Random(7000 + 10 * NAMES.index(name) + case)
    s = random_spec(rng, name)
    values = pycore.lr_series(s, 400)
    for t in list(range(0, 400, 1 if name != "PlateauLRScheduler" else 57)) + [399]:
        assert pycore.lr_at(s, t) == values[t], t


def test_series_of_zero_and_one():
    s = spec("CosineLRScheduler", t_initial=5, warmup_t=3, warmup_lr_init=0.01)
    assert pycore.lr_series(s, 0) == []
    assert pycore.lr_series(s, 1) == [0.01]


def test_t_in_epochs_does_not_change_the_values():
    """The index is the scheduler's t either way; t_in_epochs only says what t counts."""
    a = series("CosineLRScheduler", 50, t_initial=30, warmup_t=5)
    b = series("CosineLRScheduler", 50, t_initial=30, warmup_t=5, t_in_epochs=False)
    assert a == b


def test_far_steps_are_closed_form():
    assert at("CosineLRScheduler", 2 ** 53, t_initial=1000) == 0.0
    assert at("CosineLRScheduler", 2 ** 53, t_initial=7, cycle_limit=10 ** 18) == \
        pytest.approx(0.5 * LR * (1 + math.cos(math.pi * (2 ** 53 % 7) / 7)))
    assert at("StepLRScheduler", 2 ** 53, decay_t=1, decay_rate=0.5) == 0.0


# -- validation --------------------------------------------------------------------------

@pytest.mark.parametrize("name, params, field", [
    ("CosineLRScheduler", {}, "params.t_initial"),
    ("CosineLRScheduler", {"t_initial": 0}, "params.t_initial"),  # timm: assert t_initial > 0
    ("CosineLRScheduler", {"t_initial": 10, "lr_min": -0.1}, "params.lr_min"),  # lr_min >= 0
    ("CosineLRScheduler", {"t_initial": 10, "lr_min": 0.2}, "params.lr_min"),  # above lr
    ("PolyLRScheduler", {"t_initial": 10, "lr_min": 0.2}, "params.lr_min"),
    ("TanhLRScheduler", {"t_initial": 10, "lr_min": 0.2}, "params.lr_min"),
    ("CosineLRScheduler", {"t_initial": 10, "cycle_mul": 0.0}, "params.cycle_mul"),  # log base
    ("CosineLRScheduler", {"t_initial": 10, "cycle_decay": 0.0}, "params.cycle_decay"),
    ("CosineLRScheduler", {"t_initial": 10, "cycle_limit": 0}, "params.cycle_limit"),
    ("CosineLRScheduler", {"t_initial": 10, "k_decay": 0.0}, "params.k_decay"),
    ("CosineLRScheduler", {"t_initial": 10, "warmup_t": -1}, "params.warmup_t"),
    ("CosineLRScheduler", {"t_initial": 10, "warmup_t": 2, "warmup_lr_init": 0.5},
     "params.warmup_lr_init"),
    ("StepLRScheduler", {"decay_t": 5, "warmup_t": 2, "warmup_lr_init": 0.5},
     "params.warmup_lr_init"),
    ("CosineLRScheduler", {"t_initial": 10, "warmup_lr_init": -1e-3}, "params.warmup_lr_init"),
    ("CosineLRScheduler", {"t_initial": 10, "warmup_prefix": 1}, "params.warmup_prefix"),
    ("CosineLRScheduler", {"t_initial": 10, "t_in_epochs": "yes"}, "params.t_in_epochs"),
    ("CosineLRScheduler", {"t_initial": 10, "noise_range_t": 5}, "params.noise_range_t"),
    ("CosineLRScheduler", {"t_initial": 10, "initialize": False}, "params.initialize"),
    ("PolyLRScheduler", {"t_initial": 10, "power": 0.0}, "params.power"),
    ("TanhLRScheduler", {"t_initial": 10, "lb": 3.0, "ub": 3.0}, "params.ub"),  # assert lb < ub
    ("TanhLRScheduler", {"t_initial": 10, "cycle_mul": 0.5, "warmup_t": 20},
     "params.warmup_t"),  # timm's constructor evaluates the curve at warmup_t: ValueError
    ("TanhLRScheduler", {"t_initial": 10, "k_decay": 2.0}, "params.k_decay"),  # no such arg
    ("StepLRScheduler", {"decay_t": 0}, "params.decay_t"),  # t // 0
    ("StepLRScheduler", {"decay_t": 5, "decay_rate": 0.0}, "params.decay_rate"),
    ("MultiStepLRScheduler", {"decay_t": []}, "params.decay_t"),
    ("MultiStepLRScheduler", {"decay_t": [5, 3]}, "params.decay_t[1]"),  # timm assumes sorted
    ("MultiStepLRScheduler", {"decay_t": [0, 3]}, "params.decay_t[0]"),
    ("MultiStepLRScheduler", {"decay_t": [2.5]}, "params.decay_t[0]"),
    ("PlateauLRScheduler", {"decay_rate": 1.0}, "params.decay_rate"),  # torch: factor < 1
    ("PlateauLRScheduler", {"mode": "avg"}, "params.mode"),
    ("PlateauLRScheduler", {"patience_t": -1}, "params.patience_t"),
    ("PlateauLRScheduler", {"lr_min": 0.1}, "params.lr_min"),  # never reduced
    ("PlateauLRScheduler", {"mode": "min", "threshold": 1.0}, "params.threshold"),
    ("PlateauLRScheduler", {"warmup_t_": 1}, "params.warmup_t_"),
    ("PlateauLRScheduler", {"t_in_epochs": False}, "params.t_in_epochs"),  # no such arg
])
def test_rejections(name, params, field):
    s = spec(name, metrics=[1.0] if name == "PlateauLRScheduler" else None, **params)
    with pytest.raises(pycore.SpecError) as err:
        pycore.validate(s)
    assert err.value.field == field
    assert str(err.value).startswith(field + ": got ")


def test_plateau_rejects_a_reduction_below_torch_eps():
    """torch skips reductions of at most eps (1e-8): with this lr none ever happens."""
    with pytest.raises(pycore.SpecError) as err:
        pycore.validate(spec("PlateauLRScheduler", lr=1e-8, metrics=[1.0]))
    assert err.value.field == "params.decay_rate"
    assert "eps" in str(err.value)


def test_warmup_lr_init_above_lr_is_fine_without_warmup():
    assert series("CosineLRScheduler", 2, t_initial=5, warmup_lr_init=0.5) == [
        LR, 0.5 * LR * (1 + math.cos(math.pi / 5))]


def test_timm_specs_need_lr_and_plateau_needs_metrics():
    with pytest.raises(pycore.SpecError) as err:
        pycore.validate({"framework": "timm", "name": "StepLRScheduler",
                         "params": {"decay_t": 3}})
    assert err.value.field == "lr"
    with pytest.raises(pycore.SpecError) as err:
        pycore.validate(spec("PlateauLRScheduler"))
    assert err.value.field == "metrics"


# -- code export -------------------------------------------------------------------------

def test_code_imports_from_timm_scheduler_and_says_how_to_step():
    code = pycore.to_code(spec("CosineLRScheduler", t_initial=100, warmup_t=5,
                               warmup_lr_init=1e-5))
    assert code.startswith("import torch\nfrom timm.scheduler import CosineLRScheduler\n")
    assert "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)" in code
    assert ("scheduler = CosineLRScheduler(optimizer, t_initial=100, warmup_t=5, "
            "warmup_lr_init=1e-05)") in code
    assert "scheduler.step(epoch + 1)" in code and "step_update" not in code
    compile(code, "<to_code>", "exec")


def test_code_for_update_steps_uses_step_update():
    code = pycore.to_code(spec("PolyLRScheduler", t_initial=1000, t_in_epochs=False))
    assert "t_in_epochs=False" in code
    assert "scheduler.step_update(num_updates)" in code


def test_code_writes_whole_decay_t_as_an_integer():
    assert "decay_t=30," in pycore.to_code(spec("StepLRScheduler", decay_t=30.0,
                                                decay_rate=0.1))
    assert "decay_t=2.4," in pycore.to_code(spec("StepLRScheduler", decay_t=2.4,
                                                 decay_rate=0.1))


def test_plateau_code_passes_the_metric():
    code = pycore.to_code(spec("PlateauLRScheduler", metrics=[1.0], mode="min"))
    assert 'PlateauLRScheduler(optimizer, mode="min")' in code
    assert "scheduler.step(epoch + 1, metric)" in code
