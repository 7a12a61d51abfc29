"""MkDocs hooks: put the staged runtime and pycore into the site, fill in numbers that
pycore computes, and typeset math with the vendored KaTeX.

* ``on_files`` adds everything build.py staged in .build/stage/ (vendored runtime files)
  to the site, so site/ stays pure source.
* ``on_page_markdown`` gives each live page one pack of the pycore modules its glue
  imports (compiled by build.py into .build/mpy/; format in site/glue/pack.py), named
  after its content, and ``on_post_build`` writes the packs into assets/pycore/.
* ``on_page_markdown`` also replaces ``{{ ex1.result }}``-style placeholders with values from
  ``pycore.calculator.worked_example`` (numbers on pages are computed, never typed), and
  ``{{ widget.calculator }}`` with the calculator's HTML, generated from
  ``pycore.calculator.FIELDS`` so labels, defaults and help text have one source.
  For the examples page (``pycore.examples``): ``{{ resnet50.lr_2 }}``-style values of a
  recipe, ``{{ example.resnet50 }}`` for a recipe's settings, its LR along the run and the
  link that opens it in the explorer, ``{{ link.ex1 }}`` / ``{{ link.resnet50 }}`` for
  the button that opens an example in the calculator or the explorer, and
  ``{{ preset.resume }}`` for the (HTML-escaped, page-relative) address of an explorer
  preset, to put in an ``<a href="...">``.
* ``on_page_content`` renders arithmatex's ``\\(...\\)`` and ``\\[...\\]`` with KaTeX.
"""
import hashlib
import html
import json
import os
import re
import subprocess
import sys

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.environ.get("LR_OUT") or ROOT  # see build.py
STAGE = os.path.join(OUT, ".build", "stage")
MPY = os.path.join(OUT, ".build", "mpy")
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "site", "glue"))

import pack  # noqa: E402
import pycore  # noqa: E402
from pycore import calculator, dataio, examples, explorer, frameworks  # noqa: E402

PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\.(\w+)\s*\}\}")
MATH = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.S)


PACKS = {}  # site path of each pack -> its bytes, written out by on_post_build


def on_config(config):
    if not (os.path.isdir(STAGE) and os.path.isdir(MPY)):
        raise PluginError("nothing staged in .build/: build with `python3 build.py`")
    glue = os.path.join(config["docs_dir"], "glue")  # the helpers every live page loads
    for name in sorted(os.listdir(glue)):
        if name.endswith(".py"):
            check_glue(os.path.join(glue, name))
    PACKS.clear()
    return config


# `from pycore import a, b`, `from pycore.x import y`, `import pycore` in page glue, and
# `from .x import y`, `from . import a, b` inside pycore (indented, lazy imports included).
GLUE_IMPORT = re.compile(r"^\s*(?:from\s+pycore(?:\.(\w+))?\s+import\s+([\w, ()]+)|import\s+pycore)",
                         re.M)
CORE_IMPORT = re.compile(r"^\s*from\s+\.(\w*)\s+import\s+([\w, ()]+)", re.M)
GLUE_ATTRIBUTE = re.compile(r"\bpycore\.(\w+)")
# build.py drops PyScript's Python package from the runtime (trim_pyscript), so page
# Python must not import it: it would fail in the browser, not at build time.
PYSCRIPT_IMPORT = re.compile(r"^\s*(?:from|import)\s+pyscript\b", re.M)


def check_glue(path):
    """Refuse (PluginError) a page script that imports PyScript's `pyscript` package."""
    with open(path, encoding="utf-8") as f:
        if PYSCRIPT_IMPORT.search(f.read()):
            raise PluginError("%s imports pyscript, which the site's runtime does not ship "
                              "(build.py trim_pyscript); use js, and create_proxy from dom"
                              % os.path.relpath(path, ROOT))


def pycore_modules(glue_path):
    """The pycore modules a page's glue script needs: what it imports, and what those
    import, transitively (the package __init__ always, since any pycore import runs it).
    A name in ``pycore.LAZY`` (imported from pycore, or used as ``pycore.name``) brings
    its module. Each live page loads only these, which keeps its start-up short."""
    core = os.path.join(ROOT, "pycore")
    known = set(name[:-3] for name in os.listdir(core) if name.endswith(".py"))

    def named(module, names):
        if module:
            return [module]
        names = [n.strip() for n in names.strip("() ").split(",")]
        return [n for n in names if n in known] + [pycore.LAZY[n] for n in names
                                                   if n in pycore.LAZY]

    with open(glue_path, encoding="utf-8") as f:
        text = f.read()
    todo = ["__init__"]
    for module, names in (m.groups() for m in GLUE_IMPORT.finditer(text)):
        todo.extend(named(module, names or ""))
    todo.extend(pycore.LAZY[n] for n in GLUE_ATTRIBUTE.findall(text) if n in pycore.LAZY)
    seen = set()
    while todo:
        module = todo.pop()
        if module in seen or module not in known:
            continue
        seen.add(module)
        with open(os.path.join(core, module + ".py"), encoding="utf-8") as f:
            for sub, names in CORE_IMPORT.findall(f.read()):
                todo.extend(named(sub, names))
    return sorted(seen)


def core_pack(modules):
    """The site path of the pack holding these pycore modules' bytecode (recorded in
    PACKS). Named after its content, so pages with the same modules share one file and a
    changed module never meets a stale cached pack."""
    files = []
    for name in modules:
        with open(os.path.join(MPY, name + ".mpy"), "rb") as f:
            files.append(("pycore/%s.mpy" % name, f.read()))
    data = pack.write(files)
    path = "assets/pycore/pycore-%s.pack" % hashlib.sha256(data).hexdigest()[:16]
    PACKS[path] = data
    return path


def on_post_build(config):
    for path, data in PACKS.items():
        target = os.path.join(config["site_dir"], path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(data)


def on_files(files, config):
    for folder, _, names in os.walk(STAGE):
        for name in sorted(names):
            rel = os.path.relpath(os.path.join(folder, name), STAGE).replace(os.sep, "/")
            files.append(File(rel, STAGE, config["site_dir"], config["use_directory_urls"]))
    return files


def on_page_markdown(markdown, page, config, files):
    cache = {}
    if page.meta.get("pyscript_main"):
        glue = os.path.join(config["docs_dir"], page.meta["pyscript_main"])
        check_glue(glue)
        page.meta["pycore_pack"] = core_pack(pycore_modules(glue))

    def value(match):
        example, key = match.group(1), match.group(2)
        if example == "widget" and key == "calculator":
            return calculator_widget()
        if example == "widget" and key == "explorer":
            return explorer_widget()
        try:
            if example == "example":
                return example_block(key, page)
            if example == "link":
                return example_link(key, page)
            if example == "preset":
                return html.escape("%sexplorer/#%s" % (_root(page),
                                                       examples.preset_fragment(key)))
            if example not in cache:
                cache[example] = (examples.numbers(example) if example in examples.RECIPE_IDS
                                  else calculator.worked_example(example))
        except ValueError as err:
            raise PluginError("%s: %s" % (page.file.src_path, err))
        if not isinstance(cache[example].get(key), str):
            raise PluginError("%s: %s has no value %r" % (page.file.src_path, example, key))
        return cache[example][key]

    return PLACEHOLDER.sub(value, markdown)


def on_page_content(content, page, config, files):
    found = MATH.findall(content)
    if not found:
        return content
    items = []
    for tag, body in found:
        tex = html.unescape(body).strip()
        display = tex.startswith("\\[")
        items.append({"tex": tex[2:-2], "display": display})
    done = subprocess.run(["node", os.path.join(ROOT, "tools", "katex_render.mjs")],
                          input=json.dumps(items), capture_output=True, text=True)
    if done.returncode != 0:
        raise PluginError("KaTeX failed on %s: %s" % (page.file.src_path, done.stderr[-2000:]))
    rendered = iter(json.loads(done.stdout))

    def replace(match):
        return '<%s class="arithmatex">%s</%s>' % (match.group(1), next(rendered), match.group(1))

    return MATH.sub(replace, content)


def _root(page):
    """The relative path from a page up to the site root ('' on the home page)."""
    return "../" * page.url.count("/")


def example_link(example_id, page):
    """The button that opens an example: a seed one in the calculator, a recipe in the
    explorer on its most telling step."""
    e = html.escape
    if example_id in examples.SEED_IDS:
        seed = examples.seed_example(example_id)
        href = "%scalculator/#%s" % (_root(page), seed["fragment"])
        text = "Open in the calculator (decay rate %s)" % seed["rate"]
    else:
        n = examples.numbers(example_id)
        href = "%sexplorer/#%s" % (_root(page), n["fragment"])
        text = "Open in the explorer at " + n["rows"][n["at"]]["step_text"]
    return ('<a class="md-button md-button--primary lr-example-open" data-example="%s" '
            'href="%s">%s</a>' % (e(example_id), e(href), e(text)))


def example_block(example_id, page):
    """A recipe's settings, its learning rate at the marked steps, and its explorer link."""
    e = html.escape
    n = examples.numbers(example_id)
    stepping = ("once per epoch" if n["stepping"] == "epoch" else "after every update")
    settings = "".join('<tr><th scope="row"><code>%s</code></th><td>%s</td></tr>' % (
        e(name), e(text)) for name, text in examples.settings(n["spec"]))
    run = "".join('<tr><th scope="row">%s</th><td>%s</td></tr>' % (e(a), e(b)) for a, b in (
        ("Epochs", n["epochs"]), ("Updates per epoch", n["steps_per_epoch"]),
        ("Total updates", n["total_updates"]), ("Scheduler stepped", stepping)))
    rows = "".join(
        '<tr data-step="%d"><td>%s</td><td>%s</td><td class="lr-example-lr" data-value="%s">'
        "%s</td></tr>" % (r["step"], e(r["label"]), e(r["step_text"]), e(r["lr_repr"]),
                          e(r["lr_text"])) for r in n["rows"])
    spec = n["spec"]
    return "".join([
        '<div class="lr-example" id="example-%s" data-example="%s">' % (e(example_id),
                                                                       e(example_id)),
        '<div class="lr-example-tables"><table class="lr-example-settings"><caption>'
        'Settings of %s <code>%s</code></caption><tbody>%s</tbody></table>' % (
            e(spec["framework"]), e(spec["name"]), settings),
        '<table class="lr-example-run"><caption>The run</caption><tbody>%s</tbody></table>'
        '</div>' % run,
        '<table class="lr-example-marks"><caption>The learning rate along the run, from '
        '<code>pycore.lr_series</code></caption><thead><tr><th scope="col">Point</th>'
        '<th scope="col">Scheduler step</th><th scope="col">Learning rate</th></tr></thead>'
        "<tbody>%s</tbody></table>" % rows,
        '<figure class="lr-example-chart">%s<figcaption>The learning rate over the whole '
        "run; the dashed line is at %s, where the explorer link opens.</figcaption></figure>"
        % (_inline_svg(examples.chart(example_id), n["title"]),
           e(n["rows"][n["at"]]["step_text"])),
        "<p>%s</p></div>" % example_link(example_id, page),
    ])


def _inline_svg(chart, title):
    """pycore's standalone chart SVG (the explorer's SVG export), made inline: no XML
    declaration, labelled for screen readers, scaled by CSS."""
    svg = dataio.chart_svg(chart)
    svg = svg[svg.index("<svg"):]
    return svg.replace("<svg ", '<svg role="img" aria-label="%s" ' % html.escape(
        "Learning rate against the scheduler step: " + title), 1)


def _field_html(f):
    """One labelled input with its help text and (hidden) error slot."""
    e = html.escape
    if f.kind == "bool":
        return ('<div class="lr-field lr-field--check"><label><input type="checkbox" id="%s" '
                'name="%s"%s> %s</label><small class="lr-help" id="%s-help">%s</small>'
                '<small class="lr-error" id="%s-error" role="alert" hidden></small></div>'
                % (f.key, f.key, " checked" if f.default else "", e(f.label), f.key,
                   e(f.help), f.key))
    return ('<div class="lr-field"><label for="%s">%s</label><input type="text" id="%s" '
            'name="%s" value="%s" inputmode="decimal" spellcheck="false" '
            'aria-describedby="%s-help %s-error"><small class="lr-help" id="%s-help">%s</small>'
            '<small class="lr-error" id="%s-error" role="alert" hidden></small></div>'
            % (f.key, e(f.label), f.key, f.key, e(f.default), f.key, f.key, f.key, e(f.help),
               f.key))


def calculator_widget():
    """The calculator's static HTML; the page glue fills in the results."""
    own = [f for f in calculator.FIELDS if f.key not in calculator.COMPARISON_KEYS]
    other = [f for f in calculator.FIELDS if f.key in calculator.COMPARISON_KEYS]
    values, _ = calculator.read_form(calculator.defaults())
    rows = "".join('<dt id="c-%s-label">%s</dt><dd id="c-%s">…</dd>' % (
        key, html.escape(label), key) for key, label, _, _ in calculator.comparison_specs(values))
    return "".join([
        '<div class="lr-calc" id="lr-calc">',
        '<form id="lr-form" novalidate autocomplete="off">',
        '<fieldset><legend>Your schedule</legend><div class="lr-fields">',
        "".join(_field_html(f) for f in own), "</div></fieldset>",
        '<fieldset><legend>Compare with</legend><div class="lr-fields">',
        "".join(_field_html(f) for f in other), "</div></fieldset></form>",
        '<p class="lr-notice" id="lr-link-notice" role="status" hidden></p>',
        '<div class="lr-results" id="lr-results" aria-live="polite">',
        '<div class="lr-primary"><span>Learning rate at epoch <span id="r-epoch">…</span>'
        '</span><output id="lr-result" data-testid="lr-result">…</output></div>',
        '<p class="lr-stale-note" id="lr-stale-note" hidden>These results are for the last '
        'valid inputs. Fix the field marked in red to update them.</p>',
        '<dl><dt>Optimizer update</dt><dd id="r-step">…</dd>',
        '<dt>Drop from the initial LR</dt><dd id="r-drop">…</dd>',
        '<dt>LR at the end of training</dt><dd id="r-end">…</dd>',
        '<dt>Total optimizer steps</dt><dd id="r-total">…</dd>', rows, "</dl></div>",
        '<div class="lr-chart" id="lr-chart" data-lr-chart role="img" aria-label="Learning '
        'rate against epoch for the schedule and the comparisons"></div>',
        '<div class="lr-actions"><button type="button" class="md-button md-button--primary" '
        'id="lr-copy">Copy results</button><button type="button" class="md-button" '
        'id="lr-reset">Reset</button><span class="lr-status" id="lr-status" role="status">'
        "Starting the calculator…</span></div></div>",
    ])


def _run_field(key, hidden_help=""):
    """A text input of the explorer's training-length helper."""
    e = html.escape
    fid = "run-" + key
    return ('<div class="lrx-field"><label for="%s">%s</label><input type="text" id="%s" '
            'inputmode="numeric" spellcheck="false" autocomplete="off" '
            'aria-describedby="%s-error"><small class="lrx-error" id="%s-error" role="alert" '
            'hidden></small></div>' % (fid, e(explorer.RUN_LABELS[key]), fid, fid, fid))


def _radio(name, value, label, checked=False):
    return ('<label class="lrx-radio"><input type="radio" name="%s" id="%s-%s" value="%s"%s> '
            '%s</label>' % (name, name, value, value, " checked" if checked else "",
                            html.escape(label)))


def explorer_widget():
    """The explorer's static frame; the page glue generates the schedule's fields."""
    options = "".join('<option value="%s">%s</option>' % (fw, fw) for fw in frameworks())
    return "".join([
        '<div class="lrx" id="lrx"><div class="lrx-grid">',
        '<form id="lrx-form" class="lrx-form" novalidate autocomplete="off" '
        '>',
        '<fieldset class="lrx-fieldset"><legend>Schedule</legend><div class="lrx-fields">',
        '<div class="lrx-field"><label for="lrx-framework">Framework</label>',
        '<select id="lrx-framework">', options, '</select></div>',
        '<div class="lrx-field"><label for="lrx-name">Schedule</label>',
        '<select id="lrx-name"></select></div></div>',
        '<p class="lrx-help"><span id="lrx-summary"></span> <a id="lrx-doc" href="#">'
        'documentation</a></p><p class="lrx-help" id="lrx-notes" hidden></p>',
        '<div class="lrx-fields" id="lrx-params"></div>',
        '<small class="lrx-error" id="lrx-form-error" role="alert" hidden></small>',
        '</fieldset>',
        '<fieldset class="lrx-fieldset"><legend>Training length</legend>',
        '<div class="lrx-choice" role="radiogroup" aria-label="Length from">',
        _radio("run-from", "steps", "I know the updates per epoch", True),
        _radio("run-from", "data", "Work it out from the data set"), '</div>',
        '<div class="lrx-fields" id="run-steps-fields">', _run_field("steps_per_epoch"),
        '</div><div class="lrx-fields" id="run-data-fields" hidden>',
        _run_field("dataset_size"), _run_field("batch_size"), _run_field("devices"),
        _run_field("accum"),
        '<div class="lrx-field lrx-field--check"><label><input type="checkbox" '
        'id="run-drop_last"> drop_last (skip the last partial batch)</label></div></div>',
        '<div class="lrx-fields">', _run_field("epochs"), '</div>',
        '<div class="lrx-choice" role="radiogroup" aria-label="scheduler.step() is called">',
        '<span>scheduler.step() is called</span>',
        _radio("run-stepping", "update", "after every optimizer update"),
        _radio("run-stepping", "epoch", "once per epoch", True), '</div></fieldset>',
        '<fieldset class="lrx-fieldset"><legend>Inspect</legend><div class="lrx-fields">',
        '<div class="lrx-field"><label for="lrx-at">Scheduler step to inspect</label>'
        '<input type="text" id="lrx-at" inputmode="numeric" spellcheck="false" '
        'autocomplete="off" aria-describedby="lrx-at-help lrx-at-error">'
        '<small class="lrx-help" id="lrx-at-help">Counted from 0: the update number, or the '
        'epoch when the scheduler steps once per epoch.</small>'
        '<small class="lrx-error" id="lrx-at-error" role="alert" hidden></small></div>',
        '<div class="lrx-field"><label for="lrx-resume">Resume from update</label>'
        '<input type="text" id="lrx-resume" inputmode="numeric" spellcheck="false" '
        'autocomplete="off" aria-describedby="lrx-resume-help lrx-resume-error">'
        '<small class="lrx-help" id="lrx-resume-help">The optimizer updates already done '
        'when the checkpoint was saved (leave empty if not resuming).</small>'
        '<small class="lrx-error" id="lrx-resume-error" role="alert" hidden></small></div>',
        '</div></fieldset></form>',
        '<div class="lrx-results" id="lrx-results">',
        '<p class="lr-notice" id="lrx-link-notice" role="status" hidden></p>',
        '<div aria-live="polite" aria-atomic="true" id="lrx-live">',
        '<div class="lr-primary"><span id="lrx-at-label">Learning rate</span>'
        '<output id="lrx-lr" data-testid="lr-result">…</output></div>',
        '<dl class="lrx-dl"><dt>Phase</dt><dd id="lrx-phase">…</dd>'
        '<dt>Next change</dt><dd id="lrx-next">…</dd></dl></div>',
        '<p class="lr-stale-note" id="lrx-stale-note" hidden>These results are for the last '
        'valid inputs. Fix the field marked in red to update them.</p>',
        '<dl class="lrx-dl" id="lrx-stats"></dl>',
        '<h3 id="lrx-warnings-title">Checks</h3>',
        '<ul class="lrx-warnings" id="lrx-warnings" aria-labelledby="lrx-warnings-title"></ul>',
        '<p class="lrx-help" id="lrx-no-warnings" hidden>No problems found with this schedule '
        'and run.</p>',
        '</div></div>',
        '<div class="lrx-toolbar">',
        '<label class="lrx-check"><input type="checkbox" id="lrx-log"> Log scale</label>',
        '<button type="button" class="md-button" data-action="pin">Pin this curve</button>',
        '<button type="button" class="md-button" data-action="compare-frameworks">'
        'Compare with other frameworks</button>',
        '<button type="button" class="md-button" data-action="clear-pins">Clear pins</button>',
        '</div>',
        '<div class="lrx-chart" id="lrx-chart" data-lr-chart tabindex="0" role="img" '
        'aria-label="Learning rate against the scheduler step; the values table below gives '
        'the numbers" aria-describedby="lrx-hover"></div>',
        '<p class="lrx-hover" id="lrx-hover" aria-live="polite"></p>',
        '<ul class="lrx-legend" id="lrx-legend"></ul>',
        '<details class="lrx-details"><summary>Values table</summary>'
        '<table class="lrx-table"><caption>Learning rate at evenly spaced scheduler steps'
        '</caption><thead><tr><th scope="col">Step</th><th scope="col">LR</th>'
        '<th scope="col">Exact value</th></tr></thead><tbody id="lrx-table-body"></tbody>'
        '</table></details>',
        '<h3>Export</h3><div class="lrx-toolbar">',
        '<div class="lrx-field lrx-field--inline"><label for="lrx-every">Every k-th step'
        '</label><input type="text" id="lrx-every" value="1" inputmode="numeric" '
        'aria-describedby="lrx-every-error"><small class="lrx-error" id="lrx-every-error" '
        'role="alert" hidden></small></div>',
        '<button type="button" class="md-button" data-action="csv">CSV</button>',
        '<button type="button" class="md-button" data-action="json">JSON</button>',
        '<button type="button" class="md-button" data-action="png">PNG</button>',
        '<button type="button" class="md-button" data-action="svg">SVG</button>',
        '<button type="button" class="md-button" data-action="copy-link">Copy link</button>',
        '<button type="button" class="md-button" data-action="reset">Reset</button>',
        '<span class="lr-status" id="lrx-status" role="status">Starting the explorer…</span>',
        '</div>',
        '<h3>Code</h3><div class="lrx-tabs" role="tablist" id="lrx-code-tabs" '
        'aria-label="Code by framework"></div><div id="lrx-code-panels"></div>',
        '<button type="button" class="md-button" id="lrx-other-code" data-action="other-code">'
        'Show code for the other frameworks</button>',
        '<h3>Resume from a checkpoint</h3><div id="lrx-resume-out"></div>',
        '</div>',
    ])
