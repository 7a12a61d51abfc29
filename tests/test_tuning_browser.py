"""The tuning tools page in a real Chromium: the three calculators show what pycore.tuning
computes, every bad input gets its message, links restore the page, and nothing fails
(foreign requests, console errors, .py-error: conftest's Watch)."""
from urllib.parse import unquote

import pytest

from conftest import open_page
from pycore import tuning


def updated(page, count):
    page.wait_for_function(
        "performance.getEntriesByName('lr:updated').length >= %d" % count, timeout=30000)


def expected(section, **changes):
    raw = tuning.defaults()
    raw.update(changes)
    values, errors = tuning.read(section, raw)
    assert errors == {}
    return tuning.compute(section, values)


def summary(page, section):
    """The summary list as (label, text) pairs."""
    terms = page.locator("#tun-%s-summary dt" % section).all_inner_texts()
    texts = page.locator("#tun-%s-summary dd" % section).all_inner_texts()
    return list(zip(terms, texts))


def table_rows(page, section):
    rows = page.locator("#tun-%s-table tbody tr" % section)
    return [rows.nth(i).locator("td").all_text_contents() for i in range(rows.count())]


def code(page, section):
    return page.text_content("#tun-%s-code" % section)


@pytest.fixture
def tuning_page(context, site_url):
    page, watch = open_page(context, site_url + "tuning/")
    yield page
    watch.check(page)


def test_each_section_shows_pycores_defaults(tuning_page):
    page = tuning_page
    for section in ("plan", "batch", "layers"):
        r = expected(section)
        assert summary(page, section) == [tuple(p) for p in r["summary"]]
        assert table_rows(page, section) == r["rows"]
        assert code(page, section) == r["code"]
        assert page.locator("#tun-%s-chart canvas" % section).count() >= 1
    assert page.evaluate("location.hash") == ""


def test_every_input_is_labelled_and_described(tuning_page):
    page = tuning_page
    for f in tuning.ALL_FIELDS:
        fid = "tun-" + f.key
        assert page.locator("label[for=%s]" % fid).inner_text() == f.label
        assert page.get_attribute("#" + fid, "aria-describedby") == "%s-help %s-error" % (
            fid, fid)


def test_typing_updates_only_that_section_and_the_link(tuning_page):
    page = tuning_page
    page.fill("#tun-batch-accum", "8")
    updated(page, 1)
    r = expected("batch", **{"batch-accum": "8"})
    assert summary(page, "batch") == [tuple(p) for p in r["summary"]]
    assert "8,192" in page.inner_text("#tun-batch-notes li.lrx-warning")
    assert unquote(page.evaluate("location.hash")) == "#batch-accum=8"


def test_switching_mode_shows_that_modes_inputs(tuning_page):
    page = tuning_page
    assert page.locator("#tun-plan-seed").is_hidden()
    page.select_option("#tun-plan-mode", "random")
    updated(page, 1)
    assert page.locator("#tun-plan-seed").is_visible()
    assert page.locator("#tun-plan-best").is_hidden()
    page.fill("#tun-plan-seed", "42")
    updated(page, 2)
    r = expected("plan", **{"plan-mode": "random", "plan-seed": "42"})
    assert table_rows(page, "plan") == r["rows"]
    assert code(page, "plan") == r["code"]


def test_layer_rule_switch_gives_ulmfit_table(tuning_page):
    page = tuning_page
    page.select_option("#tun-layers-mode", "ulmfit")
    updated(page, 1)
    assert page.locator("#tun-layers-decay").is_hidden()
    r = expected("layers", **{"layers-mode": "ulmfit"})
    assert table_rows(page, "layers") == r["rows"]
    assert "lr / factor ** e" in code(page, "layers")


@pytest.mark.parametrize("key,text,message", [
    ("plan-low", "abc", "Enter a number like 0.01 or 1e-3"),
    ("plan-high", "1e-8", "Must be at least ten times the lowest rate, 1e-07"),
    ("plan-best", "10", "Must be between the lowest rate, 1e-07, and a tenth of the highest, 0.1"),
    ("plan-points", "2.5", "Must be a whole number"),
    ("batch-ref", "0", "Must be 1 or more"),
    ("batch-devices", "1,5", "Use a dot for decimals"),
    ("batch-accum", "5000", "Must be at most 4,096"),
    ("batch-warmup", "", "Enter a number"),
    ("layers-decay", "0", "Must be greater than 0"),
    ("layers-blocks", "201", "Must be at most 200"),
])
def test_bad_input_shows_its_message_keeps_the_text_and_marks_results_stale(
        tuning_page, key, text, message):
    page = tuning_page
    section = key.split("-")[0]
    before = table_rows(page, section)
    page.fill("#tun-" + key, text)
    page.wait_for_selector("#tun-%s-error:not([hidden])" % key)
    assert page.inner_text("#tun-%s-error" % key).startswith(message)
    assert page.get_attribute("#tun-" + key, "aria-invalid") == "true"
    assert page.input_value("#tun-" + key) == text
    assert "lrx-stale" in page.get_attribute("#tun-%s-results" % section, "class")
    assert page.locator("#tun-%s-stale" % section).is_visible()
    assert table_rows(page, section) == before


def test_fixing_the_input_clears_the_message(tuning_page):
    page = tuning_page
    page.fill("#tun-layers-decay", "2")
    page.wait_for_selector("#tun-layers-decay-error:not([hidden])")
    page.fill("#tun-layers-decay", "0.65")
    page.wait_for_selector("#tun-layers-decay-error", state="hidden")
    assert "lrx-stale" not in page.get_attribute("#tun-layers-results", "class")
    assert page.get_attribute("#tun-layers-decay", "aria-invalid") is None
    assert table_rows(page, "layers") == expected("layers", **{"layers-decay": "0.65"})["rows"]


def test_shared_link_reopens_the_page_as_it_was(context, site_url):
    raw = tuning.defaults()
    raw.update({"plan-mode": "random", "plan-samples": "7", "batch-optimizer": "adam",
                "batch-rule": "sqrt", "layers-blocks": "24", "layers-decay": "0.9"})
    page, watch = open_page(context, site_url + "tuning/#" + tuning.fragment_of(raw))
    assert page.input_value("#tun-plan-samples") == "7"
    assert page.input_value("#tun-batch-rule") == "sqrt"
    assert len(table_rows(page, "plan")) == 7
    assert summary(page, "batch") == [tuple(p) for p in expected("batch", **{
        "batch-optimizer": "adam", "batch-rule": "sqrt"})["summary"]]
    assert "beta1" in page.inner_text("#tun-batch-notes")
    assert table_rows(page, "layers") == expected("layers", **{
        "layers-blocks": "24", "layers-decay": "0.9"})["rows"]
    assert page.locator("#tun-link-notice").is_hidden()
    watch.check(page)


def test_link_with_bad_parts_says_so_and_shows_the_field_message(context, site_url):
    page, watch = open_page(context, site_url + "tuning/#nope=1&batch-ref=abc")
    assert page.locator("#tun-link-notice").is_visible()
    assert '"nope"' in page.inner_text("#tun-link-notice")
    assert page.input_value("#tun-batch-ref") == "abc"
    assert page.locator("#tun-batch-ref-error").is_visible()
    watch.check(page)


def test_copy_buttons_put_the_code_on_the_clipboard(tuning_page):
    page = tuning_page
    for section in ("plan", "batch", "layers"):
        page.click("[data-copy=%s]" % section)
        page.wait_for_function(
            "document.getElementById('tun-%s-status').textContent.length > 0" % section)
        assert page.evaluate("navigator.clipboard.readText()") == expected(section)["code"]


def test_keyboard_reaches_every_input_and_enter_does_not_reload(tuning_page):
    page = tuning_page
    page.focus("#tun-plan-low")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "tun-plan-high"
    page.keyboard.press("End")
    page.keyboard.type("0")
    updated(page, 1)
    page.keyboard.press("Enter")
    assert page.evaluate("performance.getEntriesByName('lr:ready').length") == 1
    assert unquote(page.evaluate("location.hash")) == "#plan-high=10"
