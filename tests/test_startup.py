"""Start-up trimming: the runtime preload hints (tools/preload.py) name every runtime file
a Python page loads and its own script, and each hinted file is downloaded once and used."""
import os
import re
import sys
from collections import Counter

from conftest import DIST, ROOT, open_page

sys.path.insert(0, os.path.join(ROOT, "tools"))
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
            assert sorted(hinted) == sorted(modules + fetched + [glue.lstrip("./")]), folder
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
    for path in modules + fetched + ["calculator/calculator.py"]:
        assert names[site_url + path] == 1, path
    assert warnings == []
    watch.check(page)
