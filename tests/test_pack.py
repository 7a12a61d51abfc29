"""Each live page's pycore modules ship as one pack (site/glue/pack.py): the format, what
goes into each page's pack, and the lazily loaded names that keep the packs small."""
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import DIST, ROOT

sys.path.insert(0, os.path.join(ROOT, "site", "glue"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import mkdocs_hooks  # noqa: E402
import pack  # noqa: E402

MICROPYTHON = os.path.join(ROOT, "node_modules", "@micropython",
                           "micropython-webassembly-pyscript", "micropython.mjs")
MPY = os.path.join(os.path.dirname(DIST), ".build", "mpy")
FILES = [("pycore/__init__.mpy", b""), ("pycore/a.mpy", bytes(range(256)) * 3),
         ("pycore/sub/b.mpy", b"b" * 200), ("deep/er/é.txt", "x".encode("utf-8")),
         ("top.txt", b"")]


def run_micropython(tmp_path, code, files=()):
    """Run code under the shipped MicroPython with site/glue importable and files (name,
    bytes) in /data; its output lines."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: install Node.js 20 or newer")
    data = tmp_path / "data"
    data.mkdir()
    for name, content in files:
        (data / name).write_bytes(content)
    script = tmp_path / "script.py"
    script.write_text("import sys\nsys.path.insert(0, '/glue')\nimport pack\n" + code)
    done = subprocess.run([node, os.path.join(ROOT, "tests", "mpy_run.mjs"), MICROPYTHON,
                           os.path.join(ROOT, "site", "glue"), str(data), str(script)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.rstrip("\n").split("\n")


def test_write_then_read_gives_the_files_back():
    data = pack.write(FILES)
    assert data.startswith(pack.MAGIC) and len(data) % 2 == 0
    assert [(name, bytes(content)) for name, content in pack.read(data)] == FILES
    assert pack.read(pack.write([])) == []
    # Both lengths of image (a padded length byte keeps the size even).
    assert {len(pack.write([("a", b"x" * n)])) % 2 for n in range(4)} == {0}


def test_a_folder_keeps_its_entries_together():
    files = [("p/a", b"1"), ("q", b"2"), ("p/b", b"3")]
    assert [n for n, _ in pack.read(pack.write(files))] == ["p/a", "p/b", "q"]


def test_the_varuints_are_big_endian_groups_of_seven_bits():
    assert [pack._varuint(n) for n in (0, 5, 127, 128, 300, pack.FILESYSTEM)] == [
        b"\x00", b"\x05", b"\x7f", b"\x81\x00", b"\x82\x2c", pack.MAGIC]


@pytest.mark.parametrize("data, why", [
    (b"", "not a pack"), (b"LRPACK1\n", "not a pack"), (pack.write(FILES)[:-1], "cut short"),
    (pack.write(FILES)[:5], "cut short"),
    (pack._record(pack.FILESYSTEM, pack._record(9, b"")), "unknown kind 9"),
    (pack._record(pack.FILESYSTEM, pack._named(pack.FILE, "f", b"")), "no data"),
])
def test_a_broken_pack_is_refused(data, why):
    with pytest.raises(ValueError, match=why):
        pack.read(data)


def test_a_pack_mounts_and_imports_under_micropython(tmp_path):
    """The pages mount their pack under MicroPython: the same module, in the interpreter
    they ship; the modules import from where they lie, and a pack can be mounted again."""
    lines = run_micropython(tmp_path, (
        "data = pack.write([('pkg/__init__.py', b''), ('pkg/m.py', b'X = 6 * 7\\n')])\n"
        "with open('/t.pack', 'wb') as f:\n    f.write(data)\n"
        "pack.mount('/t.pack')\npack.mount('/t.pack')\n"
        "from pkg import m\nprint(m.X, m.__file__, sys.path.count(pack.MOUNT))\n"
        "print([(n, bytes(c)) for n, c in pack.read(data)])\n"
        "try:\n    pack.read(data[:-1])\nexcept ValueError as err:\n    print(err)\n"
        "with open('/bad.pack', 'wb') as f:\n    f.write(b'LRPACK1\\n')\n"
        "try:\n    pack.mount('/bad.pack', '/other')\nexcept OSError as err:\n"
        "    print('refused')\n"))
    assert lines[0] == "42 %s/pkg/m.py 1" % pack.MOUNT
    assert lines[1] == "[('pkg/__init__.py', b''), ('pkg/m.py', b'X = 6 * 7\\n')]"
    assert lines[2].startswith("pack file cut short")
    assert lines[3] == "refused"


def test_the_calculators_pack_runs_under_micropython(tmp_path):
    """The built pack itself: mounted in the shipped interpreter, its compiled modules give
    the calculator's numbers exactly as pycore's source does under CPython."""
    (_, _, (path,)), = [p for p in live_pages() if p[0] == "calculator"]
    with open(os.path.join(DIST, path), "rb") as fh:
        image = fh.read()
    from pycore import calculator
    want = calculator.compute(calculator.read_form(calculator.defaults())[0])
    lines = run_micropython(tmp_path, (
        "pack.mount('/data/calculator.pack')\n"
        "from pycore import calculator\n"
        "r = calculator.compute(calculator.read_form(calculator.defaults())[0])\n"
        "print(calculator.__file__)\nprint(r['copy_text'])\n"), [("calculator.pack", image)])
    assert lines[0] == pack.MOUNT + "/pycore/calculator.mpy"
    assert "\n".join(lines[1:]) == want["copy_text"]


def live_pages():
    """(page html path, glue path, pack site path) for every built page that runs Python."""
    out = []
    for folder, _, names in os.walk(DIST):
        if "index.html" not in names:
            continue
        with open(os.path.join(folder, "index.html"), encoding="utf-8") as fh:
            html = fh.read()
        config = re.search(r"<mpy-config>(.*?)</mpy-config>", html, re.S)
        if config is None:
            continue
        packs = re.findall(r'"[./]*(assets/pycore/pycore-\w+\.pack)": "\./pycore\.pack"',
                           config.group(1))
        glue = re.search(r'<script type="mpy" src="([^"]+)"', html).group(1)
        glue = os.path.normpath(os.path.join(folder, glue))
        out.append((os.path.relpath(folder, DIST), os.path.relpath(glue, DIST), packs))
    return sorted(out)


def test_every_live_page_gets_exactly_its_modules():
    pages = live_pages()
    assert len(pages) >= 11
    for page, glue, packs in pages:
        assert len(packs) == 1, page
        with open(os.path.join(DIST, packs[0]), "rb") as fh:
            files = pack.read(fh.read())
        want = mkdocs_hooks.pycore_modules(os.path.join(ROOT, "site", glue))
        assert [name for name, _ in files] == ["pycore/%s.mpy" % m for m in want], page
        for name, content in files:
            with open(os.path.join(MPY, name[len("pycore/"):]), "rb") as fh:
                assert bytes(content) == fh.read(), (page, name)


def test_the_calculator_ships_no_explorer_or_lr_finder_code():
    """The calculator starts fastest of all pages (issue 7's target): its pack holds the
    schedules it computes and nothing of the tools it does not run."""
    (glue,) = [g for p, g, _ in live_pages() if p == "calculator"]
    modules = mkdocs_hooks.pycore_modules(os.path.join(ROOT, "site", glue))
    assert {"calculator", "spec", "__init__"} <= set(modules)
    assert not {"lrfinder", "explorer", "form", "analysis", "sanity"} & set(modules)


def test_pack_names_follow_their_content():
    """Same modules, same file (pages share it); a pack's name changes with its bytes."""
    names = {}
    for page, _, (path,) in live_pages():
        with open(os.path.join(DIST, path), "rb") as fh:
            data = fh.read()
        names.setdefault(path, data)
        assert names[path] == data
    assert len(names) < len(live_pages())  # the Learn pages share packs


def test_lazy_names_load_their_module_on_first_call():
    """import pycore leaves lrfinder alone; pycore.suggest_lr and friends then load it and
    answer exactly as lrfinder does (and refuse as it does)."""
    code = ("import sys, pycore\n"
            "assert 'pycore.lrfinder' not in sys.modules\n"
            "lrs, losses = [1e-4, 1e-3, 1e-2, 1e-1, 1.0], [2.0, 1.5, 1.0, 1.2, 3.0]\n"
            "got = (pycore.lr_ladder(1e-3, 1.0, 4, 'exp', 'fastai'),\n"
            "       pycore.smooth(losses, 'fastai'),\n"
            "       pycore.suggest_lr(lrs, losses, 'torch_lr_finder', skip_start=0, skip_end=0))\n"
            "assert 'pycore.lrfinder' in sys.modules\n"
            "from pycore import lrfinder\n"
            "assert sorted(set(pycore.LAZY.values())) == ['lrfinder']\n"
            "assert got == (lrfinder.lr_ladder(1e-3, 1.0, 4, 'exp', 'fastai'),\n"
            "               lrfinder.smooth(losses, 'fastai'),\n"
            "               lrfinder.suggest_lr(lrs, losses, 'torch_lr_finder', skip_start=0,\n"
            "                                   skip_end=0))\n"
            "try:\n    pycore.suggest_lr(lrs, losses, 'nope')\n"
            "except pycore.SpecError as err:\n    print(err.field)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "method"


def test_a_glue_using_a_lazy_name_ships_its_module(tmp_path):
    glue = tmp_path / "glue.py"
    glue.write_text("import pack\npack.mount()\nfrom pycore import smooth\n")
    assert "lrfinder" in mkdocs_hooks.pycore_modules(str(glue))
    glue.write_text("import pycore\nprint(pycore.suggest_lr)\n")
    assert "lrfinder" in mkdocs_hooks.pycore_modules(str(glue))
    glue.write_text("import pycore\nprint(pycore.lr_at)\n")
    assert "lrfinder" not in mkdocs_hooks.pycore_modules(str(glue))
