"""pycore.resume: the LR to continue with, the naive restart, and the restore recipe.

The PyTorch, transformers and optax snippets are executed: a run is stepped to the resume
point, saved with the snippet's save half, restored in a fresh namespace with its resume
half, and must then continue with pycore's exact series.
"""
import os

import pytest

from cases import sanity_cases as sc
from pycore import lr_series, resume, validate


def advice(spec, run, update):
    """resume.advice over the run's exact series."""
    return sc.advice_for(spec, run, update)


STEP = sc._pt("StepLR", 0.1, step_size=30)
HF_LINEAR = sc._hf("linear", num_warmup_steps=10, num_training_steps=100)
PLATEAU = dict(sc._pt("ReduceLROnPlateau", 0.1, patience=2), metrics=[1.0] * 30)


@pytest.mark.parametrize("run,update,step,epoch", [
    (sc.run_of("update", 10, 10), 45, 45, 4.5),
    (sc.run_of("epoch", 10, 10), 45, 4, 4.5),
    (sc.run_of("epoch", 10, 10), 100, 9, 10.0),  # the end of the run: the last step
    (sc.run_of("update", 1, 100), 0, 0, 0.0),
])
def test_scheduler_step_follows_the_stepping(run, update, step, epoch):
    got = advice(STEP, run, update)
    assert (got["update"], got["scheduler_step"], got["epoch"]) == (update, step, epoch)
    assert got["lr"] == lr_series(STEP, run["n"])[step]


def test_lr_and_naive_values_are_the_series():
    got = advice(STEP, sc.run_of(epochs=100), 45)
    series = lr_series(STEP, 100)
    assert (got["lr"], got["naive_lr"]) == (series[45], series[0])
    assert (got["lr_text"], got["naive_text"]) == ("0.01", "0.1")


def test_resume_past_a_stop_has_no_lr():
    clean = validate(sc._pt("OneCycleLR", 0.1, max_lr=0.1, total_steps=10))
    got = resume.advice(clean, sc.run_of(epochs=20), 15, lr_series(clean, 11))
    assert got["lr"] is None
    assert got["lr_text"] == "not reached: the framework stops at step 11"


@pytest.mark.parametrize("spec,run,update,note", [
    (HF_LINEAR, sc.run_of(), 50, "The warmup would run again from the start."),
    (STEP, sc.run_of(), 0, "Same value: update 0 is the start of the schedule anyway."),
    (STEP, sc.run_of(), 12, "Same value, but the curve restarts from step 0."),
    (STEP, sc.run_of(), 45, "The LR would jump back up to the start of the schedule."),
    (sc._pt("CyclicLR", 0.1, base_lr=0.01, max_lr=0.1, step_size_up=10), sc.run_of(), 5,
     "The LR would drop back to the start of the schedule."),
    (PLATEAU, sc.run_of("epoch", 1, 30), 20,
     "The reductions made so far would be lost and the LR would start over."),
])
def test_naive_note(spec, run, update, note):
    assert advice(spec, run, update)["naive_note"] == note


def test_torch_restores_optimizer_then_scheduler_after_building():
    code = advice(STEP, sc.run_of(), 45)["code"]
    built = code.index("scheduler = torch.optim.lr_scheduler.StepLR(")
    opt = code.index("optimizer.load_state_dict(")
    sched = code.index("scheduler.load_state_dict(")
    assert built < opt < sched
    assert '"update": 45}' in code and "scheduler step 45, LR 0.01" in code


def test_torch_steps_warn_against_last_epoch():
    steps = advice(STEP, sc.run_of("epoch", 10, 10), 45)["steps"]
    assert any("last_epoch=4 " in s for s in steps)
    assert any("then the scheduler state" in s for s in steps)


def test_plateau_steps_say_the_state_must_be_loaded():
    steps = advice(PLATEAU, sc.run_of("epoch", 1, 30), 20)["steps"]
    assert any("cannot be recomputed from the step" in s for s in steps)
    assert not any("last_epoch" in s for s in steps)


def test_transformers_mentions_the_trainer_checkpoint():
    got = advice(HF_LINEAR, sc.run_of(), 50)
    assert any("resume_from_checkpoint" in s for s in got["steps"])
    assert 'resume_from_checkpoint="output/checkpoint-50"' in got["code"]


@pytest.mark.parametrize("spec,run,call", [
    (sc._fw("timm", "CosineLRScheduler", 0.1, t_initial=20), sc.run_of("epoch", 5, 20),
     "scheduler.step(6)"),
    (sc._fw("timm", "CosineLRScheduler", 0.1, t_initial=100, t_in_epochs=False),
     sc.run_of("update", 5, 20), "scheduler.step_update(num_updates=31)"),
])
def test_timm_sets_the_lr_from_the_counter(spec, run, call):
    got = advice(spec, run, 31)
    assert call in got["code"].splitlines()[-1]
    assert any(call in s for s in got["steps"])


def test_timm_plateau_is_not_stepped_without_a_metric():
    spec = dict(sc._fw("timm", "PlateauLRScheduler", 0.1), metrics=[1.0] * 20)
    got = advice(spec, sc.run_of("epoch", 5, 20), 31)
    assert "scheduler.step(" not in got["code"].replace("scheduler.step(epoch + 1", "")
    assert any("cannot be recomputed" in s for s in got["steps"])


def test_keras_restores_iterations():
    spec = sc._fw("keras", "ExponentialDecay", initial_learning_rate=0.1, decay_steps=10,
                  decay_rate=0.5)
    got = advice(spec, sc.run_of("update", 10, 5), 20)
    assert "optimizer.iterations.assign(20)" in got["code"]
    assert any("iterations comes back as 20" in s for s in got["steps"])
    assert any("initial_epoch=2 " in s for s in got["steps"])


def test_optax_restores_opt_state_not_init():
    spec = sc._fw("optax", "warmup_cosine_decay_schedule", init_value=0.0, peak_value=0.1,
                  warmup_steps=10, decay_steps=100)
    got = advice(spec, sc.run_of(), 30)
    assert "params, opt_state = checkpoint[\"params\"], checkpoint[\"opt_state\"]" in got["code"]
    assert "opt_state = optimizer.init" not in got["code"]
    assert any("optimizer.init(params) instead would restart the count at 0" in s
               for s in got["steps"])


@pytest.mark.parametrize("name,spec,run,update", sc.RESUMES, ids=[c[0] for c in sc.RESUMES])
def test_snippets_compile_and_name_the_numbers(name, spec, run, update):
    got = advice(spec, run, update)
    compile(got["code"], name, "exec")
    assert str(update) in got["code"] and str(got["scheduler_step"]) in got["code"]
    assert all(s.endswith(".") for s in got["steps"])


def halves(code):
    """The snippet split into (build, save, resume) parts."""
    build, rest = code.split("\n# Save when", 1)
    save, load = rest.split("\n# Resume", 1)
    return build, "# Save when" + save, "# Resume" + load


@pytest.mark.parametrize("spec,run,update", [
    (STEP, sc.run_of("update", 1, 100), 45),
    (sc.WARMUP_COSINE, sc.run_of("epoch", 10, 20), 73),
    (HF_LINEAR, sc.run_of("update", 1, 100), 50),
])
def test_torch_snippet_resumes_the_exact_series(spec, run, update, tmp_path):
    torch = pytest.importorskip("torch")
    if spec["framework"] == "transformers":
        pytest.importorskip("transformers")
    got = advice(spec, run, update)
    series = lr_series(spec, run["n"])
    build, save, load = halves(got["code"])
    os.chdir(tmp_path)
    first = {"model": torch.nn.Linear(2, 1)}
    exec(build, first)
    for _ in range(got["scheduler_step"]):
        first["optimizer"].step()
        first["scheduler"].step()
    exec(save, first)
    second = {"model": torch.nn.Linear(2, 1)}
    exec(build + "\n" + load, second)
    t = got["scheduler_step"]
    for k in range(3):
        assert second["optimizer"].param_groups[0]["lr"] == series[t + k]
        second["optimizer"].step()
        second["scheduler"].step()


def test_optax_snippet_resumes_the_count(tmp_path):
    jax = pytest.importorskip("jax")
    spec = sc._fw("optax", "warmup_cosine_decay_schedule", init_value=0.0, peak_value=0.1,
                  warmup_steps=10, decay_steps=100)
    got = advice(spec, sc.run_of(), 30)
    build, save, load = halves(got["code"])
    os.chdir(tmp_path)
    first = {}
    exec(build, first)
    params = {"w": jax.numpy.zeros(())}
    opt_state = first["optimizer"].init(params)
    grads = {"w": jax.numpy.ones(())}
    for _ in range(30):
        updates, opt_state = first["optimizer"].update(grads, opt_state, params)
    first.update(params=params, opt_state=opt_state)
    exec(save, first)
    second = {}
    exec(build + "\n" + load, second)
    updates, _ = second["optimizer"].update(grads, second["opt_state"], second["params"])
    assert float(updates["w"]) == pytest.approx(-lr_series(spec, 31)[30], rel=1e-6)
