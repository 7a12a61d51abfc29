"""Property tests of the whole public API on generated specs: pycore either answers with
proper values or raises SpecError; it never leaks another exception, hangs or returns
garbage (a non-float, or NaN).

Specs come from two sources: params generated from each catalogue entry's own description
(kinds, bounds, choices, nullable, plus values just outside the bounds, wrong types and
extreme floats), and the parity cases of ``tests/cases`` mutated one parameter at a time.
Runs are derandomized so CI sees the same examples every time.
"""
import math
import os
import signal
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pycore
from pycore import SpecError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cases import keras, optax, pytorch, pytorch_cycles, timm, transformers  # noqa: E402
from cases.lcg import Lcg  # noqa: E402

CATALOG = pycore.catalog()
FRAMEWORKS = pycore.frameworks()
N = 60  # series length per example: small, the bugs sit in the parameters
STEPS = (0, 1, 7, 199)
HUGE_STEP = 2 ** 40
REPLAYS = ("MultiplicativeLR", "SequentialLR", "ChainedScheduler", "SWALR")  # at(t) is O(t)
TIME_LIMIT = 5  # seconds per API call before it counts as a hang

EXTREME_FLOATS = (0.0, -0.0, 5e-324, 1e-300, 1e-12, 0.5, 1.0, 1.0 + 2 ** -52, 2.0, 1e15,
                  1e300, 1.7976931348623157e308, -1.0, -1e300, math.inf, -math.inf, math.nan)
EXTREME_INTS = (0, 1, 2, -1, 10 ** 6, 2 ** 31 - 1, 2 ** 31, 2 ** 53, 2 ** 53 + 1, 2 ** 64,
                -2 ** 53)
WRONG_TYPES = (None, True, False, "1", "", [], {}, [1.0], {"a": 1}, "step")


def baselines():
    """The parity cases' specs, by (framework, name)."""
    rng = Lcg(20261123)
    out = {}
    for module in (pytorch, pytorch_cycles, transformers, keras, optax, timm):
        for c in module.cases(rng):
            s = c["spec"]
            out.setdefault((s["framework"], s["name"]), []).append(s)
    return out


BASELINES = baselines()


def _child(spec):
    """A baseline spec as a child of a schedule list: no lr, no metrics."""
    return dict((k, v) for k, v in spec.items() if k not in ("lr", "metrics"))


def children_of(framework):
    """Step-driven baseline specs of one framework, usable as children."""
    out = []
    for entry in CATALOG:
        if entry["framework"] == framework and not entry["metric_driven"]:
            out.extend(_child(s) for s in BASELINES.get((framework, entry["name"]), ()))
    return out


def number(p, kind):
    """Numbers in and around a numeric parameter's bounds."""
    edges = []
    for bound in (p.get("lo"), p.get("hi")):
        if bound is not None:
            edges += [bound, bound - 1, bound + 1, bound - 1e-9, bound + 1e-9]
    if kind == "int":
        edges = [int(e) for e in edges if e == math.floor(e)]
        return st.one_of(st.sampled_from(edges or [0]), st.sampled_from(EXTREME_INTS),
                         st.integers(-3, 400), st.sampled_from((2.0, 2.5, 1e300, math.nan)))
    return st.one_of(st.sampled_from(edges or [0.0]), st.sampled_from(EXTREME_FLOATS),
                     st.floats(allow_nan=False, allow_infinity=False), st.floats(0, 2),
                     st.sampled_from(EXTREME_INTS))


def value_for(p, framework, depth):
    """Any value a user could put in parameter p: mostly plausible, sometimes not."""
    kind = p["kind"]
    wrong = st.sampled_from(WRONG_TYPES)
    if kind in ("float", "int"):
        good = number(p, kind)
    elif kind == "bool":
        good = st.booleans()
    elif kind == "choice":
        good = st.one_of(st.sampled_from(p["choices"]), st.just("nope"))
    elif kind == "list":
        item = number(p, p.get("item", "float"))
        good = st.one_of(st.lists(item, max_size=6),
                         st.lists(st.integers(0, 300), max_size=6).map(sorted),
                         st.lists(st.integers(0, 300), min_size=40, max_size=60,
                                  unique=True).map(sorted))
    elif kind == "map":
        good = st.dictionaries(st.one_of(st.integers(-2, 300).map(str),
                                         st.sampled_from(("x", " 3", "1.5", "", "99999999999"))),
                               number(p, "float"), max_size=5)
    elif kind == "formula":
        good = st.one_of(st.sampled_from(pytorch.FORMULAS + pytorch.FACTORS), st.sampled_from((
            "1 / step", "log(step)", "log(0)", "sqrt(-1)", "exp(1000)", "10 ** 400",
            "step ** step", "0 ** -1", "1 % 0", "(", "step +", "foo(1)", "1e999", "-1",
            "0", "2", "1e308 * 10", "0.5 ** -step", "nan", "inf", "step / 0",
            "((((((((((1))))))))))" * 20, "1" + "+1" * 500)))
    elif kind == "schedule list":
        kids = children_of(framework)
        if depth > 0 or not kids:
            good = st.lists(st.sampled_from(kids or [{}]), max_size=3)
        else:
            good = st.lists(st.one_of(st.sampled_from(kids),
                                      mutated(framework, depth + 1, child=True)), max_size=4)
    elif kind == "kwargs list":
        src = [s["params"] for s in BASELINES.get((framework, p["schedule"]), ())]
        good = st.lists(st.one_of(st.sampled_from(src),
                                  mutated(framework, depth + 1, name=p["schedule"]).map(
                                      lambda s: s["params"])), max_size=4)
    else:
        good = metric_lists()
    if p.get("nullable"):
        good = st.one_of(good, st.none())
    return st.one_of(good, good, good, wrong)


def metric_lists():
    """Metric series: short or long, with negative, huge, tiny and non-finite values."""
    metric = st.one_of(st.floats(-10, 10), st.sampled_from(EXTREME_FLOATS),
                       st.sampled_from(EXTREME_INTS))
    return st.lists(metric, max_size=N + 10)


def entry_of(framework, name):
    """The catalogue entry of one schedule."""
    for entry in CATALOG:
        if entry["framework"] == framework and entry["name"] == name:
            return entry
    raise KeyError(name)


@st.composite
def from_catalog(draw, entry, depth=0, child=False):
    """A spec whose every parameter is drawn from the catalogue's description."""
    spec = {"framework": entry["framework"], "name": entry["name"], "params": {}}
    for p in entry["params"]:
        if child and p["where"] == "spec":
            continue
        if not p["required"] and draw(st.booleans()):
            continue
        v = draw(value_for(p, entry["framework"], depth))
        if p["where"] == "spec":
            spec[p["name"]] = v
        else:
            spec["params"][p["name"]] = v
    return spec


def mutated(framework, depth=0, child=False, name=None):
    """A baseline spec of the framework with one parameter replaced."""
    names = [name] if name else [e["name"] for e in CATALOG if e["framework"] == framework
                                 and not (child and e["metric_driven"])]
    names = [n for n in names if (framework, n) in BASELINES]

    @st.composite
    def build(draw):
        entry = entry_of(framework, draw(st.sampled_from(names)))
        spec = draw(st.sampled_from(BASELINES[(framework, entry["name"])]))
        spec = dict(spec, params=dict(spec["params"]))
        if child:
            spec = _child(spec)
        params = [p for p in entry["params"] if not (child and p["where"] == "spec")]
        p = draw(st.sampled_from(params))
        if draw(st.integers(0, 9)) == 0:
            (spec if p["where"] == "spec" else spec["params"]).pop(p["name"], None)
        else:
            v = draw(value_for(p, framework, depth))
            (spec if p["where"] == "spec" else spec["params"])[p["name"]] = v
        return spec
    return build()


BIG = (5e-324, 1e-300, 1e-12, 1.0 + 2 ** -52, 1e15, 1e300, 1.7976931348623157e308, 2 ** 31 - 1,
       2 ** 53)


def stressed(framework):
    """A baseline spec of the framework with several numbers pushed to extremes at once
    (the overflows and underflows that need two parameters to line up)."""
    names = [e["name"] for e in CATALOG if e["framework"] == framework]

    @st.composite
    def build(draw):
        entry = entry_of(framework, draw(st.sampled_from(names)))
        spec = draw(st.sampled_from(BASELINES[(framework, entry["name"])]))
        spec = dict(spec, params=dict(spec["params"]))
        for p in entry["params"]:
            if p["kind"] in ("float", "int") and draw(st.booleans()):
                v = draw(st.sampled_from(BIG))
                if p["kind"] == "int" and isinstance(v, float):
                    v = max(1, min(int(v), 2 ** 53))
                (spec if p["where"] == "spec" else spec["params"])[p["name"]] = v
        return spec
    return build()


class Hang(Exception):
    """An API call ran past TIME_LIMIT."""


def _alarm(signum, frame):
    """SIGALRM handler: turn the timer into an exception in the call it interrupts."""
    raise Hang()


def call(fn, *args):
    """fn(*args), or None when it raises SpecError; anything else fails the test."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIME_LIMIT)
    try:
        return fn(*args)
    except SpecError as err:
        assert err.field and err.allowed, (fn.__name__, args, err)
        return None
    except Hang:
        raise AssertionError("%s%r took more than %d s" % (fn.__name__, args, TIME_LIMIT))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def proper(value, nan_ok=False):
    """A float, not NaN unless the framework gives NaN too (inf is allowed: an overflowing
    growth gives inf in the framework as well)."""
    return type(value) is float and (value == value or nan_ok)


def framework_nan(spec):
    """Whether the framework itself computes NaN once the growth overflows: optax's
    exponential decay of an init_value of 0 with a growing rate gives 0 * inf."""
    p = spec["params"]
    return (spec["name"] in ("exponential_decay", "warmup_exponential_decay_schedule")
            and p["decay_rate"] > 1 and p.get("peak_value", p["init_value"]) == 0)


def check_series(values, n, what, spec, nan_ok=False):
    """A series is None (refused) or n proper floats."""
    if values is None:
        return
    assert isinstance(values, list) and len(values) == n, (what, spec, values)
    if math.inf in values or -math.inf in values:
        nan_ok = True  # after an overflow the framework's own arithmetic gives inf - inf
    bad = [v for v in values if not proper(v, nan_ok)]
    assert not bad, (what, spec, bad[:3])


def exercise(spec):
    """Every public entry point on spec: values or SpecError, nothing else."""
    clean = call(pycore.validate, spec)
    if clean is None:
        return
    schedule = call(pycore.build, spec)
    if schedule is None:
        return
    nan_ok = framework_nan(clean)
    check_series(call(pycore.lr_series, spec, N), N, "lr_series", spec, nan_ok)
    steps = STEPS
    if not (schedule.metric_driven or spec["name"] in REPLAYS):
        steps = steps + (HUGE_STEP,)
    for t in steps:
        v = call(pycore.lr_at, spec, t)
        assert v is None or proper(v, nan_ok), ("lr_at", t, spec, v)
    m = call(pycore.momentum_series, spec, N)
    if m is not None:
        check_series(m, N, "momentum_series", spec)
    code = call(pycore.to_code, spec)
    if code is not None:
        assert isinstance(code, str)
        compile(code, "<to_code>", "exec")
    if schedule.metric_driven:
        return
    for fw in FRAMEWORKS:
        out = call(pycore.translate, spec, fw, 200)
        if out is not None:
            assert out["spec"]["framework"] == fw, out
            d = out["max_rel_diff"]
            assert proper(d) or d is None, ("translate", fw, spec, out)


FUZZ = settings(max_examples=50, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


def test_catalog_specs():
    """Specs drawn from the catalogue description of every entry."""
    for entry in CATALOG:
        @FUZZ
        @given(from_catalog(entry))
        def run(spec):
            exercise(spec)
        run()


def test_mutated_baselines():
    """Parity-case specs of every framework with one parameter replaced."""
    for fw in FRAMEWORKS:
        @settings(FUZZ, max_examples=600)
        @given(mutated(fw))
        def run(spec):
            exercise(spec)
        run()


def test_stressed_baselines():
    """Parity-case specs of every framework with several numbers at extremes at once."""
    for fw in FRAMEWORKS:
        @settings(FUZZ, max_examples=400)
        @given(stressed(fw))
        def run(spec):
            exercise(spec)
        run()
