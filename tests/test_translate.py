"""translate: the closest spec in another framework, with a measured, honest verdict."""
import pytest

import pycore
from pycore.translate import EXACT, Shape, shape_formula, staircase, translation

FRAMEWORKS = ["pytorch", "transformers", "keras", "optax", "timm"]

SOURCES = [
    {"framework": "pytorch", "name": "CosineAnnealingLR", "lr": 0.1,
     "params": {"T_max": 100, "eta_min": 0.001}},
    {"framework": "pytorch", "name": "MultiStepLR", "lr": 0.1,
     "params": {"milestones": [30, 80], "gamma": 0.1}},
    {"framework": "pytorch", "name": "StepLR", "lr": 0.05, "params": {"step_size": 25}},
    {"framework": "transformers", "name": "cosine", "lr": 3e-4,
     "params": {"num_warmup_steps": 5, "num_training_steps": 30}},
    {"framework": "keras", "name": "ExponentialDecay", "params": {
        "initial_learning_rate": 0.1, "decay_steps": 1.0, "decay_rate": 0.97}},
    {"framework": "optax", "name": "warmup_cosine_decay_schedule", "params": {
        "init_value": 0.0, "peak_value": 1e-3, "warmup_steps": 10, "decay_steps": 110,
        "end_value": 1e-5}},
    {"framework": "timm", "name": "CosineLRScheduler", "lr": 0.01, "params": {
        "t_initial": 50, "warmup_t": 5, "warmup_lr_init": 1e-4, "warmup_prefix": True,
        "t_in_epochs": False}},
]


def rel(a, b, floor):
    return 0.0 if abs(a - b) <= floor else abs(a - b) / max(abs(a), abs(b))


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s["framework"] + "." + s["name"])
def test_verdict_is_what_the_numbers_say(source, framework):
    out = pycore.translate(source, framework)
    assert out["spec"]["framework"] == framework
    n = out["horizon"]
    a = pycore.lr_series(source, n)
    b = pycore.lr_series(out["spec"], n)
    floor = EXACT * max(abs(x) for x in a)
    diffs = [rel(x, y, floor) for x, y in zip(a, b)]
    assert out["max_rel_diff"] == max(diffs)
    assert out["mean_rel_diff"] == pytest.approx(sum(diffs) / n, rel=1e-12, abs=1e-300)
    first = next((t for t, d in enumerate(diffs) if d > EXACT), None)
    assert out["first_diff_step"] == first
    assert out["exact"] == (first is None)


def test_a_schedule_that_stops_gets_a_horizon_that_ends_with_it():
    spec = {"framework": "pytorch", "name": "OneCycleLR", "lr": 0.1,
            "params": {"max_lr": 0.1, "total_steps": 1000}}
    out = pycore.translate(spec, "optax")
    assert out["horizon"] == 1001 and out["spec"]["name"] == "cosine_onecycle_schedule"
    # the same knots: equal up to PyTorch's last, extrapolated step
    assert out["first_diff_step"] == 1000


def test_one_cycle_back_from_optax_stops_where_pytorch_stops():
    spec = {"framework": "optax", "name": "cosine_onecycle_schedule",
            "params": {"transition_steps": 777, "peak_value": 0.01}}
    out = pycore.translate(spec, "pytorch")
    assert out["spec"]["name"] == "OneCycleLR"
    assert out["horizon"] == 1554 and 778 <= out["first_diff_step"] <= 779


def test_differences_far_below_the_peak_count_as_none():
    """HF cosine ends near 0, where a formula's rounding is a large relative error of a
    negligible LR: within 1e-12 of the peak it is the same schedule."""
    spec = {"framework": "transformers", "name": "cosine", "lr": 3e-4,
            "params": {"num_warmup_steps": 100, "num_training_steps": 1000}}
    out = pycore.translate(spec, "pytorch", horizon=1001)
    assert out["exact"], out


def test_same_framework_is_itself():
    out = pycore.translate(SOURCES[0], "pytorch")
    assert out["exact"] and out["spec"] == pycore.validate(SOURCES[0])


@pytest.mark.parametrize("framework,name", [("keras", "CosineDecay"),
                                            ("optax", "cosine_decay_schedule"),
                                            ("timm", "CosineLRScheduler")])
def test_pytorch_cosine_matches_until_it_rises_again(framework, name):
    """PyTorch's cosine is periodic; the others hold eta_min: same curve up to T_max."""
    out = pycore.translate(SOURCES[0], framework, horizon=101)
    assert out["exact"] and out["spec"]["name"] == name
    out = pycore.translate(SOURCES[0], framework)
    assert out["first_diff_step"] == 101


@pytest.mark.parametrize("framework", FRAMEWORKS[1:])
def test_milestones_become_each_frameworks_staircase(framework):
    out = pycore.translate(SOURCES[1], framework)
    if framework == "transformers":
        assert not out["exact"] and out["first_diff_step"] == 30
    else:
        assert out["exact"], out


def test_hf_cosine_matches_optax_warmup_cosine():
    out = pycore.translate(SOURCES[3], "optax", horizon=31)
    assert out["exact"] and out["spec"]["name"] == "warmup_cosine_decay_schedule"


def test_shape_formula_runs_in_lambdalr():
    shape = Shape(0.1, "cosine", 90, 0.001, warmup=10, init=0.0)
    spec = {"framework": "pytorch", "name": "LambdaLR", "lr": 0.1,
            "params": {"lr_lambda": shape_formula(shape)}}
    values = pycore.lr_series(spec, 120)
    assert values[0] == 0.0 and values[10] == pytest.approx(0.1)
    assert values[100] == pytest.approx(0.001) and values[119] == pytest.approx(0.001)


def test_staircase_reads_change_points():
    assert staircase([1.0, 1.0, 0.5, 0.5, 0.25]) == (1.0, [(2, 0.5), (4, 0.25)])
    assert staircase([float(i) for i in range(200)]) is None


@pytest.mark.parametrize("bad,field", [
    ({"framework": "pytorch", "name": "StepLR", "lr": 0.1, "params": {"step_size": 1}},
     "framework"),
])
def test_rejects_unknown_framework(bad, field):
    with pytest.raises(pycore.SpecError) as err:
        pycore.translate(bad, "tensorflow")
    assert err.value.field == field


@pytest.mark.parametrize("horizon", [0, -1, 1.5, True, 10 ** 9])
def test_rejects_bad_horizon(horizon):
    with pytest.raises(pycore.SpecError) as err:
        pycore.translate(SOURCES[2], "keras", horizon=horizon)
    assert err.value.field == "horizon"


def test_metric_driven_schedules_have_no_curve_to_translate():
    spec = {"framework": "pytorch", "name": "ReduceLROnPlateau", "lr": 0.1, "params": {},
            "metrics": [1.0, 0.9]}
    with pytest.raises(pycore.SpecError) as err:
        pycore.translate(spec, "keras")
    assert "metric" in str(err.value)


def test_translation_comes_a_candidate_at_a_time_with_translates_result():
    """The explorer drives the search a piece at a time between browser tasks: the pieces
    end with exactly translate()'s result."""
    for framework in ("optax", "keras", "pytorch"):
        pieces = list(translation(SOURCES[0], framework, 300))
        assert pieces[-1] == pycore.translate(SOURCES[0], framework, 300)
        assert all(p is None for p in pieces[:-1])
        if framework != SOURCES[0]["framework"]:
            assert len(pieces) >= 3  # the source, then each candidate

