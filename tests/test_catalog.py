"""The catalogue is complete and true: every schedule the issue lists, every parameter
described, and every entry backed by parity cases, code export and validation."""
import json
import math
import os
import sys

import pytest

import pycore
from pycore.params import KINDS

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cases import keras, optax, pytorch, pytorch_cycles, timm, transformers  # noqa: E402
from cases.lcg import Lcg  # noqa: E402

EXPECTED = {
    "pytorch": ["LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR",
                "LinearLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR",
                "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "SequentialLR",
                "ChainedScheduler", "ReduceLROnPlateau", "SWALR"],
    "transformers": ["constant", "constant_with_warmup", "linear", "cosine",
                     "cosine_with_restarts", "polynomial", "inverse_sqrt",
                     "cosine_with_min_lr", "cosine_warmup_with_min_lr",
                     "warmup_stable_decay", "reduce_lr_on_plateau"],
    "keras": ["ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay",
              "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts"],
    "optax": ["constant_schedule", "linear_schedule", "polynomial_schedule",
              "exponential_decay", "cosine_decay_schedule", "warmup_constant_schedule",
              "warmup_cosine_decay_schedule", "warmup_exponential_decay_schedule",
              "piecewise_constant_schedule", "piecewise_interpolate_schedule",
              "join_schedules", "sgdr_schedule", "cosine_onecycle_schedule",
              "linear_onecycle_schedule"],
    "timm": ["CosineLRScheduler", "StepLRScheduler", "MultiStepLRScheduler",
             "PolyLRScheduler", "TanhLRScheduler", "PlateauLRScheduler"],
}
CATALOG = pycore.catalog()


def all_cases():
    rng = Lcg(20261123)
    out = []
    for module in (pytorch, pytorch_cycles, transformers, keras, optax, timm):
        out.extend(c["spec"] for c in module.cases(rng))
    return out


CASES = all_cases()


def test_catalogue_lists_exactly_the_issue_schedules():
    got = {}
    for e in CATALOG:
        got.setdefault(e["framework"], []).append(e["name"])
    assert sorted(got) == sorted(EXPECTED)
    for framework, names in EXPECTED.items():
        assert sorted(got[framework]) == sorted(names), framework
        assert pycore.names(framework) == got[framework]


def test_catalogue_is_plain_json():
    assert json.loads(json.dumps(CATALOG)) == CATALOG


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e["framework"] + "." + e["name"])
def test_entry_is_described(entry):
    assert entry["summary"] and len(entry["summary"]) < 160
    assert entry["doc"].startswith("https://")
    names = [p["name"] for p in entry["params"]]
    assert len(names) == len(set(names))
    for p in entry["params"]:
        assert p["kind"] in KINDS
        assert p["help"], p["name"]
        assert p["allowed"].startswith("must"), p["name"]
        if p["kind"] == "choice":
            assert p["choices"] and (p["required"] or p["default"] in p["choices"])
    if entry["framework"] in ("pytorch", "transformers", "timm"):
        assert names[0] == "lr"
    assert ("metrics" in names) == entry["metric_driven"]
    if entry["framework"] == "timm":
        assert "noise" in entry["notes"]


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e["framework"] + "." + e["name"])
def test_defaults_pass_their_own_checks(entry):
    cls = pycore.spec.REGISTRY[(entry["framework"], entry["name"])]
    for p in cls.params:
        if p.default is not pycore.params.REQUIRED and p.default is not None:
            assert p.check(p.default, p.name) == p.default, p.name


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e["framework"] + "." + e["name"])
def test_every_schedule_has_parity_cases(entry):
    """The MicroPython parity run covers every family."""
    assert any(s["framework"] == entry["framework"] and s["name"] == entry["name"]
               for s in CASES)


@pytest.mark.parametrize("spec", CASES[::3], ids=lambda s: s["framework"] + "." + s["name"])
def test_code_export_is_python_naming_the_schedule(spec):
    code = pycore.to_code(spec)
    compile(code, "<to_code>", "exec")
    assert spec["name"] in code
    assert code.endswith("\n")


@pytest.mark.parametrize("spec", CASES[::3], ids=lambda s: s["framework"] + "." + s["name"])
def test_at_agrees_with_series(spec):
    """lr_at is the closed form of what lr_series replays (torch drift aside)."""
    n = 300
    try:
        series = pycore.lr_series(spec, n)
    except pycore.SpecError:
        return  # e.g. a metric series shorter than n: covered by the family's own tests
    peak = max([abs(v) for v in series if math.isfinite(v)] + [0.0])
    for t in (0, 1, 2, n // 3, n - 1):
        a = pycore.lr_at(spec, t)
        assert a == pytest.approx(series[t], rel=1e-9, abs=1e-12 * peak), t
