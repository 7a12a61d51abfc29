"""Page glue for "Adaptive optimizers" (runs in the browser under MicroPython).

It owns the DOM and nothing else: pycore.optim runs the six optimizers, reads the rates
as typed, maps the explorer's saved schedule onto the figure and words every result; this
file builds the table of optimizers, draws through window.lrFigures and window.lrChart,
and reveals the paths a few steps per browser frame (all at once when the reader prefers
reduced motion).
"""
import js

from dom import create_proxy, el, make
import pack

pack.unpack()  # this page's pycore modules arrive as one file: see site/glue/pack.py

from pycore import lessons, optim

window = js.window
document = js.document
EXPLORER_STORE = "lr-explorer-state-v1"  # where the explorer saves its state
STEPS_PER_FRAME = 6  # path points revealed per animation frame
REDUCED_MOTION = window.matchMedia("(prefers-reduced-motion: reduce)").matches

state = {"frame": None, "upto": 0, "steps": 0, "ready": False, "factors": None}


def mark(name):
    """A performance mark the tests wait for: lr:ready once, then lr:updated."""
    window.performance.mark(name)


def settled():
    """The figure has finished drawing."""
    mark("lr:updated" if state["ready"] else "lr:ready")
    state["ready"] = True


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
    reset_rates()


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
        show_error("op-" + key, errors.get(key, ""))
    for key in optim.OPTIMIZER_KEYS:
        show_error("op-lr-" + key, errors.get("lr." + key, ""))
    el("op-results").classList.toggle("lrx-stale", view is None)
    el("op-stale").hidden = view is not None
    if view is None:
        settled()
        return
    for key in optim.OPTIMIZER_KEYS:
        el("op-outcome-" + key).textContent = view["outcomes"][key]
    window.lrFigures.draw(el("op-path"), view["paths"])
    window.lrChart.render(el("op-loss"), view["loss"])
    window.lrChart.render(el("op-effective"), view["effective"])
    el("op-loading").hidden = True
    animate(view["steps"])


def show_error(field_id, message):
    """A message beside a field (its element id + "-error"), or none."""
    box = el(field_id + "-error")
    box.textContent = message
    box.hidden = not message
    if message:
        el(field_id).setAttribute("aria-invalid", "true")
    else:
        el(field_id).removeAttribute("aria-invalid")


def animate(steps):
    """Reveal the paths step by step over the next frames (at once under reduced motion)."""
    if state["frame"] is not None:
        window.cancelAnimationFrame(state["frame"])
        state["frame"] = None
    if REDUCED_MOTION:
        window.lrFigures.reveal(el("op-path"), steps)
        settled()
        return
    state["upto"], state["steps"] = 0, steps
    window.lrFigures.reveal(el("op-path"), 0)
    state["frame"] = window.requestAnimationFrame(frame_proxy)


def frame(*args):
    """One animation frame: a few more points of every path."""
    state["upto"] = min(state["steps"], state["upto"] + STEPS_PER_FRAME)
    window.lrFigures.reveal(el("op-path"), state["upto"])
    if state["upto"] < state["steps"]:
        state["frame"] = window.requestAnimationFrame(frame_proxy)
    else:
        state["frame"] = None
        settled()


frame_proxy = create_proxy(frame)


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
    update()


def on_focus(event):
    """Coming back from the explorer in another tab: read its schedule again."""
    if el("op-schedule").value == "explorer":
        state["factors"] = read_schedule()
        update()


setup()
state["factors"] = read_schedule()
update()
el("op").addEventListener("input", create_proxy(on_input))
window.addEventListener("focus", create_proxy(on_focus))
