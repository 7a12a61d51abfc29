"""PyTorch parity cases: every scheduler of sched_pytorch, composites included (some with
torch_cycles children, whose momentum curves the composites pass on).

Series that replay torch's recursion are marked recursive; schedulers whose ``at`` replays
(MultiplicativeLR, composites with such children) get small ``at`` steps only.
"""
from .lcg import AT, case

SMALL_AT = (0, 1, 7, 333, 599)
FORMULAS = ("0.95 ** step", "min(1, (step + 1) / 100)", "0.5 * (1 + cos(pi * step / 300))",
            "1 / (1 + 0.01 * epoch)", "exp(-step / 200)", "max(0.1, 1 - step / 500)",
            "sqrt(1 / (step + 1))", "floor(step / 30) % 3 + 1", "abs(sin(step / 50)) + 0.01")
FACTORS = ("0.99", "1 - 0.001 * (step % 7)", "min(1.01, 1 + 1 / (step + 10))")


def spec(name, lr=None, **params):
    """A pytorch spec; children get no lr."""
    out = {"framework": "pytorch", "name": name, "params": params}
    if lr is not None:
        out["lr"] = lr
    return out


def leaves(rng, lr0):
    """One random parameter set of every step-driven leaf scheduler (no lr: children)."""
    return [
        spec("LambdaLR", lr_lambda=rng.choice(FORMULAS)),
        spec("StepLR", step_size=rng.int(1, 60), gamma=rng.uniform(0.01, 1.2)),
        spec("MultiStepLR", milestones=sorted(rng.int(0, 500) for _ in range(rng.int(0, 5))),
             gamma=rng.uniform(0.01, 1)),
        spec("ConstantLR", factor=rng.uniform(0.01, 1), total_iters=rng.int(1, 300)),
        spec("LinearLR", start_factor=rng.uniform(0.01, 1), end_factor=rng.uniform(0, 1),
             total_iters=rng.int(1, 400)),
        spec("ExponentialLR", gamma=rng.choice([rng.uniform(0.9, 1), 1.05])),
        spec("PolynomialLR", total_iters=rng.int(1, 400), power=rng.uniform(0, 3)),
        spec("CosineAnnealingLR", T_max=rng.int(1, 200), eta_min=lr0 * rng.uniform(0, 1)),
        spec("CosineAnnealingWarmRestarts", T_0=rng.int(1, 50), T_mult=rng.int(1, 3),
             eta_min=lr0 * rng.uniform(0, 1)),
    ]


def cases(rng):
    out = []
    for _ in range(4):
        lr0 = 10 ** rng.uniform(-6, 0)
        for child in leaves(rng, lr0):
            child["lr"] = lr0
            absolute = child["name"] in ("LambdaLR", "CosineAnnealingWarmRestarts")
            out.append(case(child, recursive=not absolute))
        out.append(case(spec("MultiplicativeLR", lr0, lr_lambda=rng.choice(FACTORS)),
                        at=SMALL_AT, recursive=True))
        warm = rng.int(1, 100)
        out.append(case(spec("SequentialLR", lr0, milestones=[warm, warm + rng.int(1, 300)],
                             schedulers=[
                                 spec("LinearLR", start_factor=rng.uniform(0.01, 1),
                                      total_iters=warm),
                                 spec("CosineAnnealingLR", T_max=rng.int(1, 400),
                                      eta_min=lr0 * rng.uniform(0, 0.1)),
                                 spec("MultiplicativeLR", lr_lambda=rng.choice(FACTORS))]),
                        at=SMALL_AT, recursive=True))
        pool = leaves(rng, lr0)
        out.append(case(spec("ChainedScheduler", lr0,
                             schedulers=[pool[rng.int(0, len(pool) - 1)] for _ in range(3)]),
                        at=SMALL_AT, recursive=True))
    out.append(case(spec("ChainedScheduler", 0.1, schedulers=[
        spec("ConstantLR", factor=0.5, total_iters=2), spec("ExponentialLR", gamma=0.9)]),
        at=AT, recursive=True))
    out.append(case(spec("SequentialLR", 0.1, milestones=[50, 400], schedulers=[
        spec("LinearLR", start_factor=0.1, total_iters=50),
        spec("OneCycleLR", max_lr=0.5, total_steps=350, three_phase=True),
        spec("SWALR", swa_lr=0.01, anneal_epochs=30)]), at=SMALL_AT, recursive=True))
    out.append(case(spec("ChainedScheduler", 0.1, schedulers=[
        spec("ExponentialLR", gamma=0.999),
        spec("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=40, mode="exp_range",
             gamma=0.9999),
        spec("ConstantLR", factor=0.5, total_iters=100)]), at=AT, recursive=True))
    return out
