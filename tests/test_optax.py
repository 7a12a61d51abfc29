"""optax schedules in pycore: formulas at their edges, composition, validation, code export."""
import math
import os
import sys

import pytest

import pycore
from pycore.sched_optax import COUNT_MAX

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cases import optax as optax_cases  # noqa: E402
from cases.lcg import Lcg  # noqa: E402


def spec(name, **params):
    return {"framework": "optax", "name": name, "params": params}


def series(name, n, **params):
    return pycore.lr_series(spec(name, **params), n)


def at(name, t, **params):
    return pycore.lr_at(spec(name, **params), t)


CASES = optax_cases.cases(Lcg(97))


# ---- catalogue ---------------------------------------------------------------------------

def test_catalogue_order_is_the_issue_order():
    assert pycore.names("optax") == [
        "constant_schedule", "linear_schedule", "polynomial_schedule", "exponential_decay",
        "cosine_decay_schedule", "warmup_constant_schedule", "warmup_cosine_decay_schedule",
        "warmup_exponential_decay_schedule", "piecewise_constant_schedule",
        "piecewise_interpolate_schedule", "join_schedules", "sgdr_schedule",
        "cosine_onecycle_schedule", "linear_onecycle_schedule"]


def test_catalogue_uses_optax_kinds_and_documents_the_int32_count():
    entries = dict((e["name"], e) for e in pycore.catalog() if e["framework"] == "optax")
    kinds = dict((p["name"], p["kind"]) for e in entries.values() for p in e["params"])
    assert kinds["boundaries_and_scales"] == "map"
    assert kinds["schedules"] == "schedule list"
    assert kinds["cosine_kwargs"] == "kwargs list"
    sgdr = entries["sgdr_schedule"]["params"][0]
    assert sgdr["schedule"] == "warmup_cosine_decay_schedule"
    for name in ("constant_schedule", "cosine_decay_schedule", "piecewise_constant_schedule",
                 "join_schedules"):
        assert entries[name]["notes"] == ""
    assert "float32" in entries["linear_schedule"]["notes"]
    for e in entries.values():
        assert e["doc"].endswith("#optax.schedules." + e["name"])


# ---- formulas and their edges ---------------------------------------------------------------

def test_linear_runs_from_init_to_end_then_holds():
    assert series("linear_schedule", 7, init_value=1.0, end_value=0.0, transition_steps=4,
                  transition_begin=2) == [1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0]


@pytest.mark.parametrize("steps", [0, -3])
def test_no_transition_steps_hold_init_value(steps):
    assert series("linear_schedule", 5, init_value=0.1, end_value=0.3,
                  transition_steps=steps) == [0.1] * 5
    assert series("exponential_decay", 5, init_value=0.1, transition_steps=steps,
                  decay_rate=0.5, end_value=0.01) == [0.1] * 5


def test_negative_transition_begin_counts_as_zero():
    early = series("polynomial_schedule", 30, init_value=0.1, end_value=0.0, power=2.0,
                   transition_steps=20, transition_begin=-7)
    assert early == series("polynomial_schedule", 30, init_value=0.1, end_value=0.0,
                           power=2.0, transition_steps=20)


def test_polynomial_power_zero_is_constant_even_at_the_end():
    assert series("polynomial_schedule", 6, init_value=0.2, end_value=0.0, power=0.0,
                  transition_steps=3) == [0.2] * 6


def test_linear_uses_optax_operation_order():
    """(init - end) * (1 - t/T) + end, not init + (end - init) * t/T."""
    got = at("linear_schedule", 3, init_value=0.1, end_value=0.3, transition_steps=10)
    assert got == (0.1 - 0.3) * (1 - 3 / 10) + 0.3


def test_exponential_staircase_and_begin():
    got = series("exponential_decay", 9, init_value=1.0, transition_steps=2, decay_rate=0.5,
                 transition_begin=3, staircase=True)
    assert got == [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25]


def test_exponential_end_value_is_a_floor_for_decay_and_a_cap_for_growth():
    down = series("exponential_decay", 6, init_value=1.0, transition_steps=1, decay_rate=0.5,
                  end_value=0.2)
    assert down == [1.0, 0.5, 0.25, 0.2, 0.2, 0.2]
    up = series("exponential_decay", 6, init_value=1.0, transition_steps=1, decay_rate=2.0,
                end_value=5.0)
    assert up == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_exponential_rate_zero_holds_init_value():
    assert series("exponential_decay", 4, init_value=0.1, transition_steps=5,
                  decay_rate=0.0) == [0.1] * 4


def test_exponential_growth_overflows_to_inf_as_float64_optax():
    s = spec("exponential_decay", init_value=0.1, transition_steps=1, decay_rate=2.0)
    values = pycore.lr_series(s, 1100)
    assert values[1000] == 0.1 * 2.0 ** 1000 and values[1099] == math.inf
    assert pycore.lr_at(s, 5000) == math.inf
    zero = spec("exponential_decay", init_value=0.0, transition_steps=1, decay_rate=2.0)
    assert math.isnan(pycore.lr_at(zero, 5000)) and pycore.lr_at(zero, 5) == 0.0


def test_cosine_decay_holds_alpha_times_init_after_decay_steps():
    got = series("cosine_decay_schedule", 8, init_value=1.0, decay_steps=4, alpha=0.1)
    assert got[0] == 1.0 and got[2] == pytest.approx(0.55, rel=1e-15)
    assert got[4:] == [0.1] * 4


def test_cosine_exponent_applies_before_alpha():
    got = at("cosine_decay_schedule", 1, init_value=2.0, decay_steps=4, alpha=0.2,
             exponent=2.0)
    cd = 0.5 * (1 + math.cos(math.pi * 1 / 4))
    assert got == 2.0 * ((1 - 0.2) * cd ** 2.0 + 0.2)


def test_warmup_constant_reaches_peak_at_warmup_steps():
    got = series("warmup_constant_schedule", 6, init_value=0.0, peak_value=0.4,
                 warmup_steps=4)
    assert got == [(0.0 - 0.4) * (1 - t / 4) + 0.4 for t in range(5)] + [0.4]
    assert got[1] == 0.09999999999999998  # optax's operation order, not 0.1


def test_warmup_cosine_decay_steps_include_the_warmup():
    s = spec("warmup_cosine_decay_schedule", init_value=0.0, peak_value=0.1, warmup_steps=5,
             end_value=0.003, decay_steps=30)
    values = pycore.lr_series(s, 40)
    assert values[0] == 0.0 and values[5] == 0.1
    assert values[30] == 0.1 * (0.003 / 0.1)  # optax's alpha = end / peak, times peak
    assert values[30:] == [values[30]] * 10
    assert max(values) == 0.1


def test_warmup_cosine_without_warmup_starts_at_peak():
    assert at("warmup_cosine_decay_schedule", 0, init_value=0.5, peak_value=0.1,
              warmup_steps=0, decay_steps=10) == 0.1


def test_warmup_cosine_with_zero_peak_is_zero():
    assert series("warmup_cosine_decay_schedule", 5, init_value=0.0, peak_value=0.0,
                  warmup_steps=1, decay_steps=3) == [0.0] * 5


def test_warmup_exponential_counts_its_begin_from_the_end_of_warmup():
    got = series("warmup_exponential_decay_schedule", 8, init_value=0.0, peak_value=1.0,
                 warmup_steps=2, transition_steps=1, decay_rate=0.5, transition_begin=2)
    assert got == [0.0, 0.5, 1.0, 1.0, 1.0, 0.5, 0.25, 0.125]


def test_piecewise_constant_applies_a_scale_from_its_boundary():
    got = series("piecewise_constant_schedule", 7, init_value=1.0,
                 boundaries_and_scales={"2": 0.5, "5": 0.5})
    assert got == [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_piecewise_constant_boundary_at_zero_and_no_boundaries():
    assert series("piecewise_constant_schedule", 2, init_value=1.0,
                  boundaries_and_scales={0: 0.1}) == [0.1, 0.1]
    assert series("piecewise_constant_schedule", 2, init_value=1.0) == [1.0, 1.0]
    assert series("piecewise_constant_schedule", 2, init_value=1.0,
                  boundaries_and_scales={}) == [1.0, 1.0]


def test_piecewise_interpolate_linear_between_running_products():
    got = series("piecewise_interpolate_schedule", 12, interpolate_type="linear",
                 init_value=1.0, boundaries_and_scales={4: 0.1, 8: 0.1})
    assert got[0] == 1.0 and got[2] == 0.55 and got[4] == 0.1
    assert got[6] == pytest.approx(0.055, rel=1e-15)
    assert got[8:] == [0.1 * 0.1] * 4


def test_piecewise_interpolate_boundary_at_zero_scales_the_start():
    """optax issue 1403: a boundary at 0 makes an empty first interval, never used."""
    got = series("piecewise_interpolate_schedule", 6, interpolate_type="cosine",
                 init_value=1.0, boundaries_and_scales={0: 2.0, 4: 0.5})
    assert got[0] == 2.0 and got[4:] == [1.0, 1.0]
    assert series("piecewise_interpolate_schedule", 3, interpolate_type="linear",
                  init_value=1.0, boundaries_and_scales={0: 3.0}) == [3.0] * 3


def test_join_gives_each_schedule_its_own_step_count():
    s = spec("join_schedules", boundaries=[3, 5], schedules=[
        spec("linear_schedule", init_value=0.0, end_value=0.3, transition_steps=3),
        spec("constant_schedule", value=0.7),
        spec("exponential_decay", init_value=1.0, transition_steps=1, decay_rate=0.5)])
    assert pycore.lr_series(s, 8) == [0.0, 0.09999999999999998, 0.19999999999999998, 0.7,
                                      0.7, 1.0, 0.5, 0.25]
    assert pycore.lr_at(s, 7) == 0.25


def test_nested_join_restarts_time_at_each_level():
    inner = spec("join_schedules", boundaries=[2], schedules=[
        spec("constant_schedule", value=1.0),
        spec("linear_schedule", init_value=1.0, end_value=0.0, transition_steps=2)])
    outer = spec("join_schedules", boundaries=[1], schedules=[
        spec("constant_schedule", value=9.0), inner])
    assert pycore.lr_series(outer, 7) == [9.0, 1.0, 1.0, 1.0, 0.5, 0.0, 0.0]


def test_sgdr_restarts_at_each_cycles_decay_steps():
    s = spec("sgdr_schedule", cosine_kwargs=[
        {"init_value": 1.0, "peak_value": 1.0, "warmup_steps": 0, "decay_steps": 4},
        {"init_value": 0.0, "peak_value": 0.5, "warmup_steps": 2, "decay_steps": 6}])
    got = pycore.lr_series(s, 12)
    assert got[0] == 1.0 and got[4] == 0.0 and got[6] == 0.5
    assert got[3] == pytest.approx(0.5 * (1 + math.cos(math.pi * 3 / 4)), rel=1e-15)
    assert got[10:] == [0.0, 0.0]


def test_cosine_onecycle_peaks_at_int_pct_start_and_ends_at_transition_steps():
    got = series("cosine_onecycle_schedule", 12, transition_steps=10, peak_value=1.0)
    assert got.index(max(got)) == 3 and got[3] == 1.0
    assert got[0] == 1.0 + (1.0 / 25.0 - 1.0) / 2.0 * 2  # 0.040000000000000036
    assert got[10] == got[11] == 1.0 / 25.0 * 25.0 * (1.0 / (25.0 * 1e4))


def test_linear_onecycle_has_three_straight_phases():
    got = series("linear_onecycle_schedule", 12, transition_steps=10, peak_value=1.0,
                 div_factor=10.0, final_div_factor=100.0)
    assert got[:4] == pytest.approx([0.1, 0.4, 0.7, 1.0], rel=1e-15)
    assert got[8] == pytest.approx(0.1, rel=1e-15)
    assert got[10] == got[11] == pytest.approx(0.001, rel=1e-15)


def test_onecycle_with_pct_start_zero_starts_at_peak():
    assert at("cosine_onecycle_schedule", 0, transition_steps=10, peak_value=0.2,
              pct_start=0.0) == 0.2


def test_at_holds_the_int32_count_of_optax_optimizers():
    s = spec("linear_schedule", init_value=1.0, end_value=0.0, transition_steps=COUNT_MAX)
    assert pycore.lr_at(s, 2 ** 40) == pycore.lr_at(s, COUNT_MAX) == 0.0
    assert pycore.lr_at(s, COUNT_MAX - 1) > 0.0


@pytest.mark.parametrize("c", CASES, ids=lambda c: c["spec"]["name"])
def test_at_equals_series_exactly(c):
    schedule = pycore.build(c["spec"])
    values = schedule.series(c["n"])
    assert len(values) == c["n"]
    for t, v in enumerate(values):
        a = schedule.at(t)
        assert a == v or (a != a and v != v), t  # nan where optax gives nan (0 * inf)
    assert schedule.series(0) == []


# ---- validation: each refusal ---------------------------------------------------------------

WC = {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 10, "decay_steps": 100}
REJECTED = [
    ("negative value", spec("constant_schedule", value=-0.1), "params.value"),
    ("negative power", spec("polynomial_schedule", init_value=0.1, end_value=0.0, power=-1.0,
                            transition_steps=10), "params.power"),
    ("steps beyond int32", spec("linear_schedule", init_value=0.1, end_value=0.0,
                                transition_steps=2 ** 31), "params.transition_steps"),
    ("negative decay_rate", spec("exponential_decay", init_value=0.1, transition_steps=10,
                                 decay_rate=-0.5), "params.decay_rate"),
    ("end_value above a decay", spec("exponential_decay", init_value=0.1, transition_steps=10,
                                     decay_rate=0.5, end_value=0.2), "params.end_value"),
    ("end_value below growth", spec("exponential_decay", init_value=0.1, transition_steps=10,
                                    decay_rate=1.0, end_value=0.05), "params.end_value"),
    ("cosine without steps", spec("cosine_decay_schedule", init_value=0.1, decay_steps=0),
     "params.decay_steps"),
    ("alpha above 1", spec("cosine_decay_schedule", init_value=0.1, decay_steps=10,
                           alpha=1.5), "params.alpha"),
    ("negative exponent", spec("cosine_decay_schedule", init_value=0.1, decay_steps=10,
                               exponent=-1.0), "params.exponent"),
    ("warmup of no steps", spec("warmup_constant_schedule", init_value=0.0, peak_value=0.1,
                                warmup_steps=0), "params.warmup_steps"),
    ("decay_steps equal to warmup", spec("warmup_cosine_decay_schedule", **dict(
        WC, decay_steps=10)), "params.decay_steps"),
    ("decay_steps inside warmup", spec("warmup_cosine_decay_schedule", **dict(
        WC, decay_steps=5)), "params.decay_steps"),
    ("negative warmup", spec("warmup_cosine_decay_schedule", **dict(WC, warmup_steps=-1)),
     "params.warmup_steps"),
    ("end above peak", spec("warmup_cosine_decay_schedule", **dict(WC, end_value=0.2)),
     "params.end_value"),
    ("end above peak for exponential", spec(
        "warmup_exponential_decay_schedule", init_value=0.0, peak_value=0.1, warmup_steps=5,
        transition_steps=10, decay_rate=0.9, end_value=0.5), "params.end_value"),
    ("negative scale", spec("piecewise_constant_schedule", init_value=0.1,
                            boundaries_and_scales={5: -0.5}), "params.boundaries_and_scales[5]"),
    ("negative boundary", spec("piecewise_constant_schedule", init_value=0.1,
                               boundaries_and_scales={"-5": 0.5}),
     "params.boundaries_and_scales[-5]"),
    ("boundary beyond int32", spec("piecewise_constant_schedule", init_value=0.1,
                                   boundaries_and_scales={2 ** 31: 0.5}),
     "params.boundaries_and_scales"),
    ("overflowing product", spec("piecewise_interpolate_schedule", interpolate_type="linear",
                                 init_value=1.0, boundaries_and_scales={1: 1e200, 2: 1e200}),
     "params.boundaries_and_scales"),
    ("unknown interpolation", spec("piecewise_interpolate_schedule",
                                   interpolate_type="quadratic", init_value=0.1),
     "params.interpolate_type"),
    ("negative interpolate scale", spec("piecewise_interpolate_schedule",
                                        interpolate_type="cosine", init_value=0.1,
                                        boundaries_and_scales={3: -1.0}),
     "params.boundaries_and_scales[3]"),
    ("too many boundaries", spec("join_schedules", boundaries=[5, 9], schedules=[
        spec("constant_schedule", value=0.1), spec("constant_schedule", value=0.2)]),
     "params.boundaries"),
    ("too few boundaries", spec("join_schedules", boundaries=[], schedules=[
        spec("constant_schedule", value=0.1), spec("constant_schedule", value=0.2)]),
     "params.boundaries"),
    ("boundaries out of order", spec("join_schedules", boundaries=[9, 5], schedules=[
        spec("constant_schedule", value=0.1)] * 3), "params.boundaries[1]"),
    ("repeated boundary", spec("join_schedules", boundaries=[5, 5], schedules=[
        spec("constant_schedule", value=0.1)] * 3), "params.boundaries[1]"),
    ("boundary at 0", spec("join_schedules", boundaries=[0], schedules=[
        spec("constant_schedule", value=0.1)] * 2), "params.boundaries[0]"),
    ("no schedules", spec("join_schedules", boundaries=[], schedules=[]), "params.schedules"),
    ("invalid child", spec("join_schedules", boundaries=[5], schedules=[
        spec("constant_schedule", value=0.1),
        spec("cosine_decay_schedule", init_value=0.1, decay_steps=0)]),
     "params.schedules[1].params.decay_steps"),
    ("no cycles", spec("sgdr_schedule", cosine_kwargs=[]), "params.cosine_kwargs"),
    ("invalid cycle", spec("sgdr_schedule", cosine_kwargs=[WC, dict(WC, decay_steps=10)]),
     "params.cosine_kwargs[1].decay_steps"),
    ("restart beyond int32", spec("sgdr_schedule", cosine_kwargs=[
        dict(WC, decay_steps=2 ** 30)] * 3), "params.cosine_kwargs"),
    ("onecycle of no steps", spec("cosine_onecycle_schedule", transition_steps=0,
                                  peak_value=0.1), "params.transition_steps"),
    ("peak at the end", spec("cosine_onecycle_schedule", transition_steps=10, peak_value=0.1,
                             pct_start=1.0), "params.pct_start"),
    ("no last phase", spec("linear_onecycle_schedule", transition_steps=10, peak_value=0.1,
                           pct_final=1.0), "params.pct_final"),
    ("div_factor 0", spec("cosine_onecycle_schedule", transition_steps=10, peak_value=0.1,
                          div_factor=0.0), "params.div_factor"),
    ("start value overflows", spec("linear_onecycle_schedule", transition_steps=10,
                                   peak_value=1.0, div_factor=1e-310),
     "params.div_factor"),
    ("merged phases", spec("linear_onecycle_schedule", transition_steps=10, peak_value=0.1,
                           pct_start=0.3, pct_final=0.35), "params.pct_final"),
    ("pct_final before pct_start", spec("linear_onecycle_schedule", transition_steps=10,
                                        peak_value=0.1, pct_start=0.5, pct_final=0.2),
     "params.pct_final"),
]


@pytest.mark.parametrize("what, s, field", REJECTED, ids=[r[0] for r in REJECTED])
def test_refused_with_the_field_named(what, s, field):
    with pytest.raises(pycore.SpecError) as err:
        pycore.validate(s)
    assert err.value.field == field
    assert field in str(err.value)


# ---- code export ------------------------------------------------------------------------

def test_code_defines_schedule_and_sgd_optimizer():
    code = pycore.to_code(spec("piecewise_constant_schedule", init_value=0.1,
                               boundaries_and_scales={"30": 0.1, "60": 0.1}))
    assert code.startswith("import optax\n")
    assert "schedule = optax.piecewise_constant_schedule(" in code
    assert "boundaries_and_scales={30: 0.1, 60: 0.1}" in code
    assert code.endswith("optimizer = optax.sgd(learning_rate=schedule)\n")


def test_code_writes_join_children_as_variables_first():
    code = pycore.to_code(spec("join_schedules", boundaries=[10], schedules=[
        spec("linear_schedule", init_value=0.0, end_value=0.1, transition_steps=10),
        spec("join_schedules", boundaries=[5], schedules=[
            spec("constant_schedule", value=0.1),
            spec("cosine_decay_schedule", init_value=0.1, decay_steps=90)])]))
    lines = code.splitlines()
    assert lines[2].startswith("schedule_0 = optax.linear_schedule(")
    assert lines[3] == "schedule_1_0 = optax.constant_schedule(value=0.1)"
    assert "schedule = optax.join_schedules(schedules=[schedule_0, schedule_1], " \
           "boundaries=[10])" in code
    compile(code, "<to_code>", "exec")


def test_code_writes_sgdr_cycles_as_dicts_with_changed_arguments():
    code = pycore.to_code(spec("sgdr_schedule", cosine_kwargs=[WC, dict(WC, exponent=2.0)]))
    assert ('{"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 10, '
            '"decay_steps": 100}') in code
    assert '"exponent": 2.0}' in code
    compile(code, "<to_code>", "exec")
