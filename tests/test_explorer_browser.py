"""The schedule explorer in a real Chromium: every result comes from pycore and every
failure mode is caught (foreign requests, console errors, .py-error) by conftest's Watch."""
import csv
import io
import json
from urllib.parse import unquote

from conftest import open_page
from pycore import explorer, form, lr_series, py_repr, validate


def value(page):
    return page.get_attribute("[data-testid=lr-result]", "data-value")


def same(shown, expected):
    """The browser's MicroPython libm may differ from CPython's by an ulp, which PyTorch's
    recursive schedules carry along (see test_micropython_parity.py): 1e-14 relative."""
    return abs(float(shown) - expected) <= 1e-14 * abs(expected)


def updated(page, count):
    page.wait_for_function(
        "performance.getEntriesByName('lr:updated').length >= %d" % count, timeout=30000)


def test_default_schedule_matches_pycore(context, site_url):
    page, watch = open_page(context, site_url + "explorer/")
    s = explorer.default_state()
    values, _ = explorer.read(s)
    assert value(page) == py_repr(lr_series(values["clean"], 1)[0])
    assert page.inner_text("#lrx-status") == ""
    assert page.locator("#run-data-fields").is_hidden()
    watch.check(page)


def test_typing_updates_results_chart_and_link(context, site_url):
    page, watch = open_page(context, site_url + "explorer/")
    page.fill("#lrx-at", "37")
    updated(page, 1)
    spec = {"framework": "pytorch", "name": "CosineAnnealingLR", "lr": 0.1,
            "params": {"T_max": 100}}
    assert same(value(page), lr_series(spec, 100)[37])
    fragment = unquote(page.evaluate("location.hash"))
    assert "step=37" in fragment
    assert page.locator("#lrx-chart canvas").count() >= 1
    watch.check(page)


def test_bad_value_shows_a_message_and_keeps_the_last_result(context, site_url):
    page, watch = open_page(context, site_url + "explorer/")
    before = value(page)
    fid = form.field_id("params.T_max")
    page.fill("#" + fid, "abc")
    page.wait_for_selector("#%s-error:not([hidden])" % fid)
    assert "number" in page.inner_text("#%s-error" % fid).lower()
    assert page.input_value("#" + fid) == "abc"
    assert "lrx-stale" in page.get_attribute("#lrx-results", "class")
    assert value(page) == before
    page.click("[data-action=csv]")  # the stale results are not exported
    assert page.inner_text("#lrx-status").startswith("Nothing to export")
    watch.check(page)


def test_switching_schedule_generates_its_form(context, site_url):
    page, watch = open_page(context, site_url + "explorer/")
    page.select_option("#lrx-framework", "transformers")
    updated(page, 1)
    page.select_option("#lrx-name", "linear")
    updated(page, 2)
    assert page.locator("#" + form.field_id("params.num_warmup_steps")).count() == 1
    watch.check(page)


def test_shared_link_reproduces_the_page(context, site_url):
    s = explorer.default_state()
    s["raw"] = form.raw_from_spec({"framework": "pytorch", "name": "OneCycleLR", "lr": 0.1,
                                   "params": {"max_lr": 0.1, "total_steps": 1000}})
    s["run"].update({"stepping": "update", "steps_per_epoch": "10", "epochs": "100"})
    s["at"] = "250"
    values, errors = explorer.read(s)
    assert errors == {}
    url = site_url + "explorer/#" + explorer.fragment_of(s, values)
    page, watch = open_page(context, url)
    assert same(value(page), lr_series(values["clean"], 1000)[250])
    assert page.input_value("#" + form.field_id("params.total_steps")) == "1000"
    watch.check(page)


TYPE_DURING_A_LONG_RUN = """(values) => {
  const input = document.getElementById('f-lr');
  const before = performance.getEntriesByName('lr:updated').length;
  window.__said = [];  // the status (a live region) as it changes
  window.__t0 = performance.now();
  new MutationObserver(() => window.__said.push(
    document.getElementById('lrx-status').textContent)).observe(
    document.getElementById('lrx-status'), { childList: true, characterData: true,
                                             subtree: true });
  for (const v of values) {  // three edits in one go: each starts a new computation
    input.value = v;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }
  window.__timerSaw = null;
  setTimeout(() => { window.__timerSaw = performance.getEntriesByName('lr:updated').length; });
  return [before, document.getElementById('lrx-status').textContent,
          document.getElementById('lrx-results').className];
}"""


def test_a_long_run_yields_to_the_browser_and_renders_the_last_edit_once(context, site_url):
    """200,000 updates take many slices: the page says it is computing (not once per
    slice), a timer set meanwhile runs before the result (the thread was handed back),
    and edits made during the computation give one render, of the last edit."""
    s = explorer.default_state()
    s["raw"] = form.raw_from_spec({"framework": "pytorch", "name": "CosineAnnealingLR",
                                   "lr": 0.1, "params": {"T_max": 200000}})
    s["run"].update({"stepping": "update", "steps_per_epoch": "2000", "epochs": "100"})
    s["at"] = "123457"
    values, errors = explorer.read(s)
    assert errors == {} and values["n"] == 200000
    page, watch = open_page(context, site_url + "explorer/#" + explorer.fragment_of(s, values))
    before, status, classes = page.evaluate(TYPE_DURING_A_LONG_RUN, ["0.2", "0.3", "0.4"])
    assert status.startswith("Computing")
    assert "lrx-stale" in classes
    updated(page, before + 1)
    page.wait_for_timeout(500)  # any second render of the same job would come by now
    assert page.evaluate("performance.getEntriesByName('lr:updated').length") == before + 1
    assert page.evaluate("window.__timerSaw") == before
    # the progress is told once per edit and at most once a second after that, not once
    # per slice: at most 3 + (seconds taken) messages, then the status is cleared
    said, took = page.evaluate("[window.__said, performance.now() - window.__t0]")
    assert said[-1] == "" and all(m.startswith("Computing") for m in said[:-1])
    assert len(said) - 1 <= 3 + int(took / 1000)
    spec = dict(values["clean"], lr=0.4)
    assert same(value(page), lr_series(spec, 200000)[123457])
    assert page.inner_text("#lrx-status") == ""
    assert "lrx-stale" not in page.get_attribute("#lrx-results", "class")
    watch.check(page)


def test_warning_appears_for_its_case(context, site_url):
    s = explorer.default_state()
    s["raw"] = form.raw_from_spec({"framework": "pytorch", "name": "OneCycleLR", "lr": 0.1,
                                   "params": {"max_lr": 0.1, "total_steps": 1000}})
    s["run"].update({"stepping": "update", "steps_per_epoch": "20", "epochs": "100"})
    values, _ = explorer.read(s)
    page, watch = open_page(context, site_url + "explorer/#" + explorer.fragment_of(s, values))
    assert page.locator("#lrx-warnings [data-id=onecycle_too_short]").count() == 1
    page.fill("#run-epochs", "50")
    updated(page, 1)
    assert page.locator("#lrx-warnings [data-id=onecycle_too_short]").count() == 0
    watch.check(page)


def test_csv_export_equals_lr_series(context, site_url):
    page, watch = open_page(context, site_url + "explorer/")
    with page.expect_download() as info:
        page.click("[data-action=csv]")
    rows = list(csv.reader(io.StringIO(open(info.value.path()).read())))
    spec = {"framework": "pytorch", "name": "CosineAnnealingLR", "lr": 0.1,
            "params": {"T_max": 100}}
    assert all(same(r[-1], x) for r, x in zip(rows[1:], lr_series(spec, 100)))
    assert len(rows) == 101
    watch.check(page)


def test_a_long_export_is_written_in_slices_then_downloaded(context, site_url):
    """3,000 rows with momentum take many slices: the status shows the progress, a timer
    set meanwhile runs before the download, and the file is pycore's export exactly."""
    s = explorer.default_state()
    spec = {"framework": "pytorch", "name": "OneCycleLR", "lr": 0.1,
            "params": {"max_lr": 0.1, "total_steps": 3000}}
    s["raw"] = form.raw_from_spec(spec)
    s["run"].update({"stepping": "update", "steps_per_epoch": "30", "epochs": "100"})
    values, errors = explorer.read(s)
    assert errors == {} and values["n"] == 3000
    page, watch = open_page(context, site_url + "explorer/#" + explorer.fragment_of(s, values))
    with page.expect_download() as info:
        status = page.evaluate("""() => {
          document.querySelector('[data-action=json]').click();
          window.__timerRan = false;
          setTimeout(() => { window.__timerRan = true; });
          return document.getElementById('lrx-status').textContent;
        }""")
    assert status.startswith("Writing the JSON file")
    data = json.loads(open(info.value.path()).read())
    assert page.evaluate("window.__timerRan")
    assert data["columns"] == ["step", "epoch", "lr", "momentum"] and len(data["rows"]) == 3000
    values["clean"] = data["spec"]
    assert all(same(row[2], x) for row, x in zip(data["rows"], lr_series(spec, 3000)))
    assert page.inner_text("#lrx-status") == ""
    watch.check(page)


def test_json_export_of_infinite_values_says_why_not(context, site_url):
    s = explorer.default_state()
    s["raw"] = form.raw_from_spec({"framework": "pytorch", "name": "ExponentialLR",
                                   "lr": 0.1, "params": {"gamma": 1e10}})
    values, _ = explorer.read(s)
    page, watch = open_page(context, site_url + "explorer/#" + explorer.fragment_of(s, values))
    page.click("[data-action=json]")
    page.wait_for_function(
        "document.getElementById('lrx-status').textContent.includes('infinity')")
    assert "CSV" in page.inner_text("#lrx-status")
    with page.expect_download() as info:
        page.click("[data-action=csv]")
    assert open(info.value.path()).read().rstrip().endswith(",inf")
    watch.check(page)


def test_state_survives_a_reload_through_local_storage(context, site_url):
    page, watch = open_page(context, site_url + "explorer/")
    fid = form.field_id("params.T_max")
    page.fill("#" + fid, "not yet")
    page.goto(site_url + "explorer/")
    page.wait_for_selector("#" + fid)
    page.wait_for_function("document.getElementById(%s).value === 'not yet'" % json.dumps(fid))
    watch.check(page)


def test_keyboard_reaches_every_control(context, site_url):
    page, watch = open_page(context, site_url + "explorer/")
    controls = page.eval_on_selector_all(
        "#lrx input:not([type=file]), #lrx select, #lrx button, #lrx-chart",
        "els => els.filter(e => e.offsetParent !== null).map(e => e.id || e.textContent)")
    seen = set()
    page.focus("#lrx-framework")
    for _ in range(200):
        seen.add(page.evaluate("document.activeElement.id || document.activeElement.textContent"))
        page.keyboard.press("Tab")
    radios = set(c for c in controls if c.startswith("run-from-") or c.startswith("run-stepping-"))
    missing = set(controls) - seen - radios  # a radio group is one tab stop
    assert missing == set()
    watch.check(page)


def test_spec_in_link_is_validated_like_typed_input(context, site_url):
    bad = json.dumps({"framework": "pytorch", "name": "StepLR", "lr": -1,
                      "params": {"step_size": 3}})
    page, watch = open_page(context, site_url + "explorer/#spec=" + explorer._quote(bad))
    assert "not used" in page.inner_text("#lrx-link-notice")
    assert validate(json.loads(unquote(page.evaluate("location.hash"))[6:].split("&")[0]))
    watch.check(page)


def _open_state(context, site_url, spec, **run):
    s = explorer.default_state()
    s["raw"] = form.raw_from_spec(spec)
    s["run"].update(run)
    values, errors = explorer.read(s)
    assert errors == {}
    page, watch = open_page(context, site_url + "explorer/#" + explorer.fragment_of(s, values))
    return page, watch, values


def test_formula_error_names_the_column(context, site_url):
    page, watch, _ = _open_state(context, site_url, {
        "framework": "pytorch", "name": "LambdaLR", "lr": 0.1,
        "params": {"lr_lambda": "0.95 ** epoch"}})
    fid = form.field_id("params.lr_lambda")
    page.fill("#" + fid, "0.95 ** (epoch")
    page.wait_for_selector("#%s-error:not([hidden])" % fid)
    assert "column" in page.inner_text("#%s-error" % fid).lower()
    watch.check(page)


def test_metric_series_drives_reduce_on_plateau(context, site_url):
    spec = {"framework": "pytorch", "name": "ReduceLROnPlateau", "lr": 0.1,
            "params": {"patience": 1}, "metrics": [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8]}
    page, watch, values = _open_state(context, site_url, spec)
    series = lr_series(values["clean"], 7)
    table = page.text_content("#lrx-table-body")  # inside a closed <details>
    assert py_repr(series[-1]) in table
    fid = form.field_id("metrics")
    page.fill("#" + fid, "1\n0.5\nabc")
    page.wait_for_selector("#%s-error:not([hidden])" % fid)
    assert "line 3" in page.inner_text("#%s-error" % fid).lower()
    watch.check(page)


def test_resume_helper_gives_the_lr_to_continue_with(context, site_url):
    spec = {"framework": "transformers", "name": "linear", "lr": 0.001,
            "params": {"num_warmup_steps": 100, "num_training_steps": 1000}}
    page, watch, values = _open_state(context, site_url, spec, stepping="update",
                                      steps_per_epoch="100", epochs="10")
    page.fill("#lrx-resume", "500")
    updated(page, 1)
    text = page.inner_text("#lrx-resume-out")
    assert "load_state_dict" in text
    from pycore import format_lr
    assert format_lr(lr_series(spec, 1000)[500]) in text
    watch.check(page)


def test_pins_and_log_scale(context, site_url):
    page, watch = open_page(context, site_url + "explorer/")
    page.click("[data-action=pin]")
    updated(page, 1)
    page.fill("#" + form.field_id("params.T_max"), "50")
    updated(page, 2)
    legend = page.inner_text("#lrx-legend")
    assert "differs by up to" in legend
    page.check("#lrx-log")
    updated(page, 3)
    assert "log=1" in page.evaluate("location.hash")
    watch.check(page)


def test_pytorch_snippet_reproduces_the_values(context, site_url):
    torch = __import__("pytest").importorskip("torch")
    page, watch = open_page(context, site_url + "explorer/")
    code = page.inner_text("#lrx-code-pytorch")
    model = torch.nn.Linear(1, 1)
    scope = {"model": model}
    exec(code, scope)
    got = []
    for _ in range(100):
        got.append(scope["optimizer"].param_groups[0]["lr"])
        scope["optimizer"].step()
        scope["scheduler"].step()
    rows = page.eval_on_selector_all("#lrx-table-body tr", "rs => rs.map(r => r.cells[2].textContent)")
    steps = page.eval_on_selector_all("#lrx-table-body tr", "rs => rs.map(r => r.cells[0].textContent)")
    for step, exact in zip(steps, rows):
        assert same(exact, got[int(step.split()[-1])])
    watch.check(page)


def test_copy_buttons_put_the_code_and_the_link_on_the_clipboard(context, site_url):
    page, watch = open_page(context, site_url + "explorer/")
    page.click("[data-action=copy-code][data-target=lrx-code-pytorch]")
    page.wait_for_function("document.querySelector('#lrx-status').textContent.length > 0")
    assert page.inner_text("#lrx-status") == "Code copied to the clipboard."
    assert page.evaluate("navigator.clipboard.readText()") == page.eval_on_selector(
        "#lrx-code-pytorch", "e => e.textContent")
    page.click("[data-action=copy-link]")
    page.wait_for_function("document.querySelector('#lrx-status').textContent.startsWith('Link')")
    assert page.evaluate("navigator.clipboard.readText()") == page.url
    watch.check(page)


def test_reset_returns_to_the_defaults(context, site_url):
    page, watch = open_page(context, site_url + "explorer/")
    first = value(page)
    page.select_option("#lrx-framework", "keras")
    updated(page, 1)
    page.click("[data-action=reset]")
    updated(page, 2)
    assert page.input_value("#lrx-framework") == "pytorch" and value(page) == first
    watch.check(page)


def test_children_can_be_added_and_removed(context, site_url):
    page, watch = open_page(context, site_url + "explorer/")
    page.select_option("#lrx-name", "SequentialLR")
    updated(page, 1)
    child = "#" + form.field_id("params.schedulers[2].name")
    assert page.locator(child).count() == 0
    page.click("[data-action=child-add]")
    # three children need two milestones: a message appears, the results go stale
    page.wait_for_selector(".lrx-error:not([hidden])")
    assert page.locator(child).count() == 1
    page.click("[data-action=child-remove][data-index='2']")
    updated(page, 2)
    assert page.locator(child).count() == 0
    assert page.locator(".lrx-error:not([hidden])").count() == 0
    watch.check(page)


def test_png_svg_and_json_downloads(context, site_url):
    page, watch = open_page(context, site_url + "explorer/")
    got = {}
    for action in ("png", "svg", "json"):
        with page.expect_download() as info:
            page.click("[data-action=%s]" % action)
        got[action] = open(info.value.path(), "rb").read()
    assert got["png"].startswith(b"\x89PNG")
    assert b"<svg" in got["svg"][:200]
    data = json.loads(got["json"])
    assert data["spec"]["name"] == "CosineAnnealingLR" and len(data["rows"]) == 100
    watch.check(page)


def test_hover_read_out_gives_the_exact_value(context, site_url):
    page, watch = open_page(context, site_url + "explorer/")
    page.focus("#lrx-chart")
    page.keyboard.press("Home")
    page.wait_for_function("document.getElementById('lrx-hover').textContent.length > 0")
    assert page.inner_text("#lrx-hover").startswith("epoch 0: LR 0.1")
    watch.check(page)


def test_compare_with_other_frameworks_pins_translations(context, site_url):
    """The search (many candidates per framework) goes a piece at a time: a timer set
    when it starts runs long before the translated curves are pinned."""
    page, watch = open_page(context, site_url + "explorer/")
    page.evaluate("""() => {
      document.querySelector('[data-action=compare-frameworks]').click();
      window.__sawPins = null;
      setTimeout(() => { window.__sawPins = document.querySelectorAll(
        '#lrx-legend [data-key^=pin]').length; });
    }""")
    updated(page, 1)
    assert page.evaluate("window.__sawPins") == 0
    legend = page.inner_text("#lrx-legend")
    for fw in ("transformers", "keras", "optax", "timm"):
        assert fw in legend
    assert page.inner_text("#lrx-status") == "Pinned 4 translated curves."
    watch.check(page)


def test_other_frameworks_code_comes_after_the_search(context, site_url):
    page, watch = open_page(context, site_url + "explorer/")
    assert page.locator("#lrx-code-tabs [role=tab]").count() == 1
    page.click("#lrx-other-code")
    page.wait_for_function("document.querySelectorAll('#lrx-code-tabs [role=tab]').length == 5")
    assert page.inner_text("#lrx-status") == "Code for 5 frameworks."
    watch.check(page)


def test_uploaded_metric_file_is_read_as_data(context, site_url, tmp_path):
    spec = {"framework": "pytorch", "name": "ReduceLROnPlateau", "lr": 0.1,
            "params": {"patience": 1}, "metrics": [1.0, 0.9]}
    page, watch, _ = _open_state(context, site_url, spec)
    f = tmp_path / "log.csv"
    f.write_text("1.0\n0.9\n<img src=x onerror=alert(1)>\n")
    page.set_input_files("#lrx-metrics-file", str(f))
    fid = form.field_id("metrics")
    page.wait_for_selector("#%s-error:not([hidden])" % fid)
    assert "line 3" in page.inner_text("#%s-error" % fid).lower()
    assert page.locator("img[src=x]").count() == 0
    watch.check(page)


def _warning_cases():
    """For each warning id: its first positive case and its first negative case."""
    from cases.sanity_cases import NEGATIVE, POSITIVE
    from pycore import sanity
    out = []
    for wid in sanity.ORDER:
        for present, table in ((True, POSITIVE), (False, NEGATIVE)):
            case = next(c for c in table if c[0] == wid)
            out.append((wid, case[1], case[2], case[3], present))
    return out


def _link_of(spec, run):
    """The explorer fragment of a spec over a sanity case's run."""
    s = explorer.default_state()
    s["raw"] = form.raw_from_spec(spec)
    s["run"].update({"length_from": "steps", "stepping": run["stepping"],
                     "steps_per_epoch": str(run["steps_per_epoch"]),
                     "epochs": str(run["epochs"])})
    values, errors = explorer.read(s)
    assert errors == {}, errors
    return explorer.fragment_of(s, values)


def test_each_warning_appears_for_its_case_and_not_otherwise(context, site_url):
    """Every sanity warning, opened from a link: shown for its first positive case, absent
    for its first negative case; the page lists exactly pycore.sanity's warnings."""
    from cases.sanity_cases import warnings_for
    cases = _warning_cases()
    assert len(set(c[0] for c in cases)) == 9
    page, watch = open_page(context, site_url + "explorer/")
    for count, (wid, name, spec, run, present) in enumerate(cases, 1):
        page.evaluate("(h) => { location.hash = h; }", _link_of(spec, run))
        updated(page, count)
        expected = warnings_for(spec, run)
        assert (wid in [w["id"] for w in expected]) == present, (wid, name)
        shown = page.locator("#lrx-warnings li")
        assert shown.evaluate_all("(items) => items.map((li) => li.dataset.id)") == [
            w["id"] for w in expected], (wid, name)
        texts = shown.all_inner_texts()
        for w, text in zip(expected, texts):
            assert w["text"] in text and (not w["fix"] or "Fix: " + w["fix"] in text)
        assert page.locator("#lrx-no-warnings").is_hidden() == bool(expected)
    watch.check(page)
