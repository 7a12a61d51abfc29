"""Shared test fixtures: paths, and the built site served on 127.0.0.1."""
import functools
import http.server
import os
import sys
import threading
from urllib.parse import urlparse

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from build import DIST, Handler, find_chromium  # noqa: E402  (dist/, or $LR_OUT/dist)

READY = "performance.getEntriesByName('lr:ready').length > 0"


@pytest.fixture(scope="session")
def site_url():
    """Serve dist/ on a free loopback port for the whole session; yield its base URL."""
    if not os.path.exists(os.path.join(DIST, "index.html")):
        pytest.fail("dist/ is not built: run `python3 build.py test`, which builds it first")
    handler = functools.partial(Handler, directory=DIST)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d/" % server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (the system one; see README)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    path = find_chromium()
    if path is None:
        pytest.fail("no Chromium found: install it (Debian/Ubuntu: apt-get install -y chromium) "
                    "or set CHROMIUM to its path")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


class Watch:
    """Collects what must never happen on a page: foreign requests and errors."""

    def __init__(self, page):
        self.foreign, self.errors, self.failed, self.requested = [], [], [], []
        page.route("**/*", self.route)
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("response", lambda r: r.status >= 400 and self.failed.append(
            "%d %s" % (r.status, r.url)))

    def route(self, route):
        url = route.request.url
        host = urlparse(url).hostname
        if url.startswith("data:") or url.startswith("blob:") or host == "127.0.0.1":
            self.requested.append(url)
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def check(self, page):
        assert self.foreign == [], "requests to other hosts: %s" % self.foreign
        assert self.errors == [], "console errors: %s" % self.errors
        assert self.failed == [], "failed responses: %s" % self.failed
        assert page.locator(".py-error").count() == 0, page.locator(".py-error").all_inner_texts()


@pytest.fixture
def context(browser):
    # No service worker here: it would precache the whole site for every test, and a page
    # it controls fetches past page.route (Watch). tests/test_offline.py allows it.
    ctx = browser.new_context(viewport={"width": 1200, "height": 900}, service_workers="block")
    ctx.grant_permissions(["clipboard-read", "clipboard-write"])
    yield ctx
    ctx.close()


def open_page(context, url, ready=True):
    page = context.new_page()
    watch = Watch(page)
    page.goto(url)
    if ready:
        page.wait_for_function(READY, timeout=30000)
    return page, watch


def search_results(page, query):
    """Type query into the theme's search box (once its worker has the index) and return
    the text of the results; a query typed before the worker answers is not re-run, so
    this types it again up to three times."""
    from playwright.sync_api import TimeoutError as Timeout
    page.wait_for_load_state("networkidle")  # the search worker has its index
    box = page.locator("input[data-md-component=search-query]")
    for _ in range(3):
        box.fill("")
        box.press_sequentially(query)
        try:
            page.wait_for_selector(".md-search-result__item", timeout=5000)
            break
        except Timeout:
            continue
    return page.inner_text(".md-search-result")
