"""Each built page's Content-Security-Policy, written into the page as a <meta> tag.

The policy is made per page after the build, because its tight parts depend on the page:
the theme writes a few small inline scripts (their text holds the page's relative path to
the site root, so their hashes differ by depth) and KaTeX, run at build time, writes
inline style attributes. Each is allowed by its SHA-256 hash, never by 'unsafe-inline'.

Why each allowance (the README repeats this for people deploying the site):
- default-src 'self': every file is served by the site itself; no other origin.
- script-src 'unsafe-eval', on pages that run Python only: PyScript 0.7 compiles small
  JavaScript helpers from strings (Function) and MicroPython compiles WebAssembly.
- script-src 'sha256-...': the theme's inline scripts on that page, by exact content.
- style-src 'unsafe-hashes' 'sha256-...': the style="..." attributes of build-time math,
  by exact value (styles set from scripts through element.style are not affected).
- img-src data:: the theme's icons are SVG data: URLs inside its stylesheet.
- object-src 'none', base-uri 'self', form-action 'self': no plugins, no <base> or form
  posts that could send the page elsewhere.
frame-ancestors cannot be set from a <meta> tag; deploy/_headers and deploy/nginx.conf
send it as a header.
"""
import base64
import hashlib
import html.parser
import os

RUNS_PYTHON = ("mpy", "py")
JAVASCRIPT_TYPES = ("", "text/javascript", "application/javascript", "module")


class InlineCode(html.parser.HTMLParser):
    """Collects a page's inline scripts and styles as the browser will hash them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts, self.styles, self.style_attributes = [], [], []
        self.runs_python = False
        self._open = None  # ("script" | "style", [text pieces]) while inside one

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("style") is not None:
            self.style_attributes.append(attrs["style"])
        kind = (attrs.get("type") or "").strip().lower()
        if tag == "script" and kind in RUNS_PYTHON:
            self.runs_python = True
        if tag == "script" and "src" not in attrs and kind in JAVASCRIPT_TYPES:
            self._open = (self.scripts, [])
        elif tag == "style":
            self._open = (self.styles, [])

    def handle_data(self, data):
        if self._open is not None:
            self._open[1].append(data)

    def handle_endtag(self, tag):
        if self._open is not None and tag in ("script", "style"):
            self._open[0].append("".join(self._open[1]))
            self._open = None


def source_hash(text):
    """A CSP hash source for a script, style or style attribute."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-%s'" % base64.b64encode(digest).decode("ascii")


def hashes(texts):
    """Hash sources of distinct texts, in a stable order."""
    return sorted(set(source_hash(t) for t in texts))


def policy(page_html):
    """The Content-Security-Policy for one page (see the module docstring)."""
    found = InlineCode()
    found.feed(page_html)
    found.close()
    script_src = ["'self'"] + (["'unsafe-eval'"] if found.runs_python else [])
    script_src += hashes(found.scripts)
    style_src = ["'self'"] + hashes(found.styles)
    if found.style_attributes:
        style_src += ["'unsafe-hashes'"] + hashes(found.style_attributes)
    return "; ".join([
        "default-src 'self'",
        "script-src " + " ".join(script_src),
        "style-src " + " ".join(style_src),
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ])


CHARSET = '<meta charset="utf-8">'


def add_policy(page_html):
    """The page with its policy as the first tag after <meta charset>, so it covers every
    script and style that follows."""
    if CHARSET not in page_html:
        raise ValueError("page without %s: cannot place its Content-Security-Policy" % CHARSET)
    meta = '<meta http-equiv="Content-Security-Policy" content="%s">' % policy(page_html)
    return page_html.replace(CHARSET, CHARSET + "\n    " + meta, 1)


def lock_down(dist):
    """Add its policy to every HTML page of the built site."""
    for folder, _, names in os.walk(dist):
        for name in names:
            if name.endswith(".html"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(add_policy(text))
