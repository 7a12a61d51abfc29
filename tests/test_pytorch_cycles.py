"""CyclicLR, OneCycleLR, SWALR and ReduceLROnPlateau in pycore: values, edges, validation.

Expected values are worked out from torch 2.13's lr_scheduler.py and swa_utils.py;
tests/test_parity_pytorch_cycles.py compares with torch itself.
"""
import math

import pytest

import pycore
from pycore.plateau import Plateau, check_metric_count, check_settings, plateau_series
from pycore.spec import REGISTRY, build_valid

LR = 0.1


def spec(name, lr=LR, metrics=None, **params):
    out = {"framework": "pytorch", "name": name, "lr": lr, "params": params}
    if metrics is not None:
        out["metrics"] = metrics
    return out


def series(name, n, **kw):
    return pycore.lr_series(spec(name, **kw), n)


def cyclic(**params):
    params.setdefault("base_lr", 0.01)
    params.setdefault("max_lr", 0.1)
    return spec("CyclicLR", **params)


def onecycle(**params):
    params.setdefault("max_lr", 0.1)
    if "epochs" not in params and "steps_per_epoch" not in params:
        params.setdefault("total_steps", 100)
    return spec("OneCycleLR", **params)


def plateau(metrics, lr=LR, **params):
    return spec("ReduceLROnPlateau", lr=lr, metrics=metrics, **params)


# ---------------------------------------------------------------- catalogue


@pytest.mark.parametrize("name, params", [
    ("CyclicLR", ["base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma",
                  "cycle_momentum", "base_momentum", "max_momentum"]),
    ("OneCycleLR", ["max_lr", "total_steps", "epochs", "steps_per_epoch", "pct_start",
                    "anneal_strategy", "cycle_momentum", "base_momentum", "max_momentum",
                    "div_factor", "final_div_factor", "three_phase"]),
    ("SWALR", ["swa_lr", "anneal_epochs", "anneal_strategy"]),
    ("ReduceLROnPlateau", ["mode", "factor", "patience", "threshold", "threshold_mode",
                           "cooldown", "min_lr", "eps"]),
])
def test_params_are_torchs_keywords_in_torchs_order(name, params):
    assert [p.name for p in REGISTRY[("pytorch", name)].params] == params


@pytest.mark.parametrize("name, defaults", [
    ("CyclicLR", {"step_size_up": 2000, "step_size_down": None, "mode": "triangular",
                  "gamma": 1.0, "cycle_momentum": True, "base_momentum": 0.8,
                  "max_momentum": 0.9}),
    ("OneCycleLR", {"total_steps": None, "epochs": None, "steps_per_epoch": None,
                    "pct_start": 0.3, "anneal_strategy": "cos", "cycle_momentum": True,
                    "base_momentum": 0.85, "max_momentum": 0.95, "div_factor": 25.0,
                    "final_div_factor": 1e4, "three_phase": False}),
    ("SWALR", {"anneal_epochs": 10, "anneal_strategy": "cos"}),
    ("ReduceLROnPlateau", {"mode": "min", "factor": 0.1, "patience": 10, "threshold": 1e-4,
                           "threshold_mode": "rel", "cooldown": 0, "min_lr": 0.0,
                           "eps": 1e-8}),
])
def test_defaults_are_torchs(name, defaults):
    got = dict((p.name, p.default) for p in REGISTRY[("pytorch", name)].params)
    for key in defaults:
        assert got[key] == defaults[key] and type(got[key]) is type(defaults[key]), key


@pytest.mark.parametrize("name, momentum, metric", [
    ("CyclicLR", True, False), ("OneCycleLR", True, False), ("SWALR", False, False),
    ("ReduceLROnPlateau", False, True)])
def test_catalogue_entry(name, momentum, metric):
    entry = [e for e in pycore.catalog() if e["framework"] == "pytorch" and e["name"] == name]
    assert len(entry) == 1
    entry = entry[0]
    assert entry["has_momentum"] is momentum and entry["metric_driven"] is metric
    assert entry["doc"].startswith("https://docs.pytorch.org/docs/stable/generated/torch.optim.")
    assert entry["doc"].endswith("." + name + ".html")
    assert entry["summary"] and entry["notes"]
    assert all(p["help"] for p in entry["params"])


def test_scale_fn_and_scale_mode_are_not_parameters():
    for key, value in (("scale_fn", "lambda x: 1"), ("scale_mode", "cycle")):
        with pytest.raises(pycore.SpecError) as err:
            pycore.validate(cyclic(**{key: value}))
        assert err.value.field == "params." + key


# ---------------------------------------------------------------- CyclicLR


def test_cyclic_construction_writes_base_lr_whatever_the_optimizer_had():
    for lr in (1e-5, 0.5, 3.0):
        assert pycore.lr_series(cyclic(lr=lr), 1) == [0.01]


def test_cyclic_triangular_rises_to_max_then_falls_back():
    lrs = pycore.lr_series(cyclic(step_size_up=4, step_size_down=2), 13)
    assert lrs[0] == lrs[6] == lrs[12] == 0.01
    assert lrs[4] == pytest.approx(0.1, rel=1e-15) and lrs[10] == pytest.approx(0.1, rel=1e-14)
    assert lrs[2] == pytest.approx(0.055, rel=1e-15)
    assert lrs[5] == pytest.approx(0.055, rel=1e-15)


def test_cyclic_step_size_down_defaults_to_step_size_up():
    assert (pycore.lr_series(cyclic(step_size_up=5), 40)
            == pycore.lr_series(cyclic(step_size_up=5, step_size_down=5), 40))


def test_cyclic_step_size_down_zero_is_a_sawtooth():
    lrs = pycore.lr_series(cyclic(base_lr=0.0, max_lr=1.0, step_size_up=4, step_size_down=0), 9)
    assert lrs == [0.0, 0.25, 0.5, 0.75, 0.0, 0.25, 0.5, 0.75, 0.0]


def test_cyclic_triangular2_halves_the_height_each_cycle():
    lrs = pycore.lr_series(cyclic(base_lr=0.0, max_lr=1.0, step_size_up=2,
                                  mode="triangular2"), 16)
    assert [lrs[2], lrs[6], lrs[10], lrs[14]] == [1.0, 0.5, 0.25, 0.125]


def test_cyclic_exp_range_scales_by_gamma_to_the_step():
    lrs = pycore.lr_series(cyclic(base_lr=0.0, max_lr=1.0, step_size_up=2, mode="exp_range",
                                  gamma=0.5), 7)
    assert lrs[2] == 0.25 and lrs[6] == 2.0 ** -6


def test_cyclic_gamma_only_matters_for_exp_range():
    assert (pycore.lr_series(cyclic(step_size_up=3, gamma=0.5), 30)
            == pycore.lr_series(cyclic(step_size_up=3), 30))


def test_cyclic_equal_bounds_hold_the_lr_but_still_cycle_momentum():
    s = cyclic(base_lr=0.05, max_lr=0.05, step_size_up=2)
    assert pycore.lr_series(s, 9) == [0.05] * 9
    assert pycore.momentum_series(s, 5)[2] == pytest.approx(0.8, rel=1e-15)


def test_cyclic_momentum_mirrors_the_lr():
    s = cyclic(step_size_up=4, step_size_down=2)
    m = pycore.momentum_series(s, 13)
    assert m[0] == m[6] == m[12] == 0.9
    assert m[4] == pytest.approx(0.8, rel=1e-15)
    assert m[2] == pytest.approx(0.85, rel=1e-15)


def test_cyclic_momentum_series_is_none_without_cycle_momentum():
    assert pycore.momentum_series(cyclic(cycle_momentum=False), 10) is None


def test_cyclic_at_equals_series_exactly():
    for mode in ("triangular", "triangular2", "exp_range"):
        s = cyclic(step_size_up=7, step_size_down=3, mode=mode, gamma=0.999)
        lrs = pycore.lr_series(s, 300)
        assert [pycore.lr_at(s, t) for t in range(300)] == lrs


def test_cyclic_stays_periodic_at_huge_steps():
    # torch's fraction 1 + t/S - cycle keeps fewer bits as t grows; pycore does the same
    s = cyclic(step_size_up=4, step_size_down=6)
    assert pycore.lr_at(s, 10 ** 12 + 4) == pytest.approx(0.1, rel=1e-4)
    for t in (2 ** 40 + 3, 2 ** 53 - 1, 2 ** 53):
        assert 0.01 <= pycore.lr_at(s, t) <= 0.1


def test_cyclic_exp_range_decays_to_base_lr_at_a_huge_step():
    assert pycore.lr_at(cyclic(mode="exp_range", gamma=0.9, step_size_up=3), 10 ** 9 + 3) == 0.01


def test_cyclic_triangular2_stops_where_torch_overflows():
    s = cyclic(base_lr=0.0, max_lr=1.0, step_size_up=1, mode="triangular2")
    # cycle = floor(1 + t/2) reaches 1025 at t = 2048: 2.0 ** 1024 overflows in torch
    assert len(pycore.lr_series(s, 2048)) == 2048
    assert pycore.lr_at(s, 2047) == 2.0 ** -1023  # the top of cycle 1024
    with pytest.raises(pycore.SpecError) as err:
        pycore.lr_series(s, 2049)
    assert err.value.field == "n" and "2048" in str(err.value)
    with pytest.raises(pycore.SpecError) as err:
        pycore.lr_at(s, 2048)
    assert err.value.field == "step" and "OverflowError" in str(err.value)
    with pytest.raises(pycore.SpecError):
        pycore.momentum_series(s, 5000)


# ---------------------------------------------------------------- OneCycleLR


@pytest.mark.parametrize("built", [
    cyclic(step_size_up=7, step_size_down=5), cyclic(mode="triangular2", step_size_up=3),
    cyclic(mode="exp_range", gamma=0.99, step_size_up=4),
    onecycle(total_steps=90), onecycle(total_steps=90, anneal_strategy="linear"),
    onecycle(total_steps=90, three_phase=True),
], ids=["cyclic", "triangular2", "exp_range", "onecycle", "linear", "three_phase"])
def test_momentum_part_is_the_series_slice_bit_for_bit(built):
    """The explorer computes a long run's momentum a slice at a time: any slicing gives
    momentum_series exactly."""
    schedule = build_valid(pycore.validate(built))
    n = 91 if built["name"] == "OneCycleLR" else 200
    whole = schedule.momentum_series(n)
    for size in (1, 7, 50):
        parts = []
        for a in range(0, n, size):
            parts.extend(schedule.momentum_part(a, min(n, a + size)))
        assert parts == whole
    assert schedule.momentum_part(30, 40) == whole[30:40]


def test_momentum_part_is_none_without_cycle_momentum():
    built = onecycle(cycle_momentum=False)
    assert build_valid(pycore.validate(built)).momentum_part(0, 10) is None


def test_onecycle_first_value_has_torchs_rounding():
    assert pycore.lr_series(onecycle(max_lr=0.1), 1) == [0.0040000000000000036]
    assert pycore.lr_series(onecycle(max_lr=1.0), 1) == [0.040000000000000036]


def test_onecycle_peaks_at_pct_times_total_minus_one_and_ends_at_total_minus_one():
    lrs = pycore.lr_series(onecycle(total_steps=100, pct_start=0.3), 101)
    assert max(lrs) == lrs[29] == 0.1
    assert lrs[99] == 0.1 / 25.0 / 1e4
    assert lrs[100] > lrs[99]  # the N-th step() extrapolates: the cosine turns back up


def test_onecycle_never_hits_the_peak_when_it_falls_between_steps():
    lrs = pycore.lr_series(onecycle(total_steps=7, pct_start=0.3), 8)
    assert max(lrs) < 0.1
    assert max(lrs) == pytest.approx(0.09806, rel=1e-4)


def test_onecycle_linear():
    lrs = pycore.lr_series(onecycle(total_steps=11, pct_start=0.5, anneal_strategy="linear",
                                    div_factor=10.0, final_div_factor=1.0), 12)
    # the peak would be at step 4.5: step 4 is 4/4.5 of the way up, then a straight line
    # from max_lr (at 4.5) down to 0.01 at step 10
    assert lrs[0] == 0.01 and lrs[4] == pytest.approx(0.01 + 0.09 * 4 / 4.5, rel=1e-15)
    assert lrs[7] == pytest.approx(0.1 - 0.09 * 2.5 / 5.5, rel=1e-15)
    assert lrs[10] == pytest.approx(0.01, rel=1e-15)


def test_onecycle_three_phase_returns_to_the_start_before_the_final_anneal():
    lrs = pycore.lr_series(onecycle(total_steps=20, pct_start=0.25, three_phase=True,
                                    anneal_strategy="linear"), 21)
    assert lrs[0] == 0.004 and lrs[8] == pytest.approx(0.004, rel=1e-14)
    assert lrs[4] == 0.1
    assert lrs[19] == pytest.approx(0.004 / 1e4, rel=1e-10)


def test_onecycle_epochs_times_steps_per_epoch_is_total_steps():
    assert (pycore.lr_series(onecycle(epochs=4, steps_per_epoch=25), 101)
            == pycore.lr_series(onecycle(total_steps=100), 101))


def test_onecycle_momentum_anneals_inversely():
    m = pycore.momentum_series(onecycle(total_steps=100), 101)
    assert m[29] == 0.85 and m[99] == 0.95
    assert m[0] == pytest.approx(0.95, rel=1e-15)
    assert pycore.momentum_series(onecycle(cycle_momentum=False), 10) is None


def test_onecycle_ignores_the_optimizers_lr():
    assert pycore.lr_series(onecycle(lr=7.0), 50) == pycore.lr_series(onecycle(lr=1e-6), 50)


def test_onecycle_at_equals_series_exactly():
    for three in (False, True):
        for strategy in ("cos", "linear"):
            s = onecycle(total_steps=333, pct_start=0.21, three_phase=three,
                         anneal_strategy=strategy)
            assert [pycore.lr_at(s, t) for t in range(334)] == pycore.lr_series(s, 334)


def test_onecycle_allows_total_steps_plus_one_updates_and_no_more():
    s = onecycle(total_steps=100)
    assert len(pycore.lr_series(s, 101)) == 101
    with pytest.raises(pycore.SpecError) as err:
        pycore.lr_series(s, 102)
    assert err.value.field == "n"
    assert "at most 101" in str(err.value) and "call 101" in str(err.value)
    with pytest.raises(pycore.SpecError) as err:
        pycore.lr_at(s, 101)
    assert err.value.field == "step" and "at most 100" in str(err.value)
    with pytest.raises(pycore.SpecError):
        pycore.momentum_series(s, 102)


# ---------------------------------------------------------------- SWALR


def swalr(**params):
    params.setdefault("swa_lr", 0.05)
    return spec("SWALR", **params)


def test_swalr_cos_anneals_from_the_lr_to_swa_lr():
    lrs = pycore.lr_series(swalr(anneal_epochs=4), 8)
    assert lrs[0] == 0.1
    assert lrs[2] == pytest.approx(0.075, rel=1e-15)
    assert lrs[4:] == [0.05] * 4


def test_swalr_linear():
    lrs = pycore.lr_series(swalr(anneal_epochs=5, anneal_strategy="linear"), 7)
    assert lrs == pytest.approx([0.1, 0.09, 0.08, 0.07, 0.06, 0.05, 0.05], rel=1e-14)
    assert lrs[5:] == [0.05, 0.05]


def test_swalr_zero_anneal_epochs_switches_at_construction():
    assert pycore.lr_series(swalr(anneal_epochs=0), 4) == [0.05] * 4
    assert pycore.lr_at(swalr(anneal_epochs=0), 0) == 0.05


def test_swalr_follows_the_lr_it_is_given():
    built = pycore.build(swalr(anneal_epochs=2, anneal_strategy="linear"))
    assert built.initial(0.3) == 0.3
    assert built.step(0.3, 1) == pytest.approx(0.175, rel=1e-15)
    assert built.step(0.175, 2) == 0.05


def test_swalr_at_is_the_closed_form_of_series():
    for strategy in ("cos", "linear"):
        s = swalr(anneal_epochs=300, anneal_strategy=strategy, lr=0.3)
        lrs = pycore.lr_series(s, 400)
        for t in range(400):
            assert pycore.lr_at(s, t) == pytest.approx(lrs[t], rel=1e-13)
        assert pycore.lr_at(s, 2 ** 40) == 0.05


# ---------------------------------------------------------------- ReduceLROnPlateau


def test_plateau_update_zero_uses_the_base_lr():
    assert pycore.lr_series(plateau([]), 1) == [LR]
    assert pycore.lr_series(plateau([1.0]), 0) == []


def test_plateau_flat_metric_with_patience_and_cooldown_reduces_every_third_step():
    lrs = pycore.lr_series(plateau([1.0] * 10, patience=1, cooldown=1), 11)
    cuts = [k for k in range(1, 11) if lrs[k] < lrs[k - 1]]
    assert cuts == [3, 6, 9]


def test_plateau_patience_zero_reduces_on_the_first_worse_metric():
    lrs = pycore.lr_series(plateau([1.0, 2.0, 0.5, 0.5], patience=0), 5)
    assert lrs == [0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1]


def test_plateau_improvements_reset_patience():
    metrics = [5.0, 4.0, 3.0, 2.0, 1.0, 1.0, 1.0, 1.0]
    lrs = pycore.lr_series(plateau(metrics, patience=2), 9)
    assert lrs[:8] == [0.1] * 8 and lrs[8] == 0.1 * 0.1


def test_plateau_relative_threshold_ignores_small_improvements():
    metrics = [1.0, 0.95, 0.93, 0.91]
    assert pycore.lr_series(plateau(metrics, patience=2, threshold=0.1), 5)[4] == 0.1 * 0.1
    assert pycore.lr_series(plateau(metrics, patience=2, threshold=0.01), 5)[4] == 0.1


def test_plateau_abs_threshold_and_max_mode():
    metrics = [0.5, 0.55, 0.555, 0.56]
    assert pycore.lr_series(plateau(metrics, mode="max", patience=2, threshold=0.06,
                                    threshold_mode="abs"), 5)[4] == 0.1 * 0.1
    assert pycore.lr_series(plateau(metrics, mode="max", patience=2, threshold=0.01,
                                    threshold_mode="abs"), 5)[4] == 0.1


def test_plateau_stops_at_min_lr():
    lrs = pycore.lr_series(plateau([1.0] * 20, patience=0, min_lr=0.0025), 21)
    assert lrs[-1] == 0.0025 and min(lrs) == 0.0025


def test_plateau_skips_reductions_smaller_than_eps():
    lrs = pycore.lr_series(plateau([1.0] * 20, patience=0, factor=0.5, eps=0.01), 21)
    assert lrs[-1] == 0.0125  # 0.0125 -> 0.00625 would lower it by less than eps


def test_plateau_at_replays_the_series():
    metrics = [1.0, 1.0, 0.5, 0.7, 0.7, 0.7, 0.2]
    s = plateau(metrics, patience=1)
    assert [pycore.lr_at(s, t) for t in range(8)] == pycore.lr_series(s, 8)


def test_plateau_needs_one_metric_per_step():
    s = plateau([1.0, 2.0, 3.0])
    with pytest.raises(pycore.SpecError) as err:
        pycore.lr_series(s, 5)
    assert err.value.field == "n" and "at most 4 updates" in str(err.value)
    with pytest.raises(pycore.SpecError) as err:
        pycore.lr_at(s, 4)
    assert err.value.field == "step" and "last update is step 3" in str(err.value)


def test_plateau_helper_is_torchs_rule():
    p = Plateau({"mode": "min", "factor": 0.5, "patience": 0, "threshold": 0.0,
                 "threshold_mode": "abs", "cooldown": 0, "min_lr": 0.0, "eps": 0.0})
    assert p.improves(3.0) and p.step(1.0, 3.0) == 1.0 and p.best == 3.0
    assert not p.improves(3.0) and p.step(1.0, 3.0) == 0.5 and p.bad_steps == 0
    assert plateau_series(Plateau(pycore.validate(plateau([]))["params"]), 0.2,
                          [1.0] * 12, 13)[-1] == pytest.approx(0.02)


def test_plateau_helper_names_the_callers_fields():
    settings = {"mode": "max", "factor": 0.1, "threshold": 1e-4, "threshold_mode": "rel",
                "min_lr": 0.5, "eps": 1e-8}
    with pytest.raises(pycore.SpecError) as err:
        check_settings(settings, 0.1, {"min_lr": "lr_min", "factor": "decay_rate"})
    assert err.value.field == "params.lr_min"
    with pytest.raises(pycore.SpecError) as err:
        check_metric_count(3, [1.0], "n", 3)
    assert err.value.field == "n"
    check_metric_count(2, [1.0], "n", 2)


# ---------------------------------------------------------------- validation

# Each row: (spec, the field the error names). One documented rejection per row: torch's
# own ValueErrors / ZeroDivisionErrors, and what would silently be nonsense.
REJECTED = [
    (cyclic(base_lr=-0.01), "params.base_lr"),
    (cyclic(base_lr=[0.01, 0.02]), "params.base_lr"),  # per-group lists are not supported
    (cyclic(max_lr=0.0, base_lr=0.0), "params.max_lr"),
    (cyclic(max_lr=0.005), "params.max_lr"),  # below base_lr: not a cycle between them
    (cyclic(step_size_up=0), "params.step_size_up"),  # torch: ZeroDivisionError
    (cyclic(step_size_up=2.5), "params.step_size_up"),
    (cyclic(step_size_down=-1), "params.step_size_down"),
    (cyclic(mode="cosine"), "params.mode"),  # torch: mode is invalid and scale_fn is None
    (cyclic(mode="exp_range", gamma=0.0), "params.gamma"),
    (cyclic(mode="exp_range", gamma=1.01), "params.gamma"),  # grows past max_lr
    (cyclic(cycle_momentum="yes"), "params.cycle_momentum"),
    (cyclic(base_momentum=0.95), "params.base_momentum"),  # above max_momentum
    (cyclic(base_momentum=-0.1), "params.base_momentum"),
    (cyclic(max_momentum=1.0), "params.max_momentum"),
    (onecycle(max_lr=0.0), "params.max_lr"),
    (onecycle(total_steps=0), "params.total_steps"),  # torch: positive integer total_steps
    (onecycle(total_steps=10.5), "params.total_steps"),
    (spec("OneCycleLR", max_lr=0.1), "params.epochs"),  # torch: define total_steps or both
    (spec("OneCycleLR", max_lr=0.1, epochs=3), "params.steps_per_epoch"),
    (onecycle(epochs=0, steps_per_epoch=10), "params.epochs"),
    (onecycle(epochs=3, steps_per_epoch=0), "params.steps_per_epoch"),
    (onecycle(total_steps=100, epochs=3), "params.epochs"),  # torch would ignore it
    (onecycle(pct_start=0.0), "params.pct_start"),
    (onecycle(pct_start=1.0), "params.pct_start"),  # torch: ZeroDivisionError at step N
    (onecycle(pct_start=-0.1), "params.pct_start"),  # torch: float between 0 and 1
    (onecycle(total_steps=10, pct_start=0.1), "params.pct_start"),  # ZeroDivisionError
    (onecycle(total_steps=10, pct_start=0.05), "params.pct_start"),  # peak before step 0
    (onecycle(total_steps=3, pct_start=2 / 3, three_phase=True), "params.pct_start"),
    (onecycle(total_steps=10, pct_start=0.6, three_phase=True), "params.pct_start"),
    (onecycle(anneal_strategy="exp"), "params.anneal_strategy"),  # torch: cos or linear
    (onecycle(div_factor=0.0), "params.div_factor"),  # torch: ZeroDivisionError
    (onecycle(div_factor=0.5), "params.div_factor"),  # would start above max_lr
    (onecycle(final_div_factor=0.5), "params.final_div_factor"),
    (onecycle(base_momentum=0.99), "params.base_momentum"),
    (onecycle(three_phase=1), "params.three_phase"),
    (swalr(swa_lr=0.0), "params.swa_lr"),
    (swalr(anneal_epochs=-1), "params.anneal_epochs"),  # torch: >= 0
    (swalr(anneal_epochs=2.5), "params.anneal_epochs"),  # torch: an int
    (swalr(anneal_strategy="exp"), "params.anneal_strategy"),  # torch: cos or linear
    (plateau([1.0], mode="auto"), "params.mode"),  # torch: mode auto is unknown
    (plateau([1.0], factor=1.0), "params.factor"),  # torch: Factor should be < 1.0
    (plateau([1.0], factor=0.0), "params.factor"),
    (plateau([1.0], patience=-1), "params.patience"),
    (plateau([1.0], patience=1.5), "params.patience"),
    (plateau([1.0], threshold=-0.1), "params.threshold"),
    (plateau([1.0], threshold=1.0), "params.threshold"),  # min/rel: best * 0 never beaten
    (plateau([1.0], threshold_mode="pct"), "params.threshold_mode"),  # torch: unknown
    (plateau([1.0], cooldown=-1), "params.cooldown"),
    (plateau([1.0], min_lr=-1e-3), "params.min_lr"),
    (plateau([1.0], min_lr=[0.0]), "params.min_lr"),  # per-group lists are not supported
    (plateau([1.0], min_lr=LR), "params.min_lr"),  # the LR could never be reduced
    (plateau([1.0], eps=-1.0), "params.eps"),
    (plateau([1.0], eps=0.09), "params.eps"),  # every reduction (0.09) would be skipped
    (plateau([1.0, "x"]), "metrics[1]"),
    (plateau([1.0, float("nan")]), "metrics[1]"),
    (plateau(5.0), "metrics"),
    (spec("ReduceLROnPlateau"), "metrics"),
]


@pytest.mark.parametrize("bad, field", REJECTED, ids=[
    "%s-%s-%d" % (s["name"], f, i) for i, (s, f) in enumerate(REJECTED)])
def test_rejected(bad, field):
    with pytest.raises(pycore.SpecError) as err:
        pycore.validate(bad)
    assert err.value.field == field
    assert str(err.value).startswith(field + ": got ")


@pytest.mark.parametrize("ok", [
    cyclic(base_lr=0.0),
    cyclic(step_size_down=0),
    cyclic(base_momentum=0.95, cycle_momentum=False),
    cyclic(base_momentum=0.0, max_momentum=0.0),
    onecycle(total_steps=1000, pct_start=0.0011),
    onecycle(total_steps=2, pct_start=0.99),
    onecycle(total_steps=10, pct_start=0.45, three_phase=True),
    onecycle(div_factor=1.0, final_div_factor=1.0),
    onecycle(base_momentum=0.99, cycle_momentum=False),
    swalr(swa_lr=1.0),
    plateau([1.0], mode="max", threshold=1.0),
    plateau([1.0], threshold=1.0, threshold_mode="abs"),
    plateau([1.0], eps=0.0, min_lr=0.09),
])
def test_accepted_edges(ok):
    pycore.validate(ok)


def test_onecycle_error_messages_explain_the_phase():
    with pytest.raises(pycore.SpecError) as err:
        pycore.validate(onecycle(total_steps=10, pct_start=0.1))
    assert "pct_start * total_steps > 1" in str(err.value)
    with pytest.raises(pycore.SpecError) as err:
        pycore.validate(onecycle(total_steps=10, pct_start=0.6, three_phase=True))
    assert "phase 3" in str(err.value)


def test_no_arithmetic_error_escapes_at_extreme_steps():
    for s in (cyclic(mode="exp_range", gamma=1e-300), cyclic(step_size_up=1),
              swalr(anneal_epochs=2 ** 40), swalr(anneal_epochs=0)):
        for t in (0, 1, 2 ** 40, 2 ** 53):
            assert math.isfinite(pycore.lr_at(s, t))


def test_what_construction_writes_into_the_param_group():
    # SequentialLR and ChainedScheduler children built later take these as their base LR
    assert pycore.build(cyclic()).group_writes() == (0.01, None)
    assert pycore.build(onecycle(max_lr=0.5, div_factor=5.0)).group_writes() == (None, 0.1)
    assert pycore.build(swalr()).group_writes() == (None, None)
    assert pycore.build(swalr()).chainable


def test_no_momentum_curve_for_swalr_and_plateau():
    assert pycore.momentum_series(swalr(), 5) is None
    assert pycore.momentum_series(plateau([1.0] * 4), 5) is None
