"""The catalogue-generated form: starting values, reading typed text, messages, round trips."""
import os
import sys

import pytest

import pycore
from pycore import calculator, form

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_catalog import all_cases  # noqa: E402

ENTRIES = [(e["framework"], e["name"]) for e in pycore.catalog()]
CLEAN_CASES = []
for _spec in all_cases():
    try:
        CLEAN_CASES.append(pycore.validate(_spec))
    except pycore.SpecError:
        pass


def edited(framework, name, **changes):
    """The starting raw state of a schedule with some top-level or params values changed."""
    raw = form.default_raw(framework, name)
    for key, value in changes.items():
        if key in ("lr", "metrics", "metrics_column"):
            raw[key] = value
        else:
            raw["params"][key] = value
    return raw


def errors_of(framework, name, **changes):
    """The messages read() gives for an edited starting state."""
    return form.read(edited(framework, name, **changes))[1]


# --- the one number parser --------------------------------------------------------------


def test_calculator_uses_the_form_number_parser():
    assert calculator.parse_number is form.parse_number


@pytest.mark.parametrize("text, value", [("12", 12.0), (" -0.5 ", -0.5), (".5", 0.5),
                                         ("3.", 3.0), ("1e-3", 0.001), ("1E+3", 1000.0)])
def test_parse_number_accepts_plain_decimals(text, value):
    assert form.parse_number(text, "x") == value


@pytest.mark.parametrize("text, allowed", [
    ("", "enter a number"),
    ("1,5", "use a dot for decimals and no thousands separators, e.g. 1.5"),
    ("0x10", "enter a number like 0.01 or 1e-3"),
    ("nan", "enter a number like 0.01 or 1e-3"),
    ("1e999", "too large; enter a finite number"),
])
def test_parse_number_refuses_with_the_reason(text, allowed):
    with pytest.raises(pycore.SpecError) as info:
        form.parse_number(text, "x")
    assert info.value.field == "x" and info.value.allowed == allowed


def test_sentence_capitalises_the_phrase():
    assert form.sentence("must be a number > 0") == "Must be a number > 0"


# --- starting values --------------------------------------------------------------------


@pytest.mark.parametrize("framework, name", ENTRIES)
def test_every_catalogue_entry_starts_valid(framework, name):
    spec, errors = form.read(form.default_raw(framework, name))
    assert errors == {}
    assert pycore.validate(spec)["name"] == name


@pytest.mark.parametrize("framework, name", ENTRIES)
def test_fields_follow_the_catalogue_order(framework, name):
    entry = [e for e in pycore.catalog() if (e["framework"], e["name"]) == (framework, name)]
    expected = [("lr" if p["name"] == "lr" and p["where"] == "spec" else
                 "metrics" if p["where"] == "spec" else "params." + p["name"])
                for p in entry[0]["params"]]
    assert [f["path"] for f in form.fields(framework, name)] == expected


def test_default_raw_puts_lr_and_metrics_at_the_top_level_only_where_they_apply():
    assert form.default_raw("pytorch", "StepLR") == {
        "framework": "pytorch", "name": "StepLR", "lr": "0.1",
        "params": {"step_size": "30", "gamma": "0.1"}}
    assert "lr" not in form.default_raw("keras", "CosineDecay")
    plateau = form.default_raw("pytorch", "ReduceLROnPlateau")
    assert plateau["metrics_column"] == "" and len(plateau["metrics"].split("\n")) == 60


def test_child_raws_carry_no_lr_and_no_metrics():
    raw = form.default_raw("pytorch", "StepLR", child=True)
    assert sorted(raw) == ["framework", "name", "params"]
    assert [f["path"] for f in form.fields("pytorch", "StepLR", child=True)] == [
        "params.step_size", "params.gamma"]


def test_sequential_lr_starts_with_linear_warmup_then_cosine():
    spec, _ = form.read(form.default_raw("pytorch", "SequentialLR"))
    assert [c["name"] for c in spec["params"]["schedulers"]] == ["LinearLR",
                                                                 "CosineAnnealingLR"]
    assert spec["params"]["milestones"] == [5]


def test_join_schedules_starts_with_linear_warmup_then_cosine():
    spec, _ = form.read(form.default_raw("optax", "join_schedules"))
    assert [c["name"] for c in spec["params"]["schedules"]] == ["linear_schedule",
                                                                "cosine_decay_schedule"]


def test_plateau_metric_starts_with_reductions_to_show():
    for framework, name in [("pytorch", "ReduceLROnPlateau"),
                            ("transformers", "reduce_lr_on_plateau"),
                            ("timm", "PlateauLRScheduler")]:
        values = pycore.lr_series(form.read(form.default_raw(framework, name))[0], 60)
        assert values[-1] < values[0], name


def test_a_field_describes_its_parameter():
    field = form.fields("pytorch", "OneCycleLR")[2]
    assert field == {"path": "params.total_steps", "name": "total_steps", "kind": "int",
                     "default": "1000", "help": field["help"],
                     "allowed": "must be a whole number >= 1, or leave it empty",
                     "choices": None, "nullable": True, "required": False,
                     "schedule": None, "lo": 1, "hi": None, "children": None}


@pytest.mark.parametrize("framework, name, path, key, expected", [
    ("pytorch", "OneCycleLR", "params.epochs", "default", ""),
    ("pytorch", "OneCycleLR", "params.anneal_strategy", "choices", ("cos", "linear")),
    ("pytorch", "OneCycleLR", "params.three_phase", "default", False),
    ("pytorch", "StepLR", "params.step_size", "required", True),
    ("optax", "sgdr_schedule", "params.cosine_kwargs", "schedule",
     "warmup_cosine_decay_schedule"),
    ("pytorch", "LambdaLR", "params.lr_lambda", "default", "0.95 ** epoch"),
    ("keras", "PiecewiseConstantDecay", "params.values", "default", "0.1, 0.01, 0.001"),
])
def test_field_values(framework, name, path, key, expected):
    field = [f for f in form.fields(framework, name) if f["path"] == path][0]
    assert field[key] == expected


def test_a_schedule_list_field_lists_its_allowed_children():
    field = form.fields("pytorch", "SequentialLR")[1]
    assert field["children"] == form.child_names("pytorch", "SequentialLR")


@pytest.mark.parametrize("framework, parent, included, excluded", [
    ("pytorch", "SequentialLR", ["StepLR", "OneCycleLR", "SWALR"],
     ["SequentialLR", "ChainedScheduler", "ReduceLROnPlateau"]),
    ("pytorch", "ChainedScheduler", ["SequentialLR", "ChainedScheduler", "StepLR"],
     ["ReduceLROnPlateau"]),
    ("optax", "join_schedules", ["join_schedules", "sgdr_schedule"], []),
])
def test_child_names(framework, parent, included, excluded):
    names = form.child_names(framework, parent)
    assert set(included) <= set(names) and not set(excluded) & set(names)


@pytest.mark.parametrize("framework, parent, key", [
    ("pytorch", "SequentialLR", "schedulers"), ("pytorch", "ChainedScheduler", "schedulers"),
    ("optax", "join_schedules", "schedules")])
def test_every_allowed_child_starts_valid_in_its_parent(framework, parent, key):
    for name in form.child_names(framework, parent):
        raw = form.default_raw(framework, parent)
        raw["params"][key][0] = form.default_raw(framework, name, child=True)
        assert form.read(raw)[1] == {}, name


# --- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("clean", CLEAN_CASES,
                         ids=["%s.%s.%d" % (c["framework"], c["name"], i)
                              for i, c in enumerate(CLEAN_CASES)])
def test_raw_from_spec_reads_back_to_the_same_spec(clean):
    assert form.read(form.raw_from_spec(clean)) == (clean, {})


def test_raw_from_spec_writes_what_a_person_types():
    raw = form.raw_from_spec({"framework": "optax", "name": "piecewise_constant_schedule",
                              "params": {"init_value": 0.1,
                                         "boundaries_and_scales": {"60": 0.25, "30": 0.5}}})
    assert raw["params"] == {"init_value": "0.1", "boundaries_and_scales": "30: 0.5, 60: 0.25"}
    raw = form.raw_from_spec({"framework": "pytorch", "name": "MultiStepLR", "lr": 1e-3,
                              "params": {"milestones": [30, 60, 90]}})
    assert raw["lr"] == "0.001" and raw["params"]["milestones"] == "30, 60, 90"


def test_raw_from_spec_writes_metrics_one_per_line():
    raw = form.raw_from_spec({"framework": "pytorch", "name": "ReduceLROnPlateau", "lr": 0.1,
                              "metrics": [0.5, 0.1 + 0.2]})
    assert raw["metrics"] == "0.5\n0.30000000000000004" and raw["metrics_column"] == ""


def test_whole_numbers_stay_exact_beyond_2_to_the_53():
    spec, errors = form.read(edited("pytorch", "StepLR", step_size="9007199254740993"))
    assert spec["params"]["step_size"] == 9007199254740993


# --- reading typed text -----------------------------------------------------------------


@pytest.mark.parametrize("framework, name, changes, path, value", [
    ("pytorch", "MultiStepLR", {"milestones": "[30, 60, 90]"}, "milestones", [30, 60, 90]),
    ("pytorch", "MultiStepLR", {"milestones": "30 60\n90,"}, "milestones", [30, 60, 90]),
    ("pytorch", "MultiStepLR", {"milestones": "3e1"}, "milestones", [30]),
    ("optax", "piecewise_constant_schedule", {"boundaries_and_scales": "{30: 0.5,\n60: 2}"},
     "boundaries_and_scales", {30: 0.5, 60: 2.0}),
    ("optax", "piecewise_constant_schedule", {"boundaries_and_scales": ""},
     "boundaries_and_scales", None),
    ("pytorch", "OneCycleLR", {"total_steps": " ", "epochs": "10", "steps_per_epoch": "100"},
     "total_steps", None),
    ("pytorch", "StepLR", {"gamma": "5e-1"}, "gamma", 0.5),
])
def test_read_parses_typed_values(framework, name, changes, path, value):
    spec, errors = form.read(edited(framework, name, **changes))
    assert errors == {} and spec["params"][path] == value


def test_missing_raw_params_take_their_starting_values():
    spec, errors = form.read({"framework": "pytorch", "name": "StepLR", "lr": "0.1"})
    assert errors == {} and spec["params"] == {"step_size": 30, "gamma": 0.1}


def test_metrics_column_is_passed_to_the_table_parser():
    spec, errors = form.read(edited("pytorch", "ReduceLROnPlateau",
                                    metrics="epoch,loss\n1,0.5\n2,0.25", metrics_column="loss"))
    assert errors == {} and spec["metrics"] == [0.5, 0.25]


@pytest.mark.parametrize("framework, name, changes, expected", [
    ("pytorch", "StepLR", {"lr": ""}, {"lr": "Enter a number"}),
    ("pytorch", "StepLR", {"lr": "0"}, {"lr": "Must be a number > 0"}),
    ("pytorch", "StepLR", {"gamma": "abc"}, {"params.gamma": "Enter a number like 0.01 or 1e-3"}),
    ("pytorch", "StepLR", {"gamma": "0,5"},
     {"params.gamma": "Use a dot for decimals and no thousands separators, e.g. 1.5"}),
    ("pytorch", "StepLR", {"step_size": "2.5"},
     {"params.step_size": "Must be a whole number >= 1"}),
    ("pytorch", "StepLR", {"step_size": "0", "gamma": "-1"},
     {"params.step_size": "Must be a whole number >= 1", "params.gamma": "Must be a number > 0"}),
    ("pytorch", "OneCycleLR", {"total_steps": "0"},
     {"params.total_steps": "Must be a whole number >= 1, or leave it empty"}),
    ("pytorch", "OneCycleLR", {"three_phase": "yes"},
     {"params.three_phase": "Must be true or false"}),
    ("pytorch", "OneCycleLR", {"anneal_strategy": "cosine"},
     {"params.anneal_strategy": 'Must be one of "cos", "linear"'}),
    ("pytorch", "MultiStepLR", {"milestones": "30, x, 90"},
     {"params.milestones": "Entry 2 (x): enter a number like 0.01 or 1e-3"}),
    ("pytorch", "MultiStepLR", {"milestones": "30, -2"},
     {"params.milestones": "Must be a list of numbers, each a whole number >= 0, in "
                           "nondecreasing order (entry 2)"}),
    ("optax", "piecewise_constant_schedule", {"boundaries_and_scales": "30 0.5"},
     {"params.boundaries_and_scales": "'30 0.5' is not step: value; write entries like "
                                      "30: 0.5, with a whole-number step >= 0"}),
    ("optax", "piecewise_constant_schedule", {"boundaries_and_scales": "30: 0.5, 30: 2"},
     {"params.boundaries_and_scales": "Must not name step 30 twice"}),
    ("optax", "piecewise_constant_schedule", {"boundaries_and_scales": "30: x"},
     {"params.boundaries_and_scales": "Step 30: enter a number like 0.01 or 1e-3"}),
    ("optax", "piecewise_constant_schedule", {"boundaries_and_scales": "30: -1"},
     {"params.boundaries_and_scales": "Must be an object from whole-number steps >= 0 to "
                                      "numbers, each value a number >= 0, or leave it empty "
                                      "(at step 30)"}),
    ("pytorch", "LambdaLR", {"lr_lambda": "0.95 ** (step"},
     {"params.lr_lambda": "Must be a formula of step: expected ), got the end at column 14"}),
    ("pytorch", "ReduceLROnPlateau", {"metrics": ""}, {"metrics": "Paste at least one number"}),
])
def test_read_messages(framework, name, changes, expected):
    assert form.read(edited(framework, name, **changes)) == (None, expected)


def test_metric_errors_name_the_line():
    errors = errors_of("pytorch", "ReduceLROnPlateau", metrics="1\n2\nabc")
    assert list(errors) == ["metrics"]
    assert errors["metrics"].startswith("Line 3: 'abc' is not a number")


@pytest.mark.parametrize("framework, name, changes, path", [
    ("pytorch", "OneCycleLR", {"total_steps": ""}, "params.epochs"),
    ("pytorch", "CosineAnnealingLR", {"eta_min": "0.5"}, "params.eta_min"),
    ("pytorch", "SequentialLR", {"milestones": "5, 10"}, "params.milestones"),
    ("pytorch", "LambdaLR", {"lr_lambda": "1 / step"}, "params.lr_lambda"),
])
def test_cross_field_errors_go_to_the_field_validate_names(framework, name, changes, path):
    spec, errors = form.read(edited(framework, name, **changes))
    assert spec is None and list(errors) == [path]
    assert errors[path][:1].isupper()


def test_child_errors_name_the_child_field():
    raw = form.default_raw("pytorch", "SequentialLR")
    raw["params"]["schedulers"][0]["name"] = "Nope"
    raw["params"]["schedulers"][1]["params"]["T_max"] = "0"
    assert form.read(raw)[1] == {
        "params.schedulers[0].name": "Choose a schedule from the list",
        "params.schedulers[1].params.T_max": "Must be a whole number >= 1"}


def test_composite_refusals_name_the_child():
    raw = form.default_raw("pytorch", "SequentialLR")
    raw["params"]["schedulers"][1] = form.default_raw("pytorch", "ChainedScheduler", child=True)
    assert list(form.read(raw)[1]) == ["params.schedulers[1].name"]


def test_shared_group_refusals_go_to_the_schedule_list():
    raw = form.default_raw("pytorch", "ChainedScheduler")
    raw["params"]["schedulers"] = [form.default_raw("pytorch", "OneCycleLR", child=True)] * 2
    assert list(form.read(raw)[1]) == ["params.schedulers"]


def test_kwargs_entry_errors_name_the_argument():
    raw = form.default_raw("optax", "sgdr_schedule")
    raw["params"]["cosine_kwargs"][1]["peak_value"] = "-1"
    assert form.read(raw)[1] == {"params.cosine_kwargs[1].peak_value": "Must be a number >= 0"}


@pytest.mark.parametrize("raw", [None, {}, {"framework": "pytorch", "name": "Nope"},
                                 {"framework": "pytorch", "name": ["StepLR"]},
                                 {"framework": "mxnet", "name": "StepLR"}])
def test_unknown_schedules_are_a_message_not_a_crash(raw):
    assert form.read(raw) == (None, {"name": "Choose a schedule from the list"})


# --- field ids --------------------------------------------------------------------------


def test_field_id_replaces_unsafe_characters():
    assert form.field_id("params.schedulers[1].params.gamma") == (
        "f-params-schedulers-1--params-gamma")


def test_field_ids_are_unique_across_the_catalogue_and_nested_paths():
    paths = set()
    for framework, name in ENTRIES:
        for f in form.fields(framework, name):
            paths.add(f["path"])
            for i in range(3):
                for child in f["children"] or ():
                    for g in form.fields(framework, child, child=True):
                        paths.add("%s[%d].%s" % (f["path"], i, g["path"]))
                    paths.add("%s[%d].name" % (f["path"], i))
                if f["schedule"]:
                    for g in form.fields(framework, f["schedule"], child=True):
                        paths.add("%s[%d].%s" % (f["path"], i, g["name"]))
    ids = set(form.field_id(p) for p in paths)
    assert len(ids) == len(paths)
