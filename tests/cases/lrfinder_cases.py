"""Parity cases for pycore.lrfinder: suggestions, smoothers, ladders and log reading give
the same results on CPython and MicroPython."""
import math

from cases.lcg import Lcg
from pycore import SpecError, analyzer, lrfinder

OPTIONS = ({}, {"skip_start": 0, "skip_end": 0}, {"spacing": "index"}, {"spacing": "log10"},
           {"lr_diff": 5, "thresh": 0.02})


def _logs(rng):
    """Range-test-like logs built from whole-number bits (no libm), and edge cases."""
    out = []
    for n in (100, 40, 17, 6, 2):
        lrs = [1e-6 * 1.2 ** i for i in range(n)]
        losses = []
        for i in range(n):
            fall = 2.0 - 1.5 * min(i, n // 2) / (n // 2 or 1)
            rise = 0.002 * max(0, i - 3 * n // 4) ** 2
            losses.append(fall + rise + rng.uniform(-0.02, 0.02))
        out.append((lrs, losses))
    nan = list(out[0][1])
    nan[60] = math.nan
    out.append((out[0][0], nan))
    inf = list(out[0][1])
    inf[30] = math.inf
    out.append((out[0][0], inf))
    out.append((out[1][0], [1.0] * 40))
    return out


def _outcome(call):
    """The call's value, or its error message."""
    try:
        return call()
    except SpecError as err:
        return str(err)


TEXTS = ('{"lr": [0.1, 0.2, 0.3, 0.4], "loss": [NaN, 1.0, Infinity, -Infinity]}',
         '{"history": {"lr": [0.1, 0.2, 0.3], "loss": [3, 2, 2.5]}}',
         "lr,loss\n0.1,3\n0.2,2\n0.2,1\n", "lr,loss\n0.1,3\n0.2,abc\n0.3,1\n",
         "step\tlearning_rate\tloss\n0\t1e-4\t3\n1\t1e-3\t2\n2\t1e-2\t2.5\n",
         "{oops", '{"lr": [0.1, 0.2, 0.3], "loss": [1, 2]}')
VIEW_KEYS = ("errors", "format", "columns", "table", "range_rows", "range_note", "summary")


def parity(emit):
    rng = Lcg(5150)
    for k, (lrs, losses) in enumerate(_logs(rng)):
        for method in lrfinder.METHODS:
            for j, options in enumerate(OPTIONS):
                emit("lrfinder.suggest.%d.%s.%d" % (k, method, j), _outcome(
                    lambda: lrfinder.suggestion(lrs, losses, method, **options)))
        for method in lrfinder.SMOOTHERS:
            emit("lrfinder.smooth.%d.%s" % (k, method), lrfinder.smooth(losses, method))
    for tool in lrfinder.TOOLS:
        for mode in lrfinder.MODES:
            emit("lrfinder.ladder.%s.%s" % (tool, mode), _outcome(
                lambda: lrfinder.lr_ladder(1e-7, 10.0, 100, mode, tool)))
    for k, text in enumerate(TEXTS):
        emit("analyzer.read_log.%d" % k, _outcome(lambda: analyzer.read_log(text)))
    for raw in (False, True):
        state = analyzer.default_state()
        state["log"] = analyzer.example_log()
        state["input"] = "raw" if raw else "smoothed"
        view = analyzer.view(state)
        emit("analyzer.view.%s" % state["input"], dict(
            (key, view[key]) for key in VIEW_KEYS))
        # The example's last digits come from libm (exp, log10), which may differ by an
        # ulp between the runtimes; the link is checked on a log of exact numbers.
        state["log"] = TEXTS[4]
        emit("lrfinder.fragment.%s" % state["input"], analyzer.read_fragment(
            analyzer.fragment_of(state)))
