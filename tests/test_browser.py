"""End-to-end tests of the built site in a real Chromium, served from 127.0.0.1.

Every request to another host is aborted and fails the test, as does any console error,
uncaught page error, or PyScript error banner (.py-error).
"""
import json
import os
from urllib.parse import urlparse

import pytest

from conftest import DIST, READY, open_page, search_results
from pycore import calculator, lr_at, py_repr


PAGES = ["", "calculator/", "explorer/", "lr-finder/", "range-test/", "tuning/",
         "learn/what-lr-does/", "learn/optimizers/", "learn/warmup-and-schedules/",
         "learn/hypergradients/", "learn/fitting/", "learn/key-factors/", "learn/batch-size/",
         "learn/layer-wise/", "examples/", "faq/", "glossary/"]


def result(page):
    """The primary result's full-precision value, as rendered."""
    return page.get_attribute("[data-testid=lr-result]", "data-value")


def fill(page, key, text):
    page.fill("#" + key, text)


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly(context, site_url, path):
    """Every page loads with no foreign request and no error; a page with a live part
    (a MicroPython script) also reaches its first result (lr:ready)."""
    page, watch = open_page(context, site_url + path, ready=False)
    if page.locator("script[type=mpy]").count():
        page.wait_for_function(READY, timeout=30000)
    page.wait_for_load_state("networkidle")
    assert page.title()
    watch.check(page)


def test_every_built_page_is_tested():
    built = sorted("" if d == DIST else os.path.relpath(d, DIST).replace(os.sep, "/") + "/"
                   for d, _, files in os.walk(DIST) if "index.html" in files)
    assert built == sorted(PAGES)


def test_every_shipped_runtime_file_is_loaded(context, site_url):
    """Nothing unused is vendored: the calculator requests each runtime file we ship."""
    page, watch = open_page(context, site_url + "calculator/")
    page.wait_for_load_state("networkidle")
    vendor = os.path.join(DIST, "assets", "vendor")
    shipped = set()
    for folder, _, files in os.walk(vendor):
        for f in files:
            if "katex/fonts" not in folder.replace(os.sep, "/"):
                shipped.add(os.path.relpath(os.path.join(folder, f), DIST).replace(os.sep, "/"))
    loaded = set(urlparse(u).path.lstrip("/") for u in watch.requested)
    assert shipped - loaded == set()
    watch.check(page)


def test_default_result_matches_pycore(context, site_url):
    page, watch = open_page(context, site_url + "calculator/")
    values, _ = calculator.read_form(calculator.defaults())
    assert result(page) == py_repr(lr_at(calculator.primary_spec(values),
                                         calculator.current_step(values)))
    assert page.inner_text("#lr-status") == ""
    watch.check(page)


@pytest.mark.parametrize("example, shown", [
    ("ex1", "0.004"), ("ex2", "0.000142857"), ("ex3a", "0.00666667"), ("ex3b", "0.00333333")])
def test_seed_examples(context, site_url, example, shown):
    page, watch = open_page(context, site_url + "calculator/")
    page.click("button[data-example=%s]" % example)
    page.wait_for_function("document.querySelector('#lr-result').textContent === %s"
                           % json.dumps(shown))
    inputs = calculator.EXAMPLES[[e["id"] for e in calculator.EXAMPLES].index(example)]["inputs"]
    for key, text in inputs.items():
        assert page.input_value("#" + key) == text
    expected = calculator.worked_example(example)
    assert page.inner_text("#lr-result") == expected["result"]
    watch.check(page)


def test_seed_example_values_in_the_text(context, site_url):
    """The worked examples' prose shows the numbers pycore computes."""
    page, watch = open_page(context, site_url + "calculator/")
    text = page.inner_text("article")
    assert "0.01 / 2.5 = 0.004" in " ".join(text.split())
    for ex in calculator.EXAMPLES:
        assert calculator.worked_example(ex["id"])["result"] in text
    watch.check(page)


def test_live_update_and_url(context, site_url):
    page, watch = open_page(context, site_url + "calculator/")
    marks = page.evaluate("performance.getEntriesByName('lr:updated').length")
    fill(page, "lr0", "0.02")
    assert page.inner_text("#lr-result") == "0.008"
    assert page.evaluate("performance.getEntriesByName('lr:updated').length") > marks
    fragment = page.evaluate("location.hash")
    assert fragment.startswith("#spec=")
    raw, problems = calculator.read_fragment(fragment)
    assert problems == [] and raw["lr0"] == "0.02"
    # The link restores the state in a fresh page.
    other, watch2 = open_page(context, page.url)
    assert other.input_value("#lr0") == "0.02"
    assert other.inner_text("#lr-result") == "0.008"
    watch.check(page)
    watch2.check(other)


def test_an_overflowing_rate_leaves_a_gap_not_an_error(context, site_url):
    """gamma 1e300 takes the step-decay comparison past 1e308: the chart is still drawn
    (the infinite values are gaps) and nothing is thrown."""
    page, watch = open_page(context, site_url + "calculator/")
    marks = page.evaluate("performance.getEntriesByName('lr:updated').length")
    fill(page, "gamma", "1e300")
    assert page.evaluate("performance.getEntriesByName('lr:updated').length") > marks
    assert page.locator("#lr-chart canvas").count() == 1
    watch.check(page)


def test_link_with_spec_and_step(context, site_url):
    spec = {"framework": "keras", "name": "InverseTimeDecay", "params": {
        "initial_learning_rate": 0.0005, "decay_steps": 10, "decay_rate": 0.5}}
    url = site_url + "calculator/#spec=%s&step=50&epochs=10" % calculator.quote(json.dumps(spec))
    page, watch = open_page(context, url)
    assert page.input_value("#epoch") == "5"
    assert page.input_value("#steps_per_epoch") == "10"
    assert result(page) == py_repr(lr_at(spec, 50))
    watch.check(page)


def test_bad_link_keeps_defaults_and_says_why(context, site_url):
    page, watch = open_page(context, site_url + "calculator/#spec=%7Bnot-json&epochs=abc",
                            ready=False)
    page.wait_for_selector("#lr-link-notice:not([hidden])")
    notice = page.inner_text("#lr-link-notice")
    assert "not valid JSON" in notice
    assert page.is_visible("#epochs-error")
    assert page.input_value("#lr0") == "0.01"
    assert page.inner_text("#lr-status") == ""  # not stuck on "Starting the calculator…"
    watch.check(page)


def test_copy_results(context, site_url):
    page, watch = open_page(context, site_url + "calculator/")
    page.click("#lr-copy")
    page.wait_for_function("document.querySelector('#lr-status').textContent.length > 0")
    copied = page.evaluate("navigator.clipboard.readText()")
    values, _ = calculator.read_form(calculator.defaults())
    assert copied.startswith(calculator.compute(values)["copy_text"])
    assert "Link: " + page.url in copied
    watch.check(page)


@pytest.mark.parametrize("why", ["permission denied", "no clipboard API"])
def test_a_refused_copy_is_said_not_thrown(browser, site_url, why):
    """Without clipboard permission (the write is rejected), or in a browser without the
    API (plain http), the page says how to copy by hand; nothing is thrown."""
    ctx = browser.new_context(service_workers="block")
    if why == "no clipboard API":
        ctx.add_init_script("Object.defineProperty(Navigator.prototype, 'clipboard', "
                            "{get: () => undefined})")
    else:  # what a browser does when the user or a policy denies the permission
        ctx.add_init_script("navigator.clipboard.writeText = () => Promise.reject("
                            "new DOMException('Write permission denied.', 'NotAllowedError'))")
    page, watch = open_page(ctx, site_url + "calculator/")
    page.click("#lr-copy")
    page.wait_for_function("document.querySelector('#lr-status').textContent.length > 0")
    assert page.inner_text("#lr-status").startswith("The browser refused clipboard access")
    watch.check(page)
    ctx.close()


def test_reset(context, site_url):
    page, watch = open_page(context, site_url + "calculator/")
    fill(page, "lr0", "0.5")
    fill(page, "decay_rate", "abc")
    page.click("#lr-reset")
    for key, text in calculator.defaults().items():
        if isinstance(text, str):
            assert page.input_value("#" + key) == text
    assert not page.is_visible("#decay_rate-error")
    assert page.inner_text("#lr-result") == "0.004"
    watch.check(page)


@pytest.mark.parametrize("key, text, message", [
    ("lr0", "-0.01", "Must be greater than 0"),
    ("lr0", "0", "Must be greater than 0"),
    ("lr0", "abc", "Enter a number like 0.01 or 1e-3"),
    ("lr0", "", "Enter a number"),
    ("lr0", "1,5", "Use a dot for decimals"),
    ("decay_rate", "-1", "Must be 0 or more"),
    ("epochs", "0", "Must be 1 or more"),
    ("epochs", "2.5", "Must be a whole number"),
    ("steps_per_epoch", "0", "Must be 1 or more"),
    ("epoch", "51", "Current epoch is beyond the total of 50 epochs"),
    ("epoch", "-3", "Must be 0 or more"),
])
def test_validation_messages(context, site_url, key, text, message):
    page, watch = open_page(context, site_url + "calculator/")
    before = page.inner_text("#lr-result")
    fill(page, key, text)
    assert page.is_visible("#%s-error" % key)
    assert page.inner_text("#%s-error" % key).startswith(message)
    assert page.get_attribute("#" + key, "aria-invalid") == "true"
    # Nothing typed is lost, the last good result stays, marked stale.
    assert page.input_value("#" + key) == text
    assert page.inner_text("#lr-result") == before
    assert "lr-stale" in page.get_attribute("#lr-results", "class")
    fill(page, key, calculator.defaults()[key])
    assert not page.is_visible("#%s-error" % key)
    assert "lr-stale" not in page.get_attribute("#lr-results", "class")
    watch.check(page)


def test_chart_is_drawn_with_marker(context, site_url):
    page, watch = open_page(context, site_url + "calculator/")
    assert page.locator("#lr-chart canvas").count() == 1
    legend = page.inner_text("#lr-chart")
    assert "Inverse-time decay" in legend and "Cosine annealing" in legend
    watch.check(page)


def test_math_is_typeset_at_build_time(context, site_url):
    page, watch = open_page(context, site_url + "calculator/")
    assert page.locator(".arithmatex .katex").count() > 5
    assert page.locator("script[src*=katex]").count() == 0
    watch.check(page)


def test_search_finds_calculator_terms(context, site_url):
    page, watch = open_page(context, site_url, ready=False)
    assert "calculator" in search_results(page, "staircase").lower()
    watch.check(page)


@pytest.mark.parametrize("low", [1e-23, 1e-50, 1e-100, 1e-300])
def test_log_chart_spanning_many_decades_draws_without_error(context, site_url, low):
    """uPlot's own log ticks loop on round-off across many decades; lrchart's decade ticks
    must draw any positive range (on the y axis and on a log x axis)."""
    page, watch = open_page(context, site_url + "explorer/")
    n = 50
    ys = [20.0 * (low / 20.0) ** (i / (n - 1)) for i in range(n)]
    payload = {"version": 2, "xlabel": "lr", "ylabel": "loss", "log": True, "xlog": True,
               "curves": [{"key": "c", "label": "c", "x": ys[::-1], "y": ys, "axis": "lr",
                           "color": 0, "pinned": False}]}
    drawn = page.evaluate("""(payload) => {
        const el = document.createElement('div');
        document.body.appendChild(el);
        window.lrChart.render(el, JSON.stringify(payload));
        return el.querySelectorAll('canvas').length;
    }""", payload)
    assert drawn >= 1
    watch.check(page)
