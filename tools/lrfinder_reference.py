"""Regenerate tests/data/lrfinder_reference.json: what the real LR-finder tools compute.

For a set of range-test logs (the edge cases of the reference notes: NaN, infinities, short
logs, flat, monotone, noisy and canonical curves) this records, from the tools themselves:

- suggestions: fastai's ``valley``, ``slide``, ``minimum`` and ``steep`` run through
  ``Learner.lr_find``'s own post-processing (its trims and NaN cut) on a stand-in learner
  whose recorder holds the log; torch-lr-finder's ``LRFinder.plot(suggest_lr=True)``;
  Lightning's ``_LRFinder.suggestion`` (the current release, and 2.5.2 for the older
  unit-spacing rule); ignite's ``FastaiLRFinder.lr_suggestion``. A tool that raises or
  returns None is recorded as {"error": exception name or "None"}.
- smoothers: fastai's ``AvgSmoothLoss``, torch-lr-finder's ``range_test`` (its batch
  losses replaced by a given sequence), Lightning's ``_LRCallback`` (driven with a
  stand-in trainer), ignite's ``FastaiLRFinder`` on a real ``Engine``.
- ladders: the LRs recorded by a real fastai ``lr_find`` (synth_learner), torch-lr-finder's
  and ignite's runs above, and Lightning's ``_ExponentialLR``/``_LinearLR`` stepped as the
  tuner steps them.

The tools are not project dependencies. Install them into a throwaway directory with the
project's torch and numpy, e.g.

    .venv/bin/pip install --no-deps --target /tmp/lrf fastai==2.8.12 fastcore \
        torch-lr-finder==0.2.2 pytorch-lightning==2.6.6 pytorch-ignite==0.5.5 \
        lightning-utilities torchmetrics fastprogress==1.0.3 fastdownload matplotlib \
        cycler kiwisolver fonttools contourpy pyparsing python-dateutil six pillow pandas \
        tzdata pytz plum-dispatch beartype fasttransform scikit-learn joblib cloudpickle \
        narwhals threadpoolctl
    .venv/bin/pip install --no-deps --target /tmp/lrf-old pytorch-lightning==2.5.2

usage: LRFINDER_TOOLS=/tmp/lrf LRFINDER_LIGHTNING_OLD=/tmp/lrf-old \
       .venv/bin/python tools/lrfinder_reference.py   (writes tests/data/lrfinder_reference.json)
"""
import contextlib
import json
import math
import os
import random
import subprocess
import sys
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "lrfinder_reference.json")
TOOLS = os.environ.get("LRFINDER_TOOLS", "/tmp/lrf")
LIGHTNING_OLD = os.environ.get("LRFINDER_LIGHTNING_OLD", "/tmp/lrf-old")


# --- the logs ------------------------------------------------------------------------------


def geometric(start, end, n):
    """n LRs from start towards end, fastai's way (end excluded)."""
    return [start * (end / start) ** (i / n) for i in range(n)]


def curve(lrs, rng, noise, bump=2.5):
    """A range-test-like loss: a plateau, a fall around 1e-3.5, a blow-up past 1."""
    out = []
    for lr in lrs:
        x = math.log10(lr)
        fall = 1.8 / (1 + math.exp(-(x + 3.5) * 1.5))
        out.append(2.3 - fall + math.exp((x - 0.2) * bump) + rng.gauss(0, noise))
    return out


def logs():
    """(name, lrs, losses) of every case: canonical, noisy and the edge cases."""
    rng = random.Random(20261123)
    lrs100 = geometric(1e-7, 10, 100)
    cases = [("canonical", lrs100, curve(lrs100, rng, 0.0))]
    for k in range(6):
        n = (100, 100, 60, 200, 37, 150)[k]
        lrs = geometric(10 ** rng.uniform(-8, -5), 10 ** rng.uniform(0, 1.5), n)
        cases.append(("noisy%d" % k, lrs, curve(lrs, rng, (0.002, 0.01, 0.05, 0.02, 0.0, 0.1)[k],
                                                 rng.uniform(1.5, 4))))
    nan = list(cases[1][2])
    nan[70] = math.nan
    cases.append(("nan_middle", lrs100, nan))
    tail = list(cases[2][2])
    for i in range(85, 100):
        tail[i] = math.nan
    cases.append(("nan_tail", lrs100, tail))
    first = list(cases[1][2])
    first[12] = math.nan
    cases.append(("nan_early", lrs100, first))
    inf = list(cases[1][2])
    inf[40] = math.inf
    inf[41] = -math.inf
    cases.append(("inf", lrs100, inf))
    cases.append(("flat", lrs100[:40], [1.0] * 40))
    cases.append(("increasing", lrs100[:40],
                  [1.0 + 0.01 * i + 0.001 * (i % 3) for i in range(40)]))
    cases.append(("decreasing", lrs100, [3.0 - 0.025 * i - 0.0001 * i * i for i in range(100)]))
    cases.append(("linear_fall", lrs100[:50], [5.0 - 0.0625 * i for i in range(50)]))
    cases.append(("negative", lrs100, [v - 3.0 for v in cases[1][2]]))
    for n in (1, 2, 3, 5, 12, 15, 16, 17, 20):
        lrs = geometric(1e-4, 1.0, n)
        cases.append(("short%d" % n, lrs, curve(lrs, rng, 0.01)))
    cases.append(("torch_test_a", [float(i + 1) for i in range(6)], [10.0, 8, 4, 1, 4, 16]))
    cases.append(("torch_test_b", [float(i + 1) for i in range(6)], [1.0, 0, 1, 2, 3, 4]))
    cases.append(("torch_test_c", [float(i + 1) for i in range(6)], [0.0, 1, 2, 3, 4, 3]))
    cases.append(("two_falls", lrs100[:30], [2.0, 1.9, 1.8, 2.5, 2.4, 2.3, 2.2, 2.1, 2.0, 1.95]
                  + [1.9 - 0.01 * i for i in range(20)]))
    linear = [1e-5 * (i + 1) for i in range(60)]
    cases.append(("linear_ladder", linear, curve([x * 1e3 for x in linear], rng, 0.003)))
    return cases


OPTION_SETS = [{}, {"skip_start": 0, "skip_end": 0}, {"skip_start": 3, "skip_end": 2}]


# --- running the tools ---------------------------------------------------------------------


def outcome(call):
    """{"lr": value} from call(), or {"error": name} when it raises or returns None."""
    try:
        value = call()
    except Exception as err:  # the tools raise many kinds; the kind is what is recorded
        return {"error": type(err).__name__}
    if value is None:
        return {"error": "None"}
    return {"lr": float(value)}


def fastai_suggestions(lrs, losses, skip_start, skip_end):
    """fastai's lr_find post-processing and its four rules on a stand-in learner.

    lr_find trims [num_it // 10:-5]: num_it = 10 * skip_start (+9 keeps the same
    division) selects the start trim; the end trim is always 5 in fastai, so other end
    trims are applied to the recorder's lists beforehand (5 extra points past the kept
    ones are then cut by lr_find itself).
    """
    from functools import partial

    from fastai.callback.schedule import minimum, slide, steep, valley
    from fastai.learner import Learner
    recorder = types.SimpleNamespace(plot_lr_find=lambda **kw: None)
    fake = types.SimpleNamespace(
        dls=types.SimpleNamespace(train=[0]), recorder=recorder,
        no_logging=contextlib.nullcontext, fit=lambda *a, **k: None)
    stop = len(lrs) - skip_end if skip_end else len(lrs)
    pad = 5
    kept_lrs = list(lrs[:max(stop, 0)]) + [1.0] * pad
    kept_losses = list(losses[:max(stop, 0)]) + [0.0] * pad
    recorder.lrs, recorder.losses = kept_lrs, kept_losses
    num_it = 10 * skip_start
    out = {}
    funcs = {"fastai.valley": valley, "fastai.slide": slide, "fastai.minimum": minimum,
             "fastai.steep": steep,
             "fastai.slide.tuned": partial(slide, lr_diff=8, thresh=0.02, adjust_value=0.5)}
    for name, func in funcs.items():
        out[name] = outcome(lambda: Learner.lr_find(fake, num_it=num_it, show_plot=False,
                                                    suggest_funcs=(func,))[0])
    return out


def torch_lr_finder_suggestion(lrs, losses, skip_start, skip_end):
    """torch-lr-finder's plot(suggest_lr=True) on a history dict."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from torch_lr_finder import LRFinder
    finder = LRFinder.__new__(LRFinder)
    finder.history = {"lr": list(lrs), "loss": list(losses)}
    fig, ax = plt.subplots()
    with contextlib.redirect_stdout(open(os.devnull, "w")):
        result = outcome(lambda: finder.plot(skip_start=skip_start, skip_end=skip_end, ax=ax)[1])
    plt.close(fig)
    return result


def lightning_suggestion(lrs, losses, skip_start, skip_end):
    """Lightning's _LRFinder.suggestion on a results dict (errors are logged, not raised)."""
    import logging

    from pytorch_lightning.tuner.lr_finder import _LRFinder
    logging.getLogger("pytorch_lightning").setLevel(logging.CRITICAL)
    logging.getLogger("lightning.pytorch").setLevel(logging.CRITICAL)
    finder = _LRFinder("exponential", lrs[0], lrs[-1], len(lrs))
    finder.results = {"lr": list(lrs), "loss": list(losses)}
    return outcome(lambda: finder.suggestion(skip_begin=skip_start, skip_end=skip_end))


def ignite_suggestion(lrs, losses):
    """ignite's FastaiLRFinder.lr_suggestion on a history dict."""
    from ignite.handlers.lr_finder import FastaiLRFinder
    finder = FastaiLRFinder()
    finder._history = {"lr": list(lrs), "loss": list(losses)}
    return outcome(finder.lr_suggestion)


def old_lightning(cases):
    """Lightning 2.5.2's suggestion for every (lrs, losses, skip_start, skip_end), run in a
    child process with that release first on the path."""
    script = ("import json, sys; sys.path.insert(0, %r); sys.path.insert(1, %r); "
              "sys.path.insert(0, %r); import lrfinder_reference as r; "
              "print(json.dumps([r.lightning_suggestion(*c) for c in json.load(sys.stdin)]))"
              % (LIGHTNING_OLD, TOOLS, os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps(cases),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def suggestions():
    """Every tool's suggestion on every log, for each option set."""
    out, old_cases, old_keys = [], [], []
    for name, lrs, losses in logs():
        for options in OPTION_SETS:
            case = {"name": name, "lrs": lrs, "losses": losses, "options": options,
                    "results": {}}
            fastai_start = options.get("skip_start", len(lrs) // 10)
            fastai_end = options.get("skip_end", 5)
            case["results"].update(fastai_suggestions(lrs, losses, fastai_start, fastai_end))
            case["results"]["torch_lr_finder"] = torch_lr_finder_suggestion(
                lrs, losses, options.get("skip_start", 10), options.get("skip_end", 5))
            skips = (options.get("skip_start", 10), options.get("skip_end", 1))
            case["results"]["lightning"] = lightning_suggestion(lrs, losses, *skips)
            old_cases.append([lrs, losses, skips[0], skips[1]])
            old_keys.append(case)
            if not options:
                case["results"]["ignite"] = ignite_suggestion(lrs, losses)
            out.append(case)
    for case, result in zip(old_keys, old_lightning(old_cases)):
        case["results"]["lightning.index"] = result
    return out


# --- smoothers and ladders -----------------------------------------------------------------


def raw_losses():
    """Raw batch losses to smooth: a falling-then-rising noisy run, and a diverging one."""
    rng = random.Random(7)
    lrs = geometric(1e-6, 10, 80)
    return [("run", curve(lrs, rng, 0.05)),
            ("diverging", [2.0 - 0.01 * i + (0.0 if i < 40 else 0.5 * (i - 40) ** 2)
                           for i in range(60)])]


def fastai_smooth(raw):
    """fastai's AvgSmoothLoss values after each batch."""
    import torch
    from fastai.learner import AvgSmoothLoss
    meter = AvgSmoothLoss()
    meter.reset()
    learn = types.SimpleNamespace()
    out = []
    for loss in raw:
        learn.loss = torch.tensor(loss)
        meter.accumulate(learn)
        out.append(float(meter.value))
    return out


def torch_lr_finder_run(raw, start, end, mode):
    """torch-lr-finder's range_test with its batch losses taken from raw, in order (no
    divergence stop)."""
    import torch
    from torch_lr_finder import LRFinder
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=start)
    finder = LRFinder(model, optimizer, torch.nn.MSELoss())
    feed = iter(raw)
    finder._train_batch = lambda *a, **k: next(feed)
    data = torch.utils.data.TensorDataset(torch.zeros(4, 1), torch.zeros(4, 1))
    loader = torch.utils.data.DataLoader(data, batch_size=1)
    with contextlib.redirect_stdout(open(os.devnull, "w")), \
            contextlib.redirect_stderr(open(os.devnull, "w")):
        finder.range_test(loader, end_lr=end, num_iter=len(raw), step_mode=mode,
                          diverge_th=1e30)
    return finder.history["lr"], finder.history["loss"]


def lightning_smooth(raw):
    """Lightning's _LRCallback.on_train_batch_end on a stand-in trainer (no early stop)."""
    import torch
    from pytorch_lightning.tuner.lr_finder import _LRCallback
    callback = _LRCallback(len(raw), early_stop_threshold=None)
    strategy = types.SimpleNamespace(broadcast=lambda x: x)
    trainer = types.SimpleNamespace(fit_loop=types.SimpleNamespace(batch_idx=0),
                                    accumulate_grad_batches=1, global_step=0,
                                    strategy=strategy, should_stop=False)
    for i, loss in enumerate(raw):
        trainer.fit_loop.batch_idx = i
        trainer.global_step = i + 1
        callback.on_train_batch_end(trainer, None, {"loss": torch.tensor(loss,
                                                                         dtype=torch.float64)},
                                    None, i)
    return callback.losses


def lightning_ladder(start, end, n, mode):
    """The LRs Lightning's _LRCallback records: the scheduler's lr before each batch."""
    import torch
    from pytorch_lightning.tuner.lr_finder import _ExponentialLR, _LinearLR
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=start)
    cls = _ExponentialLR if mode == "exponential" else _LinearLR
    scheduler = cls(optimizer, end, n)
    out = []
    for _ in range(n):
        out.append(scheduler.lr[0])
        optimizer.step()
        scheduler.step()
    return out


def ignite_run(raw, start, end, mode):
    """ignite's FastaiLRFinder on a real Engine whose step returns the next raw loss."""
    import torch
    from ignite.engine import Engine
    from ignite.handlers.lr_finder import FastaiLRFinder
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=start)
    feed = iter(raw)
    trainer = Engine(lambda engine, batch: next(feed))
    finder = FastaiLRFinder()
    to_save = {"model": model, "optimizer": optimizer}
    with finder.attach(trainer, to_save, num_iter=len(raw), start_lr=start, end_lr=end,
                       step_mode="exp" if mode == "exponential" else "linear",
                       diverge_th=1e30) as run:
        run.run([0] * len(raw), max_epochs=1)
    return finder.get_results()["lr"], finder.get_results()["loss"]


def fastai_ladder(start, end, n):
    """The LRs a real fastai lr_find records (synth_learner, no divergence stop)."""
    import fastai.callback.schedule  # noqa: F401  (adds Learner.lr_find)
    import torch
    from fastai.test_utils import synth_learner
    torch.manual_seed(0)
    learn = synth_learner(n_trn=10)
    with contextlib.redirect_stdout(open(os.devnull, "w")):
        learn.lr_find(start_lr=start, end_lr=end, num_it=n, stop_div=False, show_plot=False,
                      suggest_funcs=())
    return [float(x) for x in learn.recorder.lrs]


def smoothers_and_ladders():
    """The smoother and ladder sections of the reference file."""
    smoothing = []
    for name, raw in raw_losses():
        smoothing.append({"name": name, "raw": raw, "fastai": fastai_smooth(raw),
                          "torch_lr_finder": torch_lr_finder_run(raw, 1e-5, 1.0, "exp")[1],
                          "lightning": lightning_smooth(raw),
                          "ignite": ignite_run(raw, 1e-5, 1.0, "exponential")[1]})
    ladders = []
    for start, end, n in ((1e-7, 10.0, 100), (1e-4, 1.0, 30), (1e-5, 0.1, 5), (0.001, 0.5, 3),
                          (1e-6, 1.0, 2), (2e-3, 3e-2, 17)):
        for mode in ("exponential", "linear"):
            raw = [1.0] * n
            entry = {"start": start, "end": end, "n": n, "mode": mode,
                     "torch_lr_finder": torch_lr_finder_run(
                         raw, start, end, "exp" if mode == "exponential" else "linear")[0],
                     "lightning": lightning_ladder(start, end, n, mode),
                     "ignite": ignite_run(raw, start, end, mode)[0]}
            if mode == "exponential":
                entry["fastai"] = fastai_ladder(start, end, n)
            ladders.append(entry)
    return smoothing, ladders


def versions():
    """The versions of the tools that produced the file."""
    from importlib.metadata import version
    return dict((name, version(name)) for name in (
        "fastai", "torch-lr-finder", "pytorch-lightning", "pytorch-ignite", "torch", "numpy"))


def main():
    """Write the reference file."""
    sys.path.insert(0, TOOLS)
    smoothing, ladders = smoothers_and_ladders()
    data = {"versions": versions(), "suggestions": suggestions(), "smoothing": smoothing,
            "ladders": ladders}
    with open(OUT, "w") as f:
        json.dump(data, f, indent=0, sort_keys=True)
        f.write("\n")
    print("wrote %s" % OUT)


if __name__ == "__main__":
    main()
