"""Page glue for the LR finder analyzer (runs in the browser under MicroPython).

It owns the DOM and nothing else: it reads the form into a state dict, hands it to
pycore.analyzer.view, and writes back the messages, table, range, chart, explorer links and
URL fragment. Every number shown comes formatted from pycore.
"""
import json

import js

from dom import clear, create_proxy, el, field_error, listen, make
import pack

pack.mount()  # this page's pycore modules come as one file: see site/glue/pack.py

from pycore import analyzer, dataio
from pycore.numfmt import format_int

window = js.window
document = js.document

FIELDS = ("log", "lr_column", "loss_column", "input", "spacing")
page = {"ready": False, "columns": None}


def read_state():
    """The form as a plain state dict, exactly as typed."""
    checked = document.querySelector("input[name=lrf-input]:checked")
    return {"log": el("lrf-log").value, "lr_column": el("lrf-lr-column").value,
            "loss_column": el("lrf-loss-column").value,
            "input": checked.value if checked else "smoothed", "spacing": el("lrf-spacing").value}


def write_state(state):
    """Put a state into the form (links and the example)."""
    el("lrf-log").value = state["log"]
    el("lrf-input-" + state["input"]).checked = True
    el("lrf-spacing").value = state["spacing"]
    page["columns"] = None
    fill_columns([], state["lr_column"], state["loss_column"])


def fill_columns(names, lr_choice, loss_choice):
    """The column selects: "automatic" plus the table's columns, keeping the choices."""
    key = "\n".join(names)
    if page["columns"] == key:
        return
    page["columns"] = key
    for sid, choice in (("lrf-lr-column", lr_choice), ("lrf-loss-column", loss_choice)):
        select = el(sid)
        clear(select)
        auto = make("option", None, "automatic")
        auto.value = ""
        select.appendChild(auto)
        for i in range(len(names)):
            option = make("option", None, "%d: %s" % (i + 1, names[i]))
            option.value = names[i]
            select.appendChild(option)
        select.value = choice if choice in names else ""
    el("lrf-columns").hidden = not names


def show_errors(errors):
    """Each field's message beside it (keeping what was typed); results marked stale."""
    for field in ("log", "lr_column", "loss_column"):
        field_error("lrf-" + field.replace("_", "-"), errors.get(field))
    stale = bool(errors) and not el("lrf-table").hidden
    el("lrf-stale").hidden = not stale
    el("lrf-results").classList.toggle("lrx-stale", stale)


def render_table(rows):
    """One table row per method: name, LR, point, reason."""
    body = el("lrf-rows")
    clear(body)
    for row in rows:
        tr = make("tr", "lrf-none" if row["lr_text"] == "none" else None)
        tr.setAttribute("data-method", row["method"])
        tr.appendChild(make("th", None, row["label"]))
        tr.lastChild.setAttribute("scope", "row")
        tr.appendChild(make("td", "lrf-lr", row["lr_text"]))
        tr.appendChild(make("td", None, row["index_text"]))
        tr.appendChild(make("td", "lrf-reason", row["reason"]))
        body.appendChild(tr)
    el("lrf-table").hidden = False


def render_range(view):
    """The recommended range, its note and the explorer buttons."""
    box = el("lrf-range")
    clear(box)
    for label, text in view["range_rows"]:
        box.appendChild(make("dt", None, label))
        box.appendChild(make("dd", None, text))
    box.hidden = not view["range_rows"]
    el("lrf-range-title").hidden = False
    note = el("lrf-range-note")
    note.textContent = view["range_note"]
    note.hidden = not view["range_note"]
    links = view["links"]
    el("lrf-links").hidden = not links
    if links:
        el("lrf-open-onecycle").setAttribute("href", links["OneCycleLR"])
        el("lrf-open-cyclic").setAttribute("href", links["CyclicLR"])


def render_legend(chart_json):
    """An HTML legend for the chart's curves (their colours from lrchart's palette)."""
    box = el("lrf-legend")
    clear(box)
    colors = window.lrChart.colors
    for curve in json.loads(chart_json)["curves"]:
        li = make("li")
        swatch = make("span", "lrx-swatch")
        swatch.setAttribute("aria-hidden", "true")
        swatch.style.setProperty("--c", colors[curve["color"] % colors.length])
        li.appendChild(swatch)
        li.appendChild(make("span", None, curve["label"]))
        box.appendChild(li)
    box.hidden = False


def hide_results():
    """No log yet: nothing to show but the prompt (not even the chart's empty frame)."""
    for key in ("lrf-chart", "lrf-table", "lrf-legend", "lrf-range", "lrf-range-title",
                "lrf-range-note", "lrf-links", "lrf-stale"):
        el(key).hidden = True
    window.lrChart.destroy(el("lrf-chart"))


def update(event=None, keep_url=False):
    """Read the form, analyse with pycore, and write every result."""
    state = read_state()
    if not state["log"].strip():
        show_errors({})
        hide_results()
        el("lrf-summary").textContent = ("Paste a log, open a file or load the example to see "
                                         "the suggestions.")
    else:
        view = analyzer.view(state)
        show_errors(view["errors"])
        if view["errors"]:
            el("lrf-summary").textContent = "The log could not be used: see the message in red."
        else:
            fill_columns(view["columns"], state["lr_column"], state["loss_column"])
            render_table(view["table"])
            render_range(view)
            el("lrf-chart").hidden = False
            window.lrChart.render(el("lrf-chart"), view["chart"])
            render_legend(view["chart"])
            el("lrf-summary").textContent = view["summary"]
    if not keep_url:
        window.history.replaceState(None, "", "#" + analyzer.fragment_of(state))
    window.performance.mark("lr:updated" if page["ready"] else "lr:ready")
    page["ready"] = True


def load_fragment(fragment):
    """Fill the form from a URL fragment and say what in it could not be used."""
    state, problems = analyzer.read_fragment(fragment)
    write_state(state)
    update(keep_url=True)
    if problems:
        el("lrf-summary").textContent = " ".join(problems) + " " + el("lrf-summary").textContent


def on_input(event):
    """The one delegated input listener of the form."""
    target = event.target
    if target.id == "lrf-file":
        return
    if target.id == "lrf-log":
        page["columns"] = None
    update()


def on_file(event):
    """Read the chosen file into the log box."""
    files = event.target.files
    if not files or files.length == 0:
        return
    chosen = files.item(0)
    if chosen.size > dataio.MAX_BYTES:
        show_errors({"log": "The file is %s bytes; the analyzer reads at most 5 MB." % (
            format_int(chosen.size))})
        return

    def loaded(text):
        el("lrf-log").value = text
        page["columns"] = None
        update()

    chosen.text().then(create_proxy(loaded))


def on_example(event):
    """Load the example raw log."""
    state = analyzer.default_state()
    state["log"] = analyzer.example_log()
    state["input"] = "raw"
    write_state(state)
    update()


def on_hash_change(event):
    load_fragment(window.location.hash)


def on_submit(event):
    """Enter in a field must not reload the page."""
    event.preventDefault()


listen(el("lrf-form"), "input", on_input)
listen(el("lrf-file"), "change", on_file)
listen(el("lrf-example"), "click", on_example)
listen(el("lrf-form"), "submit", on_submit)
listen(window, "hashchange", on_hash_change)
load_fragment(window.location.hash)
