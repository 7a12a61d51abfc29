"""The LR finder analyzer in a real Chromium: every number on the page is pycore's
(analyzer.view, run here under CPython, gives the expected text), bad logs get their
message beside the field, and conftest's Watch catches foreign requests, console errors and
.py-error."""
import json
import math

import pytest

from conftest import open_page
from pycore import analyzer, lrfinder
from pycore.links import quote, unquote

LOG_ERROR = "#lrf-log-error"


def updated(page, count):
    """Wait for the count-th re-render."""
    page.wait_for_function(
        "performance.getEntriesByName('lr:updated').length >= %d" % count, timeout=30000)


def expected(log, **changes):
    """pycore's view of a state (CPython), for comparing with the page."""
    state = analyzer.default_state()
    state["log"] = log
    state.update(changes)
    return analyzer.view(state)


def table(page):
    """The suggestions table as [method, lr text, point, reason] rows."""
    return page.eval_on_selector_all("#lrf-rows tr", """rows => rows.map(r => [
        r.getAttribute('data-method'), r.children[1].textContent, r.children[2].textContent,
        r.children[3].textContent])""")


def expected_table(view):
    return [[r["method"], r["lr_text"], r["index_text"], r["reason"]] for r in view["table"]]


def paste(page, text, count):
    """Replace the log text and wait for the count-th re-render."""
    page.fill("#lrf-log", text)
    updated(page, count)


def spec_in(url):
    """The spec a link to the explorer carries (key order and float text may differ
    between the runtimes' json.dumps, the spec may not)."""
    fragment = url.split("#", 1)[1]
    for part in fragment.split("&"):
        key, _, value = part.partition("=")
        if key == "spec":
            return json.loads(unquote(value))
    return None


def curve_log(n=60, header="lr,loss"):
    """A small falling-then-rising log as CSV text."""
    lrs = lrfinder.lr_ladder(1e-6, 1.0, n, "exponential", "torch_lr_finder")
    losses = [2.0 - 1.5 / (1 + math.exp(-(math.log10(x) + 3) * 2)) + math.exp(
        (math.log10(x) + 0.5) * 3) for x in lrs]
    text = analyzer.log_text(lrs, losses)
    return text.replace("lr,loss", header, 1), lrs, losses


def test_empty_page_asks_for_a_log(context, site_url):
    page, watch = open_page(context, site_url + "lr-finder/")
    assert "Paste a log" in page.inner_text("#lrf-summary")
    assert page.locator("#lrf-table").is_hidden()
    assert page.locator("#lrf-chart").is_hidden()  # no empty chart frame
    assert page.locator(LOG_ERROR).is_hidden()
    page.click("#lrf-example")
    updated(page, 1)
    assert page.locator("#lrf-chart").is_visible()
    page.fill("#lrf-log", "")
    updated(page, 2)
    assert page.locator("#lrf-chart").is_hidden() and page.locator("#lrf-table").is_hidden()
    watch.check(page)


def test_example_log_shows_every_suggestion_range_and_chart(context, site_url):
    page, watch = open_page(context, site_url + "lr-finder/")
    page.click("#lrf-example")
    updated(page, 1)
    view = expected(analyzer.example_log(), input="raw")
    assert table(page) == expected_table(view)
    assert len(view["table"]) == len(lrfinder.METHODS)
    assert page.inner_text("#lrf-summary") == view["summary"]
    shown = page.eval_on_selector_all("#lrf-range dt, #lrf-range dd",
                                      "n => n.map(x => x.textContent)")
    assert shown == [text for row in view["range_rows"] for text in row]
    assert page.locator("#lrf-chart canvas").count() >= 1
    assert page.locator("#lrf-legend li").count() == 4
    assert page.is_checked("#lrf-input-raw")
    assert "log=" in page.evaluate("location.hash")
    watch.check(page)


@pytest.mark.parametrize("wrap, name", [
    (lambda lrs, losses: {"lrs": lrs, "losses": losses}, "fastai Recorder"),
    (lambda lrs, losses: {"history": {"lr": lrs, "loss": losses}}, "torch-lr-finder history"),
    (lambda lrs, losses: {"results": {"lr": lrs, "loss": losses}}, "Lightning results"),
    (lambda lrs, losses: {"lr": lrs, "loss": losses}, "torch-lr-finder history / Lightning"),
    (lambda lrs, losses: [[a, b] for a, b in zip(lrs, losses)], "[lr, loss] pairs"),
])
def test_json_exports_are_detected_and_named(context, site_url, wrap, name):
    page, watch = open_page(context, site_url + "lr-finder/")
    _, lrs, losses = curve_log()
    text = json.dumps(wrap(lrs, losses))
    paste(page, text, 1)
    assert name in page.inner_text("#lrf-summary")
    assert table(page) == expected_table(expected(text))
    assert page.locator("#lrf-columns").is_hidden()
    watch.check(page)


def test_nan_in_a_json_log_is_read_and_handled_per_tool(context, site_url):
    page, watch = open_page(context, site_url + "lr-finder/")
    _, lrs, losses = curve_log()
    losses[30] = float("nan")
    text = json.dumps({"lr": lrs, "loss": losses})
    assert "NaN" in text
    paste(page, text, 1)
    assert table(page) == expected_table(expected(text))
    watch.check(page)


@pytest.mark.parametrize("log, words", [
    ('{"lr": [0.001, 0.01, 0.1], "loss": [2.0, 1.0]}',
     '"lr" has 3 entries but "loss" has 2'),
    ("lr,loss\n0.001,2\n0.01,1.5\n0.005,1.2\n0.1,3\n",
     "Line 4: the LR 0.005 is not above the one before it (0.01, line 3)"),
    ("lr,loss\n0.001,2\n0.01,1.5\n", "The log has 2 points; a range test log needs at least 3"),
    ("lr,loss\n0.001,nan\n0.01,nan\n0.1,nan\n", "Every loss is NaN or infinite"),
    ("lr,loss\n0.001,2\n-0.01,1.5\n0.1,3\n",
     "Line 3: the LR -0.01 is not a positive number"),
    ("lr,loss\n0.001,2\n0.01,abc\n0.1,3\n", "Line 3, column 2 (loss): 'abc' is not a number"),
    ("lr,loss\n0.001,2\n0.01,1.5,7\n0.1,3\n", "Line 3 has 3 cells but line 1 has 2"),
    ("{not json", "not valid JSON"),
])
def test_bad_log_gets_its_message_beside_the_field(context, site_url, log, words):
    page, watch = open_page(context, site_url + "lr-finder/")
    good, _, _ = curve_log()
    paste(page, good, 1)
    before = table(page)
    paste(page, log, 2)
    message = page.inner_text(LOG_ERROR)
    assert words in message
    assert message == expected(log)["errors"]["log"]
    assert page.get_attribute("#lrf-log", "aria-invalid") == "true"
    assert page.input_value("#lrf-log") == log
    assert "lrx-stale" in page.get_attribute("#lrf-results", "class")
    assert page.locator("#lrf-stale").is_visible()
    assert table(page) == before
    watch.check(page)


def test_column_choice_picks_the_loss_column(context, site_url):
    page, watch = open_page(context, site_url + "lr-finder/")
    lrs = lrfinder.lr_ladder(1e-6, 1.0, 50, "exponential", "torch_lr_finder")
    lines = ["step,learning_rate,raw,smoothed"]
    for i, lr in enumerate(lrs):
        lines.append("%d,%r,%r,%r" % (i, lr, 3.0 - 0.02 * i + 0.001 * (i % 7) ** 2,
                                      3.0 - 0.03 * i + 0.0005 * i * (i > 35) ** 2))
    text = "\n".join(lines) + "\n"
    paste(page, text, 1)
    assert "LR from column 2 (learning_rate)" in page.inner_text("#lrf-summary")
    assert page.locator("#lrf-columns").is_visible()
    options = page.eval_on_selector_all("#lrf-loss-column option", "o => o.map(x => x.value)")
    assert options == ["", "step", "learning_rate", "raw", "smoothed"]
    page.select_option("#lrf-loss-column", "smoothed")
    updated(page, 2)
    assert "loss from column 4 (smoothed)" in page.inner_text("#lrf-summary")
    assert table(page) == expected_table(expected(text, loss_column="smoothed"))
    assert "loss_column=smoothed" in page.evaluate("location.hash")
    page.select_option("#lrf-loss-column", "learning_rate")
    updated(page, 3)
    assert "other than the LR column" in page.inner_text("#lrf-loss-column-error")
    watch.check(page)


def test_raw_choice_and_lightning_spacing_change_the_results(context, site_url):
    page, watch = open_page(context, site_url + "lr-finder/")
    text, _, _ = curve_log(80)
    paste(page, text, 1)
    page.check("#lrf-input-raw")
    updated(page, 2)
    assert table(page) == expected_table(expected(text, input="raw"))
    page.select_option("#lrf-spacing", "index")
    updated(page, 3)
    assert table(page) == expected_table(expected(text, input="raw", spacing="index"))
    watch.check(page)


def test_uploaded_file_is_read(context, site_url, tmp_path):
    page, watch = open_page(context, site_url + "lr-finder/")
    text, _, _ = curve_log(40, "lr\tloss")
    path = tmp_path / "finder.tsv"
    path.write_text(text.replace(",", "\t"))
    page.set_input_files("#lrf-file", str(path))
    updated(page, 1)
    assert page.input_value("#lrf-log").startswith("lr\tloss")
    assert "TSV" in page.inner_text("#lrf-summary")
    watch.check(page)


def test_link_from_the_live_range_test_reopens_the_log(context, site_url):
    _, lrs, losses = curve_log(70)
    fragment = analyzer.fragment_for_log(lrs, losses, raw=True)
    page, watch = open_page(context, site_url + "lr-finder/#" + fragment)
    assert page.is_checked("#lrf-input-raw")
    assert table(page) == expected_table(expected(analyzer.log_text(lrs, losses), input="raw"))
    watch.check(page)


def test_link_with_a_bad_choice_says_what_was_not_used(context, site_url):
    text, _, _ = curve_log()
    page, watch = open_page(context, site_url + "lr-finder/#input=cooked&log=" + quote(text))
    assert "input was not used" in page.inner_text("#lrf-summary")
    assert page.is_checked("#lrf-input-smoothed")
    watch.check(page)


@pytest.mark.parametrize("button, name", [("#lrf-open-onecycle", "OneCycleLR"),
                                          ("#lrf-open-cyclic", "CyclicLR")])
def test_open_in_explorer_presets_the_range(context, site_url, button, name):
    page, watch = open_page(context, site_url + "lr-finder/")
    text, lrs, _ = curve_log()
    paste(page, text, 1)
    view = expected(text)
    page.click(button)
    page.wait_for_url("**/explorer/**")
    page.wait_for_function("performance.getEntriesByName('lr:ready').length > 0",
                           timeout=30000)
    assert page.input_value("#lrx-name") == name
    top = analyzer.recommended_range(lrs, analyzer.read_log(text)["losses"])["max_lr"]
    assert spec_in(page.url) == spec_in(view["links"][name])
    max_lr = page.locator("#lrx-params input").evaluate_all(
        "(nodes) => nodes.map(n => [n.id, n.value])")
    assert [repr(top)] == [v for k, v in max_lr if k.endswith("max_lr")]
    watch.check(page)


def test_every_control_is_labelled_and_keyboard_reachable(context, site_url):
    page, watch = open_page(context, site_url + "lr-finder/")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        '#lrf input, #lrf select, #lrf textarea')].filter(n => !n.labels || !n.labels.length)
        .map(n => n.id)""")
    assert unlabelled == []
    page.focus("#lrf-log")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "lrf-file"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "lrf-example"
    page.keyboard.press("Enter")
    updated(page, 1)
    assert page.locator("#lrf-table").is_visible()
    watch.check(page)
