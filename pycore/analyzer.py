"""The LR-finder analyzer: reading a range-test log as the tools save it, every tool's
suggestion for it (pycore.lrfinder's rules), the recommended range, the chart, and the
page's state, view and shareable link.

A log comes pasted or uploaded as CSV/TSV (columns picked by name or guessed) or as the
JSON the tools write (fastai's Recorder, torch-lr-finder's history, Lightning's results);
``read_log`` turns it into (lrs, losses) or a SpecError saying what is wrong and where.
``view(state)`` gives everything the page shows, formatted through pycore.numfmt, and
``fragment_of`` / ``read_fragment`` are the link.
"""
import json
import math

from .dataio import check_size, is_digits, parse_table, read_json, read_number
from .errors import SpecError
from .links import fragment_parts, quote
from .lrfinder import (METHODS, SMOOTHERS, SPACINGS, check_log, is_number, lr_ladder,
                       smooth, smoother_of, suggestion)
from .numfmt import format_int, format_lr, py_repr

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
        if not is_number(v):
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
        seen = curves[smoother_of(method)] if raw else losses
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
