"""Keras parity cases: every class, with edge values (staircase, cycle, warmup, restarts)."""
from .lcg import case


def _spec(name, params):
    return {"framework": "keras", "name": name, "params": params}


def _lr(rng):
    return 10 ** rng.uniform(-6, 0)


def cases(rng):
    out = []
    for i in range(6):
        stair = i % 2 == 0
        out.append(case(_spec("InverseTimeDecay", {
            "initial_learning_rate": _lr(rng), "decay_steps": rng.int(1, 500) * 1.0,
            "decay_rate": rng.uniform(0, 2), "staircase": stair})))
        out.append(case(_spec("ExponentialDecay", {
            "initial_learning_rate": _lr(rng), "decay_steps": rng.uniform(0.5, 300),
            "decay_rate": rng.uniform(0.05, 1.2), "staircase": stair})))
        bounds = sorted(set(rng.int(0, 700) for _ in range(rng.int(1, 6))))
        out.append(case(_spec("PiecewiseConstantDecay", {
            "boundaries": bounds, "values": [_lr(rng) for _ in range(len(bounds) + 1)]})))
        lr0 = _lr(rng)
        out.append(case(_spec("PolynomialDecay", {
            "initial_learning_rate": lr0,
            "decay_steps": rng.int(1, 300) * 1.0 if not stair else rng.uniform(0.5, 900),
            "end_learning_rate": lr0 * rng.choice([0.0, 0.01, 2.0]),
            "power": rng.choice([1.0, 0.5, rng.uniform(0.1, 4)]), "cycle": not stair})))
        cosine = {"initial_learning_rate": lr0, "decay_steps": rng.uniform(1, 700),
                  "alpha": rng.choice([0.0, 1.0, rng.uniform(0, 1)])}
        if i % 3:
            cosine.update(warmup_target=lr0 * rng.uniform(1, 10),
                          warmup_steps=rng.uniform(0.5, 200))
        out.append(case(_spec("CosineDecay", cosine)))
        out.append(case(_spec("CosineDecayRestarts", {
            "initial_learning_rate": lr0, "first_decay_steps": rng.uniform(0.5, 120),
            "t_mul": rng.choice([1.0, 2.0, rng.uniform(1, 3)]), "m_mul": rng.uniform(0, 1),
            "alpha": rng.choice([0.0, rng.uniform(0, 1)])})))
    out.append(case(_spec("ExponentialDecay", {  # overflows to inf at the far steps
        "initial_learning_rate": 0.1, "decay_steps": 1.0, "decay_rate": 1.5})))
    out.append(case(_spec("CosineDecayRestarts", {  # steps 121 and 364: the float-log quirk
        "initial_learning_rate": 0.1, "first_decay_steps": 1.0, "t_mul": 3.0, "alpha": 0.1})))
    out.append(case(_spec("CosineDecayRestarts", {
        "initial_learning_rate": 0.1, "first_decay_steps": 7.0, "t_mul": 1.0, "m_mul": 0.5})))
    return out
