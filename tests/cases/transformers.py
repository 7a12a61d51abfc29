"""transformers parity cases: every get_scheduler name, warmup 0 and > 0, past the end."""
from .lcg import case

PLATEAU_AT = (0, 1, 7, 599)  # reduce_lr_on_plateau's lr_at replays the metrics


def spec(name, lr, **params):
    return {"framework": "transformers", "name": name, "lr": lr, "params": params}


def cases(rng):
    out = [case(spec("constant", 0.1))]
    for i in range(4):
        lr = 10 ** rng.uniform(-6, 0)
        warmup = 0 if i == 0 else rng.int(1, 100)
        total = warmup + rng.int(1, 400)  # n = 600 runs past the end
        counts = {"num_warmup_steps": warmup, "num_training_steps": total}
        floor = {"min_lr": lr * rng.uniform(0, 1)} if i % 2 else {
            "min_lr_rate": rng.uniform(0, 1)}
        out += [
            case(spec("constant_with_warmup", lr, num_warmup_steps=warmup)),
            case(spec("linear", lr, **counts)),
            case(spec("cosine", lr, num_cycles=rng.uniform(0.1, 3), **counts)),
            case(spec("cosine_with_restarts", lr, num_cycles=rng.choice([1.0, 3.0, 2.5]),
                      **counts)),
            case(spec("polynomial", lr, lr_end=lr * rng.uniform(0, 1),
                      power=rng.uniform(0.2, 4), **counts)),
            case(spec("inverse_sqrt", lr, num_warmup_steps=warmup,
                      timescale=rng.choice([None, rng.int(1, 2000)]))),
            case(spec("cosine_with_min_lr", lr, num_cycles=rng.uniform(0.1, 2), **dict(
                counts, **floor))),
            case(spec("cosine_warmup_with_min_lr", lr,
                      warmup_lr_rate=rng.choice([None, rng.uniform(0, 1)]),
                      **dict(counts, **floor))),
            case(spec("warmup_stable_decay", lr, num_warmup_steps=warmup,
                      num_decay_steps=rng.int(1, 300), num_stable_steps=rng.int(0, 200),
                      warmup_type=("linear", "cosine", "1-sqrt")[i % 3],
                      decay_type=("1-sqrt", "linear", "cosine")[i % 3],
                      min_lr_ratio=rng.uniform(0, 0.5), num_cycles=rng.uniform(0.2, 1.5))),
        ]
    out.append(case(spec("warmup_stable_decay", 0.01, num_warmup_steps=50,
                         num_decay_steps=200, num_training_steps=500)))
    for mode in ("min", "max"):
        level, metrics = 1.0, []
        for _ in range(599):  # improves on one step in six, stalls in between
            if rng.int(0, 5) == 0:
                level *= rng.uniform(0.9, 0.99)
            metrics.append(level if mode == "min" else 1.0 / level)
        plateau = spec("reduce_lr_on_plateau", 0.1, mode=mode, patience=rng.int(0, 4),
                       factor=rng.uniform(0.1, 0.9), cooldown=rng.int(0, 5), min_lr=1e-4)
        plateau["metrics"] = metrics
        out.append(case(plateau, at=PLATEAU_AT))
    return out
