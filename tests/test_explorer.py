"""The explorer's state, computation and link (pycore.explorer), without a browser."""
import copy
import csv
import io
import json
import math

import pytest

from pycore import (analysis, dataio, explorer, form, lr_series, momentum_series,
                    validate)
from pycore.explorer import Job, read, read_fragment, read_run


def run_job(state):
    values, errors = read(state)
    assert errors == {}
    job = Job(values)
    while not job.advance():
        pass
    return job


def state_for(spec, **run):
    s = explorer.default_state()
    s["raw"] = form.raw_from_spec(spec)
    s["run"].update(run)
    return s


COSINE = {"framework": "pytorch", "name": "CosineAnnealingLR", "lr": 0.1,
          "params": {"T_max": 100}}
ONECYCLE = {"framework": "pytorch", "name": "OneCycleLR", "lr": 0.1,
            "params": {"max_lr": 0.1, "total_steps": 1000}}


def test_default_state_is_valid_and_computes():
    job = run_job(explorer.default_state())
    r = job.result()
    assert r["lr_text"]
    assert job.main.values == lr_series(job.v["clean"], job.v["n"])


@pytest.mark.parametrize("run, spe, total", [
    ({"length_from": "steps", "steps_per_epoch": "391", "epochs": "90"}, 391, 35190),
    ({"length_from": "data", "dataset_size": "50000", "batch_size": "128", "devices": "1",
      "accum": "1", "epochs": "10"}, 391, 3910),
    ({"length_from": "data", "dataset_size": "50000", "batch_size": "128", "devices": "1",
      "accum": "1", "drop_last": True, "epochs": "10"}, 390, 3900),
    ({"length_from": "data", "dataset_size": "1281167", "batch_size": "32", "devices": "8",
      "accum": "4", "epochs": "90"}, 1252, 112680),
])
def test_training_length_helper(run, spe, total):
    raw = dict(explorer.RUN_DEFAULTS)
    raw.update(run)
    out, errors = read_run(raw)
    assert errors == {}
    assert out["steps_per_epoch"] == spe
    assert out["total_updates"] == total


def test_effective_batch_and_batches_per_epoch():
    raw = dict(explorer.RUN_DEFAULTS, length_from="data", dataset_size="1281167",
               batch_size="32", devices="8", accum="4")
    out, _ = read_run(raw)
    assert out["batches_per_epoch"] == 5005  # ceil(1281167 / 256)
    assert out["effective_batch"] == 1024


@pytest.mark.parametrize("key, text", [
    ("epochs", ""), ("epochs", "0"), ("epochs", "2.5"), ("epochs", "abc"),
    ("steps_per_epoch", "-1"), ("steps_per_epoch", "1e999")])
def test_bad_run_fields_get_a_message(key, text):
    raw = dict(explorer.RUN_DEFAULTS)
    raw[key] = text
    run, errors = read_run(raw)
    assert run is None
    assert list(errors) == ["run." + key]
    assert errors["run." + key][0].isupper()


def test_drop_last_with_a_batch_larger_than_the_data():
    raw = dict(explorer.RUN_DEFAULTS, length_from="data", dataset_size="100",
               batch_size="128", drop_last=True)
    run, errors = read_run(raw)
    assert run is None and "run.batch_size" in errors


def test_runs_longer_than_the_limit_are_refused_with_a_message():
    s = state_for(COSINE, stepping="update", steps_per_epoch="100000", epochs="100")
    values, errors = read(s)
    assert values is None
    assert "2,000,000" in errors["run.steps_per_epoch"]


def test_step_beyond_the_run_is_refused():
    s = state_for(COSINE, stepping="epoch", epochs="100")
    s["at"] = "100"
    values, errors = read(s)
    assert "at" in errors


@pytest.mark.parametrize("stepping, n", [("epoch", 100), ("update", 39100)])
def test_results_are_the_exact_series(stepping, n):
    s = state_for(COSINE, stepping=stepping, steps_per_epoch="391", epochs="100")
    s["at"] = "50"
    job = run_job(s)
    series = lr_series(COSINE, n)
    assert job.main.values == series
    r = job.result()
    assert r["lr"] == series[50]
    assert r["lr_repr"] == repr(series[50])
    assert job.main.summary["min"] == min(series)
    assert job.main.summary["max"] == max(series)


def test_chart_keeps_every_spike():
    spec = {"framework": "pytorch", "name": "CyclicLR", "lr": 0.1,
            "params": {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 3}}
    s = state_for(spec, stepping="update", steps_per_epoch="1000", epochs="100")
    job = run_job(s)
    chart = job.result()["chart"]
    ys = chart["curves"][0]["y"]
    assert len(ys) <= 4 * explorer.COLUMNS
    assert max(ys) == max(job.main.values) and min(ys) == min(job.main.values)


def test_momentum_curve_for_onecycle():
    s = state_for(ONECYCLE, stepping="update", steps_per_epoch="10", epochs="100")
    job = run_job(s)
    curves = job.result()["chart"]["curves"]
    assert [c["axis"] for c in curves] == ["lr", "momentum"]
    m = momentum_series(ONECYCLE, 1000)
    assert max(curves[1]["y"]) == max(m) and min(curves[1]["y"]) == min(m)


def test_a_long_momentum_curve_is_computed_in_slices_too():
    """No advance() computes more than SLICE momentum values (a 1,000,000-step OneCycleLR
    would otherwise hold the page for seconds), and the slices give the whole curve's
    summary exactly."""
    spec = dict(ONECYCLE, params=dict(ONECYCLE["params"], total_steps=20000))
    values, errors = read(state_for(spec, stepping="update", steps_per_epoch="200",
                                    epochs="100"))
    assert errors == {} and values["n"] == 20000
    job = Job(values)
    sizes = []
    part = job.main.schedule.momentum_part
    job.main.schedule.momentum_part = lambda a, b: sizes.append(b - a) or part(a, b)
    calls = 1
    while not job.advance():
        assert 0 < job.progress() < 1
        calls += 1
    assert max(sizes) <= explorer.SLICE and sum(sizes) == 20000
    assert calls >= 2 * 20000 // explorer.SLICE
    scan = analysis.Scan(20000, explorer.COLUMNS)
    scan.feed(momentum_series(spec, 20000))
    whole = scan.result()
    assert job.momentum.pop("mean") == pytest.approx(whole.pop("mean"), rel=1e-14)
    assert job.momentum == whole  # the mean is summed slice by slice: equal to rounding


def test_onecycle_shorter_than_the_run_stops_with_a_warning():
    s = state_for(ONECYCLE, stepping="update", steps_per_epoch="20", epochs="100")
    job = run_job(s)
    r = job.result()
    assert r["stopped"] == 1001
    assert "onecycle_too_short" in [w["id"] for w in r["warnings"]]
    assert len(job.main.values) == 1001


def test_pins_are_compared_update_by_update():
    s = state_for(COSINE, stepping="epoch", epochs="100")
    other = copy.deepcopy(COSINE)
    other["params"]["T_max"] = 50
    s["pins"] = [{"label": "T_max 50", "spec": other, "stepping": "epoch"},
                 {"label": "same", "spec": COSINE, "stepping": "epoch"}]
    r = run_job(s).result()
    notes = [item["note"] for item in r["legend"]]
    assert notes[1].startswith("differs by up to") and "epoch 1" in notes[1]
    assert notes[2] == "identical over 100 epochs"


def test_compare_expands_epochs_to_updates():
    out = explorer.compare([1.0, 0.5], "epoch", [1.0, 1.0, 0.5, 0.25], "update", 2, 1.0)
    assert out["unit"] == "update" and out["count"] == 4
    assert out["first_diff"] == 3 and out["max_rel_diff"] == 0.5


@pytest.mark.parametrize("epochs", ["25", "200"])
def test_pins_are_computed_and_compared_in_slices_in_full(epochs, monkeypatch):
    """Each advance() does about SLICE values of work, comparisons included (six pins
    over 2,000,000 updates would otherwise hold the page for many seconds); every curve
    is computed in full even when one ends exactly where a slice does (25 epochs of 100
    updates is one slice), and the comparison equals compare() over the whole curves."""
    s = state_for(COSINE, stepping="update", steps_per_epoch="100", epochs=epochs)
    other = copy.deepcopy(COSINE)
    other["params"]["T_max"] = 50
    s["pins"] = [{"label": "T_max 50", "spec": other, "stepping": "update"}]
    values, errors = read(s)
    n = values["n"]
    assert errors == {} and n in (explorer.SLICE, 8 * explorer.SLICE)
    sizes = []
    advance = explorer.Comparison.advance
    monkeypatch.setattr(explorer.Comparison, "advance",
                        lambda self, k: sizes.append(k) or advance(self, k))
    job = Job(values)
    calls = 1
    while not job.advance():
        calls += 1
    pin = job.pins[0][1]
    assert pin.summary["n"] == n and pin.values == lr_series(other, n)
    assert calls >= 3 * n // explorer.SLICE
    assert max(sizes) <= explorer.SLICE
    whole = explorer.compare(job.main.values, "update", pin.values, "update", 100,
                             job.main.summary["max"])
    assert job.compare_pin(pin, "update") == whole and whole["count"] == n


def test_translation_pins_name_the_other_frameworks():
    pins = explorer.translation_pins(validate(COSINE), "epoch", 100)
    assert sorted(p["spec"]["framework"] for p in pins) == [
        "keras", "optax", "timm", "transformers"]


def test_code_tabs_come_a_piece_at_a_time_with_the_same_tabs():
    pieces = list(explorer.code_tabs_steps(validate(COSINE), 100))
    assert pieces[-1] == explorer.code_tabs(validate(COSINE), 100)
    assert len(pieces) > len(pieces[-1]) and all(p is None for p in pieces[:-1])
    assert explorer.pins_of(pieces[-1], "epoch") == explorer.translation_pins(
        validate(COSINE), "epoch", 100)


def test_code_tabs_start_with_the_own_framework():
    tabs = explorer.code_tabs(validate(COSINE), 100)
    assert tabs[0]["framework"] == "pytorch" and "CosineAnnealingLR" in tabs[0]["code"]
    assert len(tabs) == 5


def test_csv_export_equals_lr_series():
    s = state_for(COSINE, stepping="update", steps_per_epoch="10", epochs="100")
    job = run_job(s)
    rows = list(csv.reader(io.StringIO(explorer.export_csv(job, 1))))
    assert rows[0][0] == "step" and rows[0][-1] == "lr"
    assert [float(r[-1]) for r in rows[1:]] == lr_series(COSINE, 1000)


def test_csv_export_every_kth_keeps_the_last_step():
    s = state_for(COSINE, stepping="epoch", epochs="100")
    rows = list(csv.reader(io.StringIO(explorer.export_csv(run_job(s), 7))))
    steps = [int(r[0]) for r in rows[1:]]
    assert steps[:3] == [0, 7, 14] and steps[-1] == 99


def test_json_export_holds_the_spec_and_exact_values():
    s = state_for(COSINE, stepping="epoch", epochs="100")
    data = json.loads(explorer.export_json(run_job(s), 1))
    assert data["spec"] == validate(COSINE)
    assert [row[-1] for row in data["rows"]] == lr_series(COSINE, 100)


@pytest.mark.parametrize("kind", ["csv", "json"])
@pytest.mark.parametrize("spec, every", [(ONECYCLE, 1), (ONECYCLE, 7), (COSINE, 3)])
def test_export_written_in_slices_is_the_whole_table(spec, every, kind):
    """Export writes EXPORT_ROWS rows (or SLICE momentum values) per advance(), its
    progress only grows, and the text is the table's exactly (momentum included)."""
    job = run_job(state_for(spec, stepping="update", steps_per_epoch="10", epochs="100"))
    export = explorer.Export(job, every, kind)
    seen = [export.progress()]
    calls = 1
    while not export.advance():
        seen.append(export.progress())
        calls += 1
    assert seen == sorted(seen) and seen[-1] < 1 and export.progress() == 1.0
    momentum = momentum_series(spec, 1000) if job.momentum else None
    columns, rows = dataio.series_table(job.main.values, every, 10, momentum)
    assert calls >= len(rows) // explorer.EXPORT_ROWS
    whole = (dataio.to_csv(columns, rows) if kind == "csv"
             else dataio.to_json(job.v["clean"], columns, rows))
    assert export.text() == whole
    assert ("momentum" in columns) == (spec is ONECYCLE)


def test_an_overflowing_schedule_charts_its_infinite_values_as_gaps():
    """ExponentialLR with gamma 1e10 passes 1e308 by epoch 31: the results say inf, and
    the chart's JSON (read by JSON.parse, which knows no Infinity) has null there."""
    spec = {"framework": "pytorch", "name": "ExponentialLR", "lr": 0.1,
            "params": {"gamma": 1e10}}
    r = run_job(state_for(spec)).result()
    assert r["stats"][1] == ("Last LR (epoch 99)", "inf")

    def refuse(constant):
        raise ValueError(constant)
    chart = json.loads(r["chart_json"], parse_constant=refuse)
    ys = chart["curves"][0]["y"]
    assert ys[:31] == lr_series(spec, 31) and ys[31:] == [None] * 69
    assert r["chart"]["curves"][0]["y"][99] == math.inf  # the hover read-out keeps it


def test_svg_export_is_a_document():
    s = state_for(COSINE, stepping="epoch", epochs="100")
    assert explorer.chart_svg(run_job(s)).lstrip().startswith("<")


def test_fragment_round_trip_reproduces_the_state():
    s = state_for(COSINE, stepping="update", steps_per_epoch="391", epochs="90")
    s["at"] = "1234"
    s["resume"] = "5000"
    s["log"] = True
    s["pins"] = [{"label": "a <b>", "spec": validate(ONECYCLE), "stepping": "update"}]
    values, errors = read(s)
    assert errors == {}
    back, problems = read_fragment("#" + explorer.fragment_of(s, values))
    assert problems == []
    again, errors = read(back)
    assert errors == {}
    for key in ("clean", "run", "n", "at", "resume", "log"):
        assert again[key] == values[key]
    assert back["pins"] == s["pins"]


@pytest.mark.parametrize("fragment, part", [
    ("#spec=%7Bnot%20json", "schedule"),
    ("#spec=" + "%7B%22framework%22%3A%22nope%22%7D", "schedule"),
    ("#pins=%5B1%5D", "pinned curves"),
    ("#spec=%ZZ", "spec"),
])
def test_bad_link_parts_keep_defaults_and_say_why(fragment, part):
    state, problems = read_fragment(fragment)
    assert len(problems) == 1 and part in problems[0]
    assert state["raw"] == explorer.default_state()["raw"]


def test_link_text_fields_are_kept_as_typed_and_validated_later():
    state, problems = read_fragment("#epochs=%3Cscript%3E&step=abc")
    assert problems == []
    values, errors = read(state)
    assert "run.epochs" in errors


@pytest.mark.parametrize("text", [None, "", "not json", "[]", '{"raw": 1, "run": {}}',
                                  '{"raw": {"framework": "x"}, "run": {}}'])
def test_saved_state_that_is_not_a_state_is_ignored(text):
    assert explorer.load_saved(text) is None


def test_saved_state_round_trip():
    s = state_for(COSINE, epochs="12")
    s["raw"]["params"]["T_max"] = "not a number"  # what the user typed survives
    back = explorer.load_saved(json.dumps(s))
    assert back["raw"]["params"]["T_max"] == "not a number"
    assert back["run"]["epochs"] == "12"


def test_hover_text_reads_a_sample_exactly():
    s = state_for(COSINE, stepping="update", steps_per_epoch="10", epochs="100")
    job = run_job(s)
    chart = job.result()["chart"]
    text = explorer.hover_text(chart, 0, 5, job.v["run"])
    x, y = chart["curves"][0]["x"][5], chart["curves"][0]["y"][5]
    assert "update %d" % x in text and repr(y) in text
    assert explorer.hover_text(chart, 0, 10 ** 9, job.v["run"]) == ""
    assert explorer.hover_text(chart, 9, 0, job.v["run"]) == ""


def test_values_table_spans_the_run():
    s = state_for(COSINE, stepping="epoch", epochs="100")
    table = run_job(s).result()["table"]
    assert table[0][0] == "epoch 0" and table[-1][0] == "epoch 99"
    assert len(table) == explorer.TABLE_ROWS


def test_metric_driven_schedule_marks_reductions():
    spec = {"framework": "pytorch", "name": "ReduceLROnPlateau", "lr": 0.1,
            "params": {"patience": 1}, "metrics": [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8]}
    s = state_for(spec)
    job = run_job(s)
    r = job.result()
    assert r["n"] == 7
    assert r["chart"]["drops"] == [t for t in range(1, 7)
                                   if job.main.values[t] < job.main.values[t - 1]]
    assert r["chart"]["drops"]


def test_resume_rows_name_the_update_and_the_naive_value():
    spec = {"framework": "transformers", "name": "linear", "lr": 0.001,
            "params": {"num_warmup_steps": 100, "num_training_steps": 1000}}
    s = state_for(spec, stepping="update", steps_per_epoch="100", epochs="10")
    s["resume"] = "500"
    r = run_job(s).result()
    rows = explorer.resume_rows(r["resume"])
    assert "update 500" in rows[0][1]
    assert r["resume"]["lr"] == lr_series(spec, 1000)[500]


def _rerun(previous, state):
    """The job of state, built on the previous job as the page builds it."""
    values, errors = read(state)
    assert errors == {}
    job = Job(values, previous)
    while not job.advance():
        pass
    return job


def test_a_new_chosen_step_reuses_the_curves_and_gives_the_fresh_result():
    s = state_for(COSINE, stepping="update", steps_per_epoch="100", epochs="3")
    s["pins"] = [{"label": "StepLR", "spec": {"framework": "pytorch", "name": "StepLR",
                                              "lr": 0.1, "params": {"step_size": 30}}}]
    first = run_job(s)
    first.result()
    for change in ({"at": "157"}, {"resume": "120"}, {"log": True}):
        s2 = dict(s, **change)
        again = _rerun(first, s2)
        assert again.main is first.main and again.pins[0][1] is first.pins[0][1]
        assert again.momentum is first.momentum
        assert list(again.diffs.values()) == list(first.diffs.values())  # the same objects
        fresh = run_job(s2)
        assert fresh.main is not first.main
        assert again.result() == fresh.result()
    assert first.result()["lr"] == lr_series(COSINE, 300)[0]


def test_a_changed_spec_or_length_is_computed_again():
    s = state_for(COSINE, stepping="update", steps_per_epoch="100", epochs="3")
    first = run_job(s)
    changed = copy.deepcopy(s)
    changed["raw"]["lr"] = "0.2"
    assert _rerun(first, changed).main is not first.main
    longer = copy.deepcopy(s)
    longer["run"]["epochs"] = "4"
    job = _rerun(first, longer)
    assert job.main is not first.main and job.main.values == lr_series(COSINE, 400)


def test_a_pin_of_the_previous_main_curve_is_reused():
    s = state_for(COSINE, stepping="update", steps_per_epoch="100", epochs="3")
    first = run_job(s)
    pinned = copy.deepcopy(s)
    pinned["raw"]["lr"] = "0.2"
    pinned["pins"] = [{"label": "lr 0.1", "spec": COSINE}]
    job = _rerun(first, pinned)
    assert job.pins[0][1] is first.main
    assert job.result()["legend"][1]["note"].startswith("differs by up to 50%")


def test_chosen_step_phase_matches_a_plain_scan():
    """The phase of every step of a restarting cosine equals what a scan of the values
    up to that step says (the checkpoints of Scan.mark change nothing)."""
    spec = {"framework": "pytorch", "name": "CosineAnnealingWarmRestarts", "lr": 0.1,
            "params": {"T_0": 70, "T_mult": 2}}
    s = state_for(spec, stepping="update", steps_per_epoch="500", epochs="3")
    job = run_job(s)
    values = job.main.values
    for at in range(0, 1500, 13):
        restarts = 0
        falling = None
        for t in range(1, at + 1):
            if values[t] < values[t - 1]:
                falling = True
            elif values[t] > values[t - 1]:
                restarts += falling is True
                falling = False
        again = _rerun(job, dict(s, at=str(at)))
        assert again.main is job.main
        phase = again.result()["phase"]
        assert (phase.startswith("restart %d:" % restarts) if restarts
                else not phase.startswith("restart")), (at, phase)
