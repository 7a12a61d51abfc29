"""The live range test in a real Chromium: a run goes to the end and shows pycore's
suggestions, Cancel stops it and leaves the page usable, bad inputs get their message,
typing is handled while a run goes on, and links restore the inputs. conftest's Watch
fails a test on console errors, foreign requests and .py-error."""
from urllib.parse import unquote

from conftest import open_page
from pycore import rangetest

# A run too long to finish during a test (wide layer, big batches, no early stop).
LONG = {"hidden": "64", "size": "20000", "batch": "2000", "iterations": "5000",
        "end": "0.01", "diverge": ""}
# Logistic regression: no tanh, so both runtimes compute the same losses bit for bit.
EXACT = {"model": "logistic", "iterations": "120", "end": "1000", "diverge": "4"}


def link(site_url, changes):
    raw = rangetest.defaults()
    raw.update(changes)
    return site_url + "range-test/#" + rangetest.fragment_of(raw)


def range_test(changes):
    """The RangeTest the page builds for the defaults with these changes."""
    raw = rangetest.defaults()
    raw.update(changes)
    spec, errors = rangetest.read(raw)
    assert errors == {}
    return rangetest.RangeTest(spec)


def run_in_cpython(changes):
    test = range_test(changes)
    while not test.advance(1000):
        pass
    return test


def finished(page):
    page.wait_for_selector("#rt-table:not([hidden])", timeout=60000)


def running(page):
    """Wait until a run has recorded some points."""
    page.wait_for_function(
        "document.getElementById('rt-progress-text').textContent.startsWith('Iteration')",
        timeout=30000)


def test_page_builds_the_form_from_pycore(context, site_url):
    page, watch = open_page(context, site_url + "range-test/")
    for f in rangetest.FIELDS:
        node = page.locator("#rt-" + f.key)
        assert node.input_value() == f.default
        assert page.inner_text("label[for=rt-%s]" % f.key) == f.label
        assert "rt-%s-error" % f.key in node.get_attribute("aria-describedby")
    assert page.is_enabled("#rt-run") and page.is_disabled("#rt-cancel")
    assert page.locator("#rt-table").is_hidden()
    watch.check(page)


def test_start_runs_to_the_end_and_shows_the_suggestions(context, site_url):
    page, watch = open_page(context, link(site_url, EXACT))
    page.click("#rt-run")
    finished(page)
    test = run_in_cpython(EXACT)
    assert page.inner_text("#rt-status") == test.stopped
    rows = rangetest.suggestions(test)["rows"]
    shown = page.locator("#rt-rows tr")
    assert shown.count() == len(rows)
    for i, row in enumerate(rows):
        cells = shown.nth(i).locator("th, td").all_inner_texts()
        assert cells == [row["label"], row["lr_text"], row["index_text"], row["why"]]
    assert page.evaluate("document.getElementById('rt-progress').value") == 1
    assert page.locator("#rt-chart canvas").count() >= 1
    assert page.is_enabled("#rt-run") and page.is_disabled("#rt-cancel")
    href = page.get_attribute("#rt-analyze", "href")
    assert href == "../lr-finder/#" + rangetest.analyzer_fragment(test)
    watch.check(page)


def test_the_default_run_stops_on_divergence(context, site_url):
    page, watch = open_page(context, site_url + "range-test/")
    page.click("#rt-run")
    finished(page)
    assert page.inner_text("#rt-status").startswith("Stopped at iteration ")
    assert "passed 4 times the best loss" in page.inner_text("#rt-status")
    watch.check(page)


def test_cancel_stops_the_run_and_the_page_stays_usable(context, site_url):
    page, watch = open_page(context, link(site_url, LONG))
    page.click("#rt-run")
    running(page)
    assert page.is_disabled("#rt-run") and page.is_enabled("#rt-cancel")
    page.wait_for_selector("#rt-chart canvas", timeout=15000)  # drawn while it grows
    assert 0 < page.evaluate("document.getElementById('rt-progress').value") < 1
    # While it grows, the x axis already spans the whole planned sweep.
    planned = sorted(range_test(LONG).planned)
    low, high = page.evaluate(
        "window.lrChart.xScale(document.getElementById('rt-chart'))")
    assert low <= planned[0] and high >= planned[-1]
    assert page.inner_text("#rt-status") == "Running…"
    page.click("#rt-cancel")
    page.wait_for_function(
        "document.getElementById('rt-status').textContent.startsWith('Cancelled after')",
        timeout=30000)
    assert page.inner_text("#rt-status").endswith(" of 5,000 iterations.")
    assert page.locator("#rt-table").is_hidden()
    assert page.is_enabled("#rt-run") and page.is_disabled("#rt-cancel")
    page.fill("#rt-iterations", "60")
    page.fill("#rt-size", "512")
    page.fill("#rt-batch", "32")
    page.click("#rt-run")
    finished(page)
    assert page.inner_text("#rt-status") == "Completed all 60 iterations without diverging."
    watch.check(page)


def test_typing_is_handled_while_a_run_goes_on(context, site_url):
    page, watch = open_page(context, link(site_url, LONG))
    page.click("#rt-run")
    running(page)
    page.fill("#rt-noise", "abc")
    page.wait_for_selector("#rt-noise-error:not([hidden])", timeout=15000)
    assert page.inner_text("#rt-status") == "Running…"  # still running
    assert page.is_enabled("#rt-cancel")
    assert "noise=abc" in unquote(page.evaluate("location.hash"))
    page.click("#rt-cancel")
    page.wait_for_function(
        "document.getElementById('rt-status').textContent.startsWith('Cancelled')",
        timeout=30000)
    assert page.is_disabled("#rt-run")  # the noise is still invalid
    watch.check(page)


def test_bad_inputs_show_their_message_and_keep_the_text(context, site_url):
    page, watch = open_page(context, site_url + "range-test/")
    for key, text in (("hidden", "0"), ("size", "5"), ("noise", "0,5"), ("start", "-1"),
                      ("end", "1e-6"), ("iterations", "9999"), ("diverge", "1"),
                      ("batch", "100000")):
        raw = rangetest.defaults()
        raw[key] = text
        expected = rangetest.read(raw)[1][key]
        page.fill("#rt-" + key, text)
        page.wait_for_selector("#rt-%s-error:not([hidden])" % key)
        assert page.inner_text("#rt-%s-error" % key) == expected
        assert page.get_attribute("#rt-" + key, "aria-invalid") == "true"
        assert page.input_value("#rt-" + key) == text
        assert page.is_disabled("#rt-run")
        page.fill("#rt-" + key, rangetest.defaults()[key])
        page.wait_for_selector("#rt-%s-error" % key, state="hidden")
        assert page.is_enabled("#rt-run")
    watch.check(page)


def test_a_linear_fastai_sweep_is_refused(context, site_url):
    page, watch = open_page(context, site_url + "range-test/")
    page.select_option("#rt-mode", "linear")
    page.wait_for_selector("#rt-mode-error:not([hidden])")
    assert "fastai" in page.inner_text("#rt-mode-error").lower()
    page.select_option("#rt-tool", "torch_lr_finder")
    page.wait_for_selector("#rt-mode-error", state="hidden")
    assert page.input_value("#rt-smoothing") == "torch_lr_finder"
    assert page.input_value("#rt-diverge") == "5"
    watch.check(page)


def test_changing_an_input_after_a_run_marks_the_results_stale(context, site_url):
    page, watch = open_page(context, link(site_url, EXACT))
    page.click("#rt-run")
    finished(page)
    page.fill("#rt-seed", "2")
    page.wait_for_selector("#rt-stale-note:not([hidden])")
    assert "lrx-stale" in page.get_attribute("#rt-results", "class")
    page.click("#rt-run")
    page.wait_for_selector("#rt-stale-note", state="hidden")
    watch.check(page)


def test_a_link_restores_the_inputs_and_reports_what_it_could_not_use(context, site_url):
    url = link(site_url, {"optimizer": "adam", "start": "1e-5"}) + "&end=%ZZ"
    page, watch = open_page(context, url)
    assert page.input_value("#rt-optimizer") == "adam"
    assert page.input_value("#rt-start") == "1e-5"
    assert page.input_value("#rt-end") == rangetest.defaults()["end"]
    assert "end was not used" in page.inner_text("#rt-link-notice")
    watch.check(page)


def test_enter_in_a_field_starts_the_run(context, site_url):
    page, watch = open_page(context, link(site_url, EXACT))
    page.press("#rt-seed", "Enter")
    finished(page)
    watch.check(page)


def test_the_analyzer_link_opens_the_log_there(context, site_url):
    page, watch = open_page(context, link(site_url, EXACT))
    page.click("#rt-run")
    finished(page)
    test = run_in_cpython(EXACT)
    page.click("#rt-analyze")
    page.wait_for_url("**/lr-finder/**")
    page.wait_for_function("performance.getEntriesByName('lr:ready').length > 0",
                           timeout=30000)
    summary = page.inner_text("#lrf-summary")
    assert summary.startswith("Read %d points" % len(test.losses))
    assert "taken as the tools recorded them" in summary
    watch.check(page)
