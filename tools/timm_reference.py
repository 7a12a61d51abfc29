"""Regenerate tests/data/timm_reference.json: the LRs real timm schedulers give.

timm's package ``__init__`` imports torchvision, which may not install (it does not on the
machines this project is built on, where timm is installed with ``--no-deps``). The
scheduler modules only need torch, so ``load_timm_scheduler`` imports ``timm.scheduler``
from the installed package files under a stand-in ``timm`` package, without running
``timm/__init__.py``. That works with a full timm install too.

Each case is a pycore spec; its ``params`` go to the timm class unchanged. The scheduler is
driven the way timm's train.py drives it, on a torch SGD optimizer, and the LR of the
param group is recorded before each epoch (``t_in_epochs=True``, ``step(epoch + 1)``
after it) or each update (``t_in_epochs=False``, ``step_update(num_updates)`` after it).

usage: python tools/timm_reference.py   (writes tests/data/timm_reference.json)
"""
import importlib
import importlib.util
import json
import os
import sys
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "timm_reference.json")
UPDATES_PER_EPOCH = 7  # with t_in_epochs=False, train.py still calls step() every epoch


def load_timm_scheduler():
    """The ``timm.scheduler`` module, imported without running ``timm/__init__.py``.

    Registers a stand-in ``timm`` package whose ``__path__`` is the installed one (unless a
    real ``timm`` is already imported), so ``from timm.scheduler import X`` works after it.
    Raises ImportError when timm is not installed.
    """
    if "timm" not in sys.modules:
        found = importlib.util.find_spec("timm")
        if found is None or not found.submodule_search_locations:
            raise ImportError("timm is not installed (pip install --no-deps timm==1.0.31)")
        package = types.ModuleType("timm")
        package.__path__ = list(found.submodule_search_locations)
        sys.modules["timm"] = package
    return importlib.import_module("timm.scheduler")


def timm_version():
    """The installed timm version, read from its version file."""
    scheduler = load_timm_scheduler()
    path = os.path.join(os.path.dirname(os.path.dirname(scheduler.__file__)), "version.py")
    scope = {}
    with open(path) as f:
        exec(f.read(), scope)
    return scope["__version__"]


class TimmFailed(Exception):
    """timm raised while being stepped: ``lrs`` are the LRs recorded before, ``error`` what
    it raised (the scheduler's t at the failure is ``len(lrs)``)."""

    def __init__(self, lrs, error):
        super().__init__("timm failed at t=%d: %r" % (len(lrs), error))
        self.lrs = lrs
        self.error = error


def drive(optimizer, scheduler, n, t_in_epochs=True, metrics=None):
    """The LR of the first param group during each of n epochs (or updates).

    train.py's loop: after every update ``step_update(num_updates)``, after every epoch
    ``step(epoch + 1, metric)``; a scheduler acts on only one of the two, by t_in_epochs.
    Raises TimmFailed if the scheduler raises on the way.
    """
    group = optimizer.param_groups[0]
    out = []
    try:
        if t_in_epochs:
            for epoch in range(n):
                out.append(_read_lr(group, out))
                optimizer.step()
                scheduler.step_update(epoch + 1)
                scheduler.step(epoch + 1, None if metrics is None else metrics[epoch])
        else:
            for updates in range(1, n + 1):
                out.append(_read_lr(group, out))
                optimizer.step()
                scheduler.step_update(updates)
                if updates % UPDATES_PER_EPOCH == 0:
                    scheduler.step(updates // UPDATES_PER_EPOCH)
    except (ArithmeticError, ValueError, TypeError) as err:
        raise TimmFailed(out, err)
    return out


def _read_lr(group, out):
    """The group's LR, which must be a float (timm can write a complex number)."""
    lr = group["lr"]
    if type(lr) is not float:
        raise TimmFailed(out, TypeError("timm wrote the LR %r" % (lr,)))
    return lr


def run(spec, n):
    """Build the spec's timm scheduler on a fresh SGD optimizer and drive it n times."""
    import torch

    cls = getattr(load_timm_scheduler(), spec["name"])
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=spec["lr"])
    scheduler = cls(optimizer, **spec["params"])
    return drive(optimizer, scheduler, n, spec["params"].get("t_in_epochs", True),
                 spec.get("metrics"))


def _spec(name, lr, **params):
    return {"framework": "timm", "name": name, "lr": lr, "params": params}


def _metrics(n, mode, seed):
    """A plausible validation curve: improving, then flat with noise, in steps of 1e-4."""
    state = seed
    out = []
    for epoch in range(n):
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        noise = (state >> 40) % 200 - 100
        trend = 10000 * epoch // (epoch + 40)
        value = (trend + noise) / 10000.0
        out.append(value if mode == "max" else 2.0 - value)
    return out


def _plateau(lr, n, mode, seed, **params):
    spec = _spec("PlateauLRScheduler", lr, mode=mode, **params)
    spec["metrics"] = _metrics(n, mode, seed)
    return spec


def cases():
    """(spec, n) pairs: every class, with the edge values named in the issue."""
    cos, step, multi = "CosineLRScheduler", "StepLRScheduler", "MultiStepLRScheduler"
    poly, tanh = "PolyLRScheduler", "TanhLRScheduler"
    return [
        (_spec(cos, 0.1, t_initial=300, warmup_t=5, warmup_lr_init=1e-5), 1000),
        (_spec(cos, 0.05, t_initial=250, lr_min=1e-6, warmup_t=20, warmup_lr_init=1e-4,
               warmup_prefix=True, t_in_epochs=False), 1200),
        (_spec(cos, 0.4, t_initial=200, cycle_decay=0.5, cycle_limit=4), 1000),
        (_spec(cos, 0.1, t_initial=50, lr_min=1e-4, cycle_mul=2.0, cycle_decay=0.8,
               cycle_limit=10), 1500),
        (_spec(cos, 0.1, t_initial=1, cycle_mul=3.0, cycle_limit=20), 1100),
        (_spec(cos, 0.2, t_initial=800, warmup_t=10, warmup_prefix=True, k_decay=2.0), 1000),
        (_spec(cos, 0.3, t_initial=90, cycle_mul=1.5, cycle_limit=5, k_decay=0.5,
               t_in_epochs=False), 1000),
        (_spec(cos, 0.01, t_initial=600, cycle_mul=0.5, cycle_limit=3, lr_min=1e-5), 1000),
        (_spec(step, 0.1, decay_t=30, decay_rate=0.1), 1000),
        (_spec(step, 0.256, decay_t=2.4, decay_rate=0.97, warmup_t=3, warmup_lr_init=1e-6),
         1000),
        (_spec(step, 0.1, decay_t=100, decay_rate=0.5, warmup_t=50, warmup_prefix=False,
               t_in_epochs=False), 1200),
        (_spec(multi, 0.1, decay_t=[30, 60, 90], decay_rate=0.1), 1000),
        (_spec(multi, 0.02, decay_t=[1, 5, 5, 200], decay_rate=0.5, warmup_t=10,
               warmup_lr_init=1e-4), 1000),
        (_spec(multi, 0.1, decay_t=[100, 400], decay_rate=0.3, warmup_t=150,
               warmup_prefix=False, t_in_epochs=False), 1000),
        (_spec(poly, 0.1, t_initial=1000), 1100),
        (_spec(poly, 0.05, t_initial=700, power=2.0, lr_min=1e-5, warmup_t=20,
               warmup_lr_init=1e-6, k_decay=1.5), 1000),
        (_spec(poly, 0.1, t_initial=100, power=1.0, cycle_mul=2.0, cycle_decay=0.7,
               cycle_limit=3, t_in_epochs=False), 1000),
        (_spec(poly, 0.1, t_initial=1, cycle_mul=3.0, cycle_limit=20, power=0.9), 1100),
        (_spec(tanh, 0.1, t_initial=1000), 1100),
        (_spec(tanh, 0.08, t_initial=900, lb=-5.0, ub=5.0, lr_min=1e-4, warmup_t=30,
               warmup_lr_init=1e-5), 1000),
        (_spec(tanh, 0.1, t_initial=120, cycle_mul=1.5, cycle_decay=0.5, cycle_limit=3,
               warmup_t=30, warmup_prefix=True, t_in_epochs=False), 1000),
        (_spec(tanh, 0.1, t_initial=1, cycle_mul=3.0, cycle_limit=10), 1100),
        (_plateau(0.1, 1000, "max", 1, patience_t=5), 1000),
        (_plateau(0.05, 1000, "min", 2, decay_rate=0.5, patience_t=3, threshold=1e-3,
                  cooldown_t=3, warmup_t=10, warmup_lr_init=1e-4, lr_min=1e-4), 1000),
    ]


def main():
    import torch

    entries = [{"spec": spec, "n": n, "lr": run(spec, n)} for spec, n in cases()]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write('{"timm": %s, "torch": %s, "cases": [\n' % (
            json.dumps(timm_version()), json.dumps(torch.__version__)))
        f.write(",\n".join(json.dumps(e, separators=(",", ":")) for e in entries))
        f.write("\n]}\n")
    print("wrote %d cases to %s" % (len(entries), os.path.relpath(OUT, ROOT)))


if __name__ == "__main__":
    main()
