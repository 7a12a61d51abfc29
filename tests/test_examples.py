"""pycore.examples: each recipe is the published setting, its numbers are pycore's, and its
links reopen exactly it in the explorer or the calculator; the MkDocs hook renders them."""
import math
import os
import re

import pytest

from conftest import ROOT
from build import DIST
from pycore import SpecError, calculator, examples, explorer, lr_at, lr_series
from pycore.numfmt import format_lr, py_repr

RECIPES = examples.RECIPE_IDS


def close(a, b):
    """Equal to 1e-12 relative (the closed form lr_at against the replayed series)."""
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1e-300)


def by_label(n):
    return dict((r["label"], r) for r in n["rows"])


@pytest.mark.parametrize("example_id", RECIPES)
def test_rows_are_the_series_of_the_spec(example_id):
    n = examples.numbers(example_id)
    steps = [r["step"] for r in n["rows"]]
    series = lr_series(n["spec"], max(steps) + 1)
    for r in n["rows"]:
        assert r["lr"] == series[r["step"]]
        assert r["lr_text"] == format_lr(series[r["step"]])
        assert r["lr_repr"] == py_repr(series[r["step"]])
        assert close(r["lr"], lr_at(n["spec"], r["step"]))


@pytest.mark.parametrize("example_id", RECIPES)
def test_marks_are_in_order_inside_the_run(example_id):
    n = examples.numbers(example_id)
    steps = [r["step"] for r in n["rows"]]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)
    assert steps[0] == 0
    assert steps[-1] == int(n["n"].replace(",", "")) - 1


@pytest.mark.parametrize("example_id", RECIPES)
def test_link_opens_the_same_schedule_run_and_step_in_the_explorer(example_id):
    n = examples.numbers(example_id)
    state, problems = explorer.read_fragment(n["fragment"])
    assert problems == []
    values, errors = explorer.read(state)
    assert errors == {}
    assert values["clean"] == n["spec"]
    assert values["run"]["stepping"] == n["stepping"]
    assert values["at"] == n["rows"][n["at"]]["step"]
    assert "{:,}".format(values["run"]["total_updates"]) == n["total_updates"]


def test_resnet50_is_torchvisions_recipe():
    n = examples.numbers("resnet50")
    assert n["steps_per_epoch"] == "{:,}".format(math.ceil(1281167 / (32 * 8)))
    rows = by_label(n)
    assert rows["Last epoch before the first drop"]["lr"] == 0.1
    assert close(rows["First drop"]["lr"], 0.01)
    assert close(rows["Second drop"]["lr"], 0.001)
    assert rows["First drop"]["step_text"] == "epoch 30"


def test_bert_warms_up_over_a_tenth_rounded_up_then_decays_to_zero():
    n = examples.numbers("bert")
    total = math.ceil(3668 / 32) * 3
    assert n["total_updates"] == str(total)
    warmup = math.ceil(total * 0.1)
    assert n["warmup"] == str(warmup)
    rows = by_label(n)
    assert rows["First update"]["lr"] == 0.0
    assert rows["End of warmup: the peak"]["lr"] == 2e-5
    assert close(rows["Last update"]["lr"], 2e-5 / (total - warmup))  # one update before 0


def test_llama_ends_at_a_tenth_of_the_peak():
    n = examples.numbers("llama")
    assert n["total_updates"] == "250,000"
    rows = by_label(n)
    assert rows["End of warmup: the peak"]["lr"] == 3e-4
    assert abs(rows["Last update"]["lr"] - 3e-5) < 1e-12
    assert close(rows["Halfway through the decay"]["lr"], (3e-4 + 3e-5) / 2)


def test_wsd_holds_the_peak_until_the_last_fifth():
    n = examples.numbers("wsd")
    rows = by_label(n)
    assert rows["End of warmup: the plateau"]["lr"] == 1e-3
    assert rows["Last update of the plateau"]["lr"] == 1e-3
    assert rows["Last update of the plateau"]["step"] == 50000 - 50000 // 5 - 1
    assert rows["Halfway through the cooldown"]["lr"] < 1e-3 / 2


def test_onecycle_starts_at_max_lr_over_div_factor_and_peaks_at_max_lr():
    n = examples.numbers("onecycle")
    rows = by_label(n)
    assert close(rows["First update: max_lr / div_factor"]["lr"], 0.1 / 25)
    assert close(rows["The peak"]["lr"], 0.1)
    assert rows["The peak"]["step"] == int(0.3 * 11730) - 1
    assert close(rows["Last update"]["lr"], 0.1 / 25 / 1e4)


def test_sgdr_restarts_after_cycles_of_10_20_and_40_epochs():
    n = examples.numbers("sgdr")
    restarts = [r for r in n["rows"] if r["label"] == "Restart"]
    assert [r["step"] for r in restarts] == [10, 30, 70]
    assert all(r["lr"] == 0.05 for r in restarts)
    ends = [r for r in n["rows"] if r["label"] == "End of a cycle"]
    assert all(0 < r["lr"] < 0.05 / 100 * 3 for r in ends)


def test_settings_are_written_as_in_python():
    n = examples.numbers("onecycle")
    settings = dict(examples.settings(n["spec"]))
    assert settings["total_steps"] == "11730"
    assert settings["max_lr"] == "0.1"
    assert settings["three_phase"] == "False"
    assert settings["anneal_strategy"] == "cos"
    assert "epochs" not in settings  # None: not set


def test_prose_keys_follow_the_rows():
    n = examples.numbers("resnet50")
    assert n["lr_2"] == n["rows"][2]["lr_text"]
    assert n["step_2"] == "epoch 30"


def test_unknown_example_names_the_field():
    with pytest.raises(SpecError) as err:
        examples.recipe("resnet18")
    assert err.value.field == "example"


@pytest.mark.parametrize("example_id", examples.SEED_IDS)
def test_seed_link_loads_the_example_into_the_calculator(example_id):
    seed = examples.seed_example(example_id)
    raw, problems = calculator.read_fragment(seed["fragment"])
    assert problems == []
    values, errors = calculator.read_form(raw)
    assert errors == {}
    expected, _ = calculator.read_form(calculator.example_inputs(example_id))
    for key in ("lr0", "decay_rate", "epochs", "epoch", "steps_per_epoch"):
        assert values[key] == expected[key]
    assert calculator.compute(values)["lr_text"] == seed["result"]


class FakePage:
    """What the hook reads of a MkDocs page."""

    def __init__(self, url):
        self.url = url


def _hook():
    import sys
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import mkdocs_hooks
    return mkdocs_hooks


@pytest.mark.parametrize("example_id", RECIPES)
def test_hook_block_shows_every_row_and_links_relative_to_the_page(example_id):
    hooks = _hook()
    n = examples.numbers(example_id)
    block = hooks.example_block(example_id, FakePage("examples/"))
    shown = re.findall(r'class="lr-example-lr" data-value="([^"]+)">([^<]+)<', block)
    assert shown == [(r["lr_repr"], r["lr_text"]) for r in n["rows"]]
    assert 'href="../explorer/#' in block
    assert hooks.example_link(example_id, FakePage("")).count('href="explorer/#') == 1


def test_built_examples_page_has_no_placeholder_left():
    path = os.path.join(DIST, "examples", "index.html")
    if not os.path.exists(path):
        pytest.fail("the site is not built: run `python3 build.py build` first")
    text = open(path, encoding="utf-8").read()
    assert "{{" not in text
    for example_id in RECIPES:
        assert 'id="example-%s"' % example_id in text


@pytest.mark.parametrize("name", sorted(examples.PRESETS))
def test_faq_preset_opens_in_the_explorer_without_problems(name):
    state, problems = explorer.read_fragment(examples.preset_fragment(name))
    assert problems == []
    values, errors = explorer.read(state)
    assert errors == {}


def _result(name):
    state, _ = explorer.read_fragment(examples.preset_fragment(name))
    values, _ = explorer.read(state)
    job = explorer.Job(values)
    while not job.advance():
        pass
    return values, job.result()


def test_warmup_cosine_preset_is_a_clean_warmup_then_cosine():
    values, r = _result("warmup_cosine")
    assert values["clean"]["name"] == "SequentialLR"
    assert r["warnings"] == []
    assert r["lr"] == values["clean"]["lr"]  # the peak, at the end of warmup


def test_onecycle_per_epoch_preset_is_flagged():
    values, r = _result("onecycle_per_epoch")
    assert values["run"]["stepping"] == "epoch"
    assert "units_epoch_vs_step" in [w["id"] for w in r["warnings"]]


def test_resume_preset_shows_the_resume_advice():
    values, r = _result("resume")
    assert values["resume"] == 100000
    assert r["resume"]["lr"] == lr_series(values["clean"], 100001)[100000]


def test_frameworks_preset_pins_every_other_framework():
    values, r = _result("frameworks")
    frameworks = set(p["clean"]["framework"] for p in values["pins"])
    assert frameworks == {"pytorch", "keras", "optax", "timm"}


def test_unknown_preset_names_the_field():
    with pytest.raises(SpecError) as err:
        examples.preset_fragment("nope")
    assert err.value.field == "preset"


@pytest.mark.parametrize("example_id", RECIPES)
def test_chart_is_the_series_marked_where_the_link_opens(example_id):
    n = examples.numbers(example_id)
    chart = examples.chart(example_id)
    curve = chart["curves"][0]
    series = lr_series(n["spec"], int(n["n"].replace(",", "")))
    if n["stepping"] == "epoch":  # each epoch's value held flat from t to t + 1
        assert curve["x"] == [x for t in range(len(series)) for x in (t, t + 1)]
        assert curve["y"] == [v for v in series for _ in (0, 1)]
    else:
        assert len(curve["x"]) <= examples.CHART_POINTS + len(n["rows"])
        assert curve["y"] == [series[t] for t in curve["x"]]
        assert curve["x"][0] == 0 and curve["x"][-1] == len(series) - 1
        assert all(r["step"] in curve["x"] for r in n["rows"])
    assert chart["marker"] == n["rows"][n["at"]]["step"]


def test_hook_block_is_csp_safe_and_draws_the_chart():
    block = _hook().example_block("resnet50", FakePage("examples/"))
    assert block.count("<svg") == 1 and "<?xml" not in block
    assert "style=" not in block and "<script" not in block
