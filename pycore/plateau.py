"""Reduce-on-plateau: PyTorch 2.13's ``ReduceLROnPlateau``, and its logic for reuse.

The LR is not a function of the step but of a metric the user reports after each epoch:
``scheduler.step(val_loss)``. Construction leaves the optimizer's LR alone, so update 0
uses the base LR, and update k + 1 uses the LR left by the k-th ``step(metrics[k])``. A
series of n updates therefore needs n - 1 metrics.

The decision logic is the plain class ``Plateau`` (state: best metric, bad-epoch and
cooldown counters) plus ``check_settings`` and ``plateau_series``. transformers'
``reduce_lr_on_plateau`` is torch's class itself and timm's ``PlateauLRScheduler`` wraps
it, so their modules reuse these instead of restating them.
"""
import math

from .errors import SpecError
from .params import Param
from .schedules import TorchScheduler

PARAMS = (
    Param("mode", "choice", "min", choices=("min", "max"),
          help="min: the metric should fall (a loss); max: it should rise (an accuracy)."),
    Param("factor", "float", 0.1, lo=0.0, lo_open=True, hi=1.0, hi_open=True,
          help="Each reduction multiplies the LR by this."),
    Param("patience", "int", 10, lo=0,
          help="Steps without improvement tolerated; the next one reduces the LR."),
    Param("threshold", "float", 1e-4, lo=0.0,
          help="How much better than the best so far a metric must be to count as an "
               "improvement (see threshold_mode)."),
    Param("threshold_mode", "choice", "rel", choices=("rel", "abs"),
          help="rel: threshold is a fraction of the best metric; abs: an amount."),
    Param("cooldown", "int", 0, lo=0,
          help="Steps after a reduction during which bad steps are not counted."),
    Param("min_lr", "float", 0.0, lo=0.0,
          help="The LR is never reduced below this."),
    Param("eps", "float", 1e-8, lo=0.0,
          help="Reductions smaller than this are skipped."),
)


class Plateau:
    """The state torch's ReduceLROnPlateau keeps between ``step(metric)`` calls.

    ``settings`` is a dict with torch's argument names: mode, factor, patience, threshold,
    threshold_mode, cooldown, min_lr, eps (ReduceLROnPlateau's validated params are exactly
    that). ``step(lr, metric)`` returns the LR after one ``scheduler.step(metric)`` given
    the optimizer's current LR, updating the state as torch does:

    1. a metric better than the best so far (beyond the threshold) becomes the best and
       clears the bad-step count, any other adds one bad step;
    2. during a cooldown the cooldown counter runs down and bad steps are forgotten;
    3. more than ``patience`` bad steps multiply the LR by factor (not below min_lr, and
       only if that lowers it by more than eps), start the cooldown and clear the count.
    """

    def __init__(self, settings):
        self.minimize = settings["mode"] == "min"
        self.relative = settings["threshold_mode"] == "rel"
        self.threshold = settings["threshold"]
        self.factor = settings["factor"]
        self.patience = settings["patience"]
        self.cooldown = settings["cooldown"]
        self.min_lr = settings["min_lr"]
        self.eps = settings["eps"]
        self.best = math.inf if self.minimize else -math.inf
        self.bad_steps = 0
        self.cooldown_left = 0

    def improves(self, metric):
        """Whether metric beats the best so far by more than the threshold."""
        best, thr = self.best, self.threshold
        if self.minimize:
            return metric < (best * (1.0 - thr) if self.relative else best - thr)
        return metric > (best * (thr + 1.0) if self.relative else best + thr)

    def step(self, lr, metric):
        """The LR after ``scheduler.step(metric)``, given the current LR."""
        if self.improves(metric):
            self.best = metric
            self.bad_steps = 0
        else:
            self.bad_steps += 1
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            self.bad_steps = 0
        if self.bad_steps > self.patience:
            lower = max(lr * self.factor, self.min_lr)
            if lr - lower > self.eps:
                lr = lower
            self.cooldown_left = self.cooldown
            self.bad_steps = 0
        return lr


def check_settings(settings, lr, names=None):
    """Refuse plateau settings that never reduce the LR or never see an improvement.

    ``settings`` as for ``Plateau``; ``lr`` the LR the plateau logic starts from; ``names``
    maps torch's argument names to the caller's (timm: factor -> decay_rate, min_lr ->
    lr_min) for the error's field. Raises SpecError with field "params.<name>".
    """
    names = names or {}

    def field(key):
        return "params." + names.get(key, key)

    thr = settings["threshold"]
    if settings["mode"] == "min" and settings["threshold_mode"] == "rel" and thr >= 1:
        raise SpecError(field("threshold"), thr,
                        "must be < 1 for a relative threshold in min mode: a metric must "
                        "fall below best * (1 - threshold) to count as an improvement")
    min_lr = settings["min_lr"]
    if min_lr >= lr:
        raise SpecError(field("min_lr"), min_lr,
                        "must be below the starting lr (%s), or the LR can never be "
                        "reduced" % lr)
    first = lr - max(lr * settings["factor"], min_lr)
    if not first > settings["eps"]:
        raise SpecError(field("eps"), settings["eps"],
                        "must be smaller than the first reduction (%s, from lr %s), or "
                        "every reduction is skipped" % (first, lr))


def check_metric_count(count, metrics, field, value):
    """Refuse ``count`` updates when ``metrics`` is too short for them.

    Update 0 needs no metric, update k needs the k metrics reported before it. ``field``
    and ``value`` name what the caller was asked for: ("n", n) for a series of n updates,
    ("step", t) for update t (then count is t + 1).
    """
    m = len(metrics)
    if count <= m + 1:
        return
    if field == "n":
        allowed = ("needs one metric per scheduler step; with %d metrics at most %d updates"
                   % (m, m + 1))
    else:
        allowed = ("needs a metric for each of the %d scheduler steps before it; with %d "
                   "metrics the last update is step %d" % (count - 1, m, m))
    raise SpecError(field, value, allowed)


def plateau_series(plateau, lr, metrics, n):
    """The LRs of updates 0..n-1: lr, then the LR after each ``step(metrics[k])``.

    ``plateau`` is a fresh ``Plateau``; metrics must hold at least n - 1 values (see
    ``check_metric_count``).
    """
    out = []
    if n <= 0:
        return out
    out.append(lr)
    step = plateau.step
    for k in range(n - 1):
        lr = step(lr, metrics[k])
        out.append(lr)
    return out


class ReduceLROnPlateau(TorchScheduler):
    """PyTorch ``ReduceLROnPlateau``: cut the LR by factor when the metric stalls.

    The spec's ``metrics`` are the values passed to ``scheduler.step(metric)``, one per
    scheduler step; see ``Plateau`` for the rule.
    """

    name = "ReduceLROnPlateau"
    summary = "Multiply the LR by factor when the metric stops improving for patience steps."
    doc = ("https://docs.pytorch.org/docs/stable/generated/"
           "torch.optim.lr_scheduler.ReduceLROnPlateau.html")
    notes = ("min_lr is a single number, not a per-group list. Driven by the spec's metrics, "
             "one per scheduler.step(metric); n updates need n - 1 metrics.")
    metric_driven = True
    closed_form = False
    params = PARAMS

    def __init__(self, p, lr, metrics):
        TorchScheduler.__init__(self, p, lr)
        self.metrics = metrics

    @staticmethod
    def check(p, lr):
        check_settings(p, lr)

    def initial(self, lr):
        return lr

    def series(self, n):
        check_metric_count(n, self.metrics, "n", n)
        return plateau_series(Plateau(self.p), self.lr, self.metrics, n)

    def at(self, t):
        check_metric_count(t + 1, self.metrics, "step", t)
        return self.series(t + 1)[t]
