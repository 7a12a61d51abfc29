"""Optimizers and toy problems for the Learn pages' figures, in plain Python.

Every update rule here follows ``torch.optim`` (PyTorch 2.x, single-tensor code path)
update for update: ``Sgd`` (with momentum, dampening, Nesterov and coupled weight decay),
``Adagrad``, ``Rmsprop`` (with momentum and the centred variant) and ``Adam``;
tests/test_optim.py runs the same updates in torch, float64, and compares. ``SgdHd`` and
``AdamHd`` are the hypergradient rules of Baydin et al., "Online Learning Rate Adaptation
with Hypergradient Descent" (ICLR 2018): the rate itself takes a gradient step before each
update. The live range test (``pycore.rangetest``) trains with ``Sgd`` and ``Adam`` from
here, so each rule has one implementation.

The problems are functions of two parameters (one for the 1-D quadratic) with their
gradient and Hessian: a 1-D quadratic, an ill-conditioned 2-D quadratic, Rosenbrock's
banana and a saddle with two minima. On a quadratic of largest curvature L, plain gradient
descent converges for every rate below 2/L and diverges above it (``threshold``).

A run (``run``) takes n steps and records the path, the loss before each step and after
the last, the rate of each step and the update each step made, so a page can draw the
path, the loss curve and the effective step per parameter (|update| / |gradient|). A run
stops early, and says where, once the loss is no longer finite or a parameter leaves
+-``ESCAPE``: past that the picture has nothing more to show.
"""
import json
import math

from .dataio import parse_number, sentence
from .errors import SpecError
from .links import form_fragment, read_form_fragment
from .numfmt import format_int, format_lr, format_sig

ADAM_BETAS = (0.9, 0.999)  # torch.optim.Adam's defaults
ADAM_EPS = 1e-8
ESCAPE = 1e6  # a parameter beyond +-ESCAPE counts as diverged
MAX_STEPS = 2000  # longest run a figure may ask for
MAX_SCHEDULE_STEPS = 50000  # longest explorer schedule the optimizers figure evaluates
# (about half a second in the browser, once, when the schedule is chosen)


# --- optimizers (torch.optim) -------------------------------------------------------------


class Sgd:
    """``torch.optim.SGD``: L2 weight decay added to the gradient, then the momentum
    buffer (a copy of the first gradient, then ``momentum * buf + (1 - dampening) * g``),
    optionally Nesterov's look-ahead, then ``p -= lr * step``."""

    def __init__(self, size, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        self.momentum = momentum
        self.dampening = dampening
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        self.buf = None
        self.size = size

    def step(self, params, grad, lr):
        """Update params in place with rate lr."""
        g = _decayed(params, grad, self.weight_decay)
        if self.momentum != 0.0:
            if self.buf is None:
                self.buf = list(g)
            else:
                m, keep = self.momentum, 1.0 - self.dampening
                self.buf = [m * b + keep * gi for b, gi in zip(self.buf, g)]
            if self.nesterov:
                g = [gi + self.momentum * b for gi, b in zip(g, self.buf)]
            else:
                g = self.buf
        for i in range(self.size):
            params[i] -= lr * g[i]


def _decayed(params, grad, weight_decay):
    """The gradient plus weight_decay * params (torch's coupled L2 decay)."""
    if weight_decay == 0.0:
        return grad
    return [g + weight_decay * p for g, p in zip(grad, params)]


class Adagrad:
    """``torch.optim.Adagrad`` (lr_decay 0): the running sum of squared gradients, then
    ``p -= lr * g / (sqrt(sum) + eps)``: each parameter's step shrinks as its gradients
    add up."""

    def __init__(self, size, eps=1e-10, initial_accumulator_value=0.0, weight_decay=0.0):
        self.eps = eps
        self.weight_decay = weight_decay
        self.sum = [initial_accumulator_value] * size

    def step(self, params, grad, lr):
        """Update params in place with rate lr."""
        g = _decayed(params, grad, self.weight_decay)
        for i in range(len(params)):
            self.sum[i] = self.sum[i] + g[i] * g[i]
            params[i] = params[i] + (-lr) * g[i] / (math.sqrt(self.sum[i]) + self.eps)


class Rmsprop:
    """``torch.optim.RMSprop``: a moving average of squared gradients (weight alpha),
    optionally centred by the moving average of the gradients, then the gradient divided
    by its root (plus eps), through a momentum buffer when momentum is set."""

    def __init__(self, size, alpha=0.99, eps=1e-8, momentum=0.0, centered=False,
                 weight_decay=0.0):
        self.alpha = alpha
        self.eps = eps
        self.momentum = momentum
        self.centered = centered
        self.weight_decay = weight_decay
        self.square_avg = [0.0] * size
        self.grad_avg = [0.0] * size
        self.buf = [0.0] * size

    def step(self, params, grad, lr):
        """Update params in place with rate lr."""
        g = _decayed(params, grad, self.weight_decay)
        a = self.alpha
        for i in range(len(params)):
            sq = self.square_avg[i] * a + (1.0 - a) * g[i] * g[i]
            self.square_avg[i] = sq
            if self.centered:
                ga = self.grad_avg[i] + (1.0 - a) * (g[i] - self.grad_avg[i])
                self.grad_avg[i] = ga
                avg = math.sqrt(sq + (-1.0) * ga * ga) + self.eps
            else:
                avg = math.sqrt(sq) + self.eps
            if self.momentum > 0.0:
                self.buf[i] = self.buf[i] * self.momentum + g[i] / avg
                params[i] = params[i] + (-lr) * self.buf[i]
            else:
                params[i] = params[i] + (-lr) * g[i] / avg


class Adam:
    """``torch.optim.Adam`` (amsgrad off): coupled L2 decay, the first moment moved
    towards the gradient (torch's lerp), the second moment, both bias-corrected, then
    ``p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)``."""

    def __init__(self, size, betas=ADAM_BETAS, eps=ADAM_EPS, weight_decay=0.0):
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.m = [0.0] * size
        self.v = [0.0] * size
        self.t = 0

    def step(self, params, grad, lr):
        """Update params in place with rate lr."""
        self.t += 1
        b1, b2, wd = self.beta1, self.beta2, self.weight_decay
        step_size = lr / (1.0 - b1 ** self.t)
        root2 = (1.0 - b2 ** self.t) ** 0.5
        m, v = self.m, self.v
        for i in range(len(params)):
            g = grad[i] + wd * params[i] if wd != 0.0 else grad[i]
            m[i] = m[i] + (1.0 - b1) * (g - m[i])
            v[i] = v[i] * b2 + (1.0 - b2) * g * g
            params[i] -= step_size * (m[i] / (math.sqrt(v[i]) / root2 + self.eps))

    def direction(self):
        """The bias-corrected m_hat / (sqrt(v_hat) + eps) of the last step (zeros before
        the first): the update per unit of rate, which Adam-HD needs."""
        if self.t == 0:
            return [0.0] * len(self.m)
        c1 = 1.0 - self.beta1 ** self.t
        c2 = 1.0 - self.beta2 ** self.t
        return [(m / c1) / (math.sqrt(v / c2) + self.eps) for m, v in zip(self.m, self.v)]


# --- hypergradient descent (Baydin et al. 2018) -------------------------------------------


def _dot(a, b):
    """The dot product of two vectors."""
    total = 0.0
    for x, y in zip(a, b):
        total += x * y
    return total


class SgdHd:
    """SGD-HD: before each step the rate moves by ``beta * (g_t . g_{t-1})`` (up while
    successive gradients agree, down once they point against each other), then
    ``p -= lr * g_t``. ``lr`` holds the current rate."""

    def __init__(self, size, lr, hypergrad_lr):
        self.lr = lr
        self.hypergrad_lr = hypergrad_lr
        self.previous = [0.0] * size

    def step(self, params, grad):
        """Adapt the rate, then update params in place with it."""
        self.lr = self.lr + self.hypergrad_lr * _dot(grad, self.previous)
        for i in range(len(params)):
            params[i] -= self.lr * grad[i]
        self.previous = list(grad)


class AdamHd:
    """Adam-HD in the paper's form: before each step the rate moves by ``beta * g_t .
    u_{t-1}``, u the previous step's m_hat / (sqrt(v_hat) + eps) (nothing on the first
    step), then Adam's update at that rate. ``lr`` holds the current rate."""

    def __init__(self, size, lr, hypergrad_lr, betas=ADAM_BETAS, eps=ADAM_EPS):
        self.lr = lr
        self.hypergrad_lr = hypergrad_lr
        self.adam = Adam(size, betas, eps)

    def step(self, params, grad):
        """Adapt the rate, then update params in place with it."""
        self.lr = self.lr + self.hypergrad_lr * _dot(grad, self.adam.direction())
        self.adam.step(params, grad, self.lr)


# --- toy problems ---------------------------------------------------------------------------


class Problem:
    """A loss of one or two parameters with its gradient and Hessian, a starting point,
    its minimum (loss 0 there) and the box a figure shows (x0, x1, y0, y1)."""

    def __init__(self, key, label, loss, grad, hessian, start, minimum, box):
        self.key = key
        self.label = label
        self.loss = loss
        self.grad = grad
        self.hessian = hessian
        self.start = start
        self.minimum = minimum
        self.box = box

    def curvature(self):
        """L: the largest eigenvalue of the Hessian at the minimum."""
        h = self.hessian(self.minimum)
        if len(h) == 1:
            return h[0][0]
        a, b, d = h[0][0], h[0][1], h[1][1]
        return 0.5 * (a + d) + math.sqrt(0.25 * (a - d) * (a - d) + b * b)


QUAD_A, QUAD_B = 1.0, 10.0  # the 2-D quadratic's curvatures: condition number 10


def _quadratic(key, label, start, box):
    """0.5 * x^2 in 1-D, or 0.5 * (QUAD_A x^2 + QUAD_B y^2) in 2-D."""
    if len(start) == 1:
        return Problem(key, label, lambda p: 0.5 * p[0] * p[0], lambda p: [p[0]],
                       lambda p: [[1.0]], start, [0.0], box)
    return Problem(key, label,
                   lambda p: 0.5 * (QUAD_A * p[0] * p[0] + QUAD_B * p[1] * p[1]),
                   lambda p: [QUAD_A * p[0], QUAD_B * p[1]],
                   lambda p: [[QUAD_A, 0.0], [0.0, QUAD_B]], start, [0.0, 0.0], box)


def _rosenbrock():
    """(1 - x)^2 + 100 (y - x^2)^2: a curved valley, minimum at (1, 1)."""
    def loss(p):
        x, y = p
        return (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x)

    def grad(p):
        x, y = p
        return [-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)]

    def hessian(p):
        x, y = p
        return [[2.0 - 400.0 * (y - 3.0 * x * x), -400.0 * x], [-400.0 * x, 200.0]]

    return Problem("rosenbrock", "Rosenbrock's valley", loss, grad, hessian,
                   [-1.2, 1.0], [1.0, 1.0], (-2.0, 2.0, -1.0, 3.0))


def _saddle():
    """x^2 / 2 + (y^2 - 1)^2 / 4: a saddle at the origin between minima at (0, +-1)."""
    def loss(p):
        x, y = p
        return 0.5 * x * x + 0.25 * (y * y - 1.0) * (y * y - 1.0)

    def grad(p):
        x, y = p
        return [x, y * (y * y - 1.0)]

    def hessian(p):
        return [[1.0, 0.0], [0.0, 3.0 * p[1] * p[1] - 1.0]]

    return Problem("saddle", "A saddle between two minima", loss, grad, hessian,
                   [-2.0, 0.001], [0.0, 1.0], (-2.5, 2.5, -1.75, 1.75))


PROBLEMS = (
    _quadratic("quadratic1d", "1-D quadratic: x\u00b2/2", [4.0], (-6.0, 6.0, 0.0, 18.0)),
    _quadratic("quadratic2d", "2-D ill-conditioned quadratic: (x\u00b2 + 10y\u00b2)/2",
               [-4.5, 1.5], (-5.0, 5.0, -2.5, 2.5)),
    _rosenbrock(),
    _saddle(),
)
PROBLEM_KEYS = tuple(p.key for p in PROBLEMS)


def problem(key):
    """The problem named key, or SpecError."""
    for p in PROBLEMS:
        if p.key == key:
            return p
    raise SpecError("problem", key, "one of " + ", ".join(PROBLEM_KEYS))


def threshold(prob):
    """2/L: plain gradient descent on a quadratic of largest curvature L converges for
    every rate below it and diverges above (near a non-quadratic minimum it is the same
    bound for the last stretch)."""
    return 2.0 / prob.curvature()


# --- runs -------------------------------------------------------------------------------


def _steps(n):
    """n as a run length, or SpecError."""
    if type(n) is not int or n < 1 or n > MAX_STEPS:
        raise SpecError("n", n, "a whole number of steps from 1 to %s" % format_int(MAX_STEPS))
    return n


class Run:
    """What n steps did: ``path`` (n+1 points), ``losses`` (n+1), ``lrs`` (the rate of
    each step), ``updates`` and ``grads`` (per step, per parameter), and ``diverged``
    (None, or the step after which the run stopped)."""

    def __init__(self, start, loss):
        self.path = [list(start)]
        self.losses = [loss]
        self.lrs, self.updates, self.grads = [], [], []
        self.diverged = None

    def record(self, params, grad, lr, loss):
        """Append one step; False (and ``diverged`` set) once the run has escaped."""
        before = self.path[-1]
        self.lrs.append(lr)
        self.grads.append(list(grad))
        self.updates.append([a - b for a, b in zip(params, before)])
        self.path.append(list(params))
        self.losses.append(loss)
        if not math.isfinite(loss) or max(abs(v) for v in params) > ESCAPE:
            self.diverged = len(self.lrs)
            return False
        return True


def _trace(prob, n, take_step):
    """Run take_step(params, grad, i) -> rate, n times from the problem's start."""
    _steps(n)
    params = list(prob.start)
    out = Run(params, prob.loss(params))
    for i in range(n):
        grad = prob.grad(params)
        lr = take_step(params, grad, i)
        if not out.record(params, grad, lr, prob.loss(params)):
            break
    return out


def run(prob, optimizer, lrs):
    """Train on prob with ``optimizer`` at rate lrs[i] on step i (len(lrs) steps)."""
    def take_step(params, grad, i):
        optimizer.step(params, grad, lrs[i])
        return lrs[i]
    return _trace(prob, len(lrs), take_step)


def run_hypergradient(prob, optimizer, n):
    """Train on prob for n steps with an optimizer that sets its own rate (SgdHd, AdamHd)."""
    def take_step(params, grad, i):
        optimizer.step(params, grad)
        return optimizer.lr
    return _trace(prob, n, take_step)


def effective_steps(result, axis):
    """|update| / |gradient| of parameter ``axis`` at every step: the rate an optimizer
    actually applied to that parameter (None where the gradient is 0)."""
    out = []
    for u, g in zip(result.updates, result.grads):
        out.append(abs(u[axis]) / abs(g[axis]) if g[axis] != 0.0 else None)
    return out


# --- the optimizers figure ----------------------------------------------------------------


OPTIMIZERS = (
    ("sgd", "SGD"), ("momentum", "Momentum 0.9"), ("nesterov", "Nesterov 0.9"),
    ("adagrad", "AdaGrad"), ("rmsprop", "RMSProp"), ("adam", "Adam"))
OPTIMIZER_KEYS = tuple(k for k, _ in OPTIMIZERS)
# A rate per problem and optimizer that makes progress in FIGURE_STEPS steps.
DEFAULT_LRS = {
    "quadratic2d": {"sgd": 0.15, "momentum": 0.02, "nesterov": 0.05, "adagrad": 1.0,
                    "rmsprop": 0.05, "adam": 0.3},
    "rosenbrock": {"sgd": 0.002, "momentum": 0.001, "nesterov": 0.001, "adagrad": 1.0,
                   "rmsprop": 0.05, "adam": 0.3},
    "saddle": {"sgd": 0.3, "momentum": 0.1, "nesterov": 0.1, "adagrad": 0.5,
               "rmsprop": 0.05, "adam": 0.1},
}
FIGURE_PROBLEMS = ("quadratic2d", "rosenbrock", "saddle")
FIGURE_STEPS = 300


def make_optimizer(key, size):
    """A fresh optimizer of the figure by key, with torch's defaults otherwise."""
    if key == "sgd":
        return Sgd(size)
    if key == "momentum":
        return Sgd(size, momentum=0.9)
    if key == "nesterov":
        return Sgd(size, momentum=0.9, nesterov=True)
    if key == "adagrad":
        return Adagrad(size)
    if key == "rmsprop":
        return Rmsprop(size)
    if key == "adam":
        return Adam(size)
    raise SpecError("optimizer", key, "one of " + ", ".join(OPTIMIZER_KEYS))


def read_lr(text, field):
    """A rate typed by a user: a number above 0, or SpecError naming the field."""
    value = parse_number(text, field)
    if not value > 0.0 or not math.isfinite(value):
        raise SpecError(field, text, "enter a learning rate above 0")
    return value


def schedule_factors(lrs, n):
    """The explorer schedule ``lrs`` (one rate per scheduler step) squeezed or stretched
    onto n figure steps: step i takes the rate of scheduler step floor(i * len / n),
    divided by the schedule's peak, so 1.0 is each optimizer's own rate."""
    peak = max(lrs) if lrs else 0.0
    if not peak > 0.0 or not math.isfinite(peak):
        raise SpecError("schedule", peak, "a schedule whose largest rate is above 0")
    total = len(lrs)
    return [lrs[i * total // n] / peak for i in range(n)]


def race(prob, lrs, factors, shown=OPTIMIZER_KEYS):
    """The optimizers of OPTIMIZERS named in ``shown`` on prob: {key: Run}, optimizer k
    at rate lrs[k] times factors[i] on step i."""
    out = {}
    for key in OPTIMIZER_KEYS:
        if key in shown:
            rates = [lrs[key] * f for f in factors]
            out[key] = run(prob, make_optimizer(key, len(prob.start)), rates)
    return out


# --- figure payloads (JSON for site/assets/figures.js and lrchart.js) ---------------------


GRID = (72, 48)  # cells of a 2-D surface's shading (columns, rows)
LEVELS = 12  # shades of the surface, each a factor LEVEL_RATIO of loss apart
LEVEL_RATIO = 3.0


def _level(loss, top):
    """The shade of a loss: 0 for the top band (losses near ``top``), down to LEVELS-1
    near the minimum, a factor LEVEL_RATIO per band."""
    if not loss > 0.0:
        return LEVELS - 1
    k = int(math.floor(math.log(top / loss) / math.log(LEVEL_RATIO)))
    return max(0, min(LEVELS - 1, k))


_SURFACES = {}  # problem key -> its surface, computed once: every redraw reuses it


def surface(prob):
    """The picture behind the paths (computed once per problem, as the slider redraws
    often): a shaded grid of loss bands for a 2-D problem, the loss curve for a 1-D one."""
    if prob.key not in _SURFACES:
        _SURFACES[prob.key] = _surface(prob)
    return _SURFACES[prob.key]


def _surface(prob):
    """The surface of ``surface``, computed."""
    x0, x1, y0, y1 = prob.box
    if len(prob.start) == 1:
        xs = [x0 + (x1 - x0) * i / 120 for i in range(121)]
        return {"kind": "curve", "box": list(prob.box), "x": xs,
                "y": [prob.loss([x]) for x in xs]}
    nx, ny = GRID
    values = []
    for j in range(ny):
        y = y1 - (y1 - y0) * (j + 0.5) / ny
        for i in range(nx):
            values.append(prob.loss([x0 + (x1 - x0) * (i + 0.5) / nx, y]))
    top = max(values)
    return {"kind": "surface", "box": list(prob.box), "nx": nx, "ny": ny,
            "levels": [_level(v, top) for v in values], "minimum": list(prob.minimum)}


def _point(prob, p):
    """A path point as drawn: (x, y), or (x, loss) on a 1-D problem's curve."""
    if len(p) == 1:
        return [p[0], prob.loss(p)]
    return [p[0], p[1]]


def paths_json(prob, runs):
    """figures.js payload: the surface and one path per (label, colour, Run)."""
    payload = dict(surface(prob))
    payload["paths"] = [{"label": label, "color": color,
                         "points": [_point(prob, p) for p in r.path
                                    if all(math.isfinite(v) for v in p)]}
                        for label, color, r in runs]
    return json.dumps(payload)


LOG_DECADES = 12  # a log chart spans at most this many decades below its largest value


def _positive(values, floor):
    """Values for a log chart: those not above floor (zero, negative, or too small to
    matter at this scale) and non-finite ones become gaps."""
    return [v if v is not None and math.isfinite(v) and v > floor else None for v in values]


def curves_json(runs, ylabel, which="losses", xlabel="Step", log=True):
    """lrchart v2 payload: one curve per (key, label, colour, values) against the step:
    losses are counted from step 0 (before any update), per-step values from step 1.
    On a log chart, values more than LOG_DECADES decades below the largest are left out:
    a loss at 1e-30 has converged for any purpose, and the chart stays readable."""
    finite = [v for _, _, _, values in runs for v in values
              if v is not None and math.isfinite(v) and v > 0.0]
    floor = max(finite) * 10.0 ** -LOG_DECADES if log and finite else 0.0
    curves = []
    for key, label, color, values in runs:
        start = 0 if which == "losses" else 1
        curves.append({"key": key, "label": label, "color": color,
                       "x": list(range(start, start + len(values))),
                       "y": _positive(values, floor) if log else values})
    return json.dumps({"version": 2, "xlabel": xlabel, "ylabel": ylabel, "log": log,
                       "curves": curves})


# --- what the figures say -----------------------------------------------------------------


def outcome(result):
    """One sentence on how a run ended: blew up, diverging, converged, still descending,
    or neither (the loss back where it started, as at exactly 2/L)."""
    if result.diverged is not None:
        return "Diverged: the loss blew up after %s steps." % format_int(result.diverged)
    first, last = result.losses[0], result.losses[-1]
    if last > first:
        verdict = "Diverging"
    elif last < 1e-6 * first:
        verdict = "Converged"
    elif last < first:
        verdict = "Still descending"
    else:
        verdict = "Not converging"
    return "%s: after %s steps the loss is %s (from %s)." % (
        verdict, format_int(len(result.lrs)), format_sig(last, 3), format_sig(first, 3))


# --- the learning-rate slider (log scale) -------------------------------------------------


SLIDER_MIN, SLIDER_MAX, SLIDER_STEPS_PER_DECADE = -3, 1, 100  # 1e-3 .. 10


def slider_lr(position):
    """The rate at an integer slider position: 10^(SLIDER_MIN + position / 100), rounded
    to three significant digits so the number shown is the number used."""
    exponent = SLIDER_MIN + position / SLIDER_STEPS_PER_DECADE
    return float(format_sig(10.0 ** exponent, 3))


def slider_positions():
    """The number of positions of the slider (its max attribute)."""
    return (SLIDER_MAX - SLIDER_MIN) * SLIDER_STEPS_PER_DECADE


def slider_fraction(lr):
    """Where a rate sits along the slider, 0 (left) to 1 (right)."""
    exponent = math.log10(lr)
    return (exponent - SLIDER_MIN) / (SLIDER_MAX - SLIDER_MIN)


def slider_position(lr):
    """The nearest integer slider position of a rate."""
    return int(round(slider_fraction(lr) * slider_positions()))


def gd_run(prob, lr, n):
    """Plain gradient descent at a constant rate (the first figure)."""
    return run(prob, Sgd(len(prob.start)), [lr] * n)


def threshold_text(prob):
    """'2/L = 0.2 (L = 10)' for the slider's mark."""
    return "2/L = %s (L = %s)" % (format_lr(threshold(prob)), format_sig(prob.curvature()))


# --- the "effect of the learning rate" figure ---------------------------------------------


# The four classic regimes as multiples of 2/L on the 2-D quadratic with noisy gradients.
REGIMES = (("very_high", "Very high", 1.1), ("high", "High", 0.8),
           ("good", "Good", 0.25), ("low", "Low", 0.02))
REGIME_STEPS = 300
MAX_NOISE = 10.0


def expected_losses(lr, n, noise):
    """The expected loss of SGD at rate lr on the 2-D quadratic when every gradient
    carries independent noise of standard deviation ``noise`` per parameter (as a
    mini-batch gradient does), before each of n steps and after the last.

    Per coordinate of curvature a, the mean shrinks by (1 - lr a) each step and the
    variance becomes (1 - lr a)^2 var + lr^2 noise^2, so the curve is exact, with no
    sampling: it falls while the mean dominates, then levels off where the noise keeps
    the parameters, at about lr noise^2 / (2 (2 - lr a)) per coordinate."""
    prob = problem("quadratic2d")
    curv = (QUAD_A, QUAD_B)
    mean, var = list(prob.start), [0.0, 0.0]
    out = []
    for t in range(n + 1):
        out.append(0.5 * sum(a * (m * m + v) for a, m, v in zip(curv, mean, var)))
        if t == n or not math.isfinite(out[-1]) or out[-1] > ESCAPE:
            break
        for i in range(2):
            shrink = 1.0 - lr * curv[i]
            mean[i] = shrink * mean[i]
            var[i] = shrink * shrink * var[i] + lr * lr * noise * noise
    return out


def regimes(noise):
    """The four regimes on the noisy 2-D quadratic: [(key, label, lr, expected losses)]."""
    limit = threshold(problem("quadratic2d"))
    out = []
    for key, label, share in REGIMES:
        lr = float(format_sig(share * limit, 3))
        out.append((key, label, lr, expected_losses(lr, REGIME_STEPS, noise)))
    return out


def read_noise(text):
    """The gradient noise typed into the regimes figure: 0 to MAX_NOISE, or SpecError."""
    value = parse_number(text, "noise")
    if not value >= 0.0 or value > MAX_NOISE:
        raise SpecError("noise", text, "enter a number from 0 to %s" % format_sig(MAX_NOISE))
    return value


# --- the hypergradient figure -------------------------------------------------------------


HD_DEFAULTS = {"problem": "quadratic2d", "lr": "0.001", "beta_sgd": "1e-4",
               "beta_adam": "1e-3"}
HD_KEYS = ("problem", "lr", "beta_sgd", "beta_adam")  # the form's order (dicts may differ)
HD_STEPS = 200
HD_RUNS = (("sgd", "SGD, fixed rate", 0), ("sgd_hd", "SGD-HD", 1),
           ("adam", "Adam, fixed rate", 2), ("adam_hd", "Adam-HD", 3))


def read_beta(text, field):
    """A hyper-learning rate typed by a user: 0 (no adaptation) to 1, or SpecError."""
    value = parse_number(text, field)
    if not value >= 0.0 or value > 1.0:
        raise SpecError(field, text, "enter a number from 0 to 1")
    return value


def hypergradient_runs(prob, lr, beta_sgd, beta_adam, n=HD_STEPS):
    """SGD and Adam at the fixed rate lr next to SGD-HD and Adam-HD starting from it:
    {key of HD_RUNS: Run}."""
    size = len(prob.start)
    return {"sgd": run(prob, Sgd(size), [lr] * n),
            "sgd_hd": run_hypergradient(prob, SgdHd(size, lr, beta_sgd), n),
            "adam": run(prob, Adam(size), [lr] * n),
            "adam_hd": run_hypergradient(prob, AdamHd(size, lr, beta_adam), n)}


# --- what each page shows -----------------------------------------------------------------


DESCENT_PROBLEMS = ("quadratic1d", "quadratic2d")
DESCENT_STEPS = 60
DESCENT_START_LR = 0.15


# "What the learning rate does" keeps its controls in the link: the descent figure's
# problem and rate (the slider's rate, as a number), and the regimes figure's noise.
LESSON_KEYS = ("problem", "lr", "noise")
LESSON_DEFAULTS = {"problem": "quadratic2d", "lr": format_sig(DESCENT_START_LR, 3),
                   "noise": "1"}


def lesson_fragment_of(problem, position, noise):
    """The page's URL fragment (without '#') for a problem, a slider position and the
    noise as typed."""
    return form_fragment({"problem": problem, "lr": format_sig(slider_lr(position), 3),
                          "noise": noise}, LESSON_KEYS)


def lesson_read_fragment(fragment):
    """(problem, slider position, noise text) from a URL fragment. A problem that is not
    listed, or a rate that cannot be read or lies off the slider, gives the figure's
    start; the noise is kept as given, for regimes_view to check like typed text."""
    raw = read_form_fragment(fragment, LESSON_DEFAULTS)
    problem = raw["problem"] if raw["problem"] in DESCENT_PROBLEMS else "quadratic2d"
    position = slider_position(DESCENT_START_LR)
    try:
        lr = parse_number(raw["lr"], "lr")
    except SpecError:
        lr = None
    if lr is not None and slider_lr(0) <= lr <= slider_lr(slider_positions()):
        position = slider_position(lr)
    return problem, position, raw["noise"]


def descent_view(key, position):
    """The first figure at a slider position: gradient descent on problem ``key``.

    Returns {lr, lr_text, diverges, mark (where 2/L sits on the slider, 0 to 1),
    mark_text, paths, chart (JSON), outcome, steps}."""
    if key not in DESCENT_PROBLEMS:
        raise SpecError("problem", key, "choose one of the listed problems")
    prob = problem(key)
    if type(position) is not int or not 0 <= position <= slider_positions():
        raise SpecError("position", position, "a slider position from 0 to %s" %
                        format_int(slider_positions()))
    lr = slider_lr(position)
    result = gd_run(prob, lr, DESCENT_STEPS)
    return {"lr": lr, "lr_text": format_lr(lr), "diverges": lr > threshold(prob),
            "mark": slider_fraction(threshold(prob)), "mark_text": threshold_text(prob),
            "paths": paths_json(prob, [("GD", 0, result)]),
            "chart": curves_json([("loss", "Loss", 0, result.losses)], "Loss"),
            "outcome": outcome(result), "steps": len(result.lrs)}


def regimes_view(noise_text):
    """The second figure: its chart and legend [(label, colour)], or SpecError."""
    noise = read_noise(noise_text)
    rows = regimes(noise)
    legend = [("%s LR %s" % (label, format_lr(lr)), i)
              for i, (key, label, lr, losses) in enumerate(rows)]
    chart = curves_json([(key, label, i, losses)
                         for i, (key, label, lr, losses) in enumerate(rows)],
                        "Expected loss")
    return {"chart": chart, "legend": legend}


AXES = ("0", "1")  # the effective-step chart follows parameter x or y


def race_view(key, lr_texts, shown, factors, axis_text):
    """The optimizers figure: each shown optimizer on problem ``key`` at the rate typed in
    lr_texts[k], times factors[i] on step i (None: a constant rate), the effective step
    of parameter ``axis_text`` ("0" for x, "1" for y).

    Returns (view, errors): errors maps "problem", "axis" or "lr.<optimizer>" to a
    message; view holds the path payload, the loss and effective-step charts and one
    outcome per optimizer."""
    errors, lrs = {}, {}
    if key not in FIGURE_PROBLEMS:
        errors["problem"] = "Choose one of the listed problems."
    if axis_text not in AXES:
        errors["axis"] = "Choose parameter x or y."
    for name in OPTIMIZER_KEYS:
        try:
            lrs[name] = read_lr(lr_texts[name], "lr." + name)
        except SpecError as err:
            errors["lr." + name] = sentence(err.allowed) + "."
    if errors:
        return None, errors
    prob, axis = problem(key), int(axis_text)
    if factors is None:
        factors = [1.0] * FIGURE_STEPS
    labels = dict(OPTIMIZERS)
    raced = race(prob, lrs, factors, shown)
    runs = [(name, i, raced[name]) for i, name in enumerate(OPTIMIZER_KEYS) if name in raced]
    view = {
        "paths": paths_json(prob, [(labels[n], i, r) for n, i, r in runs]),
        "loss": curves_json([(n, labels[n], i, r.losses) for n, i, r in runs], "Loss"),
        "effective": curves_json([(n, labels[n], i, effective_steps(r, axis))
                                  for n, i, r in runs],
                                 "|update| / |gradient| of " + "xy"[axis], which="steps"),
        "outcomes": dict((n, "Hidden.") for n in OPTIMIZER_KEYS),
        "steps": FIGURE_STEPS,
    }
    for name, i, result in runs:
        view["outcomes"][name] = outcome(result)
    return view, {}


def default_lr_texts(key):
    """The rate of each optimizer as the figure first shows it on problem ``key``."""
    return dict((name, format_lr(DEFAULT_LRS[key][name])) for name in OPTIMIZER_KEYS)


# The optimizers figure keeps its controls in the link: the problem, the chart's axis, the
# schedule choice, which optimizers are shown (comma-separated) and each one's rate.
RACE_KEYS = ("problem", "axis", "schedule", "show") + OPTIMIZER_KEYS
RACE_CHOICES = {"axis": ("0", "1"), "schedule": ("none", "explorer")}


def race_fragment_of(problem, texts, shown, axis, schedule):
    """The optimizers figure's URL fragment (without '#'): the rates as typed."""
    raw = dict(texts, problem=problem, axis=axis, schedule=schedule,
               show=",".join(k for k in OPTIMIZER_KEYS if k in shown))
    return form_fragment(raw, RACE_KEYS)


def race_read_fragment(fragment):
    """(problem, rate texts, shown set, axis, schedule) from a URL fragment. A problem,
    axis or schedule that is not one of the choices gives the figure's first one; rates
    the link does not give are the problem's defaults, and the ones it gives are kept as
    given, for race_view to check like typed text."""
    defaults = dict(problem=FIGURE_PROBLEMS[0], axis="0", schedule="none",
                    show=",".join(OPTIMIZER_KEYS))
    for key in OPTIMIZER_KEYS:
        defaults[key] = None
    raw = read_form_fragment(fragment, defaults)
    problem = raw["problem"] if raw["problem"] in FIGURE_PROBLEMS else FIGURE_PROBLEMS[0]
    texts = default_lr_texts(problem)
    for key in OPTIMIZER_KEYS:
        if raw[key] is not None:
            texts[key] = raw[key]
    shown = set(raw["show"].split(",")) & set(OPTIMIZER_KEYS)
    choice = dict((key, raw[key] if raw[key] in allowed else allowed[0])
                  for key, allowed in RACE_CHOICES.items())
    return problem, texts, shown, choice["axis"], choice["schedule"]


def rate_summary(result):
    """How a run ended and where its rate went: lowest, highest and last."""
    return "%s Rate: lowest %s, highest %s, last %s." % (
        outcome(result), format_lr(min(result.lrs)), format_lr(max(result.lrs)),
        format_lr(result.lrs[-1]))


def hd_fragment_of(raw):
    """The hypergradient figure's URL fragment (without '#'): every input as typed."""
    return form_fragment(raw, HD_KEYS)


def hd_read_fragment(fragment):
    """The hypergradient form from a URL fragment (links.read_form_fragment);
    ``hypergradient_view`` then checks it like typed text."""
    return read_form_fragment(fragment, HD_DEFAULTS)


HD_FIELDS = (("lr", "lr", read_lr), ("beta_sgd", "beta_sgd", read_beta),
             ("beta_adam", "beta_adam", read_beta))


def hypergradient_view(raw):
    """The hypergradient figure from the form as typed (keys of HD_DEFAULTS).

    Returns (view, errors): errors maps a field to its message; view holds the path
    payload, the rate and loss charts and a sentence per run."""
    values, errors = {}, {}
    for key, field, reader in HD_FIELDS:
        try:
            values[key] = reader(raw[key], field)
        except SpecError as err:
            errors[key] = sentence(err.allowed) + "."
    if raw["problem"] not in PROBLEM_KEYS:
        errors["problem"] = "Choose one of the listed problems."
    if errors:
        return None, errors
    prob = problem(raw["problem"])
    runs = hypergradient_runs(prob, values["lr"], values["beta_sgd"], values["beta_adam"])
    rows = [(key, label, color, runs[key]) for key, label, color in HD_RUNS]
    view = {
        "paths": paths_json(prob, [(label, color, r) for key, label, color, r in rows]),
        "rates": curves_json([(key, label, color, r.lrs) for key, label, color, r in rows],
                             "Learning rate", which="lrs"),
        "loss": curves_json([(key, label, color, r.losses)
                             for key, label, color, r in rows], "Loss"),
        "outcomes": dict((key, rate_summary(r)) for key, label, color, r in rows),
        "steps": HD_STEPS,
    }
    return view, {}
