"""Page glue for "What the learning rate does" (runs in the browser under MicroPython).

It owns the DOM and nothing else: pycore.optim computes the runs, the 2/L mark, every
number and sentence shown; this file fills the controls, draws through
window.lrFigures (site/assets/figures.js) and window.lrChart, and animates the path a few
steps per browser frame (all at once when the reader prefers reduced motion).
"""
import js

from dom import PathFigure, clear, el, field_error, listen, make
import pack

pack.mount()  # this page's pycore modules come as one file: see site/glue/pack.py

from pycore import optim
from pycore.dataio import sentence
from pycore.errors import SpecError

window = js.window
document = js.document

figure = PathFigure("gd-path", 2)  # marks, and the paths revealed 2 points a frame


# --- the descent figure -------------------------------------------------------------------


def setup():
    """Fill the problem choices, then set the controls from the link (else the figures'
    starting values)."""
    select = el("gd-problem")
    for key in optim.DESCENT_PROBLEMS:
        option = make("option", None, optim.problem(key).label)
        option.value = key
        select.appendChild(option)
    problem, position, noise = optim.lesson_read_fragment(window.location.hash)
    select.value = problem
    slider = el("gd-lr")
    slider.max = str(optim.slider_positions())
    slider.value = str(position)
    el("rg-noise").value = noise


def keep_link():
    """The controls as they are, in the URL fragment (a link to this page reopens them)."""
    window.history.replaceState(None, "", "#" + optim.lesson_fragment_of(
        el("gd-problem").value, int(el("gd-lr").value), el("rg-noise").value))


def update_descent():
    """Recompute the run for the controls as they are, draw it, start the animation."""
    try:
        view = optim.descent_view(el("gd-problem").value, int(el("gd-lr").value))
    except SpecError as err:
        el("gd-outcome").textContent = sentence(err.allowed) + "."
        el("gd").classList.add("lrx-stale")
        figure.settled()
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
    figure.animate(view["steps"])


# --- the regimes figure -------------------------------------------------------------------


def update_regimes():
    """Redraw the four curves for the noise typed, or say why it cannot be used and keep
    the last curves, marked stale."""
    try:
        view = optim.regimes_view(el("rg-noise").value)
        message = None
    except SpecError as err:
        message = sentence(err.allowed) + "."
    field_error("rg-noise", message)
    el("rg-results").classList.toggle("lrx-stale", bool(message))
    el("rg-stale").hidden = not message
    if message:
        return
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
    keep_link()
    if target in ("gd-problem", "gd-lr"):
        update_descent()
    elif target == "rg-noise":
        update_regimes()
        figure.settled()


setup()
update_regimes()
update_descent()
listen(document.querySelector("article"), "input", on_input)
