"""pycore against optax 0.2.8's schedules, with jax_enable_x64, to 1e-12 relative.

optax is evaluated the way users plot a schedule, ``jax.vmap(schedule)`` over an int64
``jnp.arange(n)``: float64 arithmetic, update k uses ``schedule(k)``. XLA's vectorised
division, cos and pow are not correctly rounded, so that differs from pycore by a few ulps;
called eagerly on one int64 count at a time, optax gives pycore's values bit for bit
(``test_scalar_calls_are_bit_identical``, which also probes every boundary).

The optimizer's own step count is an int32; with it most schedules compute in float32 even
under x64 (JAX promotes int32 / int to float32). ``test_int32_count`` pins down which
schedules that affects, and ``test_sgd_update_k_uses_schedule_k`` drives ``optax.sgd``.
"""
import jax

jax.config.update("jax_enable_x64", True)  # before any array exists

import random  # noqa: E402

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
import pytest  # noqa: E402

import pycore  # noqa: E402
from pycore.sched_optax import COUNT_MAX  # noqa: E402
from cases import optax as optax_cases  # noqa: E402
from cases.lcg import Lcg  # noqa: E402

REL = 1e-12
N = 1200
LONG = 10000
INT32_EXACT = ("constant_schedule", "cosine_decay_schedule", "piecewise_constant_schedule")


def spec(name, **params):
    return {"framework": "optax", "name": name, "params": params}


def build_optax(clean):
    """The optax schedule of a validated spec, built by calling the factory directly."""
    params = dict(clean["params"])
    if clean["name"] == "join_schedules":
        params["schedules"] = [build_optax(c) for c in params["schedules"]]
    return getattr(optax, clean["name"])(**params)


def evaluate(schedule, n, dtype=jnp.int64):
    """schedule(count) for counts 0..n-1 as a list of Python floats."""
    values = jax.vmap(schedule)(jnp.arange(n, dtype=dtype))
    return np.asarray(values, dtype=np.float64).tolist()


def assert_close(got, expected, what):
    """1e-12 relative, with a floor of 1e-12 times the peak for values near 0."""
    assert len(got) == len(expected), what
    peak = max([abs(v) for v in expected if v == v and abs(v) != float("inf")] or [0.0])
    for t, (a, b) in enumerate(zip(got, expected)):
        if a == b or (a != a and b != b):
            continue
        assert abs(a - b) <= REL * max(abs(a), abs(b)) + REL * peak, (
            "%s: step %d: pycore %r, optax %r" % (what, t, a, b))


# ---- seeded parameter sets, edge values included ----------------------------------------

def lr(rng):
    return rng.choice([0.0, 1.0, 0.1, 3e-4, 10 ** rng.uniform(-6, 0), 10 ** rng.uniform(-6, 0)])


def steps(rng, lo=1):
    return max(lo, rng.choice([1, 2, 3, 7, 100, 999, rng.randint(1, 2000),
                               rng.randint(1, 400)]))


def gen_constant(rng):
    return spec("constant_schedule", value=lr(rng))


def gen_linear(rng):
    return spec("linear_schedule", init_value=lr(rng), end_value=lr(rng),
                transition_steps=rng.choice([-3, 0] + [steps(rng)] * 5),
                transition_begin=rng.choice([-5, 0, 0, steps(rng)]))


def gen_polynomial(rng):
    s = gen_linear(rng)
    s["name"] = "polynomial_schedule"
    s["params"]["power"] = rng.choice([0.0, 0.5, 1.0, 2.0, 3.7, rng.uniform(0, 5)])
    return s


def exponential_params(rng, start):
    rate = rng.choice([0.0, 1.0, 0.5, rng.uniform(0.01, 0.999), rng.uniform(0.9, 0.9999),
                       rng.uniform(1.0, 1.05)])
    end = None
    if rng.random() < 0.5 and rate != 0:
        end = start * rng.uniform(0.01, 1) if rate < 1 else start * rng.uniform(1, 100)
    return {"transition_steps": rng.choice([0, -2] + [steps(rng)] * 5),
            "decay_rate": rate, "transition_begin": rng.choice([-4, 0, steps(rng)]),
            "staircase": rng.random() < 0.5, "end_value": end}


def gen_exponential(rng):
    init = lr(rng)
    return spec("exponential_decay", init_value=init, **exponential_params(rng, init))


def gen_cosine(rng):
    return spec("cosine_decay_schedule", init_value=lr(rng), decay_steps=steps(rng),
                alpha=rng.choice([0.0, 1.0, 0.1, rng.uniform(0, 1)]),
                exponent=rng.choice([0.0, 1.0, 2.5, rng.uniform(0, 4)]))


def gen_warmup_constant(rng):
    return spec("warmup_constant_schedule", init_value=lr(rng), peak_value=lr(rng),
                warmup_steps=steps(rng))


def warmup_cosine_params(rng):
    peak = lr(rng)
    warmup = rng.choice([0, 0, 1, steps(rng)])
    return {"init_value": rng.choice([0.0, peak, lr(rng) * peak]), "peak_value": peak,
            "warmup_steps": warmup, "decay_steps": warmup + steps(rng),
            "end_value": rng.choice([0.0, peak, peak * rng.uniform(0, 1)]),
            "exponent": rng.choice([1.0, 1.0, 0.0, 2.0, rng.uniform(0, 3)])}


def gen_warmup_cosine(rng):
    return spec("warmup_cosine_decay_schedule", **warmup_cosine_params(rng))


def gen_warmup_exponential(rng):
    peak = lr(rng)
    return spec("warmup_exponential_decay_schedule", init_value=lr(rng), peak_value=peak,
                warmup_steps=rng.choice([0, 1, steps(rng)]),
                **exponential_params(rng, peak))


def boundaries_and_scales(rng):
    if rng.random() < 0.15:
        return rng.choice([None, {}])
    keys = sorted(set(rng.choice([0, steps(rng), steps(rng)]) for _ in range(rng.randint(1, 5))))
    return dict((k, rng.choice([0.0, 1.0, 0.1, rng.uniform(0, 1), rng.uniform(1, 3)]))
                for k in keys)


def gen_piecewise_constant(rng):
    return spec("piecewise_constant_schedule", init_value=lr(rng),
                boundaries_and_scales=boundaries_and_scales(rng))


def gen_piecewise_interpolate(rng):
    return spec("piecewise_interpolate_schedule",
                interpolate_type=rng.choice(["linear", "cosine"]), init_value=lr(rng),
                boundaries_and_scales=boundaries_and_scales(rng))


SIMPLE = None  # filled below: generators a join may use as children


def gen_join(rng, depth=0):
    k = rng.randint(1, 4)
    children = [rng.choice(SIMPLE)(rng) for _ in range(k)]
    if depth == 0 and rng.random() < 0.3:
        children[rng.randrange(k)] = gen_join(rng, 1)
    bounds = sorted(rng.sample(range(1, 1500), k - 1))
    return spec("join_schedules", schedules=children, boundaries=bounds)


def gen_sgdr(rng):
    cycles = []
    for _ in range(rng.randint(1, 4)):
        p = warmup_cosine_params(rng)
        cycles.append(dict((k, v) for k, v in p.items()
                           if not (k in ("end_value", "exponent") and rng.random() < 0.5)))
    return spec("sgdr_schedule", cosine_kwargs=cycles)


def gen_onecycle(rng, name):
    while True:
        params = {"transition_steps": rng.choice([2, 3, 10, 100, 1000, steps(rng),
                                                  steps(rng)]),
                  "peak_value": lr(rng),
                  "pct_start": rng.choice([0.0, 0.3, 0.5, 0.99, rng.uniform(0, 1)]),
                  "div_factor": rng.choice([25.0, 1.0, 0.5, rng.uniform(1, 100)]),
                  "final_div_factor": rng.choice([1e4, 1.0, rng.uniform(1, 1e5)])}
        if name == "linear_onecycle_schedule":
            params["pct_final"] = rng.choice([0.85, 0.999, rng.uniform(params["pct_start"], 1)])
        candidate = spec(name, **params)
        try:
            pycore.validate(candidate)
            return candidate
        except pycore.SpecError:
            continue


GENERATORS = {
    "constant_schedule": gen_constant,
    "linear_schedule": gen_linear,
    "polynomial_schedule": gen_polynomial,
    "exponential_decay": gen_exponential,
    "cosine_decay_schedule": gen_cosine,
    "warmup_constant_schedule": gen_warmup_constant,
    "warmup_cosine_decay_schedule": gen_warmup_cosine,
    "warmup_exponential_decay_schedule": gen_warmup_exponential,
    "piecewise_constant_schedule": gen_piecewise_constant,
    "piecewise_interpolate_schedule": gen_piecewise_interpolate,
    "join_schedules": gen_join,
    "sgdr_schedule": gen_sgdr,
    "cosine_onecycle_schedule": lambda rng: gen_onecycle(rng, "cosine_onecycle_schedule"),
    "linear_onecycle_schedule": lambda rng: gen_onecycle(rng, "linear_onecycle_schedule"),
}
SIMPLE = [GENERATORS[k] for k in (
    "constant_schedule", "linear_schedule", "polynomial_schedule", "exponential_decay",
    "cosine_decay_schedule", "warmup_cosine_decay_schedule", "piecewise_constant_schedule",
    "piecewise_interpolate_schedule", "cosine_onecycle_schedule")]
CASES = 8  # random sets per factory; the first one is evaluated over LONG updates


def case_spec(name, case):
    seed = 7919 * (list(GENERATORS).index(name) + 1) + case
    return GENERATORS[name](random.Random(seed))


def test_every_factory_has_a_generator():
    assert list(GENERATORS) == pycore.names("optax")


@pytest.mark.parametrize("case", range(CASES))
@pytest.mark.parametrize("name", list(GENERATORS))
def test_series_matches_optax(name, case):
    s = case_spec(name, case)
    clean = pycore.validate(s)
    n = LONG if case == 0 else N
    expected = evaluate(build_optax(clean), n)
    assert_close(pycore.lr_series(s, n), expected, "%s %r" % (name, s["params"]))
    scope = {}
    exec(pycore.to_code(s), scope)
    assert_close(pycore.lr_series(s, n), evaluate(scope["schedule"], n), "to_code")


@pytest.mark.parametrize("case", range(CASES))
@pytest.mark.parametrize("name", list(GENERATORS))
def test_at_far_steps_matches_optax(name, case):
    s = case_spec(name, case)
    far = [0, 1, N - 1, 10 ** 6, 123456789, COUNT_MAX]
    expected = np.asarray(jax.vmap(build_optax(pycore.validate(s)))(jnp.array(far)),
                          dtype=np.float64).tolist()
    assert_close([pycore.lr_at(s, t) for t in far], expected, "%s at %s" % (name, far))


def landmarks(s, offset=0):
    """Steps around every step-valued argument of s (boundaries, warmup ends, the end of a
    transition), shifted by where s starts inside its parents."""
    params = s["params"]
    if s["name"] == "join_schedules":
        starts = [0] + params["boundaries"]
        out = set()
        for start, child in zip(starts, params["schedules"]):
            out |= landmarks(child, offset + start)
        return out
    if s["name"] == "sgdr_schedule":
        out, start = set(), 0
        for kwargs in params["cosine_kwargs"]:
            out |= landmarks(spec("warmup_cosine_decay_schedule", **kwargs), offset + start)
            start += kwargs["decay_steps"]
        return out
    ints = [v for v in params.values() if type(v) is int]
    ints += list(params.get("boundaries_and_scales") or {})
    for pct in ("pct_start", "pct_final"):
        if pct in params:
            ints.append(int(params[pct] * params["transition_steps"]))
    ints += [a + b for a in ints for b in ints]
    return set(offset + v + d for v in ints for d in (-1, 0, 1) if 0 <= offset + v + d)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_scalar_calls_are_bit_identical(name):
    """optax called on one int64 count at a time (eager XLA, scalar kernels) gives exactly
    pycore's values: the first steps and around every boundary, where join_schedules'
    jnp.where fold hands over to the next schedule."""
    for case in range(4):
        s = case_spec(name, case)
        schedule = build_optax(pycore.validate(s))
        built = pycore.build(s)
        for t in sorted(set(range(12)) | landmarks(s)):
            expected = float(schedule(jnp.int64(t)))
            got = built.at(t)
            assert got == expected or (got != got and expected != expected), (name, case, t)


@pytest.mark.parametrize("c", optax_cases.cases(Lcg(2026)), ids=lambda c: c["spec"]["name"])
def test_micropython_cases_match_optax(c):
    """The cases the MicroPython parity run uses, edges included (overflow to inf, nan
    from 0 * inf, a boundary at 0, pct_start 0), agree with optax too."""
    expected = evaluate(build_optax(pycore.validate(c["spec"])), c["n"])
    assert_close(pycore.lr_series(c["spec"], c["n"]), expected, repr(c["spec"]["params"]))


@pytest.mark.parametrize("name", list(GENERATORS))
def test_int32_count(name):
    """The optimizer's int32 count: the same float64 values for three schedules; float32
    arithmetic for the others (1e-7 relative and up: rate ** p amplifies the error of p)."""
    for case in range(3):
        schedule = build_optax(pycore.validate(case_spec(name, case)))
        wide = evaluate(schedule, N)
        narrow = evaluate(schedule, N, jnp.int32)
        finite = [(a, b) for a, b in zip(narrow, wide) if np.isfinite(b)]
        peak = max(abs(b) for _, b in finite)
        if name in INT32_EXACT:
            assert narrow == wide
        else:
            assert max(abs(a - b) for a, b in finite) <= 1e-4 * peak


@pytest.mark.parametrize("s, rel", [
    (spec("cosine_decay_schedule", init_value=0.1, decay_steps=17, alpha=0.05), REL),
    (spec("piecewise_constant_schedule", init_value=0.3, boundaries_and_scales={3: 0.5, 9: 0.1}),
     REL),
    (spec("warmup_cosine_decay_schedule", init_value=0.0, peak_value=0.1, warmup_steps=5,
          decay_steps=25, end_value=0.001), 1e-6),
])
def test_sgd_update_k_uses_schedule_k(s, rel):
    """Run optax.sgd from to_code: update k applies -lr_k * grad with pycore's lr_k."""
    scope = {}
    exec(pycore.to_code(s), scope)
    optimizer = scope["optimizer"]
    params = jnp.array([1.0, -2.0, 0.5], dtype=jnp.float64)
    grads = jnp.array([0.5, -1.25, 3.0], dtype=jnp.float64)
    state = optimizer.init(params)
    update = jax.jit(optimizer.update)
    lrs = pycore.lr_series(s, 30)
    for k in range(30):
        updates, state = update(grads, state, params)
        assert updates.dtype == jnp.float64
        applied = -np.asarray(updates) / np.asarray(grads)
        assert np.allclose(applied, lrs[k], rtol=rel, atol=0), k
        params = params + updates


def test_optax_raises_where_pycore_refuses():
    with pytest.raises(ValueError):
        optax.cosine_decay_schedule(0.1, 0)
    with pytest.raises(ValueError):
        optax.warmup_cosine_decay_schedule(0.0, 0.1, 10, 10)
    with pytest.raises(ValueError):
        optax.piecewise_constant_schedule(0.1, {5: -0.5})
    with pytest.raises(ValueError):
        optax.piecewise_interpolate_schedule("quadratic", 0.1)
    with pytest.raises(ValueError):
        optax.linear_onecycle_schedule(0, 0.1)
    with pytest.raises(ZeroDivisionError):
        optax.cosine_onecycle_schedule(10, 0.1, div_factor=0.0)
    for s in (spec("cosine_decay_schedule", init_value=0.1, decay_steps=0),
              spec("warmup_cosine_decay_schedule", init_value=0.0, peak_value=0.1,
                   warmup_steps=10, decay_steps=10),
              spec("piecewise_constant_schedule", init_value=0.1,
                   boundaries_and_scales={5: -0.5}),
              spec("piecewise_interpolate_schedule", interpolate_type="quadratic",
                   init_value=0.1),
              spec("linear_onecycle_schedule", transition_steps=0, peak_value=0.1),
              spec("cosine_onecycle_schedule", transition_steps=10, peak_value=0.1,
                   div_factor=0.0)):
        with pytest.raises(pycore.SpecError):
            pycore.validate(s)


def test_int32_wraps_large_step_arguments():
    """Why pycore caps step arguments at 2**31 - 1: optax's int32 count wraps them."""
    schedule = optax.linear_schedule(0.1, 0.2, 3_000_000_000)
    assert abs(float(schedule(jnp.int32(7))) - 0.1) > 1e-3
    with pytest.raises(pycore.SpecError):
        pycore.validate(spec("linear_schedule", init_value=0.1, end_value=0.2,
                             transition_steps=3_000_000_000))
