"""pycore gives the same answers under MicroPython (the site's wasm build) as under CPython.

tests/parity_cases.py runs in both interpreters; every formatted string must match to the
letter and every float to 1e-15 relative. A float is compared relative to the largest
magnitude in its list (for a schedule, its peak LR): libm's cos may differ by one ulp
between the two runtimes, and near a cosine's minimum 1 + cos(x) turns that ulp into a
large relative difference of a value close to zero.

Series that replay a recursion (PyTorch's chainable schedulers: each LR computed from the
previous one, as torch does; case ids ending in ".recursive") let those one-ulp libm
differences compound along the series: there the bound grows as 1e-15 * sqrt(t + 1) at step t, a random walk of one-ulp steps. The cos
difference itself is checked to be at most one ulp.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

MICROPYTHON = os.path.join(ROOT, "node_modules", "@micropython",
                           "micropython-webassembly-pyscript", "micropython.mjs")
CASES = os.path.join(ROOT, "tests", "parity_cases.py")
REL = 1e-15


def _run(cmd, env=None):
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict((c["id"], c["value"]) for c in map(json.loads, done.stdout.splitlines()))


@pytest.fixture(scope="module")
def outputs():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: install Node.js 20 or newer")
    if not os.path.exists(MICROPYTHON):
        pytest.fail("node_modules is missing: run `python3 build.py test` (it runs npm ci)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.path.join(ROOT, "tests")]))
    cpython = _run([sys.executable, CASES], env)
    micropython = _run([node, os.path.join(ROOT, "tests", "mpy_run.mjs"), MICROPYTHON,
                        os.path.join(ROOT, "pycore"), os.path.join(ROOT, "tests", "cases"),
                        CASES])
    return cpython, micropython


def _decode(v):
    """Undo parity_cases.encode: [n, e] pairs back to floats; chart JSON parsed."""
    if isinstance(v, list) and len(v) == 2 and all(type(a) is int for a in v):
        return v[0] * 2.0 ** v[1]
    if isinstance(v, list):
        return [_decode(a) for a in v]
    if isinstance(v, dict):
        return dict((k, _decode(a)) for k, a in v.items())
    if isinstance(v, str) and v.startswith('{"'):
        return _decode(json.loads(v))
    return v


def _scale(v):
    """The largest finite float magnitude inside v."""
    if isinstance(v, float):
        return abs(v) if v == v and abs(v) != float("inf") else 0.0
    if isinstance(v, list):
        return max([_scale(a) for a in v] or [0.0])
    if isinstance(v, dict):
        return max([_scale(a) for a in v.values()] or [0.0])
    return 0.0


def _compare(a, b, path, scale, problems, growth=False):
    if isinstance(a, float) and isinstance(b, float):
        index = int(path.rsplit("[", 1)[1][:-1]) if growth else 0
        bound = REL * (index + 1) ** 0.5
        if a != b and abs(a - b) > bound * max(abs(a), abs(b), scale):
            problems.append("%s: CPython %r, MicroPython %r" % (path, a, b))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        inner = max(scale, _scale(a)) if a and isinstance(a[0], float) else scale
        for i, (x, y) in enumerate(zip(a, b)):
            _compare(x, y, "%s[%d]" % (path, i), inner, problems, growth)
    elif isinstance(a, dict) and isinstance(b, dict) and sorted(a) == sorted(b):
        for k in a:
            _compare(a[k], b[k], "%s.%s" % (path, k), scale, problems, growth)
    elif a != b:
        problems.append("%s: CPython %r, MicroPython %r" % (path, a, b))


def test_every_case_ran_on_both(outputs):
    cpython, micropython = outputs
    assert len(cpython) > 100
    assert sorted(cpython) == sorted(micropython)


def test_cos_differs_by_at_most_one_ulp(outputs):
    cpython, micropython = outputs
    for (n1, e1), (n2, e2) in zip(cpython["libm.cos"], micropython["libm.cos"]):
        assert e1 == e2 and abs(n1 - n2) <= 1


@pytest.mark.parametrize("prefix", ["series.", "at.", "momentum.", "code.", "catalog",
                                    "translate.", "fmt.", "errors", "form.", "example.",
                                    "compute.", "fragment.", "read_fragment.", "quote",
                                    "analysis.", "sanity.", "resume.", "dataio.",
                                    "lrfinder.", "rangetest.", "tuning.", "optim.",
                                    "lessons.", "examples."])
def test_same_results(outputs, prefix):
    cpython, micropython = outputs
    ids = [k for k in cpython if k.startswith(prefix)]
    assert ids, "no case with prefix " + prefix
    problems = []
    for k in ids:
        recursive = k.endswith(".recursive")
        _compare(_decode(cpython[k]), _decode(micropython[k]), k, 0.0, problems, recursive)
    assert not problems, "\n".join(problems[:20])


def test_formatter_strings_are_identical(outputs):
    """Every formatted number and exported snippet is the same string, not merely close."""
    cpython, micropython = outputs
    for k in cpython:
        if k.startswith("fmt.") or k.startswith("code."):
            assert cpython[k] == micropython[k], k
