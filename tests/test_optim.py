"""pycore.optim: the optimizers against torch.optim (float64), hypergradient descent against
Baydin et al.'s rules, the toy problems' derivatives against torch.autograd, the 2/L
threshold, runs, the explorer schedule, and the figures' data."""
import json
import math

import pytest
import torch

from pycore import explorer, lessons, links, optim, rangetest
from pycore.errors import SpecError
from pycore.lcg import Lcg
from pycore.optim import Adagrad, Adam, AdamHd, Rmsprop, Sgd, SgdHd


# --- update for update against torch.optim, float64 ---------------------------------------


TORCH = {"sgd": (Sgd, torch.optim.SGD), "adagrad": (Adagrad, torch.optim.Adagrad),
         "rmsprop": (Rmsprop, torch.optim.RMSprop), "adam": (Adam, torch.optim.Adam)}


@pytest.mark.parametrize("kind,options", [
    ("sgd", {}), ("sgd", {"momentum": 0.9}), ("sgd", {"momentum": 0.8, "dampening": 0.3}),
    ("sgd", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("adagrad", {}), ("adagrad", {"eps": 1e-3, "initial_accumulator_value": 0.1,
                                  "weight_decay": 0.1}),
    ("rmsprop", {}), ("rmsprop", {"momentum": 0.9}),
    ("rmsprop", {"centered": True, "alpha": 0.9, "weight_decay": 0.01}),
    ("rmsprop", {"centered": True, "momentum": 0.5, "eps": 1e-4}),
    ("adam", {}), ("adam", {"weight_decay": 0.1}),
    ("adam", {"betas": (0.5, 0.9), "eps": 1e-3}),
])
def test_optimizer_steps_match_torch(kind, options):
    ours_cls, torch_cls = TORCH[kind]
    rng = Lcg(11)
    params = [rng.uniform(-1, 1) for _ in range(6)]
    ours = ours_cls(6, **options)
    tensor = torch.tensor(params, dtype=torch.float64, requires_grad=True)
    theirs = torch_cls([tensor], lr=0.1, **options)
    for step in range(40):
        grad = [rng.uniform(-2, 2) for _ in range(6)]
        lr = 10 ** rng.uniform(-4, 0)
        ours.step(params, grad, lr)
        theirs.param_groups[0]["lr"] = lr
        tensor.grad = torch.tensor(grad, dtype=torch.float64)
        theirs.step()
        for a, b in zip(params, tensor.tolist()):
            assert abs(a - b) <= 1e-14 * max(1.0, abs(b)), (step, params, tensor.tolist())


@pytest.mark.parametrize("key,torch_cls,options", [
    ("sgd", torch.optim.SGD, {}), ("momentum", torch.optim.SGD, {"momentum": 0.9}),
    ("nesterov", torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    ("adagrad", torch.optim.Adagrad, {}), ("rmsprop", torch.optim.RMSprop, {}),
    ("adam", torch.optim.Adam, {})])
def test_figure_optimizers_are_torch_defaults_on_rosenbrock(key, torch_cls, options):
    prob = optim.problem("rosenbrock")
    lr = optim.DEFAULT_LRS["rosenbrock"][key]
    ours = optim.run(prob, optim.make_optimizer(key, 2), [lr] * 100)
    p = torch.tensor(prob.start, dtype=torch.float64, requires_grad=True)
    opt = torch_cls([p], lr=lr, **options)
    for i in range(100):
        opt.zero_grad()
        loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
        loss.backward()
        opt.step()
        for a, b in zip(ours.path[i + 1], p.tolist()):
            assert abs(a - b) <= 1e-10 * max(1.0, abs(b)), (i, ours.path[i + 1], p.tolist())


def test_rangetest_trains_with_the_same_optimizers():
    assert rangetest.Sgd is Sgd and rangetest.Adam is Adam


# --- hypergradient descent ------------------------------------------------------------------


def test_sgd_hd_matches_the_worked_example():
    """f = theta^2 / 2, theta0 = 1, alpha0 = 0.1, beta = 0.01 (reference/lrfinder.md §4)."""
    hd, theta = SgdHd(1, 0.1, 0.01), [1.0]
    expected = [(0.1, 0.9), (0.109, 0.8019), (0.1162171, 0.7087055075),
                (0.1219002095, 0.6223141577), (0.1263105842, 0.5437092929)]
    for alpha, value in expected:
        hd.step(theta, [theta[0]])
        assert hd.lr == pytest.approx(alpha, abs=1e-10)
        assert theta[0] == pytest.approx(value, abs=1e-10)


def test_adam_hd_matches_the_worked_example():
    hd, theta = AdamHd(1, 0.1, 0.01), [1.0]
    expected = [(0.1, 0.900000001), (0.1089999999, 0.7914493304),
                (0.1168818674, 0.6760305860), (0.1235575480, 0.5557719643),
                (0.1289668792, 0.4330594837)]
    for alpha, value in expected:
        hd.step(theta, [theta[0]])
        assert hd.lr == pytest.approx(alpha, abs=1e-10)
        assert theta[0] == pytest.approx(value, abs=1e-10)


def test_sgd_hd_hypergradient_is_the_derivative_of_the_loss_in_the_rate():
    """h_t = g_t . g_{t-1} is d f(theta_{t-1}) / d alpha, theta_{t-1} = theta_{t-2} -
    alpha g_{t-1}: checked with autograd on the 2-D quadratic."""
    prob = optim.problem("quadratic2d")
    before = torch.tensor(prob.start, dtype=torch.float64)
    g_prev = torch.tensor(prob.grad(prob.start), dtype=torch.float64)
    alpha = torch.tensor(0.05, dtype=torch.float64, requires_grad=True)
    theta = before - alpha * g_prev
    loss = 0.5 * (optim.QUAD_A * theta[0] ** 2 + optim.QUAD_B * theta[1] ** 2)
    loss.backward()
    g_now = prob.grad(theta.tolist())
    hyper = -(g_now[0] * g_prev[0].item() + g_now[1] * g_prev[1].item())
    assert alpha.grad.item() == pytest.approx(hyper, rel=1e-12)


def test_adam_hd_steps_are_torch_adam_at_the_adapted_rate():
    prob = optim.problem("rosenbrock")
    hd = AdamHd(2, 0.001, 1e-4)
    ours = optim.run_hypergradient(prob, hd, 60)
    p = torch.tensor(prob.start, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.001)
    for i in range(60):
        opt.zero_grad()
        ((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2).backward()
        opt.param_groups[0]["lr"] = ours.lrs[i]
        opt.step()
        for a, b in zip(ours.path[i + 1], p.tolist()):
            assert abs(a - b) <= 1e-10 * max(1.0, abs(b))


def test_hypergradient_raises_a_poor_starting_rate():
    """The page's defaults: from 0.001, both rules raise the rate and beat the fixed one."""
    d = optim.HD_DEFAULTS
    runs = optim.hypergradient_runs(optim.problem(d["problem"]), float(d["lr"]),
                                    float(d["beta_sgd"]), float(d["beta_adam"]))
    for plain, adapted in (("sgd", "sgd_hd"), ("adam", "adam_hd")):
        result = runs[adapted]
        assert result.diverged is None
        assert max(result.lrs) > 10 * result.lrs[0] == 10 * 0.001
        assert result.losses[-1] < 1e-3 * runs[plain].losses[-1]
    assert runs["sgd"].lrs == [0.001] * optim.HD_STEPS


def test_too_large_a_hyper_rate_diverges():
    result = optim.run_hypergradient(optim.problem("quadratic2d"), SgdHd(2, 0.001, 0.01), 200)
    assert result.diverged is not None


@pytest.mark.parametrize("text,ok", [("0", True), ("1e-4", True), ("1", True),
                                     ("-1e-4", False), ("2", False), ("x", False)])
def test_hyper_rates_are_read_from_zero_to_one(text, ok):
    if ok:
        assert optim.read_beta(text, "beta_sgd") == float(text)
    else:
        with pytest.raises(SpecError) as err:
            optim.read_beta(text, "beta_sgd")
        assert err.value.field == "beta_sgd"


# --- problems ------------------------------------------------------------------------------


def _torch_loss(key, p):
    x = p[0]
    if key == "quadratic1d":
        return 0.5 * x * x
    y = p[1]
    if key == "quadratic2d":
        return 0.5 * (x * x + 10 * y * y)
    if key == "rosenbrock":
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2
    return 0.5 * x * x + 0.25 * (y * y - 1) ** 2


@pytest.mark.parametrize("key", optim.PROBLEM_KEYS)
def test_gradient_and_hessian_match_autograd(key):
    prob = optim.problem(key)
    rng = Lcg(3)
    for _ in range(5):
        point = [rng.uniform(-1.5, 1.5) for _ in prob.start]
        p = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        loss = _torch_loss(key, p)
        loss.backward()
        assert prob.loss(point) == pytest.approx(loss.item(), rel=1e-13)
        assert prob.grad(point) == pytest.approx(p.grad.tolist(), rel=1e-12, abs=1e-12)
        h = torch.autograd.functional.hessian(lambda q: _torch_loss(key, q),
                                              torch.tensor(point, dtype=torch.float64))
        assert [v for row in prob.hessian(point) for v in row] == pytest.approx(
            h.flatten().tolist(), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("key,curvature", [
    ("quadratic1d", 1.0), ("quadratic2d", 10.0), ("saddle", 2.0),
    ("rosenbrock", 501.0 + math.sqrt(501.0 ** 2 - 400.0))])
def test_curvature_is_the_largest_hessian_eigenvalue_at_the_minimum(key, curvature):
    prob = optim.problem(key)
    assert prob.curvature() == pytest.approx(curvature, rel=1e-14)
    assert prob.loss(prob.minimum) == 0.0
    assert optim.threshold(prob) == pytest.approx(2.0 / curvature, rel=1e-14)


@pytest.mark.parametrize("key", ["quadratic1d", "quadratic2d"])
def test_gradient_descent_converges_below_two_over_l_and_diverges_above(key):
    prob = optim.problem(key)
    limit = optim.threshold(prob)
    below = optim.gd_run(prob, 0.98 * limit, 2000)
    above = optim.gd_run(prob, 1.02 * limit, 2000)
    assert below.diverged is None and below.losses[-1] < 1e-6 * below.losses[0]
    assert above.diverged is not None
    assert above.losses[-2] > above.losses[0]


def test_unknown_problem_and_optimizer_are_refused():
    with pytest.raises(SpecError) as err:
        optim.problem("bowl")
    assert err.value.field == "problem"
    with pytest.raises(SpecError) as err:
        optim.make_optimizer("lion", 2)
    assert err.value.field == "optimizer"


# --- runs ---------------------------------------------------------------------------------


def test_a_run_records_every_step():
    prob = optim.problem("quadratic2d")
    result = optim.run(prob, Sgd(2), [0.1, 0.05, 0.02])
    assert len(result.path) == len(result.losses) == 4
    assert result.lrs == [0.1, 0.05, 0.02]
    assert result.path[0] == prob.start
    assert result.losses[0] == prob.loss(prob.start)
    first = result.updates[0]
    assert first == pytest.approx([-0.1 * g for g in prob.grad(prob.start)], rel=1e-14)


def test_a_run_stops_where_it_diverges():
    prob = optim.problem("quadratic1d")
    result = optim.gd_run(prob, 5.0, 500)
    assert result.diverged == len(result.lrs) < 500
    assert abs(result.path[-1][0]) > optim.ESCAPE
    assert abs(result.path[-2][0]) <= optim.ESCAPE


@pytest.mark.parametrize("n", [0, optim.MAX_STEPS + 1, 2.0, True])
def test_run_length_is_bounded(n):
    with pytest.raises(SpecError) as err:
        optim.run_hypergradient(optim.problem("saddle"), SgdHd(2, 0.1, 0.0), n)
    assert err.value.field == "n"


def test_effective_step_is_the_rate_for_sgd_and_adapts_for_adam():
    prob = optim.problem("quadratic2d")
    sgd = optim.run(prob, Sgd(2), [0.05] * 5)
    for axis in (0, 1):
        assert optim.effective_steps(sgd, axis) == pytest.approx([0.05] * 5, rel=1e-12)
    adam = optim.run(prob, Adam(2), [0.05] * 5)
    first_grad = prob.grad(prob.start)
    for axis in (0, 1):
        assert optim.effective_steps(adam, axis)[0] == pytest.approx(
            0.05 / (abs(first_grad[axis]) + 1e-8), rel=1e-9)


def test_effective_step_is_a_gap_where_the_gradient_is_zero():
    prob = optim.problem("saddle")
    result = optim.run(prob, Sgd(2), [0.1] * 3)
    result.grads[1][0] = 0.0
    assert optim.effective_steps(result, 0)[1] is None


# --- the optimizers figure ----------------------------------------------------------------


@pytest.mark.parametrize("key", optim.FIGURE_PROBLEMS)
def test_the_default_rates_make_progress_without_diverging(key):
    prob = optim.problem(key)
    runs = optim.race(prob, optim.DEFAULT_LRS[key], [1.0] * optim.FIGURE_STEPS)
    assert set(runs) == set(optim.OPTIMIZER_KEYS)
    for name, result in runs.items():
        assert result.diverged is None, name
        assert result.losses[-1] < 0.2 * result.losses[0], name


def test_schedule_factors_stretch_the_shape_and_peak_at_one():
    assert optim.schedule_factors([2.0, 4.0, 1.0, 0.0], 8) == [
        0.5, 0.5, 1.0, 1.0, 0.25, 0.25, 0.0, 0.0]
    assert optim.schedule_factors([float(i) for i in range(100)], 4) == [0.0, 25 / 99,
                                                                          50 / 99, 75 / 99]
    with pytest.raises(SpecError):
        optim.schedule_factors([0.0, 0.0], 3)


def test_explorer_schedule_reads_the_saved_state():
    state = explorer.default_state()
    label, lrs = lessons.explorer_schedule(json.dumps(state))
    values, _ = explorer.read(state)
    assert label == explorer.schedule_label(values["clean"])
    assert len(lrs) == values["n"]
    assert lrs[0] > lrs[-1]


@pytest.mark.parametrize("text", [None, "", "not json", "[1]", '{"raw": 1, "run": {}}'])
def test_explorer_schedule_without_a_saved_state_says_so(text):
    with pytest.raises(SpecError) as err:
        lessons.explorer_schedule(text)
    assert "explorer" in err.value.allowed


def test_explorer_schedule_that_is_too_long_is_refused():
    state = explorer.default_state()
    state["run"]["stepping"] = "update"
    state["run"]["epochs"] = "1000"
    with pytest.raises(SpecError) as err:
        lessons.explorer_schedule(json.dumps(state))
    assert err.value.field == "schedule"


@pytest.mark.parametrize("text,ok", [("0.1", True), ("1e-3", True), ("0", False),
                                     ("-1", False), ("abc", False), ("", False),
                                     ("1e999", False)])
def test_typed_rates_are_positive_numbers(text, ok):
    if ok:
        assert optim.read_lr(text, "lr.sgd") == float(text)
    else:
        with pytest.raises(SpecError) as err:
            optim.read_lr(text, "lr.sgd")
        assert err.value.field == "lr.sgd"


# --- the first figure: slider, threshold, regimes -----------------------------------------


def test_slider_spans_a_thousandth_to_ten_on_a_log_scale():
    assert optim.slider_lr(0) == 0.001
    assert optim.slider_lr(optim.slider_positions()) == 10.0
    assert optim.slider_lr(200) == 0.1
    for lr in (0.001, 0.0316, 0.2, 2.0, 10.0):
        assert optim.slider_lr(optim.slider_position(lr)) == lr
    assert optim.slider_fraction(0.1) == pytest.approx(0.5)


def test_threshold_text_names_the_curvature():
    assert optim.threshold_text(optim.problem("quadratic2d")) == "2/L = 0.2 (L = 10)"
    assert optim.threshold_text(optim.problem("quadratic1d")) == "2/L = 2 (L = 1)"


def test_expected_loss_without_noise_is_gradient_descent():
    prob = optim.problem("quadratic2d")
    expected = optim.expected_losses(0.05, 50, 0.0)
    assert expected == pytest.approx(optim.gd_run(prob, 0.05, 50).losses, rel=1e-12)


def test_expected_loss_levels_off_where_the_noise_holds_it():
    lr, noise = 0.05, 2.0
    plateau = sum(lr * noise * noise / (2.0 * (2.0 - lr * a))
                  for a in (optim.QUAD_A, optim.QUAD_B))
    assert optim.expected_losses(lr, 2000, noise)[-1] == pytest.approx(plateau, rel=1e-9)


def test_expected_loss_matches_sampled_runs():
    """The average loss of many noisy SGD runs comes close to the exact expectation."""
    prob, lr, noise, runs, n = optim.problem("quadratic2d"), 0.05, 1.0, 400, 60
    rng = Lcg(7)
    total = [0.0] * (n + 1)
    for _ in range(runs):
        p = list(prob.start)
        for t in range(n + 1):
            total[t] += prob.loss(p) / runs
            g = prob.grad(p)
            p = [v - lr * (gi + noise * rng.normal()) for v, gi in zip(p, g)]
    exact = optim.expected_losses(lr, n, noise)
    for t in (10, 30, 60):
        assert total[t] == pytest.approx(exact[t], rel=0.15)


def test_regimes_show_the_classic_picture():
    curves = dict((key, (lr, losses)) for key, _, lr, losses in optim.regimes(1.0))
    assert [curves[k][0] for k in ("very_high", "high", "good", "low")] == [
        0.22, 0.16, 0.05, 0.004]
    very_high, high, good, low = (curves[k][1] for k in ("very_high", "high", "good", "low"))
    assert very_high[-1] > optim.ESCAPE
    assert high[10] < good[10] < low[10]
    assert good[-1] < high[-1] < low[-1]


@pytest.mark.parametrize("text,ok", [("0", True), ("2.5", True), ("10", True),
                                     ("-1", False), ("11", False), ("nan", False)])
def test_noise_is_read_from_zero_to_ten(text, ok):
    if ok:
        assert optim.read_noise(text) == float(text)
    else:
        with pytest.raises(SpecError):
            optim.read_noise(text)


# --- payloads and sentences ----------------------------------------------------------------


def test_paths_payload_shades_a_2d_surface_and_drops_escaped_points():
    prob = optim.problem("quadratic2d")
    good = optim.gd_run(prob, 0.1, 10)
    bad = optim.gd_run(prob, 0.5, 100)
    payload = json.loads(optim.paths_json(prob, [("good", 0, good), ("bad", 1, bad)]))
    assert payload["kind"] == "surface"
    nx, ny = optim.GRID
    assert len(payload["levels"]) == nx * ny
    assert set(payload["levels"]) <= set(range(optim.LEVELS))
    assert payload["paths"][0]["points"][0] == prob.start
    assert len(payload["paths"][0]["points"]) == 11
    assert len(payload["paths"][1]["points"]) == len(bad.path)


def test_paths_payload_of_a_1d_problem_draws_the_curve():
    prob = optim.problem("quadratic1d")
    payload = json.loads(optim.paths_json(prob, [("gd", 0, optim.gd_run(prob, 0.5, 3))]))
    assert payload["kind"] == "curve"
    assert payload["paths"][0]["points"] == [[4.0, 8.0], [2.0, 2.0], [1.0, 0.5],
                                             [0.5, 0.125]]


def test_curves_payload_leaves_gaps_for_log_scale():
    payload = json.loads(optim.curves_json([("a", "A", 0, [1.0, 0.0, float("inf"), 2.0])],
                                           "Loss"))
    assert payload["curves"][0]["y"] == [1.0, None, None, 2.0]
    assert payload["curves"][0]["x"] == [0, 1, 2, 3]
    assert payload["log"] is True


def test_curves_payload_keeps_a_log_chart_within_twelve_decades():
    payload = json.loads(optim.curves_json([("a", "A", 0, [100.0, 1e-9, 1e-11]),
                                            ("b", "B", 1, [1.0, 5e-11])], "Loss"))
    assert payload["curves"][0]["y"] == [100.0, 1e-9, None]
    assert payload["curves"][1]["y"] == [1.0, None]


def test_outcome_sentences():
    prob = optim.problem("quadratic2d")
    assert optim.outcome(optim.gd_run(prob, 0.25, 100)).startswith("Diverged: the loss blew")
    assert optim.outcome(optim.gd_run(prob, 0.21, 30)).startswith("Diverging: after 30")
    assert optim.outcome(optim.gd_run(prob, 0.1, 300)).startswith("Converged: after 300")
    assert optim.outcome(optim.gd_run(prob, 0.001, 10)).startswith("Still descending")
    at_the_threshold = optim.gd_run(optim.problem("quadratic1d"), 2.0, 10)
    assert optim.outcome(at_the_threshold) == (
        "Not converging: after 10 steps the loss is 8 (from 8).")


# --- page views -----------------------------------------------------------------------------


def test_descent_view_marks_two_over_l_and_says_how_the_run_ended():
    prob = optim.problem("quadratic2d")
    view = optim.descent_view("quadratic2d", optim.slider_position(0.1))
    assert view["lr"] == 0.1 and view["lr_text"] == "0.1"
    assert view["diverges"] is False
    assert view["mark"] == optim.slider_fraction(optim.threshold(prob))
    assert view["mark_text"] == optim.threshold_text(prob)
    assert view["outcome"] == optim.outcome(optim.gd_run(prob, 0.1, optim.DESCENT_STEPS))
    above = optim.descent_view("quadratic2d", optim.slider_position(0.21))
    assert above["diverges"] is True


@pytest.mark.parametrize("key,position", [("rosenbrock", 100), ("quadratic2d", -1),
                                          ("quadratic2d", 401), ("quadratic2d", "5")])
def test_descent_view_refuses_other_problems_and_positions(key, position):
    with pytest.raises(SpecError):
        optim.descent_view(key, position)


def test_regimes_view_labels_each_rate():
    view = optim.regimes_view("1")
    assert [label for label, _ in view["legend"]] == [
        "Very high LR 0.22", "High LR 0.16", "Good LR 0.05", "Low LR 0.004"]
    assert len(json.loads(view["chart"])["curves"]) == 4
    with pytest.raises(SpecError):
        optim.regimes_view("-1")


def test_race_view_names_each_bad_rate_and_runs_only_those_shown():
    texts = optim.default_lr_texts("saddle")
    view, errors = optim.race_view("saddle", dict(texts, adam="0", sgd="x"), set(), None, "0")
    assert view is None and set(errors) == {"lr.adam", "lr.sgd"}
    view, errors = optim.race_view("bowl", texts, set(), None, "")
    assert view is None and set(errors) == {"problem", "axis"}
    view, errors = optim.race_view("saddle", texts, {"sgd", "adam"}, None, "1")
    assert errors == {}
    assert [c["key"] for c in json.loads(view["loss"])["curves"]] == ["sgd", "adam"]
    assert view["outcomes"]["momentum"] == "Hidden."
    runs = optim.race(optim.problem("saddle"), optim.DEFAULT_LRS["saddle"],
                      [1.0] * optim.FIGURE_STEPS, ("sgd",))
    assert view["outcomes"]["sgd"] == optim.outcome(runs["sgd"])


def test_race_view_applies_the_schedule_factors():
    texts = optim.default_lr_texts("quadratic2d")
    factors = [0.5] * optim.FIGURE_STEPS
    view, _ = optim.race_view("quadratic2d", texts, {"sgd"}, factors, "0")
    half = optim.gd_run(optim.problem("quadratic2d"), 0.075, optim.FIGURE_STEPS)
    assert view["outcomes"]["sgd"] == optim.outcome(half)


def test_schedule_view_explains_the_mapping():
    saved = json.dumps(explorer.default_state())
    factors, sentence = lessons.schedule_view(saved)
    assert len(factors) == optim.FIGURE_STEPS and max(factors) == 1.0
    assert sentence.startswith("Applying pytorch CosineAnnealingLR from the explorer")
    assert lessons.schedule_view("") == (
        None, "No schedule applied: open a schedule in the explorer first.")


def test_hypergradient_view_reads_every_field():
    view, errors = optim.hypergradient_view(dict(optim.HD_DEFAULTS, lr="0", beta_adam="x",
                                                 problem="bowl"))
    assert view is None and set(errors) == {"lr", "beta_adam", "problem"}
    view, errors = optim.hypergradient_view(optim.HD_DEFAULTS)
    assert set(view["outcomes"]) == set(k for k, _, _ in optim.HD_RUNS)
    assert "Rate: lowest 0.001, highest 0.001, last 0.001." in view["outcomes"]["sgd"]


def test_hypergradient_link_round_trips_and_ignores_junk():
    raw = dict(optim.HD_DEFAULTS, lr="<script>", beta_sgd="1 e")
    fragment = optim.hd_fragment_of(raw)
    assert fragment.startswith("problem=quadratic2d&lr=%3Cscript%3E&")
    assert optim.hd_read_fragment("#" + fragment) == raw
    assert optim.hd_read_fragment("#zz=1&lr=%ZZ&beta_adam=" + "9" * 99) == dict(
        optim.HD_DEFAULTS, beta_adam="9" * links.MAX_FORM_VALUE)
    assert optim.hd_read_fragment("") == optim.HD_DEFAULTS


def test_what_lr_does_link_round_trips_and_falls_back_on_junk():
    start = optim.slider_position(optim.DESCENT_START_LR)
    assert optim.lesson_read_fragment("") == ("quadratic2d", start, "1")
    assert optim.lesson_read_fragment("#heading-anchor") == ("quadratic2d", start, "1")
    for position in (0, 1, start, 137, optim.slider_positions()):
        fragment = optim.lesson_fragment_of("quadratic1d", position, "0.5")
        assert fragment == "problem=quadratic1d&lr=%s&noise=0.5" % optim.format_sig(
            optim.slider_lr(position), 3)
        assert optim.lesson_read_fragment("#" + fragment) == ("quadratic1d", position, "0.5")
    # Off the slider, unreadable or not a problem: the figure's start; noise kept as given
    # (regimes_view names what is wrong with it, as for typed text).
    for junk in ("lr=1e9", "lr=0", "lr=-1", "lr=abc", "lr=%ZZ", "lr=nan", "problem=x",
                 "problem=%3Cb%3E"):
        assert optim.lesson_read_fragment(junk + "&noise=%3Cscript%3E") == (
            "quadratic2d", start, "<script>")
    assert optim.lesson_read_fragment("noise=" + "9" * 99)[2] == "9" * links.MAX_FORM_VALUE


def test_optimizers_link_round_trips_and_falls_back_on_junk():
    texts = dict(optim.default_lr_texts("saddle"), adam="1,5", sgd="<b>")
    fragment = optim.race_fragment_of("saddle", texts, {"adam", "sgd"}, "1", "explorer")
    assert fragment.startswith("problem=saddle&axis=1&schedule=explorer&show=sgd%2Cadam&")
    assert optim.race_read_fragment("#" + fragment) == (
        "saddle", texts, {"adam", "sgd"}, "1", "explorer")
    first = optim.FIGURE_PROBLEMS[0]
    every = set(optim.OPTIMIZER_KEYS)
    assert optim.race_read_fragment("#heading") == (
        first, optim.default_lr_texts(first), every, "0", "none")
    # Rates the link leaves out are the problem's own defaults.
    assert optim.race_read_fragment("problem=rosenbrock&adam=0.5")[1] == dict(
        optim.default_lr_texts("rosenbrock"), adam="0.5")
    assert optim.race_read_fragment("problem=x&axis=2&schedule=%3Cb%3E&show=") == (
        first, optim.default_lr_texts(first), set(), "0", "none")
    assert optim.race_read_fragment("show=adam,zz,%3Cb%3E")[2] == {"adam"}
    assert optim.race_read_fragment("show=adam%ZZ")[2] == every  # a broken escape: ignored
    assert optim.race_read_fragment("sgd=" + "9" * 99)[1]["sgd"] == "9" * links.MAX_FORM_VALUE
