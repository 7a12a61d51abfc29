"""pycore.lrfinder: suggestions, smoothers and ladders equal to the real tools', and the
analyzer's reading of logs.

The reference values come from fastai, torch-lr-finder, PyTorch Lightning (2.6.6 and
2.5.2) and ignite themselves (tools/lrfinder_reference.py regenerates
tests/data/lrfinder_reference.json wherever they are installed).
"""
import json
import math
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


# --- the analyzer: reading logs ------------------------------------------------------------


def falling_log(n=40):
    """A log that falls, bottoms out at point 3n/4 and rises."""
    lrs = pycore.lr_ladder(1e-6, 1.0, n, "exponential", "torch_lr_finder")
    losses = [2.0 - 0.05 * i if i <= 3 * n // 4 else 2.0 - 0.05 * (3 * n // 4) + 0.3 * (
        i - 3 * n // 4) for i in range(n)]
    return lrs, losses


@pytest.mark.parametrize("data, name", [
    ({"lrs": [0.1, 0.2, 0.3], "losses": [3.0, 2.0, 2.5]}, "fastai Recorder"),
    ({"history": {"lr": [0.1, 0.2, 0.3], "loss": [3.0, 2.0, 2.5]}}, "torch-lr-finder history"),
    ({"results": {"lr": [0.1, 0.2, 0.3], "loss": [3.0, 2.0, 2.5]}}, "Lightning results"),
    ({"lr": [0.1, 0.2, 0.3], "loss": [3.0, 2.0, 2.5]}, "torch-lr-finder history / Lightning"),
    ([[0.1, 3.0], [0.2, 2.0], [0.3, 2.5]], "[lr, loss] pairs"),
])
def test_read_log_detects_each_json_export(data, name):
    log = lrfinder.read_log(json.dumps(data))
    assert name in log["format"]
    assert log["lrs"] == [0.1, 0.2, 0.3] and log["losses"] == [3.0, 2.0, 2.5]


def test_read_log_keeps_nan_and_infinity_of_python_json():
    log = lrfinder.read_log('{"lr": [0.1, 0.2, 0.3, 0.4], "loss": [NaN, 1.0, Infinity, '
                            '-Infinity], "note": "NaN stays text"}')
    assert math.isnan(log["losses"][0]) and log["losses"][2:] == [math.inf, -math.inf]


@pytest.mark.parametrize("text, lr, loss", [
    ("lr,loss\n0.1,3\n0.2,2\n0.3,2.5\n", 0, 1),
    ("step\tloss\tlr\n0\t3\t0.1\n1\t2\t0.2\n2\t2.5\t0.3\n", 2, 1),
    ("0.1 3\n0.2 2\n0.3 2.5\n", 0, 1),
    ("lr;smooth_loss\n0.1;3\n0.2;2\n0.3;2.5\n", 0, 1),
])
def test_read_log_guesses_the_columns(text, lr, loss):
    log = lrfinder.read_log(text)
    assert log["lrs"] == [0.1, 0.2, 0.3] and log["losses"] == [3.0, 2.0, 2.5]


def test_read_log_takes_a_chosen_column_by_name_or_number():
    text = "lr,raw,smooth\n0.1,3,30\n0.2,2,20\n0.3,2.5,25\n"
    assert lrfinder.read_log(text, "", "smooth")["losses"] == [30.0, 20.0, 25.0]
    assert lrfinder.read_log(text, "1", "3")["losses"] == [30.0, 20.0, 25.0]
    assert refusal(lrfinder.read_log, text, "", "val").field == "loss_column"
    assert refusal(lrfinder.read_log, text, "lr", "1").field == "loss_column"


@pytest.mark.parametrize("text, words", [
    ("", "paste a log"),
    ('{"lr": [0.1, 0.2, 0.3], "loss": [1, 2]}', '"lr" has 3 entries but "loss" has 2'),
    ('{"lr": [[0.1, 0.2], [0.2, 0.3], [0.3, 0.4]], "loss": [1, 2, 3]}',
     "entry 1 of \"lr\" is a list"),
    ('{"lr": [0.1, "x", 0.3], "loss": [1, 2, 3]}', "entry 2 of \"lr\": 'x' is not a number"),
    ('{"steps": [1, 2]}', 'JSON needs "lr" and "loss"'),
    ("{oops", "not valid JSON"),
    ("lr,loss\n0.1,3\n0.2,2\n", "the log has 2 points"),
    ("lr,loss\n0.1,3\n0.2,2\n0.2,1\n", "line 4: the LR 0.2 is not above the one before it (0.2, "
                                      "line 3)"),
    ("lr,loss\n0.1,3\n0,2\n0.2,1\n", "line 3: the LR 0 is not a positive number"),
    ("lr,loss\n0.1,nan\n0.2,inf\n0.3,NaN\n", "every loss is NaN or infinite"),
    ("lr,loss\n0.1,3\nnan,2\n0.2,1\n", "line 3, column 1 (lr): 'nan' is not a number"),
    ("loss\n3\n2\n1\n", "two columns"),
])
def test_read_log_names_what_is_wrong_and_where(text, words):
    err = refusal(lrfinder.read_log, text)
    assert words in str(err)


# --- the analyzer: results -----------------------------------------------------------------


def test_analyze_applies_each_tools_smoother_to_a_raw_log():
    lrs, losses = falling_log(60)
    result = lrfinder.analyze(lrs, losses, raw=True)
    assert sorted(result["curves"]) == ["fastai", "given", "lightning", "torch_lr_finder"]
    by_method = dict((s["method"], s) for s in result["suggestions"])
    assert by_method["fastai.valley"]["lr"] == pycore.suggest_lr(
        lrs, pycore.smooth(losses, "fastai"), "fastai.valley")
    assert by_method["ignite"]["lr"] == pycore.suggest_lr(
        lrs, pycore.smooth(losses, "torch_lr_finder"), "ignite")
    assert by_method["lightning"]["lr"] == pycore.suggest_lr(
        lrs, pycore.smooth(losses, "lightning"), "lightning")


def test_analyze_reports_a_failing_rule_instead_of_raising():
    lrs, losses = falling_log(12)
    result = lrfinder.analyze(lrs, losses)
    errors = dict((s["method"], s["error"]) for s in result["suggestions"] if "error" in s)
    assert "fastai.slide" in errors and "torch_lr_finder" in errors


def test_recommended_range_follows_smiths_rule():
    lrs, losses = falling_log(40)
    rng = lrfinder.recommended_range(lrs, losses, steep_lr=1e-3)
    assert rng["index"] == 30 and rng["max_lr"] == lrs[30]
    assert (rng["base_lo"], rng["base_hi"]) == (lrs[30] / 4, lrs[30] / 3)
    assert (rng["one_cycle_lo"], rng["one_cycle_hi"]) == (lrs[30] / 20, lrs[30] / 10)
    assert (rng["steep_base"], rng["steep_max"]) == (1e-4, 1e-3)
    assert not rng["still_falling"]


def test_recommended_range_of_a_rising_curve_is_a_problem_and_of_a_falling_one_a_note():
    lrs = [0.1, 0.2, 0.3, 0.4]
    assert "never falls" in lrfinder.recommended_range(lrs, [1.0, 2.0, 3.0, 4.0])["problem"]
    assert lrfinder.recommended_range(lrs, [4.0, 3.0, 2.0, 1.0])["still_falling"]


def test_view_formats_everything_and_links_the_explorer():
    lrs, losses = falling_log(60)
    state = lrfinder.default_state()
    state["log"] = lrfinder.log_text(lrs, losses)
    view = lrfinder.view(state)
    assert view["errors"] == {}
    assert [row["method"] for row in view["table"]] == list(lrfinder.METHODS)
    assert view["range_rows"][0][1] == "%s (point 45)" % pycore.format_lr(lrs[45])
    for name in ("OneCycleLR", "CyclicLR"):
        assert view["links"][name].startswith("../explorer/#spec=")
    payload = json.loads(view["chart"])
    assert payload["xlog"] is True and payload["points"]
    assert all(p["label"] for p in payload["points"])


def test_explorer_links_open_the_range_as_pytorch_schedules():
    from pycore import explorer
    rng = {"max_lr": 0.03, "base_lo": 0.0075}
    links = lrfinder.explorer_links(rng)
    one_cycle, _ = explorer.read_fragment(links["OneCycleLR"])
    assert one_cycle["raw"]["name"] == "OneCycleLR"
    values, errors = explorer.read(one_cycle)
    assert errors == {} and values["clean"]["params"]["max_lr"] == 0.03
    cyclic, _ = explorer.read_fragment(links["CyclicLR"])
    values, _ = explorer.read(cyclic)
    assert (values["clean"]["params"]["base_lr"], values["clean"]["params"]["max_lr"]) == (
        0.0075, 0.03)


def test_fragment_round_trip_and_the_range_test_link():
    lrs, losses = falling_log(30)
    state, problems = lrfinder.read_fragment("#" + lrfinder.fragment_for_log(lrs, losses))
    assert problems == [] and state["input"] == "raw"
    log = lrfinder.read_log(state["log"])
    assert (log["lrs"], log["losses"]) == (lrs, losses)
    state["spacing"] = "log10"
    state["loss_column"] = "loss"
    again, _ = lrfinder.read_fragment(lrfinder.fragment_of(state))
    assert again == state


def test_fragment_refuses_unknown_choices_and_leaves_long_logs_out():
    state, problems = lrfinder.read_fragment("#input=cooked&spacing=lr&log=%ZZ")
    assert state["input"] == "smoothed" and len(problems) == 2
    big = lrfinder.default_state()
    big["log"] = "x" * (lrfinder.MAX_LINK_LOG + 1)
    assert "log=" not in lrfinder.fragment_of(big)


def test_example_log_is_a_raw_fastai_sweep():
    log = lrfinder.read_log(lrfinder.example_log())
    assert log["lrs"] == pycore.lr_ladder(1e-7, 10.0, 100, "exponential", "fastai")
    assert lrfinder.argmin(log["losses"]) > 50
