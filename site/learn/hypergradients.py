"""Page glue for "Hypergradient descent" (runs in the browser under MicroPython).

It owns the DOM and nothing else: pycore.optim reads the inputs as typed, runs SGD, SGD-HD,
Adam and Adam-HD and words every result; this file fills the form, draws through
window.lrFigures and window.lrChart, keeps the inputs in the URL fragment, and reveals
the paths a few steps per browser frame (all at once when the reader prefers reduced
motion).
"""
import js

from dom import PathFigure, clear, el, field_error, listen, make
import pack

pack.mount()  # this page's pycore modules come as one file: see site/glue/pack.py

from pycore import optim

window = js.window
document = js.document
KEYS = optim.HD_KEYS

figure = PathFigure("hd-path", 5)  # marks, and the paths revealed 5 points a frame


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
    view, errors = optim.hypergradient_view(raw)
    for key in KEYS:
        field_error("hd-" + key, errors.get(key))
    el("hd-results").classList.toggle("lrx-stale", view is None)
    el("hd-stale").hidden = view is not None
    if view is None:
        figure.settled()
        return
    render_legend(view["outcomes"])
    window.lrChart.render(el("hd-rates"), view["rates"])
    window.lrChart.render(el("hd-loss"), view["loss"])
    window.lrFigures.draw(el("hd-path"), view["paths"])
    el("hd-loading").hidden = True
    figure.animate(view["steps"])


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


def on_input(event):
    """Any input changed: keep the inputs in the link (a link to this page reopens them;
    until then the URL is left alone, a heading's anchor included), and redraw."""
    window.history.replaceState(None, "", "#" + optim.hd_fragment_of(read_raw()))
    update()


setup()
update()
listen(el("hd"), "input", on_input)
