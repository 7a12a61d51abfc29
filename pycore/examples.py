"""Worked examples: published training recipes as specs, and the numbers the examples page
shows for them.

A recipe is what a paper or a framework's reference script sets (base LR, warmup, epochs,
data set size, batch size); everything that follows from those settings (updates per
epoch, total updates, warmup length, the LR at each point worth reading) is computed here
with the same code the explorer runs, so the page and the explorer always agree. The
seed's inverse-time examples stay in ``pycore.calculator`` (``EXAMPLES``,
``worked_example``); ``seed_example`` adds the calculator link to them.

``PRESETS`` are explorer states the FAQ links to, each showing what its answer describes
(a warmup composed with a cosine, a scheduler stepped in the wrong unit, a resume, one
schedule in every framework).

The MkDocs hook (tools/mkdocs_hooks.py) calls ``numbers``, ``seed_example`` and
``preset_fragment`` at build time; nothing here touches the DOM.
"""
import math

from . import calculator, explorer, form
from .errors import SpecError
from .numfmt import format_int, format_lr, py_repr
from .spec import lr_series, validate


def _from_data(dataset_size, batch_size, devices, epochs, stepping):
    """Explorer run fields for a run whose length follows from the data set."""
    return {"length_from": "data", "dataset_size": str(dataset_size),
            "batch_size": str(batch_size), "devices": str(devices), "accum": "1",
            "drop_last": False, "epochs": str(epochs), "stepping": stepping}


def _from_updates(total_updates):
    """Explorer run fields for a run given as a number of updates (one 'epoch')."""
    return {"length_from": "steps", "steps_per_epoch": str(total_updates), "epochs": "1",
            "stepping": "update"}


# --- the recipes -------------------------------------------------------------------------
# Each recipe has ``spec(run)``, the settings as a spec, and ``marks(run, clean, values)``,
# the scheduler steps worth reading with what happens there; ``at`` indexes the mark the
# explorer link opens on.

def _resnet50(run):
    """torchvision's ResNet-50 reference: SGD 0.1, divided by 10 every 30 of 90 epochs."""
    return {"framework": "pytorch", "name": "StepLR", "lr": 0.1,
            "params": {"step_size": 30, "gamma": 0.1}}


def _resnet50_marks(run, clean, values):
    """Start, either side of the first drop, the second drop and the last epoch."""
    size = clean["params"]["step_size"]
    return [(0, "First epoch"), (size - 1, "Last epoch before the first drop"),
            (size, "First drop"), (2 * size, "Second drop"), (run["epochs"] - 1, "Last epoch")]


BERT_WARMUP_RATIO = 0.1


def _bert_warmup(total):
    """Warmup updates for a warmup ratio, rounded up as transformers' Trainer does."""
    return int(math.ceil(total * BERT_WARMUP_RATIO))


def _bert(run):
    """BERT-base fine-tuned on GLUE MRPC: 2e-5, linear warmup over 10% then linear decay."""
    total = run["total_updates"]
    return {"framework": "transformers", "name": "linear", "lr": 2e-5,
            "params": {"num_warmup_steps": _bert_warmup(total), "num_training_steps": total}}


def _warmup_decay_marks(run, clean, values):
    """Start, mid-warmup, peak, mid-decay and end of a warmup-then-decay run."""
    warmup, total = clean["params"]["num_warmup_steps"], run["total_updates"]
    return [(0, "First update"), (warmup // 2, "Halfway through warmup"),
            (warmup, "End of warmup: the peak"),
            ((warmup + total) // 2, "Halfway through the decay"), (total - 1, "Last update")]


LLAMA_TOKENS = 10 ** 12  # LLaMA 7B and 13B: 1.0T training tokens
LLAMA_BATCH_TOKENS = 4 * 10 ** 6  # about 4M tokens per batch


def _llama(run):
    """LLaMA 7B: AdamW at 3e-4, 2,000 warmup updates, cosine down to 10% of the peak."""
    return {"framework": "transformers", "name": "cosine_with_min_lr", "lr": 3e-4,
            "params": {"num_warmup_steps": 2000, "num_training_steps": run["total_updates"],
                       "min_lr_rate": 0.1}}


WSD_DECAY_FRACTION = 5  # the cooldown is the last fifth of the run


def _wsd(run):
    """Warmup-stable-decay: constant peak for most of the run, a short 1-sqrt cooldown."""
    total = run["total_updates"]
    return {"framework": "transformers", "name": "warmup_stable_decay", "lr": 1e-3,
            "params": {"num_warmup_steps": 1000, "num_decay_steps": total // WSD_DECAY_FRACTION,
                       "num_training_steps": total, "decay_type": "1-sqrt",
                       "min_lr_ratio": 0.0}}


def _wsd_marks(run, clean, values):
    """Start, the plateau's first and last updates, mid-cooldown and the end."""
    p, total = clean["params"], run["total_updates"]
    start = total - p["num_decay_steps"]
    return [(0, "First update"), (p["num_warmup_steps"], "End of warmup: the plateau"),
            (start - 1, "Last update of the plateau"),
            (start + p["num_decay_steps"] // 2, "Halfway through the cooldown"),
            (total - 1, "Last update")]


def _onecycle(run):
    """One-cycle on CIFAR-10: PyTorch OneCycleLR defaults with max_lr 0.1 over 30 epochs."""
    return {"framework": "pytorch", "name": "OneCycleLR", "lr": 0.1,
            "params": {"max_lr": 0.1, "total_steps": run["total_updates"]}}


def _onecycle_marks(run, clean, values):
    """Start, the peak (found in the values), halfway down and the end."""
    peak, total = _argmax(values), run["total_updates"]
    return [(0, "First update: max_lr / div_factor"), (peak, "The peak"),
            ((peak + total) // 2, "Halfway down"), (total - 1, "Last update")]


def _sgdr(run):
    """SGDR (Loshchilov and Hutter 2017) on CIFAR: restarts after 10, 20, 40, 80 epochs."""
    return {"framework": "pytorch", "name": "CosineAnnealingWarmRestarts", "lr": 0.05,
            "params": {"T_0": 10, "T_mult": 2, "eta_min": 0.0}}


def _sgdr_marks(run, clean, values):
    """The first epoch, each cycle's last epoch and restart, and the last epoch."""
    marks = [(0, "First epoch")]
    start, length = 0, clean["params"]["T_0"]
    while start + length < run["epochs"]:
        marks.append((start + length - 1, "End of a cycle"))
        start += length
        length *= clean["params"]["T_mult"]
        marks.append((start, "Restart"))
    marks.append((run["epochs"] - 1, "Last epoch"))
    return marks


def _argmax(values):
    """Index of the first largest value."""
    best = 0
    for i in range(1, len(values)):
        if values[i] > values[best]:
            best = i
    return best


RECIPES = (
    {"id": "resnet50", "title": "ResNet-50 on ImageNet: step decay",
     "run": _from_data(1281167, 32, 8, 90, "epoch"),
     "spec": _resnet50, "marks": _resnet50_marks, "at": 2},
    {"id": "bert", "title": "BERT fine-tuning: linear warmup and decay",
     "run": _from_data(3668, 32, 1, 3, "update"),
     "spec": _bert, "marks": _warmup_decay_marks, "at": 2},
    {"id": "llama", "title": "LLaMA-style pre-training: warmup, then cosine to 10% of the peak",
     "run": _from_updates(LLAMA_TOKENS // LLAMA_BATCH_TOKENS),
     "spec": _llama, "marks": _warmup_decay_marks, "at": 2},
    {"id": "wsd", "title": "Warmup-stable-decay",
     "run": _from_updates(50000),
     "spec": _wsd, "marks": _wsd_marks, "at": 3},
    {"id": "onecycle", "title": "One-cycle on CIFAR-10",
     "run": _from_data(50000, 128, 1, 30, "update"),
     "spec": _onecycle, "marks": _onecycle_marks, "at": 1},
    {"id": "sgdr", "title": "SGDR: cosine with warm restarts",
     "run": _from_data(50000, 128, 1, 150, "epoch"),
     "spec": _sgdr, "marks": _sgdr_marks, "at": 2},
)

RECIPE_IDS = tuple(r["id"] for r in RECIPES)
SEED_IDS = tuple(e["id"] for e in calculator.EXAMPLES)


def recipe(example_id):
    """The recipe with this id, or SpecError listing the ids."""
    for r in RECIPES:
        if r["id"] == example_id:
            return r
    raise SpecError("example", example_id, "must be one of " + ", ".join(RECIPE_IDS))


def _run(r):
    """The recipe's run as the explorer reads it (updates per epoch, total, n)."""
    run, errors = explorer.read_run(r["run"])
    if errors:
        raise SpecError("example", r["id"], "has an invalid run: " + repr(errors))
    return run


def _build(r):
    """(run, clean spec, values, marks): values is the LR at every scheduler step of the
    run, computed by lr_series exactly as the explorer computes its curve."""
    run = _run(r)
    clean = validate(r["spec"](run))
    values = lr_series(clean, run["n"])
    return run, clean, values, r["marks"](run, clean, values)


def step_text(t, run):
    """'epoch 30' or 'update 2,000' for scheduler step t of the run."""
    return "%s %s" % (run["stepping"], format_int(t))


def state_of(example_id):
    """The explorer state that shows the recipe, opened on its most telling step."""
    r = recipe(example_id)
    run, clean, values, marks = _build(r)
    state = explorer.default_state()
    state["raw"] = form.raw_from_spec(clean)
    state["run"].update(r["run"])
    state["at"] = str(marks[r["at"]][0])
    return state


def explorer_fragment(example_id):
    """The explorer's URL fragment (without '#') for the recipe."""
    state = state_of(example_id)
    values, errors = explorer.read(state)
    if errors:
        raise SpecError("example", example_id, "does not open in the explorer: " + repr(errors))
    return explorer.fragment_of(state, values)


def numbers(example_id):
    """Everything the examples page shows for a recipe, formatted.

    Keys: id, title, spec (the clean spec), stepping, epochs, steps_per_epoch,
    total_updates, n, rows (one per mark: label, step, step_text, lr, lr_text, lr_repr),
    at (the row the explorer link opens on), peak_text, last_text, fragment; plus
    warmup for recipes that warm up, and ``lr_<k>`` / ``step_<k>`` (the k-th row's lr_text
    and step_text) for the prose.
    """
    r = recipe(example_id)
    run, clean, values, marks = _build(r)
    rows = []
    for t, label in marks:
        lr = values[t]
        rows.append({"label": label, "step": t, "step_text": step_text(t, run), "lr": lr,
                     "lr_text": format_lr(lr), "lr_repr": py_repr(lr)})
    out = {"id": r["id"], "title": r["title"], "spec": clean,
           "stepping": run["stepping"], "epochs": format_int(run["epochs"]),
           "steps_per_epoch": format_int(run["steps_per_epoch"]),
           "total_updates": format_int(run["total_updates"]), "n": format_int(run["n"]),
           "rows": rows, "at": r["at"], "peak_text": format_lr(values[_argmax(values)]),
           "last_text": format_lr(values[-1]), "fragment": explorer_fragment(r["id"])}
    if "num_warmup_steps" in clean["params"]:
        out["warmup"] = format_int(clean["params"]["num_warmup_steps"])
    for k, row in enumerate(rows):
        out["lr_%d" % k] = row["lr_text"]
        out["step_%d" % k] = row["step_text"]
    return out


CHART_POINTS = 400  # samples of a per-update curve on the examples page


def chart(example_id):
    """The recipe's curve as an lrchart v2 payload, marked at the step its explorer link
    opens on: every scheduler step of a short run (held flat through each epoch when the
    scheduler steps per epoch), else CHART_POINTS evenly spaced updates plus the marks."""
    r = recipe(example_id)
    run, clean, values, marks = _build(r)
    n = len(values)
    xs, ys = [], []
    if run["stepping"] == "epoch":
        for t in range(n):
            xs.extend((t, t + 1))
            ys.extend((values[t], values[t]))
    else:
        steps = [(k * (n - 1)) // (CHART_POINTS - 1) for k in range(CHART_POINTS)]
        steps = sorted(set(steps + [t for t, _ in marks]))
        if n <= CHART_POINTS:
            steps = list(range(n))
        xs = steps
        ys = [values[t] for t in steps]
    return {"version": 2, "xlabel": run["stepping"], "ylabel": "learning rate", "log": False,
            "marker": marks[r["at"]][0],
            "curves": [{"key": "main", "label": "%s %s" % (clean["framework"], clean["name"]),
                        "x": xs, "y": ys, "color": 0}],
            "drops": []}


def settings(clean):
    """(name, value text) for each setting of a clean spec: the base LR and every param."""
    rows = []
    if "lr" in clean:
        rows.append(("lr", py_repr(clean["lr"])))
    for name in sorted(clean["params"]):
        value = clean["params"][name]
        if value is None:
            continue
        rows.append((name, _setting_text(value)))
    return rows


def _setting_text(value):
    """A setting as it is written in Python: True, 30, 0.1, "cos" without quotes."""
    if value is True or value is False:
        return "True" if value else "False"
    if isinstance(value, str):
        return value
    if type(value) is int:
        return str(value)
    return py_repr(value)


def seed_example(example_id):
    """A seed worked example (pycore.calculator.worked_example) plus the calculator link
    that loads it: 'fragment' (without '#')."""
    out = dict(calculator.worked_example(example_id))
    values, _ = calculator.read_form(calculator.example_inputs(example_id))
    out["fragment"] = calculator.fragment_of(values)
    return out


# --- explorer presets the FAQ links to ---------------------------------------------------

def _warmup_cosine_state():
    """PyTorch warmup then cosine done right: SequentialLR of LinearLR and a
    CosineAnnealingLR whose T_max is the run minus the warmup."""
    total, warmup = 10000, 500
    spec = {"framework": "pytorch", "name": "SequentialLR", "lr": 3e-4, "params": {
        "schedulers": [
            {"framework": "pytorch", "name": "LinearLR",
             "params": {"start_factor": 0.01, "total_iters": warmup}},
            {"framework": "pytorch", "name": "CosineAnnealingLR",
             "params": {"T_max": total - warmup}}],
        "milestones": [warmup]}}
    state = explorer.default_state()
    state["raw"] = form.raw_from_spec(validate(spec))
    state["run"].update(_from_updates(total))
    state["at"] = str(warmup)
    return state


def _onecycle_per_epoch_state():
    """The one-cycle recipe with the scheduler stepped once per epoch by mistake."""
    state = state_of("onecycle")
    state["run"]["stepping"] = "epoch"
    state["at"] = "0"
    return state


def _resume_state():
    """The LLaMA-style recipe resumed from a checkpoint part-way through the cosine."""
    state = state_of("llama")
    run = _run(recipe("llama"))
    state["resume"] = str(run["total_updates"] * 2 // 5)
    return state


def _frameworks_state():
    """The BERT recipe with its closest schedule in every other framework pinned."""
    state = state_of("bert")
    values, _ = explorer.read(state)
    state["pins"] = explorer.translation_pins(values["clean"], "update", values["n"])
    return state


PRESETS = {"warmup_cosine": _warmup_cosine_state, "onecycle_per_epoch": _onecycle_per_epoch_state,
           "resume": _resume_state, "frameworks": _frameworks_state}


def preset_fragment(name):
    """The explorer's URL fragment (without '#') for one of the FAQ's presets."""
    if name not in PRESETS:
        raise SpecError("preset", name, "must be one of " + ", ".join(sorted(PRESETS)))
    state = PRESETS[name]()
    values, errors = explorer.read(state)
    if errors:
        raise SpecError("preset", name, "does not open in the explorer: " + repr(errors))
    return explorer.fragment_of(state, values)
