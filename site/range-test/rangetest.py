"""Page glue for the live LR range test (runs in the browser under MicroPython).

It owns the DOM and nothing else: it builds the form from pycore.rangetest.FIELDS, reads
the inputs as typed, and runs pycore.rangetest.RangeTest a few iterations at a time between
browser frames, so the page keeps answering clicks and typing while the test runs. Every
number shown comes formatted from pycore.
"""
import js

from dom import NextTask, clear, el, field_error, field_widget, listen, make
import pack

pack.mount()  # this page's pycore modules come as one file: see site/glue/pack.py

from pycore import rangetest

window = js.window
document = js.document
SLICE_MS = 25  # train for at most this long before yielding to the browser
CALL_MS = 8  # aim for advance() calls this long (each re-smooths the whole log)
DRAW_MS = 120  # redraw the growing curve at most this often

state = {"test": None, "drawn": 0.0, "examples": 32}
FIELDS = dict((f.key, f) for f in rangetest.FIELDS)


# --- the form -------------------------------------------------------------------------------


def build_form():
    """The fieldsets of pycore.rangetest.GROUPS, replacing the loading note."""
    holder = el("rt-fields")
    clear(holder)
    for title, keys in rangetest.GROUPS:
        fieldset = make("fieldset", "lrx-fieldset")
        fieldset.appendChild(make("legend", None, title))
        grid = make("div", "lrx-fields")
        for key in keys:
            grid.appendChild(field_widget(FIELDS[key], "rt-" + key))
        fieldset.appendChild(grid)
        holder.appendChild(fieldset)


def read_raw():
    """Every input's text exactly as typed."""
    return dict((key, el("rt-" + key).value) for key in rangetest.FIELD_KEYS)


def write_raw(raw):
    """Put raw text into the inputs (a link's state); unknown choices fall back."""
    for key in rangetest.FIELD_KEYS:
        el("rt-" + key).value = raw[key]
        if el("rt-" + key).value != raw[key]:
            el("rt-" + key).value = FIELDS[key].default


def show_errors(errors):
    """Each message beside its field; the others cleared."""
    for key in rangetest.FIELD_KEYS:
        field_error("rt-" + key, errors.get(key))


def validate():
    """Read the form: the spec when every field is valid (messages shown), else None."""
    raw = read_raw()
    spec, errors = rangetest.read(raw)
    show_errors(errors)
    window.history.replaceState(None, "", "#" + rangetest.fragment_of(raw))
    running = state["test"] is not None and state["test"].stopped is None
    el("rt-run").disabled = running or spec is None
    return spec


def mark(name):
    window.performance.mark(name)


# --- running --------------------------------------------------------------------------------


def start():
    """Start a new run with the inputs as they are."""
    spec = validate()
    if spec is None or (state["test"] is not None and state["test"].stopped is None):
        return
    test = rangetest.RangeTest(spec)
    state["test"] = test
    state["drawn"] = 0.0
    state["examples"] = 32
    el("rt-run").disabled = True
    el("rt-cancel").disabled = False
    el("rt-table").hidden = True
    el("rt-analyze-box").hidden = True
    el("rt-stale-note").hidden = True
    el("rt-results").classList.remove("lrx-stale")
    el("rt-progress").value = 0
    clear(el("rt-rows"))
    el("rt-progress-text").textContent = rangetest.progress_text(test)
    say("Running…")
    ticks.schedule()


def tick(*args):
    """Train for one slice, show the progress, then yield to the browser."""
    test = state["test"]
    if test is None:
        return
    begin = window.performance.now()
    done = False
    while not done and window.performance.now() - begin < SLICE_MS:
        done = advance(test)
    el("rt-progress").value = test.progress()
    if done:
        finish(test)
        return
    el("rt-progress-text").textContent = rangetest.progress_text(test)
    if window.performance.now() - state["drawn"] > DRAW_MS:
        window.lrChart.render(el("rt-chart"), rangetest.chart_json(test))
        state["drawn"] = window.performance.now()
    ticks.schedule()


ticks = NextTask(tick)


def advance(test):
    """One advance() call, its budget of training examples adapted so a call takes about
    CALL_MS: small models run many iterations per call, a wide batch is split over
    several calls."""
    begin = window.performance.now()
    done = test.advance(len(test.planned), state["examples"])
    took = window.performance.now() - begin
    if took < CALL_MS / 2:
        state["examples"] = min(state["examples"] * 2, 1 << 20)
    elif took > CALL_MS * 2 and state["examples"] > 1:
        state["examples"] = state["examples"] // 2
    return done


def cancel():
    """Stop the run after the current slice; what was recorded stays on the chart."""
    test = state["test"]
    if test is not None:
        test.cancel()
    el("rt-cancel").disabled = True


def finish(test):
    """The run has ended: final chart, the reason, and (unless cancelled) suggestions."""
    el("rt-cancel").disabled = True
    el("rt-progress-text").textContent = rangetest.progress_text(test)
    say(test.stopped)
    if test.cancelled or not test.losses:
        window.lrChart.render(el("rt-chart"), rangetest.chart_json(test))
    else:
        result = rangetest.suggestions(test)
        render_rows(result["rows"])
        window.lrChart.render(el("rt-chart"), rangetest.chart_json(test, result["marks"]))
        fragment = rangetest.analyzer_fragment(test)
        if fragment is not None:
            el("rt-analyze").setAttribute("href", "../lr-finder/#" + fragment)
        el("rt-analyze-box").hidden = fragment is None
    validate()
    mark("lr:updated")


def render_rows(rows):
    """The suggestions table: rule, LR, index in the log, one-line reason."""
    body = el("rt-rows")
    clear(body)
    for row in rows:
        tr = make("tr", None, None, {"data-method": row["method"]})
        tr.appendChild(make("th", None, row["label"], {"scope": "row"}))
        tr.appendChild(make("td", None, row["lr_text"]))
        tr.appendChild(make("td", None, row["index_text"]))
        tr.appendChild(make("td", "rt-why", row["why"]))
        body.appendChild(tr)
    el("rt-table").hidden = False


def say(text):
    """A sentence in the live region: the run started, or why it ended."""
    el("rt-status").textContent = text


# --- events ---------------------------------------------------------------------------------


def on_input(event):
    """Any input changed: check the form, keep the link current, mark results stale.
    Choosing a tool also picks its smoothing and stop factor."""
    if event.target.id == "rt-tool":
        write_raw(rangetest.with_tool(read_raw(), event.target.value))
    validate()
    test = state["test"]
    if test is not None and test.stopped is not None and test.losses:
        el("rt-results").classList.add("lrx-stale")
        el("rt-stale-note").hidden = False
    mark("lr:updated")


def on_cancel(event):
    """Cancel stops the run after the current slice."""
    cancel()


def on_submit(event):
    """Start (the form's submit button, or Enter in a field) runs the test."""
    event.preventDefault()
    start()


def load_fragment(fragment):
    """Fill the form from a link and say what in it could not be used."""
    raw, problems = rangetest.read_fragment(fragment)
    write_raw(raw)
    notice = el("rt-link-notice")
    notice.textContent = " ".join(problems)
    notice.hidden = not problems
    validate()


build_form()
listen(el("rt-form"), "input", on_input)
listen(el("rt-form"), "submit", on_submit)
listen(el("rt-cancel"), "click", on_cancel)
load_fragment(window.location.hash)
mark("lr:ready")
