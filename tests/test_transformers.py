"""transformers' get_scheduler names in pycore: values, edges, validation and code export.

Each expected value here is worked out by hand from transformers 5.23's lr_lambda functions;
tests/test_parity_transformers.py compares with the library itself.
"""
import math
import random

import pytest

import pycore
from pycore import sched_transformers
from pycore.params import REQUIRED

NAMES = ["constant", "constant_with_warmup", "linear", "cosine", "cosine_with_restarts",
         "polynomial", "inverse_sqrt", "cosine_with_min_lr", "cosine_warmup_with_min_lr",
         "warmup_stable_decay", "reduce_lr_on_plateau"]
LR = 0.1


def spec(name, lr=LR, **params):
    return {"framework": "transformers", "name": name, "lr": lr, "params": params}


def series(name, n, lr=LR, **params):
    return pycore.lr_series(spec(name, lr, **params), n)


def at(name, t, lr=LR, **params):
    return pycore.lr_at(spec(name, lr, **params), t)


def declared(name):
    """{param name: required?} of a name's spec params."""
    cls = pycore.spec.REGISTRY[("transformers", name)]
    return dict((p.name, p.default is REQUIRED) for p in cls.params)


def test_catalogue_order_is_the_issue_order():
    assert pycore.names("transformers") == NAMES


# What get_scheduler passes on for each name (5.23): constant gets nothing; the others get
# num_warmup_steps (required), num_training_steps (required unless noted) and the
# get_* function's own arguments through scheduler_specific_kwargs.
@pytest.mark.parametrize("name, params", [
    ("constant", {}),
    ("constant_with_warmup", {"num_warmup_steps": True}),
    ("linear", {"num_warmup_steps": True, "num_training_steps": True}),
    ("cosine", {"num_warmup_steps": True, "num_training_steps": True, "num_cycles": False}),
    ("cosine_with_restarts", {"num_warmup_steps": True, "num_training_steps": True,
                              "num_cycles": False}),
    ("polynomial", {"num_warmup_steps": True, "num_training_steps": True, "lr_end": False,
                    "power": False}),
    ("inverse_sqrt", {"num_warmup_steps": True, "timescale": False}),
    ("cosine_with_min_lr", {"num_warmup_steps": True, "num_training_steps": True,
                            "num_cycles": False, "min_lr": False, "min_lr_rate": False}),
    ("cosine_warmup_with_min_lr", {"num_warmup_steps": True, "num_training_steps": True,
                                   "num_cycles": False, "min_lr": False,
                                   "min_lr_rate": False, "warmup_lr_rate": False}),
    ("warmup_stable_decay", {"num_warmup_steps": True, "num_decay_steps": True,
                             "num_training_steps": False, "num_stable_steps": False,
                             "warmup_type": False, "decay_type": False,
                             "min_lr_ratio": False, "num_cycles": False}),
    ("reduce_lr_on_plateau", {"mode": False, "factor": False, "patience": False,
                              "threshold": False, "threshold_mode": False, "cooldown": False,
                              "min_lr": False, "eps": False}),
])
def test_params_mirror_what_get_scheduler_accepts(name, params):
    assert declared(name) == params
    assert list(declared(name)) == list(params)


@pytest.mark.parametrize("name, default", [
    ("cosine", 0.5), ("cosine_with_min_lr", 0.5), ("cosine_warmup_with_min_lr", 0.5),
    ("cosine_with_restarts", 1.0), ("warmup_stable_decay", 0.5)])
def test_num_cycles_defaults(name, default):
    cls = pycore.spec.REGISTRY[("transformers", name)]
    assert [p.default for p in cls.params if p.name == "num_cycles"] == [default]


def test_constant_is_the_base_lr_forever():
    assert series("constant", 50) == [LR] * 50
    assert at("constant", 2 ** 53) == LR


def test_constant_with_warmup_starts_at_zero_and_reaches_lr_at_w():
    got = series("constant_with_warmup", 12, num_warmup_steps=4)
    assert got[:5] == [0.0, LR * 0.25, LR * 0.5, LR * 0.75, LR]
    assert got[5:] == [LR] * 7


def test_zero_warmup_starts_at_the_base_lr():
    assert series("constant_with_warmup", 3, num_warmup_steps=0) == [LR] * 3
    assert at("linear", 0, num_warmup_steps=0, num_training_steps=10) == LR


def test_linear_reaches_zero_at_training_steps_and_stays():
    got = series("linear", 20, num_warmup_steps=2, num_training_steps=10)
    assert got[:3] == [0.0, LR * 0.5, LR]
    assert got[6] == LR * (4.0 / 8.0)
    assert got[10:] == [0.0] * 10


def test_cosine_reaches_zero_at_training_steps_then_rises_again():
    got = series("cosine", 30, num_warmup_steps=4, num_training_steps=14)
    assert got[4] == LR
    assert got[9] == pytest.approx(LR / 2, rel=1e-15)
    assert got[14] == pytest.approx(0.0, abs=1e-17)
    assert got[15] > got[14] and got[24] == pytest.approx(LR, rel=1e-15)


def test_fractional_num_cycles():
    got = series("cosine", 20, num_warmup_steps=0, num_training_steps=10, num_cycles=0.25)
    assert got[10] == pytest.approx(LR / 2, rel=1e-15)  # a quarter wave ends half way down
    assert min(got) > 0.0


def test_cosine_with_restarts_restarts_hard_and_is_zero_after():
    got = series("cosine_with_restarts", 40, num_warmup_steps=0, num_training_steps=30,
                 num_cycles=3)
    assert [got[0], got[10], got[20]] == [LR, LR, LR]
    assert got[9] < 0.03 * LR and got[5] == pytest.approx(LR / 2, rel=1e-15)
    assert got[30:] == [0.0] * 10


def test_polynomial_reaches_lr_end_and_stays_there():
    got = series("polynomial", 30, num_warmup_steps=2, num_training_steps=12, lr_end=0.01,
                 power=2.0)
    assert got[2] == LR
    assert got[7] == pytest.approx((LR - 0.01) * 0.25 + 0.01, rel=1e-15)
    assert got[12] == pytest.approx(0.01, rel=1e-15)
    assert got[13:] == [LR * (0.01 / LR)] * 17


def test_polynomial_default_lr_end_is_1e_minus_7():
    assert at("polynomial", 100, num_warmup_steps=0, num_training_steps=10) == pytest.approx(
        1e-7, rel=1e-15)


def test_inverse_sqrt_timescale_defaults_to_warmup():
    # With timescale W, the LR halves at t = W + 3W.
    assert at("inverse_sqrt", 16, num_warmup_steps=4) == LR * 0.5
    assert at("inverse_sqrt", 4, num_warmup_steps=4) == LR
    assert at("inverse_sqrt", 16, num_warmup_steps=4, timescale=4) == LR * 0.5


def test_inverse_sqrt_without_warmup_uses_10000():
    assert at("inverse_sqrt", 0, num_warmup_steps=0) == LR
    assert at("inverse_sqrt", 30000, num_warmup_steps=0) == LR * 0.5
    assert at("inverse_sqrt", 2 ** 40, num_warmup_steps=0) > 0.0


def test_cosine_with_min_lr_floor_and_equivalent_rate():
    by_lr = series("cosine_with_min_lr", 40, num_warmup_steps=3, num_training_steps=20,
                   min_lr=0.025)
    by_rate = series("cosine_with_min_lr", 40, num_warmup_steps=3, num_training_steps=20,
                     min_lr_rate=0.25)
    assert by_lr == by_rate
    assert by_lr[20] == pytest.approx(0.025, rel=1e-15)
    assert by_lr[21] > by_lr[20]  # periodic, like cosine
    assert min(by_lr[3:]) == pytest.approx(0.025, rel=1e-15)


def test_cosine_with_min_lr_zero_floor_is_cosine():
    params = {"num_warmup_steps": 5, "num_training_steps": 50, "num_cycles": 0.7}
    assert series("cosine_with_min_lr", 200, min_lr_rate=0.0, **params) == series(
        "cosine", 200, **params)


def test_cosine_warmup_with_min_lr_is_one_step_earlier():
    got = series("cosine_warmup_with_min_lr", 30, num_warmup_steps=4, num_training_steps=20,
                 min_lr_rate=0.1)
    assert got[:4] == [LR * 0.25, LR * 0.5, LR * 0.75, LR]  # starts at 1/W, peaks at W-1
    assert got[19] == pytest.approx(LR * 0.1, rel=1e-15)  # floor at T-1
    assert got[20] > got[19]


def test_cosine_warmup_with_min_lr_warmup_lr_rate():
    got = series("cosine_warmup_with_min_lr", 6, num_warmup_steps=5, num_training_steps=20,
                 min_lr_rate=0.0, warmup_lr_rate=0.2)
    assert got[0] == pytest.approx(0.2 * LR, rel=1e-15)
    assert got[4] == pytest.approx(LR, rel=1e-15)


def test_wsd_phases():
    got = series("warmup_stable_decay", 30, num_warmup_steps=4, num_decay_steps=8,
                 num_training_steps=20, decay_type="linear", min_lr_ratio=0.1)
    assert got[0] == pytest.approx(0.1 * LR, rel=1e-15)  # warmup starts at the floor
    assert got[4:12] == [LR] * 8  # stable: 20 - 4 - 8 = 8 updates
    assert got[16] == pytest.approx(LR * (0.5 * 0.9 + 0.1), rel=1e-15)
    assert got[20:] == [LR * 0.1] * 10


def test_wsd_num_stable_steps_wins_over_num_training_steps():
    params = {"num_warmup_steps": 2, "num_decay_steps": 5, "num_stable_steps": 3}
    assert series("warmup_stable_decay", 30, num_training_steps=100, **params) == series(
        "warmup_stable_decay", 30, **params)
    assert series("warmup_stable_decay", 30, num_training_steps=10, **params) == series(
        "warmup_stable_decay", 30, **params)


@pytest.mark.parametrize("warmup_type, decay_type, mid_warmup, mid_decay", [
    ("linear", "linear", 0.5, 0.5),
    ("cosine", "cosine", 0.5, 0.5),
    ("1-sqrt", "1-sqrt", 1 - math.sqrt(0.5), 1 - math.sqrt(0.5)),
])
def test_wsd_shapes(warmup_type, decay_type, mid_warmup, mid_decay):
    got = series("warmup_stable_decay", 30, num_warmup_steps=10, num_decay_steps=10,
                 num_stable_steps=0, warmup_type=warmup_type, decay_type=decay_type)
    assert got[5] == pytest.approx(LR * mid_warmup, rel=1e-15)
    assert got[15] == pytest.approx(LR * mid_decay, rel=1e-15)


def random_specs(seed, count):
    """Valid random specs of every step-driven name."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        lr = 10 ** rng.uniform(-6, 0)
        w = rng.choice([0, 1, rng.randint(2, 100)])
        total = w + rng.randint(1, 200)
        floor = rng.choice([{"min_lr": lr * rng.random()}, {"min_lr_rate": rng.random()}])
        out += [
            spec("constant", lr),
            spec("constant_with_warmup", lr, num_warmup_steps=w),
            spec("linear", lr, num_warmup_steps=w, num_training_steps=total),
            spec("cosine", lr, num_warmup_steps=w, num_training_steps=total,
                 num_cycles=rng.uniform(0.1, 3)),
            spec("cosine_with_restarts", lr, num_warmup_steps=w, num_training_steps=total,
                 num_cycles=rng.uniform(0.1, 5)),
            spec("polynomial", lr, num_warmup_steps=w, num_training_steps=total,
                 lr_end=lr * rng.random(), power=rng.uniform(0.1, 4)),
            spec("inverse_sqrt", lr, num_warmup_steps=w,
                 timescale=rng.choice([None, rng.randint(1, 500)])),
            spec("cosine_with_min_lr", lr, num_warmup_steps=w, num_training_steps=total,
                 num_cycles=rng.uniform(0.1, 3), **floor),
            spec("cosine_warmup_with_min_lr", lr, num_warmup_steps=w, num_training_steps=total,
                 warmup_lr_rate=rng.choice([None, rng.random()]), **floor),
            spec("warmup_stable_decay", lr, num_warmup_steps=w, num_decay_steps=total,
                 num_stable_steps=rng.randint(0, 50),
                 warmup_type=rng.choice(["linear", "cosine", "1-sqrt"]),
                 decay_type=rng.choice(["linear", "cosine", "1-sqrt"]),
                 min_lr_ratio=rng.random(), num_cycles=rng.uniform(0.1, 2)),
        ]
    return out


@pytest.mark.parametrize("s", random_specs(11, 4), ids=lambda s: s["name"])
def test_at_equals_series_exactly(s):
    got = pycore.lr_series(s, 600)
    assert [pycore.lr_at(s, t) for t in range(600)] == got
    assert all(v >= 0.0 and math.isfinite(v) for v in got)


@pytest.mark.parametrize("s", random_specs(12, 1), ids=lambda s: s["name"])
def test_far_steps_are_finite(s):
    for t in (10 ** 6, 2 ** 40, 2 ** 53):
        v = pycore.lr_at(s, t)
        assert 0.0 <= v <= s["lr"] * (1 + 1e-15) and math.isfinite(v)


def test_series_of_zero_updates_is_empty():
    assert series("cosine", 0, num_warmup_steps=1, num_training_steps=5) == []


COSINE = {"num_warmup_steps": 10, "num_training_steps": 100}
WSD = {"num_warmup_steps": 10, "num_decay_steps": 20, "num_training_steps": 100}


# One rejection per row: (name, params, lr, field). First what transformers itself rejects
# (get_scheduler's missing arguments, get_*'s own checks, unknown keyword arguments), then
# arguments it would silently ignore, then what it would accept but turn into nonsense (an
# empty decay, negative counts, a floor above the base LR, ...).
@pytest.mark.parametrize("name, params, lr, field", [
    # transformers rejects:
    ("constant_with_warmup", {}, LR, "params.num_warmup_steps"),
    ("linear", {"num_training_steps": 10}, LR, "params.num_warmup_steps"),
    ("linear", {"num_warmup_steps": 1}, LR, "params.num_training_steps"),
    ("cosine", {"num_warmup_steps": 1}, LR, "params.num_training_steps"),
    ("cosine_with_restarts", {"num_warmup_steps": 1}, LR, "params.num_training_steps"),
    ("polynomial", {"num_warmup_steps": 1}, LR, "params.num_training_steps"),
    ("cosine_with_min_lr", {"num_warmup_steps": 1, "min_lr_rate": 0.1}, LR,
     "params.num_training_steps"),
    ("cosine_warmup_with_min_lr", {"num_warmup_steps": 1, "min_lr_rate": 0.1}, LR,
     "params.num_training_steps"),
    ("inverse_sqrt", {}, LR, "params.num_warmup_steps"),
    ("warmup_stable_decay", {"num_decay_steps": 5, "num_training_steps": 20}, LR,
     "params.num_warmup_steps"),
    ("polynomial", dict(COSINE, lr_end=LR), LR, "params.lr_end"),
    ("polynomial", dict(COSINE, lr_end=0.5), LR, "params.lr_end"),
    ("cosine_with_min_lr", COSINE, LR, "params.min_lr_rate"),
    ("cosine_with_min_lr", dict(COSINE, min_lr=0.01, min_lr_rate=0.1), LR, "params.min_lr"),
    ("cosine_warmup_with_min_lr", COSINE, LR, "params.min_lr_rate"),
    ("cosine_warmup_with_min_lr", dict(COSINE, min_lr=0.01, min_lr_rate=0.1), LR,
     "params.min_lr"),
    ("warmup_stable_decay", {"num_warmup_steps": 10, "num_decay_steps": 20}, LR,
     "params.num_training_steps"),
    ("warmup_stable_decay", {"num_warmup_steps": 10, "num_training_steps": 100}, LR,
     "params.num_decay_steps"),
    ("warmup_stable_decay", dict(WSD, warmup_type="exp"), LR, "params.warmup_type"),
    ("warmup_stable_decay", dict(WSD, decay_type="step"), LR, "params.decay_type"),
    ("cosine", dict(COSINE, min_lr_rate=0.1), LR, "params.min_lr_rate"),
    # arguments get_scheduler would silently drop for that name:
    ("constant", {"num_warmup_steps": 10}, LR, "params.num_warmup_steps"),
    ("constant_with_warmup", {"num_warmup_steps": 1, "num_training_steps": 10}, LR,
     "params.num_training_steps"),
    ("inverse_sqrt", {"num_warmup_steps": 1, "num_training_steps": 10}, LR,
     "params.num_training_steps"),
    # nonsense transformers would accept:
    ("linear", {"num_warmup_steps": 10, "num_training_steps": 10}, LR,
     "params.num_training_steps"),
    ("cosine", {"num_warmup_steps": 10, "num_training_steps": 5}, LR,
     "params.num_training_steps"),
    ("cosine_with_restarts", {"num_warmup_steps": 0, "num_training_steps": 0}, LR,
     "params.num_training_steps"),
    ("polynomial", {"num_warmup_steps": 10, "num_training_steps": 10}, LR,
     "params.num_training_steps"),
    ("cosine_with_min_lr", {"num_warmup_steps": 10, "num_training_steps": 10,
                            "min_lr_rate": 0.1}, LR, "params.num_training_steps"),
    ("cosine_warmup_with_min_lr", {"num_warmup_steps": 10, "num_training_steps": 9,
                                   "min_lr_rate": 0.1}, LR, "params.num_training_steps"),
    ("constant_with_warmup", {"num_warmup_steps": -1}, LR, "params.num_warmup_steps"),
    ("linear", {"num_warmup_steps": 1.5, "num_training_steps": 10}, LR,
     "params.num_warmup_steps"),
    ("linear", {"num_warmup_steps": 0, "num_training_steps": 2 ** 53 + 1}, LR,
     "params.num_training_steps"),
    ("cosine", dict(COSINE, num_cycles=0), LR, "params.num_cycles"),
    ("cosine", dict(COSINE, num_cycles=-0.5), LR, "params.num_cycles"),
    ("cosine", dict(COSINE, num_cycles=1e300), LR, "params.num_cycles"),
    ("cosine_with_restarts", dict(COSINE, num_cycles=0), LR, "params.num_cycles"),
    ("polynomial", dict(COSINE, lr_end=-1e-3), LR, "params.lr_end"),
    ("polynomial", dict(COSINE, power=0.0), LR, "params.power"),
    ("polynomial", dict(COSINE, power=-1.0), LR, "params.power"),
    ("inverse_sqrt", {"num_warmup_steps": 0, "timescale": 0}, LR, "params.timescale"),
    ("cosine_with_min_lr", dict(COSINE, min_lr=0.2), LR, "params.min_lr"),
    ("cosine_with_min_lr", dict(COSINE, min_lr=-0.01), LR, "params.min_lr"),
    ("cosine_with_min_lr", dict(COSINE, min_lr_rate=1.5), LR, "params.min_lr_rate"),
    ("cosine_warmup_with_min_lr", dict(COSINE, min_lr=0.2), LR, "params.min_lr"),
    ("cosine_warmup_with_min_lr", dict(COSINE, min_lr_rate=0.1, warmup_lr_rate=1.5), LR,
     "params.warmup_lr_rate"),
    ("cosine_warmup_with_min_lr", dict(COSINE, min_lr_rate=0.1, warmup_lr_rate=-0.1), LR,
     "params.warmup_lr_rate"),
    ("warmup_stable_decay", dict(WSD, num_training_steps=29), LR,
     "params.num_training_steps"),
    ("warmup_stable_decay", dict(WSD, num_stable_steps=-1), LR, "params.num_stable_steps"),
    ("warmup_stable_decay", dict(WSD, num_decay_steps=0), LR, "params.num_decay_steps"),
    ("warmup_stable_decay", dict(WSD, min_lr_ratio=1.5), LR, "params.min_lr_ratio"),
    ("warmup_stable_decay", dict(WSD, min_lr_ratio=-0.1), LR, "params.min_lr_ratio"),
    ("warmup_stable_decay", dict(WSD, num_cycles=0.0), LR, "params.num_cycles"),
    ("linear", {"num_warmup_steps": 1, "num_training_steps": 10}, 0.0, "lr"),
])
def test_rejections_name_the_field(name, params, lr, field):
    with pytest.raises(pycore.SpecError) as info:
        pycore.validate(spec(name, lr, **params))
    assert info.value.field == field
    assert str(info.value).startswith(field + ": got ")


PLATEAU = {"framework": "transformers", "name": "reduce_lr_on_plateau", "lr": LR,
           "params": {"patience": 1, "factor": 0.5},
           "metrics": [1.0, 0.5, 0.6, 0.6, 0.4, 0.7, 0.7]}


def test_reduce_lr_on_plateau_is_torchs_rule():
    # Update 0 uses the base LR; each metric decides the next update's LR. Two bad steps
    # in a row (more than patience=1) halve it.
    assert pycore.lr_series(PLATEAU, 8) == [LR, LR, LR, LR, LR * 0.5, LR * 0.5, LR * 0.5,
                                            LR * 0.25]
    assert pycore.lr_at(PLATEAU, 7) == LR * 0.25
    assert pycore.build(PLATEAU).metric_driven


@pytest.mark.parametrize("change, field", [
    ({"metrics": None}, "metrics"),
    ({"metrics": [0.1, "x"]}, "metrics[1]"),
    ({"params": {"factor": 1.0}}, "params.factor"),
    ({"params": {"mode": "median"}}, "params.mode"),
    ({"params": {"min_lr": LR}}, "params.min_lr"),
    ({"params": {"threshold": 1.0}}, "params.threshold"),
    ({"params": {"eps": 0.2}}, "params.eps"),
    ({"params": {"patience": -1}}, "params.patience"),
    ({"params": {"num_warmup_steps": 10}}, "params.num_warmup_steps"),
])
def test_reduce_lr_on_plateau_rejections(change, field):
    bad = dict(PLATEAU, **change)
    if bad["metrics"] is None:
        del bad["metrics"]
    with pytest.raises(pycore.SpecError) as info:
        pycore.validate(bad)
    assert info.value.field == field


def test_reduce_lr_on_plateau_needs_a_metric_per_step():
    with pytest.raises(pycore.SpecError) as info:
        pycore.lr_series(PLATEAU, 9)
    assert info.value.field == "n"
    with pytest.raises(pycore.SpecError) as info:
        pycore.lr_at(PLATEAU, 8)
    assert info.value.field == "step"


def test_lr_is_required():
    with pytest.raises(pycore.SpecError) as info:
        pycore.validate({"framework": "transformers", "name": "constant", "params": {}})
    assert info.value.field == "lr"


def test_rejection_messages_say_what_is_allowed():
    with pytest.raises(pycore.SpecError, match="must be > num_warmup_steps \\(10\\)"):
        pycore.validate(spec("linear", num_warmup_steps=10, num_training_steps=10))
    with pytest.raises(pycore.SpecError, match="must be < the base lr \\(0.1\\)"):
        pycore.validate(spec("polynomial", lr_end=0.1, **COSINE))
    with pytest.raises(pycore.SpecError, match=">= num_warmup_steps \\+ num_decay_steps \\(30\\)"):
        pycore.validate(spec("warmup_stable_decay", **dict(WSD, num_training_steps=29)))


def test_wsd_accepts_a_zero_stable_phase_and_zero_warmup():
    got = series("warmup_stable_decay", 40, num_warmup_steps=0, num_decay_steps=20,
                 num_training_steps=20, decay_type="linear")
    assert got[0] == LR and got[10] == LR * 0.5 and got[20:] == [0.0] * 20


def code(name, lr=LR, **params):
    return pycore.to_code(spec(name, lr, **params))


def test_code_for_constant_passes_nothing_else():
    assert code("constant") == (
        "import torch\n"
        "from transformers import get_scheduler\n"
        "\n"
        "optimizer = torch.optim.AdamW(model.parameters(), lr=0.1)\n"
        'scheduler = get_scheduler("constant", optimizer)\n')


def test_code_puts_step_counts_first_and_the_rest_in_kwargs():
    text = code("cosine", 3e-4, num_warmup_steps=10, num_training_steps=100, num_cycles=1.5)
    assert text.endswith(
        "optimizer = torch.optim.AdamW(model.parameters(), lr=0.0003)\n"
        "scheduler = get_scheduler(\n"
        '    "cosine",\n'
        "    optimizer,\n"
        "    num_warmup_steps=10,\n"
        "    num_training_steps=100,\n"
        '    scheduler_specific_kwargs={"num_cycles": 1.5},\n'
        ")\n")


def test_code_leaves_out_defaults():
    text = code("cosine", num_warmup_steps=10, num_training_steps=100, num_cycles=0.5)
    assert "scheduler_specific_kwargs" not in text
    text = code("polynomial", num_warmup_steps=0, num_training_steps=9, lr_end=1e-7)
    assert "lr_end" not in text and "power" not in text


def test_code_for_the_min_lr_names_passes_the_given_floor():
    text = code("cosine_with_min_lr", min_lr=0.01, **COSINE)
    assert '"min_lr": 0.01' in text and "min_lr_rate" not in text
    text = code("cosine_warmup_with_min_lr", min_lr_rate=0.1, **COSINE)
    assert '"min_lr_rate": 0.1' in text and '"min_lr"' not in text


def test_code_for_wsd_always_passes_num_decay_steps():
    text = code("warmup_stable_decay", num_warmup_steps=0, num_decay_steps=5,
                num_stable_steps=7)
    assert '{"num_decay_steps": 5, "num_stable_steps": 7}' in text
    assert "num_training_steps" not in text
    text = code("warmup_stable_decay", **WSD)
    assert "num_training_steps=100" in text and '{"num_decay_steps": 20}' in text


def test_code_for_inverse_sqrt_passes_no_training_steps():
    text = code("inverse_sqrt", num_warmup_steps=5, timescale=50)
    assert "num_training_steps" not in text and '{"timescale": 50}' in text


def test_code_for_reduce_lr_on_plateau_passes_torchs_arguments_and_says_how_to_step():
    text = pycore.to_code(PLATEAU)
    assert '"reduce_lr_on_plateau"' in text
    assert 'scheduler_specific_kwargs={"factor": 0.5, "patience": 1}' in text
    assert "scheduler.step(metric)" in text and "num_warmup_steps" not in text


def test_code_has_no_training_steps_where_get_scheduler_ignores_them():
    assert "num_training_steps" not in code("constant_with_warmup", num_warmup_steps=3)


def test_every_name_has_a_doc_page():
    for cls in sched_transformers.SCHEDULES:
        assert cls.doc.startswith("https://huggingface.co/docs/transformers/")
