"""Cross-framework translation: the closest spec in another framework, and how close it is.

A spec is first read as a *shape* (linear warmup from ``init`` to ``peak`` over ``warmup``
steps, then a decay of one kind over ``steps`` steps down to ``end``), when its family has
one. Each target framework proposes the specs that express that shape with its own
built-ins, plus, for every source whose LR over the horizon is a staircase, specs that
reproduce the staircase value for value. Every candidate is then measured against the
source over the horizon, and the best one is returned with its largest relative
difference and the first step where the two differ. Nothing is claimed that was not
measured.
"""
from .errors import SpecError
from .numfmt import format_sig, py_repr
from .spec import MAX_SERIES, build_valid, frameworks, validate

EXACT = 1e-12  # relative difference below which two LRs count as the same
MAX_STAIRS = 64  # staircases with more steps than this are not offered as tables
DEFAULT_HORIZON = 1000


class Shape:
    """Warmup then decay: the common form of most schedules.

    warmup: steps of linear warmup from init to peak (0: none). decay: "constant",
    "linear", "cosine", "poly" or "exp". steps: length of the decay after the warmup; end:
    its final LR; power: the polynomial's power; gamma: the per-step factor of "exp";
    after: what follows the decay ("hold" the end value, or "periodic" for PyTorch's and
    transformers' cosine that rises again).
    """

    def __init__(self, peak, decay="constant", steps=0, end=0.0, warmup=0, init=0.0,
                 power=1.0, gamma=1.0, after="hold"):
        self.peak = peak
        self.decay = decay
        self.steps = steps
        self.end = end
        self.warmup = warmup
        self.init = init
        self.power = power
        self.gamma = gamma
        self.after = after


def translate(spec, framework, horizon=None):
    """The spec in ``framework`` closest to ``spec`` over the first ``horizon`` updates.

    Returns ``{"spec", "exact", "max_rel_diff", "mean_rel_diff", "first_diff_step",
    "horizon"}``: ``first_diff_step`` is the first update whose LRs differ by more than
    1e-12 relative (None when exact); the differences are relative to the larger of the
    two LRs, and steps where a candidate has no value count as 1. Raises SpecError if no spec of that framework can be built.
    """
    for result in translation(spec, framework, horizon):
        pass
    return result


def translation(spec, framework, horizon=None):
    """translate() a piece at a time, for a page that must stay responsive (a search over
    20,000 steps takes about a second under MicroPython): a generator that yields None
    after the source's series and after each candidate's, then the result."""
    clean = validate(spec)
    if framework not in frameworks():
        raise SpecError("framework", framework, "must be one of " + ", ".join(frameworks()))
    schedule = build_valid(clean)
    if schedule.metric_driven:
        raise SpecError("name", clean["name"],
                        "is driven by a metric, so it has no fixed curve to translate")
    if horizon is None:
        horizon, source = _default_source(clean, schedule)
    else:
        if type(horizon) is bool or not isinstance(horizon, int) or not 1 <= horizon <= MAX_SERIES:
            raise SpecError("horizon", horizon,
                            "must be a whole number from 1 to %d" % MAX_SERIES)
        source = schedule.series(horizon)
    if framework == clean["framework"]:
        yield _result(clean, source, source, horizon)
        return
    yield None
    best = None
    for candidate in _candidates(clean, framework, source):
        try:
            target = validate(candidate)
            values = _target_series(build_valid(target), target, horizon)
        except SpecError:
            continue
        result = _result(target, source, values, horizon)
        if best is None or _better(result, best):
            best = result
        yield None
    if best is None:
        raise SpecError("framework", framework,
                        "has no schedule close to %s %s" % (clean["framework"], clean["name"]))
    yield best


def _default_source(spec, schedule):
    """The default horizon and the source's LRs over it. A schedule that stops by itself
    (OneCycleLR after total_steps) gets a horizon that ends where it stops."""
    horizon = default_horizon(spec)
    try:
        return horizon, schedule.series(horizon)
    except SpecError:
        horizon = min(horizon, _longest(spec.get("params", {})) + 1)
        return horizon, schedule.series(horizon)


def _target_series(schedule, spec, horizon):
    """The candidate's LRs over the horizon; where it stops by itself earlier (a PyTorch
    OneCycleLR's last step), the missing steps are NaN, so they count as differences."""
    try:
        return schedule.series(horizon)
    except SpecError:
        n = min(horizon, _longest(spec.get("params", {})) + 1)
        values = schedule.series(n)
        return values + [float("nan")] * (horizon - n)


def default_horizon(spec):
    """Twice the longest step count named in the spec (so behaviour past the end shows),
    at least 100 and at most 100,000 updates."""
    longest = _longest(spec.get("params", {}))
    return max(100, min(100000, 2 * longest)) if longest else DEFAULT_HORIZON


def _longest(value):
    if type(value) is bool:
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        return max([_longest(v) for v in value.values()] + [_longest(k) for k in value] + [0])
    if isinstance(value, list):
        return max([_longest(v) for v in value] + [0])
    return 0


def _result(spec, source, values, horizon):
    """The verdict: the largest relative difference, and the first step above EXACT.
    Differences within EXACT of the source's peak LR count as none (near zero a relative
    difference says nothing: 1e-20 against 2e-20 is 100%)."""
    worst, first, total = 0.0, None, 0.0
    floor = EXACT * _peak(source)
    for t in range(len(source)):
        a, b = source[t], values[t]
        if a == b or abs(a - b) <= floor:
            continue
        if a != a or b != b:
            d = 1.0  # a NaN (a step the candidate never reaches) differs fully
        else:
            d = abs(a - b) / max(abs(a), abs(b))
        if d != d:
            d = 1.0  # inf against inf of the other sign
        total += d
        if d > worst:
            worst = d
        if first is None and d > EXACT:
            first = t
    return {"spec": spec, "exact": first is None, "max_rel_diff": worst,
            "mean_rel_diff": total / len(source), "first_diff_step": first,
            "horizon": horizon}


def _peak(values):
    """The largest finite LR of a series (0.0 if none)."""
    return max([abs(v) for v in values if v == v and abs(v) != float("inf")] + [0.0])


def _better(a, b):
    """Exact beats inexact, and among exact ones the shorter spec wins. Among inexact
    ones the smaller mean difference wins (a curve that matches until PyTorch stops beats
    a constant that is off everywhere), then the smaller worst difference."""
    if a["exact"] != b["exact"]:
        return a["exact"]
    if a["exact"]:
        return _size(a["spec"]) < _size(b["spec"])
    return (a["mean_rel_diff"], a["max_rel_diff"]) < (b["mean_rel_diff"], b["max_rel_diff"])


def _size(value):
    if isinstance(value, dict):
        return sum(1 + _size(v) for v in value.values())
    if isinstance(value, list):
        return sum(1 + _size(v) for v in value)
    return 1


def _candidates(spec, framework, source):
    """Candidate specs of ``framework`` for the source (not yet validated)."""
    out = []
    shape = shape_of(spec)
    if shape is not None:
        out.extend(EMITTERS[framework](shape))
    rule = DIRECT.get((spec["framework"], spec["name"], framework))
    if rule is not None:
        out.extend(rule(spec["params"]))
    stairs = staircase(source)
    if stairs is not None:
        out.extend(STAIR_EMITTERS[framework](stairs))
    peak = _peak(source)
    if peak > 0:
        out.extend(STAIR_EMITTERS[framework]((peak, [])))
    return out


# Reading a spec as a shape ---------------------------------------------------------------

def shape_of(spec):
    """The Shape of a validated spec, or None when its family has none or its peak is not
    above 0 (a shape is written relative to its peak; an all-zero curve is a staircase)."""
    reader = READERS.get((spec["framework"], spec["name"]))
    shape = reader(spec["params"], spec.get("lr")) if reader else None
    if shape is None or not shape.peak > 0:
        return None
    return shape


def _pt_cosine(p, lr):
    return Shape(lr, "cosine", p["T_max"], p["eta_min"], after="periodic")


def _pt_linear(p, lr):
    if p["start_factor"] >= p["end_factor"]:
        return Shape(lr * p["start_factor"], "linear", p["total_iters"], lr * p["end_factor"])
    return Shape(lr * p["end_factor"], "constant", 0, lr * p["end_factor"],
                 warmup=p["total_iters"], init=lr * p["start_factor"])


def _pt_exponential(p, lr):
    return Shape(lr, "exp", gamma=p["gamma"])


def _pt_poly(p, lr):
    return Shape(lr, "poly", p["total_iters"], 0.0, power=p["power"])


def _pt_sequential(p, lr):
    """SequentialLR([LinearLR warmup, decay], [W]) reads as warmup + that decay."""
    kids, ms = p["schedulers"], p["milestones"]
    if len(kids) != 2 or kids[0]["name"] != "LinearLR":
        return None
    warm = kids[0]["params"]
    if warm["end_factor"] != 1.0 or warm["total_iters"] != ms[0]:
        return None
    rest = shape_of(dict(kids[1], lr=lr))
    if rest is None or rest.warmup or rest.peak != lr:
        return None
    rest.warmup, rest.init = ms[0], lr * warm["start_factor"]
    return rest


def _hf_constant(p, lr):
    return Shape(lr)


def _hf_constant_warmup(p, lr):
    return Shape(lr, warmup=p["num_warmup_steps"])


def _hf_decay(kind, after):
    def read(p, lr):
        w = p["num_warmup_steps"]
        end = 0.0
        if kind == "cosine" and p.get("num_cycles", 0.5) != 0.5:
            return None
        if "min_lr" in p or "min_lr_rate" in p:
            end = p["min_lr"] if p.get("min_lr") is not None else lr * p["min_lr_rate"]
        return Shape(lr, kind, p["num_training_steps"] - w, end, warmup=w, after=after)
    return read


def _hf_poly(p, lr):
    w = p["num_warmup_steps"]
    return Shape(lr, "poly", p["num_training_steps"] - w, p["lr_end"], warmup=w,
                 power=p["power"])


def _ke_cosine(p, lr):
    w = p["warmup_steps"]
    if w and p["warmup_target"] is not None:
        peak = p["warmup_target"]
        return Shape(peak, "cosine", p["decay_steps"], peak * p["alpha"], warmup=w,
                     init=p["initial_learning_rate"])
    lr0 = p["initial_learning_rate"]
    return Shape(lr0, "cosine", p["decay_steps"], lr0 * p["alpha"])


def _ke_poly(p, lr):
    if p["cycle"]:
        return None
    kind = "linear" if p["power"] == 1.0 else "poly"
    return Shape(p["initial_learning_rate"], kind, p["decay_steps"], p["end_learning_rate"],
                 power=p["power"])


def _ke_exp(p, lr):
    if p["staircase"] or p["decay_steps"] != 1.0:
        return None
    return Shape(p["initial_learning_rate"], "exp", gamma=p["decay_rate"])


def _ox_constant(p, lr):
    return Shape(p["value"])


def _ox_linear(p, lr):
    if p["transition_begin"]:
        return None
    return _ramp(p["init_value"], p["end_value"], p["transition_steps"], 1.0)


def _ox_poly(p, lr):
    if p["transition_begin"]:
        return None
    return _ramp(p["init_value"], p["end_value"], p["transition_steps"], p["power"])


def _ramp(a, b, steps, power):
    if b > a and power == 1.0:
        return Shape(b, warmup=steps, init=a)
    return Shape(a, "linear" if power == 1.0 else "poly", steps, b, power=power)


def _ox_cosine(p, lr):
    if p["exponent"] != 1.0:
        return None
    return Shape(p["init_value"], "cosine", p["decay_steps"], p["init_value"] * p["alpha"])


def _ox_warmup_cosine(p, lr):
    if p["exponent"] != 1.0:
        return None
    return Shape(p["peak_value"], "cosine", p["decay_steps"] - p["warmup_steps"],
                 p["end_value"], warmup=p["warmup_steps"], init=p["init_value"])


def _ox_warmup_constant(p, lr):
    return Shape(p["peak_value"], warmup=p["warmup_steps"], init=p["init_value"])


def _ox_exp(p, lr):
    if p["staircase"] or p["transition_begin"] or p["end_value"] is not None:
        return None
    if p["transition_steps"] != 1:
        return None
    return Shape(p["init_value"], "exp", gamma=p["decay_rate"])


def _timm_cosine(p, lr):
    if p["cycle_limit"] != 1 or p["k_decay"] != 1.0 or p["t_in_epochs"]:
        return None
    if p["warmup_t"] and not p["warmup_prefix"]:
        return None
    return Shape(lr, "cosine", p["t_initial"], p["lr_min"], warmup=p["warmup_t"],
                 init=p["warmup_lr_init"])


READERS = {
    ("pytorch", "CosineAnnealingLR"): _pt_cosine,
    ("pytorch", "LinearLR"): _pt_linear,
    ("pytorch", "ExponentialLR"): _pt_exponential,
    ("pytorch", "PolynomialLR"): _pt_poly,
    ("pytorch", "SequentialLR"): _pt_sequential,
    ("transformers", "constant"): _hf_constant,
    ("transformers", "constant_with_warmup"): _hf_constant_warmup,
    ("transformers", "linear"): _hf_decay("linear", "hold"),
    ("transformers", "cosine"): _hf_decay("cosine", "periodic"),
    ("transformers", "cosine_with_min_lr"): _hf_decay("cosine", "periodic"),
    ("transformers", "polynomial"): _hf_poly,
    ("keras", "CosineDecay"): _ke_cosine,
    ("keras", "PolynomialDecay"): _ke_poly,
    ("keras", "ExponentialDecay"): _ke_exp,
    ("optax", "constant_schedule"): _ox_constant,
    ("optax", "linear_schedule"): _ox_linear,
    ("optax", "polynomial_schedule"): _ox_poly,
    ("optax", "cosine_decay_schedule"): _ox_cosine,
    ("optax", "warmup_cosine_decay_schedule"): _ox_warmup_cosine,
    ("optax", "warmup_constant_schedule"): _ox_warmup_constant,
    ("optax", "exponential_decay"): _ox_exp,
    ("timm", "CosineLRScheduler"): _timm_cosine,
}


# Writing a shape in each framework -------------------------------------------------------

def _pytorch(shape):
    b = shape.peak
    out = []
    decay = None
    if shape.decay == "cosine":
        decay = _pt("CosineAnnealingLR", {"T_max": shape.steps, "eta_min": shape.end})
    elif shape.decay == "linear":
        decay = _pt("LinearLR", {"start_factor": 1.0, "end_factor": shape.end / b,
                                 "total_iters": shape.steps})
    elif shape.decay == "poly" and shape.end == 0.0:
        decay = _pt("PolynomialLR", {"total_iters": shape.steps, "power": shape.power})
    elif shape.decay == "exp":
        decay = _pt("ExponentialLR", {"gamma": shape.gamma})
    if shape.warmup:
        warm = _pt("LinearLR", {"start_factor": shape.init / b, "end_factor": 1.0,
                                "total_iters": shape.warmup})
        if decay is None and shape.decay == "constant":
            out.append(dict(warm, lr=b))
        elif decay is not None:
            out.append({"framework": "pytorch", "name": "SequentialLR", "lr": b, "params": {
                "schedulers": [warm, decay], "milestones": [shape.warmup]}})
    elif decay is not None:
        out.append(dict(decay, lr=b))
    formula = shape_formula(shape)
    if formula is not None:
        out.append({"framework": "pytorch", "name": "LambdaLR", "lr": b,
                    "params": {"lr_lambda": formula}})
    return out


def _pt(name, params):
    return {"framework": "pytorch", "name": name, "params": params}


def shape_formula(shape):
    """The shape as a LambdaLR factor of ``step`` in pycore's formula language, or None.

    For whole steps, ``min(1, max(0, step - k + 1))`` is 1 from step k on and 0 before, so
    phases join without comparisons.
    """
    b = shape.peak
    w = shape.warmup
    local = "(step - %d)" % w if w else "step"
    n = shape.steps
    e = _lit(shape.end / b)
    if shape.decay == "constant":
        decay = "1"
    elif shape.decay == "cosine":
        if shape.after == "periodic":
            decay = "(%s + (1 - %s) * (1 + cos(pi * %s / %d)) / 2)" % (e, e, local, n)
        else:
            decay = "(%s + (1 - %s) * (1 + cos(pi * min(%s, %d) / %d)) / 2)" % (e, e, local, n, n)
    elif shape.decay in ("linear", "poly"):
        ramp = "(1 - min(%s, %d) / %d)" % (local, n, n)
        if shape.decay == "poly":
            ramp = "%s ** %s" % (ramp, _lit(shape.power))
        decay = "(%s + (1 - %s) * %s)" % (e, e, ramp)
    elif shape.decay == "exp":
        decay = "%s ** %s" % (_lit(shape.gamma), local)
    else:
        return None
    if not w:
        return decay
    start = _lit(shape.init / b)
    warm = "(%s + (1 - %s) * step / %d)" % (start, start, w)
    on = "min(1, max(0, step - %d))" % (w - 1)
    return "%s + %s * (%s - %s)" % (warm, on, decay, warm)


def _lit(x):
    """A float as formula text (exact shortest repr; negatives parenthesised)."""
    text = py_repr(float(x))
    return "(%s)" % text if text.startswith("-") else text


def _transformers(shape):
    b = shape.peak
    w, t = shape.warmup, shape.warmup + shape.steps
    out = []

    def hf(name, params):
        out.append({"framework": "transformers", "name": name, "lr": b, "params": params})

    if shape.decay == "constant":
        hf("constant_with_warmup" if w else "constant",
           {"num_warmup_steps": w} if w else {})
    elif shape.decay == "cosine":
        hf("cosine", {"num_warmup_steps": w, "num_training_steps": t})
        if shape.end:
            hf("cosine_with_min_lr", {"num_warmup_steps": w, "num_training_steps": t,
                                      "min_lr_rate": shape.end / b})
    elif shape.decay in ("linear", "poly"):
        hf("linear", {"num_warmup_steps": w, "num_training_steps": t})
        if 0 < shape.end < b:
            hf("polynomial", {"num_warmup_steps": w, "num_training_steps": t,
                              "lr_end": shape.end, "power": shape.power})
    return out


def _keras(shape):
    b = shape.peak
    out = []

    def ke(name, params):
        out.append({"framework": "keras", "name": name, "params": params})

    if shape.decay == "cosine":
        params = {"initial_learning_rate": b, "decay_steps": shape.steps,
                  "alpha": shape.end / b}
        if shape.warmup:
            params.update({"initial_learning_rate": shape.init, "warmup_target": b,
                           "warmup_steps": shape.warmup})
        ke("CosineDecay", params)
    elif shape.decay in ("linear", "poly"):
        ke("PolynomialDecay", {"initial_learning_rate": b, "decay_steps": shape.steps,
                               "end_learning_rate": shape.end, "power": shape.power})
    elif shape.decay == "exp":
        ke("ExponentialDecay", {"initial_learning_rate": b, "decay_steps": 1.0,
                                "decay_rate": shape.gamma})
    return out


def _optax(shape):
    b, w = shape.peak, shape.warmup
    out = []

    def ox(name, params):
        return {"framework": "optax", "name": name, "params": params}

    decay = None
    if shape.decay == "cosine":
        out.append(ox("warmup_cosine_decay_schedule", {
            "init_value": shape.init if w else b, "peak_value": b, "warmup_steps": w,
            "decay_steps": w + shape.steps, "end_value": shape.end}))
        decay = ox("cosine_decay_schedule", {"init_value": b, "decay_steps": shape.steps,
                                             "alpha": shape.end / b})
    elif shape.decay in ("linear", "poly"):
        decay = ox("polynomial_schedule", {"init_value": b, "end_value": shape.end,
                                           "power": shape.power,
                                           "transition_steps": shape.steps})
    elif shape.decay == "exp":
        decay = ox("exponential_decay", {"init_value": b, "transition_steps": 1,
                                         "decay_rate": shape.gamma})
    elif shape.decay == "constant":
        if w:
            out.append(ox("warmup_constant_schedule", {
                "init_value": shape.init, "peak_value": b, "warmup_steps": w}))
        else:
            out.append(ox("constant_schedule", {"value": b}))
    if decay is not None:
        if w:
            warm = ox("linear_schedule", {"init_value": shape.init, "end_value": b,
                                          "transition_steps": w})
            out.append(ox("join_schedules", {"schedules": [warm, decay], "boundaries": [w]}))
        else:
            out.append(decay)
    return out


def _timm(shape):
    b = shape.peak
    warm = {"warmup_t": shape.warmup, "warmup_lr_init": shape.init, "warmup_prefix": True,
            "t_in_epochs": False}
    out = []

    def ti(name, params):
        p = dict(warm)
        p.update(params)
        out.append({"framework": "timm", "name": name, "lr": b, "params": p})

    if shape.decay == "cosine":
        ti("CosineLRScheduler", {"t_initial": shape.steps, "lr_min": shape.end})
    elif shape.decay in ("linear", "poly"):
        ti("PolyLRScheduler", {"t_initial": shape.steps, "lr_min": shape.end,
                               "power": shape.power})
    elif shape.decay == "exp":
        ti("StepLRScheduler", {"decay_t": 1, "decay_rate": shape.gamma})
    elif shape.decay == "constant":
        ti("StepLRScheduler", {"decay_t": 1, "decay_rate": 1.0})
    return out


EMITTERS = {"pytorch": _pytorch, "transformers": _transformers, "keras": _keras,
            "optax": _optax, "timm": _timm}


# Staircases: any schedule whose LR over the horizon takes few distinct steps -----------

def staircase(values):
    """``(first value, [(step, value), ...])`` where the LR changes, or None if it changes
    more than MAX_STAIRS times (or is zero where a ratio would be needed)."""
    if not values:
        return None
    changes = []
    last = values[0]
    for t in range(1, len(values)):
        if values[t] != last:
            changes.append((t, values[t]))
            last = values[t]
            if len(changes) > MAX_STAIRS:
                return None
    return values[0], changes


def _stairs_pytorch(stairs):
    first, changes = stairs
    if first <= 0:
        return []
    out = []
    ratios = _ratios(first, changes)
    if ratios and all(r == ratios[0] for r in ratios) and 0 < ratios[0]:
        out.append({"framework": "pytorch", "name": "MultiStepLR", "lr": first, "params": {
            "milestones": [t for t, _ in changes], "gamma": ratios[0]}})
    terms = ["1"] + ["%s * min(1, max(0, step - %d))" % (_lit((v - prev) / first), t - 1)
                     for (t, v), prev in zip(changes, [first] + [v for _, v in changes])]
    out.append({"framework": "pytorch", "name": "LambdaLR", "lr": first,
                "params": {"lr_lambda": " + ".join(terms)}})
    return out


def _ratios(first, changes):
    """The factor of each change, rounded to 15 digits: a staircase made by repeated
    multiplication (0.1 * 0.1 = 0.010000000000000002) then shows its real factor."""
    out, prev = [], first
    for _, v in changes:
        if prev == 0:
            return None
        out.append(float(format_sig(v / prev, 15)))
        prev = v
    return out


def _stairs_keras(stairs):
    first, changes = stairs
    if not changes:
        return [{"framework": "keras", "name": "PiecewiseConstantDecay", "params": {
            "boundaries": [0], "values": [first, first]}}]
    return [{"framework": "keras", "name": "PiecewiseConstantDecay", "params": {
        "boundaries": [t - 1 for t, _ in changes],
        "values": [first] + [v for _, v in changes]}}]


def _stairs_optax(stairs):
    first, changes = stairs
    out = []
    if not changes:
        out.append({"framework": "optax", "name": "constant_schedule",
                    "params": {"value": first}})
    ratios = _ratios(first, changes)
    if ratios is not None:
        scales = {}
        for (t, _), r in zip(changes, ratios):
            scales[t] = r
        out.append({"framework": "optax", "name": "piecewise_constant_schedule", "params": {
            "init_value": first, "boundaries_and_scales": scales}})
    kids = [{"framework": "optax", "name": "constant_schedule", "params": {"value": v}}
            for v in [first] + [v for _, v in changes]]
    if changes:
        out.append({"framework": "optax", "name": "join_schedules", "params": {
            "schedules": kids, "boundaries": [t for t, _ in changes]}})
    return out


def _stairs_timm(stairs):
    first, changes = stairs
    ratios = _ratios(first, changes)
    if first <= 0 or (changes and not ratios):
        return []
    if not changes:
        return [{"framework": "timm", "name": "StepLRScheduler", "lr": first, "params": {
            "decay_t": 1, "decay_rate": 1.0, "t_in_epochs": False}}]
    if all(r == ratios[0] for r in ratios):
        return [{"framework": "timm", "name": "MultiStepLRScheduler", "lr": first, "params": {
            "decay_t": [t + 1 for t, _ in changes], "decay_rate": ratios[0],
            "t_in_epochs": False}}]
    return []


def _stairs_transformers(stairs):
    first, changes = stairs
    if first <= 0:
        return []
    return [{"framework": "transformers", "name": "constant", "lr": first, "params": {}}]


STAIR_EMITTERS = {"pytorch": _stairs_pytorch, "transformers": _stairs_transformers,
                  "keras": _stairs_keras, "optax": _stairs_optax, "timm": _stairs_timm}


# Direct mappings between families that have no common shape ----------------------------

def _onecycle_to_optax(p):
    """PyTorch OneCycleLR peaks at step pct_start * N - 1 and ends at N - 1; optax's
    cosine_onecycle_schedule peaks at int(pct_start * T) and ends at T. With T = N - 1 and
    the peak on the same whole step they are the same curve (the same knots, values and
    cosine), so that is offered for the two-phase cosine cycle."""
    if p["anneal_strategy"] != "cos" or p["three_phase"]:
        return []
    n = p["total_steps"] or p["epochs"] * p["steps_per_epoch"]
    peak = p["pct_start"] * n - 1
    k = int(peak)
    return [{"framework": "optax", "name": "cosine_onecycle_schedule", "params": {
        "transition_steps": n - 1, "peak_value": p["max_lr"],
        "pct_start": (k + 0.5) / (n - 1), "div_factor": p["div_factor"],
        "final_div_factor": p["final_div_factor"]}}]


def _onecycle_to_pytorch(p):
    """The reverse of _onecycle_to_optax: N = T + 1 and the peak on step int(pct_start*T)."""
    t = p["transition_steps"]
    k = int(p["pct_start"] * t)
    return [{"framework": "pytorch", "name": "OneCycleLR", "lr": p["peak_value"], "params": {
        "max_lr": p["peak_value"], "total_steps": t + 1, "pct_start": (k + 1) / (t + 1),
        "div_factor": p["div_factor"], "final_div_factor": p["final_div_factor"],
        "cycle_momentum": False}}]


DIRECT = {
    ("pytorch", "OneCycleLR", "optax"): _onecycle_to_optax,
    ("optax", "cosine_onecycle_schedule", "pytorch"): _onecycle_to_pytorch,
}
