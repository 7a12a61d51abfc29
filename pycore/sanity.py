"""Sanity warnings: the common ways a schedule and a training run do not fit together.

``check(clean, run, summary)`` looks at a validated spec, the run (how long it is and how
the scheduler is stepped) and the Summary of the computed LR curve (``analysis.Scan``), and
returns the warnings a user should see beside the results, each with a one-sentence fix
that quotes the user's own numbers. Each warning id fires for its case only:

* ``onecycle_too_short``: OneCycleLR plans fewer steps than the run (PyTorch raises), or
  the framework stopped the curve early (``summary["stopped_at"]``).
* ``min_above_peak``: a floor (or start) above the peak that the engine accepts (Keras
  PolynomialDecay end_learning_rate > initial_learning_rate, optax one-cycle div_factor < 1;
  every other floor-above-peak is refused by ``pycore.validate`` already).
* ``warmup_too_long``: the warmup lasts the whole run or longer.
* ``units_epoch_vs_step`` / ``units_step_vs_epoch``: the horizon looks counted in the other
  unit than the scheduler is stepped in.
* ``cosine_rises_again``: a cosine whose length ends inside the run climbs back up.
* ``zero_before_end``: the LR is 0 for the last part of the run.
* ``never_decays``: the LR never goes down within the run (not for constant-by-design
  schedules; not reported when ``warmup_too_long`` or ``min_above_peak`` explains it).
* ``restarts``: the LR rises again after falling ("info" where the schedule cycles by
  design).

Nested schedules (SequentialLR, ChainedScheduler, join_schedules) are walked: children are
checked over the steps they are active and named in the text ("schedulers[1]
(CosineAnnealingLR)"). At most one warning per id is returned, the outermost first.
"""
from .numfmt import format_int, format_lr, format_sig

ORDER = ("onecycle_too_short", "min_above_peak", "warmup_too_long", "units_epoch_vs_step",
         "units_step_vs_epoch", "cosine_rises_again", "zero_before_end", "never_decays",
         "restarts")

FRAMEWORK_NAMES = {"pytorch": "PyTorch", "transformers": "transformers", "keras": "Keras",
                   "optax": "optax", "timm": "timm"}
SEQUENCES = {("pytorch", "SequentialLR"): ("schedulers", "milestones"),
             ("optax", "join_schedules"): ("schedules", "boundaries")}
CHAINS = {("pytorch", "ChainedScheduler"): "schedulers"}

DURATIONS = ("T_max", "T_0", "total_iters", "step_size", "step_size_up", "step_size_down",
             "milestones", "total_steps", "anneal_epochs", "num_training_steps",
             "num_warmup_steps", "num_decay_steps", "num_stable_steps", "decay_steps",
             "first_decay_steps", "warmup_steps", "transition_steps", "transition_begin",
             "boundaries", "boundaries_and_scales", "t_initial", "warmup_t", "decay_t")

CONSTANT_BY_DESIGN = (("transformers", "constant"), ("transformers", "constant_with_warmup"),
                      ("optax", "constant_schedule"), ("optax", "warmup_constant_schedule"),
                      ("pytorch", "ConstantLR"))
FREE_FORM = (("pytorch", "LambdaLR"), ("pytorch", "MultiplicativeLR"),
             ("keras", "PiecewiseConstantDecay"), ("optax", "piecewise_constant_schedule"),
             ("optax", "piecewise_interpolate_schedule"))
TRANSFORMERS_COSINES = ("cosine", "cosine_with_min_lr", "cosine_warmup_with_min_lr")
CYCLE_PARAMS = {("pytorch", "CosineAnnealingWarmRestarts"): "T_0",
                ("pytorch", "CyclicLR"): "step_size_up",
                ("transformers", "cosine_with_restarts"): "num_cycles",
                ("keras", "CosineDecayRestarts"): "first_decay_steps",
                ("keras", "PolynomialDecay"): "decay_steps",
                ("timm", "CosineLRScheduler"): "t_initial",
                ("timm", "PolyLRScheduler"): "t_initial",
                ("timm", "TanhLRScheduler"): "t_initial"}


def check(clean, run, summary):
    """The warnings for this schedule and run, most severe first (see the module doc)."""
    ctx = {"clean": clean, "run": run, "summary": summary, "n": run["n"],
           "nodes": nodes(clean, run["n"]), "horizon": horizon(clean)}
    found = []
    for rule in RULES:
        item = rule(ctx)
        if item is not None:
            found.append(item)
    if _has(found, "warmup_too_long") or _has(found, "min_above_peak"):
        found = [w for w in found if w["id"] != "never_decays"]
    found.sort(key=lambda w: (w["level"] != "warning", ORDER.index(w["id"])))
    return found


def _has(found, wid):
    """True when a warning with this id is in the list."""
    return any(w["id"] == wid for w in found)


def _warning(wid, text, fix, level="warning"):
    """One warning as the page shows it."""
    return {"id": wid, "level": level, "text": text, "fix": fix}


# --- numbers and words ----------------------------------------------------------------


def _num(x):
    """A count or duration for prose: thousands separators when whole, else 6 digits."""
    if type(x) is int:
        return format_int(x)
    if abs(x) < 1e15 and x == int(x):
        return format_int(int(x))
    return format_sig(x, 6)


def _count(k, run):
    """k scheduler steps in the run's unit: "1,000 updates", "1 epoch"."""
    unit = "epoch" if run["stepping"] == "epoch" else "update"
    return "%s %s%s" % (_num(k), unit, "" if k == 1 else "s")


def _times(k):
    """ "once", "3 times"."""
    return "once" if k == 1 else "%s times" % format_int(k)


def _param(node, name):
    """A parameter as the user finds it: its name, "of <child>" when nested."""
    if node["label"]:
        return "%s of %s" % (name, node["label"])
    return name


def _who(node):
    """The schedule a sentence talks about: its name, with the child path when nested."""
    return node["label"] or node["spec"]["name"]


# --- the schedule tree ------------------------------------------------------------------


def nodes(clean, n):
    """Every schedule in the spec, outermost first, with the steps it is active for.

    Each node is ``{"spec", "path", "label", "n"}``: path is "" or like
    "schedulers[1]", label is "" for the top level and like
    "schedulers[1] (CosineAnnealingLR)" for children; n is how many scheduler steps the
    child runs within a run of n steps (its local time starts at 0 when it takes over).
    """
    out = []
    _walk(clean, "", n, out)
    return out


def _walk(spec, path, n, out):
    """Append spec and, recursively, its children to out."""
    out.append(_node(spec, path, n))
    key = (spec["framework"], spec["name"])
    p = spec["params"]
    prefix = path + "." if path else ""
    if key in SEQUENCES:
        kids, cuts = SEQUENCES[key]
        starts = [0] + list(p[cuts])
        for i, child in enumerate(p[kids]):
            end = starts[i + 1] if i + 1 < len(starts) else n
            local = max(0, min(end, n) - starts[i])
            _walk(child, "%s%s[%d]" % (prefix, kids, i), local, out)
    elif key in CHAINS:
        kids = CHAINS[key]
        for i, child in enumerate(p[kids]):
            _walk(child, "%s%s[%d]" % (prefix, kids, i), n, out)


def _node(spec, path, n):
    """A node of the schedule tree: the spec, where it sits, and its active steps."""
    return {"spec": spec, "path": path,
            "label": "%s (%s)" % (path, spec["name"]) if path else "", "n": n}


def _durations(node):
    """(value, parameter label) of every duration parameter of one node, in steps."""
    p = node["spec"]["params"]
    out = []
    for name in DURATIONS:
        value = _largest(p.get(name))
        if value is not None and value > 0:
            many = isinstance(p[name], (list, dict))
            out.append((value, _param(node, name + " (largest)" if many else name)))
    if node["spec"]["name"] == "OneCycleLR" and p["total_steps"] is None:
        out.append((p["epochs"] * p["steps_per_epoch"],
                    _param(node, "epochs × steps_per_epoch")))
    if node["spec"]["name"] == "sgdr_schedule":
        for i, kwargs in enumerate(p["cosine_kwargs"]):
            for name in ("decay_steps", "warmup_steps"):
                if kwargs[name] > 0:
                    out.append((kwargs[name], _param(node, "cosine_kwargs[%d].%s" % (i, name))))
    return out


def _largest(value):
    """The largest number of a duration parameter: a number, a list, or a map's keys."""
    if value is None or type(value) is bool:
        return None
    if isinstance(value, dict):
        value = list(value.keys())
    if isinstance(value, list):
        return max(value) if value else None
    return value


def horizon(clean):
    """The schedule's horizon: (value, label) of its largest duration parameter, or None.

    Duration parameters are those counted in scheduler steps (T_max, total_iters,
    num_training_steps, decay_steps, milestones, boundaries, ...), over every nested child.
    Formula and metric-driven schedules usually have none.
    """
    best = None
    for node in nodes(clean, 0):
        for item in _durations(node):
            if best is None or item[0] > best[0]:
                best = item
    return best


# --- warmup -----------------------------------------------------------------------------


def warmup(clean):
    """The schedule's warmup: ``{"length", "what", "param", "to_run"}`` or None.

    length is in scheduler steps (the step at which the rise ends), what describes it with
    the user's numbers, param is what to change, and to_run is True when the fix is to set
    param to the run's length (one-cycle schedules, whose rise is a fraction of it) rather
    than to shorten it.
    """
    return _warmup(_node(clean, "", 0))


def _warmup(node):
    """The warmup of one node (see ``warmup``), following first children of composites."""
    spec = node["spec"]
    key = (spec["framework"], spec["name"])
    p = spec["params"]
    if key not in SEQUENCES and key not in CHAINS:
        return _own_warmup(node, key, p)
    kids = SEQUENCES[key][0] if key in SEQUENCES else CHAINS[key]
    path = "%s[0]" % kids
    if node["path"]:
        path = node["path"] + "." + path
    found = _warmup(_node(p[kids][0], path, node["n"]))
    if found is not None and key in SEQUENCES and p[SEQUENCES[key][1]]:
        found["length"] = min(found["length"], p[SEQUENCES[key][1]][0])
    return found


def _own_warmup(node, key, p):
    """The warmup a single (non-composite) schedule declares, or None."""
    name = key[1]
    if name == "OneCycleLR" or name.endswith("onecycle_schedule"):
        return _onecycle_rise(node, p)
    length, param = None, None
    if key == ("pytorch", "LinearLR") and p["start_factor"] < p["end_factor"]:
        length, param = p["total_iters"], "total_iters"
    elif key == ("pytorch", "ConstantLR") and p["factor"] < 1:
        length, param = p["total_iters"], "total_iters"
    elif key[0] == "transformers" and p.get("num_warmup_steps"):
        length, param = p["num_warmup_steps"], "num_warmup_steps"
    elif key[0] == "timm" and p.get("warmup_t") and p["warmup_lr_init"] < node["spec"]["lr"]:
        length, param = p["warmup_t"], "warmup_t"
    elif key == ("keras", "CosineDecay") and p["warmup_target"] is not None:
        length, param = p["warmup_steps"], "warmup_steps"
    elif key[0] == "optax":
        return _optax_warmup(node, name, p)
    if not length:
        return None
    label = _param(node, param)
    return {"length": length, "what": "%s = %s" % (label, _num(length)), "param": label,
            "to_run": False}


def _optax_warmup(node, name, p):
    """optax warmups: warmup_* schedules, a rising linear/polynomial start, sgdr's first."""
    if name.startswith("warmup_") and p["peak_value"] > p["init_value"]:
        length, param = p["warmup_steps"], "warmup_steps"
    elif name in ("linear_schedule", "polynomial_schedule") and p["end_value"] > p["init_value"]:
        length, param = p["transition_begin"] + p["transition_steps"], "transition_steps"
        if p["transition_begin"]:
            what = "%s + %s = %s" % (_param(node, "transition_begin"),
                                     _param(node, param), _num(length))
            return {"length": length, "what": what, "param": _param(node, param),
                    "to_run": False}
    elif name == "sgdr_schedule":
        first = p["cosine_kwargs"][0]
        if first["peak_value"] <= first["init_value"]:
            return None
        length, param = first["warmup_steps"], "cosine_kwargs[0].warmup_steps"
    else:
        return None
    if not length:
        return None
    label = _param(node, param)
    return {"length": length, "what": "%s = %s" % (label, _num(length)), "param": label,
            "to_run": False}


def _onecycle_rise(node, p):
    """The rising first phase of a one-cycle schedule: pct_start of its total length."""
    if p["div_factor"] <= 1:
        return None
    if "transition_steps" in p:
        total, total_label = p["transition_steps"], _param(node, "transition_steps")
    elif p["total_steps"] is not None:
        total, total_label = p["total_steps"], _param(node, "total_steps")
    else:
        total = p["epochs"] * p["steps_per_epoch"]
        total_label = _param(node, "epochs × steps_per_epoch")
    length = p["pct_start"] * total
    what = "the rise of %s, pct_start × %s = %s" % (_who(node), total_label, _num(length))
    return {"length": length, "what": what, "param": total_label, "to_run": True}


# --- the rules --------------------------------------------------------------------------


def _onecycle_too_short(ctx):
    """OneCycleLR planned for fewer steps than the run, or the framework stopped early."""
    run, s = ctx["run"], ctx["summary"]
    for node in ctx["nodes"]:
        p = node["spec"]["params"]
        if node["spec"]["name"] != "OneCycleLR" or node["n"] <= 0:
            continue
        total = p["total_steps"]
        if total is None:
            total = p["epochs"] * p["steps_per_epoch"]
        if total < node["n"]:
            text = ("%s plans %s but runs for %s: PyTorch raises \"Tried to step %d times. "
                    "The specified number of total steps is %d\" on scheduler.step() "
                    "number %s." % (_who(node), _count(total, run), _count(node["n"], run),
                                    total + 1, total, format_int(total + 1)))
            fix = "Set %s to %s, the number of scheduler steps it runs for." % (
                _param(node, "total_steps"), _num(node["n"]))
            return _warning("onecycle_too_short", text, fix)
    if s["stopped_at"] is not None:
        text = "%s stops the run at step %s of %s: \"%s\"." % (
            FRAMEWORK_NAMES[ctx["clean"]["framework"]], _num(s["stopped_at"]),
            _count(ctx["n"], run), s["stop_message"])
        fix = ("Plan the run for at most %s, or change the schedule so it covers all %s."
               % (_count(s["stopped_at"], run), _num(ctx["n"])))
        return _warning("onecycle_too_short", text, fix)
    return None


def _min_above_peak(ctx):
    """A floor or start above the peak that the engine accepts."""
    for node in ctx["nodes"]:
        spec, p = node["spec"], node["spec"]["params"]
        key = (spec["framework"], spec["name"])
        if key == ("keras", "PolynomialDecay") and (
                p["end_learning_rate"] > p["initial_learning_rate"]):
            text = ("end_learning_rate (%s) is above initial_learning_rate (%s): the LR "
                    "rises instead of decaying." % (format_lr(p["end_learning_rate"]),
                                                    format_lr(p["initial_learning_rate"])))
            fix = "Set end_learning_rate below %s, for example %s." % (
                format_lr(p["initial_learning_rate"]),
                format_lr(p["initial_learning_rate"] / 100))
            return _warning("min_above_peak", text, fix)
        if spec["name"].endswith("onecycle_schedule") and p["div_factor"] < 1:
            text = ("%s (%s) is below 1, so %s starts at %s, above peak_value (%s): the "
                    "first phase falls instead of warming up." % (
                        _param(node, "div_factor"), format_sig(p["div_factor"]), _who(node),
                        format_lr(p["peak_value"] / p["div_factor"]),
                        format_lr(p["peak_value"])))
            fix = "Set %s above 1 (optax's default is 25)." % _param(node, "div_factor")
            return _warning("min_above_peak", text, fix)
    return None


def _warmup_too_long(ctx):
    """The warmup ends at or after the end of the run."""
    found = warmup(ctx["clean"])
    n, run = ctx["n"], ctx["run"]
    if found is None or found["length"] < n:
        return None
    text = ("The warmup (%s) lasts as long as the run or longer (%s): the LR never gets "
            "past warming up." % (found["what"], _count(n, run)))
    if found["to_run"]:
        fix = "Set %s to %s, the run's length, so the rise takes only pct_start of it." % (
            found["param"], _num(n))
    else:
        fix = "Shorten %s to a small part of the run, for example %s (a tenth of %s)." % (
            found["param"], _num(max(1, n // 10)), _count(n, run))
    return _warning("warmup_too_long", text, fix)


def _units_epoch_vs_step(ctx):
    """Stepped per epoch, but the horizon looks counted in optimizer updates."""
    run, h = ctx["run"], ctx["horizon"]
    if run["stepping"] != "epoch" or h is None:
        return None
    value, label = h
    if not (value > 2 * run["epochs"] and 2 * value >= run["total_updates"]):
        return None
    text = ("%s = %s looks like it counts updates (%s in the run), but the scheduler steps "
            "once per epoch (%s epochs)." % (label, _num(value), _num(run["total_updates"]),
                                             _num(run["epochs"])))
    fix = ("Step the scheduler after every update, or convert %s to epochs: %s / %s "
           "updates per epoch = %s." % (label, _num(value), _num(run["steps_per_epoch"]),
                                        format_sig(value / run["steps_per_epoch"], 6)))
    return _warning("units_epoch_vs_step", text, fix)


def _units_step_vs_epoch(ctx):
    """Stepped per update, but the horizon is about the number of epochs."""
    run, h = ctx["run"], ctx["horizon"]
    spe = run["steps_per_epoch"]
    if run["stepping"] != "update" or spe <= 1 or h is None:
        return None
    value, label = h
    if abs(value - run["epochs"]) > 0.1 * run["epochs"]:
        return None
    text = ("%s = %s is close to the number of epochs (%s), but the scheduler steps after "
            "every update (%s in the run): the schedule is over after about 1/%s of the run."
            % (label, _num(value), _num(run["epochs"]), _num(run["total_updates"]),
               _num(spe)))
    fix = ("Multiply %s by the %s updates per epoch (%s), or step the scheduler once per "
           "epoch." % (label, _num(spe), _num(value * spe)))
    return _warning("units_step_vs_epoch", text, fix)


def _cosine_rises_again(ctx):
    """A cosine whose length ends inside the run climbs back up (PyTorch, transformers)."""
    run, s = ctx["run"], ctx["summary"]
    lr = ctx["clean"].get("lr")
    for node in ctx["nodes"]:
        spec, p, local = node["spec"], node["spec"]["params"], node["n"]
        if (spec["name"] == "CosineAnnealingLR" and p["T_max"] < local - 1
                and p["eta_min"] != lr):
            text = ("%s is %s but %s runs for %s: after step %s the LR climbs back up "
                    "towards %s (the cosine repeats every %s steps)." % (
                        _param(node, "T_max"), _num(p["T_max"]),
                        "it" if node["label"] else spec["name"],
                        _count(local, run), _num(p["T_max"]), format_lr(lr),
                        _num(2 * p["T_max"])))
            fix = ("Set %s to %s, the number of scheduler steps it runs for, or use "
                   "CosineAnnealingWarmRestarts if you want restarts." % (
                       _param(node, "T_max"), _num(local)))
            return _warning("cosine_rises_again", text, fix)
        if (spec["framework"] == "transformers" and spec["name"] in TRANSFORMERS_COSINES
                and p["num_training_steps"] < local and s["restarts"] >= 1):
            text = ("num_training_steps is %s but the run has %s: past step %s the cosine "
                    "goes on and the LR rises again." % (
                        _num(p["num_training_steps"]), _count(local, run),
                        _num(p["num_training_steps"])))
            fix = "Set num_training_steps to %s, the run's length." % _num(local)
            return _warning("cosine_rises_again", text, fix)
    return None


def _zero_before_end(ctx):
    """The LR is exactly 0 from some step on until the end of the run."""
    s, run = ctx["summary"], ctx["run"]
    k, n = s["zero_at"], s["n"]
    if k is None or k >= n - 1 or s["last"] != 0:
        return None
    idle = n - k
    text = ("The LR is 0 from step %s on: the last %s%% of the run (%s) do nothing." % (
        _num(k), format_sig(100.0 * idle / n, 3), _count(idle, run)))
    h = ctx["horizon"]
    if h is not None and h[0] < n:
        fix = ("Make %s (%s) match the run's %s so the LR reaches 0 only at the end, or "
               "keep a floor above 0." % (h[1], _num(h[0]), _count(n, run)))
    else:
        fix = "Make the decay end at the run's last step (%s), or keep a floor above 0." % (
            _num(n - 1))
    return _warning("zero_before_end", text, fix)


def _never_decays(ctx):
    """The LR never goes down within the run (decaying kinds only)."""
    s, run, n = ctx["summary"], ctx["run"], ctx["n"]
    if s["n"] == 0 or s["decreases"]:
        return None
    keys = [(nd["spec"]["framework"], nd["spec"]["name"]) for nd in ctx["nodes"]]
    leaves = [k for k in keys if k not in SEQUENCES and k not in CHAINS]
    if all(k in CONSTANT_BY_DESIGN for k in leaves):
        return None
    if ctx["clean"]["name"] in ("ReduceLROnPlateau", "reduce_lr_on_plateau",
                                "PlateauLRScheduler"):
        return _never_reduced(ctx)
    if s["changes"]:
        text = ("The LR rises but never decreases within the run (%s): it ends at %s." % (
            _count(n, run), format_lr(s["last"])))
        fix = ("Add a decay after the rise (for example a cosine to the end of the %s) if "
               "the LR should go down." % _count(n, run))
        return _warning("never_decays", text, fix)
    if any(k in FREE_FORM for k in leaves):
        return None
    text = "The LR stays at %s for the whole run (%s): the schedule never decays." % (
        format_lr(s["first"]), _count(n, run))
    h = ctx["horizon"]
    if h is not None and h[0] >= n:
        fix = "Make %s (%s) smaller than the run's %s so the LR decays within it." % (
            h[1], _num(h[0]), _count(n, run))
    else:
        fix = "Check the decay rate: with these values the LR does not go down in %s." % (
            _count(n, run))
    return _warning("never_decays", text, fix)


def _never_reduced(ctx):
    """A plateau schedule that never reduced the LR over the metric series (info)."""
    p = ctx["clean"]["params"]
    patience = p["patience_t"] if "patience_t" in p else p["patience"]
    text = ("The metric never plateaued long enough: the LR stays at %s for all %s." % (
        format_lr(ctx["summary"]["first"]), _count(ctx["n"], ctx["run"])))
    fix = ("Lower the patience (%s) or the threshold (%s) if the metric should count as "
           "stalled." % (_num(patience), format_sig(p["threshold"])))
    return _warning("never_decays", text, fix, "info")


def _restarts(ctx):
    """The LR rises again after falling: info when the schedule cycles by design."""
    s, run = ctx["summary"], ctx["run"]
    k = s["restarts"]
    if not k:
        return None
    text = "The LR jumps back up %s within the run." % _times(k)
    design = _cycle(ctx["nodes"])
    if design is not None:
        fix = ("Expected with %s = %s; change it if the cycles should be longer or shorter."
               % design)
        return _warning("restarts", text, fix, "info")
    h = ctx["horizon"]
    if h is not None and h[0] < ctx["n"]:
        fix = "If you did not mean to restart, make %s (%s) cover the whole run (%s)." % (
            h[1], _num(h[0]), _count(ctx["n"], run))
    else:
        fix = "If you did not mean the LR to rise again, check the schedule's parameters."
    return _warning("restarts", text, fix)


def _cycle(all_nodes):
    """(parameter label, value text) of the first schedule that restarts by design."""
    for node in all_nodes:
        spec, p = node["spec"], node["spec"]["params"]
        key = (spec["framework"], spec["name"])
        if key == ("optax", "sgdr_schedule"):
            return _param(node, "len(cosine_kwargs)"), _num(len(p["cosine_kwargs"]))
        name = CYCLE_PARAMS.get(key)
        if name is None:
            continue
        if key == ("keras", "PolynomialDecay") and not p["cycle"]:
            continue
        if key[0] == "timm" and p["cycle_limit"] <= 1:
            continue
        return _param(node, name), _num(p[name])
    return None


RULES = (_onecycle_too_short, _min_above_peak, _warmup_too_long, _units_epoch_vs_step,
         _units_step_vs_epoch, _cosine_rises_again, _zero_before_end, _never_decays,
         _restarts)
