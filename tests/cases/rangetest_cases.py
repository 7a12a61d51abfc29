"""pycore.rangetest parity cases: the same answers under CPython and MicroPython.

The data set and the initial weights use only exact IEEE operations, so they must match
bit for bit; losses go through exp, log and tanh, whose last bit may differ between the
runtimes' libm, so the runs here are short or avoid tanh (logistic regression and ReLU
matched exactly when these cases were written; the comparison allows 1e-15 relative).
"""
from pycore import rangetest
from pycore.rangetest import Adam, Lcg, Model, RangeTest, Sgd, make_data


def _spec(**changes):
    s = dict(rangetest.DEFAULT_SPEC)
    s.update(changes)
    return s


def _run(s, examples=None):
    test = RangeTest(s)
    while not test.advance(1000, examples):
        pass
    return test


def _emit_run(emit, name, test):
    emit("rangetest.run.%s.raw" % name, test.raw_losses)
    emit("rangetest.run.%s.recorded" % name, test.losses)
    emit("rangetest.run.%s.lrs" % name, test.lrs)
    emit("rangetest.run.%s.stopped" % name, test.stopped)


def _optimizer_steps(opt):
    rng = Lcg(3)
    params = [rng.uniform(-1.0, 1.0) for _ in range(4)]
    for _ in range(12):
        opt.step(params, [rng.uniform(-2.0, 2.0) for _ in range(4)], rng.uniform(0.001, 0.5))
    return params


def parity(emit):
    for kind in ("blobs", "circle"):
        xs, ys = make_data(kind, 40, 0.3, 9)
        emit("rangetest.data." + kind, [xs, ys])
    emit("rangetest.init.mlp", Model(4, "tanh", Lcg(2)).params)
    emit("rangetest.init.logistic", Model(0, "tanh", Lcg(2)).params)
    emit("rangetest.sgd", _optimizer_steps(Sgd(4, momentum=0.9, weight_decay=0.01,
                                               nesterov=True)))
    emit("rangetest.adam", _optimizer_steps(Adam(4, weight_decay=0.1)))

    logistic = _run(_spec(model="logistic", iterations=120, end=1000.0))
    _emit_run(emit, "logistic", logistic)
    _emit_run(emit, "relu", _run(_spec(activation="relu", hidden=4, iterations=80,
                                       optimizer="adam", smoothing="torch_lr_finder",
                                       tool="torch_lr_finder", diverge=5.0), examples=7))
    _emit_run(emit, "tanh", _run(_spec(iterations=30, end=0.01, smoothing="lightning",
                                       tool="lightning")))
    _emit_run(emit, "nan", _run(_spec(activation="relu", start=1e6, end=1e300,
                                      diverge=None, smoothing="none")))

    result = rangetest.suggestions(logistic)
    emit("rangetest.suggestions", [[r["method"], r["lr_text"], r["index_text"], r["why"]]
                                   for r in result["rows"]])
    emit("rangetest.chart", rangetest.chart_json(logistic, result["marks"]))
    emit("rangetest.analyzer", rangetest.analyzer_fragment(logistic))
    emit("rangetest.progress", rangetest.progress_text(logistic))

    raw = rangetest.defaults()
    emit("rangetest.read.defaults", rangetest.read(raw)[1])
    for key, text in (("hidden", "0"), ("noise", "0,5"), ("end", "1e-9"), ("batch", "9999"),
                      ("diverge", "1"), ("mode", "linear"), ("iterations", "x")):
        bad = dict(raw)
        bad[key] = text
        emit("rangetest.read." + key, rangetest.read(bad)[1])
    raw["start"] = "1e-5"
    fragment = rangetest.fragment_of(raw)
    emit("rangetest.fragment", fragment)
    emit("rangetest.read_fragment", rangetest.read_fragment("#" + fragment + "&end=%Z"))
