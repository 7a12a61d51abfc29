"""Content-Security-Policy: every page carries a tight policy (tools/csp.py) and runs
under it with no violation; the header files in deploy/ add frame-ancestors."""
import functools
import http.server
import os
import re
import sys
import threading

import pytest

from conftest import DIST, READY, ROOT, Handler, open_page
from test_browser import PAGES

sys.path.insert(0, os.path.join(ROOT, "tools"))
import csp  # noqa: E402

# Runs before any script of the page: records every CSP violation the page reports.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.effectiveDirective + " blocked " + (e.blockedURI || "inline")
    + " " + (e.sample || ""));
}, true);
"""
VIOLATIONS = "() => window.__cspViolations"
META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def built_pages():
    """(path relative to dist/, HTML text) of every built page."""
    for folder, _, names in os.walk(DIST):
        for name in names:
            if name.endswith(".html"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as fh:
                    yield os.path.relpath(path, DIST), fh.read()


def directives(policy):
    """{directive: [sources]} of a policy string."""
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_every_page_has_one_tight_policy_before_its_scripts():
    for path, text in built_pages():
        policies = META.findall(text)
        assert len(policies) == 1, path
        assert text.index("Content-Security-Policy") < text.index("<script"), path
        d = directives(policies[0].replace("&#39;", "'"))
        assert d["default-src"] == ["'self'"], path
        assert d["object-src"] == ["'none'"] and d["base-uri"] == ["'self'"], path
        sources = [s for v in d.values() for s in v]
        assert "'unsafe-inline'" not in sources, path
        assert all(s.startswith("'") or s == "data:" for s in sources), (path, sources)
        assert d["img-src"] == ["'self'", "data:"], path
        runs_python = 'type="mpy"' in text
        assert ("'unsafe-eval'" in d["script-src"]) == runs_python, path


def test_policy_allows_exactly_the_inline_code_of_the_page():
    page = ('<script>var a = 1;</script><script type="application/json">{"b": 2}</script>'
            '<script src="x.js"></script><span style="height:1em;"></span>')
    d = directives(csp.policy(page))
    assert d["script-src"] == ["'self'", csp.source_hash("var a = 1;")]
    assert d["style-src"] == ["'self'", "'unsafe-hashes'", csp.source_hash("height:1em;")]
    d = directives(csp.policy('<script type="mpy" src="main.py"></script>'))
    assert d["script-src"] == ["'self'", "'unsafe-eval'"] and d["style-src"] == ["'self'"]


def test_policy_goes_right_after_the_charset():
    out = csp.add_policy('<head><meta charset="utf-8"><script>x()</script></head>')
    assert out.index('<meta charset="utf-8">') < out.index("Content-Security-Policy") \
        < out.index("<script>")
    with pytest.raises(ValueError):
        csp.add_policy("<head><script>x()</script></head>")


@pytest.mark.parametrize("path", PAGES)
def test_page_runs_without_violation(context, site_url, path):
    """Each page loads and (if it runs Python) reaches its first result with no CSP
    violation: the policy allows all the page needs."""
    context.add_init_script(RECORD_VIOLATIONS)
    page, watch = open_page(context, site_url + path, ready=False)
    if page.locator("script[type=mpy]").count():
        page.wait_for_function(READY, timeout=30000)
    page.wait_for_load_state("networkidle")
    assert page.evaluate(VIOLATIONS) == []
    watch.check(page)


def test_injected_inline_script_is_blocked_and_reported(context, site_url):
    """The policy is really enforced: a script added to the page does not run."""
    context.add_init_script(RECORD_VIOLATIONS)
    page, _ = open_page(context, site_url + "calculator/")
    ran = page.evaluate("""() => {
      window.__injected = false;
      const s = document.createElement("script");
      s.textContent = "window.__injected = true;";
      document.body.append(s);
      const img = document.createElement("img");
      img.src = "https://example.com/pixel.png";
      document.body.append(img);
      return window.__injected;
    }""")
    assert ran is False
    page.wait_for_function("window.__cspViolations.length >= 2", timeout=10000)
    found = " | ".join(page.evaluate(VIOLATIONS))
    assert "script-src-elem blocked inline" in found and "img-src blocked https://example.com" \
        in found


def host_headers(path):
    """The headers deploy/_headers gives a URL path (Netlify / Cloudflare Pages rules:
    a path, or a prefix ending in *, then indented "Name: value" lines)."""
    rules, current = [], None
    with open(os.path.join(ROOT, "deploy", "_headers"), encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not line[0].isspace():
                current = (line.strip(), [])
                rules.append(current)
            else:
                name, value = line.strip().split(":", 1)
                current[1].append((name.strip(), value.strip()))
    out = []
    for pattern, headers in rules:
        if pattern == path or (pattern.endswith("*") and path.startswith(pattern[:-1])):
            out += headers
    return out


class HeaderHandler(Handler):
    """The site as a host configured with deploy/_headers would serve it."""

    def end_headers(self):
        for name, value in host_headers(self.path.split("?")[0]):
            self.send_header(name, value)
        super().end_headers()


@pytest.fixture
def hosted_url():
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(HeaderHandler, directory=DIST))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d/" % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_header_file_rules():
    names = dict(host_headers("/calculator/"))
    policy = directives(names["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert names["X-Content-Type-Options"] == "nosniff"
    assert dict(host_headers("/sw.js"))["Cache-Control"] == "no-cache"


def test_site_works_under_header_and_meta_policies(context, hosted_url):
    """Served with deploy/_headers, the calculator works, and no page may frame it."""
    context.add_init_script(RECORD_VIOLATIONS)
    page, watch = open_page(context, hosted_url + "calculator/")
    assert page.evaluate(VIOLATIONS) == []
    watch.check(page)
    page.goto(hosted_url + "404.html")
    framed = page.evaluate("""async (url) => {
      const frame = document.createElement("iframe");
      frame.src = url;
      const loaded = new Promise((done) => frame.addEventListener("load", done));
      document.body.append(frame);
      await loaded;
      try {
        return Boolean(frame.contentDocument && frame.contentDocument.querySelector("#lr0"));
      } catch (error) {
        return false;
      }
    }""", hosted_url + "calculator/")
    assert framed is False
