"""PyTorch 2.13 schedulers (``torch.optim.lr_scheduler``), stepped as PyTorch steps them.

Values are Python floats (float64) as in torch. ``series`` replays each scheduler's
chainable ``get_lr`` in PyTorch's operation order, so it is bit-identical to torch;
``at`` is torch's closed form (``_get_closed_form_lr``) where it has one, which differs
from the replay by rounding drift only. Update t uses the LR after t ``scheduler.step()``
calls; construction already wrote the LR of update 0.

SequentialLR and ChainedScheduler drive their children through ``TorchScheduler``'s
``construct``/``initial``/``step``/``restart``, so any torch-based child works, including
those of ``torch_cycles``. The children share one optimizer, as in the snippet
``to_code`` writes: each is built in list order on the LR the previous ones left.
"""
import math

from . import expr
from .codegen import call, changed, literal
from .errors import SpecError
from .params import Param
from .plateau import ReduceLROnPlateau
from .schedules import TorchScheduler
from .torch_cycles import SWALR, CyclicLR, OneCycleLR

FRAMEWORK = "pytorch"
DOC = "https://docs.pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.%s.html"
COMPOSITES = ("SequentialLR", "ChainedScheduler")
SHARED_GROUP = ("Children that would overwrite each other's settings in the shared param "
                "group are refused: two OneCycleLR, SWALRs with different swa_lr, a "
                "momentum-cycling CyclicLR built after a momentum-cycling OneCycleLR.")


def _pow(x, k):
    """x ** k for x > 0, or inf where CPython raises OverflowError (MicroPython gives inf):
    torch's recursion gets there by repeated multiplication, which overflows to inf
    without an error."""
    try:
        return x ** k
    except OverflowError:
        return math.inf


def _scaled(lr, x, k):
    """lr * x ** k for lr, x > 0, as torch's closed form computes it; where x ** k alone
    overflows but the product does not (a small lr, a growing factor), through logarithms
    (within 1e-13), as torch's recursion still gives a finite LR there."""
    power = _pow(x, k)
    if power != math.inf:
        return lr * power
    try:
        return math.exp(math.log(lr) + k * math.log(x))
    except (OverflowError, ValueError):  # MicroPython's exp raises ValueError
        return math.inf


def _bisect_right(items, x):
    """How many of the sorted items are <= x (``bisect.bisect_right``; MicroPython has no
    bisect module)."""
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        if x < items[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


class _Chainable(TorchScheduler):
    """A scheduler in PyTorch's chainable form: ``get_lr`` rescales the current LR, so
    inside ChainedScheduler its changes multiply with the others'. Most leave the LR alone
    at construction."""

    chainable = True

    def initial(self, lr):
        return lr


class LambdaLR(TorchScheduler):
    """PyTorch ``LambdaLR``: update t uses the base LR times lr_lambda(t).

    Absolute: each step recomputes from the base LR, so there is no drift. torch has no
    closed form for it, but the value is one, so ``at`` is exact and O(1).
    """

    name = "LambdaLR"
    summary = "The base LR times a formula of the step."
    doc = DOC % "LambdaLR"
    notes = ("lr_lambda is a formula in pycore's expression language, not any Python "
             "function; one formula for all param groups.")
    closed_form = False
    params = (Param("lr_lambda", "formula",
                    help="The multiple of the base LR that step t uses, as " + expr.HELP + "."),)

    def __init__(self, p, lr):
        TorchScheduler.__init__(self, p, lr)
        self.formula = expr.parse(p["lr_lambda"], "params.lr_lambda")

    @staticmethod
    def check(p, lr):
        # torch evaluates lr_lambda(0) in the constructor
        expr.parse(p["lr_lambda"], "params.lr_lambda").factor(0)

    def at(self, t):
        return self.lr * self.formula.factor(t)

    def series(self, n):
        lr, value = self.lr, self.formula.factor
        return [lr * value(t) for t in range(n)]


class MultiplicativeLR(_Chainable):
    """PyTorch ``MultiplicativeLR``: each step multiplies the current LR by lr_lambda(t).

    Construction leaves the LR alone, so update t uses the base LR times the product of
    lr_lambda(1..t). torch has no closed form: ``at`` replays the t products (O(t)).
    """

    name = "MultiplicativeLR"
    summary = "Multiply the LR by a formula of the step at every step."
    doc = DOC % "MultiplicativeLR"
    notes = LambdaLR.notes
    closed_form = False
    params = (Param("lr_lambda", "formula",
                    help="What each step t from 1 on multiplies the LR by, as " + expr.HELP
                         + "."),)

    def __init__(self, p, lr):
        _Chainable.__init__(self, p, lr)
        self.formula = expr.parse(p["lr_lambda"], "params.lr_lambda")

    @staticmethod
    def check(p, lr):
        expr.parse(p["lr_lambda"], "params.lr_lambda")

    def step(self, lr, t):
        return lr * self.formula.factor(t)

    def at(self, t):
        lr, value = self.lr, self.formula.factor
        for k in range(1, t + 1):
            lr = lr * value(k)
        return lr

    def replay(self, out, lr, t, end):
        value = self.formula.factor
        append = out.append
        for t in range(t, end):
            lr = lr * value(t)
            append(lr)


class StepLR(_Chainable):
    """PyTorch ``StepLR``: multiply the LR by gamma every step_size scheduler steps."""

    name = "StepLR"
    summary = "Multiply the LR by gamma every step_size steps."
    doc = DOC % "StepLR"
    params = (
        Param("step_size", "int", lo=1, help="Scheduler steps between two decays."),
        Param("gamma", "float", 0.1, lo=0.0, lo_open=True,
              help="Factor applied at each decay."),
    )

    def __init__(self, p, lr):
        _Chainable.__init__(self, p, lr)
        self.size = p["step_size"]
        self.gamma = p["gamma"]

    def factor(self, t):
        return _pow(self.gamma, t // self.size)

    def at(self, t):
        return _scaled(self.lr, self.gamma, t // self.size)

    def step(self, lr, t):
        # torch 2.13 get_lr: keep the LR unless t is a nonzero multiple of step_size.
        return lr * self.gamma if t != 0 and t % self.size == 0 else lr

    def replay(self, out, lr, t, end):
        size, gamma = self.size, self.gamma
        append = out.append
        for t in range(t, end):
            if t % size == 0:
                lr = lr * gamma
            append(lr)


class MultiStepLR(_Chainable):
    """PyTorch ``MultiStepLR``: multiply the LR by gamma at each milestone.

    A milestone listed k times multiplies by gamma ** k there (torch counts them).
    """

    name = "MultiStepLR"
    summary = "Multiply the LR by gamma at each milestone step."
    doc = DOC % "MultiStepLR"
    params = (
        Param("milestones", "list", item="int", lo=0, order="nondecreasing",
              help="Scheduler steps at which the LR is multiplied by gamma; a step listed "
                   "twice multiplies twice."),
        Param("gamma", "float", 0.1, lo=0.0, lo_open=True,
              help="Factor applied at each milestone."),
    )

    def __init__(self, p, lr):
        _Chainable.__init__(self, p, lr)
        self.milestones = p["milestones"]
        self.gamma = p["gamma"]
        self.counts = {}
        for m in self.milestones:
            self.counts[m] = self.counts.get(m, 0) + 1
        self.drops = sorted(self.counts.items())

    def factor(self, t):
        return _pow(self.gamma, _bisect_right(self.milestones, t))

    def at(self, t):
        return _scaled(self.lr, self.gamma, _bisect_right(self.milestones, t))

    def initial(self, lr):
        # torch tests the milestones at construction too: a milestone 0 applies at once
        return self.step(lr, 0)

    def step(self, lr, t):
        count = self.counts.get(t)
        return lr if count is None else lr * _pow(self.gamma, count)

    def series(self, n):
        out = []
        lr = self.lr
        for m, count in self.drops:
            if m >= n:
                break
            out.extend([lr] * (m - len(out)))
            lr = lr * _pow(self.gamma, count)
        out.extend([lr] * (n - len(out)))
        return out


class ConstantLR(_Chainable):
    """PyTorch ``ConstantLR``: the LR times factor until total_iters, then the LR again.

    The recursion divides by factor at total_iters (multiplying by 1.0 / factor), so the
    LR it returns to need not be the base LR bit for bit.
    """

    name = "ConstantLR"
    summary = "The LR times factor for the first total_iters steps, then back to it."
    doc = DOC % "ConstantLR"
    params = (
        Param("factor", "float", 1.0 / 3, lo=0.0, lo_open=True, hi=1.0,
              help="Multiplier of the LR until total_iters; not 0, since torch divides by "
                   "it at total_iters."),
        Param("total_iters", "int", 5, lo=1, help="Scheduler steps spent at the reduced LR."),
    )

    def __init__(self, p, lr):
        _Chainable.__init__(self, p, lr)
        self.scale = p["factor"]
        self.total = p["total_iters"]

    @staticmethod
    def check(p, lr):
        f = p["factor"]
        if lr * f == 0.0 or 1.0 / f == math.inf:
            raise SpecError("params.factor", f,
                            "must be large enough that lr * factor is above 0 and "
                            "1 / factor is finite: torch restores the LR by multiplying by "
                            "1 / factor, which would give 0 or nan")

    def factor(self, t):
        f = self.scale
        return f + (1 - f) if t >= self.total else f

    def at(self, t):
        return self.lr * self.factor(t)

    def initial(self, lr):
        return lr * self.scale

    def step(self, lr, t):
        if t == 0:
            return lr * self.scale
        if t != self.total:
            return lr
        return lr * (1.0 / self.scale)

    def series(self, n):
        low = self.lr * self.scale
        head = min(n, self.total)
        return [low] * head + [low * (1.0 / self.scale)] * (n - head)


class LinearLR(_Chainable):
    """PyTorch ``LinearLR``: the LR's multiplier moves linearly from start_factor to
    end_factor over total_iters steps, then stays."""

    name = "LinearLR"
    summary = "Scale the LR linearly from start_factor to end_factor over total_iters steps."
    doc = DOC % "LinearLR"
    params = (
        Param("start_factor", "float", 1.0 / 3, lo=0.0, lo_open=True, hi=1.0,
              help="Multiplier of the LR at step 0 (torch refuses 0)."),
        Param("end_factor", "float", 1.0, lo=0.0, hi=1.0,
              help="Multiplier of the LR from total_iters on."),
        Param("total_iters", "int", 5, lo=1,
              help="Scheduler steps from start_factor to end_factor."),
    )

    def __init__(self, p, lr):
        _Chainable.__init__(self, p, lr)
        self.start = p["start_factor"]
        self.end = p["end_factor"]
        self.total = p["total_iters"]

    @staticmethod
    def check(p, lr):
        s, e = p["start_factor"], p["end_factor"]
        if lr * s == 0.0 or abs((e - s) / (p["total_iters"] * s)) == math.inf:
            raise SpecError("params.start_factor", s,
                            "must be large enough that lr * start_factor is above 0 "
                            "and the first step's ratio (end_factor - start_factor) / "
                            "(total_iters * start_factor) is finite: torch's recursion "
                            "would give 0 or nan")

    def factor(self, t):
        return self.start + (self.end - self.start) * min(self.total, t) / self.total

    def at(self, t):
        return self.lr * self.factor(t)

    def initial(self, lr):
        return lr * self.start

    def step(self, lr, t):
        if t == 0:
            return lr * self.start
        if t > self.total:
            return lr
        s, e = self.start, self.end
        return lr * (1.0 + (e - s) / (self.total * s + (t - 1) * (e - s)))

    def replay(self, out, lr, t, end):
        s, e, total = self.start, self.end, self.total
        append = out.append
        for u in range(t, min(end, total + 1)):
            lr = lr * (1.0 + (e - s) / (total * s + (u - 1) * (e - s)))
            append(lr)
        out.extend([lr] * max(0, end - max(t, total + 1)))


class ExponentialLR(_Chainable):
    """PyTorch ``ExponentialLR``: multiply the LR by gamma at every step."""

    name = "ExponentialLR"
    summary = "Multiply the LR by gamma at every step."
    doc = DOC % "ExponentialLR"
    params = (
        Param("gamma", "float", lo=0.0, lo_open=True,
              help="Factor applied at every step (above 1 the LR grows)."),
    )

    def __init__(self, p, lr):
        _Chainable.__init__(self, p, lr)
        self.gamma = p["gamma"]

    def factor(self, t):
        return _pow(self.gamma, t)

    def at(self, t):
        return _scaled(self.lr, self.gamma, t)

    def step(self, lr, t):
        return lr * self.gamma

    def replay(self, out, lr, t, end):
        gamma = self.gamma
        append = out.append
        for _ in range(t, end):
            lr = lr * gamma
            append(lr)


class PolynomialLR(_Chainable):
    """PyTorch ``PolynomialLR``: the LR falls as (1 - t / total_iters) ** power to 0 at
    total_iters and stays there."""

    name = "PolynomialLR"
    summary = "Decay the LR polynomially to 0 over total_iters steps."
    doc = DOC % "PolynomialLR"
    params = (
        Param("total_iters", "int", 5, lo=1, help="Scheduler steps until the LR reaches 0."),
        Param("power", "float", 1.0, lo=0.0,
              help="Exponent of the decay: 1 is linear, above 1 falls faster at first."),
    )

    def __init__(self, p, lr):
        _Chainable.__init__(self, p, lr)
        self.total = p["total_iters"]
        self.power = p["power"]

    def factor(self, t):
        return (1.0 - min(self.total, t) / self.total) ** self.power

    def at(self, t):
        return self.lr * self.factor(t)

    def step(self, lr, t):
        total = self.total
        if t > total:
            return lr
        return lr * ((1.0 - t / total) / (1.0 - (t - 1) / total)) ** self.power

    def replay(self, out, lr, t, end):
        total, power = self.total, self.power
        append = out.append
        for u in range(t, min(end, total + 1)):
            lr = lr * ((1.0 - u / total) / (1.0 - (u - 1) / total)) ** power
            append(lr)
        out.extend([lr] * max(0, end - max(t, total + 1)))


def _check_eta_min(p, lr):
    """eta_min is the bottom of a cosine that starts at the base LR."""
    if p["eta_min"] > lr:
        raise SpecError("params.eta_min", p["eta_min"],
                        "must be <= the base lr (%s); above it the curve would rise" % lr)


class CosineAnnealingLR(_Chainable):
    """PyTorch ``CosineAnnealingLR``: half a cosine from lr down to eta_min over T_max.

    Past T_max it rises again (the curve is periodic with period 2 * T_max), as in torch.
    """

    name = "CosineAnnealingLR"
    summary = "Half a cosine from the base LR down to eta_min over T_max steps; periodic after."
    doc = DOC % "CosineAnnealingLR"
    params = (
        Param("T_max", "int", lo=1, help="Scheduler steps from the base LR down to eta_min."),
        Param("eta_min", "float", 0.0, lo=0.0, help="The lowest LR, reached at T_max."),
    )

    def __init__(self, p, lr):
        _Chainable.__init__(self, p, lr)
        self.T_max = p["T_max"]
        self.eta_min = p["eta_min"]
        self.last_cos = (-1, None)  # (t, cos(pi * t / T_max)) of the last step() call

    check = staticmethod(_check_eta_min)

    def at(self, t):
        return self.eta_min + (self.lr - self.eta_min) * (
            1 + math.cos(math.pi * t / self.T_max)) / 2

    def factor(self, t):
        # with eta_min 0 each step is a ratio of cosines; the step after a minimum adds a
        # term of the base LR instead, so past T_max it is no longer a product
        if self.eta_min != 0 or t > self.T_max:
            return None
        return (1 + math.cos(math.pi * t / self.T_max)) / 2

    def step(self, lr, t):
        # torch 2.13 get_lr, in its operation order: a ratio of cosines times the previous
        # LR, with the special branch right after each minimum where that ratio is 0/0.
        T, eta = self.T_max, self.eta_min
        now = math.cos(math.pi * t / T)
        if self.last_cos[0] == t - 1:  # stepping along: the previous cosine is known
            before = self.last_cos[1]
        else:
            before = math.cos(math.pi * (t - 1) / T)
        self.last_cos = (t, now)
        if (t - 1 - T) % (2 * T) == 0:
            return lr + (self.lr - eta) * (1 - math.cos(math.pi / T)) / 2
        return (1 + now) / (1 + before) * (lr - eta) + eta

    def replay(self, out, lr, t, end):
        base, T, eta = self.lr, self.T_max, self.eta_min
        cos, pi = math.cos, math.pi
        append = out.append
        bump = (base - eta) * (1 - cos(pi / T)) / 2
        before = cos(pi * (t - 1) / T)  # then carried over from the previous step
        period = 2 * T
        after_min = t + (T + 1 - t) % period  # the first step >= t with (t-1-T) % 2T == 0
        for t in range(t, end):
            now = cos(pi * t / T)
            if t == after_min:
                lr = lr + bump
                after_min += period
            else:
                lr = (1 + now) / (1 + before) * (lr - eta) + eta
            before = now
            append(lr)


class CosineAnnealingWarmRestarts(TorchScheduler):
    """PyTorch ``CosineAnnealingWarmRestarts`` stepped once per update (``step()`` without
    an epoch): cosines from the base LR to eta_min, restarting every T_i steps, with T_i
    growing by T_mult after each restart.

    Absolute: each value is computed from the base LR and the integer position in the
    cycle, so ``at`` is exact; it finds the cycle by walking the O(log t) cycle lengths.
    """

    name = "CosineAnnealingWarmRestarts"
    summary = "Cosine from the base LR to eta_min, restarting; cycles grow by T_mult."
    doc = DOC % "CosineAnnealingWarmRestarts"
    notes = ("Modelled for step() called once per update; the fractional step(epoch + i / "
             "iters) form, which finds the cycle with a float logarithm, is left out.")
    closed_form = False
    params = (
        Param("T_0", "int", lo=1, help="Scheduler steps in the first cycle."),
        Param("T_mult", "int", 1, lo=1,
              help="Each cycle is this many times longer than the previous one."),
        Param("eta_min", "float", 0.0, lo=0.0, help="The LR at the end of each cycle."),
    )

    def __init__(self, p, lr):
        TorchScheduler.__init__(self, p, lr)
        self.T_0 = p["T_0"]
        self.T_mult = p["T_mult"]
        self.eta_min = p["eta_min"]

    check = staticmethod(_check_eta_min)

    def position(self, t):
        """(T_cur, T_i) after t sequential steps: the step within the cycle and its length."""
        length = self.T_0
        if self.T_mult == 1:
            return t % length, length
        while t >= length:
            t -= length
            length *= self.T_mult
        return t, length

    def at(self, t):
        cur, length = self.position(t)
        eta = self.eta_min
        return eta + (self.lr - eta) * (1 + math.cos(math.pi * cur / length)) / 2

    def series(self, n):
        eta, span = self.eta_min, self.lr - self.eta_min
        cos, pi = math.cos, math.pi
        out = []
        length = self.T_0
        while len(out) < n:
            count = min(length, n - len(out))
            out.extend([eta + span * (1 + cos(pi * c / length)) / 2 for c in range(count)])
            if self.T_mult == 1 and count == length:
                cycle = out[-length:]
                out.extend(cycle * ((n - len(out)) // length))
            length *= self.T_mult
        return out


def _leaves(specs):
    """The non-composite specs in a list of validated child specs, in the order torch
    builds them (a nested composite's children where the composite stands)."""
    out = []
    for spec in specs:
        if spec["name"] in COMPOSITES:
            out.extend(_leaves(spec["params"]["schedulers"]))
        else:
            out.append(spec)
    return out


def _check_shared_group(p):
    """Refuse children that overwrite each other's settings in the one param group they
    share: torch keeps OneCycleLR's LRs and momenta and SWALR's swa_lr in the group, so
    the last one built sets them for all."""
    leaves = _leaves(p["schedulers"])
    names = [s["name"] for s in leaves]
    if names.count("OneCycleLR") > 1:
        raise SpecError("params.schedulers", names,
                        "must hold at most one OneCycleLR: torch keeps initial_lr, max_lr "
                        "and min_lr in the shared param group, so a second one silently "
                        "replaces the first one's")
    swa = [s["params"]["swa_lr"] for s in leaves if s["name"] == "SWALR"]
    if len(set(swa)) > 1:
        raise SpecError("params.schedulers", names,
                        "must give every SWALR the same swa_lr (got %s): torch keeps swa_lr "
                        "in the shared param group, so the last one built sets it for all"
                        % ", ".join(str(v) for v in swa))
    cycling = [s["name"] for s in leaves
               if s["name"] in ("OneCycleLR", "CyclicLR") and s["params"]["cycle_momentum"]]
    if "OneCycleLR" in cycling and "CyclicLR" in cycling[cycling.index("OneCycleLR"):]:
        raise SpecError("params.schedulers", names,
                        "must not build a momentum-cycling CyclicLR after a momentum-cycling "
                        "OneCycleLR: torch's OneCycleLR reads max_momentum and base_momentum "
                        "from the shared param group, which the CyclicLR overwrites")


def _child_error(err, k, child, field, value, local):
    """A child's SpecError as its parent's: parameter fields re-rooted under
    params.schedulers[k], step limits restated for the parent's update."""
    if err.field.startswith("params"):
        return SpecError("params.schedulers[%d].%s" % (k, err.field), err.value, err.allowed)
    return SpecError(field, value, "takes params.schedulers[%d] (%s) to its step %d, which %s"
                     % (k, child.name, local, err.allowed))


def _writes(child, n):
    """The momentum a child writes into the optimizer at steps 0..n-1 (at step 0, the last
    write of its construction), None at steps where it writes none; None if it never does.
    Leaves that cycle the momentum (CyclicLR, OneCycleLR) write at every step."""
    if isinstance(child, (SequentialLR, ChainedScheduler)):
        return child.momentum_writes(n)
    return child.momentum_series(n)


def _carried(writes):
    """The optimizer's momentum at each step: the last value written (None: no curve)."""
    if writes is None:
        return None
    out = []
    value = None
    for w in writes:
        if w is not None:
            value = w
        out.append(value)
    return out


class SequentialLR(TorchScheduler):
    """PyTorch ``SequentialLR``: hand the LR from one scheduler to the next at milestones.

    As torch 2.13 does: all children are built first (each constructor's initial step
    writes the LR), then the LR is reset to ``initial_lr`` and the scheduler active at step
    0 (``bisect_right(milestones, 0)``) re-runs its initial step. At milestone m_k the next
    child restarts with local time 0: from its closed form at 0 (the base LR) where torch
    has one, else from ``get_lr`` at 0 on the current LR (MultiplicativeLR multiplies the
    LR it inherits by lr_lambda(0)); afterwards it steps from local time t - m_k.

    ``at`` is the active child's own ``at`` at local time (within rounding drift of the
    series) when its value does not depend on the LR it inherits; for children that
    continue from it (MultiplicativeLR, SWALR) ``at`` replays the series up to t (O(t)).
    """

    name = "SequentialLR"
    summary = "Run schedulers one after another, switching at milestone steps."
    doc = DOC % "SequentialLR"
    notes = ("Children are specs without an lr: they share the optimizer. Nesting "
             "SequentialLR or ChainedScheduler inside a SequentialLR is refused (torch "
             "cannot restart them at a milestone). " + SHARED_GROUP)
    closed_form = False
    chainable = True
    has_momentum = True  # when a child cycles the momentum (CyclicLR, OneCycleLR)
    params = (
        Param("schedulers", "schedule list", min_len=1,
              help="The schedulers, in the order they take over."),
        Param("milestones", "list", item="int", lo=0, order="increasing",
              help="The steps at which the next scheduler takes over: one fewer than the "
                   "schedulers."),
    )

    def __init__(self, p, lr):
        TorchScheduler.__init__(self, p, lr)
        self.children = p["schedulers"]
        self.milestones = p["milestones"]
        self.first = _bisect_right(self.milestones, 0)
        self.construct(lr, None)

    @staticmethod
    def check(p, lr):
        kids, ms = p["schedulers"], p["milestones"]
        if len(ms) != len(kids) - 1:
            raise SpecError("params.milestones", ms,
                            "must have one entry fewer than schedulers (%d), one per "
                            "hand-over" % (len(kids) - 1))
        for k, child in enumerate(kids):
            if child["name"] in COMPOSITES:
                raise SpecError("params.schedulers[%d].name" % k, child["name"],
                                "must not be SequentialLR or ChainedScheduler inside a "
                                "SequentialLR: torch has no get_lr for them, so the "
                                "hand-over at a milestone fails")
        _check_shared_group(p)

    def construct(self, lr, initial_lr):
        for child in self.children:
            lr, initial_lr = child.construct(lr, initial_lr)
        self.lr = initial_lr
        self.lr0 = self.children[self.first].initial(initial_lr)
        return self.lr0, initial_lr

    def initial(self, lr):
        return self.lr0

    def _segment(self, k):
        """The first global step of child k's stretch (its local step 0)."""
        return self.milestones[k - 1] if k > 0 else 0

    def step(self, lr, t):
        k = _bisect_right(self.milestones, t)
        child = self.children[k]
        local = t - self._segment(k)
        try:
            if k > 0 and local == 0:
                return child.restart(lr)
            return child.step(lr, local)
        except SpecError as err:
            raise _child_error(err, k, child, "step", t, local)

    def at(self, t):
        k = _bisect_right(self.milestones, t)
        child = self.children[k]
        entered = k != self.first or self.lr == child.lr
        if child.chainable and not (child.closed_form and entered):
            return self.series(t + 1)[t]
        local = t - self._segment(k)
        try:
            return child.at(local)
        except SpecError as err:
            raise _child_error(err, k, child, "step", t, local)

    def momentum_series(self, n):
        return _carried(self.momentum_writes(n))

    def momentum_writes(self, n):
        """See ``_writes``: the active child's momentum where it cycles one; at step 0 the
        child re-initialised last, else the last one built that cycles it."""
        writers = [c for c in self.children if c.momentum_series(1) is not None]
        if not writers or n <= 0:
            return None
        out = []
        k = self.first
        length = 0
        try:
            while len(out) < n:
                end = self.milestones[k] if k < len(self.milestones) else n
                length = min(end, n) - len(out)
                curve = self.children[k].momentum_series(length)
                out.extend(curve or [None] * length)
                k += 1
        except SpecError as err:
            raise _child_error(err, k, self.children[k], "n", n, length - 1)
        if out[0] is None:
            out[0] = writers[-1].momentum_series(1)[0]
        return out

    def series(self, n):
        out = []
        if n <= 0:
            return out
        lr = self.lr0
        out.append(lr)
        kids, ms = self.children, self.milestones
        k = self.first
        try:
            while len(out) < n:
                begin = self._segment(k)
                end = ms[k] if k < len(ms) else n
                step = kids[k].step
                for local in range(len(out) - begin, min(end, n) - begin):
                    lr = step(lr, local)
                    out.append(lr)
                if end < n:
                    k += 1
                    lr = kids[k].restart(lr)
                    out.append(lr)
        except SpecError as err:
            raise _child_error(err, k, kids[k], "n", n, len(out) - self._segment(k))
        return out


class ChainedScheduler(TorchScheduler):
    """PyTorch ``ChainedScheduler``: every step() steps each child in list order.

    Nothing is reset: each child's constructor already ran its initial step, in list
    order, on the LR the previous ones left. Chainable children multiply the LR; an
    absolute one (LambdaLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR) overwrites
    whatever came before it.

    ``at`` is exact when a child is absolute: the last absolute child's value at t, then
    the later children's step at t from it, as torch computes them. Without one it is the
    product of the children's factors (within rounding drift of the series), and it
    replays the series up to t (O(t)) when a child is not a pure multiplier there
    (MultiplicativeLR, SWALR, CosineAnnealingLR with eta_min or past T_max, composites).
    """

    name = "ChainedScheduler"
    summary = "Step several schedulers together; their changes to the LR compound."
    doc = DOC % "ChainedScheduler"
    notes = "Children are specs without an lr: they share the optimizer. " + SHARED_GROUP
    closed_form = False
    chainable = True
    has_momentum = True  # when a child cycles the momentum (CyclicLR, OneCycleLR)
    params = (
        Param("schedulers", "schedule list", min_len=1,
              help="The schedulers stepped together, in this order."),
    )

    def __init__(self, p, lr):
        TorchScheduler.__init__(self, p, lr)
        self.children = p["schedulers"]
        self.construct(lr, None)

    @staticmethod
    def check(p, lr):
        _check_shared_group(p)

    def construct(self, lr, initial_lr):
        self.lr_in = lr
        for k, child in enumerate(self.children):
            try:
                lr, initial_lr = child.construct(lr, initial_lr)
            except SpecError as err:
                raise _child_error(err, k, child, "step", 0, 0)
        self.lr = initial_lr
        self.lr0 = lr
        return lr, initial_lr

    def initial(self, lr):
        return self.lr0

    def step(self, lr, t):
        kids = self.children
        k = 0
        try:
            for k in range(len(kids)):
                lr = kids[k].step(lr, t)
        except SpecError as err:
            raise _child_error(err, k, kids[k], "step", t, t)
        return lr

    def at(self, t):
        if t == 0:
            return self.lr0
        kids = self.children
        last = -1  # the last absolute child: it overwrites what the ones before it did
        for k in range(len(kids)):
            if not kids[k].chainable:
                last = k
        k = max(last, 0)
        try:
            if last >= 0:
                value = kids[last].at(t)
                for k in range(last + 1, len(kids)):
                    value = kids[k].step(value, t)
                return value
            value = self.lr_in
            for k in range(len(kids)):
                f = kids[k].factor(t)
                if f is None:
                    break
                value = value * f
            else:
                return value
        except SpecError as err:
            raise _child_error(err, k, kids[k], "step", t, t)
        return self.series(t + 1)[t]

    def momentum_series(self, n):
        return _carried(self.momentum_writes(n))

    def momentum_writes(self, n):
        """See ``_writes``: at each step the children write in list order (at step 0, while
        being built), so the last one writing wins."""
        plans = []
        for k, child in enumerate(self.children):
            try:
                plan = _writes(child, n)
            except SpecError as err:
                raise _child_error(err, k, child, "n", n, n - 1)
            if plan is not None:
                plans.append(plan)
        if len(plans) <= 1:
            return plans[0] if plans else None
        plans.reverse()
        out = []
        for t in range(n):
            value = None
            for plan in plans:
                if plan[t] is not None:
                    value = plan[t]
                    break
            out.append(value)
        return out

    def series(self, n):
        out = []
        if n <= 0:
            return out
        lr = self.lr0
        out.append(lr)
        steps = [c.step for c in self.children]
        m = len(steps)
        k = 0
        try:
            for t in range(1, n):
                for k in range(m):
                    lr = steps[k](lr, t)
                out.append(lr)
        except SpecError as err:
            raise _child_error(err, k, self.children[k], "n", n, len(out))
        return out


SCHEDULES = (LambdaLR, MultiplicativeLR, StepLR, MultiStepLR, ConstantLR, LinearLR,
             ExponentialLR, PolynomialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts,
             CyclicLR, OneCycleLR, SequentialLR, ChainedScheduler, ReduceLROnPlateau, SWALR)
CLASSES = dict((c.name, c) for c in SCHEDULES)
MODULE = dict((c.name, "torch.optim.lr_scheduler") for c in SCHEDULES)
MODULE["SWALR"] = "torch.optim.swa_utils"


def _walk(spec):
    """The spec and every spec nested in it, depth first."""
    out = [spec]
    for child in spec["params"].get("schedulers") or ():
        out.extend(_walk(child))
    return out


def to_code(spec):
    """PyTorch code defining ``optimizer`` (for an existing ``model``) and ``scheduler``.

    Children of SequentialLR and ChainedScheduler are built first, in list order, as
    ``scheduler1``, ``scheduler2``, ...: the order in which they act on the optimizer.
    """
    specs = _walk(spec)
    momentum = any(CLASSES[s["name"]].has_momentum for s in specs
                   if s["name"] not in COMPOSITES)
    formulas = [expr.parse(s["params"]["lr_lambda"], "params.lr_lambda")
                for s in specs if "lr_lambda" in s["params"]]
    lines = ["import math", "import torch", ""]
    if not any(f.uses_math for f in formulas):
        lines.pop(0)
    opt = [("lr", literal(spec["lr"]))] + ([("momentum", "0.9")] if momentum else [])
    lines.append("optimizer = " + call("torch.optim.SGD", ["model.parameters()"] + opt))
    lines.append("scheduler = " + _construction(spec, lines, [0]))
    if CLASSES[spec["name"]].metric_driven:
        lines.append("# after each epoch's validation: scheduler.step(val_loss), with the "
                     "metric you monitor")
    lines.append("")
    return "\n".join(lines)


def _construction(spec, lines, count):
    """The constructor call for spec; children are first appended to lines as numbered
    variables (count holds the last number used)."""
    cls = CLASSES[spec["name"]]
    params = spec["params"]
    args = [] if spec["name"] == "ChainedScheduler" else ["optimizer"]
    for prm in cls.params:
        if prm.kind == "schedule list":
            names = []
            for child in params[prm.name]:
                source = _construction(child, lines, count)
                count[0] += 1
                names.append("scheduler%d" % count[0])
                lines.append("%s = %s" % (names[-1], source))
            args.append((prm.name, "[%s]" % ", ".join(names)))
        elif prm.kind == "formula":
            formula = expr.parse(params[prm.name], "params." + prm.name)
            args.append((prm.name, "lambda epoch: " + formula.python("epoch")))
        else:
            args.extend(changed(params, (prm,)))
    if spec["name"] == "ChainedScheduler":
        args.append(("optimizer", "optimizer"))
    return call(MODULE[spec["name"]] + "." + spec["name"], args)
