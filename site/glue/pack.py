"""One download for a page's Python modules, imported where it lies: the pack, written at
build time and mounted in the browser.

A live page needs a dozen or more pycore modules. Fetched one by one they queue behind
the browser's six connections per host (HTTP/1.1) for longer than the runtime takes to
start, so the build writes the compiled modules a page imports into one pack file
(tools/mkdocs_hooks.py), PyScript fetches it as ``./pycore.pack`` with this file, and the
page's glue calls ``mount()`` before its first pycore import. That mounts the pack as a
read-only file system (MicroPython's ``vfs.VfsRom``) first on ``sys.path``, so imports
read the bytecode in place: measured on the calculator, its first result came 25-30 ms
sooner than when the glue wrote each module out as a file and imported it from there.

Format: a MicroPython ROMFS image (the layout is documented in MicroPython's
extmod/vfs_rom.c). Everything is a record: a kind and a payload length, each a varuint
(big-endian groups of 7 bits, the high bit set on every byte but the last), then the
payload. The image is one record of kind FILESYSTEM holding a DIRECTORY or FILE record per
entry; a directory's payload is its name (a varuint length, then UTF-8) and the records
of its entries, a file's is its name and one DATA record with its bytes.

Runs on CPython (the build and the tests: write, read) and MicroPython (the pages: mount,
and write and read too): only os and sys.
"""
import os
import sys

FILESYSTEM = 0x14A6B1  # encodes as the bytes d2 cd 31: "RM1" with the high bits set
PADDING, DATA, DIRECTORY, FILE = 1, 2, 4, 5
MAGIC = b"\xd2\xcd\x31"
MOUNT = "/lr-pack"  # where mount() puts a page's pack


def _varuint(n):
    """n in big-endian groups of 7 bits, the high bit set on all bytes but the last."""
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def _record(kind, payload):
    return _varuint(kind) + _varuint(len(payload)) + payload


def _named(kind, name, body):
    name = name.encode("utf-8")
    return _record(kind, _varuint(len(name)) + name + body)


def _entries(tree):
    """The records of a folder, given as an ordered list of (name, bytes or subfolder)."""
    out = []
    for name, item in tree:
        if isinstance(item, list):
            out.append(_named(DIRECTORY, name, _entries(item)))
        else:
            out.append(_named(FILE, name, _record(DATA, bytes(item))))
    return b"".join(out)


def write(files):
    """The pack of files, a list of (path, bytes) with "/"-separated relative paths, in
    that order (a folder's entries stay together, where its first file was)."""
    tree = []
    for path, data in files:
        folder = tree
        parts = path.split("/")
        for part in parts[:-1]:
            sub = None
            for name, item in folder:
                if name == part and isinstance(item, list):
                    sub = item
            if sub is None:
                sub = []
                folder.append((part, sub))
            folder = sub
        folder.append((parts[-1], data))
    body = _entries(tree)
    image = _record(FILESYSTEM, body)
    if len(image) % 2:  # a ROMFS image has an even size: pad the length with a 0x80 byte
        image = _varuint(FILESYSTEM) + b"\x80" + _varuint(len(body)) + body
    return image


def _read_varuint(data, i, end):
    n = 0
    while True:
        if i >= end:
            raise ValueError("pack file cut short at byte %d" % i)
        byte = data[i]
        i += 1
        n = (n << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return n, i


def _read_record(data, i, end):
    """(kind, payload start, payload end) of the record at i."""
    kind, i = _read_varuint(data, i, end)
    size, i = _read_varuint(data, i, end)
    if i + size > end:
        raise ValueError("pack file cut short at byte %d" % i)
    return kind, i, i + size


def _read_entries(view, i, end, prefix, out):
    while i < end:
        kind, start, stop = _read_record(view, i, end)
        if kind in (DIRECTORY, FILE):
            size, start = _read_varuint(view, start, stop)
            if start + size > stop:
                raise ValueError("pack file cut short at byte %d" % start)
            name = prefix + bytes(view[start:start + size]).decode("utf-8")
            if kind == DIRECTORY:
                _read_entries(view, start + size, stop, name + "/", out)
            else:
                data_kind = None
                if start + size < stop:
                    data_kind, first, last = _read_record(view, start + size, stop)
                if data_kind != DATA:
                    raise ValueError("pack file entry %s has no data" % name)
                out.append((name, view[first:last]))
        elif kind != PADDING:
            raise ValueError("pack file has a record of unknown kind %d" % kind)
        i = stop


def read(data):
    """The (path, contents) pairs of a pack, in order, each contents a memoryview into
    data (no copies); ValueError if data is not a whole pack."""
    if bytes(data[:3]) != MAGIC:
        raise ValueError("not a pack file (it does not start with %r)" % MAGIC)
    view = memoryview(data)
    kind, start, stop = _read_record(view, 0, len(data))
    files = []
    _read_entries(view, start, stop, "", files)
    return files


_mounted = {}  # mount point -> its image, kept: modules imported from it point into it


def mount(path="pycore.pack", at=MOUNT):
    """Mount the pack at path as a read-only file system at `at`, first on sys.path, so
    the modules in it import from where they lie (MicroPython only). OSError if the file
    is not a pack. A second call for the same mount point does nothing: the modules
    already imported run from the first image, which must stay."""
    if at in _mounted:
        return
    import vfs  # MicroPython's; CPython has no such module
    with open(path, "rb") as fh:
        data = fh.read(os.stat(path)[6])  # sized: MicroPython's read() grows in small steps
    vfs.mount(vfs.VfsRom(data), at)
    _mounted[at] = data
    sys.path.insert(0, at)
