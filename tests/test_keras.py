"""Unit tests of pycore's Keras 3 schedules: values, edges, validation, catalogue, code.

Parity with Keras itself is in test_parity_keras.py; these run without Keras.
"""
import ast
import math
import random

import pytest

import pycore
from pycore import sched_keras

NAMES = ["ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay", "InverseTimeDecay",
         "CosineDecay", "CosineDecayRestarts"]


def spec(name, /, **params):
    return {"framework": "keras", "name": name, "params": params}


def series(name, n, **params):
    return pycore.lr_series(spec(name, **params), n)


def at(name, t, **params):
    return pycore.lr_at(spec(name, **params), t)


# --- catalogue -----------------------------------------------------------------------------

def test_catalogue_lists_the_six_classes_in_keras_order():
    entries = [e for e in pycore.catalog() if e["framework"] == "keras"]
    assert [e["name"] for e in entries] == NAMES
    for e in entries:
        assert e["doc"].startswith("https://keras.io/api/optimizers/learning_rate_schedules/")
        assert e["summary"] and "name argument" in e["notes"]
        assert "name" not in [p["name"] for p in e["params"]]
        assert all(p["help"] and p["where"] == "params" for p in e["params"])


def test_catalogue_defaults_are_keras_defaults():
    entries = dict((e["name"], dict((p["name"], p) for p in e["params"]))
                   for e in pycore.catalog() if e["framework"] == "keras")
    assert entries["PolynomialDecay"]["end_learning_rate"]["default"] == 0.0001
    assert entries["PolynomialDecay"]["power"]["default"] == 1.0
    assert entries["CosineDecay"]["warmup_target"]["default"] is None
    assert entries["CosineDecayRestarts"]["t_mul"]["default"] == 2.0
    assert entries["CosineDecayRestarts"]["m_mul"]["default"] == 1.0
    assert entries["ExponentialDecay"]["staircase"]["default"] is False


# --- values --------------------------------------------------------------------------------

def test_piecewise_constant_changes_one_step_after_each_boundary():
    got = series("PiecewiseConstantDecay", 9, boundaries=[2, 6], values=[1.0, 0.5, 0.25])
    assert got == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25]
    p = {"boundaries": [2, 6], "values": [1.0, 0.5, 0.25]}
    assert [at("PiecewiseConstantDecay", t, **p) for t in range(9)] == got
    assert at("PiecewiseConstantDecay", 2 ** 53, **p) == 0.25


def test_piecewise_constant_boundary_zero_uses_the_first_value_once():
    p = {"boundaries": [0], "values": [0.3, 0.1]}
    assert series("PiecewiseConstantDecay", 3, **p) == [0.3, 0.1, 0.1]


def test_piecewise_constant_short_series_stop_before_the_boundaries():
    p = {"boundaries": [5, 9], "values": [0.3, 0.2, 0.1]}
    assert series("PiecewiseConstantDecay", 2, **p) == [0.3, 0.3]
    assert series("PiecewiseConstantDecay", 0, **p) == []


def test_piecewise_constant_whole_number_values_become_floats():
    clean = pycore.validate(spec("PiecewiseConstantDecay", boundaries=[3.0], values=[1, 0]))
    assert clean["params"] == {"boundaries": [3], "values": [1.0, 0.0]}
    assert all(type(v) is float for v in series("PiecewiseConstantDecay", 6, boundaries=[3],
                                                  values=[1, 0]))


def test_polynomial_clamps_at_the_default_end_of_1e_4():
    p = {"initial_learning_rate": 0.1, "decay_steps": 10.0}
    assert at("PolynomialDecay", 5, **p) == pytest.approx(0.05005, rel=1e-15)
    assert at("PolynomialDecay", 10, **p) == 0.0001
    assert at("PolynomialDecay", 10 ** 12, **p) == 0.0001


def test_polynomial_cycle_reaches_end_at_each_multiple_and_jumps_back_up():
    got = series("PolynomialDecay", 9, initial_learning_rate=0.1, decay_steps=4.0,
                 end_learning_rate=0.0, cycle=True)
    assert got == pytest.approx([0.1, 0.075, 0.05, 0.025, 0.0, 0.0375, 0.025, 0.0125, 0.0],
                                rel=1e-15, abs=1e-18)


def test_polynomial_power_shapes_the_curve():
    p = {"initial_learning_rate": 1.0, "decay_steps": 10.0, "end_learning_rate": 0.0}
    assert at("PolynomialDecay", 5, power=2.0, **p) == pytest.approx(0.25, rel=1e-15)
    assert at("PolynomialDecay", 5, power=0.5, **p) == pytest.approx(0.5 ** 0.5, rel=1e-15)


def test_polynomial_rises_when_the_end_is_above_the_start():
    got = series("PolynomialDecay", 12, initial_learning_rate=0.0, decay_steps=10.0,
                 end_learning_rate=0.1)
    assert got[0] == 0.0 and got[5] == pytest.approx(0.05, rel=1e-15)
    assert got[10:] == [0.1, 0.1]


def test_polynomial_cycle_stays_real_up_to_the_last_step():
    p = {"initial_learning_rate": 0.1, "decay_steps": 3.0, "power": 0.5, "cycle": True}
    for t in range(2 ** 53 - 40, 2 ** 53 + 1):
        v = at("PolynomialDecay", t, **p)
        assert type(v) is float and 0.0001 <= v <= 0.1


def test_cosine_without_warmup_falls_to_alpha_times_lr0_and_stays():
    p = {"initial_learning_rate": 0.2, "decay_steps": 100.0, "alpha": 0.1}
    assert at("CosineDecay", 0, **p) == pytest.approx(0.2, rel=1e-15)
    assert at("CosineDecay", 50, **p) == pytest.approx(0.2 * (0.9 * 0.5 + 0.1), rel=1e-15)
    assert at("CosineDecay", 100, **p) == pytest.approx(0.02, rel=1e-15)
    assert at("CosineDecay", 10 ** 9, **p) == at("CosineDecay", 100, **p)


def test_cosine_warmup_climbs_from_initial_and_decay_steps_exclude_it():
    p = {"initial_learning_rate": 0.01, "decay_steps": 20.0, "warmup_target": 0.1,
         "warmup_steps": 10.0, "alpha": 0.5}
    got = series("CosineDecay", 40, **p)
    assert got[0] == 0.01
    assert got[5] == pytest.approx(0.055, rel=1e-15)
    assert got[10] == pytest.approx(0.1, rel=1e-15)
    assert max(got) == got[10]
    assert got[30] == pytest.approx(0.05, rel=1e-15)
    assert got[31:] == [got[30]] * 9


def test_cosine_warmup_to_its_start_holds_then_decays():
    got = series("CosineDecay", 6, initial_learning_rate=0.1, decay_steps=2.0,
                 warmup_target=0.1, warmup_steps=3.0)
    assert got[:4] == pytest.approx([0.1] * 4, rel=1e-15)
    assert got[5] == pytest.approx(0.0, abs=1e-17)


def test_cosine_with_warmup_matches_transformers_cosine_up_to_its_end():
    # HF cosine(W=5, T=30) is Keras CosineDecay(0.0, 25, warmup_target=b, warmup_steps=5).
    b, W, T = 0.3, 5, 30
    got = series("CosineDecay", T + 1, initial_learning_rate=0.0, decay_steps=25.0,
                 warmup_target=b, warmup_steps=5.0)
    for t in range(T + 1):
        hf = b * t / W if t < W else b * 0.5 * (1 + math.cos(math.pi * (t - W) / (T - W)))
        assert got[t] == pytest.approx(hf, rel=1e-14, abs=1e-16)


def cawr(base, eta, T0, t):
    """PyTorch CosineAnnealingWarmRestarts(T_0, T_mult=2, eta_min) at step t."""
    T_i, start = T0, 0
    while t >= start + T_i:
        start, T_i = start + T_i, 2 * T_i
    return eta + (base - eta) * (1 + math.cos(math.pi * (t - start) / T_i)) / 2


def test_restarts_with_t_mul_2_match_pytorch_warm_restarts():
    got = series("CosineDecayRestarts", 200, initial_learning_rate=0.1, first_decay_steps=5.0,
                 alpha=0.05)
    for t in range(200):
        assert got[t] == pytest.approx(cawr(0.1, 0.005, 5, t), rel=1e-12, abs=1e-15)
    assert [got[t] for t in (0, 5, 15, 35, 75, 155)] == pytest.approx([0.1] * 6, rel=1e-15)


def test_restarts_m_mul_scales_only_the_part_above_the_floor():
    p = {"initial_learning_rate": 1.0, "first_decay_steps": 4.0, "t_mul": 1.0, "m_mul": 0.5,
         "alpha": 0.2}
    peaks = [at("CosineDecayRestarts", 4 * i, **p) for i in range(4)]
    assert peaks == pytest.approx([0.2 + 0.8 * 0.5 ** i for i in range(4)], rel=1e-15)
    assert at("CosineDecayRestarts", 10 ** 6, **p) == pytest.approx(0.2, rel=1e-15)


def test_restarts_with_m_mul_0_stay_at_the_floor_after_the_first_cycle():
    got = series("CosineDecayRestarts", 20, initial_learning_rate=1.0, first_decay_steps=5.0,
                 m_mul=0.0, alpha=0.1)
    assert got[0] == 1.0 and got[5:] == pytest.approx([0.1] * 15, rel=1e-15)


def test_restarts_with_t_mul_1_repeat_every_first_decay_steps():
    got = series("CosineDecayRestarts", 60, initial_learning_rate=0.1, first_decay_steps=12.0,
                 t_mul=1.0)
    assert got[12:24] == pytest.approx(got[:12], rel=1e-15)
    assert got[36:48] == pytest.approx(got[:12], rel=1e-15)


def test_restarts_cycle_index_is_a_float_log_like_keras():
    # Step 121 starts cycle 5 of t_mul=3, but log(243) / log(3) is 4.999999999999999 in
    # float64, so Keras (float64) and pycore put it at the end of cycle 4: the floor.
    p = {"initial_learning_rate": 0.1, "first_decay_steps": 1.0, "t_mul": 3.0, "alpha": 0.1}
    assert at("CosineDecayRestarts", 121, **p) == pytest.approx(0.01, rel=1e-12)
    assert at("CosineDecayRestarts", 122, **p) == pytest.approx(0.1, rel=1e-3)
    assert at("CosineDecayRestarts", 40, **p) == pytest.approx(0.1, rel=1e-15)


def test_exponential_growth_overflows_to_inf_without_an_error():
    for staircase in (False, True):
        p = {"initial_learning_rate": 0.1, "decay_steps": 2.0, "decay_rate": 1.5,
             "staircase": staircase}
        assert at("ExponentialDecay", 10 ** 6, **p) == math.inf
        got = series("ExponentialDecay", 5000, **p)
        assert got[-1] == math.inf and math.isfinite(got[1000])
        assert got == [at("ExponentialDecay", t, **p) for t in range(5000)]


def test_exponential_decay_underflows_to_zero():
    assert at("ExponentialDecay", 2 ** 53, initial_learning_rate=0.1, decay_steps=1.0,
              decay_rate=0.5) == 0.0


def test_inverse_time_with_rate_0_is_constant():
    assert series("InverseTimeDecay", 4, initial_learning_rate=0.1, decay_steps=1.0,
                  decay_rate=0.0) == [0.1] * 4


def random_spec(name, rng):
    """A random valid spec of the class (no Keras needed)."""
    lr0 = 10 ** rng.uniform(-5, 0)
    steps = rng.choice([float(rng.randint(1, 300)), rng.uniform(0.5, 300)])
    if name in ("ExponentialDecay", "InverseTimeDecay"):
        return spec(name, initial_learning_rate=lr0, decay_steps=steps,
                    decay_rate=rng.uniform(0, 1.5) + 0.01, staircase=rng.random() < 0.5)
    if name == "PiecewiseConstantDecay":
        bounds = sorted(rng.sample(range(0, 800), rng.randint(1, 8)))
        return spec(name, boundaries=bounds, values=[10 ** rng.uniform(-5, 0)
                                                     for _ in range(len(bounds) + 1)])
    if name == "PolynomialDecay":
        cycle = rng.random() < 0.5
        return spec(name, initial_learning_rate=lr0,
                    decay_steps=float(rng.randint(1, 300)) if cycle else steps,
                    end_learning_rate=lr0 * rng.uniform(0, 2), power=rng.uniform(0.2, 4),
                    cycle=cycle)
    if name == "CosineDecay":
        p = {"initial_learning_rate": lr0, "decay_steps": steps, "alpha": rng.uniform(0, 1)}
        if rng.random() < 0.5:
            p.update(warmup_target=lr0 * rng.uniform(1, 10), warmup_steps=rng.uniform(1, 200))
        return spec(name, **p)
    return spec(name, initial_learning_rate=lr0, first_decay_steps=steps,
                t_mul=rng.choice([1.0, 2.0, rng.uniform(1, 3)]), m_mul=rng.uniform(0, 1),
                alpha=rng.uniform(0, 1))


@pytest.mark.parametrize("name", NAMES)
def test_at_equals_series_exactly(name):
    rng = random.Random(NAMES.index(name))
    for _ in range(20):
        s = random_spec(name, rng)
        got = pycore.lr_series(s, 700)
        assert got == [pycore.lr_at(s, t) for t in range(700)], s


@pytest.mark.parametrize("name", NAMES)
def test_far_steps_give_finite_values(name):
    rng = random.Random(100 + NAMES.index(name))
    for _ in range(20):
        s = random_spec(name, rng)
        for t in (10 ** 7, 2 ** 40, 2 ** 53 - 1, 2 ** 53):
            v = pycore.lr_at(s, t)
            assert type(v) is float and (math.isfinite(v) or s["name"] == "ExponentialDecay")


def test_huge_cosine_phases_do_not_overflow():
    p = {"initial_learning_rate": 0.0, "decay_steps": 1.5e308, "warmup_target": 0.1,
         "warmup_steps": 1.5e308}
    assert series("CosineDecay", 3, **p) == [0.0, 0.1 / 1.5e308, 0.2 / 1.5e308]
    assert at("CosineDecay", 2 ** 53, **p) == pytest.approx(0.1 * 2 ** 53 / 1.5e308)


def test_tiny_first_decay_steps_with_t_mul_1_stay_finite():
    s = spec("CosineDecayRestarts", initial_learning_rate=0.1,
             first_decay_steps=sched_keras.MIN_STEPS, t_mul=1.0, m_mul=0.5)
    assert pycore.lr_at(s, 2 ** 53) == 0.0


# --- validation ----------------------------------------------------------------------------

REJECTED = [
    # (name, params, field, words in the message)
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 0.5},
     "decay_steps", "> 0"),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 1e-300,
                          "decay_rate": 0.5}, "decay_steps", "overflow"),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 1, "decay_rate": 0},
     "decay_rate", "> 0"),
    ("ExponentialDecay", {"initial_learning_rate": 0.0, "decay_steps": 1, "decay_rate": 0.5},
     "initial_learning_rate", "> 0"),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 1, "decay_rate": 0.5,
                          "name": "x"}, "name", "not a parameter"),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 1, "decay_rate": -1},
     "decay_rate", ">= 0"),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": -2, "decay_rate": 1},
     "decay_steps", "> 0"),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 1e-299,
                          "decay_rate": 0}, "decay_steps", "overflow"),
    ("PiecewiseConstantDecay", {"boundaries": [10, 20], "values": [0.1, 0.01]},
     "values", "one more entry than boundaries (3)"),
    ("PiecewiseConstantDecay", {"boundaries": [10], "values": [0.1, 0.01, 0.001]},
     "values", "one more entry than boundaries (2)"),
    ("PiecewiseConstantDecay", {"boundaries": [], "values": [0.1]}, "boundaries", "at least 1"),
    ("PiecewiseConstantDecay", {"boundaries": [10, 10], "values": [0.1, 0.01, 0.001]},
     "boundaries[1]", "increasing"),
    ("PiecewiseConstantDecay", {"boundaries": [10, 5], "values": [0.1, 0.01, 0.001]},
     "boundaries[1]", "increasing"),
    ("PiecewiseConstantDecay", {"boundaries": [-1], "values": [0.1, 0.01]},
     "boundaries[0]", ">= 0"),
    ("PiecewiseConstantDecay", {"boundaries": [2.5], "values": [0.1, 0.01]},
     "boundaries[0]", "whole number"),
    ("PiecewiseConstantDecay", {"boundaries": [2], "values": [0.1, -0.01]},
     "values[1]", ">= 0"),
    ("PiecewiseConstantDecay", {"boundaries": [2], "values": [0, 0.0]},
     "values", "not all be 0"),
    ("PiecewiseConstantDecay", {"boundaries": 5, "values": [0.1, 0.01]},
     "boundaries", "list"),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 0}, "decay_steps", "> 0"),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "power": 0},
     "power", "> 0"),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "power": -1},
     "power", "> 0"),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10,
                         "end_learning_rate": -0.1}, "end_learning_rate", ">= 0"),
    ("PolynomialDecay", {"initial_learning_rate": -0.1, "decay_steps": 10},
     "initial_learning_rate", ">= 0"),
    ("PolynomialDecay", {"initial_learning_rate": 0.0, "decay_steps": 10,
                         "end_learning_rate": 0.0}, "end_learning_rate", "0 throughout"),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10.5, "cycle": True},
     "decay_steps", "whole number when cycle"),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 0}, "decay_steps", "> 0"),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "alpha": -0.1},
     "alpha", ">= 0 and <= 1"),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 1.5},
     "alpha", ">= 0 and <= 1"),
    ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 10},
     "initial_learning_rate", "0 throughout"),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "warmup_steps": 5},
     "warmup_steps", "without warmup_target"),
    ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 10, "warmup_target": 0.1},
     "warmup_steps", "> 0 when warmup_target"),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "warmup_target": 0.01,
                     "warmup_steps": 5}, "warmup_target", ">= initial_learning_rate"),
    ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 10, "warmup_target": 0.0,
                     "warmup_steps": 5}, "warmup_target", "> 0"),
    ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 10, "warmup_target": 0.1,
                     "warmup_steps": -5}, "warmup_steps", ">= 0"),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 0},
     "first_decay_steps", "> 0"),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 10,
                             "t_mul": 0.5}, "t_mul", ">= 1"),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 10,
                             "m_mul": 1.5}, "m_mul", "<= 1"),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 10,
                             "m_mul": -0.5}, "m_mul", ">= 0"),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 10,
                             "alpha": 2}, "alpha", "<= 1"),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.0, "first_decay_steps": 10},
     "initial_learning_rate", "> 0"),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 1e-292,
                             "t_mul": 4.0}, "first_decay_steps", "cycle lengths overflow"),
]


@pytest.mark.parametrize("name, params, field, words", REJECTED)
def test_rejections_name_the_field_and_what_is_allowed(name, params, field, words):
    with pytest.raises(pycore.SpecError) as err:
        pycore.validate(spec(name, **params))
    assert err.value.field == "params." + field
    assert words in str(err.value)


# --- code ----------------------------------------------------------------------------------

def schedule_call(code):
    """The keyword arguments of the schedule constructor in a snippet, as values."""
    tree = ast.parse(code)
    assert [type(node).__name__ for node in tree.body] == ["Import", "Assign", "Assign"]
    target, call = tree.body[1].targets[0].id, tree.body[1].value
    assert target == "lr_schedule" and not call.args
    return ast.unparse(call.func), dict((k.arg, ast.literal_eval(k.value))
                                        for k in call.keywords)


def test_to_code_writes_the_keras_constructor_and_an_optimizer():
    code = pycore.to_code(spec("CosineDecay", initial_learning_rate=0.0, decay_steps=900,
                               warmup_target=0.1, warmup_steps=100))
    assert code.startswith("import keras\n")
    assert schedule_call(code) == ("keras.optimizers.schedules.CosineDecay", {
        "initial_learning_rate": 0.0, "decay_steps": 900.0, "warmup_target": 0.1,
        "warmup_steps": 100.0})
    assert code.endswith("optimizer = keras.optimizers.SGD(learning_rate=lr_schedule)\n")


def test_to_code_omits_defaults_and_writes_values_as_floats():
    code = pycore.to_code(spec("PiecewiseConstantDecay", boundaries=[100, 200],
                               values=[1, 0.5, 0]))
    kwargs = schedule_call(code)[1]
    assert kwargs == {"boundaries": [100, 200], "values": [1.0, 0.5, 0.0]}
    assert [type(v) for v in kwargs["values"]] == [float] * 3
    code = pycore.to_code(spec("CosineDecayRestarts", initial_learning_rate=0.1,
                               first_decay_steps=10, t_mul=2.0, m_mul=1.0))
    assert schedule_call(code)[1] == {"initial_learning_rate": 0.1, "first_decay_steps": 10.0}


@pytest.mark.parametrize("name", NAMES)
def test_to_code_keeps_every_parameter_exact(name):
    clean = pycore.validate(random_spec(name, random.Random(7 + NAMES.index(name))))
    func, kwargs = schedule_call(pycore.to_code(clean))
    assert func == "keras.optimizers.schedules." + name
    defaults = dict((p.name, p.default) for p in pycore.spec.REGISTRY[("keras", name)].params)
    assert dict(defaults, **kwargs) == clean["params"]
