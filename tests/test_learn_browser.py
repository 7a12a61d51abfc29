"""The Learn pages' live figures in a real browser: each responds to its controls, shows
pycore's numbers and sentences, keeps the last good picture when an input is bad, and
animates only when motion is welcome."""
import json

import pytest

from conftest import open_page
from pycore import explorer, lessons, optim

UPDATES = "performance.getEntriesByName('lr:updated').length"


def _updates(page):
    return page.evaluate(UPDATES)


def _wait_update(page, before):
    page.wait_for_function("%s > %d" % (UPDATES, before), timeout=30000)


def _set(page, selector, value):
    """Set a control's value as a user would and wait for the page to redraw."""
    before = _updates(page)
    page.eval_on_selector(selector, "(e, v) => { e.value = v; e.dispatchEvent("
                                    "new Event('input', {bubbles: true})); }", value)
    _wait_update(page, before)


@pytest.fixture
def calm(browser):
    """A context whose reader prefers reduced motion: figures draw at once."""
    ctx = browser.new_context(viewport={"width": 1200, "height": 900}, reduced_motion="reduce",
                              service_workers="block")
    yield ctx
    ctx.close()


# --- what the learning rate does ------------------------------------------------------------


@pytest.mark.parametrize("key", optim.DESCENT_PROBLEMS)
def test_descent_diverges_above_the_mark_and_converges_below(calm, site_url, key):
    page, watch = open_page(calm, site_url + "learn/what-lr-does/")
    _set(page, "#gd-problem", key)
    prob = optim.problem(key)
    limit = optim.threshold(prob)
    below = optim.slider_position(limit) - 3
    above = optim.slider_position(limit) + 3
    _set(page, "#gd-lr", str(below))
    view = optim.descent_view(key, below)
    assert not view["diverges"]
    assert page.inner_text("#gd-outcome") == view["outcome"]
    assert page.inner_text("#gd-lr-text") == view["lr_text"]
    assert page.inner_text("#gd-mark-text") == "Mark: " + optim.threshold_text(prob)
    _set(page, "#gd-lr", str(above))
    assert page.inner_text("#gd-outcome").startswith("Diverg")
    assert "learn-diverges" in page.get_attribute("#gd", "class")
    watch.check(page)


def test_the_mark_sits_at_two_over_l_on_the_slider(calm, site_url):
    page, watch = open_page(calm, site_url + "learn/what-lr-does/")
    _set(page, "#gd-problem", "quadratic1d")
    at = page.eval_on_selector("#gd-mark", "e => e.style.getPropertyValue('--at')")
    expected = 100.0 * optim.slider_fraction(optim.threshold(optim.problem("quadratic1d")))
    assert float(at.rstrip("%")) == pytest.approx(expected, abs=1e-3)
    slider = page.locator("#gd-lr")
    assert slider.get_attribute("max") == str(optim.slider_positions())
    watch.check(page)


def test_descent_path_animates_over_frames(context, site_url):
    """With motion allowed, the path is revealed a few steps per frame, and the page
    answers input while it does."""
    page, watch = open_page(context, site_url + "learn/what-lr-does/")
    page.evaluate("""() => {
        window.__reveals = [];
        const reveal = window.lrFigures.reveal;
        window.lrFigures.reveal = (c, k) => { window.__reveals.push(k); reveal(c, k); };
    }""")
    _set(page, "#gd-lr", str(optim.slider_position(0.05)))
    reveals = page.evaluate("window.__reveals")
    assert reveals[0] == 0 and reveals[-1] == optim.DESCENT_STEPS
    assert len(reveals) > optim.DESCENT_STEPS // 4
    watch.check(page)


def test_regimes_figure_draws_four_rates_and_keeps_them_on_bad_noise(calm, site_url):
    page, watch = open_page(calm, site_url + "learn/what-lr-does/")
    legend = page.locator("#rg-legend li").all_inner_texts()
    assert legend == [label for label, _ in optim.regimes_view("1")["legend"]]
    _set(page, "#rg-noise", "abc")
    assert page.locator("#rg-noise-error").is_visible()
    assert "lrx-stale" in page.get_attribute("#rg-results", "class")
    assert page.locator("#rg-legend li").count() == 4
    _set(page, "#rg-noise", "0")
    assert not page.locator("#rg-noise-error").is_visible()
    assert "lrx-stale" not in page.get_attribute("#rg-results", "class")
    watch.check(page)


def test_what_lr_does_keeps_its_controls_in_the_link(calm, site_url):
    page, watch = open_page(calm, site_url + "learn/what-lr-does/#section")
    assert page.evaluate("location.hash") == "#section"  # a heading anchor is kept
    position = optim.slider_position(0.5)
    _set(page, "#gd-problem", "quadratic1d")
    _set(page, "#gd-lr", str(position))
    _set(page, "#rg-noise", "2.5")
    fragment = optim.lesson_fragment_of("quadratic1d", position, "2.5")
    assert page.evaluate("location.hash") == "#" + fragment
    outcome = page.inner_text("#gd-outcome")
    assert outcome == optim.descent_view("quadratic1d", position)["outcome"]
    legend = page.locator("#rg-legend li").all_inner_texts()
    page.close()
    page, watch = open_page(calm, site_url + "learn/what-lr-does/#" + fragment)
    assert page.input_value("#gd-problem") == "quadratic1d"
    assert page.input_value("#gd-lr") == str(position)
    assert page.input_value("#rg-noise") == "2.5"
    assert page.inner_text("#gd-outcome") == outcome
    assert page.locator("#rg-legend li").all_inner_texts() == legend
    page.close()
    # Noise from a link is checked like typed text: named beside its field.
    page, watch = open_page(calm, site_url + "learn/what-lr-does/#problem=x&lr=1e9&noise=-1")
    assert page.input_value("#gd-problem") == "quadratic2d"
    assert page.input_value("#gd-lr") == str(optim.slider_position(optim.DESCENT_START_LR))
    assert page.input_value("#rg-noise") == "-1"
    assert page.locator("#rg-noise-error").is_visible()
    watch.check(page)


# --- adaptive optimizers ------------------------------------------------------------------


def _outcomes(page):
    return dict((k, page.inner_text("#op-outcome-" + k)) for k in optim.OPTIMIZER_KEYS)


def _race(key, texts=None, shown=optim.OPTIMIZER_KEYS, factors=None, axis="0"):
    view, errors = optim.race_view(key, texts or optim.default_lr_texts(key), set(shown),
                                   factors, axis)
    assert errors == {}
    return view


def test_optimizers_show_pycore_results_and_reset_rates_per_problem(calm, site_url):
    page, watch = open_page(calm, site_url + "learn/optimizers/")
    assert _outcomes(page) == _race("quadratic2d")["outcomes"]
    _set(page, "#op-problem", "rosenbrock")
    texts = optim.default_lr_texts("rosenbrock")
    assert dict((k, page.input_value("#op-lr-" + k)) for k in optim.OPTIMIZER_KEYS) == texts
    assert _outcomes(page) == _race("rosenbrock")["outcomes"]
    watch.check(page)


def test_optimizers_respond_to_each_rate_and_to_hiding(calm, site_url):
    page, watch = open_page(calm, site_url + "learn/optimizers/")
    _set(page, "#op-lr-sgd", "0.25")
    assert page.inner_text("#op-outcome-sgd").startswith("Diverged")
    _set(page, "#op-lr-sgd", "0.15")
    assert page.inner_text("#op-outcome-sgd").startswith("Converged")
    before = _updates(page)
    page.click("#op-show-adam")
    _wait_update(page, before)
    assert page.inner_text("#op-outcome-adam") == "Hidden."
    shown = [k for k in optim.OPTIMIZER_KEYS if k != "adam"]
    assert _outcomes(page) == _race("quadratic2d", shown=shown)["outcomes"]
    _set(page, "#op-axis", "1")
    watch.check(page)


def test_a_bad_rate_is_named_and_the_last_figure_kept_stale(calm, site_url):
    page, watch = open_page(calm, site_url + "learn/optimizers/")
    good = _outcomes(page)
    _set(page, "#op-lr-momentum", "-1")
    assert page.locator("#op-lr-momentum-error").is_visible()
    assert page.get_attribute("#op-lr-momentum", "aria-invalid") == "true"
    assert "lrx-stale" in page.get_attribute("#op-results", "class")
    assert _outcomes(page) == good
    assert page.input_value("#op-lr-momentum") == "-1"
    assert page.input_value("#op-lr-sgd") == optim.default_lr_texts("quadratic2d")["sgd"]
    _set(page, "#op-lr-momentum", "0.02")
    assert "lrx-stale" not in page.get_attribute("#op-results", "class")
    assert not page.locator("#op-lr-momentum-error").is_visible()
    watch.check(page)


def test_optimizers_keep_their_controls_in_the_link(calm, site_url):
    page, watch = open_page(calm, site_url + "learn/optimizers/")
    _set(page, "#op-problem", "saddle")
    _set(page, "#op-lr-adam", "0.05")
    before = _updates(page)
    page.click("#op-show-sgd")
    _wait_update(page, before)
    _set(page, "#op-axis", "1")
    texts = dict(optim.default_lr_texts("saddle"), adam="0.05")
    shown = set(optim.OPTIMIZER_KEYS) - {"sgd"}
    fragment = optim.race_fragment_of("saddle", texts, shown, "1", "none")
    assert page.evaluate("location.hash") == "#" + fragment
    outcomes = _outcomes(page)
    assert outcomes == _race("saddle", texts, shown, axis="1")["outcomes"]
    page.close()
    page, watch = open_page(calm, site_url + "learn/optimizers/#" + fragment)
    assert page.input_value("#op-problem") == "saddle"
    assert page.input_value("#op-axis") == "1"
    assert page.input_value("#op-lr-adam") == "0.05"
    assert not page.is_checked("#op-show-sgd") and page.is_checked("#op-show-adam")
    assert _outcomes(page) == outcomes
    page.close()
    # A rate from a link is checked like typed text: named beside its field.
    page, watch = open_page(calm, site_url + "learn/optimizers/#adam=1%2C5&problem=x")
    assert page.input_value("#op-problem") == optim.FIGURE_PROBLEMS[0]
    assert page.input_value("#op-lr-adam") == "1,5"
    assert page.locator("#op-lr-adam-error").is_visible()
    watch.check(page)


def test_the_explorer_schedule_is_applied(calm, site_url):
    page, watch = open_page(calm, site_url + "learn/optimizers/")
    _set(page, "#op-schedule", "explorer")
    _, missing = lessons.schedule_view(None)
    assert page.inner_text("#op-schedule-help") == missing
    assert _outcomes(page) == _race("quadratic2d")["outcomes"]
    saved = json.dumps(explorer.default_state())
    page.evaluate("(s) => localStorage.setItem('lr-explorer-state-v1', s)", saved)
    _set(page, "#op-schedule", "none")
    _set(page, "#op-schedule", "explorer")
    factors, sentence = lessons.schedule_view(saved)
    assert page.inner_text("#op-schedule-help") == sentence
    assert _outcomes(page) == _race("quadratic2d", factors=factors)["outcomes"]
    watch.check(page)


# --- hypergradient descent ------------------------------------------------------------------


def _hd_notes(page):
    return dict((key, page.inner_text("#hd-legend li[data-run=%s] .learn-note" % key))
                for key, _, _ in optim.HD_RUNS)


def test_hypergradient_runs_adapt_from_a_poor_start(calm, site_url):
    page, watch = open_page(calm, site_url + "learn/hypergradients/")
    view, _ = optim.hypergradient_view(optim.HD_DEFAULTS)
    assert _hd_notes(page) == view["outcomes"]
    assert page.inner_text("#hd-legend li[data-run=sgd_hd] .learn-note").startswith(
        "Converged")
    assert page.inner_text("#hd-legend li[data-run=sgd] .learn-note").startswith(
        "Still descending")
    watch.check(page)


def test_hypergradient_figure_responds_and_keeps_its_link(calm, site_url):
    page, watch = open_page(calm, site_url + "learn/hypergradients/")
    _set(page, "#hd-beta_sgd", "1e-3")
    assert page.inner_text("#hd-legend li[data-run=sgd_hd] .learn-note").startswith(
        "Diverged")
    _set(page, "#hd-lr", "0.25")
    raw = dict(optim.HD_DEFAULTS, beta_sgd="1e-3", lr="0.25")
    assert page.evaluate("location.hash") == "#" + optim.hd_fragment_of(raw)
    view, _ = optim.hypergradient_view(raw)
    assert _hd_notes(page) == view["outcomes"]
    _set(page, "#hd-beta_adam", "2")
    assert page.locator("#hd-beta_adam-error").is_visible()
    assert "lrx-stale" in page.get_attribute("#hd-results", "class")
    assert _hd_notes(page) == view["outcomes"]
    watch.check(page)


def test_hypergradient_link_opens_its_settings(calm, site_url):
    page, watch = open_page(calm, site_url + "learn/hypergradients/#section")
    assert page.evaluate("location.hash") == "#section"  # a heading anchor is kept
    page.close()
    raw = dict(optim.HD_DEFAULTS, problem="saddle", lr="0.01")
    page, watch = open_page(calm, site_url + "learn/hypergradients/#" +
                            optim.hd_fragment_of(raw) + "&problem=x")
    assert page.input_value("#hd-problem") == "quadratic2d"
    page.close()
    page, watch = open_page(calm, site_url + "learn/hypergradients/#" +
                            optim.hd_fragment_of(raw))
    assert page.input_value("#hd-problem") == "saddle"
    assert page.input_value("#hd-lr") == "0.01"
    view, _ = optim.hypergradient_view(raw)
    assert _hd_notes(page) == view["outcomes"]
    watch.check(page)


# --- bad values in any control --------------------------------------------------------------


@pytest.mark.parametrize("path,selector", [
    ("learn/what-lr-does/", "#gd-problem"), ("learn/optimizers/", "#op-problem"),
    ("learn/optimizers/", "#op-axis"), ("learn/hypergradients/", "#hd-problem")])
def test_a_select_without_a_valid_choice_is_reported_not_crashed(calm, site_url, path,
                                                                 selector):
    page, watch = open_page(calm, site_url + path)
    _set(page, selector, "<img src=x onerror=alert(1)>")
    assert page.locator(".lrx-stale").count() == 1
    watch.check(page)


BAD_TEXT = ["", "   ", "abc", "1e999", "NaN", "Infinity", "0x10", "1,5", "9" * 10000,
            "<img src=x onerror=alert(1)>"]


@pytest.mark.parametrize("path,selector,results", [
    ("learn/what-lr-does/", "#rg-noise", "#rg-results"),
    ("learn/optimizers/", "#op-lr-adam", "#op-results"),
    ("learn/hypergradients/", "#hd-lr", "#hd-results"),
    ("learn/hypergradients/", "#hd-beta_adam", "#hd-results")])
def test_bad_text_is_named_beside_its_field_and_the_figure_kept(calm, site_url, path,
                                                                selector, results):
    page, watch = open_page(calm, site_url + path)
    for text in BAD_TEXT:
        _set(page, selector, text)
        assert page.locator(selector + "-error").is_visible(), text
        assert "lrx-stale" in page.get_attribute(results, "class"), text
        assert page.input_value(selector) == text
    watch.check(page)
