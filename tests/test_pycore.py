"""Unit tests of pycore under CPython: specs, validation, schedules, formatter, calculator."""
import json
import math
import random
import struct

import pytest

import pycore
from pycore import calculator, links, numfmt

SEED = {"framework": "keras", "name": "InverseTimeDecay",
        "params": {"initial_learning_rate": 0.01, "decay_steps": 1, "decay_rate": 0.1}}


@pytest.mark.parametrize("lr0, rate, t, expected", [
    (0.01, 0.1, 15, 0.004), (0.0005, 0.5, 5, 0.0005 / 3.5),
    (0.01, 0.05, 10, 0.01 / 1.5), (0.01, 0.2, 10, 0.01 / 3.0)])
def test_seed_formula(lr0, rate, t, expected):
    spec = {"framework": "keras", "name": "InverseTimeDecay",
            "params": {"initial_learning_rate": lr0, "decay_steps": 1, "decay_rate": rate}}
    assert pycore.lr_at(spec, t) == pytest.approx(expected, rel=1e-15)


def test_inverse_time_staircase_holds_within_a_period():
    spec = {"framework": "keras", "name": "InverseTimeDecay", "params": {
        "initial_learning_rate": 1.0, "decay_steps": 10, "decay_rate": 1.0, "staircase": True}}
    assert pycore.lr_series(spec, 21) == [1.0] * 10 + [0.5] * 10 + [1 / 3]


def test_exponential_decay():
    spec = {"framework": "keras", "name": "ExponentialDecay", "params": {
        "initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.5}}
    assert pycore.lr_at(spec, 8) == 0.025
    assert pycore.lr_at(spec, 2) == pytest.approx(0.1 * 0.5 ** 0.5, rel=1e-15)
    spec["params"]["staircase"] = True
    assert pycore.lr_series(spec, 9) == [0.1] * 4 + [0.05] * 4 + [0.025]


def test_steplr_decays_at_multiples_of_step_size():
    spec = {"framework": "pytorch", "name": "StepLR", "lr": 1.0,
            "params": {"step_size": 2, "gamma": 0.5}}
    assert pycore.lr_series(spec, 6) == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    assert pycore.lr_at(spec, 5) == 0.25


def test_steplr_default_gamma_is_a_tenth():
    spec = {"framework": "pytorch", "name": "StepLR", "lr": 1.0, "params": {"step_size": 1}}
    assert pycore.validate(spec)["params"]["gamma"] == 0.1


def test_cosine_reaches_eta_min_and_rises_again_past_t_max():
    spec = {"framework": "pytorch", "name": "CosineAnnealingLR", "lr": 0.1,
            "params": {"T_max": 10, "eta_min": 0.001}}
    series = pycore.lr_series(spec, 21)
    assert series[0] == 0.1
    assert series[10] == pytest.approx(0.001, rel=1e-12)
    assert series[20] == pytest.approx(0.1, rel=1e-12)
    assert series[15] > series[10]


def test_lr_at_matches_series_closely():
    for spec in (SEED, {"framework": "pytorch", "name": "CosineAnnealingLR", "lr": 0.3,
                        "params": {"T_max": 97, "eta_min": 0.0}},
                 {"framework": "pytorch", "name": "StepLR", "lr": 0.3,
                  "params": {"step_size": 7, "gamma": 0.3}}):
        series = pycore.lr_series(spec, 500)
        for t in range(0, 500, 7):
            assert pycore.lr_at(spec, t) == pytest.approx(series[t], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("spec, field", [
    (None, "spec"),
    ({"framework": "tf", "name": "X"}, "framework"),
    ({"framework": "keras", "name": "StepLR"}, "name"),
    ({"framework": "keras", "name": "InverseTimeDecay", "params": {"decay_steps": 1,
                                                                   "decay_rate": 1}},
     "params.initial_learning_rate"),
    ({"framework": "keras", "name": "InverseTimeDecay", "params": {
        "initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 1}}, "params.decay_steps"),
    ({"framework": "keras", "name": "InverseTimeDecay", "params": {
        "initial_learning_rate": 0.1, "decay_steps": 1, "decay_rate": -1}}, "params.decay_rate"),
    ({"framework": "keras", "name": "ExponentialDecay", "params": {
        "initial_learning_rate": 0.1, "decay_steps": 1, "decay_rate": 0}}, "params.decay_rate"),
    ({"framework": "keras", "name": "ExponentialDecay", "params": {
        "initial_learning_rate": 0.1, "decay_steps": 1, "decay_rate": 0.5,
        "staircase": "yes"}}, "params.staircase"),
    ({"framework": "keras", "name": "ExponentialDecay", "lr": 0.1, "params": {}}, "lr"),
    ({"framework": "pytorch", "name": "StepLR", "params": {"step_size": 1}}, "lr"),
    ({"framework": "pytorch", "name": "StepLR", "lr": -0.1, "params": {"step_size": 1}}, "lr"),
    ({"framework": "pytorch", "name": "StepLR", "lr": float("nan"), "params": {"step_size": 1}},
     "lr"),
    ({"framework": "pytorch", "name": "StepLR", "lr": 0.1, "params": {"step_size": 0}},
     "params.step_size"),
    ({"framework": "pytorch", "name": "StepLR", "lr": 0.1, "params": {"step_size": True}},
     "params.step_size"),
    ({"framework": "pytorch", "name": "StepLR", "lr": 0.1, "params": {"step_size": 1.5}},
     "params.step_size"),
    ({"framework": "pytorch", "name": "StepLR", "lr": 0.1, "params": {"step": 1}},
     "params.step"),
    ({"framework": "pytorch", "name": "CosineAnnealingLR", "lr": 0.1,
      "params": {"T_max": 10, "eta_min": 0.2}}, "params.eta_min"),
    ({"framework": "pytorch", "name": "CosineAnnealingLR", "lr": 0.1, "params": {"T_max": 0}},
     "params.T_max"),
])
def test_invalid_specs_name_the_field(spec, field):
    with pytest.raises(pycore.SpecError) as info:
        pycore.validate(spec)
    assert info.value.field == field
    assert str(info.value).startswith(field + ": got ")


@pytest.mark.parametrize("step", [-1, 1.5, True, "3", 2 ** 53 + 1])
def test_invalid_step(step):
    with pytest.raises(pycore.SpecError) as info:
        pycore.lr_at(SEED, step)
    assert info.value.field == "step"


def test_series_length_is_bounded():
    with pytest.raises(pycore.SpecError) as info:
        pycore.lr_series(SEED, pycore.MAX_SERIES + 1)
    assert "n: got" in str(info.value)


def test_spec_error_is_a_value_error():
    assert issubclass(pycore.SpecError, ValueError)


def _doubles(n, seed=7):
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        x = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if math.isfinite(x):
            out.append(x)
    out += [rng.uniform(0, 1) for _ in range(n)] + [10 ** rng.uniform(-12, 12) for _ in range(n)]
    return out + [0.1, 0.07, 5e-324, 1e16, 1e15, 1e-5, 1e-4, 2.675, 0.125, 2.0 ** -1022, 0.0, -0.0]


def test_py_repr_equals_cpython_repr():
    for x in _doubles(20000):
        assert pycore.py_repr(x) == repr(x)


def _wrong_hints(x, right):
    """Hints a runtime's repr could give for x (right: the right one): one digit more or
    fewer, the last digit off by one, a longer expansion, or nothing readable."""
    digits, exponent = right
    last = int(digits[-1])
    out = [None, (digits + "1", exponent - 1), (digits + "0", exponent - 1),
           ("%s%d" % (digits[:-1], (last + 1) % 10), exponent)]
    if len(digits) > 1:
        out.append((digits[:-1], exponent + 1))
    return out


def test_py_repr_takes_the_runtimes_repr_only_as_a_hint(monkeypatch):
    """Where the runtime's repr is wrong (MicroPython's is for about 1 value in 20), the
    exact search decides: the result is CPython's repr whatever the hint."""
    hints = {}
    right = numfmt._repr_digits
    monkeypatch.setattr(numfmt, "_repr_digits", lambda x: hints[x])
    for x in _doubles(300, seed=11):
        if x == 0 or not math.isfinite(x):
            continue
        for hint in _wrong_hints(abs(x), right(abs(x))):
            hints[abs(x)] = hint
            assert pycore.py_repr(x) == repr(x)


@pytest.mark.parametrize("p", [1, 2, 3, 6, 10, 17])
def test_format_sig_equals_percent_g(p):
    for x in _doubles(5000, seed=p):
        assert pycore.format_sig(x, p) == "%.*g" % (p, x)


def test_format_specials_and_ints():
    assert [pycore.py_repr(v) for v in (math.inf, -math.inf, math.nan)] == ["inf", "-inf", "nan"]
    assert pycore.format_int(1234567) == "1,234,567"
    assert pycore.format_int(-1000) == "-1,000"
    assert pycore.format_lr(0.0005 / 3.5) == "0.000142857"


@pytest.mark.parametrize("text, value", [
    ("12", 12.0), ("-0.5", -0.5), (".5", 0.5), ("3.", 3.0), ("1e-3", 0.001), ("1E+3", 1000.0),
    (" 7 ", 7.0), ("+2", 2.0)])
def test_parse_number_accepts(text, value):
    assert calculator.parse_number(text, "x") == value


@pytest.mark.parametrize("text", ["", "  ", "abc", "1e999", "NaN", "inf", "Infinity", "0x10",
                                  "1,5", "1e", "e5", "--1", "1.2.3", "1 000", "\u0661", "."])
def test_parse_number_refuses(text):
    with pytest.raises(pycore.SpecError):
        calculator.parse_number(text, "x")


@pytest.mark.parametrize("field", ["gamma", "factor"])
def test_calculator_chart_is_strict_json_when_a_rate_overflows(field):
    """A growth factor of 1e300 overflows to infinity: the chart (read by JSON.parse,
    which knows no Infinity) has a gap (null) there instead."""
    form_values = dict(calculator.defaults(), **{field: "1e300"})
    values, errors = calculator.read_form(form_values)
    assert errors == {}

    def refuse(constant):
        raise ValueError(constant)
    chart = json.loads(calculator.compute(values)["chart"], parse_constant=refuse)
    assert any(None in s["values"] for s in chart["series"])


def test_form_defaults_give_the_first_seed_example():
    values, errors = calculator.read_form(calculator.defaults())
    assert errors == {}
    assert calculator.compute(values)["lr_text"] == "0.004"


def test_form_keeps_every_error():
    raw = calculator.defaults()
    raw.update({"lr0": "-1", "decay_rate": "x", "epoch": "5"})
    values, errors = calculator.read_form(raw)
    assert sorted(errors) == ["decay_rate", "lr0"]


def test_current_epoch_beyond_total():
    raw = calculator.defaults()
    raw.update({"epochs": "10", "epoch": "10.5"})
    assert "beyond" in calculator.read_form(raw)[1]["epoch"]


def test_comparisons_follow_their_frameworks():
    raw = calculator.defaults()
    raw.update({"epoch": "10", "step_size": "10", "gamma": "0.5", "factor": "0.9"})
    values, _ = calculator.read_form(raw)
    r = dict((c["key"], c["lr"]) for c in calculator.compute(values)["comparisons"])
    assert r["step"] == 0.005
    assert r["exponential"] == pytest.approx(0.01 * 0.9 ** 10, rel=1e-15)
    assert r["cosine"] == pytest.approx(0.005 * (1 + math.cos(math.pi * 10 / 50)), rel=1e-12)


def test_fragment_round_trip():
    raw = calculator.defaults()
    raw.update({"lr0": "0.003", "epoch": "2.5", "staircase": True, "gamma": "0.3"})
    values, _ = calculator.read_form(raw)
    back, problems = calculator.read_fragment("#" + calculator.fragment_of(values))
    assert problems == []
    assert calculator.read_form(back)[0] == values


def test_fragment_spec_is_the_contract_spec():
    values, _ = calculator.read_form(calculator.defaults())
    frag = calculator.fragment_of(values)
    pairs = dict(p.split("=", 1) for p in frag.split("&"))
    import json
    assert json.loads(links.unquote(pairs["spec"])) == calculator.primary_spec(values)
    assert pairs["step"] == "1500"


@pytest.mark.parametrize("fragment, says", [
    ("#spec=%7B", "not valid JSON"),
    ("#spec=%ZZ", "broken %-escape"),
    ("#spec=" + calculator.quote('{"framework":"pytorch","name":"StepLR","lr":0.1,'
                                 '"params":{"step_size":3}}'), "keras InverseTimeDecay"),
    ("#spec=" + calculator.quote('{"framework":"keras","name":"InverseTimeDecay","params":'
                                 '{"initial_learning_rate":-1,"decay_steps":1,"decay_rate":1}}'),
     "params.initial_learning_rate"),
])
def test_bad_fragments_are_reported_and_ignored(fragment, says):
    raw, problems = calculator.read_fragment(fragment)
    assert len(problems) == 1 and says in problems[0]
    assert raw["lr0"] == calculator.defaults()["lr0"]


def test_quote_matches_encode_uri_component():
    assert calculator.quote('{"a": "é €/?&=#"}') == (
        "%7B%22a%22%3A%20%22%C3%A9%20%E2%82%AC%2F%3F%26%3D%23%22%7D")
    assert links.unquote(calculator.quote("é €")) == "é €"
