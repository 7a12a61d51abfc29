"""Start-up trimming: the runtime preload hints (tools/preload.py) name every runtime file
a Python page loads and its own Python files, and each hinted file is downloaded once and
used; PyScript's Python package is neither written nor imported at start-up (build.py
trim_pyscript), and no page script imports it."""
import glob
import os
import re
import sys
from collections import Counter

import pytest
from mkdocs.exceptions import PluginError

from conftest import DIST, ROOT, open_page

sys.path.insert(0, os.path.join(ROOT, "tools"))
import build  # noqa: E402
import mkdocs_hooks  # noqa: E402
import preload  # noqa: E402

HINT = re.compile(r'<link rel="(modulepreload|preload)" href="([^"]*)"')


def test_every_python_page_hints_the_whole_runtime():
    modules, fetched = preload.runtime_files(DIST)
    assert any("core-" in m for m in modules) and fetched[0].endswith("micropython.wasm")
    for folder, _, names in os.walk(DIST):
        if "index.html" not in names:
            continue
        with open(os.path.join(folder, "index.html"), encoding="utf-8") as fh:
            text = fh.read()
        hinted = [href.lstrip("./") for _, href in HINT.findall(text)]
        if 'type="mpy"' in text:
            glue = re.search(r'<script type="mpy" src="([^"]+)"', text).group(1)
            own = [glue] + re.findall(r'"([^"]+)": "\./[^"]+"', text)
            assert len(own) == 4, folder  # glue, dom.py, pack.py, the pycore pack
            assert preload.page_files(text) == own
            assert sorted(hinted) == sorted(modules + fetched + [f.lstrip("./") for f in own]), (
                folder)
        else:
            assert hinted == [], folder


def test_hinted_files_are_downloaded_once_and_used(context, site_url):
    warnings = []
    context.on("console", lambda m: m.type == "warning" and "preload" in m.text
               and warnings.append(m.text))
    page, watch = open_page(context, site_url + "calculator/")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(3500)  # Chromium warns about an unused preload after 3 s
    names = Counter(page.evaluate(
        "performance.getEntriesByType('resource').map((e) => e.name)"))
    modules, fetched = preload.runtime_files(DIST)
    with open(os.path.join(DIST, "calculator", "index.html"), encoding="utf-8") as fh:
        own = [os.path.normpath(os.path.join("calculator", url))
               for url in preload.page_files(fh.read())]
    assert own[:3] == ["calculator/calculator.py", "glue/dom.py", "glue/pack.py"]
    for path in modules + fetched + own:
        assert names[site_url + path] == 1, path
    assert warnings == []
    watch.check(page)


def core_chunks(folder):
    return glob.glob(os.path.join(folder, "core-*.js"))


def test_the_shipped_pyscript_core_has_an_empty_bootstrap():
    [vendored] = core_chunks(os.path.join(ROOT, "node_modules", "@pyscript", "core", "dist"))
    [shipped] = core_chunks(os.path.join(DIST, "assets", "vendor", "pyscript"))
    assert os.path.basename(shipped) == os.path.basename(vendored)
    with open(vendored, encoding="utf-8") as fh:
        original = fh.read()
    with open(shipped, encoding="utf-8") as fh:
        text = fh.read()
    # The npm file runs the bootstrap; the shipped one is that file with only the
    # bootstrap's code string emptied, so no other line of PyScript changed.
    [(_, lines, code)] = build.PYSCRIPT_BOOTSTRAP.findall(original)
    assert build.PYSCRIPT_BOOTSTRAP.search(text) is None
    assert text == build.trim_pyscript(original)
    joined = 'const %s=%s.join("\\n")' % (code, lines)
    assert text == original.replace(joined, 'const %s=""' % code)


def test_trimming_stops_the_build_if_pyscript_changed_its_bootstrap(capsys):
    with pytest.raises(SystemExit):
        build.trim_pyscript('const a=["import os as _os"],b=a.join("\\n");')
    assert "update PYSCRIPT_BOOTSTRAP" in capsys.readouterr().err


@pytest.mark.parametrize("line", ["from pyscript import when", "import pyscript",
                                  "    from pyscript.ffi import create_proxy"])
def test_the_hook_refuses_page_python_that_imports_pyscript(tmp_path, line):
    script = tmp_path / "page.py"
    script.write_text("import js\n%s\n" % line)
    with pytest.raises(PluginError, match="imports pyscript"):
        mkdocs_hooks.check_glue(str(script))
    script.write_text("import js\n# pyscript is not imported here\nfrom dom import el\n")
    mkdocs_hooks.check_glue(str(script))


def test_no_page_script_imports_pyscript():
    scripts = glob.glob(os.path.join(ROOT, "site", "**", "*.py"), recursive=True)
    assert len(scripts) > 10
    for path in scripts:
        mkdocs_hooks.check_glue(path)
