"""timm 1.0.31 schedulers (``timm.scheduler``), evaluated as timm evaluates them.

A timm scheduler is a pure function ``_get_lr(t)`` of an index t that the training loop
passes in explicitly. That t is the epoch when ``t_in_epochs=True`` (timm's train.py calls
``scheduler.step(epoch + 1)`` after each epoch) and the optimizer update when
``t_in_epochs=False`` (``scheduler.step_update(num_updates)`` after each update, with
num_updates already counting it). pycore's series index is that t in both cases: entry t is
the LR the optimizer uses during epoch (or update) t.

Entry 0 is not ``_get_lr(0)``: nothing calls it. It is what the constructor writes, the base
LR, or ``warmup_lr_init`` when ``warmup_t > 0`` (for TanhLRScheduler ``_get_lr(0)`` is
0.99999917 times the base LR, not the base LR). Values are Python floats, computed in timm's
operation order, so they are bit-identical to timm's; that includes the floating-point
cycle index of ``cycle_mul != 1``, which near a restart can pick the previous cycle (with
cycle_mul=3 and t_initial=1, t=121 gives lr_min instead of the base LR, as in timm).

Where timm itself fails (an overflowing power, the logarithm of a negative number once the
shrinking cycles of ``cycle_mul < 1`` are used up) pycore raises SpecError naming the step.
"""
import math

from .codegen import call, changed, literal
from .errors import SpecError
from .params import Param
from .plateau import Plateau, check_metric_count, check_settings, plateau_series
from .schedules import Schedule

FRAMEWORK = "timm"
DOC = "https://huggingface.co/docs/timm/reference/schedulers#timm.scheduler.%s"
NOTES = ("The LR noise options (%s) are left out: pycore gives the noise-free schedule. "
         "initialize is left out too: it only decides whether the constructor records the "
         "group's initial_lr, which does not change the LRs.")
NOISE = "noise_range_t, noise_pct, noise_std, noise_seed"
INF = math.inf

def _warmup_params(prefix_default):
    """The warmup arguments every timm scheduler takes; warmup_prefix's default varies."""
    return (
        Param("warmup_t", "int", 0, lo=0,
              help="Length of the linear warmup, in t units (0: no warmup)."),
        Param("warmup_lr_init", "float", 0.0, lo=0.0,
              help="The LR at t = 0 when there is a warmup; it rises linearly from there."),
        Param("warmup_prefix", "bool", prefix_default,
              help="True: the schedule starts after the warmup; False: the warmup covers "
                   "its first warmup_t steps."),
    )


T_IN_EPOCHS = Param("t_in_epochs", "bool", True,
                    help="True: t is the epoch (call step(epoch + 1) after each epoch); "
                         "False: t counts optimizer updates (call step_update(num_updates) "
                         "after each).")


def _cycle_params():
    """The restart arguments of the cosine, polynomial and tanh schedulers."""
    return (
        Param("cycle_mul", "float", 1.0, lo=0.0, lo_open=True,
              help="Each cycle is cycle_mul times as long as the one before (1: equal)."),
        Param("cycle_decay", "float", 1.0, lo=0.0, lo_open=True,
              help="Each cycle's peak is cycle_decay times the one before; lr_min stays."),
        Param("cycle_limit", "int", 1, lo=1,
              help="Number of cycles; after the last one the LR stays at lr_min."),
    )


T_INITIAL = Param("t_initial", "int", lo=1, help="Length of the first cycle, in t units.")
LR_MIN = Param("lr_min", "float", 0.0, lo=0.0,
               help="The LR at the end of each cycle and after the last one (absolute).")
K_DECAY = Param("k_decay", "float", 1.0, lo=0.0, lo_open=True,
                help="k-decay: the curve is taken at (t/T)^k instead of t/T (1: plain).")


def _power(x, y, t):
    """x ** y as timm computes it at step t, or SpecError where timm fails there.

    CPython raises OverflowError when the power leaves the float range (MicroPython returns
    inf), and a negative base with a fractional exponent gives a complex number, which timm
    cannot use as an LR.
    """
    if x < 0 and y != math.floor(y):
        raise _beyond(t, "(%r) ** %r is a complex number there" % (x, y))
    try:
        r = x ** y
    except OverflowError:
        r = INF
    if r == INF:
        raise _beyond(t, "%r ** %r overflows a float there (OverflowError)" % (x, y))
    return r


def _beyond(t, why):
    """The SpecError for a step at which timm itself fails."""
    return SpecError("step", t, "is beyond what timm computes: " + why)


def _check_warmup(p, lr):
    """Refuse a warmup that would start above the base LR."""
    if p["warmup_t"] and p["warmup_lr_init"] > lr:
        raise SpecError("params.warmup_lr_init", p["warmup_lr_init"],
                        "must be <= the base lr (%r) when warmup_t > 0; a warmup rises to "
                        "it" % lr)


class _TimmScheduler(Schedule):
    """What every timm scheduler shares: the base LR and the linear warmup.

    The series index is the scheduler's t: the epoch (``t_in_epochs=True``) or the
    optimizer update (False). ``get_lr(t)`` is timm's ``_get_lr``; ``at(0)`` is what the
    constructor writes instead.
    """

    def __init__(self, p, lr):
        Schedule.__init__(self, p, lr)
        self.warmup_t = p["warmup_t"]
        self.warmup_lr_init = p["warmup_lr_init"]
        self.warmup_prefix = p.get("warmup_prefix", False)
        self.start = self.warmup_lr_init if self.warmup_t else lr
        if self.warmup_t:
            self.warmup_step = (self.warmup_target() - self.warmup_lr_init) / self.warmup_t

    def warmup_target(self):
        """The LR the warmup rises towards (timm: the base LR)."""
        return self.lr

    @staticmethod
    def check(p, lr):
        _check_warmup(p, lr)

    def at(self, t):
        if t == 0:
            return self.start
        return self.get_lr(t)

    def series(self, n):
        if n <= 0:
            return []
        out = [self.start]
        end = min(n, max(self.warmup_t, 1))
        if self.warmup_t:
            init, step = self.warmup_lr_init, self.warmup_step
            out.extend([init + t * step for t in range(1, end)])
        if end < n:
            shift = self.warmup_t if self.warmup_prefix else 0
            fast = self.decay_series(end - shift, n - shift)
            if fast is None:
                get_lr = self.get_lr
                fast = [get_lr(t) for t in range(end, n)]
            out.extend(fast)
        return out

    def get_lr(self, t):
        """timm's _get_lr(t): the warmup line below warmup_t, else the decay."""
        if t < self.warmup_t:
            return self.warmup_lr_init + t * self.warmup_step
        return self.decay(t - self.warmup_t if self.warmup_prefix else t, t)

    def decay(self, u, t):
        """The LR after the warmup at u (t, shifted when warmup_prefix); t names the step
        in errors."""
        raise NotImplementedError

    def decay_series(self, a, b):
        """decay(u) for a <= u < b, quickly, or None where timm might fail in that range
        (then ``series`` evaluates step by step and raises at the failing step)."""
        raise NotImplementedError


class _CycleScheduler(_TimmScheduler):
    """Cosine, polynomial and tanh: cycles of t_initial * cycle_mul^i steps.

    Each value is lr_min + amplitude(lr_max) * shape(t_curr, t_i), lr_max being the base LR
    times cycle_decay^i, in timm's operation order.
    """

    gamma_first = True  # timm computes cycle_decay ** i before comparing i with cycle_limit

    def __init__(self, p, lr):
        self.t_initial = p["t_initial"]
        self.lr_min = p["lr_min"]
        self.cycle_mul = p["cycle_mul"]
        self.cycle_decay = p["cycle_decay"]
        self.cycle_limit = p["cycle_limit"]
        self.k_decay = p.get("k_decay", 1.0)
        _TimmScheduler.__init__(self, p, lr)

    @staticmethod
    def check(p, lr):
        _check_warmup(p, lr)
        if p["lr_min"] > lr:
            raise SpecError("params.lr_min", p["lr_min"],
                            "must be <= the base lr (%r); above it the curve would rise" % lr)

    def cycle(self, u, t):
        """(i, t_i, t_curr): the cycle index, its length and the time into it, as timm
        computes them; with cycle_mul != 1 the index is the floor of a float logarithm."""
        mul, t0 = self.cycle_mul, self.t_initial
        if mul == 1:
            i = u // t0
            return i, t0, u - t0 * i
        x = 1 - u / t0 * (1 - mul)
        if x <= 0:
            raise _beyond(t, "with cycle_mul < 1 the cycles end at t = %r and timm's "
                          "math.log fails from there on" % (t - u + t0 / (1 - mul)))
        if x == INF:
            raise _beyond(t, "1 - t / t_initial * (1 - cycle_mul) overflows a float there, "
                          "so timm's math.floor of its log fails (OverflowError)")
        i = math.floor(math.log(x, mul))
        scale = _power(mul, i, t)
        return i, scale * t0, u - (1 - scale) / (1 - mul) * t0

    def decay(self, u, t):
        i, t_i, t_curr = self.cycle(u, t)
        if self.gamma_first or i < self.cycle_limit:
            gamma = _power(self.cycle_decay, i, t)
        if i >= self.cycle_limit:
            return self.lr_min
        k = self.k_decay
        t_curk, t_ik = _power(t_curr, k, t), _power(t_i, k, t)
        if t_ik == 0.0:
            raise _beyond(t, "the cycle length %r ** k_decay %r underflows to 0 there and "
                          "timm divides by it (ZeroDivisionError)" % (t_i, k))
        shape = self.shapes([t_curr], [t_i], [t_ik], [t_curk])
        if shape is None:
            raise _beyond(t, "timm's curve is a complex number there")
        return self.lr_min + self.amplitudes([self.lr * gamma])[0] * shape[0]

    def amplitudes(self, lr_maxes):
        """The factor of each cycle's curve, from its peak LR."""
        lr_min = self.lr_min
        return [0.5 * (lr_max - lr_min) for lr_max in lr_maxes]

    def shapes(self, t_currs, t_is, t_iks, t_curks):
        """The curve's shape at each t_curr into a cycle of length t_i (lists, one entry
        per step; t_iks, t_curks: their k_decay powers), or None where timm's value would
        be complex."""
        raise NotImplementedError

    def k_powers(self, xs):
        """[x ** k_decay for x in xs] (xs itself when k_decay is 1, as x ** 1.0 is x), or
        None if one leaves the float range."""
        k = self.k_decay
        if k == 1:
            return xs
        return _checked(lambda: [x ** k for x in xs])

    def decay_series(self, a, b):
        mul, t0, limit = self.cycle_mul, self.t_initial, self.cycle_limit
        if mul == 1:
            index = None
            last = (b - 1) // t0
        else:
            x = 1 - (b - 1) / t0 * (1 - mul)
            if x <= 0 or x == INF:
                return None
            # math.log(x, mul) is log(x) / log(mul) in CPython and MicroPython alike
            log, floor, d, log_mul = math.log, math.floor, 1 - mul, math.log(mul)
            index = [floor(log(1 - u / t0 * d) / log_mul) for u in range(a, b)]
            if index != sorted(index):
                return None
            last = index[-1]
        cycles = min(last + 1, limit)
        decay = self.cycle_decay
        gammas = _checked(lambda: [decay ** i for i in range(cycles)])
        if gammas is None or (self.gamma_first and last >= limit
                              and _checked(lambda: [decay ** last]) is None):
            return None
        lr = self.lr
        amps = self.amplitudes([lr * g for g in gammas])
        if mul == 1:
            return self._equal_cycles(a, b, amps)
        return self._growing_cycles(a, b, index, amps)

    def _equal_cycles(self, a, b, amps):
        """decay_series for cycle_mul == 1: every cycle has the same shape."""
        t0, lr_min = self.t_initial, self.lr_min
        stop = min(b, self.cycle_limit * t0)
        if a >= stop:
            return [lr_min] * (b - a)
        span = range(min(t0, stop))
        t0k, t_curks = self.k_powers([float(t0)]), self.k_powers(span)
        if t0k is None or t_curks is None:
            return None
        count = len(span)
        shape = self.shapes(span, [t0] * count, t0k * count, t_curks)
        if shape is None:
            return None
        out = [lr_min + amps[u // t0] * shape[u % t0] for u in range(a, stop)]
        out.extend([lr_min] * (b - stop))
        return out

    def _growing_cycles(self, a, b, index, amps):
        """decay_series for cycle_mul != 1, from timm's cycle index of each step (index,
        nondecreasing)."""
        mul, t0, k, lr_min = self.cycle_mul, self.t_initial, self.k_decay, self.lr_min
        scales = _checked(lambda: [mul ** i for i in range(len(amps))])
        if scales is None:
            return None
        lengths = [scale * t0 for scale in scales]
        starts = [(1 - scale) / (1 - mul) * t0 for scale in scales]
        stop = _count_below(index, len(amps))
        index = index[:stop]
        t_currs = [u - starts[i] for u, i in zip(range(a, a + stop), index)]
        if t_currs and min(t_currs) < 0 and k != math.floor(k):
            return None
        length_ks, t_curks = self.k_powers(lengths), self.k_powers(t_currs)
        if length_ks is None or t_curks is None or 0.0 in length_ks:
            return None
        shape = self.shapes(t_currs, [lengths[i] for i in index],
                            [length_ks[i] for i in index], t_curks)
        if shape is None:
            return None
        out = [lr_min + amps[i] * s for i, s in zip(index, shape)]
        out.extend([lr_min] * (b - a - stop))
        return out


def _checked(powers):
    """The list powers() makes, or None if one of its powers leaves the float range
    (CPython raises OverflowError, MicroPython gives inf)."""
    try:
        out = powers()
    except OverflowError:
        return None
    return None if INF in out else out


def _count_below(sorted_values, limit):
    """How many of the nondecreasing sorted_values are < limit."""
    lo, hi = 0, len(sorted_values)
    while lo < hi:
        mid = (lo + hi) // 2
        if sorted_values[mid] < limit:
            lo = mid + 1
        else:
            hi = mid
    return lo


class CosineLRScheduler(_CycleScheduler):
    """timm ``CosineLRScheduler``: cosine from the base LR to lr_min, optional restarts.

    Index t is the scheduler's t (epochs with t_in_epochs=True, updates otherwise). Without
    warmup_prefix the warmup covers the first warmup_t steps of the cosine, so the LR jumps
    from the warmup line to the cosine and never equals the base LR after t = 0.
    """

    name = "CosineLRScheduler"
    summary = "Cosine from the base LR down to lr_min over t_initial, with optional restarts."
    doc = DOC % name
    notes = NOTES % NOISE
    params = (T_INITIAL, LR_MIN) + _cycle_params() + _warmup_params(False) + (
        T_IN_EPOCHS, K_DECAY)

    def shapes(self, t_currs, t_is, t_iks, t_curks):
        pi, cos = math.pi, math.cos
        return [1 + cos(pi * ck / ik) for ck, ik in zip(t_curks, t_iks)]


class PolyLRScheduler(_CycleScheduler):
    """timm ``PolyLRScheduler``: (1 - t/T)^power from the base LR to lr_min, with restarts.

    Index t is the scheduler's t (epochs with t_in_epochs=True, updates otherwise). Note
    timm's default power of 0.5.
    """

    name = "PolyLRScheduler"
    summary = "Polynomial decay (1 - t/t_initial)^power to lr_min, with optional restarts."
    doc = DOC % name
    notes = NOTES % NOISE
    params = (T_INITIAL, Param("power", "float", 0.5, lo=0.0, lo_open=True,
                               help="Exponent of the decay (timm's default is 0.5)."),
              LR_MIN) + _cycle_params() + _warmup_params(False) + (T_IN_EPOCHS, K_DECAY)

    def amplitudes(self, lr_maxes):
        lr_min = self.lr_min
        return [lr_max - lr_min for lr_max in lr_maxes]

    def shapes(self, t_currs, t_is, t_iks, t_curks):
        power = self.p["power"]
        lefts = [1 - ck / ik for ck, ik in zip(t_curks, t_iks)]
        if lefts and min(lefts) < 0 and power != math.floor(power):
            return None
        return [left ** power for left in lefts]


class TanhLRScheduler(_CycleScheduler):
    """timm ``TanhLRScheduler``: 1 - tanh from lb to ub over each cycle, with restarts.

    Index t is the scheduler's t (epochs with t_in_epochs=True, updates otherwise). The
    curve starts at 0.99999917 of the peak and ends at 0.00247 of it (defaults lb=-7,
    ub=3), then jumps to lr_min after the last cycle. Without warmup_prefix the warmup
    rises to the curve's value at warmup_t, so it joins the curve smoothly.
    """

    name = "TanhLRScheduler"
    summary = "Hyperbolic-tangent decay from the base LR towards lr_min, with restarts."
    doc = DOC % name
    notes = NOTES % NOISE
    params = (T_INITIAL,
              Param("lb", "float", -7.0, help="tanh argument at the start of a cycle."),
              Param("ub", "float", 3.0, help="tanh argument at the end of a cycle (> lb)."),
              LR_MIN) + _cycle_params() + _warmup_params(False) + (T_IN_EPOCHS,)
    gamma_first = False

    @staticmethod
    def check(p, lr):
        _CycleScheduler.check(p, lr)
        if p["ub"] <= p["lb"]:
            raise SpecError("params.ub", p["ub"], "must be > lb (%r)" % p["lb"])
        if p["warmup_t"] and not p["warmup_prefix"]:
            try:
                TanhLRScheduler(p, lr)
            except SpecError as err:
                raise SpecError("params.warmup_t", p["warmup_t"],
                                "must be a step where timm can evaluate the curve (its "
                                "constructor does, for the warmup's target); there it "
                                + err.allowed)

    def warmup_target(self):
        if self.warmup_prefix:
            return self.lr
        return self.decay(self.warmup_t, self.warmup_t)

    def shapes(self, t_currs, t_is, t_iks, t_curks):
        lb, ub, tanh = self.p["lb"], self.p["ub"], math.tanh
        return [1 - tanh(lb * (1. - tc / ti) + ub * (tc / ti)) for tc, ti in zip(t_currs, t_is)]


class StepLRScheduler(_TimmScheduler):
    """timm ``StepLRScheduler``: multiply the LR by decay_rate every decay_t steps.

    Index t is the scheduler's t (epochs with t_in_epochs=True, updates otherwise).
    decay_t may be fractional (timm's factory turns decay epochs into updates).
    """

    name = "StepLRScheduler"
    summary = "Multiply the LR by decay_rate every decay_t steps, after an optional warmup."
    doc = DOC % name
    notes = NOTES % NOISE
    params = (Param("decay_t", "float", lo=0.0, lo_open=True,
                    help="Steps between two decays (may be fractional)."),
              Param("decay_rate", "float", 1.0, lo=0.0, lo_open=True,
                    help="Factor applied at each decay (timm's default 1 never decays)."),
              ) + _warmup_params(True) + (T_IN_EPOCHS,)

    def decay(self, u, t):
        return self.lr * _power(self.p["decay_rate"], u // self.p["decay_t"], t)

    def decay_series(self, a, b):
        lr, rate, size = self.lr, self.p["decay_rate"], self.p["decay_t"]
        if _checked(lambda: [rate ** ((b - 1) // size)]) is None:
            return None
        return [lr * rate ** (u // size) for u in range(a, b)]


class MultiStepLRScheduler(_TimmScheduler):
    """timm ``MultiStepLRScheduler``: multiply the LR by decay_rate at each milestone.

    Index t is the scheduler's t (epochs with t_in_epochs=True, updates otherwise). timm
    counts the milestones m <= t + 1, so each decay lands at t = m - 1, one step before
    PyTorch's MultiStepLR (timm keeps this on purpose). Repeated milestones decay twice.
    """

    name = "MultiStepLRScheduler"
    summary = "Multiply the LR by decay_rate at each milestone (one step before PyTorch's)."
    doc = DOC % name
    notes = NOTES % NOISE
    params = (Param("decay_t", "list", item="int", lo=1, order="nondecreasing", min_len=1,
                    help="Milestones; the decay for milestone m applies from t = m - 1."),
              Param("decay_rate", "float", 1.0, lo=0.0, lo_open=True,
                    help="Factor applied at each milestone (timm's default 1 never decays)."),
              ) + _warmup_params(True) + (T_IN_EPOCHS,)

    def decay(self, u, t):
        return self.lr * _power(self.p["decay_rate"], self.passed(u), t)

    def passed(self, u):
        """How many milestones timm counts at u: those <= u + 1 (its bisect_right)."""
        return _count_below(self.p["decay_t"], u + 2)

    def decay_series(self, a, b):
        milestones, lr, rate = self.p["decay_t"], self.lr, self.p["decay_rate"]
        out = []
        u = a
        while u < b:
            count = self.passed(u)
            end = b if count == len(milestones) else min(b, milestones[count] - 1)
            factor = _checked(lambda: [rate ** count])
            if factor is None:
                return None
            out.extend([lr * factor[0]] * (end - u))
            u = end
        return out


class PlateauLRScheduler(_TimmScheduler):
    """timm ``PlateauLRScheduler``: torch's ReduceLROnPlateau behind a linear warmup.

    Index t is the epoch: timm's train.py calls ``step(epoch + 1, metric)`` after each
    epoch (step_update does nothing here). The spec's ``metrics[k]`` is the metric passed
    with ``step(k + 1)``, so the LR of epoch t depends on metrics[0..t-1] and n epochs need
    n - 1 metrics. Epochs 1..warmup_t (inclusive, unlike the other timm schedulers) take
    the warmup line and the metrics passed meanwhile are ignored; afterwards each step runs
    ReduceLROnPlateau (threshold_mode "rel", eps 1e-8: timm passes neither) from the LR
    the warmup left.
    """

    name = "PlateauLRScheduler"
    summary = "Multiply the LR by decay_rate when the metric stalls (timm's default: 'max')."
    doc = DOC % name
    notes = (NOTES % "noise_range_t, noise_type, noise_pct, noise_std, noise_seed"
             + " timm 1.0.31 marks this "
             "class deprecated (FutureWarning): its plateau state is not saved in "
             "checkpoints. Driven by the spec's metrics, one per step(epoch + 1, metric); n "
             "epochs need n - 1 metrics.")
    metric_driven = True
    params = (
        Param("decay_rate", "float", 0.1, lo=0.0, lo_open=True, hi=1.0, hi_open=True,
              help="Each reduction multiplies the LR by this (torch's factor)."),
        Param("patience_t", "int", 10, lo=0,
              help="Epochs without improvement tolerated; the next one reduces the LR."),
        Param("threshold", "float", 1e-4, lo=0.0,
              help="How much better than the best so far, as a fraction of it, a metric "
                   "must be to count as an improvement."),
        Param("cooldown_t", "int", 0, lo=0,
              help="Epochs after a reduction during which bad epochs are not counted."),
        Param("warmup_t", "int", 0, lo=0,
              help="Epochs of linear warmup; the warmup line includes epoch warmup_t."),
        Param("warmup_lr_init", "float", 0.0, lo=0.0,
              help="The LR at epoch 0 when there is a warmup; it rises linearly from there."),
        Param("lr_min", "float", 0.0, lo=0.0, help="The LR is never reduced below this."),
        Param("mode", "choice", "max", choices=("min", "max"),
              help="max (timm's default): the metric should rise (an accuracy); min: it "
                   "should fall (a loss)."),
    )

    def __init__(self, p, lr, metrics):
        _TimmScheduler.__init__(self, p, lr)
        self.metrics = metrics

    @staticmethod
    def settings(p):
        """The ReduceLROnPlateau arguments timm passes, under torch's names."""
        return {"mode": p["mode"], "factor": p["decay_rate"], "patience": p["patience_t"],
                "threshold": p["threshold"], "threshold_mode": "rel",
                "cooldown": p["cooldown_t"], "min_lr": p["lr_min"], "eps": 1e-8}

    @staticmethod
    def check(p, lr):
        _check_warmup(p, lr)
        start = lr
        if p["warmup_t"]:
            init = p["warmup_lr_init"]
            start = init + p["warmup_t"] * ((lr - init) / p["warmup_t"])
        try:
            check_settings(PlateauLRScheduler.settings(p), start,
                           {"factor": "decay_rate", "min_lr": "lr_min"})
        except SpecError as err:
            if err.field != "params.eps":
                raise
            raise SpecError("params.decay_rate", p["decay_rate"],
                            "must lower the LR (%r) by more than torch's eps (1e-8), which "
                            "timm leaves at its default; with lr_min %r no reduction would "
                            "ever happen" % (start, p["lr_min"]))

    def series(self, n):
        check_metric_count(n, self.metrics, "n", n)
        if n <= 0:
            return []
        warm = min(n - 1, self.warmup_t)
        out = [self.start]
        if warm:
            init, step = self.warmup_lr_init, self.warmup_step
            out.extend([init + t * step for t in range(1, warm + 1)])
        tail = plateau_series(Plateau(self.settings(self.p)), out[warm], self.metrics[warm:],
                              n - warm)
        return out + tail[1:]

    def at(self, t):
        check_metric_count(t + 1, self.metrics, "step", t)
        return self.series(t + 1)[t]


SCHEDULES = (CosineLRScheduler, StepLRScheduler, MultiStepLRScheduler, PolyLRScheduler,
             TanhLRScheduler, PlateauLRScheduler)


def _drive(spec):
    """The comment telling how to step the scheduler so it reproduces pycore's series."""
    if spec["name"] == "PlateauLRScheduler":
        return ("# t is the epoch: epoch 0 trains with the LR set above; after each epoch call\n"
                "# scheduler.step(epoch + 1, metric), metric being that epoch's evaluation "
                "result\n# (the spec's metrics[epoch]).")
    if not spec["params"].get("t_in_epochs", True):
        return ("# t counts optimizer updates: update 0 uses the LR set above; after each "
                "update call\n# scheduler.step_update(num_updates), num_updates being the "
                "updates done so far.")
    return ("# t is the epoch: epoch 0 trains with the LR set above; after each epoch call\n"
            "# scheduler.step(epoch + 1).")


def to_code(spec):
    """timm code defining ``optimizer`` (for an existing ``model``) and ``scheduler``."""
    name = spec["name"]
    cls = dict((c.name, c) for c in SCHEDULES)[name]
    params = dict(spec["params"])
    if name == "StepLRScheduler" and params["decay_t"] == math.floor(params["decay_t"]):
        params["decay_t"] = int(params["decay_t"])  # same LRs; reads as the whole number
    args = ["optimizer"] + changed(params, cls.params)
    return "\n".join([
        "import torch",
        "from timm.scheduler import " + name,
        "",
        "optimizer = torch.optim.SGD(model.parameters(), lr=%s)" % literal(spec["lr"]),
        "scheduler = " + call(name, args),
        _drive(spec),
        "",
    ])
