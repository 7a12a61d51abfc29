"""Keras 3 schedules (``keras.optimizers.schedules``), evaluated in float64.

Keras evaluates a schedule at the optimizer's ``iterations`` (update k uses f(k)); the
schedules are stateless functions of the step, so ``at`` is the closed form and ``series``
evaluates it at 0..n-1. Each formula follows Keras's own operation order, so the values are
those of Keras computing in float64 throughout (``keras.config.set_floatx("float64")``, with
the dtype promotion of Keras's TensorFlow backend); that includes the cycle index of
CosineDecayRestarts, which Keras takes as the floor of a ratio of logarithms and which can
land one cycle early at an exact restart step. Keras's default float32 rounds the values
to about 1e-7 relative.

Step counts (decay_steps, ...) are floats, as Keras accepts them. The ``name`` argument
of every Keras constructor is left out of the spec: it only labels the operation.
"""
import math

from .codegen import call, changed
from .errors import SpecError
from .params import Param
from .schedules import Schedule

FRAMEWORK = "keras"
DOC = "https://keras.io/api/optimizers/learning_rate_schedules/"
NAME_NOTE = "The name argument is left out: it only labels the operation."
LAST_STEP = 2.0 ** 53  # the largest step pycore evaluates (pycore.spec.MAX_STEP)
MIN_STEPS = 5.0105e-293  # smaller step counts make LAST_STEP / count overflow to inf


def _initial(positive):
    """Keras's ``initial_learning_rate``; zero only where a warmup can rise from it."""
    return Param("initial_learning_rate", "float", lo=0.0, lo_open=positive,
                 help="The learning rate at step 0.")


def _check_steps(p, name):
    """Refuse a step count so small that step / count overflows (Keras: 0, inf or NaN)."""
    if p[name] < MIN_STEPS:
        raise SpecError("params." + name, p[name],
                        "must be at least %s (smaller ones make step / %s overflow)" % (
                            MIN_STEPS, name))


def _cosine(fraction):
    """Keras's half-cosine factor 0.5 * (1 + cos(pi * fraction)), in its operation order."""
    return 0.5 * (1.0 + math.cos(math.pi * fraction))


class _KerasDecay(Schedule):
    """What Keras's ExponentialDecay and InverseTimeDecay share: p = step / decay_steps."""

    def __init__(self, p, lr=None):
        Schedule.__init__(self, p, lr)
        self.lr0 = p["initial_learning_rate"]
        self.steps = p["decay_steps"]
        self.rate = p["decay_rate"]
        self.staircase = p["staircase"]

    @staticmethod
    def check(p, lr):
        _check_steps(p, "decay_steps")

    def progress(self, t):
        """Keras's p: steps over decay_steps, floored with staircase."""
        p = t / self.steps
        return math.floor(p) if self.staircase else p

    def progresses(self, n):
        """p for the steps 0..n-1."""
        steps = self.steps
        if self.staircase:
            floor = math.floor
            return [floor(t / steps) for t in range(n)]
        return [t / steps for t in range(n)]


class ExponentialDecay(_KerasDecay):
    """Keras ``ExponentialDecay``: lr0 * decay_rate ** p, p = step / decay_steps.

    A decay_rate above 1 grows without bound; far out the value overflows to inf, as it
    does in Keras (CPython raises OverflowError there, MicroPython returns inf).
    """

    name = "ExponentialDecay"
    summary = "lr0 * decay_rate ** (step / decay_steps), optionally in whole periods."
    doc = DOC + "exponential_decay/"
    notes = NAME_NOTE
    params = (
        _initial(True),
        Param("decay_steps", "float", lo=0.0, lo_open=True,
              help="Steps over which the LR is multiplied by decay_rate once."),
        Param("decay_rate", "float", lo=0.0, lo_open=True,
              help="Factor applied every decay_steps steps (below 1 decays)."),
        Param("staircase", "bool", False,
              help="Floor p, so the LR changes only every decay_steps steps."),
    )

    def at(self, t):
        try:
            return self.lr0 * self.rate ** self.progress(t)
        except OverflowError:  # a growing rate far out: float64 Keras gives inf
            return math.inf

    def series(self, n):
        lr0, rate = self.lr0, self.rate
        out = []
        try:
            for p in self.progresses(n):
                out.append(lr0 * rate ** p)
        except OverflowError:  # rate > 1 and p never falls: every later value is inf too
            out.extend([math.inf] * (n - len(out)))
        return out


class PiecewiseConstantDecay(Schedule):
    """Keras ``PiecewiseConstantDecay``: absolute values between step boundaries.

    values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <=
    boundaries[i], values[-1] after the last boundary: the LR changes at boundary + 1.
    """

    name = "PiecewiseConstantDecay"
    summary = "Fixed LR values between step boundaries; each change lands at boundary + 1."
    doc = DOC + "piecewise_constant_decay/"
    notes = (NAME_NOTE + " The values are floats: Keras would compute in integers if "
             "values[0] were a Python int, so pycore converts them and writes them as floats.")
    params = (
        Param("boundaries", "list", item="int", lo=0, order="increasing", min_len=1,
              help="Steps after which the next value applies (the change is at step b + 1)."),
        Param("values", "list", item="float", lo=0.0, min_len=2,
              help="The LR up to the first boundary, between boundaries, and after the last."),
    )

    def __init__(self, p, lr=None):
        Schedule.__init__(self, p, lr)
        self.boundaries = p["boundaries"]
        self.values = p["values"]

    @staticmethod
    def check(p, lr):
        if len(p["values"]) != len(p["boundaries"]) + 1:
            raise SpecError("params.values", p["values"],
                            "must have one more entry than boundaries (%d)" % (
                                len(p["boundaries"]) + 1))
        if max(p["values"]) == 0.0:
            raise SpecError("params.values", p["values"],
                            "must not all be 0 (the LR would be 0 throughout)")

    def at(self, t):
        bounds = self.boundaries
        lo, hi = 0, len(bounds)
        while lo < hi:  # the first boundary >= t
            mid = (lo + hi) // 2
            if bounds[mid] < t:
                lo = mid + 1
            else:
                hi = mid
        return self.values[lo]

    def series(self, n):
        out = []
        for b, v in zip(self.boundaries, self.values):
            out.extend([v] * (min(n, b + 1) - len(out)))
        out.extend([self.values[-1]] * (n - len(out)))
        return out


class PolynomialDecay(Schedule):
    """Keras ``PolynomialDecay``: (lr0 - end) * (1 - step / decay_steps) ** power + end.

    Without cycle the step is clamped at decay_steps, so the LR stays at end_learning_rate;
    with cycle the horizon becomes the first multiple of decay_steps at or past the step:
    the LR reaches end at each multiple and jumps back up at the next step.
    """

    name = "PolynomialDecay"
    summary = ("From lr0 to end_learning_rate along (1 - step / decay_steps) ** power; "
               "optionally restarting.")
    doc = DOC + "polynomial_decay/"
    notes = NAME_NOTE
    params = (
        _initial(False),
        Param("decay_steps", "float", lo=0.0, lo_open=True,
              help="Steps from initial_learning_rate to end_learning_rate."),
        Param("end_learning_rate", "float", 0.0001, lo=0.0,
              help="The LR at decay_steps (Keras's default is 1e-4, not 0); "
                   "above initial_learning_rate the schedule rises."),
        Param("power", "float", 1.0, lo=0.0, lo_open=True,
              help="Shape of the curve: 1 is a straight line, 2 falls fast then slowly."),
        Param("cycle", "bool", False,
              help="Restart after each decay_steps instead of staying at end_learning_rate."),
    )

    def __init__(self, p, lr=None):
        Schedule.__init__(self, p, lr)
        self.lr0 = p["initial_learning_rate"]
        self.steps = p["decay_steps"]
        self.end = p["end_learning_rate"]
        self.power = p["power"]
        self.cycle = p["cycle"]

    @staticmethod
    def check(p, lr):
        if p["initial_learning_rate"] == 0.0 and p["end_learning_rate"] == 0.0:
            raise SpecError("params.end_learning_rate", 0.0,
                            "must be > 0 when initial_learning_rate is 0 (the LR would "
                            "be 0 throughout)")
        steps = p["decay_steps"]
        if p["cycle"] and steps != math.floor(steps):
            # Keras's ceil(step / decay_steps) can then fall short by one, making
            # 1 - p a tiny negative number: NaN for a fractional power.
            raise SpecError("params.decay_steps", steps,
                            "must be a whole number when cycle is true")

    def at(self, t):
        steps = self.steps
        if self.cycle:
            steps = steps * (1.0 if t == 0 else math.ceil(t / steps))
        else:
            t = min(t, steps)
        return (self.lr0 - self.end) * (1 - t / steps) ** self.power + self.end


class InverseTimeDecay(_KerasDecay):
    """Keras ``InverseTimeDecay``: lr0 / (1 + decay_rate * p), p = step / decay_steps."""

    name = "InverseTimeDecay"
    summary = "lr0 / (1 + decay_rate * step / decay_steps), optionally in whole periods."
    doc = DOC + "inverse_time_decay/"
    notes = NAME_NOTE
    params = (
        _initial(True),
        Param("decay_steps", "float", lo=0.0, lo_open=True,
              help="Steps per unit of p; with staircase, how often the LR changes."),
        Param("decay_rate", "float", lo=0.0,
              help="How fast the LR falls: it halves when decay_rate * p reaches 1."),
        Param("staircase", "bool", False,
              help="Floor p, so the LR changes only every decay_steps steps."),
    )

    def at(self, t):
        return self.lr0 / (1.0 + self.rate * self.progress(t))

    def series(self, n):
        lr0, rate = self.lr0, self.rate
        return [lr0 / (1.0 + rate * p) for p in self.progresses(n)]


class CosineDecay(Schedule):
    """Keras ``CosineDecay``: an optional linear warmup, then half a cosine, then flat.

    Without warmup_target: from lr0 down to alpha * lr0 over decay_steps. With it: a
    straight line from lr0 up to warmup_target over warmup_steps, then the cosine from
    warmup_target down to alpha * warmup_target over decay_steps more (decay_steps does
    not include the warmup). Past the end the LR stays at the floor.
    """

    name = "CosineDecay"
    summary = ("Optional linear warmup to warmup_target, then half a cosine down to "
               "alpha times the peak over decay_steps.")
    doc = DOC + "cosine_decay/"
    notes = NAME_NOTE
    params = (
        _initial(False),
        Param("decay_steps", "float", lo=0.0, lo_open=True,
              help="Steps of the cosine, after the warmup."),
        Param("alpha", "float", 0.0, lo=0.0, hi=1.0,
              help="The final LR as a fraction of the peak (the cosine's start)."),
        Param("warmup_target", "float", lo=0.0, lo_open=True, nullable=True,
              help="The LR the warmup climbs to, where the cosine starts; null: no warmup."),
        Param("warmup_steps", "float", 0.0, lo=0.0,
              help="Steps of the linear warmup from initial_learning_rate to warmup_target."),
    )

    def __init__(self, p, lr=None):
        Schedule.__init__(self, p, lr)
        self.lr0 = p["initial_learning_rate"]
        self.steps = p["decay_steps"]
        self.alpha = p["alpha"]
        self.keep = 1 - p["alpha"]
        # Without warmup_target, warmup_steps is 0 (check) and the warmup form below gives
        # Keras's numbers: min(t, decay_steps + 0.0), never t < 0.0, and t - 0.0 == t.
        self.warmup = p["warmup_steps"]
        self.peak = self.lr0 if p["warmup_target"] is None else p["warmup_target"]
        self.end = self.steps + self.warmup

    @staticmethod
    def check(p, lr):
        target, warmup = p["warmup_target"], p["warmup_steps"]
        if target is None:
            if warmup > 0.0:
                raise SpecError("params.warmup_steps", warmup,
                                "must be 0 without warmup_target (there is no warmup)")
            if p["initial_learning_rate"] == 0.0:
                raise SpecError("params.initial_learning_rate", 0.0,
                                "must be > 0 without warmup_target (the LR would be 0 "
                                "throughout)")
            return
        if warmup == 0.0:
            raise SpecError("params.warmup_steps", warmup,
                            "must be > 0 when warmup_target is set (with 0 there is no "
                            "warmup and initial_learning_rate is ignored)")
        if target < p["initial_learning_rate"]:
            raise SpecError("params.warmup_target", target,
                            "must be >= initial_learning_rate (%s): the warmup climbs from "
                            "initial_learning_rate to warmup_target" % p["initial_learning_rate"])

    def at(self, t):
        t = min(t, self.end)
        if t < self.warmup:
            return (self.peak - self.lr0) * (t / self.warmup) + self.lr0
        return self.peak * (self.keep * _cosine((t - self.warmup) / self.steps) + self.alpha)

    def series(self, n):
        """``at`` over 0..n-1, phase by phase: warmup, cosine, then the floor."""
        lr0, peak, warmup, steps = self.lr0, self.peak, self.warmup, self.steps
        keep, alpha = self.keep, self.alpha
        ramp = min(n, math.ceil(warmup))  # the steps t < warmup
        last = n if self.end >= n else max(ramp, math.floor(self.end) + 1)  # t <= the end
        out = [(peak - lr0) * (t / warmup) + lr0 for t in range(ramp)]
        out += [peak * (keep * _cosine((t - warmup) / steps) + alpha)
                for t in range(ramp, last)]
        if last < n:
            out += [self.at(last)] * (n - last)
        return out


class CosineDecayRestarts(Schedule):
    """Keras ``CosineDecayRestarts`` (SGDR): cosine cycles that restart at the peak.

    The first cycle lasts first_decay_steps, each next one t_mul times longer; each peak
    is m_mul times the previous one above the constant floor alpha * lr0. The cycle index
    is the floor of log(1 + fraction * (t_mul - 1)) / log(t_mul), as in Keras, so at some
    exact restart steps (e.g. t_mul=3 after 121 first cycles' worth of steps) rounding puts
    the step at the end of the previous cycle: the LR is the floor instead of the peak.
    """

    name = "CosineDecayRestarts"
    summary = ("Cosine cycles from the peak down to alpha * lr0, each t_mul times longer "
               "and restarting m_mul times lower.")
    doc = DOC + "cosine_decay_restarts/"
    notes = NAME_NOTE
    params = (
        _initial(True),
        Param("first_decay_steps", "float", lo=0.0, lo_open=True,
              help="Steps of the first cycle."),
        Param("t_mul", "float", 2.0, lo=1.0,
              help="Each cycle is this many times longer than the one before (1: equal)."),
        Param("m_mul", "float", 1.0, lo=0.0, hi=1.0,
              help="Each restart's peak is this fraction of the previous one (above the floor)."),
        Param("alpha", "float", 0.0, lo=0.0, hi=1.0,
              help="The floor as a fraction of initial_learning_rate."),
    )

    def __init__(self, p, lr=None):
        Schedule.__init__(self, p, lr)
        self.lr0 = p["initial_learning_rate"]
        self.first = p["first_decay_steps"]
        self.t_mul = p["t_mul"]
        self.log_t_mul = math.log(p["t_mul"])
        self.m_mul = p["m_mul"]
        self.alpha = p["alpha"]
        self.keep = 1 - p["alpha"]

    @staticmethod
    def check(p, lr):
        _check_steps(p, "first_decay_steps")
        t_mul = p["t_mul"]
        if (1.0 - LAST_STEP / p["first_decay_steps"] * (1.0 - t_mul)) * t_mul == math.inf:
            raise SpecError("params.first_decay_steps", p["first_decay_steps"],
                            "is too small for t_mul=%s: the cycle lengths overflow before "
                            "step 2**53" % t_mul)

    def at(self, t):
        fraction = t / self.first
        t_mul = self.t_mul
        if t_mul == 1.0:
            i = math.floor(fraction)
            fraction -= i
        else:
            i = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / self.log_t_mul)
            grown = t_mul ** i
            fraction = (fraction - (1.0 - grown) / (1.0 - t_mul)) / grown
        cosine = 0.5 * self.m_mul ** i * (1.0 + math.cos(math.pi * fraction))
        return self.lr0 * (self.keep * cosine + self.alpha)


SCHEDULES = (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay,
             CosineDecay, CosineDecayRestarts)


def to_code(spec):
    """Keras code defining ``lr_schedule`` and an ``optimizer`` that uses it."""
    cls = dict((c.name, c) for c in SCHEDULES)[spec["name"]]
    schedule = call("keras.optimizers.schedules." + spec["name"],
                    changed(spec["params"], cls.params))
    return "\n".join([
        "import keras",
        "",
        "# pycore's values are float64; Keras computes in float32 unless",
        '# keras.config.set_floatx("float64") runs first.',
        "lr_schedule = " + schedule,
        "optimizer = keras.optimizers.SGD(learning_rate=lr_schedule)",
        "",
    ])
