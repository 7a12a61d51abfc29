"""Cases for pycore.sanity and pycore.resume, run by pytest and by the MicroPython parity run.

Each sanity case names a warning id and whether it must appear (POSITIVE) or must not
(NEGATIVE) for a spec and a run. The curve's Summary is computed here by ``summarize``
from the plain list of values (the fields of ``analysis.Scan.result()`` that sanity reads),
so these cases do not depend on pycore.analysis. Plain Python: runs on MicroPython.
"""
from pycore.errors import SpecError
from pycore.numfmt import py_repr
from pycore.spec import build_valid, validate
from pycore import resume, sanity


def run_of(stepping="update", steps_per_epoch=1, epochs=100):
    """A run dict: per-update or per-epoch stepping over epochs of steps_per_epoch updates."""
    total = steps_per_epoch * epochs
    return {"stepping": stepping, "steps_per_epoch": steps_per_epoch, "epochs": epochs,
            "total_updates": total, "n": total if stepping == "update" else epochs}


def curve(clean, n):
    """(values, stopped_at, message) as analysis.Stream gives them: the values before the
    step the framework refuses, that step and the error text (None when it runs through)."""
    try:
        return build_valid(clean).series(n), None, None
    except SpecError as err:
        message = str(err)
    lo, hi = 0, n  # the largest k whose series works lies in [lo, hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            build_valid(clean).series(mid)
            lo = mid
        except SpecError:
            hi = mid
    return build_valid(clean).series(lo), lo, message


def summarize(values, stopped_at=None, stop_message=None):
    """The Summary fields sanity reads, computed plainly from a list of values."""
    n = len(values)
    out = {"n": n, "first": None, "last": None, "min": None, "argmin": None, "max": None,
           "argmax": None, "mean": None, "envelope": {"x": list(range(n)), "y": list(values)},
           "zero_at": None, "decreases": False, "increases": False, "changes": False,
           "restarts": 0, "stopped_at": stopped_at, "stop_message": stop_message}
    if not n:
        return out
    lo, hi = min(values), max(values)
    out.update({"first": values[0], "last": values[-1], "min": lo,
                "argmin": values.index(lo), "max": hi, "argmax": values.index(hi),
                "mean": sum(values) / n})
    k = n
    while k > 0 and values[k - 1] == 0:
        k -= 1
    out["zero_at"] = k if k < n else None
    direction = 0
    for t in range(1, n):
        a, b = values[t - 1], values[t]
        if b < a:
            direction = -1
        elif b > a:
            if direction < 0:
                out["restarts"] += 1
            direction = 1
    out["decreases"] = any(values[t] < values[t - 1] for t in range(1, n))
    out["increases"] = any(values[t] > values[t - 1] for t in range(1, n))
    out["changes"] = lo != hi
    return out


def warnings_for(spec, run):
    """sanity.check for a spec over a run, with the curve computed and summarized here."""
    clean = validate(spec)
    values, stopped_at, message = curve(clean, run["n"])
    return sanity.check(clean, run, summarize(values, stopped_at, message))


def _pt(name, lr=None, **params):
    """A pytorch spec (children get no lr)."""
    out = {"framework": "pytorch", "name": name, "params": params}
    if lr is not None:
        out["lr"] = lr
    return out


def _fw(framework, name, lr=None, **params):
    """A spec of any framework."""
    out = {"framework": framework, "name": name, "params": params}
    if lr is not None:
        out["lr"] = lr
    return out


def _hf(name, **params):
    """A transformers spec with lr 0.1."""
    return _fw("transformers", name, 0.1, **params)


WARMUP_COSINE = _pt("SequentialLR", 0.1, schedulers=[
    _pt("LinearLR", start_factor=0.1, total_iters=5), _pt("CosineAnnealingLR", T_max=10)],
    milestones=[5])
STEADY = [1.0 - 0.01 * i for i in range(30)]

# (warning id, case name, spec, run): the warning must appear
POSITIVE = [
    ("warmup_too_long", "hf_linear", _hf("linear", num_warmup_steps=100,
                                         num_training_steps=200), run_of()),
    ("warmup_too_long", "sequential_linear_first",
     _pt("SequentialLR", 0.1, schedulers=[_pt("LinearLR", start_factor=0.1, total_iters=50),
                                         _pt("CosineAnnealingLR", T_max=50)],
         milestones=[50]), run_of(epochs=40)),
    ("warmup_too_long", "chained_constant_first",
     _pt("ChainedScheduler", 0.1, schedulers=[_pt("ConstantLR", factor=0.5, total_iters=60),
                                             _pt("ExponentialLR", gamma=0.99)]),
     run_of(epochs=50)),
    ("warmup_too_long", "onecycle_rise", _pt("OneCycleLR", 0.1, max_lr=0.1, total_steps=1000),
     run_of(epochs=200)),
    ("warmup_too_long", "timm_warmup_t",
     _fw("timm", "CosineLRScheduler", 0.1, t_initial=30, warmup_t=20, warmup_lr_init=0.001),
     run_of("epoch", 10, 20)),
    ("warmup_too_long", "keras_cosine_warmup",
     _fw("keras", "CosineDecay", initial_learning_rate=0.001, decay_steps=100,
         warmup_target=0.1, warmup_steps=100), run_of(epochs=50)),
    ("warmup_too_long", "optax_warmup_cosine",
     _fw("optax", "warmup_cosine_decay_schedule", init_value=0.0, peak_value=0.1,
         warmup_steps=100, decay_steps=200), run_of()),
    ("warmup_too_long", "optax_linear_rise",
     _fw("optax", "linear_schedule", init_value=0.0, end_value=0.1, transition_steps=100),
     run_of(epochs=80)),
    ("warmup_too_long", "optax_join_linear_first",
     _fw("optax", "join_schedules", schedules=[
         _fw("optax", "linear_schedule", init_value=0.0, end_value=0.1, transition_steps=60),
         _fw("optax", "cosine_decay_schedule", init_value=0.1, decay_steps=100)],
         boundaries=[60]), run_of(epochs=50)),
    ("never_decays", "steplr_step_too_long", _pt("StepLR", 0.1, step_size=200), run_of()),
    ("never_decays", "linearlr_rise_only",
     _pt("LinearLR", 0.1, start_factor=0.1, total_iters=10), run_of()),
    ("never_decays", "timm_step_rate_one", _fw("timm", "StepLRScheduler", 0.1, decay_t=10),
     run_of("epoch", 10, 50)),
    ("never_decays", "plateau_never_reduced",
     dict(_pt("ReduceLROnPlateau", 0.1), metrics=STEADY), run_of("epoch", 10, 30)),
    ("cosine_rises_again", "torch_cosine_short", _pt("CosineAnnealingLR", 0.1, T_max=10),
     run_of(epochs=30)),
    ("cosine_rises_again", "hf_cosine_short",
     _hf("cosine", num_warmup_steps=0, num_training_steps=10), run_of(epochs=30)),
    ("cosine_rises_again", "sequential_cosine_child", WARMUP_COSINE, run_of(epochs=30)),
    ("onecycle_too_short", "onecycle_total", _pt("OneCycleLR", 0.1, max_lr=0.1,
                                                 total_steps=90), run_of()),
    ("onecycle_too_short", "onecycle_epochs",
     _pt("OneCycleLR", 0.1, max_lr=0.1, epochs=9, steps_per_epoch=10), run_of()),
    ("onecycle_too_short", "timm_stops",
     _fw("timm", "CosineLRScheduler", 0.1, t_initial=10, cycle_mul=0.5, cycle_limit=100),
     run_of("epoch", 10, 40)),
    ("restarts", "warm_restarts_info", _pt("CosineAnnealingWarmRestarts", 0.1, T_0=10),
     run_of(epochs=35)),
    ("restarts", "torch_cosine_warning", _pt("CosineAnnealingLR", 0.1, T_max=10),
     run_of(epochs=35)),
    ("restarts", "cyclic_info",
     _pt("CyclicLR", 0.1, base_lr=0.01, max_lr=0.1, step_size_up=5), run_of(epochs=40)),
    ("restarts", "timm_cycles_info",
     _fw("timm", "CosineLRScheduler", 0.1, t_initial=10, cycle_limit=3), run_of("epoch", 5, 30)),
    ("zero_before_end", "hf_linear_short",
     _hf("linear", num_warmup_steps=0, num_training_steps=50), run_of()),
    ("zero_before_end", "polynomial_short", _pt("PolynomialLR", 0.1, total_iters=50),
     run_of()),
    ("units_epoch_vs_step", "cosine_in_updates",
     _pt("CosineAnnealingLR", 0.1, T_max=39100), run_of("epoch", 391, 100)),
    ("units_epoch_vs_step", "multistep_in_updates",
     _pt("MultiStepLR", 0.1, milestones=[15000, 30000]), run_of("epoch", 391, 100)),
    ("units_step_vs_epoch", "cosine_in_epochs", _pt("CosineAnnealingLR", 0.1, T_max=100),
     run_of("update", 10, 100)),
    ("units_step_vs_epoch", "hf_in_epochs",
     _hf("cosine", num_warmup_steps=5, num_training_steps=95), run_of("update", 10, 100)),
    ("min_above_peak", "keras_polynomial_end_above",
     _fw("keras", "PolynomialDecay", initial_learning_rate=0.1, decay_steps=10,
         end_learning_rate=0.5), run_of(epochs=20)),
    ("min_above_peak", "optax_onecycle_div_below_one",
     _fw("optax", "cosine_onecycle_schedule", transition_steps=20, peak_value=0.1,
         div_factor=0.5), run_of(epochs=30)),
]

# (warning id, case name, spec, run): the warning must not appear
NEGATIVE = [
    ("warmup_too_long", "hf_short_warmup",
     _hf("linear", num_warmup_steps=10, num_training_steps=100), run_of()),
    ("warmup_too_long", "linearlr_falling", _pt("LinearLR", 0.1, start_factor=1.0,
                                                end_factor=0.1, total_iters=200), run_of()),
    ("warmup_too_long", "sequential_short_warmup", WARMUP_COSINE, run_of(epochs=15)),
    ("warmup_too_long", "onecycle_fits", _pt("OneCycleLR", 0.1, max_lr=0.1, total_steps=100),
     run_of()),
    ("never_decays", "steplr_decays", _pt("StepLR", 0.1, step_size=30), run_of()),
    ("never_decays", "constant_with_warmup",
     _hf("constant_with_warmup", num_warmup_steps=10), run_of()),
    ("never_decays", "lambda_constant", _pt("LambdaLR", 0.1, lr_lambda="1"), run_of()),
    ("never_decays", "explained_by_warmup",
     _hf("linear", num_warmup_steps=100, num_training_steps=200), run_of()),
    ("never_decays", "plateau_reduced",
     dict(_pt("ReduceLROnPlateau", 0.1, patience=2), metrics=[1.0] * 30), run_of("epoch", 1, 30)),
    ("cosine_rises_again", "torch_cosine_n_minus_1", _pt("CosineAnnealingLR", 0.1, T_max=29),
     run_of(epochs=30)),
    ("cosine_rises_again", "torch_cosine_n", _pt("CosineAnnealingLR", 0.1, T_max=30),
     run_of(epochs=30)),
    ("cosine_rises_again", "torch_cosine_flat",
     _pt("CosineAnnealingLR", 0.1, T_max=10, eta_min=0.1), run_of(epochs=30)),
    ("cosine_rises_again", "hf_cosine_fits",
     _hf("cosine", num_warmup_steps=0, num_training_steps=30), run_of(epochs=30)),
    ("cosine_rises_again", "optax_cosine_clamps",
     _fw("optax", "cosine_decay_schedule", init_value=0.1, decay_steps=10), run_of(epochs=30)),
    ("cosine_rises_again", "keras_cosine_clamps",
     _fw("keras", "CosineDecay", initial_learning_rate=0.1, decay_steps=10), run_of(epochs=30)),
    ("cosine_rises_again", "sequential_cosine_fits", WARMUP_COSINE, run_of(epochs=15)),
    ("onecycle_too_short", "onecycle_exact", _pt("OneCycleLR", 0.1, max_lr=0.1,
                                                 total_steps=100), run_of()),
    ("onecycle_too_short", "onecycle_epochs_exact",
     _pt("OneCycleLR", 0.1, max_lr=0.1, epochs=10, steps_per_epoch=10), run_of()),
    ("restarts", "steplr", _pt("StepLR", 0.1, step_size=10), run_of(epochs=35)),
    ("restarts", "timm_single_cycle",
     _fw("timm", "CosineLRScheduler", 0.1, t_initial=10), run_of("epoch", 5, 30)),
    ("zero_before_end", "hf_linear_ends_at_last",
     _hf("linear", num_warmup_steps=0, num_training_steps=99), run_of()),
    ("zero_before_end", "torch_cosine_touches_zero", _pt("CosineAnnealingLR", 0.1, T_max=50),
     run_of()),
    ("units_epoch_vs_step", "cosine_in_epochs", _pt("CosineAnnealingLR", 0.1, T_max=100),
     run_of("epoch", 391, 100)),
    ("units_epoch_vs_step", "horizon_small_against_updates",
     _pt("CosineAnnealingLR", 0.1, T_max=300), run_of("epoch", 391, 100)),
    ("units_epoch_vs_step", "stepped_per_update", _pt("CosineAnnealingLR", 0.1, T_max=39100),
     run_of("update", 391, 100)),
    ("units_step_vs_epoch", "cosine_in_updates", _pt("CosineAnnealingLR", 0.1, T_max=1000),
     run_of("update", 10, 100)),
    ("units_step_vs_epoch", "one_update_per_epoch", _pt("CosineAnnealingLR", 0.1, T_max=100),
     run_of("update", 1, 100)),
    ("units_step_vs_epoch", "stepped_per_epoch", _pt("CosineAnnealingLR", 0.1, T_max=100),
     run_of("epoch", 10, 100)),
    ("min_above_peak", "keras_polynomial_default",
     _fw("keras", "PolynomialDecay", initial_learning_rate=0.1, decay_steps=10),
     run_of(epochs=20)),
    ("min_above_peak", "optax_onecycle_default",
     _fw("optax", "cosine_onecycle_schedule", transition_steps=20, peak_value=0.1),
     run_of(epochs=30)),
]

# (case name, spec, run, resume update) for resume.advice
RESUMES = [
    ("pytorch_update", _pt("StepLR", 0.1, step_size=30), run_of(epochs=100), 45),
    ("pytorch_epoch", WARMUP_COSINE, run_of("epoch", 10, 20), 73),
    ("pytorch_plateau", dict(_pt("ReduceLROnPlateau", 0.1, patience=2), metrics=[1.0] * 30),
     run_of("epoch", 4, 30), 50),
    ("transformers", _hf("linear", num_warmup_steps=10, num_training_steps=100),
     run_of(epochs=100), 5),
    ("timm_epoch", _fw("timm", "CosineLRScheduler", 0.1, t_initial=20), run_of("epoch", 5, 20),
     31),
    ("timm_update", _fw("timm", "CosineLRScheduler", 0.1, t_initial=100, t_in_epochs=False),
     run_of("update", 5, 20), 31),
    ("keras", _fw("keras", "ExponentialDecay", initial_learning_rate=0.1, decay_steps=10,
                  decay_rate=0.5), run_of(epochs=50), 20),
    ("optax", _fw("optax", "warmup_cosine_decay_schedule", init_value=0.0, peak_value=0.1,
                  warmup_steps=10, decay_steps=100), run_of(epochs=100), 0),
]


def advice_for(spec, run, update):
    """resume.advice for a spec over a run, with the run's exact series."""
    clean = validate(spec)
    values, _, _ = curve(clean, run["n"])
    return resume.advice(clean, run, update, values)


def _plain(advice):
    """An advice dict with its floats as exact repr text (identical on both runtimes)."""
    out = dict(advice)
    for key in ("lr", "naive_lr", "epoch"):
        if out[key] is not None:
            out[key] = py_repr(out[key])
    return out


def parity(emit):
    """Every sanity and resume case, for the CPython/MicroPython comparison."""
    for wid, name, spec, run in POSITIVE + NEGATIVE:
        emit("sanity.%s.%s" % (wid, name), warnings_for(spec, run))
    for name, spec, run, update in RESUMES:
        emit("resume." + name, _plain(advice_for(spec, run, update)))
