"""pycore.lrfinder: suggestions, smoothers and ladders equal to the real tools'.

The reference values come from fastai, torch-lr-finder, PyTorch Lightning (2.6.6 and
2.5.2) and ignite themselves (tools/lrfinder_reference.py regenerates
tests/data/lrfinder_reference.json wherever they are installed).
"""
import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pycore
from pycore import lrfinder
from pycore.errors import SpecError

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "lrfinder_reference.json")) as _f:
    REFERENCE = json.load(_f)

# Reference result keys that are a method with options.
VARIANTS = {"fastai.slide.tuned": ("fastai.slide", {"lr_diff": 8, "thresh": 0.02,
                                                    "adjust_value": 0.5}),
            "lightning.index": ("lightning", {"spacing": "index"})}


def _suggestion_cases():
    """(id, lrs, losses, method, options, expected) for every reference result."""
    out = []
    for case in REFERENCE["suggestions"]:
        for key, expected in sorted(case["results"].items()):
            method, extra = VARIANTS.get(key, (key, {}))
            options = dict(case["options"], **extra)
            label = ",".join("%s=%s" % kv for kv in sorted(case["options"].items())) or "default"
            out.append(pytest.param(case["lrs"], case["losses"], method, options, expected,
                                    id="%s-%s-%s" % (case["name"], label, key)))
    return out


def refusal(fn, *args, **kwargs):
    """The SpecError fn(*args, **kwargs) raises."""
    with pytest.raises(SpecError) as info:
        fn(*args, **kwargs)
    return info.value


# --- the real tools' numbers ---------------------------------------------------------------


@pytest.mark.parametrize("lrs, losses, method, options, expected", _suggestion_cases())
def test_suggestion_equals_the_tool(lrs, losses, method, options, expected):
    if "lr" in expected:
        assert pycore.suggest_lr(lrs, losses, method, **options) == expected["lr"]
    else:
        refusal(pycore.suggest_lr, lrs, losses, method, **options)


def test_reference_covers_every_method_and_both_outcomes():
    seen = set()
    for case in REFERENCE["suggestions"]:
        for key, result in case["results"].items():
            seen.add((VARIANTS.get(key, (key,))[0], "lr" in result))
    for method in lrfinder.METHODS:
        assert (method, True) in seen and (method, False) in seen, method


@pytest.mark.parametrize("case", REFERENCE["smoothing"], ids=lambda c: c["name"])
@pytest.mark.parametrize("tool", ["torch_lr_finder", "lightning", "ignite"])
def test_float64_smoothers_equal_the_tool(case, tool):
    method = "torch_lr_finder" if tool == "ignite" else tool
    assert pycore.smooth(case["raw"], method) == case[tool]


@pytest.mark.parametrize("case", REFERENCE["smoothing"], ids=lambda c: c["name"])
def test_fastai_smoother_equals_fastai_to_float32_precision(case):
    for ours, theirs in zip(pycore.smooth(case["raw"], "fastai"), case["fastai"]):
        assert ours == pytest.approx(theirs, rel=2e-6)


def _ladder_cases():
    out = []
    for entry in REFERENCE["ladders"]:
        for tool in lrfinder.TOOLS:
            if tool in entry:
                out.append(pytest.param(entry, tool, id="%s-%s-%g-%g-%d" % (
                    tool, entry["mode"], entry["start"], entry["end"], entry["n"])))
    return out


@pytest.mark.parametrize("entry, tool", _ladder_cases())
def test_ladder_equals_the_tool(entry, tool):
    got = pycore.lr_ladder(entry["start"], entry["end"], entry["n"], entry["mode"], tool)
    assert got == entry[tool]


# --- documented behaviour ------------------------------------------------------------------


def test_fastai_results_are_float32_values():
    case = REFERENCE["suggestions"][0]
    for method in ("fastai.valley", "fastai.steep"):
        lr = pycore.suggest_lr(case["lrs"], case["losses"], method)
        assert lrfinder.f32(lr) == lr


def test_valley_of_two_falling_points_is_the_last_lr():
    assert pycore.suggest_lr([1e-3, 1e-2], [2.0, 1.0], "fastai.valley", skip_start=0,
                             skip_end=0) == lrfinder.f32(1e-2)


def test_valley_of_a_flat_curve_is_the_first_kept_lr():
    lrs = pycore.lr_ladder(1e-5, 1.0, 40, "exponential", "torch_lr_finder")
    assert pycore.suggest_lr(lrs, [1.0] * 40, "fastai.valley") == lrfinder.f32(lrs[4])


def test_minimum_reports_the_minimum_point_and_a_tenth_of_its_lr():
    lrs = [0.001, 0.01, 0.1, 1.0]
    result = lrfinder.suggestion(lrs, [3.0, 2.0, 1.0, 5.0], "fastai.minimum", skip_start=0,
                                 skip_end=0)
    assert result["index"] == 2
    assert result["point"] == lrfinder.f32(0.1)
    assert result["lr"] == lrfinder.f32(0.1) / 10


def test_lightning_2_5_3_picks_the_first_kept_point_on_the_canonical_curve():
    case = REFERENCE["suggestions"][0]
    assert case["name"] == "canonical"
    result = lrfinder.suggestion(case["lrs"], case["losses"], "lightning")
    assert result["index"] == 10


def test_lightning_log10_spacing_on_a_geometric_ladder_agrees_with_unit_spacing():
    case = REFERENCE["suggestions"][1]
    by_index = pycore.suggest_lr(case["lrs"], case["losses"], "lightning", spacing="index")
    by_log = pycore.suggest_lr(case["lrs"], case["losses"], "lightning", spacing="log10")
    assert by_index == by_log


def test_ignite_needs_the_lowest_loss_at_the_third_point_or_later():
    err = refusal(pycore.suggest_lr, [1.0, 2.0, 3.0, 4.0], [2.0, 1.0, 3.0, 4.0], "ignite")
    assert "third point" in str(err)


def test_torch_lr_finder_needs_skips_plus_two_points():
    lrs = pycore.lr_ladder(1e-5, 1.0, 16, "exponential", "torch_lr_finder")
    err = refusal(pycore.suggest_lr, lrs, [1.0] * 16, "torch_lr_finder")
    assert "at least 17 points" in str(err)


def test_lightning_with_no_end_skip_returns_nothing_like_lightning():
    lrs = pycore.lr_ladder(1e-5, 1.0, 40, "exponential", "lightning")
    err = refusal(pycore.suggest_lr, lrs, [1.0 - 0.01 * i for i in range(40)], "lightning",
                  skip_end=0)
    assert "[a:-0] is empty" in str(err)


def test_torch_lr_finder_lets_a_nan_gradient_win():
    lrs = [float(i + 1) for i in range(6)]
    losses = [5.0, 4.0, 3.9, float("nan"), 1.0, 0.5]
    assert pycore.suggest_lr(lrs, losses, "torch_lr_finder", skip_start=0, skip_end=0) == 3.0


def _valley_runs_quadratic(values):
    """fastai's O(n^2) definition of the run lengths."""
    runs = [1] * len(values)
    for i in range(1, len(values)):
        for j in range(i):
            if values[i] < values[j] and runs[i] < runs[j] + 1:
                runs[i] = runs[j] + 1
    return runs


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 6).map(float), st.just(float("nan")),
                          st.floats(-3, 3, allow_nan=False)), max_size=40))
def test_valley_run_lengths_equal_fastais_quadratic_loop(values):
    assert lrfinder._decreasing_runs(values) == _valley_runs_quadratic(values)


# --- smoothing and ladder rules ------------------------------------------------------------


def test_fastai_smoothing_starts_at_the_first_loss_and_lightning_at_about_half():
    assert pycore.smooth([2.0, 2.0], "fastai")[0] == 2.0
    assert pycore.smooth([2.0, 2.0], "lightning")[0] == pytest.approx(2.0 / 1.98)
    assert pycore.smooth([2.0, 4.0], "torch_lr_finder") == [2.0, 0.05 * 4.0 + 0.95 * 2.0]


def test_fastai_ladder_never_reaches_the_end_and_runs_at_least_6_iterations():
    ladder = pycore.lr_ladder(1e-7, 10.0, 100, "exponential", "fastai")
    assert len(ladder) == 100 and ladder[0] == 1e-7 and ladder[-1] < 10.0
    assert len(pycore.lr_ladder(1e-3, 1.0, 3, "exponential", "fastai")) == 6


def test_lightning_ladder_skips_the_second_rung():
    ladder = pycore.lr_ladder(1e-4, 1.0, 30, "exponential", "lightning")
    assert ladder[0] == 1e-4 and ladder[-1] == pytest.approx(1.0)
    assert ladder[1] == pytest.approx(1e-4 * 1e4 ** (2 / 30))


def test_exp_is_accepted_for_exponential():
    assert pycore.lr_ladder(1e-5, 0.1, 5, "exp", "torch_lr_finder") == pycore.lr_ladder(
        1e-5, 0.1, 5, "exponential", "torch_lr_finder")


@pytest.mark.parametrize("args, field", [
    ((0.0, 1.0, 10, "exponential", "fastai"), "start"),
    ((1.0, 0.5, 10, "exponential", "fastai"), "end"),
    ((1e-3, 1.0, 1, "exponential", "fastai"), "n"),
    ((1e-3, 1.0, True, "exponential", "fastai"), "n"),
    ((1e-3, 1.0, 10, "cosine", "fastai"), "mode"),
    ((1e-3, 1.0, 10, "linear", "fastai"), "mode"),
    ((1e-3, 1.0, 10, "exponential", "keras"), "tool"),
])
def test_ladder_refuses_bad_arguments(args, field):
    assert refusal(pycore.lr_ladder, *args).field == field


# --- argument checks -----------------------------------------------------------------------


LRS = [1e-4, 1e-3, 1e-2, 1e-1]


@pytest.mark.parametrize("lrs, losses, field, words", [
    (LRS, [1.0, 2.0, 3.0], "losses", "4 LRs and 3 losses"),
    ([1e-4, 1e-3, 1e-3, 1e-1], [1.0] * 4, "lrs", "lrs[2]: the LR 0.001 is not above"),
    ([1e-4, -1e-3, 1e-2, 1e-1], [1.0] * 4, "lrs", "lrs[1]: the LR -0.001 is not a positive"),
    (LRS, [float("nan")] * 4, "losses", "every loss is NaN or infinite"),
    (LRS, [1.0, "2", 3.0, 4.0], "losses[1]", "must be a number"),
    ("1,2", [1.0], "lrs", "list of numbers"),
])
def test_bad_logs_are_refused_with_the_row(lrs, losses, field, words):
    err = refusal(pycore.suggest_lr, lrs, losses, "fastai.valley")
    assert err.field == field and words in str(err)


@pytest.mark.parametrize("method, options, field", [
    ("fastai.valley", {"spacing": "lr"}, "spacing"),
    ("lightning", {"spacing": "log"}, "spacing"),
    ("torch_lr_finder", {"skip_start": -1}, "skip_start"),
    ("ignite", {"skip_end": 1.5}, "skip_end"),
    ("fastai.slide", {"lr_diff": 0}, "lr_diff"),
    ("fastai.slide", {"thresh": float("nan")}, "thresh"),
    ("fastai", {}, "method"),
])
def test_bad_methods_and_options_are_refused(method, options, field):
    lrs = pycore.lr_ladder(1e-6, 1.0, 60, "exponential", "torch_lr_finder")
    losses = [2.0 - 0.01 * i for i in range(60)]
    assert refusal(pycore.suggest_lr, lrs, losses, method, **options).field == field


def test_smooth_refuses_an_unknown_tool():
    assert refusal(pycore.smooth, [1.0], "ignite").field == "method"
