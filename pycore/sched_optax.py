"""optax schedules (``optax.schedules``), evaluated in float64 the way optax builds them.

optax's shape, kept here: a factory checks its arguments once and returns a small curve
(a pure function of the step count), and the bigger schedules are compositions of a few
curves: ``warmup_cosine_decay_schedule`` joins a linear warmup to a cosine decay,
``sgdr_schedule`` joins warmup-cosine cycles, the one-cycle schedules are piecewise
interpolations through computed knots. Each curve repeats optax's operation order, so the
values are those of ``schedule(count)`` under ``jax.config.update("jax_enable_x64", True)``
called on a Python or int64 count: bit for bit when JAX evaluates one count eagerly, to a
few ulps when it evaluates a vmapped array or a jitted function (XLA's vectorised and
fused division, cos and pow are not correctly rounded).

A join evaluates only its active child, where optax evaluates every child and masks with
``jnp.where``; both give the active child's value.

Update k of an optax optimizer uses ``schedule(count)`` with count = k, kept in an int32
that stops at 2**31 - 1, so ``at`` holds the value of that count for all later updates.
Two consequences of that int32 count which pycore does not model: under x64 most schedules
then compute in float32 (JAX divides int32 by a Python int in float32), 1e-7 relative or
more from the values here; and step arguments above 2**31 - 1 wrap around in int32
arithmetic, which is why pycore refuses them.
"""
import math

from .codegen import call, changed, literal
from .errors import SpecError
from .numfmt import py_repr
from .params import REQUIRED, Param
from .schedules import Schedule

FRAMEWORK = "optax"
DOC = "https://optax.readthedocs.io/en/latest/api/optimizer_schedules.html#optax.schedules.%s"
COUNT_MAX = 2 ** 31 - 1  # optax's step count is an int32 that saturates here
INT32_NOTE = ("Under jax_enable_x64 an optax optimizer passes its int32 step count, with "
              "which this schedule computes in float32 (1e-7 relative and up); pycore gives "
              "the float64 values of schedule(step) for a Python or int64 step.")


# ---- curves: small pure functions of the count (optax's closures) ----------------------

class _Constant:
    """``constant_schedule``: the same value at every count."""

    def __init__(self, value):
        self.v = value

    def value(self, count):
        return self.v

    def series(self, n):
        return [self.v] * n


class _Polynomial:
    """``polynomial_schedule``: (init - end) * (1 - c / steps) ** power + end, with
    c = clip(count - begin, 0, steps); ``linear_schedule`` is power 1."""

    def __init__(self, init_value, end_value, power, transition_steps, transition_begin):
        self.span = init_value - end_value
        self.end = end_value
        self.power = power
        self.steps = transition_steps
        self.begin = transition_begin

    def _at_clipped(self, c):
        """The value c steps into the transition (0 <= c <= steps)."""
        return self.span * (1 - c / self.steps) ** self.power + self.end

    def value(self, count):
        c = count - self.begin
        return self._at_clipped(0 if c < 0 else self.steps if c > self.steps else c)

    def series(self, n):
        begin, steps = self.begin, self.steps
        head = min(n, begin + 1)
        out = [self._at_clipped(0)] * head
        if n > head:
            span, end, power = self.span, self.end, self.power
            stop = min(n, begin + steps)
            out += [span * (1 - c / steps) ** power + end for c in range(1, stop - begin)]
            out += [self._at_clipped(steps)] * (n - stop)
        return out


def _polynomial(init_value, end_value, power, transition_steps, transition_begin=0):
    """optax's polynomial_schedule: constant init_value without steps, begin clamped at 0."""
    if transition_steps <= 0:
        return _Constant(init_value)
    return _Polynomial(init_value, end_value, power, transition_steps,
                       max(transition_begin, 0))


def _linear(init_value, end_value, transition_steps, transition_begin=0):
    """optax's linear_schedule: a polynomial of (integer) power 1."""
    return _polynomial(init_value, end_value, 1, transition_steps, transition_begin)


class _ExponentialDecay:
    """``exponential_decay``: init * rate ** p, p = (count - begin) / steps (floored with
    staircase), init up to begin, clipped at end_value (a floor when rate < 1, else a cap)."""

    def __init__(self, init_value, transition_steps, decay_rate, transition_begin,
                 staircase, end_value):
        self.init = init_value
        self.steps = transition_steps
        self.rate = decay_rate
        self.begin = transition_begin
        self.staircase = staircase
        self.end = end_value

    def _clip(self, v):
        """optax's end_value clip: max for a decay (rate < 1), else min."""
        if self.end is None:
            return v
        return max(v, self.end) if self.rate < 1.0 else min(v, self.end)

    def _decayed(self, d):
        """The value d > 0 steps after transition_begin (OverflowError past float64)."""
        p = d / self.steps
        if self.staircase:
            p = math.floor(p)
        return self._clip(self.init * self.rate ** p)

    def _overflowed(self):
        """The value once rate ** p overflows: float64 optax gives inf (nan for init 0)."""
        return self._clip(self.init * math.inf)

    def value(self, count):
        d = count - self.begin
        if d <= 0:
            return self._clip(self.init)
        try:
            return self._decayed(d)
        except OverflowError:
            return self._overflowed()

    def series(self, n):
        out = [self._clip(self.init)] * min(n, self.begin + 1)
        decayed = self._decayed
        for d in range(1, n - self.begin):
            try:
                out.append(decayed(d))
            except OverflowError:  # only a growing rate overflows, and then for good
                return out + [self._overflowed()] * (n - len(out))
        return out


def _exponential(init_value, transition_steps, decay_rate, transition_begin=0,
                 staircase=False, end_value=None):
    """optax's exponential_decay: constant without steps or with rate 0, begin clamped."""
    if transition_steps <= 0 or decay_rate == 0:
        return _Constant(init_value)
    return _ExponentialDecay(init_value, transition_steps, decay_rate,
                             max(transition_begin, 0), staircase, end_value)


class _CosineDecay:
    """``cosine_decay_schedule``: init * ((1 - alpha) * cd ** exponent + alpha), with
    cd = (1 + cos(pi * min(count, steps) / steps)) / 2; held at its end value after."""

    def __init__(self, init_value, decay_steps, alpha, exponent):
        self.init = init_value
        self.steps = decay_steps
        self.alpha = alpha
        self.exponent = exponent

    def value(self, count):
        c = count if count < self.steps else self.steps
        cd = 0.5 * (1 + math.cos(math.pi * c / self.steps))
        return self.init * ((1 - self.alpha) * cd ** self.exponent + self.alpha)

    def series(self, n):
        init, steps, alpha, exponent = self.init, self.steps, self.alpha, self.exponent
        keep, cos, pi = 1 - alpha, math.cos, math.pi
        out = [init * (keep * (0.5 * (1 + cos(pi * c / steps))) ** exponent + alpha)
               for c in range(min(n, steps))]
        return out + [self.value(steps)] * (n - len(out))


def _count_at_most(bounds, t):
    """How many of the increasing bounds are <= t (bisect_right)."""
    lo, hi = 0, len(bounds)
    while lo < hi:
        mid = (lo + hi) // 2
        if bounds[mid] <= t:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _knot_values(init_value, scales):
    """init_value, then the running products with each scale (optax's cumprod)."""
    out = [init_value]
    for s in scales:
        out.append(out[-1] * s)
    return out


class _PiecewiseConstant:
    """``piecewise_constant_schedule``: init times every scale whose boundary is <= count."""

    def __init__(self, init_value, boundaries, scales):
        self.bounds = boundaries
        self.values = _knot_values(init_value, scales)

    def value(self, count):
        return self.values[_count_at_most(self.bounds, count)]

    def series(self, n):
        out = []
        for i, v in enumerate(self.values):
            stop = self.bounds[i] if i < len(self.bounds) else n
            out += [v] * (min(stop, n) - len(out))
        return out


class _PiecewiseInterpolate:
    """``piecewise_interpolate_schedule``: linear or cosine interpolation between the
    running products of the scales, placed at knots 0 and the boundaries; the last value
    after the last knot.

    A boundary at 0 gives the empty interval [0, 0), which optax guards with
    max(length, 1) and never selects; here it is simply never the active interval. optax
    returns 0 for a count below 0, which only a join's masked branches ever see.
    """

    def __init__(self, interpolate_type, init_value, boundaries, scales):
        self.cosine = interpolate_type == "cosine"
        self.knots = [0] + boundaries
        self.values = _knot_values(init_value, scales)

    def _interval(self, i, t):
        """The interpolated value at t in [knots[i], knots[i + 1])."""
        start, end = self.values[i], self.values[i + 1]
        pct = (t - self.knots[i]) / (self.knots[i + 1] - self.knots[i])
        if self.cosine:
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def value(self, count):
        i = _count_at_most(self.knots, count) - 1
        if i == len(self.knots) - 1:
            return self.values[-1]
        return self._interval(i, count)

    def series(self, n):
        out = []
        knots, values, cos, pi = self.knots, self.values, math.cos, math.pi
        for i in range(len(knots) - 1):
            k, stop = knots[i], min(knots[i + 1], n)
            size = knots[i + 1] - k
            start, end = values[i], values[i + 1]
            if self.cosine:
                half = (start - end) / 2.0
                out += [end + half * (cos(pi * ((t - k) / size)) + 1)
                        for t in range(k, stop)]
            else:
                rise = end - start
                out += [rise * ((t - k) / size) + start for t in range(k, stop)]
        return out + [values[-1]] * (n - len(out))


class _Join:
    """``join_schedules``: child i from boundary i - 1 on, fed the steps since then."""

    def __init__(self, schedules, boundaries):
        self.children = schedules
        self.bounds = boundaries

    def value(self, count):
        i = _count_at_most(self.bounds, count)
        return self.children[i].value(count - self.bounds[i - 1] if i else count)

    def series(self, n):
        out = []
        starts = [0] + self.bounds
        for i, child in enumerate(self.children):
            stop = self.bounds[i] if i < len(self.bounds) else n
            length = min(stop, n) - starts[i]
            if length > 0:
                out += child.series(length)
        return out


def _warmup_cosine(p):
    """optax's warmup_cosine_decay_schedule: a linear warmup joined to a cosine decay whose
    floor is end_value as a fraction of peak_value."""
    peak, warmup = p["peak_value"], p["warmup_steps"]
    alpha = 0.0 if peak == 0.0 else p["end_value"] / peak
    return _Join([_linear(p["init_value"], peak, warmup),
                  _CosineDecay(peak, p["decay_steps"] - warmup, alpha, p["exponent"])],
                 [warmup])


# ---- validation helpers -----------------------------------------------------------------

def _lr(name, help, default=REQUIRED):
    """A value of the schedule (a learning rate): a number >= 0."""
    return Param(name, "float", default, lo=0.0, help=help)


def _steps(name, help, default=REQUIRED, lo=None):
    """A step count, at most what optax's int32 counter reaches."""
    return Param(name, "int", default, lo=lo, hi=COUNT_MAX, help=help)


def _boundaries_and_scales():
    """optax's {step: scale} dict of the piecewise schedules (None: no boundaries)."""
    return Param("boundaries_and_scales", "map", item="float", lo=0.0, nullable=True,
                 help="Steps at which the value is multiplied by a scale: "
                      "{step: scale}, scales >= 0.")


def _split(mapping):
    """The boundaries and scales of a boundaries_and_scales map, by increasing step."""
    pairs = sorted((mapping or {}).items())
    return [b for b, _ in pairs], [s for _, s in pairs]


def _check_boundaries(p, init_name):
    """Boundaries within the int32 count; the running product of the scales finite."""
    mapping = p["boundaries_and_scales"]
    bounds, scales = _split(mapping)
    for b in bounds:
        if b > COUNT_MAX:
            raise SpecError("params.boundaries_and_scales", mapping,
                            "steps must be <= %d (optax counts steps in int32)" % COUNT_MAX)
    _check_finite(_knot_values(p[init_name], scales), "params.boundaries_and_scales",
                  mapping)


def _check_finite(values, field, given):
    """Refuse knot values that overflowed: optax would mix inf into nan."""
    for v in values:
        if not math.isfinite(v):
            raise SpecError(field, given, "must keep every value of the schedule finite: "
                            "the product overflows to infinity (optax then gives nan)")


def _check_clip(p, start_name):
    """exponential_decay's end_value must bound the decay, not replace it from step 0."""
    end, rate, start = p["end_value"], p["decay_rate"], p[start_name]
    if end is None or p["transition_steps"] <= 0 or rate == 0:
        return
    if rate < 1.0 and end > start:
        raise SpecError("params.end_value", end,
                        "must be <= %s (%s) when decay_rate < 1: optax clips with "
                        "max(value, end_value), so a larger end_value holds from step 0"
                        % (start_name, py_repr(start)))
    if rate >= 1.0 and end < start:
        raise SpecError("params.end_value", end,
                        "must be >= %s (%s) when decay_rate >= 1: optax clips with "
                        "min(value, end_value), so a smaller end_value holds from step 0"
                        % (start_name, py_repr(start)))


# ---- the factories, in the order ------------------------------------------------

class _OptaxSchedule(Schedule):
    """An optax factory: validated arguments in, a curve out (``curve``).

    ``at(t)`` evaluates the curve at update t's count, which optax's int32 counter holds
    at 2**31 - 1 from then on.
    """

    def __init__(self, p, lr=None):
        Schedule.__init__(self, p, lr)
        self.curve = self.make(p)

    @staticmethod
    def make(p):
        """The curve optax's factory returns for these arguments."""
        raise NotImplementedError

    def at(self, t):
        return self.curve.value(t if t < COUNT_MAX else COUNT_MAX)

    def series(self, n):
        return self.curve.series(n)


class ConstantSchedule(_OptaxSchedule):
    """optax ``constant_schedule``: the same value at every step."""

    name = "constant_schedule"
    summary = "The same value at every step."
    doc = DOC % name
    params = (_lr("value", "The learning rate used at every step."),)

    @staticmethod
    def make(p):
        return _Constant(p["value"])


class PolynomialSchedule(_OptaxSchedule):
    """optax ``polynomial_schedule``: a polynomial transition from init_value to end_value."""

    name = "polynomial_schedule"
    summary = "From init_value to end_value along (1 - fraction done) ** power, then hold."
    doc = DOC % name
    notes = INT32_NOTE
    params = (
        _lr("init_value", "The value before and at the start of the transition."),
        _lr("end_value", "The value reached at the end of the transition and held after."),
        Param("power", "float", lo=0.0,
              help="Shape of the transition: 1 is linear, above 1 falls fast then slowly."),
        _steps("transition_steps",
               "Steps the transition takes; 0 or less keeps init_value throughout."),
        _steps("transition_begin", "Steps at init_value before the transition starts "
                                   "(negative counts as 0).", 0),
    )

    @staticmethod
    def make(p):
        return _polynomial(p["init_value"], p["end_value"], p["power"],
                           p["transition_steps"], p["transition_begin"])


class LinearSchedule(_OptaxSchedule):
    """optax ``linear_schedule``: polynomial_schedule with power 1."""

    name = "linear_schedule"
    summary = "A straight line from init_value to end_value, then hold."
    doc = DOC % name
    notes = INT32_NOTE
    params = tuple(prm for prm in PolynomialSchedule.params if prm.name != "power")

    @staticmethod
    def make(p):
        return _linear(p["init_value"], p["end_value"], p["transition_steps"],
                       p["transition_begin"])


_EXPONENTIAL_PARAMS = (
    _steps("transition_steps", "Steps over which the value is multiplied by decay_rate "
                               "once; 0 or less keeps the start value throughout."),
    Param("decay_rate", "float", lo=0.0,
          help="Factor per transition_steps: below 1 decays, above 1 grows, 0 keeps the "
               "start value."),
    _steps("transition_begin", "Steps at the start value before decaying "
                               "(negative counts as 0).", 0),
    Param("staircase", "bool", False,
          help="Change the value only every transition_steps steps (whole periods)."),
    Param("end_value", "float", lo=0.0, nullable=True,
          help="A floor for a decay (decay_rate < 1) or a cap for growth; none if null."),
)


class ExponentialDecay(_OptaxSchedule):
    """optax ``exponential_decay``: init_value * decay_rate ** (steps / transition_steps)."""

    name = "exponential_decay"
    summary = "Multiply by decay_rate every transition_steps steps, smoothly or in stairs."
    doc = DOC % name
    notes = INT32_NOTE
    params = (_lr("init_value", "The value at step 0 and until transition_begin."),
              ) + _EXPONENTIAL_PARAMS

    @staticmethod
    def check(p, lr):
        _check_clip(p, "init_value")

    @staticmethod
    def make(p):
        return _exponential(p["init_value"], p["transition_steps"], p["decay_rate"],
                            p["transition_begin"], p["staircase"], p["end_value"])


class CosineDecaySchedule(_OptaxSchedule):
    """optax ``cosine_decay_schedule``: half a cosine from init_value to alpha * init_value."""

    name = "cosine_decay_schedule"
    summary = "Half a cosine from init_value down to alpha * init_value, then hold."
    doc = DOC % name
    params = (
        _lr("init_value", "The value at step 0."),
        _steps("decay_steps", "Steps from init_value down to the floor.", lo=1),
        Param("alpha", "float", 0.0, lo=0.0, hi=1.0,
              help="The floor as a fraction of init_value."),
        Param("exponent", "float", 1.0, lo=0.0,
              help="Power applied to the cosine factor; above 1 falls sooner."),
    )

    @staticmethod
    def make(p):
        return _CosineDecay(p["init_value"], p["decay_steps"], p["alpha"], p["exponent"])


class WarmupConstantSchedule(_OptaxSchedule):
    """optax ``warmup_constant_schedule``: a linear warmup to peak_value, then constant."""

    name = "warmup_constant_schedule"
    summary = "A linear warmup from init_value to peak_value, then constant."
    doc = DOC % name
    notes = INT32_NOTE
    params = (
        _lr("init_value", "The value at step 0."),
        _lr("peak_value", "The value reached at warmup_steps and held after."),
        _steps("warmup_steps", "Steps of the linear warmup (with 0, optax would keep "
                               "init_value forever).", lo=1),
    )

    @staticmethod
    def make(p):
        return _linear(p["init_value"], p["peak_value"], p["warmup_steps"])


class WarmupCosineDecaySchedule(_OptaxSchedule):
    """optax ``warmup_cosine_decay_schedule``: linear warmup joined to a cosine decay."""

    name = "warmup_cosine_decay_schedule"
    summary = ("A linear warmup to peak_value, then half a cosine down to end_value; "
               "decay_steps counts the warmup too.")
    doc = DOC % name
    notes = INT32_NOTE
    params = (
        _lr("init_value", "The value at step 0."),
        _lr("peak_value", "The value reached at warmup_steps."),
        _steps("warmup_steps", "Steps of the linear warmup (0: start at peak_value).", lo=0),
        _steps("decay_steps", "Total steps, warmup included, until end_value is reached.",
               lo=1),
        _lr("end_value", "The value at decay_steps and after.", 0.0),
        Param("exponent", "float", 1.0, lo=0.0,
              help="Power applied to the cosine factor; above 1 falls sooner."),
    )

    @staticmethod
    def check(p, lr):
        if p["decay_steps"] <= p["warmup_steps"]:
            raise SpecError("params.decay_steps", p["decay_steps"],
                            "must be > warmup_steps (%d): it includes the warmup, and optax "
                            "refuses a cosine of no steps" % p["warmup_steps"])
        if p["end_value"] > p["peak_value"]:
            raise SpecError("params.end_value", p["end_value"],
                            "must be <= peak_value (%s): the cosine decays from peak_value "
                            "to end_value" % py_repr(p["peak_value"]))

    @staticmethod
    def make(p):
        return _warmup_cosine(p)


class WarmupExponentialDecaySchedule(_OptaxSchedule):
    """optax ``warmup_exponential_decay_schedule``: linear warmup joined to exponential decay."""

    name = "warmup_exponential_decay_schedule"
    summary = ("A linear warmup to peak_value, then exponential decay counted from the end "
               "of the warmup.")
    doc = DOC % name
    notes = INT32_NOTE
    params = (
        _lr("init_value", "The value at step 0."),
        _lr("peak_value", "The value reached at warmup_steps, where the decay starts."),
        _steps("warmup_steps", "Steps of the linear warmup (0: start at peak_value).", lo=0),
    ) + _EXPONENTIAL_PARAMS

    @staticmethod
    def check(p, lr):
        _check_clip(p, "peak_value")

    @staticmethod
    def make(p):
        warmup = p["warmup_steps"]
        return _Join([_linear(p["init_value"], p["peak_value"], warmup),
                      _exponential(p["peak_value"], p["transition_steps"], p["decay_rate"],
                                   p["transition_begin"], p["staircase"], p["end_value"])],
                     [warmup])


class PiecewiseConstantSchedule(_OptaxSchedule):
    """optax ``piecewise_constant_schedule``: init_value times the scales passed so far."""

    name = "piecewise_constant_schedule"
    summary = "init_value, multiplied by a scale at each boundary step (from that step on)."
    doc = DOC % name
    params = (_lr("init_value", "The value before the first boundary."),
              _boundaries_and_scales())

    @staticmethod
    def check(p, lr):
        _check_boundaries(p, "init_value")

    @staticmethod
    def make(p):
        bounds, scales = _split(p["boundaries_and_scales"])
        return _PiecewiseConstant(p["init_value"], bounds, scales)


class PiecewiseInterpolateSchedule(_OptaxSchedule):
    """optax ``piecewise_interpolate_schedule``: interpolation between scaled knots."""

    name = "piecewise_interpolate_schedule"
    summary = ("Linear or cosine interpolation from init_value through its running "
               "products with the scales at the boundary steps.")
    doc = DOC % name
    notes = INT32_NOTE
    params = (
        Param("interpolate_type", "choice", choices=("linear", "cosine"),
              help="How to move between two knots: a straight line or half a cosine."),
        _lr("init_value", "The value at step 0."),
        _boundaries_and_scales(),
    )

    @staticmethod
    def check(p, lr):
        _check_boundaries(p, "init_value")

    @staticmethod
    def make(p):
        bounds, scales = _split(p["boundaries_and_scales"])
        return _PiecewiseInterpolate(p["interpolate_type"], p["init_value"], bounds, scales)


class JoinSchedules(_OptaxSchedule):
    """optax ``join_schedules``: each schedule in turn, restarting its step count at its
    boundary."""

    name = "join_schedules"
    summary = ("One schedule after another; each starts counting its steps from 0 at its "
               "boundary.")
    doc = DOC % name
    params = (
        Param("schedules", "schedule list", min_len=1,
              help="The schedules, in the order they take over."),
        Param("boundaries", "list", item="int", lo=1, hi=COUNT_MAX, order="increasing",
              help="The steps at which the next schedule takes over (one fewer than "
                   "schedules)."),
    )

    @staticmethod
    def check(p, lr):
        if len(p["boundaries"]) != len(p["schedules"]) - 1:
            raise SpecError("params.boundaries", p["boundaries"],
                            "must have one entry fewer than schedules (%d): optax would "
                            "silently drop the extra ones" % len(p["schedules"]))

    @staticmethod
    def make(p):
        return _Join([s.curve for s in p["schedules"]], list(p["boundaries"]))


class SgdrSchedule(_OptaxSchedule):
    """optax ``sgdr_schedule``: warmup-cosine cycles joined end to end (warm restarts)."""

    name = "sgdr_schedule"
    summary = ("Warm restarts: warmup_cosine_decay_schedule cycles one after another, each "
               "lasting its decay_steps.")
    doc = DOC % name
    notes = INT32_NOTE
    params = (
        Param("cosine_kwargs", "kwargs list", schedule="warmup_cosine_decay_schedule",
              min_len=1, help="One warmup_cosine_decay_schedule argument set per cycle."),
    )

    @staticmethod
    def check(p, lr):
        step = 0
        for kwargs in p["cosine_kwargs"][:-1]:
            step += kwargs["decay_steps"]
            if step > COUNT_MAX:
                raise SpecError("params.cosine_kwargs", step,
                                "must restart by step %d: cycles starting later are beyond "
                                "optax's int32 step count" % COUNT_MAX)

    @staticmethod
    def make(p):
        bounds, step = [], 0
        for kwargs in p["cosine_kwargs"][:-1]:
            step += kwargs["decay_steps"]
            bounds.append(step)
        return _Join([_warmup_cosine(k) for k in p["cosine_kwargs"]], bounds)


def _onecycle_params(final):
    """The arguments the two one-cycle factories share (``final`` adds pct_final)."""
    out = (
        _steps("transition_steps", "Steps of the whole cycle; the final value is "
                                   "reached there and held after.", lo=1),
        _lr("peak_value", "The highest value, reached at int(pct_start * transition_steps)."),
        Param("pct_start", "float", 0.3, lo=0.0, hi=1.0, hi_open=True,
              help="Fraction of the cycle spent rising to peak_value (below 1, so that "
                   "int(pct_start * transition_steps) < transition_steps)."),
    )
    if final:
        out += (Param("pct_final", "float", 0.85, lo=0.0, hi=1.0, hi_open=True,
                      help="Fraction of the cycle at which the value is back at "
                           "peak_value / div_factor."),)
    return out + (
        Param("div_factor", "float", 25.0, lo=0.0, lo_open=True,
              help="The value starts at peak_value / div_factor."),
        Param("final_div_factor", "float", 1e4, lo=0.0, lo_open=True,
              help="The value ends at peak_value / (div_factor * final_div_factor)."),
    )


def _onecycle_knot(p, name):
    """int(pct * transition_steps), the boundary optax places for a pct argument."""
    return int(p[name] * p["transition_steps"])


class _Onecycle(_OptaxSchedule):
    """What the one-cycle factories share: a piecewise interpolation from
    peak_value / div_factor through knots (``knots``) and scales (``scales``)."""

    interpolate_type = ""

    @staticmethod
    def knots(p):
        """The boundaries optax puts in its boundaries_and_scales dict."""
        raise NotImplementedError

    @staticmethod
    def scales(p):
        """The scales at those boundaries."""
        raise NotImplementedError

    @classmethod
    def check_values(cls, p):
        """The knot values (running products from peak_value / div_factor) stay finite."""
        _check_finite(_knot_values(p["peak_value"] / p["div_factor"], cls.scales(p)),
                      "params.div_factor", p["div_factor"])

    @classmethod
    def make(cls, p):
        return _PiecewiseInterpolate(cls.interpolate_type, p["peak_value"] / p["div_factor"],
                                     cls.knots(p), cls.scales(p))


class CosineOnecycleSchedule(_Onecycle):
    """optax ``cosine_onecycle_schedule``: cosine up to peak_value, then cosine down."""

    name = "cosine_onecycle_schedule"
    summary = ("One cycle: half a cosine up to peak_value at int(pct_start * "
               "transition_steps), then down to a tiny final value at transition_steps.")
    doc = DOC % name
    notes = INT32_NOTE
    params = _onecycle_params(False)
    interpolate_type = "cosine"

    @staticmethod
    def knots(p):
        return [_onecycle_knot(p, "pct_start"), p["transition_steps"]]

    @staticmethod
    def scales(p):
        return [p["div_factor"], 1.0 / (p["div_factor"] * p["final_div_factor"])]

    @staticmethod
    def check(p, lr):
        if p["div_factor"] * p["final_div_factor"] == 0.0:
            raise SpecError("params.final_div_factor", p["final_div_factor"],
                            "must keep div_factor * final_div_factor above 0: here the "
                            "product underflows to 0 and optax's 1 / (div_factor * "
                            "final_div_factor) raises ZeroDivisionError")
        CosineOnecycleSchedule.check_values(p)


class LinearOnecycleSchedule(_Onecycle):
    """optax ``linear_onecycle_schedule``: three straight lines up, down and further down."""

    name = "linear_onecycle_schedule"
    summary = ("One cycle of three straight lines: up to peak_value, back to the start "
               "value at pct_final, then down to a tiny final value at transition_steps.")
    doc = DOC % name
    notes = INT32_NOTE
    params = _onecycle_params(True)
    interpolate_type = "linear"

    @staticmethod
    def knots(p):
        return [_onecycle_knot(p, "pct_start"), _onecycle_knot(p, "pct_final"),
                p["transition_steps"]]

    @staticmethod
    def scales(p):
        return [p["div_factor"], 1.0 / p["div_factor"], 1.0 / p["final_div_factor"]]

    @staticmethod
    def check(p, lr):
        start, final = _onecycle_knot(p, "pct_start"), _onecycle_knot(p, "pct_final")
        if final <= start:
            raise SpecError("params.pct_final", p["pct_final"],
                            "must put int(pct_final * transition_steps) (%d) after "
                            "int(pct_start * transition_steps) (%d): optax would merge the "
                            "two boundaries and lose the phase back down" % (final, start))
        LinearOnecycleSchedule.check_values(p)


SCHEDULES = (ConstantSchedule, LinearSchedule, PolynomialSchedule, ExponentialDecay,
             CosineDecaySchedule, WarmupConstantSchedule, WarmupCosineDecaySchedule,
             WarmupExponentialDecaySchedule, PiecewiseConstantSchedule,
             PiecewiseInterpolateSchedule, JoinSchedules, SgdrSchedule,
             CosineOnecycleSchedule, LinearOnecycleSchedule)
CLASSES = dict((c.name, c) for c in SCHEDULES)


# ---- code export ------------------------------------------------------------------------

def _factory(spec, var, lines):
    """The optax call for spec; children of join_schedules become variables var_0, ...
    written to lines first."""
    cls = CLASSES[spec["name"]]
    p = spec["params"]
    func = "optax." + spec["name"]
    if cls is JoinSchedules:
        names = []
        for i, child in enumerate(p["schedules"]):
            name = "%s_%d" % (var, i)
            lines.append("%s = %s" % (name, _factory(child, name, lines)))
            names.append(name)
        return call(func, [("schedules", "[%s]" % ", ".join(names)),
                           ("boundaries", literal(p["boundaries"]))])
    if cls is SgdrSchedule:
        entries = []
        for kwargs in p["cosine_kwargs"]:
            pairs = changed(kwargs, WarmupCosineDecaySchedule.params)
            entries.append("    {%s}," % ", ".join('"%s": %s' % kv for kv in pairs))
        return "%s(cosine_kwargs=[\n%s\n])" % (func, "\n".join(entries))
    return call(func, changed(p, cls.params))


def to_code(spec):
    """optax code defining ``schedule`` and an ``optimizer`` (optax.sgd) that uses it."""
    lines = ["import optax", ""]
    schedule = _factory(spec, "schedule", lines)
    lines.append("schedule = " + schedule)
    lines.append("optimizer = optax.sgd(learning_rate=schedule)")
    lines.append("")
    return "\n".join(lines)
