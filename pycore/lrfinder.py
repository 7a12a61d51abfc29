"""LR range tests: the LR ladders the tools sweep, their loss smoothers, and their suggestions.

A range test raises the LR step by step over a short run and records (lr, smoothed loss);
a suggestion rule then picks one LR from that log. fastai, torch-lr-finder, PyTorch
Lightning and ignite each have their own ladder, smoother, trims and rule, and users read
their numbers off those tools, so each is reproduced here as the tool computes it, with its
tie and edge behaviour:

- fastai and Lightning build their suggestion tensors in float32 and fastai returns
  float32 LRs; that arithmetic is emulated exactly (every +, -, *, / rounded to float32;
  ``log`` rounded from the double result, which can differ from torch's by one unit in the
  last place, so only exact ties on fastai's ``steep`` could be broken differently).
- torch-lr-finder works in float64 like Python, and Lightning's and torch-lr-finder's
  smoothers run on Python floats; fastai's smoother runs in float32 and is given here in
  float64 (the two agree to about 1e-6 relative).
- A tool that would crash or return nothing on a log raises ``SpecError`` here, with a
  message saying why, as the tool's own failure would.

Reading a pasted log and the analyzer page built on these rules are in pycore.analyzer.
"""
import math
import struct

from .errors import SpecError
from .numfmt import format_int, format_lr, format_sig

METHODS = ("fastai.valley", "fastai.slide", "fastai.minimum", "fastai.steep",
           "torch_lr_finder", "lightning", "ignite")
SMOOTHERS = ("fastai", "torch_lr_finder", "lightning")
TOOLS = ("fastai", "torch_lr_finder", "lightning", "ignite")
SPACINGS = ("lr", "index", "log10")
MODES = ("exponential", "linear")
MAX_POINTS = 100000
FASTAI_BETA = 0.98  # fastai's AvgSmoothLoss and Lightning's _LRCallback
TORCH_LR_FINDER_F = 0.05  # torch-lr-finder's and ignite's smooth_f

# Each method's tool, its smoother (for a raw log) and its own trims (start, end):
# fastai's start trim is len // 10 (``None`` below), its end trim 5.
_TOOL = {"fastai.valley": "fastai", "fastai.slide": "fastai", "fastai.minimum": "fastai",
         "fastai.steep": "fastai", "torch_lr_finder": "torch_lr_finder",
         "lightning": "lightning", "ignite": "ignite"}
_SMOOTHER = {"fastai": "fastai", "torch_lr_finder": "torch_lr_finder",
             "lightning": "lightning", "ignite": "torch_lr_finder"}
_SKIPS = {"fastai": (None, 5), "torch_lr_finder": (10, 5), "lightning": (10, 1),
          "ignite": (0, 0)}
_OPTIONS = {"fastai.slide": ("skip_start", "skip_end", "lr_diff", "thresh", "adjust_value"),
            "lightning": ("skip_start", "skip_end", "spacing")}


# --- float32 arithmetic --------------------------------------------------------------------


def f32(x):
    """x rounded to the nearest float32 (as torch.tensor / numpy float32 store it).

    Values past the float32 range become infinities, as in torch.
    """
    if x != x or x in (math.inf, -math.inf):
        return x
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def _div(a, b):
    """a / b with IEEE results for a zero divisor (nan, or an infinity)."""
    if b == 0:
        if a != a or a == 0:
            return math.nan
        negative = (a < 0) != (math.copysign(1.0, b) < 0)
        return -math.inf if negative else math.inf
    return a / b


def _log32(x):
    """float32 natural log of a float32 value (-inf at 0, nan below, like torch)."""
    if x < 0 or x != x:
        return math.nan
    if x == 0:
        return -math.inf
    return f32(math.log(x))


def argmin(values):
    """Index of the first minimum; the first NaN when there is one (numpy's and torch's
    rule: NaN wins)."""
    best = None
    for i, v in enumerate(values):
        if v != v:
            return i
        if best is None or v < values[best]:
            best = i
    return best


# --- checking arguments --------------------------------------------------------------------


def is_number(v):
    """True for int and float values, not bool."""
    return type(v) is not bool and isinstance(v, (int, float))


def _float_list(values, field):
    """values as a list of floats, or SpecError naming the first entry that is not a
    number."""
    if not isinstance(values, (list, tuple)):
        raise SpecError(field, values, "must be a list of numbers")
    if len(values) > MAX_POINTS:
        raise SpecError(field, "%s entries" % format_int(len(values)),
                        "at most %s points" % format_int(MAX_POINTS))
    out = []
    for i, v in enumerate(values):
        if not is_number(v):
            raise SpecError("%s[%d]" % (field, i), v, "must be a number")
        out.append(float(v))
    return out


def check_log(lrs, losses, rows=None, minimum=1):
    """Check a range-test log and return it as two lists of floats.

    The LRs must be finite, positive and strictly increasing, the losses numbers (NaN and
    infinities are kept: each tool treats them its own way), both lists of one length with
    at least ``minimum`` points and at least one finite loss. ``rows`` names each point in
    messages (default "lrs[i]"), e.g. "line 7" for a pasted table.
    """
    lrs = _float_list(lrs, "lrs")
    losses = _float_list(losses, "losses")
    if len(lrs) != len(losses):
        raise SpecError("losses", "%d losses" % len(losses),
                        "one loss per LR: the log has %s LRs and %s losses" % (
                            format_int(len(lrs)), format_int(len(losses))))
    if len(lrs) < minimum:
        raise SpecError("lrs", "%d point%s" % (len(lrs), "" if len(lrs) == 1 else "s"),
                        "the log needs at least %d points" % minimum)

    def where(i):
        """The name of point i in messages."""
        return rows[i] if rows is not None else "lrs[%d]" % i

    for i, lr in enumerate(lrs):
        if not math.isfinite(lr) or lr <= 0:
            raise SpecError("lrs", lr, "%s: the LR %s is not a positive number; every LR of a "
                            "range test is > 0" % (where(i), format_lr(lr)))
        if i and lr <= lrs[i - 1]:
            raise SpecError("lrs", lr, "%s: the LR %s is not above the one before it (%s, %s); "
                            "the LRs must increase from row to row" % (
                                where(i), format_lr(lr), format_lr(lrs[i - 1]), where(i - 1)))
    if not any(math.isfinite(v) for v in losses):
        raise SpecError("losses", "no finite loss", "every loss is NaN or infinite; the log "
                        "has nothing to analyse")
    return lrs, losses


def _skip(value, field, default):
    """A skip count: a whole number >= 0 (default when None)."""
    if value is None:
        return default
    if type(value) is not int or value < 0:
        raise SpecError(field, value, "must be a whole number >= 0")
    return value


def _options(method, options):
    """Refuse options the method does not take."""
    allowed = _OPTIONS.get(method, ("skip_start", "skip_end"))
    for key in options:
        if key not in allowed:
            raise SpecError(key, options[key], "%s takes only %s" % (method, ", ".join(allowed)))


def _trim(n, skip_start, skip_end):
    """The kept index range [start, stop) after a tool's trims (skip_end 0: no end trim)."""
    return skip_start, (n - skip_end if skip_end else n)


# --- suggestion rules ----------------------------------------------------------------------


def _result(lr, index, reason, point=None):
    """One suggestion: the LR, the index of the point it comes from, why, and the LR at
    which the tool marks it (differs from lr for fastai's minimum/10)."""
    return {"lr": lr, "index": index, "reason": reason,
            "point": lr if point is None else point}


def _fastai_points(lrs, losses, skip_start, skip_end):
    """What fastai's lr_find hands its suggestion functions: indices kept by the trims
    ``[skip_start:-skip_end]``, cut before the first NaN; LRs and losses in float32."""
    start, stop = _trim(len(lrs), skip_start, skip_end)
    keep = list(range(start, max(start, stop)))
    for k, i in enumerate(keep):
        if losses[i] != losses[i]:
            keep = keep[:k]
            break
    if not keep:
        raise SpecError("losses", "no points", "fastai keeps no points here: it drops the "
                        "first %d and last %d and stops at the first NaN loss" % (
                            skip_start, skip_end))
    return keep, [f32(lrs[i]) for i in keep], [f32(losses[i]) for i in keep]


def _decreasing_runs(values):
    """For each i, the length of the longest strictly decreasing subsequence (not
    necessarily contiguous) ending at i. NaN neither ends nor extends one.

    Same lengths as fastai's O(n^2) loop, in O(n log n): ``tops[k]`` is the largest last
    value of a decreasing subsequence of length k + 1 seen so far.
    """
    tops, runs = [], []
    for v in values:
        if v != v:
            runs.append(1)
            continue
        lo, hi = 0, len(tops)
        while lo < hi:
            mid = (lo + hi) // 2
            if tops[mid] > v:
                lo = mid + 1
            else:
                hi = mid
        runs.append(lo + 1)
        if lo == len(tops):
            tops.append(v)
        elif v > tops[lo]:
            tops[lo] = v
    return runs


def _fastai_valley(lrs, losses, skip_start, skip_end):
    """fastai's default rule: about half-way into the longest valley."""
    keep, xs, ys = _fastai_points(lrs, losses, skip_start, skip_end)
    runs = _decreasing_runs(ys)
    end = 0
    for i, r in enumerate(runs):
        if r > runs[end]:
            end = i
    start = end - runs[end] if end else 0
    third = (end - start) / 3
    idx = start + int(third) + int(third / 2)
    pick = idx % len(xs)
    if end == 0:
        why = "the loss never falls after point %s, so fastai takes its first kept point" % (
            format_int(keep[0]))
    else:
        why = ("half-way into the longest falling run of losses (%s points, ending at point %s)"
               % (format_int(runs[end]), format_int(keep[end])))
    return _result(xs[pick], keep[pick], why)


def _gradient32(ys):
    """numpy.gradient with unit spacing, in float32 (edges one-sided)."""
    n = len(ys)
    g = [f32(ys[1] - ys[0])]
    for i in range(1, n - 1):
        g.append(f32(f32(ys[i + 1] - ys[i - 1]) / 2))
    g.append(f32(ys[n - 1] - ys[n - 2]))
    return g


def _fastai_slide(lrs, losses, skip_start, skip_end, lr_diff=15, thresh=0.005,
                  adjust_value=1.0):
    """fastai's interval slide rule: a window of lr_diff points slides left from the end
    until the gradients at its two ends differ by at most thresh."""
    if type(lr_diff) is not int or lr_diff < 1:
        raise SpecError("lr_diff", lr_diff, "must be a whole number >= 1")
    for key, v in (("thresh", thresh), ("adjust_value", adjust_value)):
        if not is_number(v) or not math.isfinite(v) or v < 0:
            raise SpecError(key, v, "must be a finite number >= 0")
    keep, xs, ys = _fastai_points(lrs, losses, skip_start, skip_end)
    n = len(ys)
    if n < lr_diff + 1:
        raise SpecError("losses", "%d points" % n, "fastai's slide needs at least %d points "
                        "after its trims (lr_diff + 1)" % (lr_diff + 1))
    g = _gradient32(ys)
    limit = f32(float(thresh))
    right, left = n - 1, n - 1 - lr_diff
    pick = left
    while left >= 0 and abs(f32(g[right] - g[left])) > limit:
        pick = left
        right -= 1
        left -= 1
    why = ("where the loss slope over a %s-point window first changes by at most %s, "
           "sliding left from the end" % (format_int(lr_diff), format_sig(thresh, 3)))
    return _result(xs[pick] * adjust_value, keep[pick], why, xs[pick])


def _fastai_minimum(lrs, losses, skip_start, skip_end):
    """fastai's minimum: the LR of the lowest loss, divided by 10."""
    keep, xs, ys = _fastai_points(lrs, losses, skip_start, skip_end)
    i = argmin(ys)
    why = "one tenth of the LR at the lowest loss (point %s, LR %s)" % (
        format_int(keep[i]), format_lr(xs[i]))
    return _result(xs[i] / 10, keep[i], why, xs[i])


def _fastai_steep(lrs, losses, skip_start, skip_end):
    """fastai's steep: the left end of the steepest fall per unit of log LR."""
    keep, xs, ys = _fastai_points(lrs, losses, skip_start, skip_end)
    if len(ys) < 2:
        raise SpecError("losses", "1 point", "fastai's steep needs at least 2 points after "
                        "its trims")
    logs = [_log32(x) for x in xs]
    grads = [f32(_div(f32(ys[k + 1] - ys[k]), f32(logs[k + 1] - logs[k])))
             for k in range(len(ys) - 1)]
    i = argmin(grads)
    why = "steepest fall of the loss per unit of log LR, between points %s and %s" % (
        format_int(keep[i]), format_int(keep[i + 1]))
    return _result(xs[i], keep[i], why)


def _torch_lr_finder(lrs, losses, skip_start, skip_end):
    """torch-lr-finder's plot(suggest_lr=True): the steepest unit-spacing gradient, in
    float64, NaN not filtered (a NaN gradient wins)."""
    n = len(lrs)
    if n < skip_start + skip_end + 2:
        raise SpecError("losses", "%d points" % n, "torch-lr-finder needs at least %d points "
                        "(skip_start + skip_end + 2)" % (skip_start + skip_end + 2))
    start, stop = _trim(n, skip_start, skip_end)
    ys = losses[start:stop]
    m = len(ys)
    g = [ys[1] - ys[0]] + [(ys[i + 1] - ys[i - 1]) / 2.0 for i in range(1, m - 1)]
    g.append(ys[m - 1] - ys[m - 2])
    i = start + argmin(g)
    why = "steepest fall of the loss per point (numpy.gradient), after dropping the first %d " \
          "and last %d" % (skip_start, skip_end)
    return _result(lrs[i], i, why)


def _gradient_at(ys, xs):
    """torch.gradient(ys, spacing=[xs]) in float32: the non-uniform central difference
    (torch's a, b, c weights) inside, one-sided differences at the ends."""
    n = len(ys)
    dx = [f32(xs[i + 1] - xs[i]) for i in range(n - 1)]
    g = [f32(_div(f32(ys[1] - ys[0]), dx[0]))]
    for i in range(1, n - 1):
        h1, h2 = dx[i - 1], dx[i]
        total = f32(h1 + h2)
        a = f32(_div(-h2, f32(h1 * total)))
        b = f32(_div(f32(h2 - h1), f32(h1 * h2)))
        c = f32(_div(h1, f32(h2 * total)))
        g.append(f32(f32(f32(a * ys[i - 1]) + f32(b * ys[i])) + f32(c * ys[i + 1])))
    g.append(f32(_div(f32(ys[n - 1] - ys[n - 2]), dx[n - 2])))
    return g


def _lightning(lrs, losses, skip_start, skip_end, spacing="lr"):
    """Lightning's _LRFinder.suggestion: steepest gradient of the finite losses, in float32.

    spacing "lr": d loss / d lr (Lightning >= 2.5.3); "index": unit spacing, with the
    earlier releases' index mapping (argmin + skip_start, ignoring dropped non-finite
    points); "log10": d loss / d log10(lr), as proposed in Lightning PR #21171.
    """
    if spacing not in SPACINGS:
        raise SpecError("spacing", spacing, 'must be "lr", "index" or "log10"')
    n = len(lrs)
    stop = n - skip_end
    kept = [i for i in range(skip_start, stop) if math.isfinite(f32(losses[i]))]
    if skip_end == 0:
        kept = []
    if len(kept) < 2:
        raise SpecError("losses", "%d finite points" % len(kept), "Lightning returns no "
                        "suggestion: fewer than 2 finite losses remain after dropping the "
                        "first %d and last %d%s" % (
                            skip_start, skip_end, " (its slice [a:-0] is empty)"
                            if skip_end == 0 else ""))
    ys = [f32(losses[i]) for i in kept]
    if spacing == "index":
        k = argmin(_gradient32(ys))
        i = k + skip_start
        why = ("steepest fall per point (Lightning before 2.5.3, which returns point argmin + "
               "%d)" % skip_start)
        return _result(lrs[i], i, why)
    if spacing == "lr":
        xs = [f32(lrs[i]) for i in kept]
        why = "steepest fall per unit of LR (Lightning 2.5.3 and later); this favours small LRs"
    else:
        xs = [f32(math.log10(f32(lrs[i]))) for i in kept]
        why = "steepest fall per decade of LR (log10 spacing, Lightning PR #21171)"
    i = kept[argmin(_gradient_at(ys, xs))]
    return _result(lrs[i], i, why)


def _ignite(lrs, losses, skip_start, skip_end):
    """ignite's lr_suggestion: steepest central difference before the lowest loss."""
    start, stop = _trim(len(lrs), skip_start, skip_end)
    ys = [f32(v) for v in losses[start:stop]]
    if not ys:
        raise SpecError("losses", "no points", "ignite keeps no points after the trims")
    m = argmin(ys)
    if m + 1 < 3:
        raise SpecError("losses", "lowest loss at point %d" % (start + m), "ignite needs the "
                        "lowest loss at the third point or later (the curve should fall "
                        "first, then rise: lower the start LR or raise the end LR)")
    grads = [f32(0.5 * f32(ys[i + 1] - ys[i - 1])) for i in range(1, m)]
    i = start + argmin(grads) + 1
    why = "steepest fall (central difference) before the lowest loss at point %s" % (
        format_int(start + m))
    return _result(lrs[i], i, why)


_RULES = {"fastai.valley": _fastai_valley, "fastai.slide": _fastai_slide,
          "fastai.minimum": _fastai_minimum, "fastai.steep": _fastai_steep,
          "torch_lr_finder": _torch_lr_finder, "lightning": _lightning, "ignite": _ignite}


def suggestion(lrs, losses, method, **options):
    """suggest_lr with its details: {"lr", "index" (the log point it comes from), "point"
    (the LR the tool marks: the minimum's own LR for fastai.minimum), "reason"}."""
    if method not in _RULES:
        raise SpecError("method", method, "must be one of " + ", ".join(METHODS))
    _options(method, options)
    lrs, losses = check_log(lrs, losses)
    tool = _TOOL[method]
    start_default, end_default = _SKIPS[tool]
    if start_default is None:
        start_default = len(lrs) // 10
    options = dict(options)
    skip_start = _skip(options.pop("skip_start", None), "skip_start", start_default)
    skip_end = _skip(options.pop("skip_end", None), "skip_end", end_default)
    return _RULES[method](lrs, losses, skip_start, skip_end, **options)


def suggest_lr(lrs, losses, method, **options):
    """The LR a tool suggests from a recorded (already smoothed) range-test log.

    method: "fastai.valley", "fastai.slide", "fastai.minimum" (the minimum's LR / 10, as
    fastai returns it), "fastai.steep", "torch_lr_finder", "lightning" (option ``spacing``:
    "lr" as Lightning >= 2.5.3, "index" as earlier releases, "log10"), "ignite".
    Options ``skip_start`` / ``skip_end`` default to the tool's own trims (fastai: len // 10
    and 5; torch-lr-finder: 10 and 5; Lightning: 10 and 1; ignite: 0 and 0); fastai.slide
    also takes ``lr_diff`` (15), ``thresh`` (0.005) and ``adjust_value`` (1.0).
    Raises SpecError when the tool would fail or return nothing.
    """
    return suggestion(lrs, losses, method, **options)["lr"]


def smoother_of(method):
    """The smoother (a name in SMOOTHERS) whose losses a method's tool records: ignite
    records torch-lr-finder's."""
    return _SMOOTHER[_TOOL[method]]


# --- smoothing -----------------------------------------------------------------------------


def smooth(losses, method):
    """The smoothed losses a tool records for raw per-batch losses.

    "fastai": debiased EMA, beta 0.98 (AvgSmoothLoss): a_i = 0.98 a_(i-1) + 0.02 L_i,
    S_i = a_i / (1 - 0.98^(i+1)), so S_0 = L_0. "torch_lr_finder" (and ignite): S_0 = L_0,
    S_i = 0.05 L_i + 0.95 S_(i-1). "lightning": the debiased EMA with exponent i + 2
    (S_0 = L_0 / 1.98), as its callback reads the step counter after the optimizer step.
    """
    if method not in SMOOTHERS:
        raise SpecError("method", method, "must be one of " + ", ".join(SMOOTHERS))
    losses = _float_list(losses, "losses")
    out = []
    if method == "torch_lr_finder":
        f = TORCH_LR_FINDER_F
        for i, loss in enumerate(losses):
            out.append(loss if i == 0 else f * loss + (1 - f) * out[-1])
        return out
    beta = FASTAI_BETA
    offset = 1 if method == "fastai" else 2
    avg = 0.0
    for i, loss in enumerate(losses):
        avg = beta * avg + (1 - beta) * loss
        out.append(avg / (1 - beta ** (i + offset)))
    return out


# --- ladders -------------------------------------------------------------------------------


def _positive(value, field):
    """A finite number > 0, as a float."""
    if not is_number(value) or not math.isfinite(value) or value <= 0:
        raise SpecError(field, value, "must be a number > 0")
    return float(value)


def lr_ladder(start, end, n, mode="exponential", tool="torch_lr_finder"):
    """The LRs a tool's range test sets, one per iteration, for n iterations.

    mode "exponential" (or "exp") or "linear". Endpoints, as each tool steps:
    torch_lr_finder: start .. end inclusive, r = i / (n - 1); fastai (exponential only):
    start * (end/start)^(i/N) with N = max(n, 6) (its LRFinder runs at least 6
    iterations; lr_find sizes its epochs by n, so a short data loader can end the run
    earlier), so end is never reached; lightning: r = (i + 1) / n after the first point, so
    the rung at 1/n is skipped and the last is end; ignite, as its history records them:
    exponential r = (i + 1) / n (start itself is not recorded, the last is end), linear
    start + (end - start) * i / n (end is not reached).
    """
    if tool not in TOOLS:
        raise SpecError("tool", tool, "must be one of " + ", ".join(TOOLS))
    if mode == "exp":
        mode = "exponential"
    if mode not in MODES:
        raise SpecError("mode", mode, 'must be "exponential" or "linear"')
    start = _positive(start, "start")
    end = _positive(end, "end")
    if end <= start:
        raise SpecError("end", end, "must be above the start LR (%s)" % format_lr(start))
    if type(n) is not int or n < 2 or n > MAX_POINTS:
        raise SpecError("n", n, "must be a whole number from 2 to %s" % format_int(MAX_POINTS))
    if tool == "fastai":
        if mode == "linear":
            raise SpecError("mode", mode, "fastai's LR finder sweeps exponentially only")
        total = max(n, 6)
        return [start * (end / start) ** (i / total) for i in range(total)]
    if tool == "ignite" and mode == "linear":
        return [start + (end - start) * i / n for i in range(n)]
    if tool == "lightning":
        fractions = [0.0] + [(i + 1) / n for i in range(1, n)]
    elif tool == "ignite":
        fractions = [(i + 1) / n for i in range(n)]
    else:
        fractions = [i / (n - 1) for i in range(n)]
    if mode == "exponential":
        return [start * (end / start) ** r for r in fractions]
    return [start + r * (end - start) for r in fractions]
