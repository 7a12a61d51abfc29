"""Resume help: what LR a resumed run must continue with, and how to restore it.

A run resumed from a checkpoint only continues the schedule if the scheduler's counter is
restored; a scheduler rebuilt from scratch starts over at step 0 (a warmup runs again, the
decay restarts). ``advice`` gives the numbers (the right LR, the naive one) and, for the
spec's framework, the restore steps in words and as a code snippet built around the
``pycore.to_code`` export, so the order of operations is the framework's:

* PyTorch, transformers: build the optimizer, build the scheduler, then load the
  optimizer's state, then the scheduler's (building a scheduler writes the LR, so loading
  first would be overwritten). Never rebuild with ``last_epoch=N``.
* timm: load both states, then set the LR from the resumed counter (``step(epoch)`` or
  ``step_update(num_updates)``): timm computes the LR from the counter it is given.
* Keras: the schedule's step is the optimizer's ``iterations`` variable.
* optax: the count lives in ``opt_state``; ``optimizer.init(params)`` restarts it at 0.
* Metric-driven schedules: their state (best value, bad-epoch count, cooldown, reduced LR)
  must be loaded; the LR cannot be recomputed from the step.
"""
from . import sanity
from .numfmt import format_int, format_lr
from .spec import REGISTRY, to_code


def advice(clean, run, resume_update, series):
    """How to resume the run at optimizer update ``resume_update`` (0-based: the updates
    before it are done).

    series is the run's LR list (index = scheduler step). The scheduler step is the update
    (per-update stepping) or the epoch it falls in (per-epoch stepping), capped at the run's
    last step. When the framework stopped before that step (series shorter), ``lr`` is None.
    """
    spe = run["steps_per_epoch"]
    t = resume_update if run["stepping"] == "update" else resume_update // spe
    t = min(t, run["n"] - 1)
    lr = series[t] if t < len(series) else None
    ctx = {"clean": clean, "run": run, "update": resume_update, "t": t, "lr": lr,
           "epoch": resume_update // spe,
           "metric": REGISTRY[(clean["framework"], clean["name"])].metric_driven}
    out = {"update": resume_update, "scheduler_step": t, "epoch": resume_update / spe,
           "lr": lr, "lr_text": _lr_text(lr, len(series)),
           "naive_lr": series[0], "naive_text": format_lr(series[0]),
           "naive_note": _naive_note(clean, t, lr, series[0], ctx["metric"])}
    steps, imports, code = FRAMEWORKS[clean["framework"]](ctx)
    out["steps"] = steps
    out["code"] = imports + to_code(clean).rstrip("\n") + "\n" + code
    return out


def _lr_text(lr, reached):
    """The LR to continue with, or why there is none."""
    if lr is None:
        return "not reached: the framework stops at step %s" % format_int(reached)
    return format_lr(lr)


def _naive_note(clean, t, lr, naive, metric):
    """One sentence on what a scheduler rebuilt from scratch would do instead."""
    if t == 0:
        return "Same value: update 0 is the start of the schedule anyway."
    if metric:
        return "The reductions made so far would be lost and the LR would start over."
    found = sanity.warmup(clean)
    if found is not None and naive != lr:
        return "The warmup would run again from the start."
    if naive == lr:
        return "Same value, but the curve restarts from step 0."
    if lr is None or naive > lr:
        return "The LR would jump back up to the start of the schedule."
    return "The LR would drop back to the start of the schedule."


def _where(ctx):
    """ "update 1,200 (epoch 3)" for the sentences."""
    return "update %s (epoch %s)" % (format_int(ctx["update"]), format_int(ctx["epoch"]))


def _continues(ctx):
    """ "continues at step 3 with LR 0.05" or the stop, for the sentences."""
    if ctx["lr"] is None:
        return "continues at step %s" % format_int(ctx["t"])
    return "continues at step %s with LR %s" % (format_int(ctx["t"]), format_lr(ctx["lr"]))


def _lr_comment(ctx):
    """The LR at the resume step for a code comment."""
    return "LR " + format_lr(ctx["lr"]) if ctx["lr"] is not None else "past the stop"


# --- PyTorch and transformers -------------------------------------------------------------


def _torch(ctx):
    """PyTorch (and transformers, whose schedulers are PyTorch LambdaLRs)."""
    u, t = ctx["update"], ctx["t"]
    steps = [
        "Checkpoint optimizer.state_dict() and scheduler.state_dict() together with the "
        "update count (%s)." % format_int(u),
        "To resume, build the model, the optimizer and the scheduler exactly as in the "
        "original run.",
        "Then load the optimizer state, then the scheduler state: building a scheduler "
        "writes the LR into the optimizer, so the states must be loaded after it.",
        "Resuming at %s, the scheduler then %s." % (_where(ctx), _continues(ctx)),
    ]
    if ctx["metric"]:
        steps.append(_metric_sentence())
    else:
        steps.append("Do not rebuild the scheduler with last_epoch=%s instead: that needs "
                     "initial_lr in every param group and breaks SequentialLR and "
                     "ChainedScheduler." % t)
    if ctx["clean"]["framework"] == "transformers":
        steps.append("With the Trainer, trainer.train(resume_from_checkpoint=...) restores "
                     "optimizer.pt and scheduler.pt for you (checkpoint-%s)." % u)
    code = _torch_save(ctx) + _torch_load(ctx)
    if ctx["clean"]["framework"] == "transformers":
        code += ("\n# With the Hugging Face Trainer instead, resume from the checkpoint folder\n"
                 "# (it restores optimizer.pt and scheduler.pt):\n"
                 "# trainer.train(resume_from_checkpoint=\"output/checkpoint-%d\")\n" % u)
    return steps, "", code


def _metric_sentence():
    """Why a metric-driven scheduler's state must be loaded, not recomputed."""
    return ("Its state (the best metric, the count of bad epochs, the cooldown and the "
            "reduced LR) is only in scheduler.state_dict(): the LR cannot be recomputed "
            "from the step.")


def _torch_save(ctx):
    """The save half of the torch snippet."""
    return ("\n# Save when %d updates are done (the scheduler is at step %d):\n"
            "torch.save({\"model\": model.state_dict(),\n"
            "            \"optimizer\": optimizer.state_dict(),\n"
            "            \"scheduler\": scheduler.state_dict(),\n"
            "            \"update\": %d}, \"checkpoint.pt\")\n" % (ctx["update"], ctx["t"],
                                                                   ctx["update"]))


def _torch_load(ctx):
    """The restore half of the torch snippet: load after building, optimizer first."""
    return ("\n# Resume: build model, optimizer and scheduler as above, then load in this "
            "order.\n"
            "checkpoint = torch.load(\"checkpoint.pt\")\n"
            "model.load_state_dict(checkpoint[\"model\"])\n"
            "optimizer.load_state_dict(checkpoint[\"optimizer\"])\n"
            "scheduler.load_state_dict(checkpoint[\"scheduler\"])  # scheduler step %d, %s\n"
            "start_update = checkpoint[\"update\"]  # %d: continue the loop from here\n"
            % (ctx["t"], _lr_comment(ctx), ctx["update"]))


# --- timm ---------------------------------------------------------------------------------


def _timm(ctx):
    """timm: restore both states, then set the LR from the resumed counter."""
    u, t = ctx["update"], ctx["t"]
    p = ctx["clean"]["params"]
    steps = [
        "Checkpoint optimizer.state_dict() and scheduler.state_dict() together with the "
        "epoch and update counts (epoch %s, update %s)." % (format_int(ctx["epoch"]),
                                                           format_int(u)),
        "To resume, build the optimizer and the scheduler as in the original run, then "
        "load the optimizer state, then the scheduler state.",
    ]
    if ctx["metric"]:
        steps.append(_metric_sentence())
        set_lr = "# PlateauLRScheduler: the state above holds the reduced LR; call step()\n" \
                 "# only after the next evaluation, with its metric.\n"
    elif p.get("t_in_epochs", True):
        steps.append("timm computes the LR from the counter you pass: call "
                     "scheduler.step(%d) so the run %s." % (t, _continues(ctx)))
        set_lr = "scheduler.step(%d)  # epoch %d: %s\n" % (t, t, _lr_comment(ctx))
    else:
        steps.append("timm computes the LR from the counter you pass: call "
                     "scheduler.step_update(num_updates=%d) so the run %s." % (
                         t, _continues(ctx)))
        set_lr = "scheduler.step_update(num_updates=%d)  # %s\n" % (t, _lr_comment(ctx))
    code = _torch_save(ctx) + _torch_load(ctx) + set_lr
    return steps, "", code


# --- Keras --------------------------------------------------------------------------------


def _keras(ctx):
    """Keras: the schedule is evaluated at optimizer.iterations."""
    t = ctx["t"]
    steps = [
        "A Keras schedule is evaluated at optimizer.iterations, so the optimizer's state is "
        "the schedule's state.",
        "Save the model with its optimizer (model.save(\"checkpoint.keras\") or a "
        "ModelCheckpoint callback) and load it with keras.models.load_model: iterations "
        "comes back as %s." % format_int(t),
        "With a freshly built optimizer instead, set optimizer.iterations.assign(%d) before "
        "training, or the schedule starts over at step 0." % t,
        "The schedule then %s; pass initial_epoch=%d to model.fit to continue the epoch count."
        % (_continues(ctx), ctx["epoch"]),
    ]
    code = ("\n# Save when %d updates are done:\n"
            "model.save(\"checkpoint.keras\")  # includes the optimizer and its iterations\n"
            "\n# Resume:\n"
            "model = keras.models.load_model(\"checkpoint.keras\")\n"
            "# optimizer.iterations is now %d: the schedule continues at %s.\n"
            "# With a freshly built optimizer instead:\n"
            "# optimizer.iterations.assign(%d)\n"
            "# model.fit(..., initial_epoch=%d)\n"
            % (ctx["update"], t, _lr_comment(ctx), t, ctx["epoch"]))
    return steps, "", code


# --- optax --------------------------------------------------------------------------------


def _optax(ctx):
    """optax: the step count is part of opt_state; restore the whole pytree."""
    t = ctx["t"]
    steps = [
        "optax keeps the schedule's step count in the optimizer state (the count of "
        "ScaleByScheduleState and similar), so the whole opt_state pytree must be saved.",
        "To resume, restore params and opt_state from the checkpoint; calling "
        "optimizer.init(params) instead would restart the count at 0.",
        "The restored count is %s and the schedule then %s." % (format_int(t),
                                                                _continues(ctx)),
    ]
    code = ("\n# Save when %d updates are done:\n"
            "with open(\"checkpoint.pkl\", \"wb\") as f:\n"
            "    pickle.dump({\"params\": jax.device_get(params),\n"
            "                 \"opt_state\": jax.device_get(opt_state),\n"
            "                 \"update\": %d}, f)\n"
            "\n# Resume: restore the state, do not call optimizer.init(params) (count 0).\n"
            "with open(\"checkpoint.pkl\", \"rb\") as f:\n"
            "    checkpoint = pickle.load(f)\n"
            "params, opt_state = checkpoint[\"params\"], checkpoint[\"opt_state\"]\n"
            "# the count in opt_state is %d: schedule(%d) gives %s\n"
            % (ctx["update"], ctx["update"], t, t, _lr_comment(ctx)))
    return steps, "import pickle\n\nimport jax\n", code


FRAMEWORKS = {"pytorch": _torch, "transformers": _torch, "timm": _timm, "keras": _keras,
              "optax": _optax}
