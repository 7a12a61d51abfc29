"""pycore.analyzer: reading range-test logs as the tools save them, every tool's suggestion
for one log, the recommended range, the chart, and the analyzer page's view and link."""
import json
import math

import pytest

import pycore
from pycore import analyzer, lrfinder
from test_lrfinder import refusal


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
    log = analyzer.read_log(json.dumps(data))
    assert name in log["format"]
    assert log["lrs"] == [0.1, 0.2, 0.3] and log["losses"] == [3.0, 2.0, 2.5]


def test_read_log_keeps_nan_and_infinity_of_python_json():
    log = analyzer.read_log('{"lr": [0.1, 0.2, 0.3, 0.4], "loss": [NaN, 1.0, Infinity, '
                            '-Infinity], "note": "NaN stays text"}')
    assert math.isnan(log["losses"][0]) and log["losses"][2:] == [math.inf, -math.inf]


@pytest.mark.parametrize("text, lr, loss", [
    ("lr,loss\n0.1,3\n0.2,2\n0.3,2.5\n", 0, 1),
    ("step\tloss\tlr\n0\t3\t0.1\n1\t2\t0.2\n2\t2.5\t0.3\n", 2, 1),
    ("0.1 3\n0.2 2\n0.3 2.5\n", 0, 1),
    ("lr;smooth_loss\n0.1;3\n0.2;2\n0.3;2.5\n", 0, 1),
])
def test_read_log_guesses_the_columns(text, lr, loss):
    log = analyzer.read_log(text)
    assert log["lrs"] == [0.1, 0.2, 0.3] and log["losses"] == [3.0, 2.0, 2.5]


def test_read_log_takes_a_chosen_column_by_name_or_number():
    text = "lr,raw,smooth\n0.1,3,30\n0.2,2,20\n0.3,2.5,25\n"
    assert analyzer.read_log(text, "", "smooth")["losses"] == [30.0, 20.0, 25.0]
    assert analyzer.read_log(text, "1", "3")["losses"] == [30.0, 20.0, 25.0]
    assert refusal(analyzer.read_log, text, "", "val").field == "loss_column"
    assert refusal(analyzer.read_log, text, "lr", "1").field == "loss_column"


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
    err = refusal(analyzer.read_log, text)
    assert words in str(err)


# --- the analyzer: results -----------------------------------------------------------------


def test_analyze_applies_each_tools_smoother_to_a_raw_log():
    lrs, losses = falling_log(60)
    result = analyzer.analyze(lrs, losses, raw=True)
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
    result = analyzer.analyze(lrs, losses)
    errors = dict((s["method"], s["error"]) for s in result["suggestions"] if "error" in s)
    assert "fastai.slide" in errors and "torch_lr_finder" in errors


def test_recommended_range_follows_smiths_rule():
    lrs, losses = falling_log(40)
    rng = analyzer.recommended_range(lrs, losses, steep_lr=1e-3)
    assert rng["index"] == 30 and rng["max_lr"] == lrs[30]
    assert (rng["base_lo"], rng["base_hi"]) == (lrs[30] / 4, lrs[30] / 3)
    assert (rng["one_cycle_lo"], rng["one_cycle_hi"]) == (lrs[30] / 20, lrs[30] / 10)
    assert (rng["steep_base"], rng["steep_max"]) == (1e-4, 1e-3)
    assert not rng["still_falling"]


def test_recommended_range_of_a_rising_curve_is_a_problem_and_of_a_falling_one_a_note():
    lrs = [0.1, 0.2, 0.3, 0.4]
    assert "never falls" in analyzer.recommended_range(lrs, [1.0, 2.0, 3.0, 4.0])["problem"]
    assert analyzer.recommended_range(lrs, [4.0, 3.0, 2.0, 1.0])["still_falling"]


def test_view_formats_everything_and_links_the_explorer():
    lrs, losses = falling_log(60)
    state = analyzer.default_state()
    state["log"] = analyzer.log_text(lrs, losses)
    view = analyzer.view(state)
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
    links = analyzer.explorer_links(rng)
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
    state, problems = analyzer.read_fragment("#" + analyzer.fragment_for_log(lrs, losses))
    assert problems == [] and state["input"] == "raw"
    log = analyzer.read_log(state["log"])
    assert (log["lrs"], log["losses"]) == (lrs, losses)
    state["spacing"] = "log10"
    state["loss_column"] = "loss"
    again, _ = analyzer.read_fragment(analyzer.fragment_of(state))
    assert again == state


def test_fragment_refuses_unknown_choices_and_leaves_long_logs_out():
    state, problems = analyzer.read_fragment("#input=cooked&spacing=lr&log=%ZZ")
    assert state["input"] == "smoothed" and len(problems) == 2
    big = analyzer.default_state()
    big["log"] = "x" * (analyzer.MAX_LINK_LOG + 1)
    assert "log=" not in analyzer.fragment_of(big)


def test_example_log_is_a_raw_fastai_sweep():
    log = analyzer.read_log(analyzer.example_log())
    assert log["lrs"] == pycore.lr_ladder(1e-7, 10.0, 100, "exponential", "fastai")
    assert lrfinder.argmin(log["losses"]) > 50
