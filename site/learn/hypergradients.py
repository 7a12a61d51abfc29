"""Page glue for "Hypergradient descent" (runs in the browser under MicroPython).

It owns the DOM and nothing else: pycore.optim reads the inputs as typed, runs SGD, SGD-HD,
Adam and Adam-HD and words every result; this file fills the form, draws through
window.lrFigures and window.lrChart, keeps the inputs in the URL fragment, and reveals
the paths a few steps per browser frame (all at once when the reader prefers reduced
motion).
"""
import js

from dom import clear, create_proxy, el, make
import pack

pack.unpack()  # this page's pycore modules arrive as one file: see site/glue/pack.py

from pycore import optim

window = js.window
document = js.document
STEPS_PER_FRAME = 5  # path points revealed per animation frame
REDUCED_MOTION = window.matchMedia("(prefers-reduced-motion: reduce)").matches
KEYS = optim.HD_KEYS

state = {"frame": None, "upto": 0, "steps": 0, "ready": False}


def mark(name):
    """A performance mark the tests wait for: lr:ready once, then lr:updated."""
    window.performance.mark(name)


def settled():
    """The figure has finished drawing."""
    mark("lr:updated" if state["ready"] else "lr:ready")
    state["ready"] = True


def setup():
    """Fill the problem choices and the inputs (from the link, else the defaults)."""
    select = el("hd-problem")
    for prob in optim.PROBLEMS:
        option = make("option", None, prob.label)
        option.value = prob.key
        select.appendChild(option)
    raw = optim.hd_read_fragment(window.location.hash)
    for key in KEYS:
        el("hd-" + key).value = raw[key]
        if el("hd-" + key).value != raw[key]:
            el("hd-" + key).value = optim.HD_DEFAULTS[key]


def read_raw():
    """Every input's text exactly as typed."""
    return dict((key, el("hd-" + key).value) for key in KEYS)


def update():
    """Run the four optimizers for the inputs as typed and draw them; with a bad input,
    say so beside it and keep the last figure, marked stale."""
    raw = read_raw()
    window.history.replaceState(None, "", "#" + optim.hd_fragment_of(raw))
    view, errors = optim.hypergradient_view(raw)
    for key in KEYS:
        field, box = el("hd-" + key), el("hd-%s-error" % key)
        message = errors.get(key, "")
        box.textContent = message
        box.hidden = not message
        if message:
            field.setAttribute("aria-invalid", "true")
        else:
            field.removeAttribute("aria-invalid")
    el("hd-results").classList.toggle("lrx-stale", view is None)
    el("hd-stale").hidden = view is not None
    if view is None:
        settled()
        return
    render_legend(view["outcomes"])
    window.lrChart.render(el("hd-rates"), view["rates"])
    window.lrChart.render(el("hd-loss"), view["loss"])
    window.lrFigures.draw(el("hd-path"), view["paths"])
    el("hd-loading").hidden = True
    animate(view["steps"])


def render_legend(outcomes):
    """One swatch, name and result sentence per run, in the charts' colours."""
    legend = el("hd-legend")
    clear(legend)
    colors = window.lrChart.colors
    for key, label, color in optim.HD_RUNS:
        item = make("li")
        swatch = make("span", "lrx-swatch")
        swatch.setAttribute("aria-hidden", "true")
        swatch.style.setProperty("--c", colors[color % colors.length])
        item.appendChild(swatch)
        item.appendChild(make("strong", None, label))
        item.appendChild(make("span", "learn-note", outcomes[key]))
        item.setAttribute("data-run", key)
        legend.appendChild(item)


def animate(steps):
    """Reveal the paths step by step over the next frames (at once under reduced motion)."""
    if state["frame"] is not None:
        window.cancelAnimationFrame(state["frame"])
        state["frame"] = None
    if REDUCED_MOTION:
        window.lrFigures.reveal(el("hd-path"), steps)
        settled()
        return
    state["upto"], state["steps"] = 0, steps
    window.lrFigures.reveal(el("hd-path"), 0)
    state["frame"] = window.requestAnimationFrame(frame_proxy)


def frame(*args):
    """One animation frame: a few more points of every path."""
    state["upto"] = min(state["steps"], state["upto"] + STEPS_PER_FRAME)
    window.lrFigures.reveal(el("hd-path"), state["upto"])
    if state["upto"] < state["steps"]:
        state["frame"] = window.requestAnimationFrame(frame_proxy)
    else:
        state["frame"] = None
        settled()


frame_proxy = create_proxy(frame)


def on_input(event):
    """Any input changed: redraw."""
    update()


setup()
update()
el("hd").addEventListener("input", create_proxy(on_input))
