"""Preload hints on the pages that run Python, so the runtime downloads in parallel.

Without hints the browser finds the runtime one link at a time: the page loads core.js,
which imports the hashed core chunk, which imports its plugin chunks and then
micropython.mjs, which fetches micropython.wasm. On a real network each link costs a
round trip; the hints name them all up front. The chunk names carry content hashes, so the
hints are written after the build from the files actually shipped, with the same
page-relative paths the template uses (so the site still works under any sub-path).

The page's own Python files get hints too: its script (glue), and the files its
<mpy-config> lists (the DOM helpers, the pack reader and its pycore pack). PyScript fetches
them only after the interpreter has started, a round trip on the critical path: measured
on the calculator (once PyScript's own Python package no longer loaded first, see build.py
trim_pyscript), hinting the config files brought its first result 10-20 ms sooner. (When
the modules were still thirty separate files, hints for them delayed the page's own scripts
and styles more than they saved.)

Each hint matches how the file is really requested, or the browser would fetch it twice:
modules get rel=modulepreload; the wasm is fetched with credentials "same-origin", which is
crossorigin="anonymous" for a same-origin URL.
"""
import json
import os
import re

GLUE_TAG = re.compile(r'<script type="mpy" src="([^"]+)"></script>')
CONFIG_TAG = re.compile(r"<mpy-config>(.*?)</mpy-config>", re.S)
CORE_TAG = re.compile(r'<script type="module" src="([^"]*)assets/vendor/pyscript/core\.js">'
                      r'</script>')


def runtime_files(dist):
    """(modules, fetched files): site-relative paths of the runtime a Python page loads."""
    pyscript = os.path.join(dist, "assets", "vendor", "pyscript")
    modules = sorted("assets/vendor/pyscript/" + name for name in os.listdir(pyscript)
                     if name.endswith(".js") and name != "core.js")
    modules.append("assets/vendor/micropython/micropython.mjs")
    return modules, ["assets/vendor/micropython/micropython.wasm"]


def page_files(text):
    """The page-relative URLs of a page's own Python files: its script, then the files
    its <mpy-config> lists (none on a page without Python)."""
    glue, config = GLUE_TAG.search(text), CONFIG_TAG.search(text)
    files = [glue.group(1)] if glue else []
    if config:
        files += list(json.loads(config.group(1)).get("files", {}))
    return files


def hints(prefix, modules, fetched, own=()):
    """The <link> tags for one page, whose path to the site root is prefix; own are the
    page-relative URLs of its own Python files (page_files)."""
    tags = ['<link rel="modulepreload" href="%s%s">' % (prefix, path) for path in modules]
    tags += ['<link rel="preload" href="%s" as="fetch" crossorigin="anonymous">' % url
             for url in [prefix + path for path in fetched] + list(own)]
    return "\n  ".join(tags)


def add_hints(dist):
    """Insert the hints right after the core.js tag of every page that loads PyScript."""
    modules, fetched = runtime_files(dist)
    for folder, _, names in os.walk(dist):
        for name in names:
            if not name.endswith(".html"):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            found = CORE_TAG.search(text)
            if found is None:
                continue
            tags = hints(found.group(1), modules, fetched, page_files(text))
            text = text[:found.end()] + "\n  " + tags + text[found.end():]
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
