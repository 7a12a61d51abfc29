"""Page glue for the tuning tools (runs in the browser under MicroPython).

It owns the DOM and nothing else: it builds the three forms from ``pycore.tuning``'s
fields, reads what was typed into a plain dict, lets pycore validate and compute, and
writes back the messages, summaries, tables, charts, code and URL fragment.
"""
import js

from dom import clear, clipboard, el, field_error, field_widget, listen, make
import pack

pack.mount()  # this page's pycore modules come as one file: see site/glue/pack.py

from pycore import tuning

window = js.window
document = js.document

SECTIONS = ("plan", "batch", "layers")
state = {"raw": tuning.defaults(), "code": {}, "ready": False}


# --- the forms ---------------------------------------------------------------------------


def build_forms():
    """Put every section's fields into its form."""
    for section in SECTIONS:
        holder = el("tun-%s-fields" % section)
        clear(holder)
        for f in tuning.fields(section):
            holder.appendChild(field_widget(f, "tun-" + f.key, {"id": "tun-%s-box" % f.key},
                                             {"data-key": f.key}))


def write_raw(raw):
    """Show raw text in the inputs (from the defaults or a link)."""
    for f in tuning.ALL_FIELDS:
        el("tun-" + f.key).value = raw[f.key]


def show_active(raw):
    """Hide the inputs that do not apply to the chosen mode, rule or optimizer."""
    for f in tuning.ALL_FIELDS:
        el("tun-%s-box" % f.key).hidden = not tuning.is_active(f, raw)


def show_errors(section, errors):
    """Each field's message beside it; the section's results dimmed while any is shown."""
    for f in tuning.fields(section):
        field_error("tun-" + f.key, errors.get(f.key))
    for part in ("results", "chart", "legend", "table", "code"):
        el("tun-%s-%s" % (section, part)).classList.toggle("lrx-stale", bool(errors))
    el("tun-%s-stale" % section).hidden = not errors


# --- results -----------------------------------------------------------------------------


def render_summary(section, pairs):
    """The (label, text) pairs as a definition list."""
    dl = el("tun-%s-summary" % section)
    clear(dl)
    for label, text in pairs:
        dl.appendChild(make("dt", None, label))
        dl.appendChild(make("dd", None, text))


def render_notes(section, notes):
    """Warnings and notes, each styled by its level; the list hidden when empty."""
    ul = el("tun-%s-notes" % section)
    clear(ul)
    for n in notes:
        ul.appendChild(make("li", "lrx-" + n["level"], n["text"]))
    ul.hidden = not notes


def render_legend(section, curves):
    """One swatch and label per chart curve, in the chart's colours."""
    ul = el("tun-%s-legend" % section)
    clear(ul)
    colors = window.lrChart.colors
    for c in curves:
        li = make("li")
        swatch = make("span", "lrx-swatch", None, {"aria-hidden": "true"})
        swatch.style.setProperty("--c", colors[c["color"] % colors.length])
        li.appendChild(swatch)
        li.appendChild(make("span", None, c["label"]))
        ul.appendChild(li)


def render_table(section, columns, rows):
    """The section's table: one header row, then one row per entry (text only)."""
    table = el("tun-%s-table" % section)
    clear(table)
    head = make("tr")
    for c in columns:
        head.appendChild(make("th", None, c, {"scope": "col"}))
    thead = make("thead")
    thead.appendChild(head)
    table.appendChild(thead)
    body = make("tbody")
    for row in rows:
        tr = make("tr")
        for cell in row:
            tr.appendChild(make("td", None, cell))
        body.appendChild(tr)
    table.appendChild(body)


def render(section, r):
    """Write one section's results."""
    render_summary(section, r["summary"])
    render_notes(section, r["notes"])
    render_table(section, r["columns"], r["rows"])
    el("tun-%s-code" % section).textContent = r["code"]
    state["code"][section] = r["code"]
    window.lrChart.render(el("tun-%s-chart" % section), r["chart_json"])
    render_legend(section, r["chart"]["curves"])


def update_section(section):
    """Validate one section; re-render it when valid, else show why and mark it stale."""
    values, errors = tuning.read(section, state["raw"])
    show_errors(section, errors)
    if not errors:
        render(section, tuning.compute(section, values))


def update(sections=SECTIONS, keep_url=False):
    """Re-validate and re-render the given sections, then the link and the timing mark."""
    show_active(state["raw"])
    for section in sections:
        update_section(section)
    if not keep_url:
        window.history.replaceState(None, "", "#" + tuning.fragment_of(state["raw"]))
    window.performance.mark("lr:updated" if state["ready"] else "lr:ready")
    state["ready"] = True


# --- events ------------------------------------------------------------------------------


def on_input(event):
    """Any input or select of any section: store its text, update its section."""
    key = event.target.getAttribute("data-key")
    if not key:
        return
    state["raw"][key] = event.target.value
    section = event.target.closest("[data-section]").getAttribute("data-section")
    update((section,))


def on_click(event):
    """The copy buttons."""
    button = event.target.closest("[data-copy]")
    if button:
        copy_code(button.getAttribute("data-copy"))


def copy_code(section):
    """Put the section's code on the clipboard and say whether that worked."""
    status = el("tun-%s-status" % section)

    def say(text):
        status.textContent = text

    clipboard(state["code"].get(section, ""), lambda: say("Copied to the clipboard."),
              lambda: say("The browser refused clipboard access; select the code and copy it."))


def on_submit(event):
    """Enter in a field must not reload the page."""
    event.preventDefault()


def load_fragment(fragment):
    """Fill the forms from a link and say what in it could not be used."""
    raw, problems = tuning.read_fragment(fragment)
    state["raw"] = raw
    write_raw(raw)
    notice = el("tun-link-notice")
    notice.textContent = " ".join(problems)
    notice.hidden = not problems
    update(keep_url=True)


def on_hash_change(event):
    """A link opened in this tab (or the fragment edited by hand)."""
    load_fragment(window.location.hash)


def start():
    """Build the forms, listen (one delegated listener per event type), fill from the link."""
    build_forms()
    page = el("tun-plan").parentNode
    listen(page, "input", on_input)
    listen(page, "click", on_click)
    listen(page, "submit", on_submit)
    listen(window, "hashchange", on_hash_change)
    load_fragment(window.location.hash or "")


start()
