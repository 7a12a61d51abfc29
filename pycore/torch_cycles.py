"""PyTorch 2.13's cyclic and annealing schedulers: CyclicLR, OneCycleLR and SWALR.

CyclicLR and OneCycleLR are absolute: the LR of update t is a function of t alone, written
over whatever the optimizer held, so ``at`` is the exact value torch computes and
``series`` evaluates it in torch's operation order (bit-identical to torch). Both also
cycle the optimizer's momentum (or Adam's beta1) inversely to the LR, see
``momentum_series``.

SWALR (``torch.optim.swa_utils``) is relative: each step recovers the LR it started from
out of the current one and moves it towards ``swa_lr``, so ``step`` depends on the LR it is
given (inside a SequentialLR, the LR the previous scheduler left); ``at`` is the closed form
it is equal to up to rounding.

Update t is the LR after t ``scheduler.step()`` calls, as in ``sched_pytorch``.
"""
import math

from .errors import SpecError
from .params import Param
from .schedules import TorchScheduler

DOC = "https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.%s.html"
MAX_HALVINGS = 1023  # triangular2 computes 2.0 ** (cycle - 1); beyond this it overflows


def _momentum(name, default, what):
    """A momentum bound: torch writes it into SGD's momentum (or Adam's beta1)."""
    return Param(name, "float", default, lo=0.0, hi=1.0, hi_open=True, help=what)


def _check_momenta(p):
    """Momentum falls from max_momentum to base_momentum while the LR rises."""
    if p["cycle_momentum"] and p["base_momentum"] > p["max_momentum"]:
        raise SpecError("params.base_momentum", p["base_momentum"],
                        "must be <= max_momentum (%s): the momentum falls from max_momentum "
                        "to base_momentum while the LR rises" % p["max_momentum"])


class CyclicLR(TorchScheduler):
    """PyTorch ``CyclicLR``: triangles between base_lr and max_lr, forever.

    A cycle is step_size_up updates rising from base_lr towards max_lr, then step_size_down
    falling back; ``triangular2`` halves the height every cycle and ``exp_range`` scales it
    by gamma ** t. The momentum mirrors the LR between max_momentum and base_momentum.
    """

    name = "CyclicLR"
    summary = "Triangular cycles between base_lr and max_lr (optionally shrinking)."
    doc = DOC % "CyclicLR"
    notes = ("A custom scale_fn is not supported, so neither is scale_mode (it only affects "
             "a custom scale_fn). base_lr, max_lr and the momenta are single numbers, not "
             "per-group lists. Construction overwrites the optimizer's lr with base_lr (and "
             "its momentum with max_momentum). With triangular2, torch raises "
             "OverflowError once the cycle number passes 1024; pycore reports it as an error.")
    closed_form = False
    has_momentum = True
    params = (
        Param("base_lr", "float", lo=0.0,
              help="The lowest LR: each cycle starts and ends here."),
        Param("max_lr", "float", lo=0.0, lo_open=True,
              help="The top of the first cycle (later ones may be lower, see mode)."),
        Param("step_size_up", "int", 2000, lo=1,
              help="Updates spent rising from base_lr to the top of a cycle."),
        Param("step_size_down", "int", lo=0, nullable=True,
              help="Updates spent falling back to base_lr; null means step_size_up, "
                   "0 makes a sawtooth."),
        Param("mode", "choice", "triangular", choices=("triangular", "triangular2", "exp_range"),
              help="triangular: same height every cycle; triangular2: half the height each "
                   "cycle; exp_range: height times gamma ** update."),
        Param("gamma", "float", 1.0, lo=0.0, lo_open=True, hi=1.0,
              help="exp_range only: the height shrinks by this factor every update."),
        Param("cycle_momentum", "bool", True,
              help="Cycle the momentum inversely to the LR, between max_momentum and "
                   "base_momentum."),
        _momentum("base_momentum", 0.8, "The momentum at the top of the LR cycle."),
        _momentum("max_momentum", 0.9, "The momentum at base_lr, where every cycle starts."),
    )

    def __init__(self, p, lr):
        TorchScheduler.__init__(self, p, lr)
        up = float(p["step_size_up"])
        down = up if p["step_size_down"] is None else float(p["step_size_down"])
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        self.base_lr = p["base_lr"]
        self.max_lr = p["max_lr"]
        self.mode = p["mode"]
        self.gamma = p["gamma"]
        self.first_overflow = (_first_cycle_step(self.total_size, MAX_HALVINGS + 2)
                               if self.mode == "triangular2" else None)

    @staticmethod
    def check(p, lr):
        if p["max_lr"] < p["base_lr"]:
            raise SpecError("params.max_lr", p["max_lr"],
                            "must be >= base_lr (%s): the LR cycles up from base_lr to "
                            "max_lr" % p["base_lr"])
        _check_momenta(p)

    def group_writes(self):
        """The constructor sets the group's LR to base_lr before the base class reads it."""
        return self.base_lr, None

    def construct(self, lr, initial_lr):
        """torch runs CyclicLR's initial step while its base LR is still the group's
        ``initial_lr`` (it swaps in base_lr only afterwards), so update 0 uses
        ``initial_lr``: base_lr when CyclicLR is the first scheduler built on the
        optimizer, the optimizer's original LR when another one was built before it."""
        lr, initial_lr = TorchScheduler.construct(self, lr, initial_lr)
        return initial_lr, initial_lr

    def _refuse(self, t, field, value):
        """torch's triangular2 raises OverflowError at step first_overflow."""
        stop = self.first_overflow
        if stop is not None and t >= stop:
            most = stop if field == "n" else stop - 1
            raise SpecError(field, value,
                            "must be at most %d with triangular2: at step %d the cycle number "
                            "passes %d and torch raises OverflowError (2.0 ** (cycle - 1) "
                            "overflows)" % (most, stop, MAX_HALVINGS + 1))

    def _height(self, t):
        """(fraction of the way up the current cycle, height scale) at step t."""
        q = t / self.total_size
        cycle = math.floor(1 + q)
        x = 1.0 + q - cycle
        r = self.step_ratio
        h = x / r if x <= r else (x - 1) / (r - 1)
        if self.mode == "triangular":
            return h, 1.0
        if self.mode == "triangular2":
            return h, 1 / (2.0 ** (cycle - 1))
        return h, self.gamma ** t

    def at(self, t):
        self._refuse(t, "step", t)
        h, g = self._height(t)
        return self.base_lr + (self.max_lr - self.base_lr) * h * g

    def series(self, n):
        self._refuse(n - 1, "n", n)
        return self._curve(n, self.base_lr, self.max_lr - self.base_lr)

    def momentum_series(self, n):
        return self.momentum_part(0, n)

    def momentum_part(self, a, b):
        if not self.p["cycle_momentum"]:
            return None
        self._refuse(b - 1, "n", b)
        top = self.p["max_momentum"]
        return self._curve(b, top, self.p["base_momentum"] - top, a)

    def _curve(self, n, start, span, first=0):
        """start + (span * h) * g for steps first..n-1, in torch's operation order.

        For the momentum torch computes top - ((top - base) * h) * g; with span = base - top
        that is the same number, as negating an operand only flips the product's sign.
        """
        size, r, gamma = self.total_size, self.step_ratio, self.gamma
        floor = math.floor
        steps = range(first, n)
        fractions = [1.0 + t / size - floor(1 + t / size) for t in steps]
        ups = [x / r if x <= r else (x - 1) / (r - 1) for x in fractions]
        if self.mode == "triangular":
            return [start + span * h for h in ups]
        if self.mode == "triangular2":
            return [start + span * h * (1 / (2.0 ** (floor(1 + t / size) - 1)))
                    for t, h in zip(steps, ups)]
        return [start + span * h * gamma ** t for t, h in zip(steps, ups)]


def _first_cycle_step(size, cycle):
    """The first step t whose cycle number floor(1 + t / size) reaches ``cycle``."""
    lo, hi = 0, int((cycle - 1) * size) + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if math.floor(1 + mid / size) >= cycle:
            hi = mid
        else:
            lo = mid + 1
    return lo


class OneCycleLR(TorchScheduler):
    """PyTorch ``OneCycleLR``: warm up from max_lr/div_factor to max_lr, then anneal to
    max_lr/(div_factor*final_div_factor), over total_steps scheduler steps.

    The peak falls on step pct_start*total_steps - 1 and the minimum on total_steps - 1.
    torch allows total_steps step() calls: the last one writes an extrapolated LR, one
    more raises. ``three_phase`` climbs back down to the initial LR before the final
    anneal. The momentum is annealed the opposite way.
    """

    name = "OneCycleLR"
    summary = "Warm up to max_lr, then anneal far below the start, over total_steps steps."
    doc = DOC % "OneCycleLR"
    notes = ("max_lr and the momenta are single numbers, not per-group lists. Construction "
             "overwrites the optimizer's lr and initial_lr with max_lr/div_factor (and its "
             "momentum with max_momentum). torch allows total_steps scheduler.step() calls, "
             "so at most total_steps + 1 updates.")
    closed_form = False
    has_momentum = True
    params = (
        Param("max_lr", "float", lo=0.0, lo_open=True, help="The peak LR."),
        Param("total_steps", "int", lo=1, nullable=True,
              help="Scheduler steps in the cycle; or give epochs and steps_per_epoch."),
        Param("epochs", "int", lo=1, nullable=True,
              help="With steps_per_epoch, instead of total_steps: the cycle lasts "
                   "epochs * steps_per_epoch steps."),
        Param("steps_per_epoch", "int", lo=1, nullable=True,
              help="Scheduler steps per epoch (with epochs, instead of total_steps)."),
        Param("pct_start", "float", 0.3, lo=0.0, lo_open=True, hi=1.0, hi_open=True,
              help="Fraction of the cycle spent warming up to max_lr."),
        Param("anneal_strategy", "choice", "cos", choices=("cos", "linear"),
              help="Shape of every phase: half a cosine, or a straight line."),
        Param("cycle_momentum", "bool", True,
              help="Anneal the momentum inversely to the LR, between max_momentum and "
                   "base_momentum."),
        _momentum("base_momentum", 0.85, "The momentum at the LR's peak."),
        _momentum("max_momentum", 0.95, "The momentum at the start and at the end."),
        Param("div_factor", "float", 25.0, lo=1.0,
              help="The cycle starts at max_lr / div_factor."),
        Param("final_div_factor", "float", 1e4, lo=1.0,
              help="The cycle ends at max_lr / (div_factor * final_div_factor)."),
        Param("three_phase", "bool", False,
              help="Climb back down to the starting LR before the final anneal "
                   "(three phases instead of two)."),
    )

    def __init__(self, p, lr):
        TorchScheduler.__init__(self, p, lr)
        self.total_steps = _total_steps(p)
        initial = p["max_lr"] / p["div_factor"]
        peak = p["max_lr"]
        low = initial / p["final_div_factor"]
        top_m, base_m = p["max_momentum"], p["base_momentum"]
        ends = _phase_ends(p["pct_start"], self.total_steps, p["three_phase"])
        if p["three_phase"]:
            levels = ((initial, peak, top_m, base_m), (peak, initial, base_m, top_m),
                      (initial, low, top_m, top_m))
        else:
            levels = ((initial, peak, top_m, base_m), (peak, low, base_m, top_m))
        self.phases = []
        start = 0.0
        for end, lv in zip(ends, levels):
            self.phases.append((start, end) + lv)
            start = end
        self.cos = p["anneal_strategy"] == "cos"

    @staticmethod
    def check(p, lr):
        given = [k for k in ("epochs", "steps_per_epoch") if p[k] is not None]
        if p["total_steps"] is not None:
            if given:
                raise SpecError("params." + given[0], p[given[0]],
                                "must be null when total_steps is given (torch then ignores "
                                "epochs and steps_per_epoch)")
        elif len(given) < 2:
            missing = "epochs" if p["epochs"] is None else "steps_per_epoch"
            raise SpecError("params." + missing, None,
                            "is required when total_steps is null: give total_steps, or "
                            "both epochs and steps_per_epoch")
        total = _total_steps(p)
        pct = p["pct_start"]
        ends = _phase_ends(pct, total, p["three_phase"])
        if not ends[0] > 0:
            raise SpecError("params.pct_start", pct,
                            "must make pct_start * total_steps > 1 (here %d steps): the LR "
                            "peaks at step pct_start * total_steps - 1, which must come "
                            "after step 0" % total)
        for i in range(1, len(ends)):
            if not ends[i] > ends[i - 1]:
                raise SpecError("params.pct_start", pct, _EMPTY_PHASE[len(ends)] % (
                    i + 1, ends[i], ends[i - 1]))
        _check_momenta(p)

    def group_writes(self):
        """The constructor overwrites the group's initial_lr with max_lr / div_factor."""
        return None, self.p["max_lr"] / self.p["div_factor"]

    def _refuse(self, t, field, value):
        """torch raises ValueError at the step() call that would pass total_steps."""
        total = self.total_steps
        if t > total:
            most = total + 1 if field == "n" else total
            raise SpecError(field, value,
                            "must be at most %d: OneCycleLR with total_steps=%d allows %d "
                            "scheduler.step() calls, and torch raises ValueError at call %d "
                            "(the step that would set update %d)"
                            % (most, total, total, total + 1, total + 1))

    def _phase(self, t):
        """The phase step t falls in: the first that ends at or after t, else the last."""
        for ph in self.phases:
            if t <= ph[1]:
                return ph
        return self.phases[-1]

    def _anneal(self, start, end, pct):
        if self.cos:
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def at(self, t):
        self._refuse(t, "step", t)
        ph = self._phase(t)
        return self._anneal(ph[2], ph[3], (t - ph[0]) / (ph[1] - ph[0]))

    def series(self, n):
        self._refuse(n - 1, "n", n)
        return self._curve(n, 2)

    def momentum_series(self, n):
        return self.momentum_part(0, n)

    def momentum_part(self, a, b):
        if not self.p["cycle_momentum"]:
            return None
        self._refuse(b - 1, "n", b)
        return self._curve(b, 4, a)

    def _curve(self, n, level, first=0):
        """Steps first..n-1 phase by phase; ``level`` picks the LR (2) or momentum (4) pair."""
        out = []
        cos, pi = math.cos, math.pi
        last = len(self.phases) - 1
        t = first
        for i, ph in enumerate(self.phases):
            stop = n if i == last else min(n, math.floor(ph[1]) + 1)
            s, span = ph[0], ph[1] - ph[0]
            a, b = ph[level], ph[level + 1]
            if self.cos:
                half = (a - b) / 2.0
                out.extend([b + half * (cos(pi * ((k - s) / span)) + 1) for k in range(t, stop)])
            else:
                rise = b - a
                out.extend([rise * ((k - s) / span) + a for k in range(t, stop)])
            t = max(t, stop)
        return out


_EMPTY_PHASE = {
    2: "must leave steps for the anneal: phase %d would end at step %s, not after the "
       "peak at step %s",
    3: "must be below about 0.5 with three_phase: phase %d would end at step %s, not after "
       "step %s, leaving it empty",
}


def _total_steps(p):
    """The cycle length: total_steps, or epochs * steps_per_epoch."""
    if p["total_steps"] is not None:
        return p["total_steps"]
    return p["epochs"] * p["steps_per_epoch"]


def _phase_ends(pct, total, three_phase):
    """The step each phase ends on, computed as torch does (floats, then an int)."""
    if three_phase:
        return [float(pct * total) - 1, float(2 * pct * total) - 2, total - 1]
    return [float(pct * total) - 1, total - 1]


class SWALR(TorchScheduler):
    """``torch.optim.swa_utils.SWALR``: anneal from the current LR to swa_lr over
    anneal_epochs steps, then hold swa_lr.

    Each step recovers the LR it started from out of the current one (undoing the previous
    step's mix) and mixes it with swa_lr by alpha(t) = (1 - cos(pi t)) / 2 or alpha(t) = t,
    t = step / anneal_epochs. So it follows whatever LR it finds when it starts.
    """

    name = "SWALR"
    summary = "Anneal from the current LR to swa_lr over anneal_epochs steps, then hold it."
    doc = "https://docs.pytorch.org/docs/stable/generated/torch.optim.swa_utils.SWALR.html"
    notes = ("swa_lr is a single number, not a per-group list. SWALR starts from whatever LR "
             "the optimizer holds; on its own that is the spec's lr.")
    closed_form = False
    chainable = True
    params = (
        Param("swa_lr", "float", lo=0.0, lo_open=True,
              help="The LR held once the annealing is over."),
        Param("anneal_epochs", "int", 10, lo=0,
              help="Scheduler steps from the starting LR to swa_lr; 0 switches at once."),
        Param("anneal_strategy", "choice", "cos", choices=("cos", "linear"),
              help="Shape of the annealing: half a cosine, or a straight line."),
    )

    def __init__(self, p, lr):
        TorchScheduler.__init__(self, p, lr)
        self.swa_lr = p["swa_lr"]
        self.epochs = p["anneal_epochs"]
        self.cos = p["anneal_strategy"] == "cos"

    def _alpha(self, s):
        """The share of swa_lr after s steps (s clamped as torch clamps it)."""
        x = max(0.0, min(1.0, s / max(1, self.epochs)))
        if self.cos:
            return (1 - math.cos(math.pi * x)) / 2
        return x

    def _alphas(self, n):
        """``_alpha`` of steps 0..n-1 (s >= 0 needs no lower clamp)."""
        d = max(1, self.epochs)
        shares = [min(1.0, s / d) for s in range(n)]
        if self.cos:
            cos, pi = math.cos, math.pi
            return [(1 - cos(pi * x)) / 2 for x in shares]
        return shares

    def initial(self, lr):
        return self.step(lr, 0)

    def step(self, lr, t):
        swa = self.swa_lr
        s = max(1, t) if self.epochs == 0 else t
        before = self._alpha(s - 1)
        if before != 1:
            lr = (lr - before * swa) / (1 - before)
        else:
            lr = swa
        alpha = self._alpha(s)
        return swa * alpha + lr * (1 - alpha)

    def at(self, t):
        alpha = self._alpha(max(1, t) if self.epochs == 0 else t)
        return self.swa_lr * alpha + self.lr * (1 - alpha)

    def series(self, n):
        out = []
        if n <= 0:
            return out
        swa = self.swa_lr
        lr = self.initial(self.lr)
        out.append(lr)
        # From step anneal_epochs + 1 on (from step 1 if anneal_epochs is 0) the recovered
        # LR is swa_lr and alpha is 1, so the LR is swa_lr exactly.
        stop = min(n, self.epochs + 2) if self.epochs else 1
        alphas = self._alphas(stop)
        for s in range(1, stop):
            before, alpha = alphas[s - 1], alphas[s]
            if before != 1:
                lr = (lr - before * swa) / (1 - before)
            else:
                lr = swa
            lr = swa * alpha + lr * (1 - alpha)
            out.append(lr)
        out.extend([swa] * (n - len(out)))
        return out
