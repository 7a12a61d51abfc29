"""timm parity cases: every scheduler, warmup with and without prefix, restarts, k-decay,
the float-log cycle quirk (cycle_mul=3, t_initial=1 around t=121) and the plateau."""
from .lcg import case

PLATEAU_AT = (0, 1, 7, 599)  # PlateauLRScheduler's lr_at replays the metrics
SHRINKING_AT = (0, 1, 7, 599, 1199)  # cycle_mul < 1: timm fails past the last cycle


def spec(name, lr, **params):
    return {"framework": "timm", "name": name, "lr": lr, "params": params}


def warmup(rng, lr, i):
    """Warmup arguments: none, or up to 60 steps from a fraction of lr, prefix or not."""
    if i == 0:
        return {}
    return {"warmup_t": rng.int(1, 60), "warmup_lr_init": lr * rng.uniform(0, 0.5),
            "warmup_prefix": i % 2 == 0}


def cycles(rng, i):
    """Restart arguments: equal, doubling or arbitrary growing cycles."""
    return {"cycle_mul": (1.0, 2.0, rng.uniform(1.01, 3))[i % 3],
            "cycle_decay": rng.uniform(0.3, 1), "cycle_limit": rng.int(1, 8),
            "t_in_epochs": i % 2 == 1}


def cases(rng):
    out = []
    for i in range(3):
        lr = 10 ** rng.uniform(-6, 0)
        floor = lr * rng.uniform(0, 0.5)
        out += [
            case(spec("CosineLRScheduler", lr, t_initial=rng.int(1, 300), lr_min=floor,
                      k_decay=(1.0, rng.uniform(0.3, 3))[i % 2],
                      **dict(cycles(rng, i), **warmup(rng, lr, i)))),
            case(spec("PolyLRScheduler", lr, t_initial=rng.int(1, 300), lr_min=floor,
                      power=rng.uniform(0.2, 3), k_decay=(1.0, rng.uniform(0.3, 3))[i % 2],
                      **dict(cycles(rng, i), **warmup(rng, lr, i)))),
            case(spec("TanhLRScheduler", lr, t_initial=rng.int(1, 300), lr_min=floor,
                      lb=rng.uniform(-10, 0), ub=rng.uniform(0.5, 8),
                      **dict(cycles(rng, i), **warmup(rng, lr, i)))),
            case(spec("StepLRScheduler", lr, decay_t=(30, rng.uniform(0.5, 50))[i % 2],
                      decay_rate=rng.uniform(0.05, 1), **warmup(rng, lr, i))),
            case(spec("MultiStepLRScheduler", lr,
                      decay_t=sorted(rng.int(1, 500) for _ in range(rng.int(1, 5))),
                      decay_rate=rng.uniform(0.05, 1), **warmup(rng, lr, i))),
        ]
    for name in ("CosineLRScheduler", "PolyLRScheduler", "TanhLRScheduler"):
        out.append(case(spec(name, 0.1, t_initial=1, cycle_mul=3.0, cycle_limit=20)))
    out.append(case(spec("CosineLRScheduler", 0.01, t_initial=600, cycle_mul=0.5,
                         cycle_limit=3, lr_min=1e-5), at=SHRINKING_AT))
    for mode in ("min", "max"):
        level, metrics = 1.0, []
        for _ in range(599):  # improves on one epoch in six, stalls in between
            if rng.int(0, 5) == 0:
                level *= rng.uniform(0.9, 0.99)
            metrics.append(level if mode == "min" else 1.0 / level)
        plateau = spec("PlateauLRScheduler", 0.1, mode=mode, patience_t=rng.int(0, 4),
                       decay_rate=rng.uniform(0.1, 0.9), cooldown_t=rng.int(0, 5),
                       lr_min=1e-4, warmup_t=20 if mode == "max" else 0, warmup_lr_init=1e-3)
        plateau["metrics"] = metrics
        out.append(case(plateau, at=PLATEAU_AT))
    return out
