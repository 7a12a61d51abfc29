"""The service worker's file list and version, made from the built site (see tools/sw.js).

build.py calls ``write_service_worker(dist)`` as the last step of a build, when every file
is in its final form: the list holds every file of dist/ except the ones in NOT_CACHED,
each with its SHA-256 (so the worker can refuse a file from another build), and the
version is a hash of that list (so any changed byte makes a new version).
"""
import base64
import hashlib
import json
import os

TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sw.js")
WORKER = "sw.js"
EMPTY_MANIFEST = 'const MANIFEST = {"version": "", "files": {}};'

# Never precached: the worker itself, files only hosts and crawlers read, and the search
# engine's word splitters for other languages (the site's search is English only).
NOT_CACHED_FILES = ("sw.js", "_headers", "sitemap.xml", "sitemap.xml.gz")
NOT_CACHED_DIRS = ("assets/javascripts/lunr/",)


def site_files(dist):
    """Paths (relative, with "/") of every built file the pages may load, sorted."""
    paths = []
    for folder, _, names in os.walk(dist):
        for name in names:
            path = os.path.relpath(os.path.join(folder, name), dist).replace(os.sep, "/")
            if path not in NOT_CACHED_FILES and not path.startswith(NOT_CACHED_DIRS):
                paths.append(path)
    return sorted(paths)


def integrity(path):
    """The file's SHA-256 in Subresource-Integrity form ("sha256-<base64>")."""
    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def manifest(dist):
    """{"version": hash of the file list and hashes, "files": {path: integrity}}."""
    files = dict((path, integrity(os.path.join(dist, path))) for path in site_files(dist))
    listing = "\n".join("%s %s" % (path, files[path]) for path in sorted(files))
    version = hashlib.sha256(listing.encode("utf-8")).hexdigest()[:16]
    return {"version": version, "files": files}


def write_service_worker(dist):
    """Write dist/sw.js: tools/sw.js with MANIFEST filled in. Returns the version."""
    with open(TEMPLATE, encoding="utf-8") as fh:
        source = fh.read()
    if source.count(EMPTY_MANIFEST) != 1:
        raise ValueError("tools/sw.js must hold the line %r exactly once" % EMPTY_MANIFEST)
    content = manifest(dist)
    filled = "const MANIFEST = %s;" % json.dumps(content, indent=1, sort_keys=True)
    with open(os.path.join(dist, WORKER), "w", encoding="utf-8") as fh:
        fh.write(source.replace(EMPTY_MANIFEST, filled))
    return content["version"]
