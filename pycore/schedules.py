"""The base classes every schedule of every framework module derives from.

A schedule is a small object built once from validated parameters (the optax shape: the
factory validates, the object is a pure function of the step; time lives outside):

* ``at(t)`` is the closed form: the LR of update t (0-based), O(1) in t.
* ``series(n)`` is the LR of updates 0..n-1 as the framework produces them when driven its
  documented way. For PyTorch's chainable schedulers that is the recursive update of the
  previous LR, replayed in PyTorch's own operation order, so the values are bit-identical
  to torch; ``at`` then differs from it by rounding drift only.

A framework module (``sched_pytorch``, ``sched_keras``, ...) declares ``FRAMEWORK``,
``SCHEDULES`` (its classes, in catalogue order) and ``to_code(spec)``.
"""


class Schedule:
    """A learning-rate schedule: ``at`` for one update, ``series`` for the first n.

    Class attributes describe it for the catalogue: ``name`` (the framework's class or
    function name), ``summary`` (one line), ``doc`` (the framework's documentation page),
    ``notes`` (what pycore leaves out, if anything), ``params`` (``Param`` tuple),
    ``metric_driven`` (reads the spec's ``metrics``), ``has_momentum`` (has a momentum
    curve, see ``momentum_series``).

    The constructor receives the validated params (children of a ``schedule list`` already
    built into Schedule objects), the base LR for torch-based frameworks (None otherwise),
    and, for metric-driven schedules only, the metric series.
    """

    name = ""
    summary = ""
    doc = ""
    notes = ""
    params = ()
    metric_driven = False
    has_momentum = False

    def __init__(self, p, lr=None):
        self.p = p
        self.lr = lr

    @staticmethod
    def check(p, lr):
        """Refuse parameter combinations the framework rejects or that make no sense.

        Called with the individually validated params (children still as specs) and the
        base LR (None outside torch-based frameworks); raises SpecError.
        """

    def at(self, t):
        """The LR used by update t (closed form)."""
        raise NotImplementedError

    def series(self, n):
        """The LRs used by updates 0..n-1, as the framework produces them."""
        at = self.at
        return [at(t) for t in range(n)]

    def momentum_series(self, n):
        """The momentum (or Adam beta1) of updates 0..n-1, or None without a momentum curve."""
        return None

    def momentum_part(self, a, b):
        """momentum_series(b)[a:], computed for those steps only, so a long run's momentum
        can be computed slice by slice; None where the schedule has no momentum curve or
        computes it only whole (composites: see momentum_series)."""
        return None


class TorchScheduler(Schedule):
    """A ``torch.optim.lr_scheduler`` class, modelled the way PyTorch steps it.

    PyTorch schedulers write into the optimizer's LR: construction performs an initial step
    (``initial``), and each ``scheduler.step()`` computes the next LR, usually from the
    current one (``step``). Composite schedulers (SequentialLR, ChainedScheduler) drive
    their children through these two methods, so a child sees whatever LR the others left,
    plus ``construct`` (the constructor's effect on the shared param group, see
    ``group_writes``) and ``restart`` (SequentialLR handing over at a milestone).
    The defaults are those of an absolute scheduler (the LR is ``at(t)`` whatever the
    current LR); chainable ones set ``chainable``, override ``initial`` and ``step``, and
    usually ``series`` for speed; those that only multiply the LR also give ``factor``.
    """

    closed_form = True  # has _get_closed_form_lr (used by SequentialLR at a milestone)
    chainable = False  # get_lr works from the current LR, not only from the base LR

    def initial(self, lr):
        """The LR the constructor's initial step writes, given the group's LR before it."""
        return self.at(0)

    def step(self, lr, t):
        """The LR written by the step() that sets last_epoch to t (t >= 1), given the current
        LR; with t = 0, what ``get_lr`` gives at step 0 outside the initial step."""
        return self.at(t)

    def group_writes(self):
        """What the constructor writes into the param group before the base class reads
        it, as a pair (lr, initial_lr), None for what it leaves alone.

        torch's base class takes ``initial_lr`` (set once, from the group's LR, by the
        first scheduler built on the optimizer) as the base LR. CyclicLR first overwrites
        the group's LR with its base_lr; OneCycleLR overwrites ``initial_lr`` with
        max_lr / div_factor. Schedulers built later on the same optimizer (inside
        SequentialLR or ChainedScheduler) then take that as their base LR.
        """
        return None, None

    def construct(self, lr, initial_lr):
        """Build this scheduler on an optimizer whose param group holds ``lr`` and
        ``initial_lr`` (None before any scheduler has set it), as torch's constructor does,
        and return the group's (lr, initial_lr) afterwards. Composite schedulers build
        their children through this, in list order, on one shared optimizer.

        After ``group_writes``, the base class sets ``initial_lr`` once, from the group's
        LR, takes it as the base LR (``self.lr`` is rebound to it) and runs the initial
        step. (CyclicLR overrides this: its initial step runs while its base LR is still
        ``initial_lr``, so it writes ``initial_lr``; it takes base_lr only afterwards.)
        """
        written_lr, written_initial = self.group_writes()
        if written_lr is not None:
            lr = written_lr
        if written_initial is not None:
            initial_lr = written_initial
        if initial_lr is None:
            initial_lr = lr
        self.lr = initial_lr
        return self.initial(lr), initial_lr

    def restart(self, lr):
        """The LR SequentialLR writes when this scheduler takes over at its milestone
        (torch's ``_update_lr(0)``): the closed form at step 0 where torch has one,
        else ``get_lr`` at step 0 from the current LR."""
        if self.closed_form:
            return self.at(0)
        return self.step(lr, 0)

    def factor(self, t):
        """The LR at step t as a multiple of the LR the scheduler started from, when it
        only ever multiplies the current LR (ChainedScheduler's closed form is then the
        product of these); None otherwise."""
        return None

    def series(self, n):
        if n <= 0:
            return []
        lr = self.initial(self.lr)
        out = [lr]
        self.replay(out, lr, 1, n)
        return out

    def replay(self, out, lr, t, end):
        """Append to out the LRs of steps t .. end - 1 (t >= 1), stepping on from lr, the LR
        of step t - 1: what step(lr, t), step(.., t + 1), ... return. Schedulers override it
        with a tight loop; the explorer computes long runs slice by slice through it
        (analysis.Stream), so a slice costs what the same stretch of ``series`` costs. A
        refused step raises SpecError with the LRs before it already in out."""
        append, step = out.append, self.step
        for t in range(t, end):
            lr = step(lr, t)
            append(lr)
