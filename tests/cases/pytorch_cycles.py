"""PyTorch CyclicLR, OneCycleLR, SWALR and ReduceLROnPlateau parity cases."""
from .lcg import AT, case

N = 600


def _cyclic(rng, mode):
    base = rng.choice([0.0, 10 ** rng.uniform(-6, -1)])
    return {"framework": "pytorch", "name": "CyclicLR", "lr": 10 ** rng.uniform(-4, 0),
            "params": {"base_lr": base, "max_lr": base + 10 ** rng.uniform(-5, 0),
                       "step_size_up": rng.int(1, 200),
                       "step_size_down": rng.choice([None, 0, rng.int(1, 200)]),
                       "mode": mode, "gamma": rng.uniform(0.99, 1.0),
                       "cycle_momentum": rng.choice([True, False]),
                       "base_momentum": rng.uniform(0.5, 0.85),
                       "max_momentum": rng.uniform(0.85, 0.99)}}


def _onecycle(rng, three_phase, strategy):
    # the series reaches max_lr: each value's rounding is relative to it (see the
    # tolerance in test_micropython_parity.py)
    total = rng.int(N - 1, 700)
    hi = 0.45 if three_phase else 0.8
    return {"framework": "pytorch", "name": "OneCycleLR", "lr": 0.1,
            "params": {"max_lr": 10 ** rng.uniform(-5, 1), "total_steps": total,
                       "pct_start": rng.uniform(0.01, hi), "anneal_strategy": strategy,
                       "div_factor": rng.uniform(1, 100),
                       "final_div_factor": 10 ** rng.uniform(0, 5),
                       "three_phase": three_phase,
                       "base_momentum": rng.uniform(0.5, 0.85),
                       "max_momentum": rng.uniform(0.85, 0.99)}}


def _metrics(rng, count):
    """A noisy, mostly falling metric with flat stretches."""
    level = 10 ** rng.uniform(-2, 2)
    out = []
    for _ in range(count):
        if rng.uniform(0, 1) < 0.1:
            level = level * rng.uniform(0.9, 1.0)
        out.append(level * rng.choice([1.0, 1.0, rng.uniform(0.99, 1.01)]))
    return out


def cases(rng):
    out = []
    for _ in range(3):
        for mode in ("triangular", "exp_range"):
            out.append(case(_cyclic(rng, mode)))
        # triangular2 overflows after 1024 cycles: keep lr_at below that
        out.append(case(_cyclic(rng, "triangular2"), at=(0, 1, 7, 599, 1023)))
        for three_phase in (False, True):
            for strategy in ("cos", "linear"):
                s = _onecycle(rng, three_phase, strategy)
                total = s["params"]["total_steps"]
                peak = int(s["params"]["pct_start"] * total - 1)
                out.append(case(s, at=(0, 1, 7, peak, 599, total - 1, total)))
        for strategy in ("cos", "linear"):
            out.append(case({"framework": "pytorch", "name": "SWALR",
                             "lr": 10 ** rng.uniform(-5, 0),
                             "params": {"swa_lr": 10 ** rng.uniform(-5, 0),
                                        "anneal_epochs": rng.choice([0, 1, 10, rng.int(1, 800)]),
                                        "anneal_strategy": strategy}}, at=AT, recursive=True))
        out.append(case({"framework": "pytorch", "name": "ReduceLROnPlateau",
                         "lr": 10 ** rng.uniform(-4, 0),
                         "params": {"mode": "min", "factor": rng.uniform(0.1, 0.9),
                                    "patience": rng.int(0, 15), "cooldown": rng.int(0, 5),
                                    "threshold_mode": rng.choice(["rel", "abs"]),
                                    "threshold": 10 ** rng.uniform(-6, -2)},
                         "metrics": _metrics(rng, N - 1)}, at=(0, 1, 7, 300, N - 1)))
    return out
