"""Offline use and clean switches between builds (the service worker, tools/sw.js).

The browser tests serve their own copy of the built site from a server they can stop or
repoint, so "offline" means both Playwright's offline mode and no server at all, and a
"publish" is an atomic swap of the served folder.
"""
import functools
import http.server
import json
import os
import re
import shutil
import sys
import threading

import pytest

from conftest import DIST, READY, ROOT, Handler, search_results
from test_browser import PAGES

sys.path.insert(0, os.path.join(ROOT, "tools"))
import offline  # noqa: E402


# Wait (in the page) until the service worker is active; return its script URL.
SW_ACTIVE = """async () => {
  const registration = await navigator.serviceWorker.ready;
  return registration.active.scriptURL;
}"""
CACHES = "async () => (await caches.keys()).sort()"
FETCH_TEXT = "async (url) => (await fetch(url)).text()"
# Ask for an update now; wait until the new worker is installed or thrown away; return
# its final state and whether a worker is waiting.
UPDATE_OUTCOME = """async () => {
  const registration = await navigator.serviceWorker.ready;
  const found = new Promise((done) => registration.addEventListener(
    "updatefound", () => done(registration.installing), {once: true}));
  await registration.update();
  const worker = await found;
  await new Promise((done) => {
    const settled = () => ["installed", "redundant"].includes(worker.state) && done();
    worker.addEventListener("statechange", settled);
    settled();
  });
  return [worker.state, Boolean(registration.waiting)];
}"""


class Site:
    """dist/ (or a copy of it) served on a loopback port through a symlink that a test
    can repoint to publish another build, and a server it can stop."""

    def __init__(self, root):
        self.link = os.path.join(root, "served")
        self.publish(DIST)
        handler = functools.partial(Handler, directory=self.link)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/" % self.server.server_address[1]

    def publish(self, folder):
        """Serve folder from now on (an atomic switch, as a deploy would be)."""
        tmp = self.link + ".new"
        os.symlink(folder, tmp)
        os.replace(tmp, self.link)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def context(browser):
    """A browser context where service workers run (the shared one may block them)."""
    ctx = browser.new_context(service_workers="allow")
    yield ctx
    ctx.close()


@pytest.fixture
def site(tmp_path):
    s = Site(str(tmp_path))
    yield s
    s.stop()


class Problems:
    """Console errors, page errors and failed requests of one page."""

    def __init__(self, page):
        self.seen = []
        page.on("console", lambda m: m.type == "error" and self.seen.append(m.text))
        page.on("pageerror", lambda e: self.seen.append(str(e)))
        page.on("requestfailed", lambda r: self.seen.append("failed: " + r.url))
        page.on("response", lambda r: r.status >= 400 and self.seen.append(
            "%d %s" % (r.status, r.url)))

    def check(self, page):
        assert self.seen == []
        assert page.locator(".py-error").count() == 0, page.locator(".py-error").all_inner_texts()


def another_build(tmp_path, marker):
    """A copy of dist/ whose calculator page and chart script differ (by a comment that
    names marker), with its own service worker; returns its folder and version."""
    folder = str(tmp_path / marker)
    shutil.copytree(DIST, folder, symlinks=False)
    with open(os.path.join(folder, "assets", "lrchart.js"), "a", encoding="utf-8") as fh:
        fh.write("\n/* %s */\n" % marker)
    page = os.path.join(folder, "calculator", "index.html")
    with open(page, encoding="utf-8") as fh:
        text = fh.read()
    with open(page, "w", encoding="utf-8") as fh:
        fh.write(text.replace("</body>", "<!-- %s -->\n</body>" % marker, 1))
    return folder, offline.write_service_worker(folder)


def built_version():
    """The version the build wrote into dist/sw.js."""
    with open(os.path.join(DIST, "sw.js"), encoding="utf-8") as fh:
        text = fh.read()
    start = text.index("const MANIFEST = ") + len("const MANIFEST = ")
    return json.loads(text[start:text.index(";\n", start)])["version"]


def test_manifest_lists_every_file_with_its_hash():
    """Every built file the pages can load is precached with its current hash."""
    content = offline.manifest(DIST)
    assert content["version"] == built_version()
    listed = set(content["files"])
    with open(os.path.join(DIST, "calculator", "index.html"), encoding="utf-8") as fh:
        calculator_pack = re.search(r"assets/pycore/pycore-\w+\.pack", fh.read()).group(0)
    for must in ("index.html", "404.html", "calculator/index.html", "search/search_index.json",
                 "assets/vendor/micropython/micropython.wasm", calculator_pack, "glue/pack.py",
                 "assets/offline.js", "explorer/explorer.py"):
        assert must in listed
    assert "sw.js" not in listed and "_headers" not in listed
    for path in listed:
        assert content["files"][path] == offline.integrity(os.path.join(DIST, path))


def test_version_changes_with_any_byte(tmp_path):
    folder, version = another_build(tmp_path, "build-B")
    assert version != built_version()
    assert offline.manifest(folder)["version"] == version


def test_no_other_service_worker_is_shipped():
    """PyScript's own service-worker helper and mini-coi would take the scope over."""
    names = set(name for _, _, files in os.walk(DIST) for name in files)
    assert "service-worker.js" not in names and "mini-coi.js" not in names


def test_every_page_works_offline_after_one_visit(context, site):
    """One visit installs the worker; then, with the network off and the server gone,
    every page loads from the cache and every calculator computes."""
    page = context.new_page()
    page.goto(site.url)
    assert page.evaluate(SW_ACTIVE) == site.url + "sw.js"
    assert page.evaluate(CACHES) == ["lr-site-" + built_version()]
    registrations = page.evaluate(
        "async () => (await navigator.serviceWorker.getRegistrations()).length")
    assert registrations == 1
    page.close()
    site.stop()
    context.set_offline(True)
    for path in PAGES:
        page = context.new_page()
        problems = Problems(page)
        page.goto(site.url + path)
        assert page.title()
        if page.locator("script[type=mpy]").count():
            page.wait_for_function(READY, timeout=60000)
        problems.check(page)
        page.close()


def test_calculator_answers_edits_offline(context, site):
    """The calculator reacts to typing while offline (not just its first render)."""
    page = context.new_page()
    page.goto(site.url + "calculator/")
    page.evaluate(SW_ACTIVE)
    site.stop()
    context.set_offline(True)
    page.reload()
    problems = Problems(page)
    page.wait_for_function(READY, timeout=60000)
    before = page.get_attribute("[data-testid=lr-result]", "data-value")
    page.fill("#lr0", "0.2")
    page.wait_for_function(
        "document.querySelector('[data-testid=lr-result]').dataset.value !== %s"
        % json.dumps(before), timeout=30000)
    problems.check(page)


def test_unknown_page_offline_gets_the_404_page(context, site):
    page = context.new_page()
    page.goto(site.url)
    page.evaluate(SW_ACTIVE)
    site.stop()
    context.set_offline(True)
    response = page.goto(site.url + "no-such-page/")
    assert response.status == 404
    assert page.locator("h1").first.inner_text() == "404 - Not found"


def test_new_build_switches_cleanly(context, site, tmp_path):
    """A page open during a publish keeps its own build's files; after Reload the page and
    every file it loads come from the new build, and the old cache is gone."""
    new_folder, new_version = another_build(tmp_path, "build-B")
    page = context.new_page()
    page.goto(site.url + "calculator/")
    page.evaluate(SW_ACTIVE)
    page.reload()
    page.wait_for_function(READY, timeout=60000)
    assert page.evaluate("Boolean(navigator.serviceWorker.controller)")

    site.publish(new_folder)
    assert page.evaluate(UPDATE_OUTCOME) == ["installed", True]
    page.wait_for_selector(".lr-update", timeout=30000)
    # Still the old build, for the page and for what it loads now.
    assert "build-B" not in page.content()
    assert "build-B" not in page.evaluate(FETCH_TEXT, "../assets/lrchart.js")
    assert len(page.evaluate(CACHES)) == 2

    problems = Problems(page)
    with page.expect_navigation():
        page.click(".lr-update button")
    page.wait_for_function(READY, timeout=60000)
    assert "build-B" in page.content()
    assert "build-B" in page.evaluate(FETCH_TEXT, "../assets/lrchart.js")
    assert page.evaluate(CACHES) == ["lr-site-" + new_version]
    assert page.locator(".lr-update").count() == 0
    problems.check(page)


def test_half_published_build_is_not_taken(context, site, tmp_path):
    """A new sw.js served beside the old files (a deploy caught half-way) fails its
    hash checks: no update is offered and the pages keep the complete old build."""
    new_folder, _ = another_build(tmp_path, "build-B")
    half = str(tmp_path / "half")
    shutil.copytree(DIST, half)
    shutil.copy2(os.path.join(new_folder, "sw.js"), os.path.join(half, "sw.js"))
    page = context.new_page()
    page.goto(site.url + "calculator/")
    page.evaluate(SW_ACTIVE)
    page.reload()
    page.wait_for_function(READY, timeout=60000)

    site.publish(half)
    outcome = page.evaluate(UPDATE_OUTCOME)
    assert outcome == ["redundant", False]
    assert page.evaluate(CACHES) == ["lr-site-" + built_version()]
    assert page.locator(".lr-update").count() == 0


def test_search_works_offline(context, site):
    """The theme's search (its worker and index) is precached too."""
    page = context.new_page()
    page.goto(site.url)
    page.evaluate(SW_ACTIVE)
    site.stop()
    context.set_offline(True)
    page.goto(site.url + "faq/")
    assert "calculator" in search_results(page, "staircase").lower()
