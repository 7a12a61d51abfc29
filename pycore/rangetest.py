"""A live LR range test on a toy problem, in plain Python, advanced in chunks.

The problem is small enough to train in a browser tab: a two-class data set in the plane
drawn from a seeded generator, and either logistic regression or a two-layer network (one
tanh or ReLU hidden layer of a few units) trained with the mean binary cross-entropy of
its logit. The optimizers are ``pycore.optim``'s ``Sgd`` and ``Adam``, which follow
``torch.optim.SGD`` and ``torch.optim.Adam`` update for update (tests/test_rangetest.py runs
the same problem in torch, float64, and compares).

A range test (``RangeTest``) follows the tools' recipe: at iteration i it sets the rate
to the i-th rung of the tool's ladder (``lrfinder.lr_ladder``), measures the loss of the
next mini-batch *before* the update, takes the optimizer step, records the rate and the
loss smoothed as the chosen tool smooths it (``lrfinder.smooth``), and stops once that
recorded loss exceeds a factor times the best one before it (4 in fastai and Lightning,
5 in torch-lr-finder) or is no longer finite. ``advance(k, examples)`` runs at most k
iterations and at most that many training examples, so a page can draw the curve as it
grows and stay responsive between chunks, however wide the batch.

The data set uses only + - * / and sqrt (exact in IEEE arithmetic), so both runtimes
generate the same points bit for bit; the losses go through exp, log and tanh, whose last
bit may differ between CPython's and MicroPython's libm.
"""
import json
import math

from . import analyzer, lrfinder
from .dataio import parse_number, sentence
from .errors import SpecError
from .lcg import Lcg
from .links import fragment_parts, quote as _quote
from .numfmt import format_int, format_lr, format_sig
from .optim import Adam, Sgd

MAX_SIZE = 20000  # data points generated
MAX_HIDDEN = 64  # hidden units of the two-layer network
MAX_ITERATIONS = 5000  # rungs of the sweep

_CIRCLE_R2 = 1.44  # squared radius splitting the square [-1.5, 1.5]^2 about in half


# --- generated data -----------------------------------------------------------------------


def make_data(kind, size, noise, seed):
    """``size`` points ``[x1, x2]`` and their labels (0.0 or 1.0), in random order.

    ``"blobs"``: two round clouds centred at (-1, -0.5) and (1, 0.5), spread ``noise``;
    logistic regression can separate them. ``"circle"``: points of the square
    [-1.5, 1.5]^2 labelled 1 inside the circle of radius 1.2, then moved by ``noise``
    times a normal step; a straight line cannot separate them, a hidden layer can.
    """
    rng = Lcg(seed)
    xs, ys = [], []
    for _ in range(size):
        if kind == "blobs":
            label = float(rng.bits() >> 63)
            sign = 2.0 * label - 1.0
            point = [sign + noise * rng.normal(), 0.5 * sign + noise * rng.normal()]
        else:
            a, b = rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5)
            label = 1.0 if a * a + b * b < _CIRCLE_R2 else 0.0
            point = [a + noise * rng.normal(), b + noise * rng.normal()]
        xs.append(point)
        ys.append(label)
    return xs, ys


# --- the model ------------------------------------------------------------------------------


class Model:
    """Logistic regression (``hidden == 0``) or a two-layer network on 2 inputs.

    The parameters are one flat list, in the order torch's ``nn.Sequential(Linear(2, h),
    act, Linear(h, 1))`` lists them (first weight row by row, first bias, second weight,
    second bias), initialised as ``nn.Linear`` does: uniform in +-1/sqrt(fan_in).
    """

    def __init__(self, hidden, activation, rng):
        self.hidden = hidden
        self.activation = activation
        self.params = []
        if hidden == 0:
            self._init_linear(2, 1, rng)
        else:
            self._init_linear(2, hidden, rng)
            self._init_linear(hidden, 1, rng)

    def _init_linear(self, fan_in, fan_out, rng):
        """Append one Linear layer's weights and biases, drawn as nn.Linear draws them."""
        bound = 1.0 / math.sqrt(fan_in)
        for _ in range(fan_out * fan_in + fan_out):
            self.params.append(rng.uniform(-bound, bound))

    def loss_and_grad(self, xs, ys):
        """The mean binary cross-entropy with logits over a batch, and its gradient."""
        grad = [0.0] * len(self.params)
        total = self.add_examples(xs, ys, grad)
        n = len(xs)
        for i in range(len(grad)):
            grad[i] /= n
        return total / n, grad

    def add_examples(self, xs, ys, grad, total=0.0):
        """``total`` plus the losses of some examples; their gradients are added into grad.

        A batch can be fed in pieces (a page trains a wide batch across several browser
        frames): the sums, taken in the same order, come out bit for bit the same.
        """
        one = self._logistic if self.hidden == 0 else self._two_layer
        for x, y in zip(xs, ys):
            total += one(x, y, grad)
        return total

    def _logistic(self, x, y, grad):
        """One example's loss; adds its gradient into grad."""
        p = self.params
        z = p[0] * x[0] + p[1] * x[1] + p[2]
        dz = sigmoid(z) - y
        grad[0] += dz * x[0]
        grad[1] += dz * x[1]
        grad[2] += dz
        return bce_with_logits(z, y)

    def _two_layer(self, x, y, grad):
        """One example's loss through the hidden layer; adds its gradient into grad."""
        p, h = self.params, self.hidden
        w2 = 3 * h  # offset of the second layer's weights
        hs = []
        z = p[w2 + h]
        for j in range(h):
            a = p[2 * j] * x[0] + p[2 * j + 1] * x[1] + p[2 * h + j]
            out = self._act(a)
            hs.append(out)
            z += p[w2 + j] * out
        dz = sigmoid(z) - y
        for j in range(h):
            out = hs[j]
            grad[w2 + j] += dz * out
            da = dz * p[w2 + j] * self._slope(out)
            grad[2 * j] += da * x[0]
            grad[2 * j + 1] += da * x[1]
            grad[2 * h + j] += da
        grad[w2 + h] += dz
        return bce_with_logits(z, y)

    def _act(self, a):
        """The hidden activation (ReLU keeps NaN, as torch.relu does)."""
        if self.activation == "tanh":
            return math.tanh(a)
        return 0.0 if a <= 0.0 else a

    def _slope(self, out):
        """The activation's derivative, from its output (ReLU's is 0 at 0, as in torch)."""
        if self.activation == "tanh":
            return 1.0 - out * out
        return 1.0 if out > 0.0 else 0.0


def sigmoid(z):
    """1 / (1 + e^-z) without overflow for any z."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def bce_with_logits(z, y):
    """Binary cross-entropy of label y for logit z: max(z, 0) - z*y + log(1 + e^-|z|),
    the overflow-free form of ``torch.nn.BCEWithLogitsLoss`` (NaN stays NaN)."""
    return (z if z > 0.0 else 0.0) - z * y + math.log(1.0 + math.exp(-abs(z)))


# --- the range test -------------------------------------------------------------------------

DEFAULT_SPEC = {
    "model": "mlp", "hidden": 8, "activation": "tanh",
    "data": "blobs", "size": 512, "noise": 0.8, "seed": 1, "batch": 32,
    "optimizer": "sgd", "momentum": 0.9, "weight_decay": 0.0,
    "start": 1e-4, "end": 100.0, "iterations": 200, "mode": "exponential",
    "tool": "fastai", "smoothing": "fastai", "diverge": 4.0,
}


def make_optimizer(spec, size):
    """The spec's optimizer for ``size`` parameters."""
    if spec["optimizer"] == "adam":
        return Adam(size, weight_decay=spec["weight_decay"])
    return Sgd(size, momentum=spec["momentum"], weight_decay=spec["weight_decay"])


class RangeTest:
    """One range test, run a chunk at a time.

    Attributes a page reads while it runs: ``lrs`` and ``losses`` (the recorded log: rate
    and smoothed loss per iteration so far), ``raw_losses`` (the batch losses before
    smoothing), ``planned`` (every rate of the sweep), ``stopped`` (None while running,
    else the reason it ended, as a sentence), ``stop_index`` (the point that triggered a
    stop, else None) and ``cancelled``.
    """

    def __init__(self, spec):
        self.spec = spec
        rng = Lcg(spec["seed"])
        self.xs, self.ys = make_data(spec["data"], spec["size"], spec["noise"],
                                     rng.bits())
        hidden = 0 if spec["model"] == "logistic" else spec["hidden"]
        self.model = Model(hidden, spec["activation"], rng)
        self.optimizer = make_optimizer(spec, len(self.model.params))
        self.planned = lrfinder.lr_ladder(spec["start"], spec["end"], spec["iterations"],
                                          spec["mode"], spec["tool"])
        self.lrs, self.losses, self.raw_losses = [], [], []
        self.stopped = None
        self.stop_index = None
        self.cancelled = False
        self._best = None  # the lowest recorded loss so far
        self._cursor = 0
        self._batch = None  # the iteration under way: [xs, ys, examples done, loss, grad]

    def _next_batch(self):
        """The next mini-batch, cycling through the data in its (random) order."""
        size, batch = len(self.xs), self.spec["batch"]
        start = self._cursor
        end = start + batch
        if end <= size:
            xs, ys = self.xs[start:end], self.ys[start:end]
        else:
            end -= size
            xs, ys = self.xs[start:] + self.xs[:end], self.ys[start:] + self.ys[:end]
        self._cursor = end % size
        return xs, ys

    def _work(self, budget):
        """Feed up to ``budget`` examples (None: the rest of the batch) of the iteration
        under way; once its batch is done, take the optimizer step at the rung's rate and
        append the loss measured before it. Returns the examples used."""
        if self._batch is None:
            xs, ys = self._next_batch()
            self._batch = [xs, ys, 0, 0.0, [0.0] * len(self.model.params)]
        xs, ys, done, total, grad = self._batch
        stop = len(xs) if budget is None else min(len(xs), done + budget)
        total = self.model.add_examples(xs[done:stop], ys[done:stop], grad, total)
        if stop < len(xs):
            self._batch[2], self._batch[3] = stop, total
            return stop - done
        n = len(xs)
        for i in range(len(grad)):
            grad[i] /= n
        self.optimizer.step(self.model.params, grad, self.planned[len(self.raw_losses)])
        self.raw_losses.append(total / n)
        self._batch = None
        return stop - done

    def advance(self, k, examples=None):
        """Run up to k more iterations, and, when ``examples`` is given, stop once that
        many examples have been processed in this call (an iteration may then stay half
        done until the next call). True once the test has ended."""
        if self.stopped is not None:
            return True
        first = len(self.raw_losses)
        budget = examples
        while (len(self.raw_losses) - first < k and len(self.raw_losses) < len(self.planned)
               and (budget is None or budget > 0)):
            used = self._work(budget)
            if budget is not None:
                budget -= used
        if len(self.raw_losses) == first:
            return False
        recorded = self._smoothed()
        for i in range(first, len(recorded)):
            why = self._stop_reason(recorded, i)
            if why is not None:
                self._record(recorded, i + 1)
                self.stop_index = i
                self.stopped = why
                return True
        self._record(recorded, len(recorded))
        if len(recorded) == len(self.planned):
            self.stopped = "Completed all %s iterations without diverging." % format_int(
                len(self.planned))
            return True
        return False

    def _smoothed(self):
        """The raw losses as the chosen tool records them."""
        method = self.spec["smoothing"]
        if method == "none":
            return list(self.raw_losses)
        return lrfinder.smooth(self.raw_losses, method)

    def _record(self, recorded, n):
        """Keep the first n points of the log (the later ones came after a stop)."""
        self.losses = recorded[:n]
        self.raw_losses = self.raw_losses[:n]
        self.lrs = self.planned[:n]

    def _stop_reason(self, recorded, i):
        """Why the test stops after recording point i, or None to go on; called once per
        point, in order, as it keeps the best loss so far."""
        value = recorded[i]
        if not math.isfinite(value):
            return "Stopped at iteration %s: the loss became %s." % (
                format_int(i + 1), format_sig(value))
        best, factor = self._best, self.spec["diverge"]
        if best is None or value < best:
            self._best = value
        if factor is None or best is None:
            return None
        if value > factor * best:
            return ("Stopped at iteration %s (LR %s): the loss %s passed %s times the "
                    "best loss %s." % (format_int(i + 1), format_lr(self.planned[i]),
                                       format_sig(value, 4), format_sig(factor),
                                       format_sig(best, 4)))
        return None

    def cancel(self):
        """End the test now, keeping what was recorded."""
        if self.stopped is None:
            self.cancelled = True
            self.stopped = "Cancelled after %s of %s iterations." % (
                format_int(len(self.losses)), format_int(len(self.planned)))

    def progress(self):
        """The fraction of the planned sweep done (1.0 once it has ended)."""
        if self.stopped is not None:
            return 1.0
        return len(self.losses) / len(self.planned)


# --- the page's form ------------------------------------------------------------------------


class Field:
    """One input of the page: key, label, kind ("choice" or "number"), choices as
    (value, label) pairs, the default as typed, and the help line shown under it."""

    def __init__(self, key, label, kind, default, help, choices=()):
        self.key = key
        self.label = label
        self.kind = kind
        self.default = default
        self.help = help
        self.choices = choices


FIELDS = (
    Field("model", "Model", "choice", "mlp", "What is trained on the data.",
          (("mlp", "Two-layer network"), ("logistic", "Logistic regression"))),
    Field("hidden", "Hidden units", "number", "8",
          "Width of the hidden layer (two-layer network only), 1 to 64."),
    Field("activation", "Activation", "choice", "tanh",
          "Non-linearity of the hidden layer (two-layer network only).",
          (("tanh", "tanh"), ("relu", "ReLU"))),
    Field("data", "Data set", "choice", "blobs",
          "Two classes of points in the plane.",
          (("blobs", "Two overlapping blobs"),
           ("circle", "Inside or outside a circle (needs the hidden layer)"))),
    Field("size", "Data points", "number", "512", "How many points to generate, 10 to 20,000."),
    Field("noise", "Noise", "number", "0.8",
          "Standard deviation of the jitter added to each coordinate, 0 to 5."),
    Field("seed", "Seed", "number", "1",
          "Seeds the data and the initial weights: the same seed gives the same run."),
    Field("batch", "Batch size", "number", "32",
          "Points per iteration, 1 to the number of points; batches cycle through the data."),
    Field("optimizer", "Optimizer", "choice", "sgd",
          "Updates as torch.optim.SGD or torch.optim.Adam (betas 0.9, 0.999; eps 1e-8).",
          (("sgd", "SGD with momentum"), ("adam", "Adam"))),
    Field("momentum", "Momentum", "number", "0.9", "SGD's momentum, 0 to 0.999 (0 for plain SGD)."),
    Field("weight_decay", "Weight decay", "number", "0",
          "L2 penalty added to the gradient, as torch's weight_decay, 0 to 1."),
    Field("start", "Start LR", "number", "1e-4", "The first learning rate of the sweep."),
    Field("end", "End LR", "number", "100", "The last learning rate; above the start LR."),
    Field("iterations", "Iterations", "number", "200",
          "Optimizer steps in the sweep, 2 to 5,000."),
    Field("mode", "Step mode", "choice", "exponential",
          "Exponential spaces the rates evenly on a log scale; linear spaces them evenly.",
          (("exponential", "Exponential"), ("linear", "Linear"))),
    Field("tool", "Ladder of", "choice", "fastai",
          "Whose LR sequence to sweep: fastai stops one rung short of the end LR, "
          "torch-lr-finder ends on it, Lightning skips its second rung, ignite's linear "
          "sweep stops one step short. Choosing a tool also sets its smoothing and stop "
          "factor.",
          (("fastai", "fastai"), ("torch_lr_finder", "torch-lr-finder"),
           ("lightning", "Lightning"), ("ignite", "ignite"))),
    Field("smoothing", "Smoothing", "choice", "fastai",
          "How the recorded loss is smoothed, as each tool does while recording.",
          (("fastai", "fastai: debiased average, beta 0.98"),
           ("torch_lr_finder", "torch-lr-finder: running average, factor 0.05"),
           ("lightning", "Lightning: debiased average, beta 0.98, offset 2"),
           ("none", "None: the batch loss itself"))),
    Field("diverge", "Stop factor", "number", "4",
          "Stop once the recorded loss exceeds this many times the best so far (fastai and "
          "Lightning use 4, torch-lr-finder 5); empty never stops early."),
)
FIELD_KEYS = tuple(f.key for f in FIELDS)
GROUPS = (("Problem", ("model", "hidden", "activation", "data", "size", "noise", "seed",
                       "batch")),
          ("Optimizer", ("optimizer", "momentum", "weight_decay")),
          ("Sweep", ("start", "end", "iterations", "mode", "tool", "smoothing", "diverge")))
_CHOICE_VALUES = dict((f.key, tuple(c[0] for c in f.choices)) for f in FIELDS
                      if f.kind == "choice")


# What each tool records with: its smoother and its divergence factor (ignite uses
# torch-lr-finder's).
TOOL_RECORDING = {"fastai": ("fastai", "4"), "torch_lr_finder": ("torch_lr_finder", "5"),
                  "lightning": ("lightning", "4"), "ignite": ("torch_lr_finder", "5")}


def defaults():
    """The raw form (every input's text) of a fresh page."""
    return dict((f.key, f.default) for f in FIELDS)


def with_tool(raw, tool):
    """The raw form after choosing ``tool``: its smoothing and stop factor come along."""
    out = dict(raw)
    out["tool"] = tool
    if tool in TOOL_RECORDING:
        out["smoothing"], out["diverge"] = TOOL_RECORDING[tool]
    return out


def _whole(raw, key, lo, hi):
    """A whole number typed into ``key``, from lo to hi, or SpecError."""
    value = parse_number(raw[key], key)
    if value != math.floor(value) or value < lo or value > hi:
        raise SpecError(key, raw[key], "enter a whole number from %s to %s" % (
            format_int(lo), format_int(hi)))
    return int(value)


def _between(raw, key, lo, hi):
    """A number typed into ``key``, from lo to hi, or SpecError."""
    value = parse_number(raw[key], key)
    if value < lo or value > hi:
        raise SpecError(key, raw[key], "enter a number from %s to %s" % (
            format_sig(lo), format_sig(hi)))
    return value


def _read_field(raw, key, spec):
    """The value of one field (reading ``batch`` needs ``size`` read first)."""
    if key in _CHOICE_VALUES:
        if raw[key] not in _CHOICE_VALUES[key]:
            raise SpecError(key, raw[key], "choose one of the listed options")
        return raw[key]
    if key in ("hidden", "size", "seed", "iterations"):
        limits = {"hidden": (1, MAX_HIDDEN), "size": (10, MAX_SIZE),
                  "seed": (0, 4294967295), "iterations": (2, MAX_ITERATIONS)}[key]
        return _whole(raw, key, limits[0], limits[1])
    if key == "batch":
        return _whole(raw, key, 1, spec.get("size", MAX_SIZE))
    if key in ("start", "end"):
        value = parse_number(raw[key], key)
        if value <= 0.0:
            raise SpecError(key, raw[key], "enter a learning rate above 0")
        return value
    if key == "diverge":
        if raw[key].strip() == "":
            return None
        value = parse_number(raw[key], key)
        if value <= 1.0:
            raise SpecError(key, raw[key], "enter a factor above 1, or leave it empty")
        return value
    limits = {"noise": (0.0, 5.0), "momentum": (0.0, 0.999), "weight_decay": (0.0, 1.0)}[key]
    return _between(raw, key, limits[0], limits[1])


def read(raw):
    """The spec of a raw form, and a message per field that cannot be used.

    Returns ``(spec, errors)``; ``spec`` is None whenever ``errors`` is not empty.
    """
    spec, errors = {}, {}
    for key in FIELD_KEYS:
        try:
            spec[key] = _read_field(raw, key, spec)
        except SpecError as err:
            errors[key] = sentence(err.allowed) + "."
    if "start" in spec and "end" in spec and spec["end"] <= spec["start"]:
        errors["end"] = "Enter an end LR above the start LR (%s)." % format_lr(spec["start"])
    if not errors:
        try:
            lrfinder.lr_ladder(spec["start"], spec["end"], spec["iterations"], spec["mode"],
                               spec["tool"])
        except SpecError as err:
            errors["mode"] = sentence(err.allowed) + "."
    return (None if errors else spec), errors


def fragment_of(raw):
    """The URL fragment (without '#') holding every input as typed."""
    return "&".join("%s=%s" % (key, _quote(raw[key])) for key in FIELD_KEYS)


def read_fragment(fragment):
    """The raw form from a URL fragment, and what in it could not be used.

    Unknown keys are ignored and values are cut to 40 characters; everything else is
    checked by ``read`` like typed text.
    """
    raw, problems = defaults(), []
    for key, text, err in fragment_parts(fragment):
        if key not in raw:
            continue
        if err is None:
            raw[key] = text[:40]
        else:
            problems.append("The link's %s was not used: %s." % (key, err.allowed))
    return raw, problems


# --- what the page shows --------------------------------------------------------------------


def progress_text(test):
    """One line on where the run is: iteration, rate and recorded loss."""
    n = len(test.losses)
    if n == 0:
        return "Starting…"
    return "Iteration %s of %s: LR %s, loss %s" % (
        format_int(n), format_int(len(test.planned)), format_lr(test.lrs[-1]),
        format_sig(test.losses[-1], 4))


def _finite_or_none(values):
    """Values for the chart: non-finite ones become gaps (JSON has no NaN)."""
    return [v if math.isfinite(v) else None for v in values]


def chart_json(test, marks=()):
    """The chart payload (see site/assets/lrchart.js): the recorded loss against the
    rate, the x axis logarithmic for an exponential sweep, and one labelled point per
    suggestion in ``marks`` ((lr, loss, label) triples). While the test runs, the x axis
    spans the whole planned sweep, so it stays put as the curve grows."""
    payload = {
        "version": 2, "xlabel": "Learning rate", "ylabel": "Recorded loss", "log": False,
        "xlog": test.spec["mode"] == "exponential",
        "curves": [{"key": "recorded", "label": "Recorded loss", "x": test.lrs,
                    "y": _finite_or_none(test.losses), "color": 0}],
        "points": [{"x": lr, "y": loss, "label": label} for lr, loss, label in marks
                   if math.isfinite(loss)],
    }
    if test.stopped is None and test.planned:
        payload["xrange"] = [min(test.planned), max(test.planned)]
    return json.dumps(payload)


def _options(method, test):
    """Options for one rule: fastai trims by the *requested* iteration count."""
    if method.startswith("fastai."):
        return {"skip_start": len(test.planned) // 10}
    return {}


def suggestions(test):
    """Every rule of ``lrfinder`` on the recorded log: table rows and chart marks.

    Returns {"rows": [{method, label, lr, lr_text, index_text, why}], "marks": [(lr,
    loss, label)]}, the index counted from 0 as lrfinder's reasons count points; a rule
    that cannot answer on this log says why in ``why``.
    """
    rows, marks = [], []
    for method in lrfinder.METHODS:
        label = analyzer.LABELS[method]
        row = {"method": method, "label": label, "lr": None, "lr_text": "-",
               "index_text": "-"}
        try:
            found = lrfinder.suggestion(test.lrs, test.losses, method,
                                        **_options(method, test))
        except SpecError as err:
            row["why"] = sentence(err.allowed) + "."
            rows.append(row)
            continue
        at = found["index"]
        row.update({"lr": found["lr"], "lr_text": format_lr(found["lr"]),
                    "index_text": format_int(at), "why": sentence(found["reason"]) + "."})
        rows.append(row)
        marks.append((test.lrs[at], test.losses[at], label))
    return {"rows": rows, "marks": marks}


def analyzer_fragment(test):
    """The analyzer page's URL fragment (without '#') holding the recorded log, taken as
    already smoothed; None when the log is too long for a link. A last point whose loss is
    not finite (the one that stopped the run) is left out: a pasted log has finite
    numbers only."""
    kept = [(lr, loss) for lr, loss in zip(test.lrs, test.losses) if math.isfinite(loss)]
    fragment = analyzer.fragment_for_log([p[0] for p in kept], [p[1] for p in kept],
                                         raw=False)
    return fragment if "log=" in fragment else None
