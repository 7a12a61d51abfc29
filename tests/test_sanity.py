"""pycore.sanity: each warning appears for its case and not otherwise.

The cases live in tests/cases/sanity_cases.py (shared with the MicroPython parity run);
summaries are computed there from the plain series, so these tests do not need
pycore.analysis (one test compares that helper with analysis.Scan when it exists).
"""
import pytest

from cases import sanity_cases as sc
from pycore import resume, sanity, validate


def ids_of(spec, run):
    """The warning ids for a spec over a run."""
    return [w["id"] for w in sc.warnings_for(spec, run)]


def warning(spec, run, wid):
    """The one warning with this id."""
    found = [w for w in sc.warnings_for(spec, run) if w["id"] == wid]
    assert len(found) == 1, found
    return found[0]


def case(table, name):
    """(spec, run) of a named case."""
    for _, key, spec, run in table:
        if key == name:
            return spec, run
    raise KeyError(name)


@pytest.mark.parametrize("wid,name,spec,run", sc.POSITIVE,
                         ids=["%s-%s" % (c[0], c[1]) for c in sc.POSITIVE])
def test_warning_appears_for_its_case(wid, name, spec, run):
    assert wid in ids_of(spec, run)


@pytest.mark.parametrize("wid,name,spec,run", sc.NEGATIVE,
                         ids=["%s-%s" % (c[0], c[1]) for c in sc.NEGATIVE])
def test_warning_absent_otherwise(wid, name, spec, run):
    assert wid not in ids_of(spec, run)


def test_every_id_has_positive_and_negative_cases():
    assert set(c[0] for c in sc.POSITIVE) == set(sanity.ORDER)
    assert set(c[0] for c in sc.NEGATIVE) == set(sanity.ORDER)


@pytest.mark.parametrize("wid,name,spec,run", sc.POSITIVE,
                         ids=["%s-%s" % (c[0], c[1]) for c in sc.POSITIVE])
def test_warnings_are_one_sentence_each(wid, name, spec, run):
    for w in sc.warnings_for(spec, run):
        assert sorted(w) == ["fix", "id", "level", "text"]
        assert w["level"] in ("warning", "info")
        for sentence in (w["text"], w["fix"]):
            assert sentence.endswith(".") and "\n" not in sentence
            assert sentence[0] != " " and "  " not in sentence


@pytest.mark.parametrize("wid,name,spec,run", sc.POSITIVE + sc.NEGATIVE,
                         ids=["%s-%s" % (c[0], c[1]) for c in sc.POSITIVE + sc.NEGATIVE])
def test_ordered_by_severity_one_per_id(wid, name, spec, run):
    found = sc.warnings_for(spec, run)
    keys = [(w["level"] != "warning", sanity.ORDER.index(w["id"])) for w in found]
    assert keys == sorted(keys)
    assert len(set(w["id"] for w in found)) == len(found)


def test_info_comes_after_warnings():
    spec, run = case(sc.POSITIVE, "timm_stops")
    found = sc.warnings_for(spec, run)
    assert [(w["id"], w["level"]) for w in found] == [("onecycle_too_short", "warning"),
                                                     ("restarts", "info")]


@pytest.mark.parametrize("name,level", [
    ("warm_restarts_info", "info"),
    ("cyclic_info", "info"),
    ("timm_cycles_info", "info"),
    ("torch_cosine_warning", "warning"),
])
def test_restarts_level_by_design_or_not(name, level):
    spec, run = case(sc.POSITIVE, name)
    assert warning(spec, run, "restarts")["level"] == level


def test_restarts_counts_the_jumps():
    spec, run = case(sc.POSITIVE, "warm_restarts_info")
    assert warning(spec, run, "restarts")["text"] == (
        "The LR jumps back up 3 times within the run.")


def test_plateau_never_reduced_is_info():
    spec, run = case(sc.POSITIVE, "plateau_never_reduced")
    w = warning(spec, run, "never_decays")
    assert w["level"] == "info" and "patience (10)" in w["fix"]


def test_units_epoch_vs_step_gives_the_converted_number():
    spec, run = case(sc.POSITIVE, "cosine_in_updates")
    w = warning(spec, run, "units_epoch_vs_step")
    assert "T_max = 39,100" in w["text"] and "100 epochs" in w["text"]
    assert w["fix"].endswith("39,100 / 391 updates per epoch = 100.")


def test_units_step_vs_epoch_gives_the_multiplied_number():
    spec, run = case(sc.POSITIVE, "cosine_in_epochs")
    w = warning(spec, run, "units_step_vs_epoch")
    assert "about 1/10 of the run" in w["text"] and "(1,000)" in w["fix"]


def test_nested_child_is_named():
    w = warning(sc.WARMUP_COSINE, sc.run_of(epochs=30), "cosine_rises_again")
    assert w["text"].startswith("T_max of schedulers[1] (CosineAnnealingLR) is 10 but it "
                                "runs for 25 updates")
    assert "to 25," in w["fix"]


def test_onecycle_quotes_torch_and_gives_total():
    spec, run = case(sc.POSITIVE, "onecycle_total")
    w = warning(spec, run, "onecycle_too_short")
    assert ('"Tried to step 91 times. The specified number of total steps is 90"'
            in w["text"])
    assert w["fix"] == "Set total_steps to 100, the number of scheduler steps it runs for."


def test_stopped_framework_quotes_its_message():
    spec, run = case(sc.POSITIVE, "timm_stops")
    clean = validate(spec)
    values, stopped_at, message = sc.curve(clean, run["n"])
    w = warning(spec, run, "onecycle_too_short")
    assert w["text"] == 'timm stops the run at step %d of 40 epochs: "%s".' % (stopped_at,
                                                                            message)
    assert w["fix"].startswith("Plan the run for at most %d epochs" % stopped_at)


def test_zero_before_end_gives_share_of_the_run():
    spec, run = case(sc.POSITIVE, "hf_linear_short")
    w = warning(spec, run, "zero_before_end")
    assert w["text"] == ("The LR is 0 from step 50 on: the last 50% of the run (50 updates) "
                         "do nothing.")


def test_min_above_peak_quotes_both_values():
    spec, run = case(sc.POSITIVE, "keras_polynomial_end_above")
    w = warning(spec, run, "min_above_peak")
    assert "end_learning_rate (0.5)" in w["text"] and "(0.1)" in w["text"]


def test_never_decays_is_left_out_when_min_above_peak_explains_it():
    spec, run = case(sc.POSITIVE, "keras_polynomial_end_above")
    assert "never_decays" not in ids_of(spec, run)


def test_stopped_at_zero_gives_only_the_stop():
    clean = validate(sc._pt("OneCycleLR", 0.1, max_lr=0.1, total_steps=100))
    summary = sc.summarize([], 0, "stopped")
    found = sanity.check(clean, sc.run_of(epochs=50), summary)
    assert [w["id"] for w in found] == ["onecycle_too_short"]


@pytest.mark.parametrize("spec,expected", [
    (sc._pt("StepLR", 0.1, step_size=30), (30, "step_size")),
    (sc._pt("MultiStepLR", 0.1, milestones=[10, 70]), (70, "milestones (largest)")),
    (sc._pt("OneCycleLR", 0.1, max_lr=0.1, epochs=3, steps_per_epoch=7),
     (21, "epochs × steps_per_epoch")),
    (sc.WARMUP_COSINE, (10, "T_max of schedulers[1] (CosineAnnealingLR)")),
    (sc._hf("cosine", num_warmup_steps=5, num_training_steps=95), (95, "num_training_steps")),
    (sc._pt("LambdaLR", 0.1, lr_lambda="0.9 ** step"), None),
])
def test_horizon_is_the_largest_duration(spec, expected):
    assert sanity.horizon(validate(spec)) == expected


@pytest.mark.parametrize("spec,length", [
    (sc._hf("linear", num_warmup_steps=7, num_training_steps=95), 7),
    (sc.WARMUP_COSINE, 5),
    (sc._pt("SequentialLR", 0.1, schedulers=[
        sc._pt("LinearLR", start_factor=0.1, total_iters=50),
        sc._pt("CosineAnnealingLR", T_max=10)], milestones=[20]), 20),
    (sc._pt("OneCycleLR", 0.1, max_lr=0.1, total_steps=100, pct_start=0.25), 25.0),
    (sc._pt("LinearLR", 0.1, start_factor=1.0, end_factor=0.5), None),
    (sc._pt("StepLR", 0.1, step_size=3), None),
    (sc._hf("constant", ), None),
])
def test_warmup_length(spec, length):
    found = sanity.warmup(validate(spec))
    assert (found and found["length"]) == length


def test_summarize_matches_analysis_scan():
    analysis = pytest.importorskip("pycore.analysis")
    keys = ("n", "first", "last", "min", "max", "zero_at", "decreases", "increases",
            "changes", "restarts", "stopped_at")
    for _, _, spec, run in sc.POSITIVE + sc.NEGATIVE:
        clean = validate(spec)
        values, stopped_at, message = sc.curve(clean, run["n"])
        scan = analysis.Scan(run["n"], 100)
        scan.feed(values)
        if stopped_at is not None:
            scan.stop(stopped_at, message)
        got, mine = scan.result(), sc.summarize(values, stopped_at, message)
        assert dict((k, got[k]) for k in keys) == dict((k, mine[k]) for k in keys)


def catalogue_specs():
    """Every parity case spec of every framework (tests/cases/*.py)."""
    from test_catalog import all_cases
    return all_cases()


@pytest.mark.parametrize("run", [sc.run_of("update", 3, 40), sc.run_of("epoch", 50, 7)],
                         ids=["per-update", "per-epoch"])
def test_every_catalogue_case_gets_wellformed_warnings_and_advice(run):
    for spec in catalogue_specs():
        clean = validate(spec)
        n = len(clean["metrics"]) if "metrics" in clean else run["n"]
        this = dict(run, n=n)
        values, stopped_at, message = sc.curve(clean, n)
        for w in sanity.check(clean, this, sc.summarize(values, stopped_at, message)):
            assert w["id"] in sanity.ORDER and w["text"].endswith("."), (spec, w)
        if values:
            advice = resume.advice(clean, this, this["total_updates"] // 2, values)
            compile(advice["code"], spec["name"], "exec")
