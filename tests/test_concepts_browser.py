"""The Learn concept pages in a real Chromium: every figure shows what pycore.lessons
computes, responds to its slider, keeps its state in the link, and links to the tool that
answers its question; nothing fails (foreign requests, console errors, .py-error:
conftest's Watch)."""
import pytest

from conftest import open_page
from pycore import explorer, lessons, tuning


def gallery(percent):
    """Every family's card, in the page's order."""
    return [lessons.gallery_card(key, percent) for key in lessons.FAMILY_KEYS]


WARMUP_PAGE = "learn/warmup-and-schedules/"
BATCH_PAGE = "learn/batch-size/"
LAYERS_PAGE = "learn/layer-wise/"
TEXT_PAGES = ("learn/fitting/", "learn/key-factors/")


def updated(page, count):
    page.wait_for_function(
        "() => performance.getEntriesByName('lr:updated').length >= %d" % count,
        timeout=30000)


def pairs(page, selector):
    """A definition list as (label, text) pairs."""
    terms = page.locator(selector + " dt").all_inner_texts()
    texts = page.locator(selector + " dd").all_inner_texts()
    return list(zip(terms, texts))


def slide(page, key, value):
    """Move a slider as a user would: set its value and fire the input event."""
    page.locator("#cpt-" + key).evaluate(
        "(node, v) => { node.value = v; node.dispatchEvent(new Event('input', "
        "{bubbles: true})); }", str(value))


def fragment(page, selector):
    """The fragment of a link's href, decoded."""
    href = page.get_attribute(selector, "href")
    return href.split("#", 1)[1]


def explorer_values(fragment_text):
    """What the explorer reads from a fragment: the spec, run and step (dict order, which
    MicroPython's json.dumps does not keep, plays no part)."""
    state, problems = explorer.read_fragment(fragment_text)
    assert problems == []
    values, errors = explorer.read(state)
    assert errors == {}
    return values["clean"], values["run"], values["at"]


@pytest.fixture
def warmup_page(context, site_url):
    page, watch = open_page(context, site_url + WARMUP_PAGE)
    yield page
    watch.check(page)


@pytest.fixture
def batch_page(context, site_url):
    page, watch = open_page(context, site_url + BATCH_PAGE)
    yield page
    watch.check(page)


def test_adam_figure_shows_pycores_numbers(warmup_page):
    page = warmup_page
    value = int(lessons.DEFAULTS["adam-warmup"])
    r = lessons.adam_warmup(value)
    assert pairs(page, "#cpt-adam-summary") == [tuple(p) for p in r["summary"]]
    assert page.text_content("#cpt-adam-warmup-value") == lessons.describe_control(
        "adam-warmup", value)
    assert page.locator("#cpt-adam-chart canvas").count() >= 1
    shown = fragment(page, "#cpt-adam-link")
    assert explorer_values(shown) == explorer_values(r["fragment"])


def test_adam_warmup_slider_shrinks_the_first_updates(warmup_page):
    page = warmup_page
    slide(page, "adam-warmup", 0)
    updated(page, 1)
    none = dict(pairs(page, "#cpt-adam-summary"))
    slide(page, "adam-warmup", 100)
    updated(page, 2)
    long = dict(pairs(page, "#cpt-adam-summary"))
    first = "Largest of the first %d updates, " % lessons.ADAM_EARLY
    assert none[first + "warmup 0"] == none[first + "no warmup"]
    warmed = long[first + "linear warmup over 100 updates"]
    assert float(warmed.split()[0]) < float(none[first + "no warmup"].split()[0]) / 10
    assert long == dict(lessons.adam_warmup(100)["summary"])
    assert page.evaluate("location.hash") == "#adam-warmup=100"


def test_gallery_cards_show_pycores_schedules(warmup_page):
    page = warmup_page
    cards = gallery(int(lessons.DEFAULTS["gallery-warmup"]))
    assert page.locator("#cpt-gallery-cards .cpt-card").count() == len(cards)
    for card in cards:
        box = '#cpt-gallery-cards [data-family="%s"]' % card["key"]
        assert page.text_content(box + " h3") == card["title"]
        assert pairs(page, box + " .cpt-summary") == [tuple(p) for p in card["summary"]]
        assert page.locator(box + " canvas").count() >= 1
        shown = fragment(page, box + " a")
        assert explorer_values(shown) == explorer_values(card["fragment"])


def test_gallery_warmup_slider_moves_the_warmups(warmup_page):
    page = warmup_page
    box = '#cpt-gallery-cards [data-family="linear"] .cpt-summary'
    slide(page, "gallery-warmup", 0)
    updated(page, 1)
    assert dict(pairs(page, box))["First update"] == gallery(0)[2]["summary"][0][1]
    assert page.text_content("#cpt-gallery-warmup-value") == lessons.describe_control(
        "gallery-warmup", 0)
    slide(page, "gallery-warmup", 20)
    updated(page, 2)
    cards = gallery(20)
    for card in cards:
        sel = '#cpt-gallery-cards [data-family="%s"]' % card["key"]
        assert pairs(page, sel + " .cpt-summary") == [tuple(p) for p in card["summary"]]
    assert dict(pairs(page, box))["First update"] == "0"


def test_gallery_link_opens_the_schedule_in_the_explorer(warmup_page, site_url):
    page = warmup_page
    link = '#cpt-gallery-cards [data-family="cosine_min"] a'
    expected = lessons.family_spec("cosine_min", lessons.GALLERY_RUN * int(
        lessons.DEFAULTS["gallery-warmup"]) // 100)
    page.click(link)
    page.wait_for_url("**/explorer/#*")
    page.wait_for_function("() => performance.getEntriesByName('lr:ready').length > 0",
                           timeout=30000)
    state, problems = explorer.read_fragment(page.evaluate("location.hash"))
    assert problems == []
    values, errors = explorer.read(state)
    assert errors == {}
    assert values["clean"]["name"] == expected["name"]
    assert values["clean"]["params"]["min_lr_rate"] == expected["params"]["min_lr_rate"]
    assert values["run"]["n"] == lessons.GALLERY_RUN


def test_link_restores_sliders_and_reports_bad_parts(context, site_url):
    page, watch = open_page(context, site_url + WARMUP_PAGE +
                            "#gallery-warmup=12&adam-warmup=abc&nope=1")
    assert page.input_value("#cpt-gallery-warmup") == "12"
    assert pairs(page, '#cpt-gallery-cards [data-family="wsd"] .cpt-summary') == [
        tuple(p) for p in gallery(12)[4]["summary"]]
    assert page.is_visible("#cpt-adam-warmup-error")
    assert page.get_attribute("#cpt-adam-warmup", "aria-invalid") == "true"
    assert "cpt-stale" in page.get_attribute("#cpt-adam", "class")
    assert page.is_visible("#cpt-adam .cpt-stale-note")
    assert '"nope"' in page.text_content("#cpt-link-notice")
    slide(page, "adam-warmup", 40)
    updated(page, 1)
    assert not page.is_visible("#cpt-adam-warmup-error")
    assert "cpt-stale" not in page.get_attribute("#cpt-adam", "class")
    assert pairs(page, "#cpt-adam-summary") == [
        tuple(p) for p in lessons.adam_warmup(40)["summary"]]
    watch.check(page)


def test_table_of_contents_links_keep_the_figures(warmup_page):
    page = warmup_page
    slide(page, "gallery-warmup", 17)
    updated(page, 1)
    page.evaluate("location.hash = 'the-common-schedules'")
    page.wait_for_function("() => location.hash === '#the-common-schedules'")
    assert page.input_value("#cpt-gallery-warmup") == "17"
    assert page.is_hidden("#cpt-link-notice")
    assert pairs(page, '#cpt-gallery-cards [data-family="linear"] .cpt-summary') == [
        tuple(p) for p in gallery(17)[2]["summary"]]


def test_sliders_take_their_range_from_pycore(warmup_page):
    page = warmup_page
    for key in ("adam-warmup", "gallery-warmup"):
        lo, hi, step, _ = lessons.CONTROLS[key]
        node = "#cpt-" + key
        assert page.get_attribute(node, "aria-describedby") == (
            "cpt-%s-value cpt-%s-error" % (key, key))
        bounds = [page.locator(node).evaluate("n => n." + a) for a in ("min", "max", "step")]
        assert bounds == [str(lo), str(hi), str(step)]


def test_batch_figure_follows_its_slider(batch_page):
    page = batch_page
    default = int(lessons.DEFAULTS["batch-power"])
    assert pairs(page, "#cpt-batch-summary") == [
        tuple(p) for p in lessons.batch_scaling(default)["summary"]]
    assert page.is_hidden("#cpt-batch-note")
    slide(page, "batch-power", 16)
    updated(page, 1)
    r = lessons.batch_scaling(16)
    assert pairs(page, "#cpt-batch-summary") == [tuple(p) for p in r["summary"]]
    assert page.is_visible("#cpt-batch-note")
    assert fragment(page, "#cpt-batch-link") == r["fragment"]
    assert page.evaluate("location.hash") == "#batch-power=16"


def test_batch_link_opens_the_tuning_page_with_that_batch(batch_page):
    page = batch_page
    slide(page, "batch-power", 10)
    updated(page, 1)
    page.click("#cpt-batch-link")
    page.wait_for_url("**/tuning/#*")
    page.wait_for_function("() => performance.getEntriesByName('lr:ready').length > 0",
                           timeout=30000)
    raw, problems = tuning.read_fragment(page.evaluate("location.hash"))
    assert problems == []
    assert raw == lessons.batch_raw(1024)
    values, errors = tuning.read("batch", raw)
    expected = tuning.compute("batch", values)["summary"]
    assert page.locator("#tun-batch-summary dd").all_inner_texts() == [t for _, t in expected]


def test_layer_decay_figure_is_the_tuning_pages_table(context, site_url):
    page, watch = open_page(context, site_url + LAYERS_PAGE)
    default = int(lessons.DEFAULTS["layer-decay"])
    assert pairs(page, "#cpt-layers-summary") == [
        tuple(p) for p in lessons.layer_decay(default)["summary"]]
    slide(page, "layer-decay", 65)
    updated(page, 1)
    r = lessons.layer_decay(65)
    assert pairs(page, "#cpt-layers-summary") == [tuple(p) for p in r["summary"]]
    assert page.text_content("#cpt-layer-decay-value") == "0.65 per block"
    assert page.locator("#cpt-layers-chart canvas").count() >= 1
    assert fragment(page, "#cpt-layers-link") == r["fragment"]
    assert page.evaluate("location.hash") == "#layer-decay=65"
    watch.check(page)


@pytest.mark.parametrize("path", TEXT_PAGES + (WARMUP_PAGE, BATCH_PAGE, LAYERS_PAGE))
def test_every_concept_page_links_to_a_tool(context, site_url, path):
    tools = ("explorer/", "tuning/", "range-test/", "lr-finder/", "calculator/")
    ready = path not in TEXT_PAGES
    page, watch = open_page(context, site_url + path, ready=ready)
    hrefs = page.eval_on_selector_all("article a[href]", "as => as.map(a => a.href)")
    assert any(("/" + t) in h for h in hrefs for t in tools), hrefs
    for href in hrefs:
        if href.startswith(site_url):
            assert page.request.get(href.split("#")[0]).ok, href
    watch.check(page)
