"""Hugging Face transformers 5.23 schedules: the names ``transformers.get_scheduler`` accepts.

Every name but reduce_lr_on_plateau builds a ``torch.optim.lr_scheduler.LambdaLR`` over a
function of the step (``transformers/optimization.py``): update t uses the base LR times
factor(t), computed afresh at every step, so there is no recursion and no drift. LambdaLR
writes factor(0) at construction, and the Trainer calls ``scheduler.step()`` after each
optimizer step. ``factor`` below follows transformers' operation order, so the LRs equal
torch + transformers' in float64 bit for bit.

A spec's params are the arguments of the ``get_*`` function a name maps to, minus
``optimizer`` and ``last_epoch``, and only those ``get_scheduler`` passes on for that name.
``num_warmup_steps`` and ``num_training_steps`` are ``get_scheduler``'s own arguments; the
rest travel in its ``scheduler_specific_kwargs``. The spec's ``lr`` is the optimizer's lr:
pycore models one param group, so ``optimizer.defaults['lr']`` (which polynomial and the
``min_lr`` names read) is the same number.
"""
import math

from .codegen import call, changed, literal
from .errors import SpecError
from .numfmt import py_repr
from .params import Param
from .plateau import ReduceLROnPlateau
from .schedules import Schedule

FRAMEWORK = "transformers"
DOC = "https://huggingface.co/docs/transformers/main_classes/optimizer_schedules#transformers."
MAX_STEPS = 2 ** 53  # step counts beyond this are not exact in float64
MAX_CYCLES = 1e6  # keeps the cosine's angle finite for every step pycore evaluates
TOP_LEVEL = ("num_warmup_steps", "num_training_steps")  # get_scheduler's own arguments
ONE_GROUP = ("transformers divides by optimizer.defaults['lr']; pycore models one param "
             "group, whose lr that is.")

WARMUP = Param("num_warmup_steps", "int", lo=0, hi=MAX_STEPS,
               help="Updates over which the LR climbs linearly from 0 to the base LR.")
TRAINING = Param("num_training_steps", "int", lo=1, hi=MAX_STEPS,
                 help="Total updates, warmup included; the decay ends here.")
HALF_WAVES = Param("num_cycles", "float", 0.5, lo=0.0, lo_open=True, hi=MAX_CYCLES,
                   help="Cosine waves after warmup: 0.5 falls once to the floor, more "
                        "rise and fall again.")
MIN_LR = Param("min_lr", "float", lo=0.0, nullable=True,
               help="The floor of the cosine as an LR; give this or min_lr_rate.")
MIN_LR_RATE = Param("min_lr_rate", "float", lo=0.0, hi=1.0, nullable=True,
                    help="The floor of the cosine as a fraction of the base LR; give this "
                         "or min_lr.")


class _LambdaLR(Schedule):
    """A name transformers builds as LambdaLR: update t uses lr * factor(t)."""

    def factor(self, t):
        """transformers' lr_lambda: the multiple of the base LR that update t uses."""
        raise NotImplementedError

    def at(self, t):
        return self.lr * self.factor(t)

    def series(self, n):
        lr, factor = self.lr, self.factor
        return [lr * factor(t) for t in range(n)]


class _LinearWarmup(_LambdaLR):
    """Names whose first num_warmup_steps updates climb linearly from 0: t / max(1, W)."""

    def __init__(self, p, lr):
        _LambdaLR.__init__(self, p, lr)
        self.warmup = p["num_warmup_steps"]
        self.warmup_span = float(max(1, self.warmup))

    def factor(self, t):
        if t < self.warmup:
            return float(t) / self.warmup_span
        return self.after_warmup(t)

    def after_warmup(self, t):
        """The factor of update t >= num_warmup_steps."""
        raise NotImplementedError


class _Decay(_LinearWarmup):
    """Warmup, then a decay over the rest of num_training_steps."""

    def __init__(self, p, lr):
        _LinearWarmup.__init__(self, p, lr)
        self.total = p["num_training_steps"]
        self.decay_span = float(max(1, self.total - self.warmup))

    @staticmethod
    def check(p, lr):
        _check_decay_length(p)

    def progress(self, t):
        """How far update t is through the decay: 0 at the end of warmup, 1 at the end."""
        return float(t - self.warmup) / self.decay_span


def _check_decay_length(p):
    """The decay after warmup must have at least one update (without one, transformers'
    curves oscillate, drop to their end value at once, or divide by zero)."""
    total, warmup = p["num_training_steps"], p["num_warmup_steps"]
    if total <= warmup:
        raise SpecError("params.num_training_steps", total,
                        "must be > num_warmup_steps (%d): the decay after warmup would be "
                        "empty" % warmup)


def _above_floor(factor, rate):
    """A factor in [0, 1] mapped onto [rate, 1], as transformers' min-LR schedules do."""
    return max(0.0, factor * (1.0 - rate) + rate)


def _half_cosine(angle):
    """(1 + cos(angle)) / 2 as transformers writes it: 1 at angle 0, 0 at pi."""
    return 0.5 * (1.0 + math.cos(angle))


class Constant(_LambdaLR):
    """transformers ``constant``: the base LR throughout."""

    name = "constant"
    summary = "The base LR at every update (get_scheduler ignores warmup and total steps)."
    doc = DOC + "get_constant_schedule"

    def factor(self, t):
        return 1


class ConstantWithWarmup(_LinearWarmup):
    """transformers ``constant_with_warmup``: linear warmup from 0, then the base LR."""

    name = "constant_with_warmup"
    summary = "Linear warmup from 0 to the base LR, then constant."
    doc = DOC + "get_constant_schedule_with_warmup"
    params = (WARMUP,)

    def after_warmup(self, t):
        return 1.0


class Linear(_Decay):
    """transformers ``linear``: warmup, then a straight line down to 0 at num_training_steps."""

    name = "linear"
    summary = "Linear warmup from 0, then linear decay to 0 at num_training_steps; 0 after."
    doc = DOC + "get_linear_schedule_with_warmup"
    params = (WARMUP, TRAINING)

    def after_warmup(self, t):
        return max(0.0, float(self.total - t) / self.decay_span)


class Cosine(_Decay):
    """transformers ``cosine``: warmup, then a cosine down to 0 at num_training_steps.

    Not clamped: past num_training_steps the cosine rises again, as in transformers. In
    transformers 5.23 the name runs through the same lr_lambda as cosine_with_min_lr (with
    min_lr_rate 0.0: a later definition shadows the plain one), so it does here too.
    """

    name = "cosine"
    summary = ("Linear warmup from 0, then a half-cosine to 0 at num_training_steps; "
               "rises again after.")
    doc = DOC + "get_cosine_schedule_with_warmup"
    params = (WARMUP, TRAINING, HALF_WAVES)

    def __init__(self, p, lr):
        _Decay.__init__(self, p, lr)
        self.angle = math.pi * float(p["num_cycles"]) * 2.0
        self.rate = self.min_lr_rate(p, lr)

    @staticmethod
    def min_lr_rate(p, lr):
        """The cosine's floor as a fraction of the base LR (0 for plain cosine)."""
        return 0.0

    def after_warmup(self, t):
        return _above_floor(_half_cosine(self.angle * self.progress(t)), self.rate)


class CosineWithRestarts(_Decay):
    """transformers ``cosine_with_restarts``: warmup, then num_cycles equal cosines from the
    base LR to 0, each restarting abruptly; 0 from num_training_steps on."""

    name = "cosine_with_restarts"
    summary = ("Linear warmup from 0, then num_cycles equal cosine cycles down to 0 with hard "
               "restarts; 0 after num_training_steps.")
    doc = DOC + "get_cosine_with_hard_restarts_schedule_with_warmup"
    params = (WARMUP, TRAINING,
              Param("num_cycles", "float", 1.0, lo=0.0, lo_open=True, hi=MAX_CYCLES,
                    help="Cosine cycles after warmup, each restarting at the base LR."))

    def __init__(self, p, lr):
        _Decay.__init__(self, p, lr)
        self.cycles = float(p["num_cycles"])

    def after_warmup(self, t):
        progress = self.progress(t)
        if progress >= 1.0:
            return 0.0
        return max(0.0, _half_cosine(math.pi * ((self.cycles * progress) % 1.0)))


class Polynomial(_Decay):
    """transformers ``polynomial``: warmup, then (lr - lr_end) * (1 - progress) ** power +
    lr_end, reaching lr_end at num_training_steps and staying there."""

    name = "polynomial"
    summary = ("Linear warmup from 0, then polynomial decay to lr_end at num_training_steps; "
               "lr_end after.")
    doc = DOC + "get_polynomial_decay_schedule_with_warmup"
    notes = ONE_GROUP
    params = (WARMUP, TRAINING,
              Param("lr_end", "float", 1e-7, lo=0.0,
                    help="The LR reached at num_training_steps and kept after; below the "
                         "base LR."),
              Param("power", "float", 1.0, lo=0.0, lo_open=True,
                    help="Exponent of the decay: 1 is a straight line, 2 falls faster "
                         "early."))

    def __init__(self, p, lr):
        _Decay.__init__(self, p, lr)
        self.lr_end = p["lr_end"]
        self.power = p["power"]
        self.decay_steps = self.total - self.warmup

    @staticmethod
    def check(p, lr):
        _check_decay_length(p)
        if not lr > p["lr_end"]:
            raise SpecError("params.lr_end", p["lr_end"],
                            "must be < the base lr (%s)" % py_repr(lr))

    def after_warmup(self, t):
        # transformers: decay / lr_init, where LambdaLR multiplies by lr_init again.
        lr_init, lr_end = self.lr, self.lr_end
        if t > self.total:
            return lr_end / lr_init
        remaining = 1 - (t - self.warmup) / self.decay_steps
        return ((lr_init - lr_end) * remaining ** self.power + lr_end) / lr_init


class InverseSqrt(_LinearWarmup):
    """transformers ``inverse_sqrt``: warmup, then 1 / sqrt((t + timescale - W) / timescale)."""

    name = "inverse_sqrt"
    summary = ("Linear warmup from 0, then decay as 1/sqrt of the steps, scaled by "
               "timescale; never reaches 0.")
    doc = DOC + "get_inverse_sqrt_schedule"
    params = (WARMUP,
              Param("timescale", "int", lo=1, hi=MAX_STEPS, nullable=True,
                    help="Pace of the decay: the LR halves 3 * timescale updates after "
                         "warmup; null means num_warmup_steps, or 10000 without warmup."))

    def __init__(self, p, lr):
        _LinearWarmup.__init__(self, p, lr)
        timescale = p["timescale"]
        if timescale is None:
            timescale = self.warmup or 10000
        self.timescale = timescale
        self.shift = timescale - self.warmup

    def after_warmup(self, t):
        return 1.0 / math.sqrt((t + self.shift) / self.timescale)


class CosineWithMinLR(Cosine):
    """transformers ``cosine_with_min_lr``: ``cosine`` with a floor (min_lr or min_lr_rate)."""

    name = "cosine_with_min_lr"
    summary = ("Linear warmup from 0, then a half-cosine down to a floor at "
               "num_training_steps; rises again after.")
    doc = DOC + "get_scheduler"
    notes = ONE_GROUP
    params = (WARMUP, TRAINING, HALF_WAVES, MIN_LR, MIN_LR_RATE)

    @staticmethod
    def check(p, lr):
        _check_decay_length(p)
        _check_floor(p, lr)

    @staticmethod
    def min_lr_rate(p, lr):
        if p["min_lr"] is not None:
            return p["min_lr"] / lr
        return p["min_lr_rate"]


def _check_floor(p, lr):
    """transformers takes exactly one of min_lr and min_lr_rate; min_lr must not exceed lr."""
    min_lr, rate = p["min_lr"], p["min_lr_rate"]
    if min_lr is not None and rate is not None:
        raise SpecError("params.min_lr", min_lr,
                        "must be null when min_lr_rate is given (transformers takes only one)")
    if min_lr is None and rate is None:
        raise SpecError("params.min_lr_rate", None,
                        "is required unless min_lr is given (transformers needs one of them)")
    if min_lr is not None and min_lr > lr:
        raise SpecError("params.min_lr", min_lr, "must be <= the base lr (%s)" % py_repr(lr))


class CosineWarmupWithMinLR(_LambdaLR):
    """transformers ``cosine_warmup_with_min_lr``: ``cosine_with_min_lr`` shifted one update
    earlier.

    The warmup starts at 1/W (or warmup_lr_rate) and reaches the base LR at update W - 1,
    and the floor is reached at num_training_steps - 1, the last update of the run.
    """

    name = "cosine_warmup_with_min_lr"
    summary = ("Linear warmup from 1/num_warmup_steps (or warmup_lr_rate), then a half-cosine "
               "to a floor at the last update; rises again after.")
    doc = DOC + "get_scheduler"
    notes = ONE_GROUP
    params = (WARMUP, TRAINING, HALF_WAVES, MIN_LR, MIN_LR_RATE,
              Param("warmup_lr_rate", "float", lo=0.0, hi=1.0, nullable=True,
                    help="Where the warmup starts, as a fraction of the base LR; null "
                         "starts at 1/num_warmup_steps."))

    def __init__(self, p, lr):
        _LambdaLR.__init__(self, p, lr)
        warmup, total = float(p["num_warmup_steps"]), float(p["num_training_steps"])
        self.warmup = warmup
        self.start = p["warmup_lr_rate"]
        self.warmup_span = max(1.0, warmup)
        self.ramp_span = float(max(1, warmup - 1))
        self.decay_span = max(1.0, total - warmup)
        self.angle = math.pi * p["num_cycles"] * 2.0
        self.rate = CosineWithMinLR.min_lr_rate(p, lr)

    @staticmethod
    def check(p, lr):
        _check_decay_length(p)
        _check_floor(p, lr)

    def factor(self, t):
        # transformers computes this one entirely in floats.
        t = float(t)
        if t < self.warmup:
            start = self.start
            if start is None:
                return (t + 1.0) / self.warmup_span
            return start + (1.0 - start) * t / self.ramp_span
        progress = (t - self.warmup + 1.0) / self.decay_span
        return _above_floor(_half_cosine(self.angle * progress), self.rate)


class WarmupStableDecay(_LambdaLR):
    """transformers ``warmup_stable_decay``: warmup, a stable plateau at the base LR, a decay
    to min_lr_ratio, then min_lr_ratio for good.

    The plateau lasts num_stable_steps, or num_training_steps - num_warmup_steps -
    num_decay_steps when num_stable_steps is null; given both, transformers warns and uses
    num_stable_steps, and so does pycore.
    """

    name = "warmup_stable_decay"
    summary = ("Warmup, a stable plateau at the base LR, then a decay to min_lr_ratio times "
               "it (linear, cosine or 1-sqrt shapes).")
    doc = DOC + "get_wsd_schedule"
    params = (
        Param("num_warmup_steps", "int", lo=0, hi=MAX_STEPS,
              help="Updates over which the LR climbs from min_lr_ratio times the base LR to "
                   "the base LR."),
        Param("num_decay_steps", "int", lo=1, hi=MAX_STEPS,
              help="Updates over which the LR falls from the base LR to min_lr_ratio times "
                   "it."),
        Param("num_training_steps", "int", lo=1, hi=MAX_STEPS, nullable=True,
              help="Total updates; sets the plateau's length when num_stable_steps is null."),
        Param("num_stable_steps", "int", lo=0, hi=MAX_STEPS, nullable=True,
              help="Updates at the base LR between warmup and decay; null infers it from "
                   "num_training_steps."),
        Param("warmup_type", "choice", "linear", choices=("linear", "cosine", "1-sqrt"),
              help="Shape of the warmup."),
        Param("decay_type", "choice", "cosine", choices=("linear", "cosine", "1-sqrt"),
              help="Shape of the decay."),
        Param("min_lr_ratio", "float", 0.0, lo=0.0, hi=1.0,
              help="Where the warmup starts and the decay ends, as a fraction of the base "
                   "LR."),
        Param("num_cycles", "float", 0.5, lo=0.0, lo_open=True, hi=MAX_CYCLES,
              help="Cosine waves in a cosine decay: 0.5 falls once to the floor."),
    )

    def __init__(self, p, lr):
        _LambdaLR.__init__(self, p, lr)
        self.warmup = p["num_warmup_steps"]
        self.decay = p["num_decay_steps"]
        self.stable = _stable_steps(p)
        self.warmup_type = p["warmup_type"]
        self.decay_type = p["decay_type"]
        self.floor = p["min_lr_ratio"]
        self.angle = math.pi * float(p["num_cycles"]) * 2.0
        self.warmup_span = float(max(1, self.warmup))
        self.decay_span = float(max(1, self.decay))

    @staticmethod
    def check(p, lr):
        total, stable = p["num_training_steps"], p["num_stable_steps"]
        if total is None and stable is None:
            raise SpecError("params.num_training_steps", None,
                            "is required unless num_stable_steps is given")
        if stable is None and _stable_steps(p) < 0:
            raise SpecError("params.num_training_steps", total,
                            "must be >= num_warmup_steps + num_decay_steps (%d)" % (
                                p["num_warmup_steps"] + p["num_decay_steps"]))

    def factor(self, t):
        warmup, stable = self.warmup, self.stable
        if t < warmup:
            return _above_floor(self.rise(float(t) / self.warmup_span), self.floor)
        if t < warmup + stable:
            return 1.0
        if t < warmup + stable + self.decay:
            progress = float(t - warmup - stable) / self.decay_span
            return _above_floor(self.fall(progress), self.floor)
        return self.floor

    def rise(self, progress):
        """The warmup's shape, from 0 to 1."""
        kind = self.warmup_type
        if kind == "linear":
            return progress
        if kind == "cosine":
            return 0.5 * (1.0 - math.cos(math.pi * progress))
        return 1.0 - math.sqrt(1.0 - progress)

    def fall(self, progress):
        """The decay's shape, from 1 to 0."""
        kind = self.decay_type
        if kind == "linear":
            return 1.0 - progress
        if kind == "cosine":
            return _half_cosine(self.angle * progress)
        return 1.0 - math.sqrt(progress)


def _stable_steps(p):
    """The plateau's length: num_stable_steps, else what num_training_steps leaves."""
    if p["num_stable_steps"] is not None:
        return p["num_stable_steps"]
    return p["num_training_steps"] - p["num_warmup_steps"] - p["num_decay_steps"]


class ReduceOnPlateau(ReduceLROnPlateau):
    """transformers ``reduce_lr_on_plateau``: torch's ReduceLROnPlateau itself, built from
    scheduler_specific_kwargs (get_scheduler ignores the step counts for this name) and
    stepped by the Trainer with the metric after each evaluation."""

    name = "reduce_lr_on_plateau"
    summary = ("torch's ReduceLROnPlateau: multiply the LR by factor when the evaluation "
               "metric stops improving.")
    doc = DOC + "get_scheduler"
    notes = ("The arguments are torch's ReduceLROnPlateau's, passed in "
             "scheduler_specific_kwargs. " + ReduceLROnPlateau.notes)


SCHEDULES = (Constant, ConstantWithWarmup, Linear, Cosine, CosineWithRestarts, Polynomial,
             InverseSqrt, CosineWithMinLR, CosineWarmupWithMinLR, WarmupStableDecay,
             ReduceOnPlateau)


def to_code(spec):
    """transformers code defining ``optimizer`` (for an existing ``model``) and ``scheduler``
    with ``get_scheduler``, passing only the arguments that differ from the defaults."""
    cls = dict((c.name, c) for c in SCHEDULES)[spec["name"]]
    pairs = changed(spec["params"], cls.params)
    args = [literal(spec["name"]), "optimizer"]
    args += [pair for pair in pairs if pair[0] in TOP_LEVEL]
    extra = [pair for pair in pairs if pair[0] not in TOP_LEVEL]
    if extra:
        kwargs = "{%s}" % ", ".join("%s: %s" % (literal(k), v) for k, v in extra)
        args.append(("scheduler_specific_kwargs", kwargs))
    lines = [
        "import torch",
        "from transformers import get_scheduler",
        "",
        "optimizer = torch.optim.AdamW(model.parameters(), lr=%s)" % literal(spec["lr"]),
        "scheduler = " + call("get_scheduler", args),
    ]
    if cls.metric_driven:
        lines += ["# After each evaluation call scheduler.step(metric) with the monitored metric",
                  "# (e.g. the validation loss), as the Trainer does for this scheduler."]
    lines.append("")
    return "\n".join(lines)
