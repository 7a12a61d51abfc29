"""Property tests of pycore against untrusted input (issue 7, parts 3 to 5).

Everything a visitor can type, paste, upload or put in a link reaches pycore as data. For
all of it pycore either answers with usable values or raises ``SpecError`` naming a field;
it never leaks another exception type. The rules checked here:

- every catalogue entry, with parameters drawn inside and outside the catalogue's own
  bounds: the LRs are non-negative floats, finite except where the framework itself
  overflows a growing schedule to +inf (kept, as the framework gives it; see
  test_pytorch.py and test_keras.py);
- random formula text parses, or the error gives the column (or says the text is empty
  or too long); a parsed formula evaluates to a finite float or names the step;
- random logs to ``suggest_lr``, ``analyze``, ``smooth`` and ``analyzer.read_log``;
  random text to ``dataio.parse_table`` / ``parse_series`` / ``read_number``,
  ``form.parse_number``, ``explorer.read_fragment`` / ``load_saved`` and the tuning
  sections;
- the bounds: ``lr_series`` above MAX_SERIES, text over 5 MB, tables over 1,000,000 rows,
  logs over MAX_POINTS points, ladders over MAX_POINTS are refused with a message.

Runs are derandomized so CI sees the same examples every time.
"""
import json
import math
import os
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pycore
from pycore import (SpecError, analyzer, calculator, dataio, explorer, expr, form, lrfinder,
                    tuning)
from pycore.spec import MAX_NESTING

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_engine_fuzz import (BASELINES, CATALOG, call, framework_nan,  # noqa: E402
                              from_catalog)

N = 60
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
ROUNDING = 1e-12  # a negative LR this small next to the peak is the framework's rounding


def named(err):
    """The SpecError names a field and says what is allowed (what a page shows)."""
    assert isinstance(err, SpecError), repr(err)
    assert isinstance(err.field, str) and err.field, err
    assert isinstance(err.allowed, str) and err.allowed, err
    return err


def usable(values, spec):
    """The LRs are floats, never NaN (unless the framework's own arithmetic gives 0 * inf),
    never -inf, and negative only by rounding next to the largest LR."""
    nan_ok = framework_nan(spec) or math.inf in values
    finite = [abs(v) for v in values if type(v) is float and math.isfinite(v)]
    peak = max(finite + [spec.get("lr", 0.0) if type(spec.get("lr")) is float else 0.0])
    for v in values:
        assert type(v) is float, (spec, v)
        assert v == v or nan_ok, ("NaN", spec, values[:5])
        assert v != -math.inf, ("-inf", spec, values[:5])
        assert v >= -ROUNDING * peak or v != v, ("negative LR", spec, v)


def in_range(entry):
    """A baseline spec of the entry with every number redrawn inside the catalogue's own
    bounds: specs a careful visitor could type."""
    @st.composite
    def build(draw):
        spec = draw(st.sampled_from(BASELINES[(entry["framework"], entry["name"])]))
        spec = dict(spec, params=dict(spec["params"]))
        for p in entry["params"]:
            if p["kind"] not in ("float", "int") or not draw(st.booleans()):
                continue
            lo = p.get("lo") if p.get("lo") is not None else -1e6
            hi = p.get("hi") if p.get("hi") is not None else 1e6
            if p["kind"] == "int":
                v = draw(st.integers(int(math.ceil(lo)), int(min(hi, 10 ** 6))))
            else:
                v = draw(st.floats(lo, min(hi, 1e6), allow_nan=False,
                                   exclude_min=bool(p.get("lo_open")),
                                   exclude_max=bool(p.get("hi_open"))))
            (spec if p["where"] == "spec" else spec["params"])[p["name"]] = v
        return spec
    return build()


def lrs_of(spec):
    """lr_series and a few lr_at values of spec, or None when pycore refuses it."""
    values = call(pycore.lr_series, spec, N)
    if values is None:
        return None
    for t in (0, 1, N - 1, 10 ** 6):
        try:
            values.append(pycore.lr_at(spec, t))
        except SpecError as err:
            named(err)
    return values


def test_every_catalogue_entry_gives_usable_lrs_or_names_a_field():
    """Parameters drawn from each entry's description, in range and out of it."""
    for entry in CATALOG:
        @FUZZ
        @given(from_catalog(entry))
        def run(spec):
            values = lrs_of(spec)
            if values is not None:
                usable(values, spec)
        run()


def test_in_range_parameters_give_usable_lrs():
    """Numbers inside every entry's bounds: usable LRs, or a refusal naming a field (a
    relation between parameters); most such specs must be accepted."""
    for entry in CATALOG:
        accepted = []

        @FUZZ
        @given(in_range(entry))
        def run(spec):
            values = lrs_of(spec)
            if values is not None:
                usable(values, spec)
                accepted.append(spec)
        run()
        assert accepted, "no in-range spec of %s %s was accepted" % (
            entry["framework"], entry["name"])


def test_negative_lambda_factors_are_refused_naming_the_step():
    """torch would multiply the LR by a negative factor and climb the loss; pycore names
    the formula and the first step where that happens."""
    for name in ("LambdaLR", "MultiplicativeLR"):
        spec = {"framework": "pytorch", "name": name, "lr": 0.1,
                "params": {"lr_lambda": "1 - step / 4"}}
        try:
            pycore.lr_series(spec, 10)
        except SpecError as err:
            assert err.field == "params.lr_lambda"
            assert "at step 5 it is negative" in err.allowed
        else:
            raise AssertionError(name + " accepted a negative factor")


# --- the formula language -----------------------------------------------------------------

TOKENS = ("step", "epoch", "pi", "1", "0", "2.5", ".5", "1e3", "1e999", "+", "-", "*", "/",
          "%", "**", "(", ")", ",", " ", "min", "max", "abs", "floor", "ceil", "exp", "log",
          "sqrt", "sin", "cos", "foo", "//", "$", "<b>", "\u00e9", "\x00", "__import__", "'")


@FUZZ
@given(st.one_of(st.text(max_size=80), st.lists(st.sampled_from(TOKENS), max_size=30).map(
    "".join), st.text(alphabet="0123456789.e+-*/()% ", min_size=480, max_size=520)))
def test_random_formulas_parse_or_give_the_column(text):
    """A formula parses, or the message gives the 1-based column where it goes wrong."""
    try:
        formula = expr.parse(text, "params.lr_lambda")
    except SpecError as err:
        named(err)
        assert err.field == "params.lr_lambda"
        reason = err.allowed
        if len(text) > expr.MAX_LENGTH:
            assert "at most %d characters" % expr.MAX_LENGTH in reason
        elif not text.strip():
            assert "empty" in reason
        else:
            column = int(reason.split(" at column ")[1].split(";")[0].split(" ")[0])
            assert 1 <= column <= len(text) + 1, (text, reason)
        return
    for t in (0, 1, 7, 10 ** 9):
        try:
            v = formula.value(t)
        except SpecError as err:
            assert "at step %d" % t in named(err).allowed
            continue
        assert type(v) is float and math.isfinite(v), (text, t, v)


# --- range-test logs ----------------------------------------------------------------------

ODD = (0.0, -0.0, -1.0, 1e-300, 5e-324, 1e300, math.inf, -math.inf, math.nan)
numbers = st.one_of(st.floats(), st.sampled_from(ODD), st.integers(-5, 5), st.just(True),
                    st.just("1"), st.none())


@st.composite
def logs(draw):
    """(lrs, losses): mostly increasing positive LRs with odd losses, sometimes anything."""
    n = draw(st.integers(0, 40))
    if draw(st.booleans()):
        lrs = [1e-7 * 1.3 ** i for i in range(n)]
        losses = draw(st.lists(st.one_of(st.floats(-10, 10), st.sampled_from(ODD)),
                               min_size=n, max_size=n))
    else:
        lrs = draw(st.lists(numbers, max_size=n))
        losses = draw(st.lists(numbers, max_size=n + 1))
    return lrs, losses


def positive_lr(value):
    """What a suggestion must be: a finite LR above zero."""
    assert type(value) is float and math.isfinite(value) and value > 0, value


@FUZZ
@given(logs(), st.sampled_from(lrfinder.METHODS), st.sampled_from((None, 0, 3, -1, 2.5, "x")))
def test_random_logs_to_suggest_lr(log, method, skip):
    """suggest_lr gives a positive finite LR or SpecError naming a field."""
    options = {} if skip is None else {"skip_start": skip}
    try:
        lr = lrfinder.suggest_lr(log[0], log[1], method, **options)
    except SpecError as err:
        named(err)
        return
    positive_lr(lr)


@FUZZ
@given(logs(), st.booleans(), st.sampled_from(lrfinder.SPACINGS))
def test_random_logs_to_analyze_and_smooth(log, raw, spacing):
    """analyze reports each method's LR or its reason; smooth keeps the log's length."""
    out = call(analyzer.analyze, log[0], log[1], raw, spacing)
    if out is None:
        return
    for s in out["suggestions"]:
        if "error" in s:
            assert isinstance(s["error"], str) and s["error"]
        else:
            positive_lr(s["lr"])
    for name in lrfinder.SMOOTHERS:
        smoothed = call(lrfinder.smooth, log[1], name)
        assert smoothed is None or len(smoothed) == len(log[1])


CELLS = ("lr", "loss", "1e-3", "0.5", "nan", "inf", "-inf", "1,5", "0x10", "NaN", "Infinity",
         "1e999", "-0", "", " ", "abc", '"', "<script>x()</script>", "\u00a0", "1;2", "\t")


@st.composite
def pasted_text(draw):
    """Text shaped like a pasted table or JSON log, often broken."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.text(max_size=200))
    if kind == 1:
        sep = draw(st.sampled_from((",", "\t", ";", " ", "  ")))
        rows = draw(st.lists(st.lists(st.sampled_from(CELLS), min_size=1, max_size=4),
                             max_size=12))
        end = draw(st.sampled_from(("\n", "\r\n", "\r")))
        return end.join(sep.join(r) for r in rows)
    if kind == 2:
        pairs = draw(st.lists(st.tuples(numbers, numbers), max_size=12))
        text = json.dumps([list(p) for p in pairs])
        return text.replace("null", draw(st.sampled_from(("null", "NaN", "Infinity", "["))))
    keys = draw(st.sampled_from((("lr", "loss"), ("lrs", "losses"), ("x", "y"))))
    body = {keys[0]: draw(st.lists(numbers, max_size=8)),
            keys[1]: draw(st.lists(numbers, max_size=8))}
    wrap = draw(st.sampled_from((None, "history", "results", "recorder")))
    return json.dumps({wrap: body} if wrap else body)


@FUZZ
@given(pasted_text(), st.sampled_from(("", "1", "2", "3", "loss", "lr", "zz", "0")))
def test_random_text_to_read_log(text, column):
    """read_log reads a log (then analyze works on it) or names what is wrong."""
    log = call(analyzer.read_log, text, "", column)
    if log is None:
        return
    assert len(log["lrs"]) == len(log["losses"]) >= analyzer.MIN_LOG_POINTS
    assert isinstance(log["format"], str)
    assert call(analyzer.analyze, log["lrs"], log["losses"]) is not None


@FUZZ
@given(pasted_text(), st.sampled_from(("", "1", "2", "loss", "zz", 3)))
def test_random_text_to_tables_and_series(text, column):
    """parse_table gives rows of equal width; parse_series finite floats; both or SpecError."""
    table = call(dataio.parse_table, text)
    if table is not None:
        widths = set(len(r) for r in table["rows"])
        assert len(widths) <= 1 and len(table["lines"]) == len(table["rows"])
    assert isinstance(dataio.columns(text), list)
    series = call(dataio.parse_series, text, column)
    if series is not None:
        assert series and all(type(v) is float and math.isfinite(v) for v in series)


BAD_NUMBERS = ("", " ", "abc", "1e999", "-1e999", "-0", "NaN", "nan", "Infinity", "inf",
               "0x10", "1,5", "1_000", "1" * 10000, "<b>1</b>", "1e", "e1", ".", "+", "--1",
               "1 2", "\u0661", "１", "1.5.2")


@FUZZ
@given(st.one_of(st.sampled_from(BAD_NUMBERS), st.text(max_size=40)))
def test_random_number_text(text):
    """The site's one number reader: a finite float, or the reason (never an exception)."""
    value, why = dataio.read_number(text)
    if why is None:
        assert type(value) is float and math.isfinite(value), (text, value)
        assert form.parse_number(text, "x") == value
    else:
        assert value is None and isinstance(why, str) and why
        try:
            form.parse_number(text, "x")
        except SpecError as err:
            assert named(err).field == "x"
        else:
            raise AssertionError("parse_number accepted %r" % text)


# --- links, saved state and the tuning sections --------------------------------------------

PAYLOADS = ("<img src=x onerror=lrPwned()>", "<script>lrPwned()</script>", "javascript:lrPwned()",
            '"><svg onload=lrPwned()>', "%3Cscript%3E", "%E0%A4%A", "%", "[" * 5000,
            "{" * 3000, "1e999", "NaN", "-0", "x" * 10000, '{"framework":"pytorch"}')
KEYS = ("spec", "step", "stepping", "from", "epochs", "spe", "data", "batch", "devices",
        "accum", "drop_last", "resume", "log", "col", "pins", "", "zz")


@st.composite
def fragments(draw):
    """URL fragments: known and unknown keys, each holding a payload or random text."""
    parts = draw(st.lists(st.tuples(st.sampled_from(KEYS), st.one_of(
        st.sampled_from(PAYLOADS), st.text(max_size=30))), max_size=6))
    return "#" + "&".join("%s=%s" % (k, v) for k, v in parts)


@FUZZ
@given(fragments())
def test_random_fragments_give_a_state_and_messages(fragment):
    """read_fragment always returns a state (defaults where the link fails) and messages;
    the state then reads to values or per-field errors, never an exception."""
    state, problems = explorer.read_fragment(fragment)
    assert all(isinstance(p, str) for p in problems)
    values, errors = explorer.read(state)
    assert (values is None) == bool(errors), errors
    for key in errors:
        assert isinstance(errors[key], str) and errors[key]


SAVED_VALUES = (None, 1, -1, 1e999, "x", "", [], {}, {"a": 1}, ["1"], True, "<b>", "1" * 10000)


@st.composite
def saved_states(draw):
    """localStorage text: a real saved state with values replaced, or anything."""
    state = explorer.default_state()
    if draw(st.booleans()):
        return draw(st.one_of(st.text(max_size=50), st.sampled_from(PAYLOADS)))
    for part in ("raw", "run"):
        keys = list(state[part]) + ["zz"]
        for key in draw(st.lists(st.sampled_from(keys), max_size=3)):
            state[part][key] = draw(st.sampled_from(SAVED_VALUES))
    if draw(st.booleans()):
        state["raw"]["params"] = dict((k, draw(st.sampled_from(SAVED_VALUES)))
                                      for k in explorer.default_state()["raw"]["params"])
    for key in draw(st.lists(st.sampled_from(("at", "resume", "log", "pins")), max_size=2)):
        state[key] = draw(st.sampled_from(SAVED_VALUES))
    return json.dumps(state)


@FUZZ
@given(saved_states())
def test_random_saved_states_load_or_start_fresh(text):
    """load_saved returns None or a state that reads to values or per-field errors."""
    state = explorer.load_saved(text)
    if state is None:
        return
    values, errors = explorer.read(state)
    assert (values is None) == bool(errors), errors


# Valid numbers at the edges of the doubles: products of them overflow or underflow.
EXTREME_NUMBERS = ("1e300", "-1e300", "1e-300", "1.7e308", "5e-324", "0", "1e15", "2")


def strict_json(text):
    """json.loads as the pages' JSON.parse reads it: NaN and Infinity are refused."""
    def refuse(constant):
        raise AssertionError("chart JSON holds %s, which JSON.parse refuses" % constant)
    return json.loads(text, parse_constant=refuse)


@FUZZ
@given(st.sampled_from(("plan", "batch", "layers")), st.data())
def test_random_tuning_inputs(section, data):
    """Every tuning field with bad, extreme or random text: errors by field, or a result
    whose chart the page can parse."""
    raw = tuning.defaults()
    for f in tuning.fields(section):
        if data.draw(st.booleans()):
            raw[f.key] = data.draw(st.one_of(
                st.sampled_from(BAD_NUMBERS + PAYLOADS[:3] + EXTREME_NUMBERS),
                st.text(max_size=12)))
    values, errors = tuning.read(section, raw)
    if errors:
        assert all(isinstance(m, str) and m for m in errors.values())
        return
    result = call(tuning.compute, section, values)
    assert result is None or isinstance(result, dict)
    if result:
        strict_json(result["chart_json"])


@FUZZ
@given(st.sampled_from(("plan", "batch", "layers")), st.data())
def test_extreme_tuning_inputs(section, data):
    """Tuning fields at the edges of the doubles: errors by field, or a result whose chart
    the page can parse."""
    raw = tuning.defaults()
    for f in tuning.fields(section):
        if data.draw(st.booleans()):
            raw[f.key] = data.draw(st.sampled_from(EXTREME_NUMBERS))
    values, errors = tuning.read(section, raw)
    if not errors:
        strict_json(call(tuning.compute, section, values)["chart_json"])


@FUZZ
@given(st.data())
def test_extreme_calculator_inputs(data):
    """Calculator fields at the edges of the doubles: errors by field, or a result whose
    chart the page can parse (a rate that overflows is a gap, not Infinity)."""
    raw = calculator.defaults()
    for key in sorted(raw):
        if key != "staircase" and data.draw(st.booleans()):
            raw[key] = data.draw(st.sampled_from(EXTREME_NUMBERS))
    values, errors = calculator.read_form(raw)
    if errors:
        assert all(isinstance(m, str) and m for m in errors.values())
        return
    strict_json(call(calculator.compute, values)["chart"])


# --- bounds -------------------------------------------------------------------------------

COSINE = {"framework": "pytorch", "name": "CosineAnnealingLR", "lr": 0.1,
          "params": {"T_max": 100}}


def refused(fn, *args):
    """The SpecError fn(*args) raises (failing the test when it answers instead)."""
    try:
        fn(*args)
    except SpecError as err:
        return named(err)
    raise AssertionError("%s accepted an over-limit input" % fn.__name__)


def test_series_longer_than_the_limit_are_refused_at_once():
    """n above MAX_SERIES is refused before any work, naming n and the limit."""
    for fn in (pycore.lr_series, pycore.momentum_series):
        err = refused(fn, COSINE, pycore.MAX_SERIES + 1)
        assert err.field == "n" and "10000000" in err.allowed.replace(",", "")
    assert refused(pycore.lr_at, COSINE, pycore.MAX_STEP + 1).field == "step"


def test_text_over_5_mb_is_refused_on_every_paste_path():
    """Pasted or uploaded text over MAX_BYTES: metric series, tables and range-test logs
    (JSON too) are refused with a message giving the limit."""
    table = "lr,loss\n" + "0.001,1.0\n" * (dataio.MAX_BYTES // 10)
    log = json.dumps({"lr": [1.0] * 1300000, "loss": [1.0] * 1300000})
    assert len(log) > dataio.MAX_BYTES
    for fn, text in ((dataio.parse_series, table), (dataio.parse_table, table),
                     (analyzer.read_log, table), (analyzer.read_log, log)):
        err = refused(fn, text)
        assert "5 MB" in str(err), (fn.__name__, str(err))


def test_multibyte_text_is_measured_in_bytes():
    """5,000,000 characters of two-byte text is 10 MB: refused."""
    err = refused(dataio.parse_series, "\u00e9" * (dataio.MAX_BYTES // 2 + 1))
    assert "5 MB" in str(err)


def test_tables_over_a_million_rows_are_refused():
    """1,000,001 short rows fit in 5 MB but not in the row limit."""
    text = "1\n" * (dataio.MAX_ROWS + 1)
    assert len(text) <= dataio.MAX_BYTES
    for fn in (dataio.parse_series, dataio.parse_table):
        assert "1,000,000 rows" in str(refused(fn, text))


def test_logs_and_ladders_over_max_points_are_refused():
    """A range-test log or LR ladder above MAX_POINTS points is refused, naming the limit."""
    n = lrfinder.MAX_POINTS + 1
    lines = "\n".join("%r,1.0" % (1e-8 * (i + 1)) for i in range(n))
    assert "100,000" in str(refused(analyzer.read_log, lines))
    assert refused(lrfinder.lr_ladder, 1e-7, 1.0, n).field == "n"
    assert refused(lrfinder.suggest_lr, [1.0] * n, [1.0] * n, "fastai.valley").field == "lrs"


def test_explorer_runs_longer_than_max_run_are_refused_with_a_message():
    """A run above MAX_RUN scheduler steps is an error on the run's fields, not a freeze."""
    state = explorer.default_state()
    state["run"]["epochs"] = str(explorer.MAX_RUN + 1)
    state["run"]["stepping"] = "epoch"
    values, errors = explorer.read(state)
    assert values is None and errors, errors
    assert any("2,000,000" in m for m in errors.values()), errors


def test_fragment_of_a_valid_state_reads_back_unchanged():
    """The link a page writes is read back by the same validation (a spec from a link is
    checked like typed input): the round trip keeps the schedule."""
    state = explorer.default_state("pytorch", "StepLR")
    values, errors = explorer.read(state)
    assert not errors
    again, problems = explorer.read_fragment(explorer.fragment_of(state, values))
    assert problems == []
    assert explorer.read(again)[0]["clean"] == values["clean"]


DEEP = ("[" * 5000, "[" * 100000 + "]" * 100000, '{"a":' * 100000 + "1" + "}" * 100000)


def test_deeply_nested_json_is_refused_like_any_bad_json():
    """JSON nested past the parser's recursion, in every JSON reader of untrusted text:
    the link's part is not used (with a message), the saved state is ignored, the pasted
    log is refused; never a RecursionError."""
    for text in DEEP:
        for fragment in ("#spec=" + text, "#pins=" + text):
            state, problems = explorer.read_fragment(fragment)
            assert len(problems) == 1 and "not valid JSON" in problems[0]
        raw, problems = calculator.read_fragment("#spec=" + text)
        assert raw == calculator.defaults() and "not valid JSON" in problems[0]
        assert explorer.load_saved(text) is None
        assert "not valid JSON" in str(refused(analyzer.read_log, text))


def test_schedules_nest_at_most_max_nesting_levels():
    """A schedule inside a schedule, MAX_NESTING deep, works; one more level is refused
    naming the innermost child (not a RecursionError at a few hundred levels)."""
    def nested(depth):
        spec = {"framework": "pytorch", "name": "StepLR", "params": {"step_size": 3}}
        for _ in range(depth):
            spec = {"framework": "pytorch", "name": "ChainedScheduler",
                    "params": {"schedulers": [spec]}}
        return dict(spec, lr=0.1)
    assert pycore.lr_series(nested(MAX_NESTING), 3) == [0.1, 0.1, 0.1]
    for depth in (MAX_NESTING + 1, 400):
        err = refused(pycore.lr_series, nested(depth), 3)
        assert err.field.endswith("].name") and "nest at most" in err.allowed
