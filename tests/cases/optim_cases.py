"""pycore.optim parity cases: the same answers under CPython and MicroPython.

The update rules and problems use + - * / and sqrt (exact in IEEE arithmetic) and integer
powers; only the slider's 10^x, the surface shading's log and the explorer schedule's
cosine touch libm. Everything here is compared to 1e-15 relative, strings exactly.
"""
from pycore import optim
from pycore.lcg import Lcg


def _optimizer_steps(opt):
    """Parameters after 12 random steps of opt on 4 parameters."""
    rng = Lcg(3)
    params = [rng.uniform(-1.0, 1.0) for _ in range(4)]
    for _ in range(12):
        opt.step(params, [rng.uniform(-2.0, 2.0) for _ in range(4)], rng.uniform(0.001, 0.5))
    return params


def _emit_run(emit, name, result):
    emit("optim.run.%s.losses" % name, result.losses)
    emit("optim.run.%s.path" % name, result.path)
    emit("optim.run.%s.lrs" % name, result.lrs)
    emit("optim.run.%s.outcome" % name, optim.outcome(result))


def parity(emit):
    emit("optim.sgd", _optimizer_steps(optim.Sgd(4, momentum=0.9, nesterov=True,
                                                 weight_decay=0.01)))
    emit("optim.adagrad", _optimizer_steps(optim.Adagrad(4, initial_accumulator_value=0.1)))
    emit("optim.rmsprop", _optimizer_steps(optim.Rmsprop(4, momentum=0.5)))
    emit("optim.rmsprop_centered", _optimizer_steps(optim.Rmsprop(4, centered=True)))
    emit("optim.adam", _optimizer_steps(optim.Adam(4, weight_decay=0.1)))
    for prob in optim.PROBLEMS:
        emit("optim.problem.%s" % prob.key, [prob.curvature(), optim.threshold(prob),
                                             optim.threshold_text(prob)])
    for key in optim.FIGURE_PROBLEMS:
        runs = optim.race(optim.problem(key), optim.DEFAULT_LRS[key], [1.0] * 60)
        for name in optim.OPTIMIZER_KEYS:
            _emit_run(emit, "%s.%s" % (key, name), runs[name])
        emit("optim.effective.%s" % key, optim.effective_steps(runs["adam"], 1))
    _emit_run(emit, "diverging", optim.gd_run(optim.problem("quadratic1d"), 2.5, 100))
    runs = optim.hypergradient_runs(optim.problem("rosenbrock"), 0.001, 1e-7, 1e-3, 80)
    for name in runs:
        _emit_run(emit, "hd." + name, runs[name])
    emit("optim.regimes", [[key, label, lr, losses] for key, label, lr, losses
                           in optim.regimes(1.5)])
    emit("optim.slider", [optim.slider_lr(k) for k in range(0, optim.slider_positions() + 1, 37)])
    emit("optim.schedule_factors", optim.schedule_factors([0.1 * i for i in range(1, 30)], 17))
    emit("optim.curves_json", optim.curves_json([("a", "A", 0, [2.0, 0.5, 0.0])], "Loss"))
    emit("optim.paths_json.1d", optim.paths_json(optim.problem("quadratic1d"), [
        ("gd", 0, optim.gd_run(optim.problem("quadratic1d"), 0.3, 20))]))
    texts = optim.default_lr_texts("rosenbrock")
    view, _ = optim.race_view("rosenbrock", texts, {"sgd", "nesterov", "rmsprop"},
                              [0.5] * optim.FIGURE_STEPS, "1")
    emit("optim.race_view", [view["loss"], view["effective"], view["outcomes"]])
    emit("optim.race_view.errors", optim.race_view("saddle", dict(texts, adam="1,5"), set(),
                                                   None, "0")[1])
    hd, _ = optim.hypergradient_view(optim.HD_DEFAULTS)
    emit("optim.hypergradient_view", [hd["rates"], hd["loss"], hd["outcomes"]])
    emit("optim.hypergradient_view.errors",
         optim.hypergradient_view(dict(optim.HD_DEFAULTS, lr="-0", beta_sgd="1e999"))[1])
    raw = dict(optim.HD_DEFAULTS, lr="é <b>")
    emit("optim.hd_fragment", [optim.hd_fragment_of(raw),
                               optim.hd_read_fragment("#" + optim.hd_fragment_of(raw))])
    emit("optim.lesson_fragment", [optim.lesson_fragment_of("quadratic1d", p, "é <b>")
                                   for p in (0, 137, optim.slider_positions())] + [
        optim.lesson_read_fragment(f) for f in (
            "", "#problem=quadratic1d&lr=0.0123&noise=2", "#lr=1e9&noise=%3Cb%3E", "#lr=abc")])
    race = optim.race_read_fragment("#problem=saddle&show=adam,sgd&adam=%3Cb%3E&axis=1")
    emit("optim.race_fragment", [optim.race_fragment_of(*race), race[0], race[1],
                                 sorted(race[2]), race[3], race[4]])
    descent = optim.descent_view("quadratic1d", 250)
    emit("optim.descent_view", [descent["lr_text"], descent["mark"], descent["mark_text"],
                                descent["chart"], descent["outcome"], descent["paths"]])
    emit("optim.regimes_view", optim.regimes_view("0.5")["legend"])
