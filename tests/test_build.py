"""build.py itself: incremental rebuilds, clear messages, and what lands in dist/."""
import os
import subprocess
import sys

from conftest import DIST, ROOT


def run_build(env=None):
    return subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), "build"], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=600)


def test_second_build_with_nothing_changed_is_skipped():
    assert run_build().returncode == 0  # brings dist/ up to date if a source changed
    done = run_build()
    assert done.returncode == 0, done.stderr
    assert "dist/ is up to date" in done.stderr
    assert "npm ci" not in done.stderr and "creating .venv" not in done.stderr


def test_missing_node_is_named():
    env = dict(os.environ, PATH=os.path.join(ROOT, "no-such-dir"))
    done = run_build(env)
    assert done.returncode == 2
    assert "Node.js 20+ with npm is needed" in done.stderr


def test_no_source_maps_or_type_declarations_are_shipped():
    for folder, _, files in os.walk(DIST):
        for name in files:
            assert not name.endswith((".map", ".d.ts")), os.path.join(folder, name)


def test_pages_configure_the_local_interpreter_and_no_packages():
    with open(os.path.join(DIST, "calculator", "index.html")) as fh:
        page = fh.read()
    assert '"interpreter": "../assets/vendor/micropython/micropython.mjs"' in page
    assert '"packages"' not in page
    assert "jsdelivr" not in page and "unpkg" not in page and "googleapis" not in page
