"""One download for a page's Python modules: the pack format, written at build time and
unpacked in the browser.

A live page needs a dozen or more pycore modules. Fetched one by one they queue behind
the browser's six connections per host (HTTP/1.1) for longer than the runtime takes to
start, so the build writes the modules a page imports into one pack file
(tools/mkdocs_hooks.py), PyScript fetches it as ``./pycore.pack`` with this file, and the
page's glue calls ``unpack()`` before its first pycore import.

Format: the 8 bytes MAGIC, then for each file its path length (2 bytes) and size (4 bytes),
little-endian, its path (UTF-8, relative, "/"-separated) and its bytes.

Runs on CPython (the build, the tests) and MicroPython (the pages): only os and struct.
"""
import os
import struct

MAGIC = b"LRPACK1\n"
_HEAD = "<HI"
_HEAD_SIZE = 6


def write(files):
    """The pack of files, a list of (path, bytes), in that order."""
    out = [MAGIC]
    for path, data in files:
        name = path.encode("utf-8")
        out.append(struct.pack(_HEAD, len(name), len(data)))
        out.append(name)
        out.append(bytes(data))
    return b"".join(out)


def read(data):
    """The (path, contents) pairs of a pack, in order, each contents a memoryview into
    data (no copies); ValueError if data is not a whole pack."""
    if data[:len(MAGIC)] != MAGIC:
        raise ValueError("not a pack file (it does not start with %r)" % MAGIC)
    files = []
    view = memoryview(data)
    i = len(MAGIC)
    while i < len(data):
        if i + _HEAD_SIZE > len(data):
            raise ValueError("pack file cut short at byte %d" % i)
        n, size = struct.unpack_from(_HEAD, data, i)
        i += _HEAD_SIZE
        if i + n + size > len(data):
            raise ValueError("pack file cut short at byte %d" % i)
        files.append((bytes(view[i:i + n]).decode("utf-8"), view[i + n:i + n + size]))
        i += n + size
    return files


def unpack(path="pycore.pack", into="."):
    """Write every file of the pack at path under the folder into; return their paths."""
    with open(path, "rb") as fh:
        data = fh.read(os.stat(path)[6])  # sized: MicroPython's read() grows in small steps
    written = []
    for name, content in read(data):
        target = into + "/" + name
        _make_folders(target)
        with open(target, "wb") as out:
            out.write(content)
        written.append(name)
    return written


def _make_folders(target):
    """Create the folders above target that do not exist yet."""
    parts = target.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        folder = "/".join(parts[:i])
        if folder in ("", "."):
            continue
        try:
            os.mkdir(folder)
        except OSError:
            pass  # it exists already
