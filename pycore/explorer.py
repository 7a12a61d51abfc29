"""The schedule explorer's state and computation, with no DOM.

The page glue (site/explorer/explorer.py) keeps one *state*: what the user typed, as plain
JSON-ready data, so it can be saved in localStorage and restored exactly:

    {"raw": <pycore.form raw state of the schedule>,
     "run": {"length_from": "steps" | "data", "dataset_size", "batch_size", "devices",
             "accum", "drop_last" (bool), "steps_per_epoch", "epochs", "stepping"},
     "at": text,        # the scheduler step to inspect
     "resume": text,    # an optimizer update to resume from ("" = none)
     "log": bool,       # log-scale chart
     "pins": [{"label", "spec", "stepping"}]}   # pinned comparison curves (valid specs)

``read(state)`` turns it into values or per-field messages; ``Job`` computes every result
in slices (``advance``) so the page stays responsive on million-step runs; ``fragment_of``
and ``read_fragment`` are the shareable link. Everything shown is formatted here through
pycore.numfmt.
"""
import json
import math

from . import analysis, dataio, form, resume, sanity
from .errors import SpecError
from .links import fragment_parts, quote as _quote
from .numfmt import format_int, format_lr, format_sig, py_repr
from .spec import build_valid, frameworks, to_code, validate
from .translate import translation

MAX_RUN = 2000000  # scheduler steps the explorer evaluates (about 2-6 s in the browser)
MAX_UPDATES = 10 ** 12  # optimizer updates a run may describe
MAX_PINS = 6
MAX_DROPS = 1000  # reductions of a metric-driven schedule marked on the chart
COLUMNS = 1000  # chart columns for the min/max down-sampling
SLICE = 2500  # values per Job.advance() call: a few ms in the browser, so the page can
# hand the thread back to the browser often (see site/explorer/explorer.py)
TRANSLATE_HORIZON = 20000  # longest horizon a translation is searched over

RUN_DEFAULTS = {"length_from": "steps", "dataset_size": "50000", "batch_size": "128",
                "devices": "1", "accum": "1", "drop_last": False, "steps_per_epoch": "391",
                "epochs": "100", "stepping": "epoch"}
RUN_LABELS = {
    "dataset_size": "Training examples", "batch_size": "Batch size per device",
    "devices": "Devices (GPUs)", "accum": "Gradient-accumulation steps",
    "steps_per_epoch": "Optimizer updates per epoch", "epochs": "Epochs",
}
RUN_LIMITS = {"dataset_size": (1, MAX_UPDATES), "batch_size": (1, 10 ** 9),
              "devices": (1, 10 ** 6), "accum": (1, 10 ** 6),
              "steps_per_epoch": (1, MAX_UPDATES), "epochs": (1, 10 ** 7)}
DEFAULT_SCHEDULE = ("pytorch", "CosineAnnealingLR")


def default_state(framework=None, name=None):
    """A fresh explorer: the default schedule (or the one named) and run."""
    if framework is None:
        framework, name = DEFAULT_SCHEDULE
    return {"raw": form.default_raw(framework, name), "run": dict(RUN_DEFAULTS), "at": "0",
            "resume": "", "log": False, "pins": []}


def _whole(text, key, lo, hi):
    """A whole number typed into a run field, within [lo, hi], or SpecError."""
    value = form.parse_number(text, key)
    if value != math.floor(value):
        raise SpecError(key, text, "Must be a whole number")
    if value < lo or value > hi:
        raise SpecError(key, text, "Must be a whole number from %s to %s" % (
            format_int(lo), format_int(hi)))
    return int(value)


def read_run(raw):
    """The run (see the brief in pycore.analysis) from the run fields, plus messages.

    Returns (run, errors); run holds steps_per_epoch, epochs, total_updates, stepping and,
    when derived from the data set, batches_per_epoch and effective_batch.
    """
    errors, values = {}, {}
    keys = ["epochs"]
    if raw.get("length_from") == "data":
        keys += ["dataset_size", "batch_size", "devices", "accum"]
    else:
        keys.append("steps_per_epoch")
    for key in keys:
        lo, hi = RUN_LIMITS[key]
        try:
            values[key] = _whole(raw.get(key, RUN_DEFAULTS[key]), key, lo, hi)
        except SpecError as err:
            errors["run." + key] = form.sentence(err.allowed)
    if errors:
        return None, errors
    run = {"stepping": "epoch" if raw.get("stepping") == "epoch" else "update",
           "epochs": values["epochs"]}
    if raw.get("length_from") == "data":
        batch = values["batch_size"] * values["devices"]
        batches = values["dataset_size"] // batch
        if not raw.get("drop_last") and values["dataset_size"] % batch:
            batches += 1
        if batches == 0:
            errors["run.batch_size"] = ("With drop_last, a batch of %s (x %s devices) is "
                                        "larger than the data set: no full batch" % (
                                            format_int(values["batch_size"]),
                                            format_int(values["devices"])))
            return None, errors
        run["batches_per_epoch"] = batches
        run["effective_batch"] = batch * values["accum"]
        run["steps_per_epoch"] = (batches + values["accum"] - 1) // values["accum"]
    else:
        run["steps_per_epoch"] = values["steps_per_epoch"]
    run["total_updates"] = run["steps_per_epoch"] * run["epochs"]
    if run["total_updates"] > MAX_UPDATES:
        errors["run.epochs"] = "The run would have more than %s updates" % format_int(
            MAX_UPDATES)
        return None, errors
    run["n"] = run["total_updates"] if run["stepping"] == "update" else run["epochs"]
    return run, errors


def _scheduler_steps(run, clean):
    """Scheduler steps evaluated: the run's, or one per metric value."""
    if "metrics" in clean:
        return len(clean["metrics"])
    return run["n"]


def read(state):
    """Validate a whole state. Returns (values, errors).

    errors maps a field path ("params.gamma", "run.epochs", "at", "resume", ...) to the
    sentence shown beside it; values (None when there are errors) holds the clean spec,
    the run, the step to inspect, the resume update and the pins, ready for ``Job``.
    """
    spec, errors = form.read(state["raw"])
    run, run_errors = read_run(state["run"])
    errors.update(run_errors)
    clean = None
    if spec is not None:
        try:
            clean = validate(spec)
        except SpecError as err:
            errors[err.field] = form.sentence(err.allowed)
    if errors:
        return None, errors
    n = _scheduler_steps(run, clean)
    if "metrics" in clean:
        run = dict(run, stepping="epoch", n=n)
    if n > MAX_RUN:
        key = "run.epochs" if run["stepping"] == "epoch" else "run.steps_per_epoch"
        if state["run"].get("length_from") == "data" and key != "run.epochs":
            key = "run.epochs"
        errors[key] = ("The explorer evaluates at most %s scheduler steps; this run has %s"
                       % (format_int(MAX_RUN), format_int(n)))
        return None, errors
    at_text = state.get("at", "0")
    try:
        at = _whole(at_text, "at", 0, max(0, n - 1))
    except SpecError as err:
        errors["at"] = form.sentence(err.allowed)
    resume_update = None
    if str(state.get("resume", "")).strip():
        try:
            resume_update = _whole(state["resume"], "resume", 0, run["total_updates"])
        except SpecError as err:
            errors["resume"] = form.sentence(err.allowed)
    if errors:
        return None, errors
    pins = []
    for pin in state.get("pins", [])[:MAX_PINS]:
        pins.append({"label": pin["label"], "clean": validate(pin["spec"]),
                     "stepping": pin.get("stepping", run["stepping"])})
    return {"clean": clean, "run": run, "n": n, "at": at, "resume": resume_update,
            "log": bool(state.get("log")), "pins": pins}, {}


# --- computation in slices ---------------------------------------------------------------


class Curve:
    """One curve being computed: its stream of exact values and its running summary."""

    def __init__(self, clean, n):
        self.clean = clean
        self.schedule = build_valid(clean)
        self.n = n
        self.stream = analysis.Stream(self.schedule, n)
        self.scan = analysis.Scan(n, COLUMNS)
        self.values = []
        self.summary = None

    def advance(self, k):
        """Compute up to k more values; return how many were computed."""
        todo = min(k, self.n - self.stream.t)
        if self.summary is not None or todo <= 0:
            self._finish()
            return 0
        chunk = None
        if self.stream.t == 0 and self.n <= k:
            chunk = self._whole()
        if chunk is None:
            chunk = self.stream.take(todo)
        if chunk:
            self.scan.feed(chunk)
            self.values.extend(chunk)
        if self.stream.error is not None:
            self.scan.stop(self.stream.stopped_at, str(self.stream.error))
            self._finish()
        elif self.stream.t >= self.n:
            self._finish()
        return len(chunk)

    def _whole(self):
        """All n values in one ``series`` call (the schedules' fast path) when the run fits
        in one slice; None when the framework refuses a step (the stream finds which)."""
        try:
            values = self.schedule.series(self.n)
        except SpecError:
            return None
        self.stream = _Done(self.n)
        return values

    def _finish(self):
        if self.summary is None:
            self.summary = self.scan.result()

    def done(self):
        return self.summary is not None

    def same(self, clean, n):
        """Whether this curve, finished, is the one of (clean, n): it can be reused."""
        return self.done() and self.n == n and self.clean == clean


class _Done:
    """A finished stream (the whole run came from one series call)."""

    def __init__(self, n):
        self.t = n
        self.error = None
        self.stopped_at = None


class Job:
    """Every result of one valid state, computed slice by slice.

    ``advance()`` computes about SLICE values and returns True when everything is done;
    then ``result()`` gives the display data. Curves keep their values (for the chosen
    step, the resume helper, the comparisons and the exports); pinned curves are compared
    with the main one update by update.

    ``previous`` is the job of the state before: its finished curves (and the momentum and
    comparisons computed from them) are reused when the spec and the length are the same,
    so changing the chosen step, the resume update, the log scale or the pins recomputes
    nothing else.
    """

    def __init__(self, values, previous=None):
        self.v = values
        run, n = values["run"], values["n"]
        old = [] if previous is None else [previous.main] + [c for _, c in previous.pins]
        self.main = _reuse(old, values["clean"], n)
        self.pins = []
        for pin in values["pins"]:
            self.pins.append((pin, _reuse(old, pin["clean"], self._pin_steps(pin, run))))
        # (pinned curve, axis, its stepping, spe) -> its Comparison with the main curve
        self.diffs = {}
        self._old_diffs = {}
        if previous is not None and previous.main is self.main:
            self.momentum_curve = previous.momentum_curve
            self._old_diffs = previous.diffs
        else:
            self.momentum_curve = MomentumCurve(self.main)
        self._result = None

    @property
    def momentum(self):
        """The momentum curve's summary: None until computed, False when there is none."""
        return self.momentum_curve.summary

    def _key(self, curve, stepping):
        run = self.v["run"]
        return (curve, run["stepping"], stepping, run["steps_per_epoch"])

    def _comparison(self, curve, stepping):
        """The Comparison of a pinned curve with the main one: the last job's while both
        curves are the same and it is finished, else a new one."""
        run = self.v["run"]
        key = self._key(curve, stepping)
        diff = self.diffs.get(key)
        if diff is None:
            diff = self._old_diffs.get(key)
            if diff is None or not diff.done():
                s = self.main.summary
                diff = Comparison(self.main.values, run["stepping"], curve.values, stepping,
                                  run["steps_per_epoch"], s["max"] if s["n"] else 0.0)
            self.diffs[key] = diff
        return diff

    def compare_pin(self, curve, stepping):
        """The comparison of a pinned curve with the main one (see Comparison.result)."""
        return self._comparison(curve, stepping).result()

    @staticmethod
    def _pin_steps(pin, run):
        if "metrics" in pin["clean"]:
            return min(len(pin["clean"]["metrics"]), MAX_RUN)
        return min(run["total_updates"] if pin["stepping"] == "update" else run["epochs"],
                   MAX_RUN)

    def progress(self):
        """Fraction of the work done, 0..1 (a comparison not yet begun counts as long as
        its pinned curve)."""
        curves = [self.main] + [c for _, c in self.pins]
        total = sum(c.n for c in curves)
        done = sum(c.stream.t for c in curves)
        if self.momentum_curve.exists and not self.momentum_curve.done():
            total += self.main.n
            done += self.momentum_curve.t
        for pin, curve in self.pins:
            diff = self.diffs.get(self._key(curve, pin["stepping"]))
            total += diff.count if diff else curve.n
            done += diff.i if diff else 0
        return done / total if total else 1.0

    def _pieces(self):
        """The work in order, each with done() and advance(budget): the curves, then the
        momentum curve and the comparisons (which need the finished curves)."""
        yield self.main
        for _, curve in self.pins:
            yield curve
        yield self.momentum_curve
        for pin, curve in self.pins:
            yield self._comparison(curve, pin["stepping"])

    def advance(self):
        """Compute one slice (about SLICE values); True when all is done."""
        budget = SLICE
        for piece in self._pieces():
            if not piece.done():
                if budget <= 0:
                    return False
                budget -= piece.advance(budget)
                if not piece.done():
                    return False
        return True

    def result(self):
        """Everything the page shows for this state (all numbers formatted)."""
        if self._result is None:
            self._result = _result(self)
        return self._result


class MomentumCurve:
    """The momentum curve of a main curve (OneCycleLR, CyclicLR and chains holding them),
    computed slice by slice once the main curve is finished: ``summary`` is None until
    then, False when the schedule has none, else its Scan summary."""

    def __init__(self, main):
        self.main = main
        self.exists = main.schedule.momentum_series(1) is not None
        self.summary = None
        self.scan = None
        self.t = 0  # steps fed so far

    def done(self):
        return self.summary is not None

    def advance(self, budget):
        """Compute up to budget more steps; return how many."""
        n = self.main.summary["n"]
        if n == 0 or not self.exists:
            self.summary = False
            return 0
        if self.scan is None:
            self.scan = analysis.Scan(n, COLUMNS)
        part, self.t = momentum_slice(self.main.schedule, self.t, self.t + max(budget, 1), n)
        self.scan.feed(part)
        if self.t >= n:
            self.summary = self.scan.result()
        return len(part)


def momentum_slice(schedule, a, b, n):
    """(momentum of steps a..b-1 of a run of n steps, the step after them): b is cut to
    n, and a schedule that computes its momentum only whole (a chain, see
    Schedule.momentum_part) gives the rest of the run at once."""
    b = min(n, b)
    part = schedule.momentum_part(a, b)
    if part is None:
        return schedule.momentum_series(n)[a:], n
    return part, b


def _reuse(curves, clean, n):
    """The finished curve of (clean, n) among curves, else a new one to compute."""
    for curve in curves:
        if curve.same(clean, n):
            return curve
    return Curve(clean, n)


def _step_text(t, run, unit=None):
    """'update 1,234 (epoch 3.16)' or 'epoch 12' for scheduler step t."""
    unit = unit or run["stepping"]
    if unit == "epoch":
        return "epoch %s" % format_int(t)
    spe = run["steps_per_epoch"]
    if spe == 1:
        return "update %s" % format_int(t)
    return "update %s (epoch %s)" % (format_int(t), format_sig(t / spe, 4))


def _relative_gap(a, b):
    """|a - b| relative to the larger magnitude (0 when both are 0)."""
    big = max(abs(a), abs(b))
    return abs(a - b) / big if big > 0 else 0.0


def _expanded(values, stepping, spe, u0, u1):
    """The LRs of optimizer updates u0..u1-1 of a curve stepped per update or per epoch."""
    if stepping == "update":
        return values[u0:u1]
    return [values[u // spe] for u in range(u0, u1)]


class Comparison:
    """Two curves compared update by update, a slice at a time: the largest relative
    difference and the first update where they part (> 1e-12 relative, and an absolute
    gap above 1e-12 of the peak), over their common updates.

    Both lists are scheduler-step values; curves stepped per epoch are expanded to updates
    only when the other one is stepped per update. ``advance(k)`` compares up to k more
    updates and returns how many; ``result()`` is the comparison of those compared so far
    (all of them once ``done()``).
    """

    def __init__(self, main, main_stepping, other, other_stepping, spe, peak):
        self.main, self.other, self.spe = main, other, spe
        self.steppings = (main_stepping, other_stepping)
        self.same_axis = main_stepping == other_stepping
        if self.same_axis:
            self.count = min(len(main), len(other))
        else:
            self.count = min(len(main) * (spe if main_stepping == "epoch" else 1),
                             len(other) * (spe if other_stepping == "epoch" else 1))
        self.floor = 1e-12 * peak
        self.i = 0
        self.worst, self.first = 0.0, None

    def advance(self, k):
        i, j = self.i, min(self.count, self.i + k)
        if self.same_axis:
            a_part, b_part = self.main[i:j], self.other[i:j]
        else:
            a_part = _expanded(self.main, self.steppings[0], self.spe, i, j)
            b_part = _expanded(self.other, self.steppings[1], self.spe, i, j)
        worst, first, floor = self.worst, self.first, self.floor
        for u in range(j - i):
            a, b = a_part[u], b_part[u]
            if a != b:
                gap = _relative_gap(a, b)
                if gap > worst:
                    worst = gap
                if first is None and gap > 1e-12 and abs(a - b) > floor:
                    first = i + u
        self.worst, self.first, self.i = worst, first, j
        return j - i

    def done(self):
        return self.i >= self.count

    def result(self):
        unit = self.steppings[0] if self.same_axis else "update"
        return {"max_rel_diff": self.worst, "first_diff": self.first, "unit": unit,
                "count": self.i}


def compare(main, main_stepping, other, other_stepping, spe, peak):
    """The whole Comparison of two curves at once (see Comparison)."""
    c = Comparison(main, main_stepping, other, other_stepping, spe, peak)
    c.advance(c.count)
    return c.result()


def _envelope_x(summary, stepping, run, axis):
    """The envelope's x values in the chart's unit (updates or epochs)."""
    xs = summary["envelope"]["x"]
    if axis == stepping or axis == "update":
        if stepping == "epoch" and axis == "update":
            return [x * run["steps_per_epoch"] for x in xs]
        return list(xs)
    return [x / run["steps_per_epoch"] for x in xs]


def _curve_payload(key, label, summary, stepping, run, axis, color, pinned, which="lr"):
    return {"key": key, "label": label, "x": _envelope_x(summary, stepping, run, axis),
            "y": list(summary["envelope"]["y"]), "stepped": stepping == "epoch",
            "axis": which, "pinned": pinned, "color": color}


def _json_safe(chart):
    """The chart payload for the page's JSON.parse: JSON has no infinity or NaN (a schedule
    can overflow), so those values become null, which the chart draws as gaps."""
    out = dict(chart)
    out["curves"] = []
    for curve in chart["curves"]:
        safe = dict(curve)
        safe["y"] = [v if v - v == 0 else None for v in curve["y"]]
        out["curves"].append(safe)
    return out


def schedule_label(clean):
    """'pytorch CosineAnnealingLR' style label of a spec."""
    return "%s %s" % (clean["framework"], clean["name"])


def _next_change_text(mark, t, run):
    """How many scheduler steps until the LR next changes, in words."""
    if mark is None:
        return ""
    nxt = mark["next_change"]
    unit = "epochs" if run["stepping"] == "epoch" else "updates"
    if nxt is None:
        return "does not change again within the run"
    gap = nxt - t
    return "in %s %s (at %s)" % (format_int(gap), unit if gap != 1 else unit[:-1],
                                 _step_text(nxt, run))


def _result(job):
    """The display data of a finished job."""
    v = job.v
    run, clean, at = v["run"], v["clean"], v["at"]
    s = job.main.summary
    axis = run["stepping"]
    out = {"framework": clean["framework"], "name": clean["name"], "n": s["n"],
           "run_n": v["n"], "stepping": axis}
    mark = job.main.scan.mark(job.main.values, at)
    out["at"] = at
    out["at_text"] = _step_text(at, run)
    out["lr"] = mark["lr"] if mark else None
    out["lr_text"] = format_lr(mark["lr"]) if mark else "not reached"
    out["lr_repr"] = py_repr(mark["lr"]) if mark else ""
    out["phase"] = mark["phase"] if mark else ""
    out["next_change"] = _next_change_text(mark, at, run)
    if s["n"]:
        out["stats"] = [
            ("First LR (%s)" % _step_text(0, run), format_lr(s["first"])),
            ("Last LR (%s)" % _step_text(s["n"] - 1, run), format_lr(s["last"])),
            ("Minimum", "%s at %s" % (format_lr(s["min"]), _step_text(s["argmin"], run))),
            ("Maximum", "%s at %s" % (format_lr(s["max"]), _step_text(s["argmax"], run))),
            ("Mean over the run", format_lr(s["mean"])),
        ]
    else:
        out["stats"] = []
    out["run_rows"] = _run_rows(run, v["n"])
    out["warnings"] = sanity.check(clean, run, s)
    if v["resume"] is not None and s["n"]:
        out["resume"] = resume.advice(clean, run, v["resume"], job.main.values)
    else:
        out["resume"] = None
    curves = [_curve_payload("main", schedule_label(clean), s, axis, run, axis, 0, False)]
    legend = [{"key": "main", "label": schedule_label(clean) + " (this schedule)", "color": 0,
               "note": ""}]
    for i, (pin, curve) in enumerate(job.pins):
        color = i + 1
        curves.append(_curve_payload("pin%d" % i, pin["label"], curve.summary,
                                     pin["stepping"], run, axis, color, True))
        diff = job.compare_pin(curve, pin["stepping"])
        legend.append({"key": "pin%d" % i, "label": pin["label"], "color": color,
                       "note": _diff_note(diff, run)})
    if job.momentum:
        curves.append(_curve_payload("momentum", "momentum", job.momentum, axis, run, axis,
                                     len(curves), False, "momentum"))
        legend.append({"key": "momentum", "label": "momentum (right axis)",
                       "color": len(legend), "note": ""})
    chart = {"version": 2, "xlabel": axis, "ylabel": "learning rate", "log": v["log"],
             "marker": at, "curves": curves,
             "drops": (analysis.drop_steps(job.main.values, MAX_DROPS)
                       if "metrics" in clean else [])}
    out["chart"] = chart
    out["chart_json"] = json.dumps(_json_safe(chart))
    out["legend"] = legend
    out["table"] = values_table(job.main.values, run)
    out["stopped"] = s["stopped_at"]
    return out


def _diff_note(diff, run):
    """Legend text: the largest difference and where the curves part."""
    if diff["count"] == 0:
        return "nothing to compare"
    if diff["first_diff"] is None:
        return "identical over %s %ss" % (format_int(diff["count"]), diff["unit"])
    return "differs by up to %s%%; parts at %s %s" % (
        format_sig(100.0 * diff["max_rel_diff"], 3), diff["unit"],
        format_int(diff["first_diff"]))


def _run_rows(run, n):
    """The training-length helper's derived numbers, as (label, text) rows."""
    rows = []
    if "batches_per_epoch" in run:
        rows.append(("Batches per epoch (per device)", format_int(run["batches_per_epoch"])))
        rows.append(("Effective batch size", format_int(run["effective_batch"])))
    rows.append(("Optimizer updates per epoch", format_int(run["steps_per_epoch"])))
    rows.append(("Optimizer updates in the run", format_int(run["total_updates"])))
    unit = "once per epoch" if run["stepping"] == "epoch" else "after every update"
    rows.append(("Scheduler steps (%s)" % unit, format_int(n)))
    return rows


TABLE_ROWS = 21


def values_table(values, run):
    """About TABLE_ROWS evenly spaced (step, LR) rows: the chart's text alternative."""
    n = len(values)
    if n == 0:
        return []
    if n <= TABLE_ROWS:
        steps = list(range(n))
    else:
        steps = sorted(set((n - 1) * i // (TABLE_ROWS - 1) for i in range(TABLE_ROWS)))
    return [(_step_text(t, run), format_lr(values[t]), py_repr(values[t])) for t in steps]


# --- actions -----------------------------------------------------------------------------


def code_tabs(clean, horizon):
    """Code for the spec's framework and, translated, for every other framework.

    Each tab: {"framework", "code", "note"}; the note says whether the translation is exact
    over the horizon (translations are searched over at most TRANSLATE_HORIZON steps).
    """
    for tabs in code_tabs_steps(clean, horizon):
        pass
    return tabs


def code_tabs_steps(clean, horizon):
    """code_tabs() a piece at a time (see pycore.translate.translation): a generator that
    yields None between pieces of the search, then the tabs."""
    tabs = [{"framework": clean["framework"], "code": to_code(clean), "note": "",
             "exact": True}]
    if "metrics" in clean:
        yield tabs
        return
    h = max(1, min(horizon, TRANSLATE_HORIZON))
    for fw in frameworks():
        if fw == clean["framework"]:
            continue
        t = None
        try:
            for t in translation(clean, fw, h):
                if t is None:
                    yield None
        except SpecError as err:
            tabs.append({"framework": fw, "code": "", "exact": False,
                         "note": "No %s equivalent: %s" % (fw, err.allowed)})
            continue
        if t["exact"]:
            note = "Same LR at every one of the first %s steps." % format_int(h)
        else:
            note = ("Closest %s equivalent: differs by up to %s%%, first at step %s of %s."
                    % (fw, format_sig(100.0 * t["max_rel_diff"], 3),
                       format_int(t["first_diff_step"]), format_int(h)))
        tabs.append({"framework": fw, "code": to_code(t["spec"]), "note": note,
                     "exact": t["exact"], "spec": t["spec"]})
    yield tabs


def translation_pins(clean, stepping, horizon):
    """Pins of this schedule translated into each other framework (best candidates)."""
    return pins_of(code_tabs(clean, horizon), stepping)


def pins_of(tabs, stepping):
    """The pins of the translated tabs of code_tabs (the first tab is the schedule's own)."""
    pins = []
    for tab in tabs[1:]:
        if "spec" in tab:
            pins.append({"label": "%s (translated)" % schedule_label(tab["spec"]),
                         "spec": tab["spec"], "stepping": stepping})
    return pins


EXPORT_ROWS = 100  # export rows written per Export.advance() (about 20 ms in the browser)


class Export:
    """The CSV or JSON export of a finished job's main curve: its exact values at every
    k-th scheduler step and the last (and the momentum where the chart shows one).

    Written a slice at a time (``advance()`` until it returns True, then ``text()``):
    exact floats cost about 0.1 ms each under MicroPython, so a 100,000-row export takes
    seconds, during which the page must stay responsive and can show ``progress()``.
    """

    def __init__(self, job, every, kind):
        if kind not in ("csv", "json"):
            raise SpecError("kind", kind, 'must be "csv" or "json"')
        run = job.v["run"]
        self.job, self.kind = job, kind
        self.values = job.main.values
        self.steps = dataio.export_steps(len(self.values), every)
        self.spe, self.stepping = run["steps_per_epoch"], run["stepping"]
        self.columns = dataio.series_columns(self.stepping, self.spe, bool(job.momentum))
        self.momentum = [] if job.momentum else None
        self.done_rows = 0
        self.parts = []

    def advance(self):
        """Compute SLICE momentum values, or write EXPORT_ROWS rows; True when done."""
        n, m = len(self.values), self.momentum
        if m is not None and len(m) < n:
            m.extend(momentum_slice(self.job.main.schedule, len(m), len(m) + SLICE, n)[0])
            return False
        i = self.done_rows
        j = min(len(self.steps), i + EXPORT_ROWS)
        rows = dataio.series_rows(self.values, self.steps[i:j], self.spe, self.momentum,
                                  self.stepping)
        if rows:
            self.parts.append(dataio.csv_lines(rows) if self.kind == "csv"
                              else dataio.json_rows(rows))
        self.done_rows = j
        return j >= len(self.steps)

    def progress(self):
        """Fraction done, 0..1 (the momentum counts as a tenth of the work)."""
        rows = self.done_rows / len(self.steps) if self.steps else 1.0
        if self.momentum is None:
            return rows
        return 0.1 * len(self.momentum) / max(1, len(self.values)) + 0.9 * rows

    def text(self):
        """The file's text, once advance() has returned True."""
        if self.kind == "csv":
            return dataio.csv_lines([self.columns]) + "".join(self.parts)
        return dataio.json_document(self.job.v["clean"], self.columns, ", ".join(self.parts))


def export_text(job, every, kind):
    """The whole export at once (see Export)."""
    export = Export(job, every, kind)
    while not export.advance():
        pass
    return export.text()


def export_csv(job, every):
    """CSV of the main curve's exact values (every k-th scheduler step, and the last)."""
    return export_text(job, every, "csv")


def export_json(job, every):
    """JSON of the spec and the main curve's exact values."""
    return export_text(job, every, "json")


def chart_svg(job):
    """The chart as a standalone SVG document."""
    return dataio.chart_svg(job.result()["chart"])


# --- the link ----------------------------------------------------------------------------

RUN_KEYS = (("epochs", "epochs"), ("spe", "steps_per_epoch"), ("data", "dataset_size"),
            ("batch", "batch_size"), ("devices", "devices"), ("accum", "accum"))


def fragment_of(state, values):
    """The URL fragment (without '#') of a valid state: spec, step and the run."""
    q = _quote
    parts = ["spec=" + q(json.dumps(values["clean"], separators=(",", ":"))),
             "step=%d" % values["at"]]
    run = state["run"]
    parts.append("stepping=" + values["run"]["stepping"])
    parts.append("from=" + ("data" if run.get("length_from") == "data" else "steps"))
    for key, name in RUN_KEYS:
        parts.append("%s=%s" % (key, q(str(run.get(name, RUN_DEFAULTS[name])).strip())))
    if run.get("drop_last"):
        parts.append("drop_last=1")
    if values["resume"] is not None:
        parts.append("resume=%d" % values["resume"])
    if values["log"]:
        parts.append("log=1")
    column = state["raw"].get("metrics_column", "")
    if column:
        parts.append("col=" + q(column))
    if state.get("pins"):
        parts.append("pins=" + q(json.dumps(state["pins"], separators=(",", ":"))))
    return "&".join(parts)


def read_fragment(fragment):
    """A state from a URL fragment, and messages about what could not be used.

    Everything in the fragment is data: it is parsed strictly and validated by the same
    code as typed input; a part that fails leaves the default in its place.
    """
    state = default_state()
    problems = []
    pairs = {}
    for key, text, err in fragment_parts(fragment):
        if err is None:
            pairs[key] = text
        else:
            problems.append("The link's %s was not used: %s." % (key or "?", err.allowed))
    if "spec" in pairs:
        try:
            clean = validate(dataio.read_json(pairs["spec"], "spec"))
            state["raw"] = form.raw_from_spec(clean)
        except ValueError as err:
            problems.append("The link's schedule was not used: %s." % err)
    run = state["run"]
    if pairs.get("stepping") in ("update", "epoch"):
        run["stepping"] = pairs["stepping"]
    if pairs.get("from") in ("data", "steps"):
        run["length_from"] = pairs["from"]
    for key, name in RUN_KEYS:
        if key in pairs:
            run[name] = pairs[key][:40]
    run["drop_last"] = pairs.get("drop_last") == "1"
    for key, name in (("step", "at"), ("resume", "resume")):
        if key in pairs:
            state[name] = pairs[key][:40]
    state["log"] = pairs.get("log") == "1"
    if "col" in pairs and "metrics" in state["raw"]:
        state["raw"]["metrics_column"] = pairs["col"][:100]
    if "pins" in pairs:
        try:
            state["pins"] = _read_pins(dataio.read_json(pairs["pins"], "pins"))
        except ValueError as err:
            problems.append("The link's pinned curves were not used: %s." % err)
    return state, problems


def _read_pins(data):
    """Pins from a link: a list of at most MAX_PINS {label, spec, stepping} with valid specs."""
    if not isinstance(data, list):
        raise SpecError("pins", data, "must be a list")
    pins = []
    for i, pin in enumerate(data[:MAX_PINS]):
        if not isinstance(pin, dict) or not isinstance(pin.get("label"), str):
            raise SpecError("pins[%d]" % i, pin, "must be an object with a label and a spec")
        stepping = pin.get("stepping", "update")
        if stepping not in ("update", "epoch"):
            raise SpecError("pins[%d].stepping" % i, stepping, 'must be "update" or "epoch"')
        pins.append({"label": pin["label"][:120], "spec": validate(pin.get("spec")),
                     "stepping": stepping})
    return pins


# --- small helpers for the page ----------------------------------------------------------

MAX_UPLOAD = 5000000  # bytes of an uploaded metric file (dataio refuses more text too)
MAX_UPLOAD_TEXT = format_int(MAX_UPLOAD)
MAX_EVERY = 10 ** 9


def read_every(text):
    """The export's 'every k-th step' field: a whole number from 1."""
    return _whole(text, "every", 1, MAX_EVERY)


def code_tabs_own(clean):
    """The code tab of the spec's own framework (cheap: no translation)."""
    return [{"framework": clean["framework"], "code": to_code(clean), "note": "",
             "exact": True}]


def resume_rows(advice):
    """The resume helper's numbers as (label, text) rows."""
    return [
        ("Resume at", "update %s (scheduler step %s, epoch %s)" % (
            format_int(advice["update"]), format_int(advice["scheduler_step"]),
            format_sig(advice["epoch"], 6))),
        ("The run should continue with", advice["lr_text"]),
        ("A scheduler rebuilt from scratch would use", "%s: %s" % (
            advice["naive_text"], advice["naive_note"])),
    ]


def hover_text(chart, curve, index, run):
    """The chart read-out for a sample: its step (and epoch) and the exact LR."""
    if not isinstance(curve, int) or not 0 <= curve < len(chart["curves"]):
        return ""
    c = chart["curves"][curve]
    if not isinstance(index, int) or not 0 <= index < len(c["x"]):
        return ""
    x, y = c["x"][index], c["y"][index]
    if chart["xlabel"] == "epoch":
        where = "epoch %s" % format_sig(x, 8)
    else:
        where = _step_text(int(x), dict(run, stepping="update"))
    what = "momentum" if c["axis"] == "momentum" else "LR"
    return "%s: %s %s (exactly %s)" % (where, what, format_lr(y), py_repr(y))


def load_saved(text):
    """A state saved in localStorage, or None when it is missing or not a state."""
    if not text:
        return None
    try:
        data = dataio.read_json(text, "saved")
    except SpecError:
        return None
    if not isinstance(data, dict):
        return None
    base = default_state()
    raw, run = data.get("raw"), data.get("run")
    if not isinstance(raw, dict) or not isinstance(run, dict):
        return None
    try:
        spec, errors = form.read(raw)
        if "name" in errors or "framework" in errors or not isinstance(raw.get("params"), dict):
            return None
    except Exception:  # a saved state from another version: start fresh rather than fail
        return None
    base["raw"] = raw
    for key in RUN_DEFAULTS:
        if isinstance(run.get(key), type(RUN_DEFAULTS[key])):
            base["run"][key] = run[key]
    for key in ("at", "resume"):
        if isinstance(data.get(key), str):
            base[key] = data[key]
    base["log"] = data.get("log") is True
    try:
        base["pins"] = _read_pins(data.get("pins", []))
    except SpecError:
        base["pins"] = []
    return base
