"""The reference pages (examples, FAQ, glossary, home) in the built site and in Chromium:
every number shown is pycore's, every example opens in a tool showing the same numbers,
every FAQ answer links to a tool, search finds every glossary term, and every internal
link on every page resolves."""
import html.parser
import json
import os
import posixpath
from urllib.parse import unquote, urljoin, urlparse

import pytest

from build import DIST
from conftest import open_page
from pycore import examples, explorer, lr_series
from pycore.numfmt import format_lr

TOOLS = ("calculator", "explorer", "lr-finder", "range-test", "tuning")


class Page(html.parser.HTMLParser):
    """The ids, links and headings of one built HTML page (headings in order, each with the
    links that follow it up to the next heading)."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.ids, self.links, self.sections = set(), [], []
        self._heading = None
        self._in_permalink = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag in ("h2", "h3"):
            self._heading = {"level": tag, "id": attrs.get("id"), "text": "", "links": []}
            self.sections.append(self._heading)
        if tag == "a" and attrs.get("href") is not None:
            self.links.append(attrs["href"])
            if "headerlink" in (attrs.get("class") or ""):
                self._in_permalink = True
            elif self.sections:
                self.sections[-1]["links"].append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in ("h2", "h3"):
            self._heading = None
        if tag == "a":
            self._in_permalink = False

    def handle_data(self, data):
        if self._heading is not None and not self._in_permalink:
            self._heading["text"] += data


def built(path):
    """The parsed built page at a site path such as 'faq/'."""
    name = os.path.join(DIST, path, "index.html")
    if not os.path.exists(name):
        pytest.fail("the site is not built: run `python3 build.py build` first")
    with open(name, encoding="utf-8") as f:
        return Page(f.read())


def site_pages():
    """Site path of every built page ('' for the home page)."""
    out = []
    for folder, _, files in os.walk(DIST):
        if "index.html" in files:
            rel = os.path.relpath(folder, DIST).replace(os.sep, "/")
            out.append("" if rel == "." else rel + "/")
    return sorted(out)


def resolve(page_path, href):
    """(site path of the target file, fragment) of a link on a page, or None when the link
    leaves the site."""
    url = urlparse(urljoin("http://site/" + page_path, href))
    if url.scheme != "http" or url.netloc != "site":
        return None
    path = unquote(url.path.lstrip("/"))
    if path == "" or path.endswith("/"):
        path += "index.html"
    return posixpath.normpath(path), url.fragment


def tool_of(page_path, href):
    """The tool a link opens (its top folder, if a tool), or None."""
    target = resolve(page_path, href)
    if target is None:
        return None
    top = target[0].split("/")[0]
    return top if top in TOOLS else None


# --- static checks of the built pages ---------------------------------------------------

def test_every_internal_link_on_every_page_resolves():
    pages = site_pages()
    assert len(pages) >= 17
    cache = {}
    broken = []
    for page_path in pages:
        for href in built(page_path).links:
            target = resolve(page_path, href)
            if target is None:
                continue
            path, fragment = target
            if not os.path.exists(os.path.join(DIST, path)):
                broken.append("%s: %s (no file)" % (page_path or "home", href))
                continue
            if fragment and "=" not in fragment and path.endswith("index.html"):
                folder = path[:-len("index.html")]
                if folder not in cache:
                    cache[folder] = built(folder).ids
                if unquote(fragment) not in cache[folder]:
                    broken.append("%s: %s (no such anchor)" % (page_path or "home", href))
    assert broken == []


def test_every_faq_answer_links_to_a_tool():
    questions = [s for s in built("faq/").sections if s["level"] == "h3"]
    assert len(questions) >= 25
    missing = [q["text"] for q in questions
               if not any(tool_of("faq/", href) for href in q["links"])]
    assert missing == []


def test_faq_covers_the_questions_users_ask_most():
    text = " ".join(s["text"].lower() for s in built("faq/").sections)
    for words in ("every update or every epoch", "resume", "warmup with a cosine",
                  "batch size", "reducelronplateau", "two frameworks", "negative",
                  "unitless", "decay rate and decay steps", "all layers"):
        assert words in text, words


def test_search_index_has_every_glossary_term():
    terms = [s for s in built("glossary/").sections if s["level"] == "h2"]
    assert len(terms) >= 40
    with open(os.path.join(DIST, "search", "search_index.json"), encoding="utf-8") as f:
        docs = json.load(f)["docs"]
    entries = dict((d["location"], d["title"]) for d in docs)
    for term in terms:
        assert entries.get("glossary/#" + term["id"]) == term["text"], term["text"]


def test_glossary_entries_each_link_somewhere_on_the_site():
    terms = [s for s in built("glossary/").sections if s["level"] == "h2"]
    lonely = [t["text"] for t in terms
              if not any(resolve("glossary/", href) for href in t["links"])]
    assert lonely == []


def test_home_page_links_every_tool_and_learn_page():
    links = built("").links
    targets = set(resolve("", href)[0] for href in links if resolve("", href))
    for tool in TOOLS:
        assert tool + "/index.html" in targets
    for page in ("what-lr-does", "optimizers", "warmup-and-schedules", "hypergradients",
                 "fitting", "key-factors", "batch-size", "layer-wise"):
        assert "learn/%s/index.html" % page in targets
    for page in ("examples", "faq", "glossary"):
        assert page + "/index.html" in targets


# --- in the browser ---------------------------------------------------------------------

def test_examples_page_shows_pycores_numbers(context, site_url):
    page, watch = open_page(context, site_url + "examples/", ready=False)
    for example_id in examples.RECIPE_IDS:
        n = examples.numbers(example_id)
        cells = page.locator("#example-%s .lr-example-lr" % example_id)
        assert cells.all_inner_texts() == [r["lr_text"] for r in n["rows"]]
        assert [cells.nth(i).get_attribute("data-value") for i in range(cells.count())] == [
            r["lr_repr"] for r in n["rows"]]
    text = page.inner_text("article")
    for example_id in examples.SEED_IDS:
        assert examples.seed_example(example_id)["result"] in text
    watch.check(page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_example_charts_follow_the_palette(browser, site_url, scheme):
    """On white paper in the light palette; in the dark one, no white box: the paper is
    gone and the text is light (the SVG is inverted in lightness, hue kept)."""
    ctx = browser.new_context(color_scheme=scheme, service_workers="block")
    page, watch = open_page(ctx, site_url + "examples/", ready=False)
    svg = page.locator(".lr-example-chart svg").first
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == (
        "slate" if scheme == "dark" else "default")
    paper = svg.evaluate("(s) => getComputedStyle(s.querySelector('rect')).fill")
    text = svg.evaluate("(s) => getComputedStyle(s.querySelector('text')).fill")
    look = svg.evaluate("(s) => getComputedStyle(s).filter")
    if scheme == "light":
        assert (paper, look) == ("rgb(255, 255, 255)", "none")
        assert text == "rgb(33, 33, 33)"
    else:
        assert paper == "none" and "invert(1)" in look and "hue-rotate(180deg)" in look
        assert text == "rgb(33, 33, 33)"  # drawn dark, shown light through the inversion
    watch.check(page)
    ctx.close()


def _same(shown, expected):
    """The browser's libm may differ from CPython's by an ulp (see
    test_explorer_browser.py): 1e-14 relative."""
    return abs(float(shown) - expected) <= 1e-14 * abs(expected)


def _example_links(context, site_url):
    page, watch = open_page(context, site_url + "examples/", ready=False)
    links = page.locator("a.lr-example-open")
    out = dict((links.nth(i).get_attribute("data-example"),
                urljoin(site_url + "examples/", links.nth(i).get_attribute("href")))
               for i in range(links.count()))
    watch.check(page)
    page.close()
    return out


@pytest.mark.parametrize("example_id", examples.RECIPE_IDS)
def test_each_example_opens_in_the_explorer_with_its_numbers(context, site_url, example_id):
    url = _example_links(context, site_url)[example_id]
    n = examples.numbers(example_id)
    row = n["rows"][n["at"]]
    page, watch = open_page(context, url)
    assert page.input_value("#lrx-framework") == n["spec"]["framework"]
    assert page.input_value("#lrx-name") == n["spec"]["name"]
    assert page.input_value("#lrx-at") == str(row["step"])
    assert page.inner_text("#lrx-lr") == row["lr_text"]
    assert _same(page.get_attribute("#lrx-lr", "data-value"), row["lr"])
    assert page.locator("#lrx-link-notice").is_hidden()
    watch.check(page)


@pytest.mark.parametrize("example_id", examples.SEED_IDS)
def test_each_seed_example_opens_in_the_calculator_with_its_result(context, site_url,
                                                                   example_id):
    url = _example_links(context, site_url)[example_id]
    seed = examples.seed_example(example_id)
    page, watch = open_page(context, url)
    assert page.inner_text("#lr-result") == seed["result"]
    assert page.input_value("#lr0") == seed["lr0"]
    assert page.input_value("#decay_rate") == seed["rate"]
    assert page.locator("#lr-link-notice").is_hidden()
    watch.check(page)


def test_search_finds_every_glossary_term(context, site_url):
    from playwright.sync_api import TimeoutError as Timeout
    terms = [s for s in built("glossary/").sections if s["level"] == "h2"]
    page, watch = open_page(context, site_url + "glossary/", ready=False)
    page.click("input.md-search__input")
    missed = []
    for term in terms:
        page.keyboard.press("Control+A")
        page.keyboard.type(term["text"])  # Material searches on key events, not fill()
        hit = page.locator('.md-search-result a[href*="glossary/"][href$="#%s"]' % term["id"])
        try:
            hit.first.wait_for(state="attached", timeout=5000)
        except Timeout:
            missed.append(term["text"])
    assert missed == []
    watch.check(page)


def _faq_presets(context, site_url):
    """{preset name: absolute URL} of the FAQ's explorer presets, in page order."""
    page, watch = open_page(context, site_url + "faq/", ready=False)
    hrefs = page.eval_on_selector_all(
        "article a[href*='explorer/#spec=']", "links => links.map(a => a.href)")
    watch.check(page)
    page.close()
    by_fragment = dict((examples.preset_fragment(name), name) for name in examples.PRESETS)
    return dict((by_fragment[urlparse(h).fragment], h) for h in hrefs)


def test_faq_links_every_explorer_preset(context, site_url):
    assert sorted(_faq_presets(context, site_url)) == sorted(examples.PRESETS)


@pytest.mark.parametrize("name,selector", [
    ("warmup_cosine", "#lrx-no-warnings:not([hidden])"),
    ("onecycle_per_epoch", "#lrx-warnings [data-id=units_epoch_vs_step]"),
    ("resume", "#lrx-resume-out dl"),
    ("frameworks", "#lrx-legend li >> nth=4"),
])
def test_faq_preset_shows_what_the_answer_promises(context, site_url, name, selector):
    url = _faq_presets(context, site_url)[name]
    page, watch = open_page(context, url)
    assert page.locator("#lrx-link-notice").is_hidden()
    page.locator(selector).first.wait_for(state="attached", timeout=10000)
    if name == "resume":
        state, _ = explorer.read_fragment(urlparse(url).fragment)
        values, _ = explorer.read(state)
        lr = lr_series(values["clean"], values["resume"] + 1)[-1]
        assert format_lr(lr) in page.inner_text("#lrx-resume-out")
    watch.check(page)
