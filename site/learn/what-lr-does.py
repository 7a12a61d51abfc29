"""Page glue for "What the learning rate does" (runs in the browser under MicroPython).

It owns the DOM and nothing else: pycore.optim computes the runs, the 2/L mark, every
number and sentence shown; this file fills the controls, draws through
window.lrFigures (site/assets/figures.js) and window.lrChart, and animates the path a few
steps per browser frame (all at once when the reader prefers reduced motion).
"""
import js

from dom import clear, create_proxy, el, make
import pack

pack.unpack()  # this page's pycore modules arrive as one file: see site/glue/pack.py

from pycore import optim
from pycore.dataio import sentence
from pycore.errors import SpecError

window = js.window
document = js.document
STEPS_PER_FRAME = 2  # path points revealed per animation frame
REDUCED_MOTION = window.matchMedia("(prefers-reduced-motion: reduce)").matches

state = {"frame": None, "upto": 0, "steps": 0, "ready": False}


def mark(name):
    """A performance mark the tests wait for: lr:ready once, then lr:updated."""
    window.performance.mark(name)


def settled():
    """A figure has finished drawing."""
    mark("lr:updated" if state["ready"] else "lr:ready")
    state["ready"] = True


# --- the descent figure -------------------------------------------------------------------


def setup_descent():
    """Fill the problem choices and put the slider at the figure's first rate."""
    select = el("gd-problem")
    for key in optim.DESCENT_PROBLEMS:
        option = make("option", None, optim.problem(key).label)
        option.value = key
        select.appendChild(option)
    select.value = "quadratic2d"
    slider = el("gd-lr")
    slider.max = str(optim.slider_positions())
    slider.value = str(optim.slider_position(optim.DESCENT_START_LR))


def update_descent():
    """Recompute the run for the controls as they are, draw it, start the animation."""
    try:
        view = optim.descent_view(el("gd-problem").value, int(el("gd-lr").value))
    except SpecError as err:
        el("gd-outcome").textContent = sentence(err.allowed) + "."
        el("gd").classList.add("lrx-stale")
        settled()
        return
    el("gd").classList.remove("lrx-stale")
    el("gd-lr-text").textContent = view["lr_text"]
    el("gd-lr").setAttribute("aria-valuetext", view["lr_text"])
    el("gd-mark").style.setProperty("--at", "%.3f%%" % (100.0 * view["mark"]))
    el("gd-mark-text").textContent = "Mark: " + view["mark_text"]
    el("gd").classList.toggle("learn-diverges", view["diverges"])
    window.lrFigures.draw(el("gd-path"), view["paths"])
    window.lrChart.render(el("gd-chart"), view["chart"])
    el("gd-outcome").textContent = view["outcome"]
    el("gd-loading").hidden = True
    animate(view["steps"])


def animate(steps):
    """Reveal the path step by step over the next frames (at once under reduced motion)."""
    if state["frame"] is not None:
        window.cancelAnimationFrame(state["frame"])
        state["frame"] = None
    if REDUCED_MOTION:
        window.lrFigures.reveal(el("gd-path"), steps)
        settled()
        return
    state["upto"], state["steps"] = 0, steps
    window.lrFigures.reveal(el("gd-path"), 0)
    state["frame"] = window.requestAnimationFrame(frame_proxy)


def frame(*args):
    """One animation frame: a few more points of the path."""
    state["upto"] = min(state["steps"], state["upto"] + STEPS_PER_FRAME)
    window.lrFigures.reveal(el("gd-path"), state["upto"])
    if state["upto"] < state["steps"]:
        state["frame"] = window.requestAnimationFrame(frame_proxy)
    else:
        state["frame"] = None
        settled()


frame_proxy = create_proxy(frame)


# --- the regimes figure -------------------------------------------------------------------


def update_regimes():
    """Redraw the four curves for the noise typed, or say why it cannot be used and keep
    the last curves, marked stale."""
    box, field = el("rg-noise-error"), el("rg-noise")
    try:
        view = optim.regimes_view(field.value)
    except SpecError as err:
        box.textContent = sentence(err.allowed) + "."
        box.hidden = False
        field.setAttribute("aria-invalid", "true")
        el("rg-results").classList.add("lrx-stale")
        el("rg-stale").hidden = False
        return
    box.hidden = True
    field.removeAttribute("aria-invalid")
    el("rg-results").classList.remove("lrx-stale")
    el("rg-stale").hidden = True
    window.lrChart.render(el("rg-chart"), view["chart"])
    legend = el("rg-legend")
    clear(legend)
    colors = window.lrChart.colors
    for label, color in view["legend"]:
        item = make("li")
        swatch = make("span", "lrx-swatch")
        swatch.setAttribute("aria-hidden", "true")
        swatch.style.setProperty("--c", colors[color % colors.length])
        item.appendChild(swatch)
        item.appendChild(make("span", None, label))
        legend.appendChild(item)


# --- events -------------------------------------------------------------------------------


def on_input(event):
    """Any control changed: redraw the figure it belongs to."""
    target = event.target.id
    if target in ("gd-problem", "gd-lr"):
        update_descent()
    elif target == "rg-noise":
        update_regimes()
        settled()


setup_descent()
update_regimes()
update_descent()
document.querySelector("article").addEventListener("input", create_proxy(on_input))
