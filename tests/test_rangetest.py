"""pycore.rangetest: the toy problem, whole runs against torch (float64; the optimizers'
single steps are compared in test_optim.py), the chunked range test, its stop rules, the
page's form, link and view data."""
import json
import math

import pytest
import torch

from pycore import analyzer, lrfinder, rangetest
from pycore.lcg import Lcg
from pycore.rangetest import Model, RangeTest, make_data

SPEC = dict(rangetest.DEFAULT_SPEC)


def spec(**changes):
    s = dict(SPEC)
    s.update(changes)
    return s


def run(s, chunk=1000):
    test = RangeTest(s)
    while not test.advance(chunk):
        pass
    return test


# --- data and model -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["blobs", "circle"])
def test_data_is_seeded_and_has_both_classes(kind):
    xs, ys = make_data(kind, 400, 0.2, 7)
    assert (xs, ys) == make_data(kind, 400, 0.2, 7)
    assert make_data(kind, 400, 0.2, 8)[0] != xs
    assert len(xs) == len(ys) == 400 and all(len(p) == 2 for p in xs)
    assert set(ys) == {0.0, 1.0}
    assert 0.3 < sum(ys) / len(ys) < 0.7


def test_circle_labels_follow_the_circle_without_noise():
    xs, ys = make_data("circle", 300, 0.0, 3)
    for (a, b), y in zip(xs, ys):
        assert y == (1.0 if a * a + b * b < 1.44 else 0.0)


def test_blobs_are_centred_on_their_class():
    xs, ys = make_data("blobs", 2000, 0.3, 1)
    for label, centre in ((0.0, (-1.0, -0.5)), (1.0, (1.0, 0.5))):
        pts = [p for p, y in zip(xs, ys) if y == label]
        for k in range(2):
            assert abs(sum(p[k] for p in pts) / len(pts) - centre[k]) < 0.05


def test_normal_has_unit_variance():
    rng = Lcg(5)
    values = [rng.normal() for _ in range(20000)]
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / len(values)
    assert abs(mean) < 0.03 and abs(var - 1.0) < 0.03


@pytest.mark.parametrize("hidden,count,bound", [(0, 3, 1 / math.sqrt(2)),
                                                 (8, 8 * 2 + 8 + 8 + 1, 1 / math.sqrt(2))])
def test_initial_weights_are_uniform_within_nn_linear_bounds(hidden, count, bound):
    model = Model(hidden, "tanh", Lcg(1))
    assert len(model.params) == count
    assert all(abs(p) <= bound for p in model.params[:3 * max(hidden, 1)])
    if hidden:
        assert all(abs(p) <= 1 / math.sqrt(hidden) for p in model.params[3 * hidden:])


@pytest.mark.parametrize("hidden,activation", [(0, "tanh"), (5, "tanh"), (5, "relu")])
def test_gradient_matches_finite_differences(hidden, activation):
    xs, ys = make_data("circle", 20, 0.1, 2)
    model = Model(hidden, activation, Lcg(4))
    _, grad = model.loss_and_grad(xs, ys)
    for i in range(len(model.params)):
        keep = model.params[i]
        model.params[i] = keep + 1e-6
        up = model.loss_and_grad(xs, ys)[0]
        model.params[i] = keep - 1e-6
        down = model.loss_and_grad(xs, ys)[0]
        model.params[i] = keep
        assert abs((up - down) / 2e-6 - grad[i]) < 1e-7


def test_loss_is_stable_for_huge_logits():
    assert rangetest.bce_with_logits(800.0, 1.0) == 0.0
    assert rangetest.bce_with_logits(-800.0, 1.0) == 800.0
    assert rangetest.sigmoid(-800.0) == 0.0 and rangetest.sigmoid(800.0) == 1.0
    assert math.isnan(rangetest.bce_with_logits(math.nan, 1.0))


# --- against torch, float64 -----------------------------------------------------------------


def _torch_optimizer(kind, params, options):
    if kind == "adam":
        return torch.optim.Adam(params, lr=0.1, **options)
    return torch.optim.SGD(params, lr=0.1, **options)


def torch_losses(s, lrs):
    """The same range test in torch, float64: our data and initial weights, nn layers,
    BCEWithLogitsLoss, torch.optim, the same batches; the loss before each step."""
    test = RangeTest(s)
    hidden = 0 if s["model"] == "logistic" else s["hidden"]
    if hidden == 0:
        net = torch.nn.Linear(2, 1)
    else:
        act = torch.nn.Tanh() if s["activation"] == "tanh" else torch.nn.ReLU()
        net = torch.nn.Sequential(torch.nn.Linear(2, hidden), act, torch.nn.Linear(hidden, 1))
    net = net.double()
    with torch.no_grad():
        i = 0
        for q in net.parameters():
            q.copy_(torch.tensor(test.model.params[i:i + q.numel()],
                                 dtype=torch.float64).reshape(q.shape))
            i += q.numel()
    options = {"weight_decay": s["weight_decay"]}
    if s["optimizer"] == "sgd":
        options["momentum"] = s["momentum"]
    opt = _torch_optimizer(s["optimizer"], net.parameters(), options)
    data = torch.tensor(test.xs, dtype=torch.float64)
    labels = torch.tensor(test.ys, dtype=torch.float64)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    out, cursor, n = [], 0, len(test.xs)
    for lr in lrs:
        rows = [(cursor + k) % n for k in range(s["batch"])]
        cursor = (cursor + s["batch"]) % n
        for group in opt.param_groups:
            group["lr"] = lr
        opt.zero_grad()
        loss = loss_fn(net(data[rows]).squeeze(1), labels[rows])
        loss.backward()
        opt.step()
        out.append(loss.item())
    return out


@pytest.mark.parametrize("changes", [
    {}, {"optimizer": "adam"}, {"model": "logistic", "data": "blobs", "noise": 0.5},
    {"activation": "relu", "weight_decay": 0.01, "batch": 50, "size": 120},
    {"optimizer": "adam", "weight_decay": 0.1, "model": "logistic", "momentum": 0.0},
    {"optimizer": "sgd", "momentum": 0.0, "hidden": 3, "mode": "linear",
     "tool": "torch_lr_finder"},
])
def test_losses_match_the_same_run_in_torch(changes):
    s = spec(iterations=150, end=10.0, diverge=None, smoothing="none", **changes)
    test = run(s)
    expected = torch_losses(s, test.planned)
    assert len(test.raw_losses) == len(expected) == 150
    for i, (a, b) in enumerate(zip(test.raw_losses, expected)):
        assert abs(a - b) <= 1e-8 * abs(b), (i, a, b)


# --- the range test -------------------------------------------------------------------------


def test_rates_are_the_tool_ladder():
    for tool in lrfinder.TOOLS:
        s = spec(tool=tool, diverge=None)
        assert RangeTest(s).planned == lrfinder.lr_ladder(1e-4, 100.0, 200, "exponential",
                                                          tool)


@pytest.mark.parametrize("smoothing", ["fastai", "torch_lr_finder", "lightning"])
def test_recorded_loss_is_the_tool_smoothing_of_the_batch_loss(smoothing):
    test = run(spec(smoothing=smoothing))
    assert test.losses == lrfinder.smooth(test.raw_losses, smoothing)
    assert test.lrs == test.planned[:len(test.losses)]


def test_no_smoothing_records_the_batch_loss():
    test = run(spec(smoothing="none"))
    assert test.losses == test.raw_losses


def test_chunks_do_not_change_the_result():
    whole = run(spec(), chunk=10000)
    for chunk in (1, 3, 64):
        part = run(spec(), chunk=chunk)
        assert (part.lrs, part.losses, part.raw_losses, part.stopped) == (
            whole.lrs, whole.losses, whole.raw_losses, whole.stopped)


@pytest.mark.parametrize("examples", [1, 5, 31, 32, 33, 100])
def test_a_budget_of_examples_splits_batches_without_changing_the_result(examples):
    whole = run(spec(iterations=60, diverge=None))
    test = RangeTest(spec(iterations=60, diverge=None))
    calls = 1
    while not test.advance(1000, examples):
        calls += 1
    assert (test.lrs, test.losses, test.raw_losses) == (whole.lrs, whole.losses,
                                                          whole.raw_losses)
    assert calls >= 60 * 32 // examples


def test_half_a_batch_records_nothing_yet():
    test = RangeTest(spec(batch=32))
    assert test.advance(5, 20) is False and test.losses == []
    assert test.advance(5, 12) is False and len(test.losses) == 1


def test_advance_runs_at_most_k_iterations():
    test = RangeTest(spec(diverge=None))
    assert test.advance(7) is False
    assert len(test.losses) == len(test.lrs) == len(test.raw_losses) == 7
    assert test.stopped is None and test.progress() == 7 / 200


def test_stops_at_the_first_loss_above_four_times_the_best_and_keeps_it():
    test = run(spec())
    i = test.stop_index
    assert i == len(test.losses) - 1 < 199
    assert test.losses[i] > 4 * min(test.losses[:i])
    assert all(test.losses[j] <= 4 * min(test.losses[:j]) for j in range(1, i))
    assert test.stopped.startswith("Stopped at iteration %d (LR " % (i + 1))
    assert "passed 4 times the best loss" in test.stopped
    assert test.advance(5) is True and len(test.losses) == i + 1


def test_stop_factor_is_configurable():
    four, five = run(spec()), run(spec(diverge=5.0))
    assert len(five.losses) > len(four.losses)
    full = run(spec(diverge=None))
    assert len(full.losses) == 200 and full.stop_index is None
    assert full.stopped == "Completed all 200 iterations without diverging."
    assert full.progress() == 1.0


def test_a_non_finite_loss_stops_the_run():
    test = run(spec(activation="relu", start=1e6, end=1e300, diverge=None, smoothing="none"))
    assert not math.isfinite(test.losses[-1])
    assert all(math.isfinite(v) for v in test.losses[:-1])
    assert test.stopped.endswith("the loss became %s." % ("nan" if math.isnan(
        test.losses[-1]) else "inf"))


def test_cancel_keeps_the_recorded_points():
    test = RangeTest(spec(diverge=None))
    test.advance(10)
    test.cancel()
    assert test.cancelled and test.stopped == "Cancelled after 10 of 200 iterations."
    assert test.advance(10) is True and len(test.losses) == 10
    assert test.progress() == 1.0


def test_the_default_run_learns_then_diverges():
    test = run(spec())
    low = min(test.losses)
    assert low < test.losses[0] / 2
    assert 1 < test.lrs[test.losses.index(low)] < 10
    assert test.stop_index is not None


# --- the page's form and link ---------------------------------------------------------------


def test_defaults_read_to_the_default_spec():
    s, errors = rangetest.read(rangetest.defaults())
    assert errors == {} and s == rangetest.DEFAULT_SPEC


@pytest.mark.parametrize("key,text,message", [
    ("hidden", "0", "Enter a whole number from 1 to 64."),
    ("hidden", "2.5", "Enter a whole number from 1 to 64."),
    ("size", "5", "Enter a whole number from 10 to 20,000."),
    ("batch", "600", "Enter a whole number from 1 to 512."),
    ("noise", "abc", "Enter a number like 0.01 or 1e-3."),
    ("noise", "0,5", "Use a dot for decimals and no thousands separators, e.g. 1.5."),
    ("momentum", "1", "Enter a number from 0 to 0.999."),
    ("start", "0", "Enter a learning rate above 0."),
    ("start", "-1e-3", "Enter a learning rate above 0."),
    ("end", "1e-5", "Enter an end LR above the start LR (0.0001)."),
    ("iterations", "1", "Enter a whole number from 2 to 5,000."),
    ("iterations", "", "Enter a number."),
    ("diverge", "1", "Enter a factor above 1, or leave it empty."),
    ("model", "resnet", "Choose one of the listed options."),
])
def test_bad_inputs_get_a_message_on_their_field(key, text, message):
    raw = rangetest.defaults()
    raw[key] = text
    s, errors = rangetest.read(raw)
    assert s is None and errors == {key: message}


def test_empty_stop_factor_never_stops():
    raw = rangetest.defaults()
    raw["diverge"] = " "
    assert rangetest.read(raw)[0]["diverge"] is None


def test_a_ladder_the_tool_lacks_is_refused_on_the_sweep_field():
    raw = rangetest.defaults()
    raw["mode"] = "linear"
    s, errors = rangetest.read(raw)
    assert s is None and list(errors) == ["mode"] and "fastai" in errors["mode"].lower()


@pytest.mark.parametrize("tool,smoothing,diverge", [
    ("fastai", "fastai", "4"), ("torch_lr_finder", "torch_lr_finder", "5"),
    ("lightning", "lightning", "4"), ("ignite", "torch_lr_finder", "5")])
def test_choosing_a_tool_sets_its_smoothing_and_stop_factor(tool, smoothing, diverge):
    raw = rangetest.with_tool(rangetest.defaults(), tool)
    assert (raw["tool"], raw["smoothing"], raw["diverge"]) == (tool, smoothing, diverge)
    assert rangetest.read(raw)[1] == {}


def test_link_round_trips_every_input():
    raw = rangetest.defaults()
    raw.update({"start": "1e-5", "optimizer": "adam", "noise": "0.25", "diverge": ""})
    back, problems = rangetest.read_fragment("#" + rangetest.fragment_of(raw))
    assert back == raw and problems == []


def test_link_ignores_unknown_keys_and_reports_broken_escapes():
    raw, problems = rangetest.read_fragment("#zzz=1&start=%ZZ&end=50")
    assert raw["end"] == "50" and raw["start"] == rangetest.defaults()["start"]
    assert problems == ["The link's start was not used: has a broken %-escape."]


# --- what the page shows --------------------------------------------------------------------


def test_chart_payload_is_the_recorded_loss_on_a_log_axis():
    test = run(spec())
    payload = json.loads(rangetest.chart_json(test, [(test.lrs[3], test.losses[3], "x")]))
    assert payload["xlog"] is True and payload["version"] == 2
    assert [c["key"] for c in payload["curves"]] == ["recorded"]
    assert payload["curves"][0]["x"] == test.lrs and payload["curves"][0]["y"] == test.losses
    assert payload["points"] == [{"x": test.lrs[3], "y": test.losses[3], "label": "x"}]
    linear = RangeTest(spec(mode="linear", tool="torch_lr_finder"))
    linear.advance(3)
    assert json.loads(rangetest.chart_json(linear))["xlog"] is False


def test_chart_payload_spans_the_planned_sweep_while_running():
    test = RangeTest(spec())
    test.advance(3)
    planned = (min(test.planned), max(test.planned))
    assert tuple(json.loads(rangetest.chart_json(test))["xrange"]) == planned
    assert max(test.lrs) < planned[1]
    assert "xrange" not in json.loads(rangetest.chart_json(run(spec())))


def test_chart_payload_turns_non_finite_losses_into_gaps():
    test = run(spec(activation="relu", start=1e6, end=1e300, diverge=None, smoothing="none"))
    payload = json.loads(rangetest.chart_json(test))
    assert payload["curves"][0]["y"][-1] is None


def test_progress_text():
    test = RangeTest(spec())
    assert rangetest.progress_text(test) == "Starting…"
    test.advance(3)
    assert rangetest.progress_text(test).startswith("Iteration 3 of 200: LR 0.0")


def test_suggestions_come_from_suggest_lr_on_the_recorded_log():
    test = run(spec())
    result = rangetest.suggestions(test)
    assert [r["method"] for r in result["rows"]] == list(lrfinder.METHODS)
    assert [r["label"] for r in result["rows"]] == [analyzer.LABELS[m]
                                                    for m in lrfinder.METHODS]
    for row in result["rows"]:
        options = {"skip_start": 20} if row["method"].startswith("fastai.") else {}
        found = lrfinder.suggestion(test.lrs, test.losses, row["method"], **options)
        assert row["lr"] == found["lr"] and row["index_text"] == str(found["index"])
        assert row["why"].lower() == found["reason"].lower() + "."
    assert len(result["marks"]) == len(result["rows"])


def test_analyzer_link_carries_the_recorded_log_as_smoothed():
    test = run(spec())
    fragment = rangetest.analyzer_fragment(test)
    state, problems = analyzer.read_fragment("#" + fragment)
    assert problems == [] and state["input"] == "smoothed"
    log = analyzer.read_log(state["log"])
    assert log["lrs"] == test.lrs and log["losses"] == test.losses


def test_analyzer_link_leaves_out_a_last_nan_and_long_logs():
    test = run(spec(activation="relu", start=1e6, end=1e300, diverge=None, smoothing="none"))
    state, _ = analyzer.read_fragment(rangetest.analyzer_fragment(test))
    assert analyzer.read_log(state["log"])["losses"] == test.losses[:-1]
    long = run(spec(iterations=2000, end=0.01, diverge=None))
    assert rangetest.analyzer_fragment(long) is None


def test_a_rule_that_cannot_answer_says_why():
    test = RangeTest(spec(iterations=12, diverge=None))
    test.advance(100)
    rows = dict((r["method"], r) for r in rangetest.suggestions(test)["rows"])
    assert rows["fastai.slide"]["lr"] is None and rows["fastai.slide"]["lr_text"] == "-"
    assert rows["fastai.slide"]["why"].endswith(".")
