"""What the Learn concept pages compute: warmup and Adam's first steps, a gallery of common
schedules, and learning-rate scaling with the batch size; and the explorer's schedule as the
optimizers figure applies it. No DOM.

Each figure is a function of what its control holds (``adam_warmup``; ``gallery_card``
for each family of the gallery; ``batch_scaling``) that returns plain data: labelled
summary lines, lrchart payloads (as JSON text, ready for ``window.lrChart.render``) and
the fragment of a link that opens the same schedule or setting in a tool. Control text
is read by ``read_control``, with the same number parser and message style as every
other page. Every number shown goes through pycore.numfmt.
"""
import json

from . import explorer, form, optim, tuning
from .errors import SpecError
from .lcg import Lcg
from .links import fragment_parts, quote
from .numfmt import format_int, format_lr, format_sig
from .optim import ADAM_BETAS, Adam
from .spec import lr_series

# --- settings and controls -----------------------------------------------------------------

ADAM_RUN = 200  # updates in the Adam figure
ADAM_LR = 1e-3  # Adam's usual peak rate (torch.optim.Adam's default)
ADAM_SETTLED = 100  # updates from here on count as "settled" in the Adam summary
ADAM_EARLY = 10  # updates counted as "the first steps" in the Adam summary
ADAM_BETA2 = ADAM_BETAS[1]
GRADIENT_MEAN = 0.1  # the toy gradient: a small steady pull buried in noise
GRADIENT_NOISE = 1.0
GRADIENT_SEED = 2019

GALLERY_LR = 0.1  # peak rate of every schedule in the gallery
GALLERY_EPOCHS = 100
GALLERY_SPE = 10  # updates per epoch: the gallery's run is 1,000 updates
GALLERY_RUN = GALLERY_EPOCHS * GALLERY_SPE

BATCH_PER_DEVICE = 32  # the batch figure splits the batch into devices of this size

CONTROLS = {
    # key: (lowest, highest, slider step, unit shown in the message)
    "adam-warmup": (0, ADAM_RUN // 2, 5, "updates"),
    "gallery-warmup": (0, 30, 1, "percent of the run"),
    "batch-power": (8, 16, 1, "the batch is 2 to this power"),
    "layer-decay": (50, 100, 1, "hundredths"),
}
DEFAULTS = {"adam-warmup": "20", "gallery-warmup": "5", "batch-power": "13",
            "layer-decay": "80"}


def read_control(key, text):
    """The whole number a figure's control holds, or SpecError naming the control.

    Slider values arrive as text, like links and typed input, so they are parsed by the
    same code (pycore.form.parse_number) and bounded here."""
    lo, hi, _, unit = CONTROLS[key]
    value = form.parse_number(text, key)
    if value != int(value) or value < lo or value > hi:
        raise SpecError(key, text, "must be a whole number from %s to %s (%s)" % (
            format_int(lo), format_int(hi), unit))
    return int(value)


def _curve(key, label, x, y, color):
    """One curve of an lrchart version 2 payload, on the left (learning-rate) axis."""
    return {"key": key, "label": label, "x": x, "y": y, "stepped": False, "axis": "lr",
            "pinned": False, "color": color}


def _chart(xlabel, ylabel, curves):
    """An lrchart version 2 payload with linear axes and no markers."""
    return {"version": 2, "xlabel": xlabel, "ylabel": ylabel, "log": False, "xlog": False,
            "marker": None, "curves": curves, "points": []}


def explorer_fragment(spec, epochs=GALLERY_EPOCHS, steps_per_epoch=GALLERY_SPE):
    """The schedule explorer's URL fragment for a spec, stepped once per update over a run
    of epochs x steps_per_epoch updates."""
    state = explorer.default_state()
    state["raw"] = form.raw_from_spec(spec)
    state["run"]["stepping"] = "update"
    state["run"]["epochs"] = str(epochs)
    state["run"]["steps_per_epoch"] = str(steps_per_epoch)
    values, errors = explorer.read(state)
    if errors:
        raise SpecError("spec", spec["name"], "must be a schedule the explorer can show")
    return explorer.fragment_of(state, values)


# --- Adam's first steps, with and without warmup -------------------------------------------


def noisy_gradients(n, mean=GRADIENT_MEAN, noise=GRADIENT_NOISE, seed=GRADIENT_SEED):
    """n gradients of one parameter: mean + noise x (a seeded standard-normal draw).

    A steady pull much smaller than the noise is what minibatch gradients look like near
    the start of training; the same seed gives the same stream on both runtimes."""
    rng = Lcg(seed)
    return [mean + noise * rng.normal() for _ in range(n)]


def warmup_spec(warmup, lr=ADAM_LR):
    """Hugging Face transformers' constant_with_warmup: linear from 0 to lr over `warmup`
    updates, then constant (warmup 0 is the plain constant schedule)."""
    if warmup == 0:
        return {"framework": "transformers", "name": "constant", "lr": lr, "params": {}}
    return {"framework": "transformers", "name": "constant_with_warmup", "lr": lr,
            "params": {"num_warmup_steps": warmup}}


def adam_update_sizes(lrs, gradients):
    """The size of each of Adam's updates |p_k+1 - p_k| (torch.optim.Adam, default betas
    and eps) when update k uses rate lrs[k] and gradient gradients[k].

    The gradient stream does not depend on the parameter, so the sizes show what Adam's
    normalisation does to the rate and nothing else."""
    adam = Adam(1)
    params = [0.0]
    sizes = []
    for lr, g in zip(lrs, gradients):
        before = params[0]
        adam.step(params, [g], lr)
        sizes.append(abs(params[0] - before))
    return sizes


def untuned_warmup(beta2=ADAM_BETA2):
    """Ma & Yarats's rule of thumb (arXiv:1910.04209) for Adam: warm up linearly over
    2 / (1 - beta2) updates, about the time the second-moment average needs to fill."""
    return 2.0 / (1.0 - beta2)


def _mean(values):
    """The arithmetic mean of a non-empty list."""
    return sum(values) / len(values)


def adam_warmup(warmup):
    """The Adam figure for a warmup of `warmup` updates: update sizes (as multiples of the
    peak rate) without warmup and with it, the summary lines and the explorer link."""
    gradients = noisy_gradients(ADAM_RUN)
    plain = [s / ADAM_LR for s in adam_update_sizes(lr_series(warmup_spec(0), ADAM_RUN),
                                                     gradients)]
    spec = warmup_spec(warmup)
    warmed = [s / ADAM_LR for s in adam_update_sizes(lr_series(spec, ADAM_RUN), gradients)]
    x = list(range(1, ADAM_RUN + 1))
    label = "linear warmup over %s updates" % format_int(warmup) if warmup else "warmup 0"
    chart = _chart("update", "update size / peak learning rate",
                   [_curve("plain", "no warmup", x, plain, 0),
                    _curve("warmup", label, x, warmed, 1)])
    summary = [
        ("Largest of the first %s updates, no warmup" % format_int(ADAM_EARLY),
         format_sig(max(plain[:ADAM_EARLY]), 3) + " x lr"),
        ("Largest of the first %s updates, %s" % (format_int(ADAM_EARLY), label),
         format_sig(max(warmed[:ADAM_EARLY]), 3) + " x lr"),
        ("Mean update once settled (updates %s to %s)" % (
            format_int(ADAM_SETTLED + 1), format_int(ADAM_RUN)),
         format_sig(_mean(plain[ADAM_SETTLED:]), 3) + " x lr"),
        ("Ma & Yarats's warmup for beta2 = %s" % format_sig(ADAM_BETA2, 6),
         format_int(int(round(untuned_warmup()))) + " updates"),
    ]
    return {"summary": summary, "chart": chart, "chart_json": json.dumps(chart),
            "plain": plain, "warmed": warmed,
            "fragment": explorer_fragment(spec, 1, ADAM_RUN)}


# --- a gallery of common schedules ---------------------------------------------------------

# key, title, what it is for; the specs are built by family_spec.
FAMILIES = (
    ("step", "Step decay (PyTorch MultiStepLR)",
     "Divide the rate by ten at fixed points: the ResNet recipe for SGD on images."),
    ("cosine", "Cosine annealing (PyTorch CosineAnnealingLR)",
     "A smooth fall to zero with no milestones to choose; the usual default today."),
    ("linear", "Warmup, then linear decay (transformers linear)",
     "BERT's pre-training and the Hugging Face fine-tuning default."),
    ("cosine_min", "Warmup, then cosine to a floor (transformers cosine_with_min_lr)",
     "LLaMA-style pre-training: the cosine ends at a tenth of the peak, not at zero."),
    ("wsd", "Warmup-stable-decay (transformers warmup_stable_decay)",
     "Hold the peak, decay only at the end: a run can be extended or branched before the "
     "decay."),
    ("one_cycle", "One-cycle (PyTorch OneCycleLR)",
     "Smith's super-convergence: up to a large peak and down far below the start, in one "
     "short run."),
    ("restarts", "Cosine with warm restarts (PyTorch CosineAnnealingWarmRestarts)",
     "SGDR: each restart jumps back to the peak, and every cycle is twice as long."),
    ("inverse_sqrt", "Warmup, then inverse square root (transformers inverse_sqrt)",
     "The original Transformer's schedule: no end point, so training can run on."),
)
FAMILY_KEYS = tuple(f[0] for f in FAMILIES)
WARMUP_FAMILIES = ("linear", "cosine_min", "wsd", "inverse_sqrt")


def _family(key):
    """The (key, title, use) of a gallery family, or SpecError."""
    for family in FAMILIES:
        if family[0] == key:
            return family
    raise SpecError("family", key, "must be one of " + ", ".join(FAMILY_KEYS))


def family_spec(key, warmup):
    """The spec of a gallery family over GALLERY_RUN updates, with `warmup` updates of
    warmup where the family has one (SpecError for an unknown family)."""
    _family(key)
    run, lr = GALLERY_RUN, GALLERY_LR
    if key == "step":
        return {"framework": "pytorch", "name": "MultiStepLR", "lr": lr,
                "params": {"milestones": [run * 3 // 10, run * 6 // 10, run * 9 // 10],
                           "gamma": 0.1}}
    if key == "cosine":
        return {"framework": "pytorch", "name": "CosineAnnealingLR", "lr": lr,
                "params": {"T_max": run}}
    if key == "linear":
        return {"framework": "transformers", "name": "linear", "lr": lr,
                "params": {"num_warmup_steps": warmup, "num_training_steps": run}}
    if key == "cosine_min":
        return {"framework": "transformers", "name": "cosine_with_min_lr", "lr": lr,
                "params": {"num_warmup_steps": warmup, "num_training_steps": run,
                           "min_lr_rate": 0.1}}
    if key == "wsd":
        return {"framework": "transformers", "name": "warmup_stable_decay", "lr": lr,
                "params": {"num_warmup_steps": warmup, "num_decay_steps": run // 5,
                           "num_training_steps": run}}
    if key == "one_cycle":
        return {"framework": "pytorch", "name": "OneCycleLR", "lr": lr,
                "params": {"max_lr": lr, "total_steps": run}}
    if key == "restarts":
        return {"framework": "pytorch", "name": "CosineAnnealingWarmRestarts", "lr": lr,
                "params": {"T_0": run // 8, "T_mult": 2}}
    return {"framework": "transformers", "name": "inverse_sqrt", "lr": lr,
            "params": {"num_warmup_steps": warmup}}


def gallery_card(key, percent):
    """The card of family `key` for a warmup of `percent` percent of the run: title, use,
    the spec, its LRs, summary lines, a small chart and the explorer link."""
    warmup = GALLERY_RUN * percent // 100
    _, title, use = _family(key)
    spec = family_spec(key, warmup)
    lrs = lr_series(spec, GALLERY_RUN)
    chart = _chart("update", "learning rate",
                   [_curve(key, title, list(range(GALLERY_RUN)), lrs, 0)])
    summary = [("First update", format_lr(lrs[0])), ("Peak", format_lr(max(lrs))),
               ("Last update", format_lr(lrs[-1]))]
    return {"key": key, "title": title, "use": use, "spec": spec, "lrs": lrs,
            "summary": summary, "chart_json": json.dumps(chart),
            "warmup": warmup if key in WARMUP_FAMILIES else 0,
            "fragment": explorer_fragment(spec)}


# --- learning rate and batch size ----------------------------------------------------------


def batch_raw(batch):
    """The tuning page's raw batch inputs for an effective batch: its default reference
    rate and batch, split into devices of BATCH_PER_DEVICE examples, no accumulation."""
    raw = tuning.defaults()
    raw["batch-per-device"] = str(BATCH_PER_DEVICE)
    raw["batch-devices"] = str(batch // BATCH_PER_DEVICE)
    raw["batch-accum"] = "1"
    return raw


def batch_scaling(power):
    """The batch figure for an effective batch of 2**power: the rate under the linear and
    square-root rules, Goyal et al.'s warmup in updates, the chart (from pycore.tuning)
    and the tuning page's fragment for the same setting."""
    batch = 2 ** power
    raw = batch_raw(batch)
    values, errors = tuning.read("batch", raw)
    result = tuning.compute("batch", values)
    base, reference = values["batch-lr"], values["batch-ref"]
    linear = tuning.scaled_lr(base, batch, reference, tuning.rule_exponent("linear"))
    sqrt = tuning.scaled_lr(base, batch, reference, tuning.rule_exponent("sqrt"))
    warmup = tuning.warmup_steps(values["batch-warmup"], values["batch-dataset"], batch)
    summary = [
        ("Effective batch", format_int(batch)),
        ("Batch ratio kappa", format_sig(batch / reference, 6)),
        ("Linear rule", format_lr(linear)),
        ("Square-root rule", format_lr(sqrt)),
        ("%s warmup epochs on ImageNet" % format_sig(values["batch-warmup"], 6),
         format_int(warmup) + " updates"),
    ]
    note = ""
    if batch > tuning.LINEAR_RULE_MAX_BATCH:
        note = ("Past %s examples per update Goyal et al. saw the linear rule lose "
                "accuracy; layer-wise methods such as LARS and LAMB take over there."
                % format_int(tuning.LINEAR_RULE_MAX_BATCH))
    return {"batch": batch, "linear": linear, "sqrt": sqrt, "warmup": warmup, "note": note,
            "summary": summary, "chart_json": result["chart_json"],
            "fragment": tuning.fragment_of(raw)}


# --- layer-wise decay -----------------------------------------------------------------------


def layer_decay_text(hundredths):
    """The decay factor as typed into the tuning page: 80 -> "0.8", 100 -> "1"."""
    return format_sig(hundredths / 100, 6)


def layer_raw(hundredths):
    """The tuning page's raw inputs: its default layer-wise decay, with this factor."""
    raw = tuning.defaults()
    raw["layers-decay"] = layer_decay_text(hundredths)
    return raw


def layer_decay(hundredths):
    """The layer-wise decay figure: the tuning page's summary and chart of every group's
    rate for a decay of hundredths / 100, and the tuning page's fragment for it."""
    raw = layer_raw(hundredths)
    values, errors = tuning.read("layers", raw)
    result = tuning.compute("layers", values)
    return {"summary": result["summary"], "chart_json": result["chart_json"],
            "rates": [row["lr"] for row in result["table"]],
            "fragment": tuning.fragment_of(raw)}


# --- the controls' text and the URL fragment ------------------------------------------------

def describe_control(key, value):
    """What a control's value means, shown beside it (the slider itself shows no number)."""
    if key == "adam-warmup":
        return "%s updates" % format_int(value)
    if key == "gallery-warmup":
        return "%s%% of the run (%s updates)" % (format_int(value), format_int(
            GALLERY_RUN * value // 100))
    if key == "batch-power":
        return "%s examples per update" % format_int(2 ** value)
    if key == "layer-decay":
        return "%s per block" % layer_decay_text(value)
    raise SpecError("control", key, "must be one of " + ", ".join(sorted(CONTROLS)))


def fragment_of(raw):
    """The URL fragment (without '#') of the controls that differ from their default."""
    return "&".join("%s=%s" % (key, quote(raw[key])) for key in sorted(raw)
                    if raw[key] != DEFAULTS[key])


def is_state(fragment):
    """Whether a URL fragment holds slider state (key=value pairs) rather than a heading."""
    return "=" in fragment


def read_fragment(fragment, keys):
    """The controls `keys` (a page's) from a URL fragment: (raw, problems).

    raw starts from the defaults and takes each of those keys as written, still unchecked
    (the page reads it like a moved slider and shows any message beside it); problems
    names the parts that were ignored. A fragment with no "=" is a link to a heading
    (the table of contents makes those), not state: it leaves the defaults."""
    raw = dict((key, DEFAULTS[key]) for key in keys)
    problems = []
    if not is_state(fragment):
        return raw, problems
    for key, text, err in fragment_parts(fragment):
        if key not in raw:
            problems.append('The link\'s "%s" was ignored: this page has no such control.'
                            % key[:30])
        elif err is not None:
            problems.append("The link's %s was ignored: %s." % (key, err.allowed))
        else:
            raw[key] = text
    return raw, problems


# --- the optimizers figure's schedule from the explorer ---------------------------------


def explorer_schedule(saved_text):
    """The schedule saved by the explorer (its localStorage text): (label, rates per
    scheduler step), or SpecError saying why it cannot be used."""
    state = explorer.load_saved(saved_text)
    if state is None:
        raise SpecError("schedule", "explorer", "open a schedule in the explorer first")
    values, errors = explorer.read(state)
    if errors:
        raise SpecError("schedule", "explorer",
                        "the schedule open in the explorer has an error; fix it there")
    n = values["n"]
    if n > optim.MAX_SCHEDULE_STEPS:
        raise SpecError("schedule", n, "a schedule of at most %s scheduler steps" %
                        format_int(optim.MAX_SCHEDULE_STEPS))
    return explorer.schedule_label(values["clean"]), lr_series(values["clean"], n)


def schedule_view(saved_text):
    """The explorer's saved schedule as the optimizers figure (pycore.optim) applies it:
    (factors, sentence), or (None, the reason it cannot be used)."""
    try:
        label, lrs = explorer_schedule(saved_text)
        factors = optim.schedule_factors(lrs, optim.FIGURE_STEPS)
    except SpecError as err:
        return None, "No schedule applied: %s." % err.allowed
    return factors, ("Applying %s from the explorer: its %s scheduler steps mapped onto "
                     "the figure's %s steps, scaled so its peak is each optimizer's rate."
                     % (label, format_int(len(lrs)), format_int(optim.FIGURE_STEPS)))
