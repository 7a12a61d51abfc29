"""pycore.tuning: the search planner, batch-size scaling and layer-wise rates, checked
against the numbers in the papers and code they come from, and their PyTorch code run
with torch."""
import math

import pytest
import torch
from hypothesis import given, settings, strategies as st

from pycore import tuning
from pycore.errors import SpecError


def result(section, **changes):
    """compute() for the defaults of a section with some raw inputs changed."""
    raw = tuning.defaults()
    raw.update(changes)
    values, errors = tuning.read(section, raw)
    assert errors == {}
    return tuning.compute(section, values)


def errors_for(section, **changes):
    raw = tuning.defaults()
    raw.update(changes)
    return tuning.read(section, raw)[1]


# --- exact decimals ---------------------------------------------------------------------


@given(st.floats(min_value=tuning.LR_MIN, max_value=tuning.LR_MAX))
def test_rounded_is_the_float_of_its_three_digit_decimal(x):
    y = tuning.rounded(x)
    assert y == float("%.3g" % x)


# --- search planner ---------------------------------------------------------------------


def test_coarse_grid_runs_one_rate_per_decade_from_1e_7_to_1():
    assert tuning.coarse_grid(1e-7, 1.0) == [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0]


def test_coarse_grid_keeps_the_mantissa_of_a_low_end_that_is_not_a_decade():
    assert tuning.coarse_grid(3e-6, 0.5) == [3e-6, 3e-5, 3e-4, 3e-3, 3e-2, 0.3]


def test_fine_grid_with_one_point_is_the_middle_of_the_decade_on_a_log_scale():
    assert tuning.fine_grid(0.01, 1) == [0.0316]


def test_fine_grid_spaces_points_evenly_inside_the_decade_ends_excluded():
    assert tuning.fine_grid(0.001, 4) == [0.00158, 0.00251, 0.00398, 0.00631]
    grid = tuning.fine_grid(1e-4, 9)
    assert all(1e-4 < x < 1e-3 for x in grid) and grid == sorted(grid)


def test_samples_are_the_same_for_the_same_seed_and_differ_for_another():
    a = tuning.log_uniform_samples(1e-6, 1e-1, 50, 7)
    assert a == tuning.log_uniform_samples(1e-6, 1e-1, 50, 7)
    assert a != tuning.log_uniform_samples(1e-6, 1e-1, 50, 8)


@settings(max_examples=30)
@given(st.integers(-10, 1), st.integers(1, 8), st.integers(0, 2 ** 32 - 1))
def test_samples_stay_in_range_up_to_rounding(low_exp, span, seed):
    low, high = 10.0 ** low_exp, 10.0 ** (low_exp + span)
    for x in tuning.log_uniform_samples(low, high, 40, seed):
        assert low * (1 - 5e-3) <= x <= high * (1 + 5e-3)


def test_samples_are_log_uniform_each_decade_gets_its_share():
    samples = tuning.log_uniform_samples(1e-6, 1.0, 6000, 1)
    counts = [0] * 6
    for x in samples:
        counts[min(5, int(math.floor(math.log10(x) + 6)))] += 1
    assert all(abs(c - 1000) < 120 for c in counts), counts


def run_sweep_code(code, loss):
    """Execute a sweep snippet with a fake training function; return the rates it ran."""
    seen = []

    def train_and_evaluate(lr):
        seen.append(lr)
        return loss(lr)

    scope = {"train_and_evaluate": train_and_evaluate}
    exec(code, scope)
    return seen, scope


def test_grid_sweep_code_runs_the_planned_rates_in_order():
    r = result("plan")
    seen, scope = run_sweep_code(r["code"], lambda lr: (math.log10(lr) + 2.4) ** 2)
    assert seen == r["lrs"]
    assert min(scope["fine"], key=scope["fine"].get) == 0.00398


def test_random_sweep_code_runs_the_sampled_rates():
    r = result("plan", **{"plan-mode": "random", "plan-samples": "12", "plan-seed": "5"})
    seen, _ = run_sweep_code(r["code"], lambda lr: lr)
    assert seen == tuning.log_uniform_samples(1e-7, 1.0, 12, 5) == r["lrs"]
    assert len(r["rows"]) == 12


def test_plan_chart_draws_every_planned_rate():
    r = result("plan")
    ys = [y for c in r["chart"]["curves"] for y in c["y"]]
    assert ys == r["lrs"]
    assert r["chart"]["log"] is True


# --- batch-size scaling -------------------------------------------------------------------


def test_effective_batch_multiplies_devices_and_accumulation():
    assert tuning.effective_batch(32, 64, 4) == 8192


def test_goyal_linear_rule_at_8k_gives_3_2():
    assert tuning.scaled_lr(0.1, 8192, 256, 1.0) == pytest.approx(3.2, rel=1e-15)


def test_square_root_rule_multiplies_by_the_root_of_the_ratio():
    assert tuning.scaled_lr(1e-3, 1024, 256, 0.5) == pytest.approx(2e-3, rel=1e-15)


def test_goyal_warmup_at_8k_is_785_updates():
    assert tuning.warmup_steps(5, 1281167, 8192) == 785


def test_malladi_adam_companions_at_four_times_the_batch():
    assert tuning.adam_scaling(4, 0.9, 0.999, 1e-8) == (0.6, 0.996, 5e-9)


def test_custom_rule_uses_the_exponent_and_unknown_rules_are_refused():
    assert tuning.rule_exponent("custom", 0.75) == 0.75
    with pytest.raises(SpecError, match="rule"):
        tuning.rule_exponent("cubic")


def test_default_batch_result_is_goyal_8k_example():
    r = result("batch")
    assert r["batch"] == 8192
    assert r["lr"] == pytest.approx(3.2, rel=1e-15)
    assert r["warmup_steps"] == 785
    assert dict(r["summary"])["Scaled learning rate"] == "3.2"


def test_batch_table_covers_the_rules_at_every_power_of_two_and_marks_yours():
    r = result("batch", **{"batch-rule": "custom", "batch-exponent": "0.75"})
    assert r["columns"] == ["Batch", "kappa", "LR, linear", "LR, sqrt", "LR, custom", "Note"]
    batches = [int(row[0].replace(",", "")) for row in r["rows"]]
    assert batches[0] == 32 and batches[-1] == 65536 and 8192 in batches
    mine = [row for row in r["rows"] if "your batch" in row[-1]]
    assert mine[0][2] == "3.2"
    assert all("past 8,192" in row[-1] for row in r["rows"]
               if int(row[0].replace(",", "")) > 8192)
    assert [c["key"] for c in r["chart"]["curves"]] == ["linear", "sqrt", "custom"]


def test_batch_ladder_widens_to_take_in_small_and_huge_batches():
    sizes = tuning.batch_ladder(256, 3)
    assert sizes[0] <= 3 and 3 in sizes
    assert tuning.batch_ladder(256, 300000)[-1] >= 300000


def notes_text(r, level):
    return " ".join(n["text"] for n in r["notes"] if n["level"] == level)


def test_linear_rule_past_8k_warns_with_goyal_as_source():
    assert notes_text(result("batch"), "warning") == ""
    r = result("batch", **{"batch-accum": "8"})
    assert "Goyal" in notes_text(r, "warning") and "8,192" in notes_text(r, "warning")


def test_square_root_rule_for_adam_warns_when_beta1_would_drop_to_zero_or_below():
    r = result("batch", **{"batch-optimizer": "adam", "batch-rule": "sqrt", "batch-lr": "1e-3",
                           "batch-ref": "256", "batch-devices": "8", "batch-accum": "1"})
    assert notes_text(r, "warning") == ""
    assert r["adam"] == ((0.9, 0.999, 1e-8), True)
    r = result("batch", **{"batch-optimizer": "adam", "batch-rule": "sqrt"})
    assert "beta1" in notes_text(r, "warning") and "Malladi" in notes_text(r, "warning")
    assert r["adam"] == ((0.9, 0.999, 1e-8), False)
    assert "Adam betas, eps (as typed)" in dict(r["summary"])


def test_rule_that_does_not_match_the_optimizer_gets_a_note():
    r = result("batch", **{"batch-optimizer": "adam"})
    assert "square-root" in notes_text(r, "info")
    r = result("batch", **{"batch-rule": "sqrt"})
    assert "26.22%" in notes_text(r, "info")


def test_no_warmup_for_a_larger_batch_is_a_warning():
    r = result("batch", **{"batch-warmup": "0"})
    assert "warmup" in notes_text(r, "warning")


def test_scaling_down_needs_no_warmup():
    r = result("batch", **{"batch-devices": "1", "batch-accum": "1"})
    assert dict(r["summary"])["Warmup"].startswith("none needed")
    assert "LinearLR" not in r["code"]


def run_batch_code(code):
    model = torch.nn.Linear(3, 2)
    scope = {"model": model}
    exec(code, scope)
    return scope


def test_batch_code_warms_up_from_the_reference_rate_to_the_scaled_one():
    r = result("batch")
    scope = run_batch_code(r["code"])
    opt, warmup = scope["optimizer"], scope["warmup"]
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1, rel=1e-12)
    for _ in range(r["warmup_steps"]):
        opt.step()
        warmup.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(r["lr"], rel=1e-12)
    assert scope["lr"] == r["lr"]


def test_adam_batch_code_carries_the_adjusted_betas_and_eps():
    r = result("batch", **{"batch-optimizer": "adam", "batch-rule": "sqrt", "batch-lr": "1e-3",
                           "batch-devices": "8", "batch-accum": "4"})
    opt = run_batch_code(r["code"])["optimizer"]
    assert isinstance(opt, torch.optim.AdamW)
    assert r["adam"] == ((0.6, 0.996, 5e-9), True)
    assert opt.defaults["betas"] == (0.6, 0.996) and opt.defaults["eps"] == 5e-9
    assert "betas=(0.6, 0.996), eps=5e-09" in r["code"]


# --- layer-wise rates ---------------------------------------------------------------------


def test_electra_example_base_1e_4_decay_0_8_twelve_layers():
    table = tuning.llrd_table(1e-4, 12, 0.8, "electra")
    by_name = dict((r["name"], r["lr"]) for r in table)
    assert by_name["head"] == 1e-4
    assert by_name["blocks.11"] == pytest.approx(6.4e-5, rel=1e-12)
    assert by_name["blocks.0"] == pytest.approx(5.497558e-6, rel=1e-6)
    assert by_name["embeddings"] == pytest.approx(4.398047e-6, rel=1e-6)


def test_beit_scales_top_block_by_decay_and_embeddings_by_decay_to_l_plus_1():
    table = tuning.llrd_table(1.0, 12, 0.65, "beit")
    scales = dict((r["name"], r["scale"]) for r in table)
    assert scales["head"] == 1.0 and scales["blocks.11"] == 0.65
    assert scales["blocks.0"] == pytest.approx(0.00569, rel=1e-3)
    assert scales["embeddings"] == pytest.approx(0.00370, rel=1e-3)
    assert [r["exponent"] for r in table] == list(range(13, -1, -1))


def test_llrd_follows_lr_times_decay_to_the_depth_from_the_top():
    table = tuning.llrd_table(0.01, 4, 0.7, "beit")
    top = len(table) - 1
    for depth, row in enumerate(table):
        assert row["lr"] == 0.01 * 0.7 ** (top - depth)


def test_ulmfit_divides_by_2_6_per_group_from_the_top():
    table = tuning.ulmfit_table(0.01, 5)
    assert table[-1]["lr"] == 0.01
    for lower, upper in zip(table, table[1:]):
        assert upper["lr"] / lower["lr"] == pytest.approx(2.6, rel=1e-14)


def run_layers_code(code, groups):
    model = torch.nn.Sequential(*[torch.nn.Linear(2, 2) for _ in range(groups)])
    scope = {"model": model}
    exec(code, scope)
    return scope["optimizer"]


@pytest.mark.parametrize("changes", [
    {},
    {"layers-scheme": "beit", "layers-decay": "0.65", "layers-blocks": "6"},
    {"layers-mode": "ulmfit"},
    {"layers-mode": "ulmfit", "layers-groups": "3", "layers-factor": "3", "layers-lr": "0.01"},
])
def test_param_groups_code_gives_torch_the_table_rates_exactly(changes):
    r = result("layers", **changes)
    opt = run_layers_code(r["code"], len(r["table"]))
    assert [g["lr"] for g in opt.param_groups] == [row["lr"] for row in r["table"]]


def test_param_groups_code_refuses_a_model_with_another_number_of_groups():
    r = result("layers")
    with pytest.raises(ValueError, match="expected 14 layer groups, got 3"):
        run_layers_code(r["code"], 3)


def test_layers_rows_and_chart_follow_the_table():
    r = result("layers")
    assert r["rows"][0][:3] == ["0", "embeddings", "14"]
    assert r["rows"][-1][1:] == ["head", "0", "1", "0.0001"]
    assert r["chart"]["curves"][0]["y"] == [row["lr"] for row in r["table"]]
    assert [p["label"] for p in r["chart"]["points"]] == [
        "embeddings: 4.39805e-06", "blocks.11: 6.4e-05", "head: 0.0001"]
    assert r["chart"]["points"][-1] == {"x": 13, "y": 1e-4, "label": "head: 0.0001"}


def test_batch_chart_marks_your_batch_on_a_log_log_chart():
    r = result("batch")
    assert r["chart"]["points"] == [{"x": 8192, "y": r["lr"], "label": "your batch: 3.2"}]
    assert r["chart"]["xlog"] is True and r["chart"]["log"] is True


# --- inputs and messages -----------------------------------------------------------------


@pytest.mark.parametrize("section", ["plan", "batch", "layers"])
def test_defaults_are_valid(section):
    assert tuning.read(section, tuning.defaults())[1] == {}


@pytest.mark.parametrize("section,key,text,message", [
    ("plan", "plan-low", "", "Enter a number"),
    ("plan", "plan-low", "abc", "Enter a number like 0.01 or 1e-3"),
    ("plan", "plan-low", "0", "Must be 1e-12 or more"),
    ("plan", "plan-high", "1e-8", "Must be at least ten times the lowest rate, 1e-07"),
    ("plan", "plan-high", "5e-7", "Must be at least ten times the lowest rate, 1e-07"),
    ("plan", "plan-high", "5000", "Must be at most 1000"),
    ("plan", "plan-best", "10",
     "Must be between the lowest rate, 1e-07, and a tenth of the highest, 0.1"),
    ("plan", "plan-points", "2.5", "Must be a whole number"),
    ("plan", "plan-points", "0", "Must be 1 or more"),
    ("plan", "plan-mode", "bayes", "Choose one of grid, random"),
    ("batch", "batch-ref", "0", "Must be 1 or more"),
    ("batch", "batch-devices", "1,5", "Use a dot for decimals and no thousands separators"),
    ("batch", "batch-accum", "5000", "Must be at most 4,096"),
    ("batch", "batch-exponent", "3", None),
    ("batch", "batch-warmup", "-1", "Must be 0 or more"),
    ("layers", "layers-decay", "0", "Must be greater than 0"),
    ("layers", "layers-decay", "1.5", "Must be at most 1"),
    ("layers", "layers-blocks", "201", "Must be at most 200"),
])
def test_each_bad_input_gets_its_message(section, key, text, message):
    errors = errors_for(section, **{key: text})
    if message is None:  # a field that does not apply is not checked
        assert errors == {}
    else:
        assert errors[key].startswith(message), errors


def test_random_search_may_span_less_than_a_decade_but_must_be_a_range():
    assert errors_for("plan", **{"plan-mode": "random", "plan-low": "0.01",
                                 "plan-high": "0.05"}) == {}
    assert errors_for("plan", **{"plan-mode": "random", "plan-low": "0.01",
                                 "plan-high": "0.01"}) == {
        "plan-high": "Must be above the lowest rate, 0.01"}


def test_inputs_of_the_other_mode_are_not_checked():
    assert errors_for("plan", **{"plan-mode": "random", "plan-best": "x"}) == {}
    assert errors_for("plan", **{"plan-samples": "x"}) == {}
    assert errors_for("layers", **{"layers-mode": "llrd", "layers-groups": "x"}) == {}
    assert "batch-exponent" in errors_for("batch", **{"batch-rule": "custom",
                                                       "batch-exponent": "x"})


def test_unknown_section_is_refused():
    with pytest.raises(SpecError, match="section"):
        tuning.fields("nope")


# --- URL fragment ------------------------------------------------------------------------


def test_fragment_holds_only_changed_inputs_and_reads_back():
    raw = tuning.defaults()
    assert tuning.fragment_of(raw) == ""
    raw.update({"plan-mode": "random", "batch-lr": "1e-3", "layers-decay": "0.65 "})
    fragment = tuning.fragment_of(raw)
    assert fragment == "plan-mode=random&batch-lr=1e-3&layers-decay=0.65%20"
    assert tuning.read_fragment("#" + fragment) == (raw, [])


def test_fragment_keeps_invalid_text_for_the_field_to_report():
    raw, problems = tuning.read_fragment("#batch-ref=abc")
    assert raw["batch-ref"] == "abc" and problems == []
    assert "batch-ref" in tuning.read("batch", raw)[1]


def test_fragment_parts_that_cannot_be_used_are_named():
    raw, problems = tuning.read_fragment("#nope=1&batch-lr=%zz")
    assert raw == tuning.defaults()
    assert problems[0] == 'The link\'s "nope" was ignored: this page has no such input.'
    assert problems[1].startswith("The link's batch-lr was ignored: has a broken %-escape")


def test_every_choice_combination_computes():
    for mode in ("grid", "random"):
        assert result("plan", **{"plan-mode": mode})["rows"]
    for optimizer in ("sgd", "adam"):
        for rule in ("linear", "sqrt", "custom"):
            assert result("batch", **{"batch-optimizer": optimizer, "batch-rule": rule})["rows"]
    for scheme in ("beit", "electra"):
        assert result("layers", **{"layers-scheme": scheme})["rows"]
    assert result("layers", **{"layers-mode": "ulmfit"})["rows"]
