"""Page glue for the learning-rate calculator (runs in the browser under MicroPython).

It owns the DOM and nothing else: it reads the raw text of the inputs, hands it to
pycore.calculator, and writes back the messages, numbers, chart and URL fragment.
"""
import js

from dom import clipboard, el, field_error, listen

window = js.window
document = js.document

import pack

pack.mount()  # this page's pycore modules come as one file: see site/glue/pack.py

from pycore import calculator

state = {"copy_text": "", "ready": False}


def read_raw():
    """The raw value of every input, exactly as typed."""
    raw = {}
    for f in calculator.FIELDS:
        node = el(f.key)
        raw[f.key] = bool(node.checked) if f.kind == "bool" else node.value
    return raw


def write_raw(raw):
    """Put raw values into the inputs (used by Reset, examples and links)."""
    for f in calculator.FIELDS:
        node = el(f.key)
        if f.kind == "bool":
            node.checked = bool(raw[f.key])
        else:
            node.value = raw[f.key]


def show_errors(errors):
    """Show each field's message beside it, and clear the others."""
    for f in calculator.FIELDS:
        field_error(f.key, errors.get(f.key))
    el("lr-results").classList.toggle("lr-stale", bool(errors))
    el("lr-stale-note").hidden = not errors


def set_text(key, text):
    el(key).textContent = text


def render(values):
    """Compute with pycore and write every result, the chart and the copy text."""
    r = calculator.compute(values)
    result = el("lr-result")
    result.textContent = r["lr_text"]
    result.setAttribute("data-value", r["lr_repr"])
    set_text("r-epoch", r["epoch_text"])
    set_text("r-step", "%s of %s" % (r["step_text"], r["total_steps_text"]))
    set_text("r-drop", r["drop_percent_text"] + " %")
    set_text("r-end", "%s (epoch %s)" % (r["end_lr_text"], r["epochs_text"]))
    set_text("r-total", r["total_steps_text"])
    for c in r["comparisons"]:
        set_text("c-" + c["key"], c["lr_text"])
    window.lrChart.render(el("lr-chart"), r["chart"])
    state["copy_text"] = r["copy_text"]


def update(event=None, keep_url=False):
    """Re-validate all inputs; re-render when they are valid, else mark results stale."""
    values, errors = calculator.read_form(read_raw())
    show_errors(errors)
    set_text("lr-status", "")
    if errors:
        return
    render(values)
    if not keep_url:
        window.history.replaceState(None, "", "#" + calculator.fragment_of(values))
    window.performance.mark("lr:updated" if state["ready"] else "lr:ready")
    state["ready"] = True


def load_fragment(fragment):
    """Fill the form from a URL fragment and say what in it could not be used."""
    raw, problems = calculator.read_fragment(fragment)
    write_raw(raw)
    notice = el("lr-link-notice")
    notice.textContent = " ".join(problems)
    notice.hidden = not problems
    update(keep_url=True)


def on_input(event):
    update()


def on_reset(event):
    write_raw(calculator.defaults())
    el("lr-link-notice").hidden = True
    update()


def on_example(event):
    write_raw(calculator.example_inputs(event.currentTarget.getAttribute("data-example")))
    update()
    el("lr-calc").scrollIntoView()


def on_copy(event):
    clipboard(state["copy_text"] + "\nLink: " + window.location.href,
              lambda: set_text("lr-status", "Results copied to the clipboard."),
              lambda: set_text("lr-status", "The browser refused clipboard access; select "
                               "and copy the results by hand."))


def on_hash_change(event):
    load_fragment(window.location.hash)


listen(el("lr-form"), "input", on_input)
listen(el("lr-reset"), "click", on_reset)
listen(el("lr-copy"), "click", on_copy)
examples = document.querySelectorAll(".lr-example-load")
for i in range(examples.length):
    listen(examples.item(i), "click", on_example)
listen(window, "hashchange", on_hash_change)
if window.location.hash:
    load_fragment(window.location.hash)
else:
    update(keep_url=True)
