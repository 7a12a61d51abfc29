"""DOM helpers shared by every page's glue (loaded next to it as ``dom``).

Text is always set as text, never parsed as HTML, and no style attribute is ever written
(the pages' Content Security Policy forbids inline styles).

The glue reaches the page only through MicroPython's own `js` and `jsffi` modules, never
through PyScript's `pyscript` package: build.py drops that package's start-up bootstrap
(see trim_pyscript there), so `import pyscript` fails on the site.
"""
import js
from jsffi import create_proxy  # the glue imports it from here too


def el(key):
    """The element with this id."""
    return js.document.getElementById(key)


def make(tag, cls=None, text=None, attrs=None):
    """A new element with a class, text content and attributes (text is never HTML)."""
    node = js.document.createElement(tag)
    if cls:
        node.className = cls
    if text is not None:
        node.textContent = text
    if attrs:
        for k in attrs:
            node.setAttribute(k, attrs[k])
    return node


def clear(node):
    """Remove every child of node."""
    while node.firstChild:
        node.removeChild(node.firstChild)


def field_widget(f, fid, box_attrs=None, input_attrs=None):
    """A labelled text input (a <select> for a "choice" field) with its help line and
    hidden error slot, for a pycore form field ``f`` (key, label, kind, choices, help)."""
    box = make("div", "lrx-field", None, box_attrs)
    box.appendChild(make("label", None, f.label, {"for": fid}))
    described = {"aria-describedby": fid + "-help " + fid + "-error", "id": fid,
                 "name": f.key}
    if input_attrs:
        described.update(input_attrs)
    if f.kind == "choice":
        node = make("select", None, None, described)
        for value, label in f.choices:
            node.appendChild(make("option", None, label, {"value": value}))
    else:
        described.update({"type": "text", "inputmode": "decimal", "spellcheck": "false",
                          "autocomplete": "off"})
        node = make("input", None, None, described)
    box.appendChild(node)
    box.appendChild(make("small", "lrx-help", f.help, {"id": fid + "-help"}))
    box.appendChild(make("small", "lrx-error", "", {"id": fid + "-error", "role": "alert",
                                                   "hidden": ""}))
    return box


def field_error(fid, message):
    """Show message in the error slot of field fid (the element "<fid>-error") and mark the
    field invalid, or clear both when message is empty. What was typed is never touched."""
    box, node = el(fid + "-error"), el(fid)
    if box:
        box.textContent = message or ""
        box.hidden = not message
    if node:
        if message:
            node.setAttribute("aria-invalid", "true")
        else:
            node.removeAttribute("aria-invalid")


class PathFigure:
    """What the Learn pages' path figures share: the performance marks the tests wait for
    (lr:ready after the first drawing, lr:updated after each later one), and the paths of
    the figure element `path` (drawn by window.lrFigures) revealed `per_frame` points per
    animation frame, or all at once when the reader prefers reduced motion."""

    def __init__(self, path, per_frame):
        self.path, self.per_frame = path, per_frame
        self.ready, self.frame, self.upto, self.steps = False, None, 0, 0
        self.reduced = js.window.matchMedia("(prefers-reduced-motion: reduce)").matches
        self.next_frame = create_proxy(self.step)

    def settled(self):
        """The page's figures have finished drawing."""
        js.window.performance.mark("lr:updated" if self.ready else "lr:ready")
        self.ready = True

    def animate(self, steps):
        """Reveal `steps` points of every path over the next frames (a running reveal is
        dropped), then settle."""
        if self.frame is not None:
            js.window.cancelAnimationFrame(self.frame)
            self.frame = None
        self.upto, self.steps = (steps if self.reduced else 0), steps
        js.window.lrFigures.reveal(el(self.path), self.upto)
        if self.reduced:
            self.settled()
        else:
            self.frame = js.window.requestAnimationFrame(self.next_frame)

    def step(self, *args):
        """One animation frame: a few more points of every path."""
        self.upto = min(self.steps, self.upto + self.per_frame)
        js.window.lrFigures.reveal(el(self.path), self.upto)
        if self.upto < self.steps:
            self.frame = js.window.requestAnimationFrame(self.next_frame)
        else:
            self.frame = None
            self.settled()


class NextTask:
    """``schedule()`` runs fn() in a task of its own once the browser has had its turn
    (input, painting): how long computations go on slice after slice.

    At most one call is waiting, however often schedule() is called. The task comes from
    a MessageChannel message: setTimeout(fn, 0) would be held back 4 ms once such calls
    nest, a delay on every slice of a computation."""

    def __init__(self, fn):
        self.fn = fn
        self.pending = False
        self.channel = js.MessageChannel.new()
        self.channel.port1.onmessage = create_proxy(self.run)

    def schedule(self):
        if not self.pending:
            self.pending = True
            self.channel.port2.postMessage(None)

    def run(self, *args):
        self.pending = False
        self.fn()


def listen(target, kind, handler):
    """Call handler(event) on each `kind` event of target (an element, or js.window)."""
    target.addEventListener(kind, create_proxy(handler))


def clipboard(text, done, refused):
    """Put text on the clipboard, then call done() or, if the browser refuses (or has no
    clipboard here, as on plain http), refused()."""
    if not js.Boolean(js.navigator.clipboard):  # undefined is a (truthy) proxy in Python
        refused()
        return
    js.navigator.clipboard.writeText(text).then(create_proxy(lambda *args: done()),
                                                create_proxy(lambda *args: refused()))
