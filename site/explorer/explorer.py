"""Page glue for the schedule explorer (runs in the browser under MicroPython).

It owns the DOM and nothing else. The state (what the user typed) lives in ``state``; every
input writes into it, then pycore.explorer validates it and computes the results in slices
between browser frames, so typing never waits for a long run. All numbers come formatted
from pycore.
"""
import json

import js

from dom import NextTask, clear, clipboard, create_proxy, el, field_error, listen, make
import pack

pack.mount()  # this page's pycore modules come as one file: see site/glue/pack.py

from pycore import dataio, explorer, form
from pycore.errors import SpecError
from pycore.spec import catalog, frameworks, names

window = js.window
document = js.document
STORE = "lr-explorer-state-v1"
SLICE_MS = 20  # compute for about this long before yielding to the browser: one more
# Job.advance() (pycore.explorer.SLICE values, a few ms) may follow, and a task stays
# under the 50 ms at which the browser counts it as long and typing starts to lag
RENDER_AFTER_MS = 15  # render in the same task only if computing took less than this
PROGRESS_MS = 1000  # the progress message changes at most this often

state = {"s": None, "job": None, "last": None, "values": None, "ready": False, "hover": None,
         "shown": None, "told": None, "told_at": 0.0, "export": None,
         "translation": None, "then_say": ""}
CATALOG = dict(((e["framework"], e["name"]), e) for e in catalog())


# --- the generated schedule form ---------------------------------------------------------


def node_at(raw, path):
    """The raw dict holding the value at a dotted path, and the last key."""
    parts = _split(path)
    cur = raw
    for part in parts[:-1]:
        cur = cur[part]
    return cur, parts[-1]


def _split(path):
    """'params.schedulers[1].params.gamma' -> ['params', 'schedulers', 1, 'params', 'gamma']."""
    out = []
    for piece in path.split("."):
        while "[" in piece:
            head, _, rest = piece.partition("[")
            if head:
                out.append(head)
            index, _, piece = rest.partition("]")
            out.append(int(index))
        if piece:
            out.append(piece)
    return out


def field_widget(f, value, path):
    """One labelled input for a catalogue field (its raw value shown as typed)."""
    fid = form.field_id(path)
    box = make("div", "lrx-field")
    kind = f["kind"]
    help_id, err_id = fid + "-help", fid + "-error"
    label = make("label", None, f["name"], {"for": fid})
    if kind == "bool":
        box.className = "lrx-field lrx-field--check"
        node = make("input", None, None, {"type": "checkbox", "id": fid, "data-path": path,
                                          "aria-describedby": help_id + " " + err_id})
        node.checked = bool(value)
        label.textContent = ""
        label.appendChild(node)
        label.appendChild(document.createTextNode(" " + f["name"]))
        box.appendChild(label)
    else:
        box.appendChild(label)
        if kind == "choice":
            node = make("select", None, None, {"id": fid, "data-path": path,
                                               "aria-describedby": help_id + " " + err_id})
            for c in f["choices"]:
                opt = make("option", None, c, {"value": c})
                node.appendChild(opt)
            node.value = value
        elif kind == "metric series":
            node = make("textarea", None, None, {
                "id": fid, "data-path": path, "rows": "6", "spellcheck": "false",
                "aria-describedby": help_id + " " + err_id})
            node.value = value
        else:
            node = make("input", None, None, {
                "type": "text", "id": fid, "data-path": path, "spellcheck": "false",
                "autocomplete": "off", "aria-describedby": help_id + " " + err_id})
            if kind in ("float", "int"):
                node.setAttribute("inputmode", "decimal")
            if f.get("nullable"):
                node.setAttribute("placeholder", "None")
            node.value = value
        box.appendChild(node)
    box.appendChild(make("small", "lrx-help", f["help"] + " " + _allowed(f), {"id": help_id}))
    box.appendChild(make("small", "lrx-error", "", {"id": err_id, "role": "alert",
                                                   "hidden": ""}))
    return box


def _allowed(f):
    text = f.get("allowed") or ""
    return ("(" + text[0].upper() + text[1:] + ".)") if text else ""


def render_schedule_fields(container, raw, prefix):
    """All fields of one (possibly nested) schedule, into container."""
    for f in form.fields(raw["framework"], raw["name"], child=bool(prefix)):
        path = prefix + f["path"]
        key = f["path"].split(".")[-1]
        if f["path"] == "lr":
            value = raw["lr"]
        elif f["path"] == "metrics":
            value = raw["metrics"]
        else:
            value = raw["params"][key]
        if f["kind"] == "schedule list":
            container.appendChild(children_widget(f, raw, prefix, key))
        elif f["kind"] == "kwargs list":
            container.appendChild(kwargs_widget(f, raw, prefix, key))
        else:
            container.appendChild(field_widget(f, value, path))
            if f["path"] == "metrics":
                container.appendChild(metrics_tools(raw, prefix))


def metrics_tools(raw, prefix):
    """Upload button and column choice for a metric series."""
    box = make("div", "lrx-field")
    fid = form.field_id(prefix + "metrics_column")
    box.appendChild(make("label", None, "Column (for CSV data)", {"for": fid}))
    sel = make("select", None, None, {"id": fid, "data-path": prefix + "metrics_column"})
    sel.appendChild(make("option", None, "last numeric column", {"value": ""}))
    try:
        cols = dataio.columns(raw["metrics"])
    except SpecError:
        cols = []
    for c in cols:
        sel.appendChild(make("option", None, c, {"value": c}))
    sel.value = raw.get("metrics_column", "")
    box.appendChild(sel)
    up = make("label", "md-button lrx-upload", "Upload a file…", {"for": "lrx-metrics-file"})
    box.appendChild(up)
    box.appendChild(make("input", None, None, {
        "type": "file", "id": "lrx-metrics-file", "accept": ".csv,.tsv,.txt,text/plain",
        "class": "lrx-file", "data-prefix": prefix}))
    return box


def children_widget(f, raw, prefix, key):
    """Editor for a list of child schedules: each with a name select and its fields."""
    box = make("fieldset", "lrx-children")
    box.appendChild(make("legend", None, f["name"]))
    box.appendChild(make("small", "lrx-help", f["help"]))
    options = f["children"]
    children = raw["params"][key]
    for i in range(len(children)):
        child = children[i]
        cpath = "%sparams.%s[%d]." % (prefix, key, i)
        item = make("div", "lrx-child")
        head = make("div", "lrx-child-header")
        sid = form.field_id(cpath + "name")
        head.appendChild(make("label", None, "%s[%d]" % (key, i), {"for": sid}))
        sel = make("select", None, None, {"id": sid, "data-path": cpath + "name",
                                          "data-action": "child-name"})
        for name in options:
            sel.appendChild(make("option", None, name, {"value": name}))
        sel.value = child["name"]
        head.appendChild(sel)
        if i > 0:
            head.appendChild(make("button", "md-button", "Move up", {
                "type": "button", "data-action": "child-up", "data-list": prefix + "params." + key,
                "data-index": str(i)}))
        head.appendChild(make("button", "md-button", "Remove", {
            "type": "button", "data-action": "child-remove",
            "data-list": prefix + "params." + key, "data-index": str(i)}))
        item.appendChild(head)
        item.appendChild(make("small", "lrx-error", "", {
            "id": form.field_id(cpath + "name") + "-error", "role": "alert", "hidden": ""}))
        body = make("div", "lrx-fields")
        render_schedule_fields(body, child, cpath)
        item.appendChild(body)
        box.appendChild(item)
    box.appendChild(make("button", "md-button", "Add a schedule", {
        "type": "button", "data-action": "child-add", "data-list": prefix + "params." + key}))
    box.appendChild(make("small", "lrx-error", "", {
        "id": form.field_id(prefix + "params." + key) + "-error", "role": "alert",
        "hidden": ""}))
    return box


def kwargs_widget(f, raw, prefix, key):
    """Editor for a list of argument objects (optax sgdr_schedule's cosine_kwargs)."""
    box = make("fieldset", "lrx-children")
    box.appendChild(make("legend", None, f["name"]))
    box.appendChild(make("small", "lrx-help", f["help"]))
    items = raw["params"][key]
    for i in range(len(items)):
        cpath = "%sparams.%s[%d]." % (prefix, key, i)
        item = make("div", "lrx-child")
        head = make("div", "lrx-child-header")
        head.appendChild(make("span", None, "%s[%d]" % (key, i)))
        head.appendChild(make("button", "md-button", "Remove", {
            "type": "button", "data-action": "child-remove",
            "data-list": prefix + "params." + key, "data-index": str(i)}))
        item.appendChild(head)
        body = make("div", "lrx-fields")
        for g in form.kwargs_fields(raw["framework"], f["schedule"]):
            body.appendChild(field_widget(g, items[i][g["name"]], cpath + g["name"]))
        item.appendChild(body)
        box.appendChild(item)
    box.appendChild(make("button", "md-button", "Add a cycle", {
        "type": "button", "data-action": "kwargs-add", "data-list": prefix + "params." + key,
        "data-schedule": f["schedule"]}))
    box.appendChild(make("small", "lrx-error", "", {
        "id": form.field_id(prefix + "params." + key) + "-error", "role": "alert",
        "hidden": ""}))
    return box


def render_form():
    """Rebuild the schedule selects and every generated field from the state."""
    raw = state["s"]["raw"]
    el("lrx-framework").value = raw["framework"]
    sel = el("lrx-name")
    clear(sel)
    for name in names(raw["framework"]):
        sel.appendChild(make("option", None, name, {"value": name}))
    sel.value = raw["name"]
    entry = CATALOG[(raw["framework"], raw["name"])]
    el("lrx-summary").textContent = entry["summary"]
    doc = el("lrx-doc")
    doc.setAttribute("href", entry["doc"])
    doc.textContent = "%s documentation of %s" % (raw["framework"], raw["name"])
    notes = el("lrx-notes")
    notes.textContent = entry["notes"]
    notes.hidden = not entry["notes"]
    box = el("lrx-params")
    clear(box)
    render_schedule_fields(box, raw, "")
    run = state["s"]["run"]
    for key in ("dataset_size", "batch_size", "devices", "accum", "steps_per_epoch", "epochs"):
        el("run-" + key).value = run[key]
    el("run-drop_last").checked = bool(run["drop_last"])
    el("run-from-" + run["length_from"]).checked = True
    el("run-stepping-" + run["stepping"]).checked = True
    el("lrx-at").value = state["s"]["at"]
    el("lrx-resume").value = state["s"]["resume"]
    el("lrx-log").checked = bool(state["s"]["log"])
    show_length_mode()


def show_length_mode():
    data = state["s"]["run"]["length_from"] == "data"
    el("run-data-fields").hidden = not data
    el("run-steps-fields").hidden = data


# --- state updates -----------------------------------------------------------------------


def on_input(event):
    target = event.target
    tid = target.id or ""
    s = state["s"]
    if tid.startswith("run-from-"):
        s["run"]["length_from"] = target.value
        show_length_mode()
    elif tid.startswith("run-stepping-"):
        s["run"]["stepping"] = target.value
    elif tid == "run-drop_last":
        s["run"]["drop_last"] = bool(target.checked)
    elif tid.startswith("run-"):
        s["run"][tid[4:]] = target.value
    elif tid == "lrx-at":
        s["at"] = target.value
    elif tid == "lrx-resume":
        s["resume"] = target.value
    elif tid == "lrx-log":
        s["log"] = bool(target.checked)
    elif tid == "lrx-every":
        export_every()
        return
    elif tid == "lrx-framework":
        fw = offered(target, frameworks(), s["raw"]["framework"])
        if fw is None:
            return
        s["raw"] = form.default_raw(fw, names(fw)[0])
        render_form()
        el("lrx-framework").focus()
    elif tid == "lrx-name":
        if offered(target, names(s["raw"]["framework"]), s["raw"]["name"]) is None:
            return
        s["raw"] = form.default_raw(s["raw"]["framework"], target.value)
        render_form()
        el("lrx-name").focus()
    elif target.getAttribute("data-path"):
        path = target.getAttribute("data-path")
        holder, key = node_at(s["raw"], path)
        if target.getAttribute("data-action") == "child-name":
            if offered(target, names(s["raw"]["framework"]), holder.get("name")) is None:
                return
            holder.clear()
            holder.update(form.default_raw(s["raw"]["framework"], target.value, child=True))
            refocus(render_form, target.id)
        elif target.type == "checkbox":
            holder[key] = bool(target.checked)
        else:
            holder[key] = target.value
            if key == "metrics" and event.type == "change":
                refocus(render_form, target.id)
    else:
        return
    update()


def offered(select, allowed, current):
    """The select's value when pycore knows it; otherwise the select goes back to current
    and the answer is None (a select's value is data too: a tampered page must not reach
    pycore with a name it does not have)."""
    if select.value in allowed:
        return select.value
    select.value = current
    return None


def refocus(fn, fid):
    """Run fn (which rebuilds DOM) and put the focus back on the element with id fid."""
    fn()
    node = el(fid)
    if node:
        node.focus()


def on_click(event):
    target = event.target.closest("[data-action]")
    if not target:
        return
    action = target.getAttribute("data-action")
    handler = ACTIONS.get(action)
    if handler:
        handler(target)


def _owner(list_path):
    """The raw schedule that holds the list at list_path ('...params.schedulers')."""
    owner_path = list_path[:list_path.rfind("params.")]
    if not owner_path:
        return state["s"]["raw"]
    holder, key = node_at(state["s"]["raw"], owner_path.rstrip("."))
    return holder[key]


def list_at(path):
    holder, key = node_at(state["s"]["raw"], path)
    return holder[key]


def child_add(target):
    items = list_at(target.getAttribute("data-list"))
    path = target.getAttribute("data-list")
    parent = _owner(path)
    framework = parent["framework"]
    items.append(form.default_raw(framework, form.child_names(framework, parent["name"])[0],
                                  child=True))
    structure_changed()


def kwargs_add(target):
    items = list_at(target.getAttribute("data-list"))
    items.append(form.default_kwargs(state["s"]["raw"]["framework"],
                                     target.getAttribute("data-schedule")))
    structure_changed()


def child_remove(target):
    items = list_at(target.getAttribute("data-list"))
    items.pop(int(target.getAttribute("data-index")))
    structure_changed()


def child_up(target):
    items = list_at(target.getAttribute("data-list"))
    i = int(target.getAttribute("data-index"))
    items[i - 1], items[i] = items[i], items[i - 1]
    structure_changed()


def structure_changed():
    render_form()
    update()


def reset(target):
    state["s"] = explorer.default_state()
    el("lrx-link-notice").hidden = True
    render_form()
    update()


def pin_current(target):
    values = state["values"]
    if values is None:
        return
    pins = state["s"]["pins"]
    if len(pins) >= explorer.MAX_PINS:
        say("At most %d curves can be pinned; remove one first." % explorer.MAX_PINS)
        return
    label = "%s #%d" % (explorer.schedule_label(values["clean"]), len(pins) + 1)
    pins.append({"label": label, "spec": values["clean"],
                 "stepping": values["run"]["stepping"]})
    update()


def compare_frameworks(target):
    start_translation(_pin_translations)


def _pin_translations(values, tabs):
    pins = explorer.pins_of(tabs, values["run"]["stepping"])
    room = explorer.MAX_PINS - len(state["s"]["pins"])
    state["s"]["pins"].extend(pins[:max(0, room)])
    state["then_say"] = "Pinned %d translated curves." % min(len(pins), max(0, room))
    update()


def start_translation(then):
    """Search the other frameworks for this schedule a piece at a time (about a second
    of work in all), then call then(values, code tabs). A new search replaces one under
    way; one for a schedule that has changed meanwhile is dropped."""
    values = state["values"]
    if values is None:
        return
    say("Translating into the other frameworks…")
    state["translation"] = (explorer.code_tabs_steps(values["clean"], values["n"]), values,
                            then)
    translation_task.schedule()


def translating():
    work = state["translation"]
    if work is None:
        return
    pieces, values, then = work
    found = []  # the tabs, the search's last piece

    def step():
        found.append(next(pieces))
        return found[-1] is not None

    try:
        if not work_for_a_while(step):
            translation_task.schedule()
            return
    except SpecError as err:
        state["translation"] = None
        say("No translation: %s" % err.allowed)
        return
    tabs = found[-1]
    state["translation"] = None
    if state["values"] is not None and state["values"]["clean"] == values["clean"]:
        then(values, tabs)
    else:
        say("")


translation_task = NextTask(translating)


def clear_pins(target):
    state["s"]["pins"] = []
    update()


def unpin(target):
    state["s"]["pins"].pop(int(target.getAttribute("data-index")))
    update()


def say(text):
    el("lrx-status").textContent = text


def tell(work, text):
    """Progress of a long piece of work in the status line: at once for new work, then at
    most once per PROGRESS_MS (the status is a live region: a screen reader would
    otherwise hear every slice)."""
    now = window.performance.now()
    if work is not state["told"] or now - state["told_at"] > PROGRESS_MS:
        say(text)
        state["told"], state["told_at"] = work, now


def work_for_a_while(step, start=None):
    """Call step() until it returns True (done: return True) or SLICE_MS have passed since
    start (default now: return False, the caller goes on in a new task)."""
    if start is None:
        start = window.performance.now()
    while not step():
        if window.performance.now() - start > SLICE_MS:
            return False
    return True


def download(name, mime, text):
    blob = js.Blob.new([text], {"type": mime})
    url = window.URL.createObjectURL(blob)
    _save_url(name, url)
    window.URL.revokeObjectURL(url)


def _save_url(name, url):
    a = make("a", None, None, {"href": url, "download": name})
    document.body.appendChild(a)
    a.click()
    document.body.removeChild(a)


def export_every():
    text = el("lrx-every").value
    try:
        every = explorer.read_every(text)
    except SpecError as err:
        field_error("lrx-every", form.sentence(err.allowed))
        return None
    field_error("lrx-every", "")
    return every


def export_csv(target):
    start_export("csv")


def export_json(target):
    start_export("json")


EXPORT_TYPES = {"csv": "text/csv", "json": "application/json"}


def start_export(kind):
    """Write the CSV or JSON file of the results shown, a slice at a time (a long run's
    file takes seconds), then download it. A new export replaces one being written."""
    every = export_every()
    job = state["job"]
    if not every:
        return
    if job is None or job is not state["shown"]:
        say("Nothing to export until results are shown: fix the marked fields, or wait "
            "for the computation to finish.")
        return
    state["export"] = explorer.Export(job, every, kind)
    exporting()


def exporting():
    export = state["export"]
    if export is None:
        return
    try:
        if not work_for_a_while(export.advance):
            tell(export, "Writing the %s file… %d%%" % (
                export.kind.upper(), int(100 * export.progress())))
            export_task.schedule()
            return
        text = export.text()
    except SpecError as err:  # JSON has no NaN or infinity
        state["export"] = None
        say(form.sentence(err.allowed))
        return
    state["export"] = None
    download(_file_stem() + "." + export.kind, EXPORT_TYPES[export.kind], text)
    say("")


export_task = NextTask(exporting)


def export_svg(target):
    if state["job"] and state["job"].main.done():
        download(_file_stem() + ".svg", "image/svg+xml", explorer.chart_svg(state["job"]))


def export_png(target):
    _save_url(_file_stem() + ".png", window.lrChart.png(el("lrx-chart")))


def _file_stem():
    clean = state["values"]["clean"]
    return "lr-%s-%s" % (clean["framework"], clean["name"])


def copy_text(text, what):
    clipboard(text, lambda: say("%s copied to the clipboard." % what),
              lambda: say("The browser refused clipboard access; select the text and copy "
                          "it by hand."))


def copy_link(target):
    copy_text(window.location.href, "Link")


def copy_code(target):
    node = el(target.getAttribute("data-target"))
    copy_text(node.textContent, "Code")


def show_tab(target):
    """Select one code tab (roving tabindex, aria-selected)."""
    for tab in document.querySelectorAll("#lrx-code-tabs [role=tab]"):
        selected = tab == target
        tab.setAttribute("aria-selected", "true" if selected else "false")
        tab.setAttribute("tabindex", "0" if selected else "-1")
        el(tab.getAttribute("aria-controls")).hidden = not selected


def other_code(target):
    start_translation(_show_other_code)


def _show_other_code(values, tabs):
    render_code(tabs)
    say("Code for %d frameworks." % len(tabs))


ACTIONS = {"child-add": child_add, "child-remove": child_remove, "child-up": child_up,
           "kwargs-add": kwargs_add, "reset": reset, "pin": pin_current,
           "compare-frameworks": compare_frameworks, "clear-pins": clear_pins,
           "unpin": unpin, "csv": export_csv, "json": export_json, "svg": export_svg,
           "png": export_png, "copy-link": copy_link, "copy-code": copy_code,
           "tab": show_tab, "other-code": other_code}


# --- validation, computation and results -------------------------------------------------


def show_errors(errors):
    """Each message beside its field; fields without one are cleared."""
    shown = {}
    for path in errors:
        fid = _error_target(path)
        shown[fid] = shown.get(fid, "") + ((" " if fid in shown else "") + errors[path])
    for box in document.querySelectorAll("#lrx .lrx-error"):
        fid = box.id[:-len("-error")]
        if fid != "lrx-every":
            field_error(fid, shown.get(fid, ""))
    for fid in shown:
        if not el(fid + "-error"):
            field_error("lrx-form", (el("lrx-form-error").textContent + " " + shown[fid]).strip())


def _error_target(path):
    """The field id a message belongs to: the field itself, else its nearest parent."""
    if path.startswith("run."):
        return "run-" + path[4:]
    if path in ("at", "resume"):
        return "lrx-" + path
    while path:
        fid = form.field_id(path)
        if el(fid + "-error"):
            return fid
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return "lrx-form"


def save_state():
    try:
        window.localStorage.setItem(STORE, json.dumps(state["s"]))
    except Exception:
        pass  # storage full or disabled: the link still holds the state


def update():
    """Validate the state; start computing when it is valid, else mark results stale."""
    begin = window.performance.now()
    save_state()
    try:
        values, errors = explorer.read(state["s"])
    except SpecError as err:
        values, errors = None, {err.field: form.sentence(err.allowed)}
    show_errors(errors)
    stale = bool(errors)
    results = el("lrx-results")
    if stale:
        results.classList.add("lrx-stale")
        el("lrx-stale-note").hidden = False
        state["job"], state["then_say"] = None, ""
        return
    state["values"] = values
    # The last job's finished curves are reused when only the chosen step, the resume
    # update, the log scale or the pins changed.
    state["job"] = state["last"] = explorer.Job(values, state["last"])
    window.history.replaceState(None, "", "#" + explorer.fragment_of(state["s"], values))
    compute(begin)


def compute(start=None):
    """Compute slices of the current job until SLICE_MS after start (the time the task
    began: now, or the input event's start), then hand the thread back to the browser
    (typing, painting) and go on in a new task; render once the job is done.

    An edit while a job runs replaces the job: the task already waiting goes on with the
    new one (NextTask keeps one waiting at most). A job is rendered once."""
    job = state["job"]
    if job is None or job is state["shown"]:
        return
    if start is None:
        start = window.performance.now()
    # rendering (about 20-30 ms) goes in a task of its own after a long computation
    if work_for_a_while(job.advance, start) and (
            window.performance.now() - start < RENDER_AFTER_MS):
        state["shown"] = job
        render(job)
        return
    el("lrx-results").classList.add("lrx-stale")
    tell(job, "Computing… %d%%" % int(100 * job.progress()))
    later.schedule()


later = NextTask(compute)


def set_text(key, text):
    el(key).textContent = text


def render(job):
    r = job.result()
    results = el("lrx-results")
    results.classList.remove("lrx-stale")
    el("lrx-stale-note").hidden = True
    el("lrx-form-error").hidden = True
    set_text("lrx-at-label", "Learning rate at " + r["at_text"])
    out = el("lrx-lr")
    out.textContent = r["lr_text"]
    out.setAttribute("data-value", r["lr_repr"])
    set_text("lrx-phase", r["phase"] or "-")
    set_text("lrx-next", r["next_change"] or "-")
    fill_rows("lrx-stats", r["stats"] + r["run_rows"])
    render_warnings(r["warnings"])
    render_legend(r["legend"])
    render_table(r["table"])
    render_resume(r["resume"])
    render_code(explorer.code_tabs_own(job.v["clean"]))
    window.lrChart.render(el("lrx-chart"), r["chart_json"])
    state["hover"] = r["chart"]
    if not state["ready"] or isinstance(state["told"], explorer.Job) or state["then_say"]:
        # the start-up or progress message goes (for what the change was, if it said);
        # other messages (copied, refused) stay
        say(state["then_say"])
        state["told"], state["then_say"] = None, ""
    window.performance.mark("lr:updated" if state["ready"] else "lr:ready")
    state["ready"] = True


def fill_rows(key, rows):
    dl = el(key)
    clear(dl)
    for label, text in rows:
        dl.appendChild(make("dt", None, label))
        dl.appendChild(make("dd", None, text))


def render_warnings(warnings):
    box = el("lrx-warnings")
    clear(box)
    for w in warnings:
        li = make("li", "lrx-warning" if w["level"] == "warning" else "lrx-info", None,
                  {"data-id": w["id"]})
        li.appendChild(make("strong", None, w["text"]))
        li.appendChild(document.createTextNode(" "))
        li.appendChild(make("span", None, "Fix: " + w["fix"] if w["fix"] else ""))
        box.appendChild(li)
    el("lrx-no-warnings").hidden = bool(warnings)


def render_legend(legend):
    box = el("lrx-legend")
    clear(box)
    for i in range(len(legend)):
        item = legend[i]
        li = make("li", None, None, {"data-key": item["key"]})
        colors = window.lrChart.colors
        pinned = item["key"].startswith("pin")
        sw = make("span", "lrx-swatch lrx-swatch--pinned" if pinned else "lrx-swatch", None,
                  {"aria-hidden": "true"})
        sw.style.setProperty("--c", colors[item["color"] % colors.length])
        li.appendChild(sw)
        li.appendChild(make("span", None, item["label"]))
        if item["note"]:
            li.appendChild(make("small", None, " (" + item["note"] + ")"))
        if item["key"].startswith("pin"):
            li.appendChild(make("button", "lrx-unpin", "Remove", {
                "type": "button", "data-action": "unpin", "data-index": item["key"][3:],
                "aria-label": "Remove pinned curve " + item["label"]}))
        box.appendChild(li)


def render_table(rows):
    body = el("lrx-table-body")
    clear(body)
    for step, text, exact in rows:
        tr = make("tr")
        tr.appendChild(make("td", None, step))
        tr.appendChild(make("td", None, text))
        tr.appendChild(make("td", None, exact))
        body.appendChild(tr)


def render_resume(advice):
    box = el("lrx-resume-out")
    clear(box)
    if advice is None:
        box.appendChild(make("p", None, "Enter an update number to resume from."))
        return
    dl = make("dl")
    for label, text in explorer.resume_rows(advice):
        dl.appendChild(make("dt", None, label))
        dl.appendChild(make("dd", None, text))
    box.appendChild(dl)
    ol = make("ol")
    for line in advice["steps"]:
        ol.appendChild(make("li", None, line))
    box.appendChild(ol)
    pre = make("pre", "lrx-code")
    pre.appendChild(make("code", None, advice["code"], {"id": "lrx-resume-code"}))
    box.appendChild(pre)
    box.appendChild(make("button", "md-button", "Copy", {
        "type": "button", "data-action": "copy-code", "data-target": "lrx-resume-code"}))


def render_code(tabs):
    """Code tabs: one per framework, a copy button each."""
    bar = el("lrx-code-tabs")
    panels = el("lrx-code-panels")
    clear(bar)
    clear(panels)
    for i in range(len(tabs)):
        tab = tabs[i]
        tid, pid = "lrx-tab-" + tab["framework"], "lrx-panel-" + tab["framework"]
        bar.appendChild(make("button", None, tab["framework"], {
            "type": "button", "role": "tab", "id": tid, "aria-controls": pid,
            "aria-selected": "true" if i == 0 else "false", "tabindex": "0" if i == 0 else "-1",
            "data-action": "tab"}))
        panel = make("div", "lrx-panel", None, {"role": "tabpanel", "id": pid,
                                               "aria-labelledby": tid})
        panel.hidden = i != 0
        if tab["note"]:
            panel.appendChild(make("p", "lrx-help", tab["note"]))
        if tab["code"]:
            pre = make("pre", "lrx-code")
            pre.appendChild(make("code", None, tab["code"], {"id": "lrx-code-" + tab["framework"]}))
            panel.appendChild(pre)
            panel.appendChild(make("button", "md-button", "Copy", {
                "type": "button", "data-action": "copy-code",
                "data-target": "lrx-code-" + tab["framework"]}))
        panels.appendChild(panel)
    el("lrx-other-code").hidden = len(tabs) > 1


def on_hover(event):
    detail = event.detail
    chart = state["hover"]
    if detail is None or chart is None:
        set_text("lrx-hover", "")
        return
    set_text("lrx-hover", explorer.hover_text(chart, detail.curve, detail.index,
                                              state["values"]["run"]))


def on_tab_keys(event):
    """Arrow keys move between code tabs (the tabs pattern)."""
    if event.target.getAttribute("role") != "tab" or event.key not in ("ArrowLeft", "ArrowRight"):
        return
    tabs = list(document.querySelectorAll("#lrx-code-tabs [role=tab]"))
    i = tabs.index(event.target) + (1 if event.key == "ArrowRight" else -1)
    nxt = tabs[i % len(tabs)]
    show_tab(nxt)
    nxt.focus()
    event.preventDefault()


def on_file(event):
    """Read an uploaded metric file into the metrics field (as text, never as HTML)."""
    node = event.target
    if node.id != "lrx-metrics-file" or not node.files.length:
        return
    f = node.files.item(0)
    if f.size > explorer.MAX_UPLOAD:
        field_error(form.field_id(node.getAttribute("data-prefix") + "metrics"),
                   "The file is larger than %s bytes; upload at most that" %
                   explorer.MAX_UPLOAD_TEXT)
        return

    def loaded(text):
        prefix = node.getAttribute("data-prefix")
        holder, key = node_at(state["s"]["raw"], prefix + "metrics")
        holder[key] = text
        render_form()
        update()

    f.text().then(create_proxy(loaded))


def on_hash_change(event):
    load_fragment(window.location.hash)


def load_fragment(fragment):
    s, problems = explorer.read_fragment(fragment)
    state["s"] = s
    notice = el("lrx-link-notice")
    notice.textContent = " ".join(problems)
    notice.hidden = not problems
    render_form()
    update()


def start():
    form_node = el("lrx")
    listen(form_node, "input", on_input)
    listen(form_node, "change", on_file)
    listen(form_node, "change", _on_change)
    listen(form_node, "click", on_click)
    listen(form_node, "keydown", on_tab_keys)
    listen(el("lrx-chart"), "lr:hover", on_hover)
    listen(window, "hashchange", on_hash_change)
    if window.location.hash:
        load_fragment(window.location.hash)
        return
    saved = None
    try:
        saved = explorer.load_saved(window.localStorage.getItem(STORE))
    except Exception:
        saved = None
    state["s"] = saved or explorer.default_state()
    render_form()
    update()


def _on_change(event):
    """Text fields report edits on input; a file or metrics paste also needs change."""
    if event.target.getAttribute("data-path") and event.target.tagName == "TEXTAREA":
        on_input(event)


start()
