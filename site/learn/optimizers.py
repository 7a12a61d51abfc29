"""Page glue for "Adaptive optimizers" (runs in the browser under MicroPython).

It owns the DOM and nothing else: pycore.optim runs the six optimizers, reads the rates
as typed, maps the explorer's saved schedule onto the figure and words every result; this
file builds the table of optimizers, draws through window.lrFigures and window.lrChart,
and reveals the paths a few steps per browser frame (all at once when the reader prefers
reduced motion).
"""
import js

from dom import PathFigure, el, field_error, listen, make
import pack

pack.mount()  # this page's pycore modules come as one file: see site/glue/pack.py

from pycore import lessons, optim

window = js.window
document = js.document
EXPLORER_STORE = "lr-explorer-state-v1"  # where the explorer saves its state

figure = PathFigure("op-path", 6)  # marks, and the paths revealed 6 points a frame
state = {"factors": None}


# --- the controls -------------------------------------------------------------------------


def setup():
    """Fill the problem choices and build one table row per optimizer."""
    select = el("op-problem")
    for key in optim.FIGURE_PROBLEMS:
        option = make("option", None, optim.problem(key).label)
        option.value = key
        select.appendChild(option)
    colors = window.lrChart.colors
    body = el("op-rows")
    for i, (key, label) in enumerate(optim.OPTIMIZERS):
        row = make("tr")
        name = make("th")
        name.setAttribute("scope", "row")
        check = make("label")
        box = make("input")
        box.type = "checkbox"
        box.id = "op-show-" + key
        box.checked = True
        check.appendChild(box)
        swatch = make("span", "lrx-swatch")
        swatch.setAttribute("aria-hidden", "true")
        swatch.style.setProperty("--c", colors[i % colors.length])
        check.appendChild(swatch)
        check.appendChild(make("span", None, label))
        name.appendChild(check)
        row.appendChild(name)
        cell = make("td")
        field = make("input")
        field.type = "text"
        field.id = "op-lr-" + key
        field.setAttribute("inputmode", "decimal")
        field.setAttribute("spellcheck", "false")
        field.setAttribute("autocomplete", "off")
        field.setAttribute("aria-label", label + " learning rate")
        field.setAttribute("aria-describedby", "op-lr-%s-error" % key)
        cell.appendChild(field)
        error = make("small", "lrx-error")
        error.id = "op-lr-%s-error" % key
        error.setAttribute("role", "alert")
        error.hidden = True
        cell.appendChild(error)
        row.appendChild(cell)
        result = make("td")
        result.appendChild(make("output", None, ""))
        result.firstChild.id = "op-outcome-" + key
        row.appendChild(result)
        body.appendChild(row)
    el("op-table").hidden = False
    problem, texts, shown, axis, schedule = optim.race_read_fragment(window.location.hash)
    select.value, el("op-axis").value, el("op-schedule").value = problem, axis, schedule
    for key in optim.OPTIMIZER_KEYS:
        el("op-lr-" + key).value = texts[key]
        el("op-show-" + key).checked = key in shown


def keep_link():
    """The controls as they are, in the URL fragment (a link to this page reopens them)."""
    window.history.replaceState(None, "", "#" + optim.race_fragment_of(
        el("op-problem").value, dict((k, el("op-lr-" + k).value) for k in optim.OPTIMIZER_KEYS),
        set(k for k in optim.OPTIMIZER_KEYS if el("op-show-" + k).checked),
        el("op-axis").value, el("op-schedule").value))


def reset_rates():
    """Each optimizer's rate field set to the figure's rate for the chosen problem."""
    texts = optim.default_lr_texts(el("op-problem").value)
    for key in optim.OPTIMIZER_KEYS:
        field = el("op-lr-" + key)
        field.value = texts[key]


def read_schedule():
    """The schedule choice as factors per step (None: constant), saying what it applied."""
    if el("op-schedule").value != "explorer":
        el("op-schedule-help").textContent = "Each optimizer keeps its own rate."
        return None
    try:
        saved = window.localStorage.getItem(EXPLORER_STORE)
    except Exception:  # storage disabled by the browser: nothing saved to read
        saved = None
    factors, sentence = lessons.schedule_view(saved)
    el("op-schedule-help").textContent = sentence
    return factors


# --- drawing ------------------------------------------------------------------------------


def update():
    """Run the optimizers for the controls as they are and draw the result; with a bad
    rate, say so beside it and keep the last figure, marked stale."""
    texts = dict((k, el("op-lr-" + k).value) for k in optim.OPTIMIZER_KEYS)
    shown = set(k for k in optim.OPTIMIZER_KEYS if el("op-show-" + k).checked)
    view, errors = optim.race_view(el("op-problem").value, texts, shown, state["factors"],
                                   el("op-axis").value)
    for key in ("problem", "axis"):
        field_error("op-" + key, errors.get(key, ""))
    for key in optim.OPTIMIZER_KEYS:
        field_error("op-lr-" + key, errors.get("lr." + key, ""))
    el("op-results").classList.toggle("lrx-stale", view is None)
    el("op-stale").hidden = view is not None
    if view is None:
        figure.settled()
        return
    for key in optim.OPTIMIZER_KEYS:
        el("op-outcome-" + key).textContent = view["outcomes"][key]
    window.lrFigures.draw(el("op-path"), view["paths"])
    window.lrChart.render(el("op-loss"), view["loss"])
    window.lrChart.render(el("op-effective"), view["effective"])
    el("op-loading").hidden = True
    figure.animate(view["steps"])


# --- events -------------------------------------------------------------------------------


def on_input(event):
    """Any control changed: a new problem resets the rates (a choice that is not a
    problem is reported by update), a schedule choice reads the explorer's state again;
    then the figure is redrawn."""
    target = event.target.id
    if target == "op-problem" and event.target.value in optim.DEFAULT_LRS:
        reset_rates()
    if target == "op-schedule":
        state["factors"] = read_schedule()
    keep_link()
    update()


def on_focus(event):
    """Coming back from the explorer in another tab: read its schedule again."""
    if el("op-schedule").value == "explorer":
        state["factors"] = read_schedule()
        update()


setup()
state["factors"] = read_schedule()
update()
listen(el("op"), "input", on_input)
listen(window, "focus", on_focus)
