"""Page glue for the Learn concept pages' figures (runs in the browser under MicroPython).

One file serves every concept page: it finds the figures on the page (elements with
``data-figure``), each driven by one slider (``data-control``), and owns their DOM and
nothing else. pycore.lessons reads the slider, computes and formats; this file writes the
text, charts and links. Slider moves are handled in animation frames, one bounded piece
of drawing per frame (a figure, or one card of the gallery), and a newer move replaces
the work of an older one, so dragging never blocks input; nothing animates by itself, so
reduced motion needs no special case. The sliders' positions live in the URL fragment.
"""
import js

from dom import clear, create_proxy, el, field_error, listen, make
import pack

pack.mount()  # this page's pycore modules come as one file: see site/glue/pack.py

from pycore import dataio, lessons
from pycore.errors import SpecError

window = js.window
document = js.document

# raw: each slider's text; moved: sliders moved since the last frame; jobs: the pieces of
# drawing still to do, (slider key, function, arguments), one per frame.
state = {"raw": {}, "moved": {}, "jobs": [], "frame": False}


def page_controls():
    """The keys of the sliders on this page, in page order."""
    nodes = document.querySelectorAll("[data-control]")
    return [nodes.item(i).getAttribute("data-control") for i in range(nodes.length)]


# --- rendering -------------------------------------------------------------------------------


def render_summary(node, pairs):
    """(label, text) pairs as a definition list."""
    clear(node)
    for label, text in pairs:
        node.appendChild(make("dt", None, label))
        node.appendChild(make("dd", None, text))


def render_legend(node, labels):
    """One swatch (in the chart's colour order) and label per curve."""
    clear(node)
    colors = window.lrChart.colors
    for i, label in enumerate(labels):
        li = make("li")
        swatch = make("span", "cpt-swatch", None, {"aria-hidden": "true"})
        swatch.style.setProperty("--c", colors[i % colors.length])
        li.appendChild(swatch)
        li.appendChild(make("span", None, label))
        node.appendChild(li)


def render_adam(warmup):
    """The Adam figure: summary, chart, legend and the explorer link of the warmup."""
    result = lessons.adam_warmup(warmup)
    render_summary(el("cpt-adam-summary"), result["summary"])
    window.lrChart.render(el("cpt-adam-chart"), result["chart_json"])
    labels = [c["label"] for c in result["chart"]["curves"]]
    render_legend(el("cpt-adam-legend"), labels)
    el("cpt-adam-link").setAttribute("href", "../../explorer/#" + result["fragment"])


def gallery_card(card):
    """One gallery card: title, what it is for, a chart slot, numbers and a link."""
    box = make("article", "cpt-card", None, {"data-family": card["key"]})
    box.appendChild(make("h3", "cpt-card-title", card["title"]))
    box.appendChild(make("p", "cpt-card-use", card["use"]))
    box.appendChild(make("div", "cpt-chart cpt-card-chart", None, {
        "role": "img", "aria-label": card["title"] + ": learning rate against update"}))
    box.appendChild(make("dl", "cpt-summary"))
    box.appendChild(make("a", "cpt-link", "Open in the schedule explorer"))
    return box


def render_card(family, percent):
    """One gallery card for a warmup of `percent` percent: built the first time, then
    only its numbers, chart and link change."""
    card = lessons.gallery_card(family, percent)
    holder = el("cpt-gallery-cards")
    box = holder.querySelector('[data-family="%s"]' % family)
    if box is None:
        box = gallery_card(card)
        holder.appendChild(box)
    render_summary(box.querySelector(".cpt-summary"), card["summary"])
    window.lrChart.render(box.querySelector(".cpt-card-chart"), card["chart_json"])
    link = box.querySelector(".cpt-link")
    link.setAttribute("href", "../../explorer/#" + card["fragment"])


def render_batch(power):
    """The batch figure: summary, the tuning page's chart, and its link."""
    result = lessons.batch_scaling(power)
    render_summary(el("cpt-batch-summary"), result["summary"])
    window.lrChart.render(el("cpt-batch-chart"), result["chart_json"])
    render_legend(el("cpt-batch-legend"), ["linear rule", "sqrt rule"])
    note = el("cpt-batch-note")
    note.textContent = result["note"]
    note.hidden = not result["note"]
    el("cpt-batch-link").setAttribute("href", "../../tuning/#" + result["fragment"])


def render_layers(hundredths):
    """The layer-wise figure: the tuning page's summary and chart, and its link."""
    result = lessons.layer_decay(hundredths)
    render_summary(el("cpt-layers-summary"), result["summary"])
    window.lrChart.render(el("cpt-layers-chart"), result["chart_json"])
    el("cpt-layers-link").setAttribute("href", "../../tuning/#" + result["fragment"])


RENDER = {"adam-warmup": render_adam, "batch-power": render_batch,
          "layer-decay": render_layers}


def show_error(key, text):
    """The slider's message beside it (None clears it); its figure marked stale."""
    field_error("cpt-" + key, text)
    el("cpt-" + key).closest("[data-figure]").classList.toggle("cpt-stale", bool(text))


def plan(key, everything):
    """Read one slider's text. Valid: describe it and return the work that redraws its
    figure, in pieces of one animation frame each (one per gallery card: all of them when
    `everything`, else only those a warmup changes). Invalid: say why beside the slider,
    keep the last picture, return no work."""
    try:
        value = lessons.read_control(key, state["raw"][key])
    except SpecError as err:
        show_error(key, dataio.sentence(err.allowed))
        return []
    show_error(key, None)
    el("cpt-%s-value" % key).textContent = lessons.describe_control(key, value)
    if key == "gallery-warmup":
        return [(key, render_card, (family, value)) for family in lessons.FAMILY_KEYS
                if everything or family in lessons.WARMUP_FAMILIES]
    return [(key, RENDER[key], (value,))]


def on_frame(*args):
    """One animation frame: turn moved sliders into work (dropping their stale work), do
    one piece, and come back next frame while work remains; lr:updated when all is drawn."""
    state["frame"] = False
    moved = [k for k in state["moved"]]
    state["moved"] = {}
    for key in moved:
        state["jobs"] = [j for j in state["jobs"] if j[0] != key] + plan(key, False)
    if moved:
        window.history.replaceState(None, "", "#" + lessons.fragment_of(state["raw"]))
    if state["jobs"]:
        _, draw, args = state["jobs"].pop(0)
        draw(*args)
    if state["jobs"]:
        next_frame()
    else:
        window.performance.mark("lr:updated")


frame_proxy = create_proxy(on_frame)


def next_frame():
    """Ask for one animation frame, unless one is already coming."""
    if not state["frame"]:
        state["frame"] = True
        window.requestAnimationFrame(frame_proxy)


def on_input(event):
    """Any slider: keep its text and redraw its figure from the next frame on."""
    key = event.target.getAttribute("data-control")
    if not key:
        return
    state["raw"][key] = event.target.value
    state["moved"][key] = True
    next_frame()


def on_submit(event):
    """Enter in a figure's form must not reload the page."""
    event.preventDefault()


def set_ranges():
    """Each slider's bounds and step, from pycore.lessons (the one place they are kept)."""
    for key in page_controls():
        lo, hi, step, _ = lessons.CONTROLS[key]
        node = el("cpt-" + key)
        node.min, node.max, node.step = str(lo), str(hi), str(step)


def load_fragment(fragment):
    """Set the sliders from a link, draw every figure, and say what could not be used."""
    raw, problems = lessons.read_fragment(fragment, page_controls())
    state["raw"] = raw
    state["jobs"] = []
    for key in raw:
        el("cpt-" + key).value = raw[key]
        for _, draw, args in plan(key, True):
            draw(*args)
    notice = el("cpt-link-notice")
    notice.textContent = " ".join(problems)
    notice.hidden = not problems


def on_hash_change(event):
    """A link opened in this tab (or the fragment edited by hand); a click in the table
    of contents (a heading's anchor) leaves the figures as they are."""
    if not lessons.is_state(window.location.hash):
        return
    load_fragment(window.location.hash)
    window.performance.mark("lr:updated")


def start():
    """Listen (one delegated listener per event type), then draw from the link."""
    content = document.querySelector(".md-content")
    listen(content, "input", on_input)
    listen(content, "submit", on_submit)
    listen(window, "hashchange", on_hash_change)
    set_ranges()
    load_fragment(window.location.hash or "")
    window.performance.mark("lr:ready")


start()
