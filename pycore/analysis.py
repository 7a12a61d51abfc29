"""Exact evaluation in slices, and a running summary of a curve, so a page never blocks.

A million-step run is computed a slice at a time between browser frames:

* ``Stream(schedule, n_total)`` hands out the values of ``schedule.series(n_total)`` in
  order, ``take(k)`` at a time, bit for bit equal to the series whatever the slicing.
* ``Scan(n, columns)`` consumes those values slice by slice and keeps everything the page
  shows about the curve (extremes, a down-sampled envelope for the chart, where the LR
  falls, restarts) without keeping the values, plus a checkpoint of the move state every
  n / columns steps, so ``mark(values, t)`` names the phase at any step t afterwards in
  about n / columns operations (a page that kept the values answers a new chosen step
  without scanning the run again).

How ``Stream`` reproduces ``series`` exactly, per kind of schedule:

* ``TorchScheduler`` subclasses (every PyTorch scheduler, composites included): it
  carries the current LR as PyTorch does: step 0 is ``initial(schedule.lr)``, steps t on
  come from ``replay(out, lr, t, end)``, which equals ``step(lr, t)`` step after step. Those
  are the methods SequentialLR and ChainedScheduler drive their children with, and every
  ``series`` of the module is a faster replay of them.
* ``ReduceLROnPlateau`` (and transformers' ``reduce_lr_on_plateau``, the same class): its
  ``step`` needs the metric, so it carries a ``plateau.Plateau`` fed ``metrics[t - 1]``,
  as its ``series`` does.
* Every other schedule (transformers, Keras, optax, timm) is a pure function of the step
  whose ``series`` equals ``at(t)`` at each t, so it evaluates ``at(t)``; for timm's
  step-driven schedulers the decay comes from their own ``decay_series`` per slice.
* The fallback, ``WHOLE``: timm's ``PlateauLRScheduler`` (a warmup line, then the plateau
  logic from the LR it left; its ``at`` replays the series) is computed with one
  ``series(n_total)`` on the first take and handed out in slices.

The tests check every parity case of every framework against ``series`` with slices of
1, 7 and 1000 values.
"""
from .errors import SpecError
from .plateau import Plateau, ReduceLROnPlateau, check_metric_count
from .sched_timm import PlateauLRScheduler, _CycleScheduler, _TimmScheduler
from .schedules import TorchScheduler

WHOLE = (PlateauLRScheduler,)  # schedules computed with one series() call (see above)


class Stream:
    """The values of ``schedule.series(n_total)``, handed out in order by ``take``.

    ``t`` is the next step. When the framework refuses a step (``SpecError``, e.g.
    OneCycleLR past total_steps), ``take`` returns the values before it, ``error`` holds
    the SpecError and ``stopped_at`` the refused step; later takes return [].
    """

    def __init__(self, schedule, n_total):
        self.schedule = schedule
        self.n_total = n_total
        self.t = 0
        self.error = None
        self.stopped_at = None
        self._lr = None  # the LR of step t - 1, for schedules that carry it
        self._whole = None  # (values, error) of the fallback's single series() call
        self._plateau = None  # ReduceLROnPlateau's decision state
        self._fill = self._pick()

    def _pick(self):
        """The method that appends the next values for this kind of schedule."""
        s = self.schedule
        if isinstance(s, WHOLE):
            return self._fill_whole
        if isinstance(s, ReduceLROnPlateau):
            self._plateau = Plateau(s.p)
            return self._fill_plateau
        if isinstance(s, TorchScheduler):
            return self._fill_torch
        if isinstance(s, _TimmScheduler):
            return self._fill_timm
        return self._fill_at

    def take(self, k):
        """The next k values (fewer at the end of the run or at a refused step)."""
        k = min(k, self.n_total - self.t)
        if k <= 0 or self.error is not None:
            return []
        out = []
        try:
            self._fill(out, k)
        except SpecError as err:
            self.error = err
            self.stopped_at = self.t + len(out)
        self.t += len(out)
        return out

    def _fill_torch(self, out, k):
        """PyTorch's stepping: the constructor's initial step, then ``replay`` (step(lr, t)
        from the LR the last slice ended with)."""
        s = self.schedule
        t, end = self.t, self.t + k
        lr = self._lr
        if t == 0:
            lr = s.initial(s.lr)
            out.append(lr)
            t = 1
        if t < end:
            s.replay(out, lr, t, end)
            lr = out[-1]
        self._lr = lr

    def _fill_plateau(self, out, k):
        """ReduceLROnPlateau: the base LR, then one plateau step per metric."""
        s = self.schedule
        metrics, append, step = s.metrics, out.append, self._plateau.step
        t, end = self.t, self.t + k
        lr = self._lr
        if t == 0:
            lr = s.initial(s.lr)
            append(lr)
            t = 1
        last = len(metrics)  # step t needs metrics[t - 1]
        for t in range(t, min(end, last + 1)):
            lr = step(lr, metrics[t - 1])
            append(lr)
        self._lr = lr
        if end > last + 1:
            check_metric_count(last + 2, metrics, "step", last + 1)

    def _fill_at(self, out, k):
        """A pure function of the step: at(t)."""
        at, append = self.schedule.at, out.append
        for t in range(self.t, self.t + k):
            append(at(t))

    def _fill_timm(self, out, k):
        """timm: the warmup line through at(t); the decay through decay_series per slice
        (get_lr where it gives None, as timm's series does), except for equal cycles
        longer than twice the slice: their decay_series computes a whole cycle per call,
        so get_lr step by step keeps each slice's work proportional to its length."""
        s = self.schedule
        t, end = self.t, self.t + k
        warm = max(s.warmup_t, 1)
        if t < warm:
            self._fill_at(out, min(end, warm) - t)
            t = min(end, warm)
        if t < end:
            shift = s.warmup_t if s.warmup_prefix else 0
            long_cycles = (isinstance(s, _CycleScheduler) and s.cycle_mul == 1
                           and s.t_initial > 2 * k)
            fast = None if long_cycles else s.decay_series(t - shift, end - shift)
            if fast is None:
                get_lr, append = s.get_lr, out.append
                for u in range(t, end):
                    append(get_lr(u))
            else:
                out.extend(fast)

    def _fill_whole(self, out, k):
        """The fallback: slices of one series(n_total) call, or of its longest prefix
        that the framework computes when it refuses a later step."""
        if self._whole is None:
            self._whole = _longest_series(self.schedule, self.n_total)
        values, error = self._whole
        out.extend(values[self.t:self.t + k])
        if len(out) < k:
            raise error


def _longest_series(schedule, n):
    """(series(n), None), or (the longest series(m) that works, the SpecError of
    series(m + 1)) when the framework refuses a step before n."""
    try:
        return schedule.series(n), None
    except SpecError as err:
        error = err
    good, bad = 0, n  # series(good) works, series(bad) raises
    while bad - good > 1:
        mid = (good + bad) // 2
        try:
            schedule.series(mid)
            good = mid
        except SpecError as err:
            bad, error = mid, err
    return schedule.series(good), error


class Scan:
    """A running summary of the values of steps 0..n-1, fed in order in any slices.

    ``columns`` is the chart's width in down-sampling columns. ``result()`` gives the
    summary (see ``result``); ``stop(t, message)`` ends the run early at step t; once the
    run is fed, ``mark(values, t)`` gives step t's value, next change and phase.

    Works for any float list (the momentum curve too): only the phase labels speak of
    learning rates. NaN values count as neither rising nor falling and are left out of
    min, max and the envelope.

    Two ways through the values: a short run (n <= 4 * columns) keeps every step in the
    envelope and counts the moves in a loop of its own, with a checkpoint every
    n // columns steps; a long run goes column by column, one loop per column for its
    extremes, its sum and the moves together (under MicroPython a second pass over the
    values cost as much again), with a checkpoint at each column's first step.
    """

    def __init__(self, n, columns):
        self.n = n
        self.t = 0  # steps fed so far
        self.stopped_at = None
        self.stop_message = None
        self.every = n <= 4 * columns  # the envelope is simply every step
        self.columns = columns
        self.env_x, self.env_y = [], []
        self.col = None  # the open column: [index, end step, its extremes (see _merge)]
        self.env_next = 0  # the index of the next column to open
        self.first = self.last = None
        self.lo = self.hi = None  # (value, step) of the extremes so far
        self.total = 0.0
        self.prev = None  # value of step t - 1
        self.trend = None  # the last move: True falling, False rising, None none yet
        self.restarts = 0
        self.falls = self.rises = False  # whether any step falls, rises
        self.first_move = None  # direction of step 0 -> 1: -1, 0, 1
        self.last_nonzero = -1
        self.check_every = max(1, n // columns)
        # checks[i]: (trend, restarts) before step i * check_every in a short run, before
        # the first step of column i in a long one (added as the column opens)
        self.checks = [(None, 0)] if self.every else []

    # --- feeding ---------------------------------------------------------------------

    def feed(self, values):
        """Take the values of the next len(values) steps."""
        if self.stopped_at is not None or self.t + len(values) > self.n:
            raise SpecError("values", len(values), "must stay within the %d steps of the "
                            "run (%d fed so far)" % (self.n, self.t))
        if not values:
            return
        t0 = self.t
        if t0 == 0:
            self.first = values[0]
        self.last = values[-1]
        if self.every:
            self.total += self._envelope(values, t0)
            self._moves(values, t0)
        else:
            self.total += self._columns(values, t0)
        self._zeros(values, t0)
        self.t = t0 + len(values)

    def stop(self, t, message):
        """End the run at step t, which the framework refused (t = steps fed so far)."""
        if t != self.t:
            raise SpecError("t", t, "must be the number of steps fed so far (%d)" % self.t)
        self.stopped_at = t
        self.stop_message = message

    def _moves(self, values, t0):
        """Falls, rises and restarts, split at the checkpoints to record them."""
        every, k = self.check_every, len(values)
        start = 0
        boundary = (t0 // every + 1) * every  # the next checkpoint after step t0
        while boundary <= t0 + k:
            self._directions(values, start, boundary - t0)
            start = boundary - t0
            self.checks.append((self.trend, self.restarts))
            boundary += every
        self._directions(values, start, k)

    def _directions(self, values, a, b):
        """Update the move statistics with values[a:b]."""
        if a >= b:
            return
        prev = values[a - 1] if a > 0 else self.prev
        if prev is None:  # step 0: no move into it
            prev = values[a]
            a += 1
        part = values[a:b]
        if part and self.first_move is None:
            self.first_move = _direction(prev, part[0])
        if part and not (part[0] == prev == part[-1] and part.count(prev) == len(part)):
            self._count_moves(part, prev)
        self.prev = values[b - 1]

    def _count_moves(self, part, prev):
        """The per-value loop: falls, rises and restarts of part (prev before it)."""
        falling, restarts, falls, rises = self.trend, self.restarts, False, False
        for v in part:
            if v < prev:
                falls = falling = True
            elif v > prev:
                if falling:
                    restarts += 1
                falling = False
                rises = True
            prev = v
        self.trend, self.restarts = falling, restarts
        self.falls = self.falls or falls
        self.rises = self.rises or rises

    def _zeros(self, values, t0):
        """Track the last step whose value is not exactly 0."""
        k = len(values)
        if values[-1] != 0:
            self.last_nonzero = t0 + k - 1
        elif values.count(0) != k:
            i = k - 1
            while values[i] == 0:
                i -= 1
            self.last_nonzero = t0 + i

    # --- the envelope and the extremes -------------------------------------------------

    def _envelope(self, values, t0):
        """A short run: add every step to the envelope, update min and max, and return
        the slice's sum."""
        total = sum(values)
        clean = total == total  # no NaN (nor inf - inf) in the slice
        ext = _extremes(values, t0, clean)
        if ext is not None:
            self._extreme(ext)
            if clean:
                self.env_x.extend(range(t0, t0 + len(values)))
                self.env_y.extend(values)
            else:
                for i in range(len(values)):
                    if values[i] == values[i]:
                        self.env_x.append(t0 + i)
                        self.env_y.append(values[i])
        return total

    def _columns(self, values, t0):
        """A long run: take the slice column by column (extremes, envelope points and
        moves, recording a checkpoint as each column opens) and return its sum."""
        i, k = 0, len(values)
        if self.first_move is None and t0 + k >= 2:
            self.first_move = _direction(values[0] if t0 == 0 else self.prev, values[1 - t0])
        prev = values[0] if self.prev is None else self.prev  # step 0: no move into it
        falling, restarts, rises = self.trend, self.restarts, False
        total = 0.0
        while i < k:
            if self.col is None:
                c = self.env_next
                self.col = [c, (c + 1) * self.n // self.columns, None]
                self.checks.append((falling, restarts))
            j = min(k, self.col[1] - t0)
            ext, part_sum, falling, restarts, rose = _column_part(
                values[i:j], t0 + i, prev, falling, restarts)
            prev = values[j - 1]
            rises = rises or rose
            total += part_sum
            if ext is not None:
                self._extreme(ext)
                self._merge(ext)
            if t0 + j == self.col[1]:
                self._flush(self.col)
                self.col = None
            i = j
        # a fall happened if the slice ends falling or restarted (a restart follows a
        # fall); when it came in falling, one had happened before
        self.falls = self.falls or bool(falling) or restarts > self.restarts
        self.rises = self.rises or rises
        self.trend, self.restarts, self.prev = falling, restarts, prev
        return total

    def _extreme(self, ext):
        """Merge a slice's extremes into the run's (the first occurrence wins)."""
        lo, hi = ext[1], ext[2]
        if self.lo is None or lo[0] < self.lo[0]:
            self.lo = lo
        if self.hi is None or hi[0] > self.hi[0]:
            self.hi = hi

    def _merge(self, ext):
        """Merge a slice's (first, min, max, last) into the open column."""
        col = self.col
        if col[2] is None:
            col[2] = list(ext)
            return
        have = col[2]
        if ext[1][0] < have[1][0]:
            have[1] = ext[1]
        if ext[2][0] > have[2][0]:
            have[2] = ext[2]
        have[3] = ext[3]

    def _flush(self, col):
        """Append a finished column's points to the envelope."""
        self.env_next = col[0] + 1
        xs, ys = _column_points(col)
        self.env_x.extend(xs)
        self.env_y.extend(ys)

    # --- the summary -----------------------------------------------------------------

    def result(self):
        """The summary of the steps fed so far (all of them once the run is fed):

        n (steps covered), first, last, min/argmin, max/argmax (first occurrence),
        mean, envelope {"x": steps, "y": values} (per column the first, min, max and last
        points in step order; every step when n <= 4 * columns), zero_at (the step from
        which the value stays exactly 0 to the end, else None), decreases, increases,
        changes, restarts (how often it starts rising again after falling), stopped_at and
        stop_message (see ``stop``).
        """
        n = self.t
        xs, ys = list(self.env_x), list(self.env_y)
        if self.col is not None and self.col[2] is not None:
            more = _column_points(self.col)
            xs.extend(more[0])
            ys.extend(more[1])
        changes = self.falls or self.rises
        zero_at = self.last_nonzero + 1
        return {
            "n": n, "first": self.first, "last": self.last if n else None,
            "min": self.lo[0] if self.lo else None, "argmin": self.lo[1] if self.lo else None,
            "max": self.hi[0] if self.hi else None, "argmax": self.hi[1] if self.hi else None,
            "mean": self.total / n if n else None,
            "envelope": {"x": xs, "y": ys},
            "zero_at": zero_at if n and zero_at < n else None,
            "decreases": self.falls, "increases": self.rises,
            "changes": changes, "restarts": self.restarts,
            "stopped_at": self.stopped_at, "stop_message": self.stop_message,
        }

    def mark(self, values, t):
        """{"lr", "next_change", "phase"} of step t, or None past the steps fed.

        ``values`` are the values fed (kept by the caller); call it once the run is fed.
        next_change is the first later step whose value differs (None if none does; NaN
        differs from everything). The phase is named as ``_phase`` says, from the nearest
        checkpoint and the few steps after it.
        """
        if not 0 <= t < self.t:
            return None
        if self.every:
            i = min(t // self.check_every, len(self.checks) - 1)
            first = i * self.check_every
        else:  # the column holding step t: the last i with i * n // columns <= t
            i = ((t + 1) * self.columns - 1) // self.n
            first = i * self.n // self.columns
        trend, restarts = self.checks[i]
        for u in range(max(1, first), t + 1):
            before, value = values[u - 1], values[u]
            if value < before:
                trend = True
            elif value > before:
                if trend:
                    restarts += 1
                trend = False
        move = _direction(values[t - 1], values[t]) if t else None
        changes = self.falls or self.rises
        return {"lr": values[t], "next_change": _next_change(values, t, self.t),
                "phase": _phase(move, trend, restarts, changes, self.first_move)}


def _next_change(values, t, n):
    """The first step after t (below n) whose value differs from step t's, else None.
    Long constant stretches are skipped a block at a time with the builtin count."""
    value = values[t]
    j = t + 1
    while j < n:
        block = values[j:min(n, j + 4096)]
        if value != value or block.count(value) != len(block):
            for i in range(len(block)):
                if block[i] != value:
                    return j + i
        j += len(block)
    return None


def _direction(before, value):
    """-1 for a fall from before to value, 1 for a rise, 0 when flat (or NaN)."""
    if value < before:
        return -1
    return 1 if value > before else 0


def drop_steps(values, need):
    """The first ``need`` steps t with values[t] < values[t - 1] (a metric-driven
    schedule's reductions, marked on its chart)."""
    out = []
    for t in range(1, len(values)):
        if values[t] < values[t - 1]:
            out.append(t)
            if len(out) == need:
                break
    return out


def _extremes(part, t, clean):
    """((first, step), (min, step), (max, step), (last, step)) of a non-empty slice
    starting at step t, NaN left out (None if it holds only NaN); ``clean`` says it holds
    no NaN, so the builtins can run on it directly."""
    if clean:
        lo, hi = min(part), max(part)
        return ((part[0], t), (lo, t + part.index(lo)), (hi, t + part.index(hi)),
                (part[-1], t + len(part) - 1))
    keep = [i for i in range(len(part)) if part[i] == part[i]]
    if not keep:
        return None
    values = [part[i] for i in keep]
    lo, hi = min(values), max(values)
    return ((values[0], t + keep[0]), (lo, t + keep[values.index(lo)]),
            (hi, t + keep[values.index(hi)]), (values[-1], t + keep[-1]))


def _column_part(part, t, prev, falling, restarts):
    """One loop over a non-empty slice of a column (step t on; prev is the value before
    it): (``_extremes(part, t, ...)``, its sum, and the moves carried on: falling,
    restarts, and whether it rose).

    A new minimum can only come on a fall and a new maximum on a rise, so the extremes
    cost no test of their own: under MicroPython this loop takes about what the min, max
    and sum builtins alone took. Moves compare with the value before, NaN included (no
    move into or out of it), as ``Scan._count_moves`` does."""
    lo = hi = part[0]
    a = b = i = 0
    total = 0.0
    rises = False
    for x in part:
        total += x
        if x < prev:
            falling = True
            if x < lo:
                lo, a = x, i
        elif x > prev:
            if falling:
                restarts += 1
                falling = False
            rises = True
            if x > hi:
                hi, b = x, i
        prev = x
        i += 1
    if total != total:  # a NaN (or inf - inf) in the part: the careful way for extremes
        return _extremes(part, t, False), total, falling, restarts, rises
    return (((part[0], t), (lo, t + a), (hi, t + b), (part[-1], t + i - 1)), total,
            falling, restarts, rises)


def _column_points(col):
    """A column's first, min, max and last points in step order, each step once."""
    xs, ys = [], []
    for value, step in sorted(col[2], key=lambda p: p[1]):
        if not xs or xs[-1] != step:
            xs.append(step)
            ys.append(value)
    return xs, ys


def _phase(move, trend, restarts, changes, first_move):
    """The phase label of a mark: "constant" when the run never changes; else "warmup"
    (rising before any fall), "stable" (flat before any fall, or flat after a rise),
    "decay" (falling, or flat after a fall); after k restarts "restart k: rising",
    "restart k: stable" or "restart k: decay". Step 0 takes the direction of the first
    move (0 -> 1). OneCycleLR's final annealing counts as decay."""
    if not changes:
        return "constant"
    if move is None:
        move = first_move or 0
    if move < 0 or (move == 0 and trend):
        word = "decay"
    elif move > 0:
        word = "warmup" if restarts == 0 else "rising"
    else:
        word = "stable"
    return word if restarts == 0 else "restart %d: %s" % (restarts, word)
