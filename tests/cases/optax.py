"""optax parity cases: every factory, random sets plus the edges optax treats specially."""
from .lcg import case


def spec(name, **params):
    return {"framework": "optax", "name": name, "params": params}


def _lr(rng):
    return 10 ** rng.uniform(-6, 0)


def _warmup_cosine(rng):
    peak = _lr(rng)
    warmup = rng.int(0, 80)
    return {"init_value": peak * rng.uniform(0, 1), "peak_value": peak,
            "warmup_steps": warmup, "decay_steps": warmup + rng.int(1, 300),
            "end_value": peak * rng.uniform(0, 0.5), "exponent": rng.uniform(0.5, 3)}


def _exponential(rng, start):
    rate = rng.uniform(0.5, 1.02)
    end = start * (rng.uniform(0.01, 1) if rate < 1 else rng.uniform(1, 50))
    return {"transition_steps": rng.int(1, 200), "decay_rate": rate,
            "transition_begin": rng.int(-5, 100), "staircase": rng.int(0, 1) == 1,
            "end_value": end}


def _scales(rng, first):
    out = {}
    step = first
    for _ in range(rng.int(1, 4)):
        out[step] = rng.uniform(0, 2)
        step += rng.int(1, 250)
    return out


def cases(rng):
    out = []
    for i in range(2):
        init, end = _lr(rng), _lr(rng)
        out.append(case(spec("constant_schedule", value=init)))
        out.append(case(spec("linear_schedule", init_value=init, end_value=end,
                             transition_steps=rng.int(1, 700),
                             transition_begin=rng.int(-10, 100))))
        out.append(case(spec("polynomial_schedule", init_value=init, end_value=end * 0.1,
                             power=rng.uniform(0, 4), transition_steps=rng.int(1, 700),
                             transition_begin=rng.int(0, 100))))
        out.append(case(spec("exponential_decay", init_value=init, **_exponential(rng, init))))
        out.append(case(spec("cosine_decay_schedule", init_value=init,
                             decay_steps=rng.int(1, 700), alpha=rng.uniform(0, 1),
                             exponent=rng.uniform(0, 3))))
        out.append(case(spec("warmup_constant_schedule", init_value=init * 0.1,
                             peak_value=init, warmup_steps=rng.int(1, 300))))
        out.append(case(spec("warmup_cosine_decay_schedule", **_warmup_cosine(rng))))
        out.append(case(spec("warmup_exponential_decay_schedule", init_value=0.0,
                             peak_value=init, warmup_steps=rng.int(0, 100),
                             **_exponential(rng, init))))
        out.append(case(spec("piecewise_constant_schedule", init_value=init,
                             boundaries_and_scales=_scales(rng, i * rng.int(1, 50)))))
        out.append(case(spec("piecewise_interpolate_schedule",
                             interpolate_type=("linear", "cosine")[i], init_value=init,
                             boundaries_and_scales=_scales(rng, (1 - i) * rng.int(1, 50)))))
        out.append(case(spec("join_schedules", schedules=[
            spec("linear_schedule", init_value=0.0, end_value=init,
                 transition_steps=rng.int(1, 100)),
            spec("join_schedules", schedules=[
                spec("constant_schedule", value=init),
                spec("cosine_decay_schedule", init_value=init, decay_steps=rng.int(1, 300))],
                boundaries=[rng.int(1, 100)]),
            spec("exponential_decay", init_value=init, transition_steps=rng.int(1, 50),
                 decay_rate=rng.uniform(0.5, 0.99))],
            boundaries=[100, 100 + rng.int(1, 300)])))
        out.append(case(spec("sgdr_schedule", cosine_kwargs=[
            _warmup_cosine(rng) for _ in range(rng.int(1, 4))])))
        out.append(case(spec("cosine_onecycle_schedule", transition_steps=rng.int(2, 700),
                             peak_value=init, pct_start=rng.uniform(0, 0.9),
                             div_factor=rng.uniform(1, 50),
                             final_div_factor=rng.uniform(1, 1e5))))
        out.append(case(spec("linear_onecycle_schedule", transition_steps=rng.int(10, 700),
                             peak_value=init, pct_start=rng.uniform(0, 0.4),
                             pct_final=rng.uniform(0.6, 0.9), div_factor=rng.uniform(1, 50),
                             final_div_factor=rng.uniform(1, 1e5))))
    edges = [
        spec("linear_schedule", init_value=0.1, end_value=0.2, transition_steps=0),
        spec("polynomial_schedule", init_value=0.1, end_value=0.0, power=0.0,
             transition_steps=50, transition_begin=-3),
        spec("exponential_decay", init_value=0.1, transition_steps=1, decay_rate=2.0),
        spec("exponential_decay", init_value=0.0, transition_steps=1, decay_rate=2.0),
        spec("exponential_decay", init_value=0.1, transition_steps=3, decay_rate=1.5,
             staircase=True, end_value=5.0),
        spec("exponential_decay", init_value=0.1, transition_steps=7, decay_rate=0.0),
        spec("warmup_cosine_decay_schedule", init_value=0.0, peak_value=0.0,
             warmup_steps=0, decay_steps=1, end_value=0.0),
        spec("piecewise_interpolate_schedule", interpolate_type="cosine", init_value=0.1,
             boundaries_and_scales={0: 3.0}),
        spec("piecewise_constant_schedule", init_value=0.1, boundaries_and_scales=None),
        spec("cosine_onecycle_schedule", transition_steps=2, peak_value=0.1, pct_start=0.0),
        spec("linear_onecycle_schedule", transition_steps=3, peak_value=0.1, pct_start=0.0,
             pct_final=0.34),
    ]
    return out + [case(s) for s in edges]
