"""Preload hints on the pages that run Python, so the runtime downloads in parallel.

Without hints the browser finds the runtime one link at a time: the page loads core.js,
which imports the hashed core chunk, which imports its plugin chunks and then
micropython.mjs, which fetches micropython.wasm. On a real network each link costs a
round trip; the hints name them all up front. The chunk names carry content hashes, so the
hints are written after the build from the files actually shipped, with the same
page-relative paths the template uses (so the site still works under any sub-path).

The page's own Python script (its glue) gets a hint too: PyScript fetches it only after the
interpreter has started and the files are in, a round trip on the critical path.
The page's pycore pack gets no hint: measured on the calculator, its first result came no
sooner (the pack is fetched while the interpreter starts); and when the modules were still
thirty separate files, hints for them delayed the page's own scripts and styles more than
they saved.

Each hint matches how the file is really requested, or the browser would fetch it twice:
modules get rel=modulepreload; the wasm is fetched with credentials "same-origin", which is
crossorigin="anonymous" for a same-origin URL.
"""
import os
import re

GLUE_TAG = re.compile(r'<script type="mpy" src="([^"]+)"></script>')
CORE_TAG = re.compile(r'<script type="module" src="([^"]*)assets/vendor/pyscript/core\.js">'
                      r'</script>')


def runtime_files(dist):
    """(modules, fetched files): site-relative paths of the runtime a Python page loads."""
    pyscript = os.path.join(dist, "assets", "vendor", "pyscript")
    modules = sorted("assets/vendor/pyscript/" + name for name in os.listdir(pyscript)
                     if name.endswith(".js") and name != "core.js")
    modules.append("assets/vendor/micropython/micropython.mjs")
    return modules, ["assets/vendor/micropython/micropython.wasm"]


def hints(prefix, modules, fetched, glue=None):
    """The <link> tags for one page, whose path to the site root is prefix; glue is the
    page-relative URL of its Python script, if it has one."""
    tags = ['<link rel="modulepreload" href="%s%s">' % (prefix, path) for path in modules]
    tags += ['<link rel="preload" href="%s%s" as="fetch" crossorigin="anonymous">'
             % (prefix, path) for path in fetched]
    if glue is not None:
        tags.append('<link rel="preload" href="%s" as="fetch" crossorigin="anonymous">' % glue)
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
            glue = GLUE_TAG.search(text)
            tags = hints(found.group(1), modules, fetched, glue and glue.group(1))
            text = text[:found.end()] + "\n  " + tags + text[found.end():]
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
