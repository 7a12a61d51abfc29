"""Tuning tools: plan a learning-rate search, scale the rate with the batch size, and
spread it over the layers of a network being fine-tuned.

Three small calculators share one shape: a tuple of ``Field`` inputs per section, ``read``
turning the raw text of a section into values (or messages, one per field), and
``compute`` turning values into formatted rows, a chart payload, notes and code. The
formulas are public functions of their own (``coarse_grid``, ``scaled_lr``,
``llrd_table``...), so tests and other modules can use them without the form.

Sources of the rules (details in each function): the coarse-to-fine search over decades
(Rakhecha, "Understanding Learning Rate", 2019); the linear scaling rule and gradual
warmup of Goyal et al. 2017 (arXiv:1706.02677); the square-root rule for Adam of Malladi
et al. 2022 (arXiv:2205.10287); layer-wise decay as in ELECTRA and BEiT fine-tuning; the
discriminative rates of ULMFiT (Howard & Ruder 2018, arXiv:1801.06146).

Everything here gives the same text on CPython and MicroPython: the planner's rates are
rounded to a few significant digits and rebuilt from integers, so a one-ulp difference of
``exp``/``log`` between the runtimes cannot reach a list or a snippet.
"""
import json
import math

from .dataio import parse_number
from .errors import SpecError
from .lcg import Lcg
from .links import fragment_parts, quote
from .numfmt import format_int, format_lr, format_sig, py_repr

LR_MIN = 1e-12  # bounds of any learning rate typed on the page
LR_MAX = 1000.0
PLAN_DIGITS = 3  # planned rates are rounded to this many significant digits
MAX_SAMPLES = 1000
MAX_FINE_POINTS = 50

REFERENCE_BATCH = 256  # Goyal et al.: lr = 0.1 * batch / 256 for ResNet-50 on ImageNet
LINEAR_RULE_MAX_BATCH = 8192  # Goyal et al.: the linear rule held up to 8k images per batch
WARMUP_EPOCHS = 5  # Goyal et al.'s gradual warmup length

ULMFIT_FACTOR = 2.6  # Howard & Ruder: eta^(l-1) = eta^l / 2.6
MAX_LAYERS = 200

RULE_EXPONENTS = (("linear", 1.0), ("sqrt", 0.5))


# --- exact decimals ------------------------------------------------------------------------


def _decimal(text):
    """The integer digits and power of ten of a number written by ``format_sig``."""
    mantissa, _, exponent = text.partition("e")
    whole, _, frac = mantissa.partition(".")
    return int(whole + frac), (int(exponent) if exponent else 0) - len(frac)


def rounded(x, digits=PLAN_DIGITS):
    """x rounded to `digits` significant digits, as the float nearest that decimal.

    Built from integers with one correctly rounded operation, so it is the float CPython's
    ``float("1.58e-05")`` gives, on either runtime (x between LR_MIN and LR_MAX).
    """
    q, s = _decimal(format_sig(x, digits))
    if s >= 0:
        return float(q * 10 ** s)
    return float(q) / float(10 ** -s)


# --- search planner ------------------------------------------------------------------------


def coarse_grid(low, high):
    """One rate per decade from low up to high (both included when they are decades).

    The first pass of a coarse-to-fine search: rates a factor of ten apart, since 0.01
    and 0.011 rarely train differently, while 1e-5 and 1e-3 may.
    """
    out = []
    x = rounded(low)
    while x <= high * (1 + 1e-9):
        out.append(x)
        x = rounded(x * 10)
    return out


def fine_grid(decade_low, points):
    """`points` rates evenly spaced on a log scale strictly inside [decade_low, 10 x that].

    The second pass: the ends were already run in the coarse pass, so they are left out.
    Rounded to PLAN_DIGITS significant digits (rates typed in a config file look so).
    """
    return [rounded(decade_low * 10 ** (i / (points + 1))) for i in range(1, points + 1)]


def log_uniform_samples(low, high, n, seed):
    """n rates drawn log-uniformly from [low, high] with a seeded generator, in draw order.

    Log-uniform, because a rate's effect depends on its order of magnitude: a uniform draw
    from [1e-5, 1e-1] would put nine in ten samples above 1e-2.
    """
    gen = Lcg(seed)
    a, b = math.log(low), math.log(high)
    return [rounded(math.exp(a + (b - a) * gen.uniform())) for _ in range(n)]


CODE_WIDTH = 79  # snippet lines stay within this many characters


def _wrap(words, first, rest, width=CODE_WIDTH):
    """Join words with spaces into lines of at most `width` characters (a longer word gets
    a line of its own); the first line starts with `first`, the others with `rest`."""
    lines, line = [], first
    for word in words:
        if line not in (first, rest) and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = rest
        line += ("" if line in (first, rest) else " ") + word
    lines.append(line)
    return lines


def _comment(text):
    """A Python comment, wrapped."""
    return _wrap(text.split(" "), "# ", "# ")


def _listed(opening, items, closing):
    """Code for a list literal between `opening` and `closing`: one line when it fits,
    else one item block indented by four spaces."""
    one = opening + ", ".join(items) + closing
    if len(one) <= CODE_WIDTH:
        return [one]
    return [opening] + _wrap([x + "," for x in items], "    ", "    ") + [closing.strip()]


SWEEP_HEADER = '''# train_and_evaluate(lr) is yours: train briefly at this learning rate
# and return the validation loss (lower is better).


def sweep(lrs):
    """Train once per learning rate; return {lr: validation loss}."""
    results = {}
    for lr in lrs:
        results[lr] = train_and_evaluate(lr)
        print("lr %g: validation loss %g" % (lr, results[lr]))
    return results

'''


def sweep_code(passes):
    """A Python sweep loop over planned rates; passes is a list of (comment, name, lrs).

    Each pass becomes ``name = sweep([...])`` followed by the best rate it found.
    """
    lines = []
    for comment, name, lrs in passes:
        lines += [""] + _comment(comment) + _listed(
            "%s = sweep([" % name, [py_repr(x) for x in lrs], "])")
        lines.append('print("best of this pass:", min(%s, key=%s.get))' % (name, name))
    return SWEEP_HEADER + "\n".join(lines) + "\n"


# --- batch-size scaling --------------------------------------------------------------------


def effective_batch(per_device, devices, accumulation):
    """Examples per optimizer update: per-device batch x devices x accumulation steps."""
    return per_device * devices * accumulation


def rule_exponent(rule, exponent=None):
    """The power of the batch ratio a rule scales the rate by: linear 1, sqrt 1/2, custom."""
    for name, power in RULE_EXPONENTS:
        if rule == name:
            return power
    if rule == "custom":
        return exponent
    raise SpecError("rule", rule, "must be linear, sqrt or custom")


def scaled_lr(base_lr, batch, reference, power):
    """The rate for `batch` when `base_lr` suits `reference`: base_lr * (batch / ref) ** p."""
    return base_lr * (batch / reference) ** power


def adam_scaling(kappa, beta1, beta2, eps):
    """Malladi et al.'s companions of the square-root rule for Adam (batch x kappa):
    beta -> 1 - kappa (1 - beta), eps -> eps / sqrt(kappa). Returns (beta1, beta2, eps).

    The derivation needs kappa (1 - beta) < 1; past that the betas come out <= 0. The
    betas are rounded to 12 significant digits, which drops the float noise of
    1 - kappa (1 - beta) (0.6 rather than 0.6000000000000001).
    """
    return (rounded(1 - kappa * (1 - beta1), 12), rounded(1 - kappa * (1 - beta2), 12),
            eps / math.sqrt(kappa))


def updates_per_epoch(dataset_size, batch):
    """Optimizer updates in one pass over the data: ceil(dataset_size / batch)."""
    return -(-dataset_size // batch)


def warmup_steps(epochs, dataset_size, batch):
    """Updates in `epochs` epochs, rounded up (Goyal et al. warm up for 5 epochs:
    5 x ceil(1,281,167 / 8,192) = 785 updates at batch 8k)."""
    return int(math.ceil(epochs * updates_per_epoch(dataset_size, batch)))


def batch_ladder(reference, batch):
    """Batch sizes for the table and chart: powers of two around the ones that matter
    (32 to 65,536, widened to take in both), plus the reference and the effective batch."""
    lo, hi = 32, 65536
    while lo > min(reference, batch) and lo > 1:
        lo //= 2
    while hi < max(reference, batch):
        hi *= 2
    sizes = []
    b = lo
    while b <= hi:
        sizes.append(b)
        b *= 2
    for extra in (reference, batch):
        if extra not in sizes:
            sizes.append(extra)
    return sorted(sizes)


# --- layer-wise learning rates -------------------------------------------------------------


def llrd_exponents(blocks, scheme="beit"):
    """(name, exponent) per parameter group, bottom to top, for layer-wise LR decay: the
    group's rate is lr * decay ** exponent.

    "beit" (BEiT, MAE, iBOT: ``decay ** (L + 1 - id)``): embeddings id 0, block j id j+1,
    the head and final norm id L+1, so the top block gets decay and the head 1. "electra"
    (ELECTRA's ``_get_layer_lrs``): depth L+1 is never used, so the top block gets decay**2
    and the embeddings decay**(L+2).
    """
    top = blocks + 1 if scheme == "beit" else blocks + 2
    rows = [("embeddings", top)]
    for j in range(blocks):
        rows.append(("blocks.%d" % j, top - (j + 1)))
    rows.append(("head", 0))
    return rows


def llrd_table(lr, blocks, decay, scheme="beit"):
    """Rows {name, exponent, scale, lr}, bottom to top: lr * decay ** exponent per group."""
    return [{"name": name, "exponent": e, "scale": decay ** e, "lr": lr * decay ** e}
            for name, e in llrd_exponents(blocks, scheme)]


def ulmfit_table(lr, groups, factor=ULMFIT_FACTOR):
    """Rows {name, exponent, scale, lr}, bottom to top: the top group gets lr, and each
    group below gets the rate of the one above divided by `factor` (ULMFiT: 2.6)."""
    rows = []
    for g in range(groups):
        e = groups - 1 - g
        rows.append({"name": "group %d" % g, "exponent": e, "scale": 1 / factor ** e,
                     "lr": lr / factor ** e})
    return rows


def param_groups_code(mode, lr, rows, factor):
    """PyTorch code giving each layer its own rate, with the same formula as the table."""
    if mode == "llrd":
        rate = "lr * decay ** e"
        setting = "lr, decay = %s, %s" % (py_repr(lr), py_repr(factor))
        why = "Layer-wise decay: group rate = lr * decay ** exponent."
    else:
        rate = "lr / factor ** e"
        setting = "lr, factor = %s, %s" % (py_repr(lr), py_repr(factor))
        why = "ULMFiT: each group's rate is the one above it divided by factor."
    exponents = _listed("exponents = [", [str(r["exponent"]) for r in rows], "]")
    return "\n".join([
        "import torch",
        "",
        "# %s" % why,
        setting,
        "# The exponent of each group, bottom to top:",
    ] + exponents + [
        "",
        "# One module per group, bottom (embeddings) to top (head); for BERT:",
        "# layers = [model.embeddings, *model.encoder.layer, model.classifier]",
        "layers = list(model.children())",
        "if len(layers) != len(exponents):",
        '    raise ValueError("expected %d layer groups, got %d"',
        "                     % (len(exponents), len(layers)))",
        "param_groups = [{\"params\": layer.parameters(), \"lr\": %s}" % rate,
        "                for layer, e in zip(layers, exponents)]",
        "optimizer = torch.optim.AdamW(param_groups, lr=lr)",
        "",
    ])


# --- the page's inputs ---------------------------------------------------------------------


class Field:
    """One input of the tuning page.

    kind is "float", "int" or "choice"; lo/hi bound numbers (lo_open: lo itself refused);
    choices are (value, label) pairs; when = (key, values) shows and reads the field only
    while that other field has one of those values.
    """

    def __init__(self, key, label, default, kind, lo=None, hi=None, lo_open=False,
                 choices=None, when=None, help=""):
        self.key = key
        self.label = label
        self.default = default
        self.kind = kind
        self.lo = lo
        self.hi = hi
        self.lo_open = lo_open
        self.choices = choices
        self.when = when
        self.help = help


def _lr_field(key, label, default, help, when=None):
    """A learning-rate input, bounded to what any run could use."""
    return Field(key, label, default, "float", lo=LR_MIN, hi=LR_MAX, when=when, help=help)


PLAN_FIELDS = (
    Field("plan-mode", "Search", "grid", "choice",
          choices=(("grid", "coarse decades, then a fine grid"),
                   ("random", "random, log-uniform")),
          help="A grid is easy to reason about; random draws cover the range more evenly "
               "when each run is cheap."),
    _lr_field("plan-low", "Lowest rate", "1e-7", "The bottom of the search; fastai's range "
              "test starts at 1e-7 too."),
    _lr_field("plan-high", "Highest rate", "1", "The top of the search."),
    _lr_field("plan-best", "Best decade starts at", "0.001",
              "After the coarse pass: the lower end of the decade holding the best run.",
              when=("plan-mode", ("grid",))),
    Field("plan-points", "Fine points in that decade", "4", "int", lo=1, hi=MAX_FINE_POINTS,
          when=("plan-mode", ("grid",)),
          help="Rates evenly spaced on a log scale inside the decade, ends excluded."),
    Field("plan-samples", "Samples", "20", "int", lo=1, hi=MAX_SAMPLES,
          when=("plan-mode", ("random",)), help="Runs to plan, 1 to %s." %
          format_int(MAX_SAMPLES)),
    Field("plan-seed", "Seed", "0", "int", lo=0, hi=2 ** 32 - 1,
          when=("plan-mode", ("random",)),
          help="The same seed always draws the same rates."),
)

BATCH_FIELDS = (
    _lr_field("batch-lr", "Reference learning rate", "0.1",
              "The rate known to work at the reference batch (Goyal et al.: 0.1 at 256)."),
    Field("batch-ref", "Reference batch", str(REFERENCE_BATCH), "int", lo=1, hi=2 ** 24,
          help="The batch size that reference rate was tuned for."),
    Field("batch-per-device", "Batch per device", "32", "int", lo=1, hi=65536,
          help="Examples each device processes per forward pass."),
    Field("batch-devices", "Devices", "64", "int", lo=1, hi=65536,
          help="GPUs or other accelerators in data-parallel training."),
    Field("batch-accum", "Gradient accumulation steps", "4", "int", lo=1, hi=4096,
          help="Forward/backward passes summed into one optimizer update."),
    Field("batch-optimizer", "Optimizer", "sgd", "choice",
          choices=(("sgd", "SGD with momentum"), ("adam", "Adam / AdamW")),
          help="Which rule has evidence behind it depends on the optimizer."),
    Field("batch-rule", "Scaling rule", "linear", "choice",
          choices=(("linear", "linear (Goyal et al.)"), ("sqrt", "square root"),
                   ("custom", "custom exponent")),
          help="The rate grows as (batch / reference) to this power."),
    Field("batch-exponent", "Exponent", "0.75", "float", lo=0.0, hi=2.0,
          when=("batch-rule", ("custom",)), help="0 keeps the rate, 0.5 is the square root "
          "rule, 1 the linear rule."),
    Field("batch-beta1", "Adam beta1", "0.9", "float", lo=0.0, hi=1.0,
          when=("batch-optimizer", ("adam",)), help="At the reference batch."),
    Field("batch-beta2", "Adam beta2", "0.999", "float", lo=0.0, hi=1.0,
          when=("batch-optimizer", ("adam",)), help="At the reference batch."),
    Field("batch-eps", "Adam eps", "1e-8", "float", lo=0.0, hi=1.0, lo_open=True,
          when=("batch-optimizer", ("adam",)), help="At the reference batch."),
    Field("batch-warmup", "Warmup epochs", str(WARMUP_EPOCHS), "float", lo=0.0, hi=1000.0,
          help="Goyal et al. ramp the rate up linearly over %d epochs." % WARMUP_EPOCHS),
    Field("batch-dataset", "Training examples", "1281167", "int", lo=1, hi=10 ** 12,
          help="Examples per epoch (ImageNet-1k: 1,281,167), to turn epochs into updates."),
)

LAYER_FIELDS = (
    Field("layers-mode", "Rule", "llrd", "choice",
          choices=(("llrd", "layer-wise decay (ELECTRA, BEiT)"),
                   ("ulmfit", "discriminative, divide by 2.6 (ULMFiT)")),
          help="How the rate falls from the head down to the embeddings."),
    _lr_field("layers-lr", "Top learning rate", "1e-4", "The head's rate (ELECTRA base: 1e-4)."),
    Field("layers-blocks", "Transformer blocks", "12", "int", lo=1, hi=MAX_LAYERS,
          when=("layers-mode", ("llrd",)), help="Encoder layers L (12 for a base model)."),
    Field("layers-decay", "Decay per layer", "0.8", "float", lo=0.0, hi=1.0, lo_open=True,
          when=("layers-mode", ("llrd",)), help="ELECTRA: 0.8 (base), 0.9 (large); BEiT: "
          "0.65 (base), 0.75 (large)."),
    Field("layers-scheme", "Depth numbering", "electra", "choice",
          choices=(("beit", "BEiT / MAE: top block x decay"),
                   ("electra", "ELECTRA: top block x decay squared")),
          when=("layers-mode", ("llrd",)), help="The two code bases number depths one apart."),
    Field("layers-groups", "Layer groups", "5", "int", lo=1, hi=MAX_LAYERS,
          when=("layers-mode", ("ulmfit",)), help="fastai's ULMFiT recipe spreads the rates "
          "over 5 groups."),
    Field("layers-factor", "Divide by, per group", str(ULMFIT_FACTOR), "float", lo=1.0,
          hi=100.0,
          when=("layers-mode", ("ulmfit",)), help="Howard & Ruder found 2.6 worked well."),
)

SECTIONS = (("plan", PLAN_FIELDS), ("batch", BATCH_FIELDS), ("layers", LAYER_FIELDS))
ALL_FIELDS = PLAN_FIELDS + BATCH_FIELDS + LAYER_FIELDS


def fields(section):
    """The fields of a section ("plan", "batch" or "layers")."""
    for name, group in SECTIONS:
        if name == section:
            return group
    raise SpecError("section", section, "must be plan, batch or layers")


def defaults():
    """The raw text of every input on a fresh page."""
    return dict((f.key, f.default) for f in ALL_FIELDS)


def is_active(f, raw):
    """True when the field applies given the other inputs (see Field.when)."""
    return f.when is None or raw.get(f.when[0]) in f.when[1]


def _plain(x):
    """A bound as a person would type it: 1 rather than 1.0, small ones as 1e-12."""
    return format_sig(x, 12)


def _read_field(f, text):
    """One raw input as a value, or SpecError with the message for that field."""
    if f.kind == "choice":
        allowed = [c[0] for c in f.choices]
        if text not in allowed:
            raise SpecError(f.key, text, "choose one of " + ", ".join(allowed))
        return text
    value = parse_number(text, f.key)
    if f.kind == "int" and value != math.floor(value):
        raise SpecError(f.key, text, "must be a whole number")
    if f.lo is not None and (value < f.lo or (f.lo_open and value == f.lo)):
        raise SpecError(f.key, text, "must be greater than %s" % _plain(f.lo) if f.lo_open
                        else "must be %s or more" % _plain(f.lo))
    if f.hi is not None and value > f.hi:
        raise SpecError(f.key, text, "must be at most %s" % (
            format_int(f.hi) if f.kind == "int" else _plain(f.hi)))
    return int(value) if f.kind == "int" else value


def message(err):
    """The sentence shown next to a field for a SpecError."""
    return err.allowed[:1].upper() + err.allowed[1:]


def read(section, raw):
    """Parse one section's raw inputs; return (values, errors).

    errors maps a field key to its message; values is complete only when errors is empty.
    Fields that do not apply (see Field.when) are neither read nor checked.
    """
    values, errors = {}, {}
    for f in fields(section):
        if not is_active(f, raw):
            continue
        try:
            values[f.key] = _read_field(f, raw.get(f.key, f.default))
        except SpecError as err:
            errors[f.key] = message(err)
    if section == "plan":
        _check_plan(values, errors)
    return values, errors


def _check_plan(v, errors):
    """The search range must be a range (a decade at least for the grid, whose coarse pass
    steps by decades), and the best decade must lie inside it."""
    if "plan-low" not in v or "plan-high" not in v or "plan-mode" not in v:
        return
    low, high = v["plan-low"], v["plan-high"]
    if v["plan-mode"] == "random":
        if low >= high:
            errors["plan-high"] = "Must be above the lowest rate, %s" % format_lr(low)
        return
    if low * 10 > high * (1 + 1e-9):
        errors["plan-high"] = "Must be at least ten times the lowest rate, %s" % format_lr(low)
    elif "plan-best" in v and not low <= v["plan-best"] <= high / 10 * (1 + 1e-9):
        errors["plan-best"] = ("Must be between the lowest rate, %s, and a tenth of the "
                               "highest, %s, so that the decade lies inside the search" % (
                                   format_lr(low), format_lr(high / 10)))


def compute(section, v):
    """Everything a section shows for valid values v (see the three *_result functions)."""
    if section == "plan":
        return plan_result(v)
    if section == "batch":
        return batch_result(v)
    return layers_result(v)


def _curve(key, label, x, y, color):
    """One curve of an lrchart version-2 payload (drawn as a line through the points)."""
    return {"key": key, "label": label, "x": x, "y": y, "stepped": False, "axis": "lr",
            "pinned": False, "color": color}


def _chart(xlabel, ylabel, curves, xlog, points=()):
    """An lrchart version-2 payload with a log-scale rate axis; points are labelled
    markers {x, y, label} drawn on top."""
    return {"version": 2, "xlabel": xlabel, "ylabel": ylabel, "log": True, "xlog": xlog,
            "marker": None, "curves": curves, "drops": [], "points": list(points)}


def _result(summary, columns, rows, chart, code, notes):
    """The common shape of a section's result. summary: (label, text) pairs; notes: dicts
    {level: "warning" | "info", text}; chart: the payload, also as JSON for lrchart.js."""
    return {"summary": summary, "columns": columns, "rows": rows, "chart": chart,
            "chart_json": json.dumps(chart), "code": code, "notes": notes}


# --- section results -----------------------------------------------------------------------


def _grid_plan(v):
    """Coarse pass then fine pass: (runs as (pass, lr), summary, curves, code)."""
    coarse = coarse_grid(v["plan-low"], v["plan-high"])
    best = v["plan-best"]
    fine = fine_grid(best, v["plan-points"])
    decade_text = "%s to %s" % (format_lr(best), format_lr(best * 10))
    runs = [("coarse", x) for x in coarse] + [("fine", x) for x in fine]
    summary = [("Coarse pass, %d runs" % len(coarse), ", ".join(map(format_lr, coarse))),
               ("Fine pass inside %s" % decade_text, ", ".join(map(format_lr, fine)))]
    curves = [_curve("coarse", "coarse pass", list(range(1, len(coarse) + 1)), coarse, 0),
              _curve("fine", "fine pass", list(range(len(coarse) + 1, len(runs) + 1)),
                     fine, 1)]
    code = sweep_code([
        ("Pass 1: one run per decade from %s to %s." % (format_lr(coarse[0]),
                                                        format_lr(coarse[-1])),
         "coarse", coarse),
        ("Pass 2: %d rates inside the best decade, %s (set it on the page after pass 1)."
         % (len(fine), decade_text), "fine", fine)])
    return runs, summary, curves, code


def _random_plan(v):
    """Seeded log-uniform draws: (runs as (pass, lr), summary, curves, code)."""
    low, high = v["plan-low"], v["plan-high"]
    samples = log_uniform_samples(low, high, v["plan-samples"], v["plan-seed"])
    summary = [("Runs", format_int(len(samples))),
               ("Per decade, on average", format_sig(len(samples) / math.log10(high / low), 3))]
    ordered = sorted(samples)
    curves = [_curve("random", "samples, smallest first", list(range(1, len(ordered) + 1)),
                     ordered, 0)]
    code = sweep_code([("%d rates drawn log-uniformly from %s to %s (seed %d), rounded to "
                        "%d significant digits." % (len(samples), format_lr(low),
                                                    format_lr(high), v["plan-seed"],
                                                    PLAN_DIGITS),
                        "results", samples)])
    return [("random", x) for x in samples], summary, curves, code


def plan_result(v):
    """The planned runs: a list with one row per run, a chart of the rates, the sweep code."""
    grid = v["plan-mode"] == "grid"
    runs, summary, curves, code = (_grid_plan if grid else _random_plan)(v)
    rows = [[format_int(i + 1), kind, format_lr(x)] for i, (kind, x) in enumerate(runs)]
    chart = _chart("run, in order" if grid else "run, smallest rate first", "learning rate",
                   curves, False)
    out = _result(summary, ["Run", "Pass", "Learning rate"], rows, chart, code, [])
    out["lrs"] = [x for _, x in runs]
    return out


def _batch_notes(v, batch, kappa):
    """Warnings past the batch sizes where the rules were shown to hold, and which rule
    has evidence for the chosen optimizer."""
    notes = []
    rule, optimizer = v["batch-rule"], v["batch-optimizer"]
    if rule == "linear" and batch > LINEAR_RULE_MAX_BATCH:
        notes.append({"level": "warning", "text": (
            "Batch %s is past %s, the largest batch at which Goyal et al. (2017) saw the "
            "linear rule match the small-batch accuracy (ResNet-50 on ImageNet); beyond it "
            "accuracy fell." % (format_int(batch), format_int(LINEAR_RULE_MAX_BATCH)))})
    if optimizer == "adam" and rule == "sqrt":
        for name in ("batch-beta1", "batch-beta2"):
            gap = kappa * (1 - v[name])
            if gap >= 1:
                notes.append({"level": "warning", "text": (
                    "The square-root rule of Malladi et al. (2022) needs kappa x (1 - %s) "
                    "< 1; here it is %s, so the scaled %s would be %s. The betas are left "
                    "as typed; grow the batch less at once, or re-tune." % (
                        name[6:], format_sig(gap, 4), name[6:], format_sig(1 - gap, 4)))})
    if optimizer == "adam" and rule == "linear":
        notes.append({"level": "info", "text": (
            "For Adam-family optimizers Malladi et al. (2022) derive the square-root rule "
            "(with beta and eps adjusted), not the linear one.")})
    if optimizer == "sgd" and rule == "sqrt":
        notes.append({"level": "info", "text": (
            "For SGD at batch 8k, Goyal et al. (2017) report 26.22% top-1 error with the "
            "square-root rule against 23.74% with the linear rule (23.68% at batch 256).")})
    if kappa > 1 and v["batch-warmup"] == 0:
        notes.append({"level": "warning", "text": (
            "No warmup: Goyal et al. paired the linear rule with a gradual warmup over the "
            "first %d epochs; even a constant low-rate warmup followed by a jump did worse "
            "at large batches." % WARMUP_EPOCHS)})
    return notes


def _batch_code(v, lr, power, steps, adam):
    """PyTorch code: the scaled rate, the optimizer, and Goyal's gradual warmup."""
    lines = [
        "import torch",
        "",
        "# Effective batch = per-device batch x devices x accumulation steps.",
        "effective_batch = %d * %d * %d" % (v["batch-per-device"], v["batch-devices"],
                                            v["batch-accum"]),
        "base_lr, base_batch = %s, %d" % (py_repr(v["batch-lr"]), v["batch-ref"]),
        "lr = base_lr * (effective_batch / base_batch) ** %s  # %s rule" % (
            py_repr(power), v["batch-rule"]),
    ]
    if adam is None:
        lines.append("optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)")
    else:
        (beta1, beta2, eps), adjusted = adam
        if adjusted:
            lines.append("# betas and eps adjusted by Malladi et al.'s square-root rule.")
        lines += ["optimizer = torch.optim.AdamW(",
                  "    model.parameters(), lr=lr, betas=(%s, %s), eps=%s)" % (
                      py_repr(beta1), py_repr(beta2), py_repr(eps))]
    if lr > v["batch-lr"] and steps > 0:
        lines += [
            "# Gradual warmup (Goyal et al.): from base_lr up to lr, linearly, in %s epochs."
            % format_sig(v["batch-warmup"], 6),
            "# Step it after every update, then chain your decay schedule.",
            "warmup = torch.optim.lr_scheduler.LinearLR(",
            "    optimizer, start_factor=base_lr / lr, total_iters=%d)" % steps,
        ]
    return "\n".join(lines) + "\n"


def _adam_values(v, kappa):
    """Adam's (beta1, beta2, eps) at the new batch and whether they were adjusted: by the
    square-root rule while its condition holds (both betas stay above 0), as typed
    otherwise; None for SGD."""
    if v["batch-optimizer"] != "adam":
        return None
    typed = (v["batch-beta1"], v["batch-beta2"], v["batch-eps"])
    if v["batch-rule"] != "sqrt":
        return typed, False
    adjusted = adam_scaling(kappa, typed[0], typed[1], typed[2])
    if adjusted[0] <= 0 or adjusted[1] <= 0:
        return typed, False
    return adjusted, True


def _batch_summary(v, batch, kappa, lr, steps, adam):
    """The (label, text) pairs above the batch chart."""
    base = v["batch-lr"]
    out = [("Effective batch", "%s = %s x %s x %s" % (
               format_int(batch), format_int(v["batch-per-device"]),
               format_int(v["batch-devices"]), format_int(v["batch-accum"]))),
           ("Batch ratio kappa", format_sig(kappa, 6)),
           ("Scaled learning rate", format_lr(lr))]
    if adam is not None:
        (beta1, beta2, eps), adjusted = adam
        out.append(("Adam betas, eps (%s)" % ("adjusted" if adjusted else "as typed"),
                    "(%s, %s), %s" % (format_sig(beta1, 6), format_sig(beta2, 6),
                                      format_sig(eps, 6))))
    if lr <= base:
        out.append(("Warmup", "none needed: the rate does not grow"))
    elif steps == 0:
        out.append(("Warmup", "none (0 epochs)"))
    else:
        out.append(("Warmup", "%s updates (%s epochs of %s), %s up to %s" % (
            format_int(steps), format_sig(v["batch-warmup"], 6),
            format_int(updates_per_epoch(v["batch-dataset"], batch)), format_lr(base),
            format_lr(lr))))
    return out


def _batch_rows(v, batch, sizes, rules):
    """One table row per batch size: kappa, the rate under each rule, and what it is."""
    rows = []
    for b in sizes:
        row = [format_int(b), format_sig(b / v["batch-ref"], 6)]
        row += [format_lr(scaled_lr(v["batch-lr"], b, v["batch-ref"], p)) for _, p in rules]
        mark = []
        if b == batch:
            mark.append("your batch")
        if b == v["batch-ref"]:
            mark.append("reference")
        if b > LINEAR_RULE_MAX_BATCH:
            mark.append("past %s, where the linear rule broke down" % format_int(
                LINEAR_RULE_MAX_BATCH))
        row.append(", ".join(mark))
        rows.append(row)
    return rows


def batch_result(v):
    """The scaled rate, Adam's companions, the warmup in updates, a table and a chart of
    the rate against the batch size for each rule, notes and PyTorch code."""
    ref, base = v["batch-ref"], v["batch-lr"]
    batch = effective_batch(v["batch-per-device"], v["batch-devices"], v["batch-accum"])
    power = rule_exponent(v["batch-rule"], v.get("batch-exponent"))
    kappa = batch / ref
    lr = scaled_lr(base, batch, ref, power)
    steps = warmup_steps(v["batch-warmup"], v["batch-dataset"], batch)
    adam = _adam_values(v, kappa)
    rules = list(RULE_EXPONENTS)
    if v["batch-rule"] == "custom":
        rules.append(("custom", power))
    sizes = batch_ladder(ref, batch)
    columns = ["Batch", "kappa"] + ["LR, %s" % name for name, _ in rules] + ["Note"]
    curves = [_curve(name, "%s rule" % name, sizes,
                     [scaled_lr(base, b, ref, p) for b in sizes], i)
              for i, (name, p) in enumerate(rules)]
    chart = _chart("effective batch size", "learning rate", curves, True, [
        {"x": batch, "y": lr, "label": "your batch: %s" % format_lr(lr)}])
    out = _result(_batch_summary(v, batch, kappa, lr, steps, adam), columns,
                  _batch_rows(v, batch, sizes, rules), chart,
                  _batch_code(v, lr, power, steps, adam), _batch_notes(v, batch, kappa))
    out.update({"batch": batch, "lr": lr, "warmup_steps": steps, "adam": adam})
    return out


def layers_result(v):
    """The per-group table (name, exponent, multiplier, rate), a chart, and PyTorch code."""
    lr = v["layers-lr"]
    if v["layers-mode"] == "llrd":
        table = llrd_table(lr, v["layers-blocks"], v["layers-decay"], v["layers-scheme"])
        code = param_groups_code("llrd", lr, table, v["layers-decay"])
        power_label = "decay ** exponent"
    else:
        table = ulmfit_table(lr, v["layers-groups"], v["layers-factor"])
        code = param_groups_code("ulmfit", lr, table, v["layers-factor"])
        power_label = "1 / factor ** exponent"
    rows = [[format_int(i), r["name"], format_int(r["exponent"]), format_sig(r["scale"], 6),
             format_lr(r["lr"])] for i, r in enumerate(table)]
    curves = [_curve("layers", "learning rate per group", list(range(len(table))),
                     [r["lr"] for r in table], 0)]
    marked = sorted(set([0, max(0, len(table) - 2), len(table) - 1]))
    chart = _chart("parameter group (0 = bottom)", "learning rate", curves, False,
                   [{"x": i, "y": table[i]["lr"], "label": "%s: %s" % (
                       table[i]["name"], format_lr(table[i]["lr"]))} for i in marked])
    summary = [("Groups", format_int(len(table))),
               ("Top (head)", format_lr(table[-1]["lr"])),
               ("Bottom (%s)" % table[0]["name"], format_lr(table[0]["lr"])),
               ("Bottom / top", format_sig(table[0]["scale"], 6))]
    out = _result(summary, ["Group", "Name", "Exponent", power_label, "Learning rate"], rows,
                  chart, code, [])
    out["table"] = table
    return out


# --- URL fragment --------------------------------------------------------------------------


def fragment_of(raw):
    """The URL fragment (without '#') holding every input that differs from its default."""
    parts = []
    for f in ALL_FIELDS:
        text = raw.get(f.key, f.default)
        if text != f.default:
            parts.append("%s=%s" % (f.key, quote(text)))
    return "&".join(parts)


def read_fragment(fragment):
    """Raw inputs from a URL fragment: (raw, problems).

    raw starts from the defaults and takes every known key, as typed (the page then shows
    any message next to the field); problems names the parts that were ignored.
    """
    raw = defaults()
    problems = []
    for key, value, err in fragment_parts(fragment):
        if key not in raw:
            problems.append("The link's %s was ignored: this page has no such input." % (
                '"%s"' % key[:30]))
        elif err is not None:
            problems.append("The link's %s was ignored: %s." % (key, err.allowed))
        else:
            raw[key] = value
    return raw, problems
