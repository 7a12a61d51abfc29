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
"""
import json
import math
import struct

from .dataio import check_size, is_digits, parse_table, read_json, read_number
from .errors import SpecError
from .links import fragment_parts, quote
from .numfmt import format_int, format_lr, format_sig, py_repr

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


def _is_number(v):
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
        if not _is_number(v):
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
        if not _is_number(v) or not math.isfinite(v) or v < 0:
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
    if not _is_number(value) or not math.isfinite(value) or value <= 0:
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


# --- the analyzer: reading a log -----------------------------------------------------------

MIN_LOG_POINTS = 3  # the fewest points a pasted log may have (ignite needs 3)
_LR_NAMES = ("lr", "lrs", "learning_rate", "learning rate", "learning-rate", "learningrate")
_SPECIAL = {"nan": math.nan, "inf": math.inf, "+inf": math.inf, "-inf": -math.inf,
            "infinity": math.inf, "+infinity": math.inf, "-infinity": -math.inf}
_JSON_SPECIAL = (("-Infinity", "-inf"), ("Infinity", "inf"), ("NaN", "nan"))
_JSON_FORMATS = (
    (("lrs", "losses"), None, "fastai Recorder JSON (lrs, losses)"),
    (("lr", "loss"), "history", "torch-lr-finder history JSON (history: lr, loss)"),
    (("lr", "loss"), "results", "Lightning results JSON (results: lr, loss)"),
    (("lr", "loss"), None, "torch-lr-finder history / Lightning results JSON (lr, loss)"),
)


def _log_error(why):
    """The SpecError of a log that cannot be read."""
    return SpecError("log", "the pasted log", why)


def _quoted(text):
    """A cell as messages show it: in single quotes, cut to 30 characters."""
    text = str(text)
    return "'%s'" % (text if len(text) <= 30 else text[:27] + "...")


def _loss_cell(text):
    """A loss cell: a number, or nan / inf / -inf (any case). (value, None) or (None, why)."""
    value, why = read_number(text)
    if why is None:
        return value, None
    special = _SPECIAL.get(text.strip().lower())
    if special is not None:
        return special, None
    return None, why


def _json_with_specials(text):
    """JSON text with Python's NaN / Infinity / -Infinity tokens (outside strings) turned
    into marker strings, so both runtimes' json readers accept it. Works on the pieces
    between quotes (a str index is O(n) on MicroPython, so no character loop)."""
    if "NaN" not in text and "Infinity" not in text:
        return text
    pieces, inside = text.split('"'), False
    for k in range(len(pieces)):
        piece = pieces[k]
        if not inside:
            for token, marker in _JSON_SPECIAL:
                piece = piece.replace(token, '"\\u0000%s"' % marker)
            pieces[k] = piece
            inside = True
        elif (len(piece) - len(piece.rstrip("\\"))) % 2 == 0:
            inside = False  # an unescaped quote ends the string
    return '"'.join(pieces)


def _json_numbers(values, key, losses):
    """One JSON list of the log as floats, or SpecError naming the entry."""
    if not isinstance(values, list):
        raise _log_error('"%s" must be a list of numbers' % key)
    out = []
    for i, v in enumerate(values):
        if isinstance(v, str) and v[:1] == "\u0000":
            if losses:
                out.append(_SPECIAL[v[1:]])
                continue
            v = v[1:]
        if v is None and losses:
            out.append(math.nan)
            continue
        if isinstance(v, list):
            raise _log_error('entry %d of "%s" is a list; give one value per point (for '
                             "several parameter groups, export one group's LRs)" % (i + 1, key))
        if not _is_number(v):
            raise _log_error('entry %d of "%s": %s is not a number' % (i + 1, key, _quoted(v)))
        out.append(float(v))
    return out


def _read_json(text):
    """A log from the tools' JSON exports: (lrs, losses, rows, format)."""
    try:
        data = read_json(_json_with_specials(text), "log")
    except SpecError:
        raise _log_error("the text starts like JSON but is not valid JSON")
    if isinstance(data, list):
        pairs = [p for p in data if isinstance(p, list) and len(p) == 2]
        if len(pairs) != len(data):
            raise _log_error("a JSON list must hold [lr, loss] pairs")
        data = {"lr": [p[0] for p in data], "loss": [p[1] for p in data]}
        name = "JSON list of [lr, loss] pairs"
        keys = ("lr", "loss")
    else:
        if not isinstance(data, dict):
            raise _log_error("JSON must be an object with the log's lists")
        for keys, wrapper, name in _JSON_FORMATS:
            inner = data.get(wrapper) if wrapper else data
            if isinstance(inner, dict) and keys[0] in inner and keys[1] in inner:
                data = inner
                break
        else:
            raise _log_error('JSON needs "lr" and "loss" lists (torch-lr-finder history, '
                             'Lightning results) or "lrs" and "losses" (fastai Recorder)')
    lrs = _json_numbers(data[keys[0]], keys[0], False)
    losses = _json_numbers(data[keys[1]], keys[1], True)
    if len(lrs) != len(losses):
        raise _log_error('"%s" has %s entries but "%s" has %s; every point needs both' % (
            keys[0], format_int(len(lrs)), keys[1], format_int(len(losses))))
    return lrs, losses, ["entry %d" % (i + 1) for i in range(len(lrs))], name


def _pick_column(names, chosen, field, guess):
    """The 0-based column for a choice (header name or 1-based number; "" guesses)."""
    text = str(chosen).strip()
    if text == "":
        return guess
    if text in names:
        return names.index(text)
    if is_digits(text) and 1 <= int(text) <= len(names):
        return int(text) - 1
    raise SpecError(field, chosen, "no such column; choose one of " + ", ".join(names))


def _guess_columns(names, header):
    """(lr column, loss column) from the header names, else the first two columns."""
    lr, loss = 0, 1
    if header:
        lowered = [n.strip().lower() for n in names]
        for i, name in enumerate(lowered):
            if name in _LR_NAMES:
                lr = i
                break
        for i, name in enumerate(lowered):
            if "loss" in name and i != lr:
                loss = i
                break
        else:
            loss = 1 if lr == 0 else 0
    return lr, loss


def _read_table(text, lr_column, loss_column):
    """A log from CSV/TSV/whitespace columns: (lrs, losses, rows, format, names)."""
    table = parse_table(text)
    names = table["columns"]
    if len(names) < 2:
        raise _log_error("a table needs two columns: the LR and the loss")
    guess_lr, guess_loss = _guess_columns(names, table["header"])
    lr_at = _pick_column(names, lr_column, "lr_column", guess_lr)
    loss_at = _pick_column(names, loss_column, "loss_column", guess_loss)
    if lr_at == loss_at:
        raise SpecError("loss_column", loss_column or names[loss_at],
                        "choose a loss column other than the LR column")
    lrs, losses, rows = [], [], []
    for cells, line in zip(table["rows"], table["lines"]):
        where = "line %d" % line
        lr, why = read_number(cells[lr_at])
        if why is not None:
            raise _log_error("%s, column %d (%s): %s is not a number (%s)" % (
                where, lr_at + 1, names[lr_at], _quoted(cells[lr_at]), why))
        loss, why = _loss_cell(cells[loss_at])
        if why is not None:
            raise _log_error("%s, column %d (%s): %s is not a number (%s; nan and inf are "
                             "allowed for losses)" % (where, loss_at + 1, names[loss_at],
                                                      _quoted(cells[loss_at]), why))
        lrs.append(lr)
        losses.append(loss)
        rows.append(where)
    kind = {"\t": "TSV", ",": "CSV", ";": "CSV (semicolons)", " ": "columns"}[
        table["delimiter"]]
    name = "%s, LR from column %d (%s), loss from column %d (%s)" % (
        kind, lr_at + 1, names[lr_at], loss_at + 1, names[loss_at])
    return lrs, losses, rows, name, names


def read_log(text, lr_column="", loss_column=""):
    """Read a pasted or uploaded range-test log and say which format it was taken as.

    JSON as the tools export it (fastai Recorder ``lrs``/``losses``; torch-lr-finder's
    ``history`` and Lightning's ``results``, both ``lr``/``loss``, bare or under those
    keys; a list of [lr, loss] pairs), or a table (CSV, TSV, semicolons or spaces) with an
    LR and a loss column chosen by header name or 1-based number ("" guesses: headers named
    like lr and loss, else the first two columns). Losses may be nan or inf.
    Returns {"lrs", "losses", "format", "columns" (table column names, [] for JSON)};
    raises SpecError naming the line or entry at fault (check_log's rules, with at least
    MIN_LOG_POINTS points).
    """
    if type(text) is not str or not text.strip():
        raise _log_error("paste a log or choose a file")
    check_size(text, "log")
    start = text.lstrip()[:1]
    if start in "{[":
        lrs, losses, rows, name = _read_json(text)
        names = []
    else:
        lrs, losses, rows, name, names = _read_table(text, lr_column, loss_column)
    if len(lrs) < MIN_LOG_POINTS:
        raise _log_error("the log has %d point%s; a range test log needs at least %d" % (
            len(lrs), "" if len(lrs) == 1 else "s", MIN_LOG_POINTS))
    try:
        lrs, losses = check_log(lrs, losses, rows, MIN_LOG_POINTS)
    except SpecError as err:
        raise _log_error(err.allowed)
    return {"lrs": lrs, "losses": losses, "format": name, "columns": names}


def log_text(lrs, losses):
    """A log as CSV text ("lr,loss" header, exact numbers) that read_log reads back."""
    lines = ["lr,loss"]
    for lr, loss in zip(lrs, losses):
        lines.append("%s,%s" % (py_repr(lr), py_repr(loss)))
    return "\n".join(lines) + "\n"


# --- the analyzer: suggestions, range, chart, links ----------------------------------------

LABELS = {"fastai.valley": "fastai valley (default)", "fastai.slide": "fastai slide",
          "fastai.minimum": "fastai minimum / 10", "fastai.steep": "fastai steep",
          "torch_lr_finder": "torch-lr-finder", "lightning": "Lightning", "ignite": "ignite"}
SHORT = {"fastai.valley": "valley", "fastai.slide": "slide", "fastai.minimum": "minimum",
         "fastai.steep": "steep", "torch_lr_finder": "torch-lr-finder",
         "lightning": "Lightning", "ignite": "ignite"}
SMOOTHER_LABELS = {"fastai": "fastai smoothing (debiased EMA, beta 0.98)",
                   "torch_lr_finder": "torch-lr-finder / ignite smoothing (EMA, f 0.05)",
                   "lightning": "Lightning smoothing (debiased EMA, offset 2)"}
SPACING_LABELS = {"lr": "per LR (Lightning 2.5.3 and later)",
                  "index": "per point (Lightning before 2.5.3)",
                  "log10": "per decade (Lightning PR #21171)"}


def analyze(lrs, losses, raw=False, spacing="lr"):
    """Every method's suggestion for one log.

    raw=False: the losses are what the tools record (already smoothed). raw=True: each
    method sees its own tool's smoothing of them (ignite uses torch-lr-finder's).
    Returns {"suggestions": [{"method", "lr", "index", "point", "loss", "reason"} or
    {"method", "error"}], "curves": {"given" or smoother name: losses as the tool saw them}}.
    """
    lrs, losses = check_log(lrs, losses)
    curves = {"given": losses}
    if raw:
        for name in SMOOTHERS:
            curves[name] = smooth(losses, name)
    out = []
    for method in METHODS:
        seen = curves[_SMOOTHER[_TOOL[method]]] if raw else losses
        options = {"spacing": spacing} if method == "lightning" else {}
        try:
            result = suggestion(lrs, seen, method, **options)
        except SpecError as err:
            out.append({"method": method, "error": err.allowed})
            continue
        result["method"] = method
        result["loss"] = seen[result["index"]]
        out.append(result)
    return {"suggestions": out, "curves": curves}


def recommended_range(lrs, losses, steep_lr=None):
    """Bounds for cyclical and one-cycle schedules from a (smoothed) log.

    Smith's rule (arXiv:1506.01186, section 3.3): max_lr where the loss stops falling (here
    the lowest finite loss), base_lr a third to a quarter of it; with only one cycle,
    Smith & Topin's lower bound max_lr / 10 to / 20. ``steep_lr`` (the steepest-fall LR)
    adds the steepest / 10 rule: max_lr at the steepest fall, base_lr a tenth of it.
    Returns a dict, with "problem" set (and no bounds) when the loss never falls.
    """
    finite = [i for i, v in enumerate(losses) if math.isfinite(v)]
    best = finite[0]
    for i in finite:
        if losses[i] < losses[best]:
            best = i
    if best == finite[0]:
        return {"problem": "The loss never falls below its first value, so the log shows no "
                "usable range: start the sweep at a lower LR."}
    top = lrs[best]
    out = {"max_lr": top, "index": best, "base_hi": top / 3, "base_lo": top / 4,
           "one_cycle_hi": top / 10, "one_cycle_lo": top / 20,
           "still_falling": best == finite[-1]}
    if steep_lr is not None:
        out["steep_max"] = steep_lr
        out["steep_base"] = steep_lr / 10
    return out


def _explorer_fragment(spec):
    """The explorer's URL fragment for a PyTorch spec, stepped per update.

    The explorer's modules are imported here, on first use, so ``import pycore`` (every
    page does it) does not load them."""
    from . import explorer, form
    state = explorer.default_state()
    state["raw"] = form.raw_from_spec(spec)
    state["run"]["stepping"] = "update"
    values, errors = explorer.read(state)
    return explorer.fragment_of(state, values)


def explorer_links(rng):
    """Explorer fragments for PyTorch OneCycleLR (max_lr = the range's top) and CyclicLR
    (base_lr = top / 4, max_lr = top), over the explorer's default run length."""
    from .explorer import RUN_DEFAULTS  # on first use, as in _explorer_fragment
    total = int(RUN_DEFAULTS["steps_per_epoch"]) * int(RUN_DEFAULTS["epochs"])
    top, base = rng["max_lr"], rng["base_lo"]
    one_cycle = {"framework": "pytorch", "name": "OneCycleLR", "lr": top,
                 "params": {"max_lr": top, "total_steps": total}}
    cyclic = {"framework": "pytorch", "name": "CyclicLR", "lr": base,
              "params": {"base_lr": base, "max_lr": top}}
    return {"OneCycleLR": _explorer_fragment(one_cycle),
            "CyclicLR": _explorer_fragment(cyclic)}


def _finite_or_none(values):
    """Floats for a chart payload: non-finite values become gaps (JSON null)."""
    return [v if math.isfinite(v) else None for v in values]


def chart(lrs, result):
    """The chart payload (lrchart v2 with a log x axis and labelled points) as JSON text."""
    curves = result["curves"]
    order = ["given"] + [name for name in SMOOTHERS if name in curves]
    payload_curves = []
    for k, name in enumerate(order):
        label = "loss as given" if name == "given" else SMOOTHER_LABELS[name]
        if name == "given" and len(order) > 1:
            label = "raw loss"
        payload_curves.append({"key": name, "label": label, "x": lrs,
                               "y": _finite_or_none(curves[name]), "color": k})
    groups, order_keys = {}, []
    for item in result["suggestions"]:
        if "error" in item or not math.isfinite(item["loss"]):
            continue
        key = (item["index"], item["loss"])
        if key not in groups:
            groups[key] = []
            order_keys.append(key)
        groups[key].append(SHORT[item["method"]])
    points = [{"x": lrs[index], "y": loss, "label": ", ".join(groups[(index, loss)])}
              for index, loss in order_keys]
    payload = {"version": 2, "xlabel": "learning rate (log scale)", "ylabel": "loss",
               "xlog": True, "curves": payload_curves, "points": points}
    return json.dumps(payload)


# --- the analyzer page: state, view and link -----------------------------------------------

DEFAULT_STATE = {"log": "", "input": "smoothed", "lr_column": "", "loss_column": "",
                 "spacing": "lr"}
INPUTS = ("smoothed", "raw")
MAX_LINK_LOG = 30000  # characters of log text a shareable link carries


def default_state():
    """A fresh analyzer: no log, losses taken as recorded by the tool."""
    return dict(DEFAULT_STATE)


def example_log():
    """An example raw log (CSV): fastai's default sweep, 1e-7 to 10 over 100 iterations, of
    a loss that plateaus, falls around 3e-4 and blows up past 1, with batch noise from a
    fixed-seed generator."""
    lrs = lr_ladder(1e-7, 10.0, 100, "exponential", "fastai")
    state, losses = 2026, []
    for lr in lrs:
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        noise = ((state >> 11) / 9007199254740992.0 - 0.5) * 0.08
        x = math.log10(lr)
        losses.append(2.3 - 1.8 / (1 + math.exp(-(x + 3.5) * 1.5)) + math.exp(
            (x - 0.2) * 2.5) + noise)
    return log_text(lrs, losses)


def _range_rows(rng):
    """The recommended range as (label, text) rows."""
    rows = [("Loss stops falling (max_lr)", "%s (point %s)" % (
        format_lr(rng["max_lr"]), format_int(rng["index"]))),
        ("Cyclical base_lr (max_lr / 4 to / 3)", "%s to %s" % (
            format_lr(rng["base_lo"]), format_lr(rng["base_hi"]))),
        ("One cycle: lower bound (max_lr / 20 to / 10)", "%s to %s" % (
            format_lr(rng["one_cycle_lo"]), format_lr(rng["one_cycle_hi"])))]
    if "steep_max" in rng:
        rows.append(("Steepest / 10 rule (base_lr to max_lr)", "%s to %s" % (
            format_lr(rng["steep_base"]), format_lr(rng["steep_max"]))))
    return rows


def _table_rows(suggestions):
    """The suggestions table: method, LR, point and reason (or why there is none)."""
    rows = []
    for item in suggestions:
        row = {"method": item["method"], "label": LABELS[item["method"]]}
        if "error" in item:
            row.update(lr_text="none", index_text="", reason=item["error"])
        else:
            row.update(lr_text=format_lr(item["lr"]), index_text=format_int(item["index"]),
                       reason=item["reason"])
        rows.append(row)
    return rows


def view(state):
    """Everything the analyzer page shows for a state, numbers formatted.

    Returns {"errors": {field: message}} when the log cannot be used; else {"errors": {},
    "format", "columns", "table" (rows: method, label, lr_text, index_text, reason),
    "range_rows" ([label, text]), "range_note", "links" ({"OneCycleLR", "CyclicLR"}:
    explorer URLs relative to this page, or {}), "chart" (JSON), "summary"}.
    """
    if state.get("input") not in INPUTS:
        return {"errors": {"input": 'choose "smoothed" or "raw"'}}
    if state.get("spacing") not in SPACINGS:
        return {"errors": {"spacing": 'choose "lr", "index" or "log10"'}}
    try:
        log = read_log(state.get("log", ""), state.get("lr_column", ""),
                       state.get("loss_column", ""))
    except SpecError as err:
        field = err.field if err.field in ("lr_column", "loss_column") else "log"
        return {"errors": {field: err.allowed[:1].upper() + err.allowed[1:] + "."}}
    raw = state["input"] == "raw"
    result = analyze(log["lrs"], log["losses"], raw, state["spacing"])
    curve = result["curves"]["fastai" if raw else "given"]
    steep = [s for s in result["suggestions"] if s["method"] == "fastai.steep" and "lr" in s]
    rng = recommended_range(log["lrs"], curve, steep[0]["lr"] if steep else None)
    out = {"errors": {}, "format": "Read %s points: %s%s." % (
        format_int(len(log["lrs"])), log["format"],
        "; raw losses, each tool's smoothing applied" if raw else
        "; losses taken as the tools recorded them"),
        "columns": log["columns"], "table": _table_rows(result["suggestions"]),
        "chart": chart(log["lrs"], result), "links": {}, "range_rows": []}
    if "problem" in rng:
        out["range_note"] = rng["problem"]
    else:
        out["range_rows"] = _range_rows(rng)
        out["range_note"] = ("The loss was still falling at the last point: the sweep ended "
                             "too early to see where it stops, so max_lr may be higher."
                             if rng["still_falling"] else "")
        out["links"] = dict((name, "../explorer/#" + fragment) for name, fragment in
                            explorer_links(rng).items())
    first = result["suggestions"][0]
    out["summary"] = "%s fastai's default (valley) suggests %s." % (
        out["format"], format_lr(first["lr"])) if "lr" in first else out["format"]
    return out


def fragment_of(state):
    """The URL fragment (without '#') of a state; the log is left out past MAX_LINK_LOG
    characters."""
    parts = []
    for key in ("input", "spacing", "lr_column", "loss_column"):
        if state.get(key, DEFAULT_STATE[key]) != DEFAULT_STATE[key]:
            parts.append("%s=%s" % (key, quote(str(state[key]))))
    text = state.get("log", "")
    if text and len(text) <= MAX_LINK_LOG:
        parts.append("log=" + quote(text))
    return "&".join(parts)


def fragment_for_log(lrs, losses, raw=True):
    """The analyzer's URL fragment for a recorded log (e.g. from the live range test)."""
    state = default_state()
    state["log"] = log_text(lrs, losses)
    state["input"] = "raw" if raw else "smoothed"
    return fragment_of(state)


def read_fragment(fragment):
    """A state from a URL fragment, and sentences about the parts that were not used."""
    state, problems = default_state(), []
    for key, value, err in fragment_parts(fragment):
        if key not in DEFAULT_STATE:
            continue
        if err is not None:
            problems.append("The link's %s was not used: it %s." % (key, err.allowed))
            continue
        if key == "input" and value not in INPUTS or key == "spacing" and value not in SPACINGS:
            problems.append("The link's %s was not used: %s is not a choice here." % (
                key, _quoted(value)))
            continue
        state[key] = value if key == "log" else value[:100]
    return state, problems
