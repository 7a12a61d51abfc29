"""Bad input in a real browser, on every live page (issue 7, parts 3 and 5).

Live pages are found in the built site (those with a MicroPython script), and their
inputs, textareas, selects and URL-fragment keys are found on the page itself, so a new
field or page is fuzzed without editing this file.

- Every text field and textarea, given each string of BAD: no console error, no
  ``.py-error``, nothing executed, the other fields keep their values. Text that is not a
  number (or not a log) is refused with a message beside the field, the field marked
  invalid and the last good result still on screen, marked stale. Empty text, spaces and
  ``-0`` may be valid for some fields; they are either refused that way or accepted.
- Every select, given an option the page never offered: no error, nothing executed.
- Every fragment key, and the uploads, given HTML and script payloads: nothing executes
  (the payloads call ``lrPwned``, a global the test defines), no CSP violation fires, no
  element with an event-handler attribute appears, and the page still reaches lr:ready.
"""
import os
from urllib.parse import quote

import pytest

from conftest import DIST, open_page
from pycore import analyzer, dataio

LONG = "1" * 10000
MAY_BE_VALID = ("", "   ", "-0")
NOT_A_NUMBER = ("abc", "1e999", "NaN", "Infinity", "0x10", "1,5", LONG, "<b>bold</b>",
                "<img src=x onerror=lrPwned()>", "<script>lrPwned()</script>")
BAD = MAY_BE_VALID + NOT_A_NUMBER
EXPORT_ONLY = ("lrx-every",)  # the explorer's "every k-th step" of an export: no result
SCRIPTS = ("<img src=x onerror=lrPwned()>", "<script>lrPwned()</script>",
           '"><svg onload=lrPwned()>', "javascript:lrPwned()", "';lrPwned();'")

SPY = """
window.__lrPwned = 0;
window.__lrViolations = [];
window.lrPwned = function () { window.__lrPwned += 1; };
document.addEventListener('securitypolicyviolation', function (e) {
  window.__lrViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""

FIELDS = """() => Array.from(document.querySelectorAll(
  'article input, article textarea, article select')).filter(e =>
  e.id && !e.disabled && e.offsetParent !== null &&
  !['checkbox', 'radio', 'file', 'range', 'button', 'submit', 'hidden'].includes(e.type)
).map(e => [e.id, e.tagName.toLowerCase()])"""

VALUES = """() => Object.fromEntries(Array.from(document.querySelectorAll(
  'article input, article textarea, article select')).filter(e => e.id).map(e =>
  [e.id, e.type === 'checkbox' || e.type === 'radio' ? String(e.checked) : e.value]))"""

STALE = """() => Array.from(document.querySelectorAll('[class*=stale]')).some(e =>
  Array.from(e.classList).some(c => /-stale$/.test(c)) && e.offsetParent !== null &&
  e.innerText.trim() !== '')"""

INVALID = "id => document.getElementById(id).getAttribute('aria-invalid') === 'true'"

MESSAGE = """id => (document.getElementById(id).getAttribute('aria-describedby') || '')
  .split(' ').some(m => { const n = document.getElementById(m);
    return n && /error/.test(m) && !n.hidden && n.innerText.trim() !== ''; })"""

INJECTED = """() => document.querySelectorAll('[onerror], [onload]').length +
  Array.from(document.scripts).filter(s => s.text.includes('lrPwned')).length"""


def live_pages():
    """The built pages that run MicroPython, as site paths ("" for the home page)."""
    out = []
    for folder, _, files in os.walk(DIST):
        if "index.html" in files:
            with open(os.path.join(folder, "index.html"), encoding="utf-8") as f:
                if 'type="mpy"' in f.read():
                    rel = os.path.relpath(folder, DIST).replace(os.sep, "/")
                    out.append("" if rel == "." else rel + "/")
    return sorted(out)


LIVE = live_pages()
TOOLS = ("calculator/", "explorer/", "lr-finder/", "range-test/", "tuning/")


def updates(page):
    """How many times the page has re-rendered (lr:updated marks)."""
    return page.evaluate("performance.getEntriesByName('lr:updated').length")


def with_result(page, path):
    """Bring the page to a state with a good result on screen (most pages start there;
    the LR finder needs a log and the range test a finished run)."""
    if path == "lr-finder/":
        page.click("#lrf-example")
        page.wait_for_selector("#lrf-table:not([hidden])", timeout=30000)
    elif path == "range-test/":
        page.click("#rt-run")
        page.wait_for_selector("#rt-table:not([hidden])", timeout=60000)


def open_live(context, site_url, path, fragment=""):
    """A live page with the execution spy installed, ready."""
    context.add_init_script(SPY)
    page, watch = open_page(context, site_url + path + fragment)
    return page, watch


SETTLED = """() => performance.getEntriesByName('lr:ready').length > 0 ||
  document.querySelector('article [aria-invalid=true]') !== null"""


def no_execution(page, watch):
    """Nothing ran, nothing was blocked, no handler attribute reached the DOM, no error."""
    assert page.evaluate("window.__lrPwned") == 0, "a payload executed"
    assert page.evaluate("window.__lrViolations") == []
    assert page.evaluate(INJECTED) == 0
    watch.check(page)


def settle(page):
    """Let the page finish what one input event started (two animation frames)."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                  "requestAnimationFrame(r)))")


def test_the_tools_are_live_pages():
    """The page list comes from the build: the five tools must be in it."""
    assert set(TOOLS) <= set(LIVE), LIVE


def type_bad(page, field, text, before):
    """Type text into field; check the rules every bad string must keep."""
    page.fill("#" + field, text)
    settle(page)
    if text in NOT_A_NUMBER or page.evaluate(INVALID, field):
        page.wait_for_function(INVALID, arg=field, timeout=10000)
        assert page.evaluate(MESSAGE, field), "no message beside %s for %r" % (field, text[:40])
        if field not in EXPORT_ONLY:
            assert page.evaluate(STALE), "no stale result after %r in %s" % (text[:40], field)
    after = page.evaluate(VALUES)
    changed = [k for k in before if k != field and after.get(k) != before[k]]
    assert changed == [], "%r in %s changed %s" % (text[:40], field, changed)
    assert page.input_value("#" + field) == text, "the typed text was not kept"


def restore(page, field, good):
    """Put the good value back and wait until the field is accepted again."""
    page.fill("#" + field, good)
    page.wait_for_function("id => !(%s)(id)" % INVALID, arg=field, timeout=30000)
    settle(page)


@pytest.mark.parametrize("path", LIVE)
def test_bad_strings_in_every_field(context, site_url, path):
    """Each text field and textarea with each bad string, from a good state each time."""
    page, watch = open_live(context, site_url, path)
    with_result(page, path)
    fields = [f for f, tag in page.evaluate(FIELDS) if tag != "select"]
    for field in fields:
        good = page.input_value("#" + field)
        for text in BAD:
            if text == good:
                continue
            before = page.evaluate(VALUES)
            type_bad(page, field, text, before)
            restore(page, field, good)
        no_execution(page, watch)


@pytest.mark.parametrize("path", LIVE)
def test_unoffered_select_options(context, site_url, path):
    """A select set to a value the page never offered (as a tampered page could) gives no
    error and runs nothing; the page recovers when the real value comes back."""
    page, watch = open_live(context, site_url, path)
    with_result(page, path)
    selects = [f for f, tag in page.evaluate(FIELDS) if tag == "select"]
    for field in selects:
        good = page.input_value("#" + field)
        for text in SCRIPTS[:2] + ("", LONG):
            page.evaluate("""([id, v]) => { const s = document.getElementById(id);
              s.add(new Option(v, v)); s.value = v;
              s.dispatchEvent(new Event('input', {bubbles: true}));
              s.dispatchEvent(new Event('change', {bubbles: true})); }""", [field, text])
            settle(page)
            page.evaluate("""([id, v]) => { const s = document.getElementById(id);
              Array.from(s.options).filter(o => o.value === v && o.text === v)
                .forEach(o => o.remove()); }""", [field, text])
            if page.locator("#" + field).count():
                page.select_option("#" + field, good)
                settle(page)
        no_execution(page, watch)


def fragment_keys(page):
    """The keys the page writes into its fragment (after one input, for pages that write
    it only on change)."""
    if not page.evaluate("location.hash"):
        fields = [f for f, tag in page.evaluate(FIELDS) if tag == "input"]
        if fields:
            page.fill("#" + fields[0], page.input_value("#" + fields[0]))
            page.dispatch_event("#" + fields[0], "input")
            settle(page)
    text = page.evaluate("location.hash").lstrip("#")
    return [part.partition("=")[0] for part in text.split("&") if part]


def keys_of(context, site_url, path):
    """The fragment keys of one live page, from a fresh visit."""
    page, watch = open_live(context, site_url, path)
    with_result(page, path)
    keys = fragment_keys(page)
    watch.check(page)
    page.close()
    return keys


def visit(context, site_url, path, fragment):
    """Open path with fragment in a fresh page; nothing may execute. The page settles with
    its first result (lr:ready) or, when the link's text is not valid, with that text kept
    in its field and marked invalid (there is no result to show yet)."""
    context.add_init_script(SPY)
    page, watch = open_page(context, site_url + path + "#" + fragment, ready=False)
    page.wait_for_function(SETTLED, timeout=30000)
    page.wait_for_load_state("networkidle")
    settle(page)
    no_execution(page, watch)
    page.close()


@pytest.mark.parametrize("path", LIVE)
def test_script_payloads_in_every_fragment_key(context, site_url, path):
    """Each payload in every key at once (each key is read on its own, so one load tests
    them all), raw and URI-encoded, plus unknown keys."""
    keys = keys_of(context, site_url, path) + ["zz", "<b>"]
    for payload in SCRIPTS + (LONG, "%E0%A4%A"):
        for text in (payload, quote(payload, safe="")):
            visit(context, site_url, path, "&".join(k + "=" + text for k in keys))


JSON_PAYLOADS = (
    '{"framework":"pytorch","name":"<img src=x onerror=lrPwned()>","lr":0.1,"params":{}}',
    '{"framework":"pytorch","name":"StepLR","lr":"<script>lrPwned()</script>",'
    '"params":{"step_size":"<svg onload=lrPwned()>"}}',
    '[{"label":"<img src=x onerror=lrPwned()>","spec":{"framework":"pytorch",'
    '"name":"StepLR","lr":0.1,"params":{"step_size":3}}}]',
    "[" * 5000, '{"a":' * 3000,
)


@pytest.mark.parametrize("path", [p for p in LIVE if p in ("calculator/", "explorer/")])
def test_html_in_json_fragment_values(context, site_url, path):
    """Specs and pinned curves whose strings hold HTML, and deeply nested JSON, in the
    JSON-valued keys: shown as text if at all, never run, never an error."""
    for payload in JSON_PAYLOADS:
        for key in ("spec", "pins"):
            visit(context, site_url, path, key + "=" + quote(payload, safe=""))


def log_with(payload):
    """A CSV log whose header and one cell hold a payload."""
    lrs = [1e-6 * 1.5 ** i for i in range(30)]
    text = analyzer.log_text(lrs, [1.0 - i / 100 for i in range(30)])
    return text.replace("lr,loss", "lr,%s" % payload).replace(",0.9\n", ",%s\n" % payload, 1)


def upload(page, selector, name, text):
    """Choose a file with this text for a file input."""
    page.set_input_files(selector, files=[{"name": name, "mimeType": "text/plain",
                                           "buffer": text.encode("utf-8")}])
    page.wait_for_timeout(500)
    settle(page)


def test_uploaded_logs_with_payloads_never_execute(context, site_url):
    """The LR finder's file input: logs carrying payloads are read as text or refused."""
    page, watch = open_live(context, site_url, "lr-finder/")
    for payload in SCRIPTS:
        upload(page, "#lrf-file", "log.csv", log_with(payload))
        upload(page, "#lrf-file", "log.json", '{"lrs": ["%s"], "losses": [1]}' % payload)
        upload(page, "#lrf-file", "log.html", "<html><body>%s</body></html>" % payload)
    no_execution(page, watch)


def test_uploads_over_5_mb_are_refused_with_a_message(context, site_url):
    """A log file over 5 MB is refused before it is read, with a message."""
    page, watch = open_live(context, site_url, "lr-finder/")
    upload(page, "#lrf-file", "big.csv", "1,1\n" * (dataio.MAX_BYTES // 4 + 1))
    page.wait_for_function(MESSAGE, arg="lrf-log", timeout=10000)
    assert "5" in page.inner_text("#lrf-log-error")
    no_execution(page, watch)


PLATEAU = quote('{"framework":"pytorch","name":"ReduceLROnPlateau","lr":0.1,'
                '"params":{},"metrics":[1,0.9,0.8]}', safe="")


def test_uploaded_metric_files_with_payloads_never_execute(context, site_url):
    """The explorer's metric file input (shown for metric-driven schedules)."""
    page, watch = open_live(context, site_url, "explorer/", "#spec=" + PLATEAU)
    for payload in SCRIPTS:
        upload(page, "#lrx-metrics-file", "metrics.csv", "epoch,%s\n1,0.5\n2,%s\n" % (
            payload, payload))
    upload(page, "#lrx-metrics-file", "big.csv", "1\n" * (dataio.MAX_BYTES // 2 + 1))
    no_execution(page, watch)
