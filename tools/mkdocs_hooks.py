"""MkDocs hooks: put the staged runtime and pycore into the site, fill in numbers that
pycore computes, and typeset math with the vendored KaTeX.

* ``on_files`` adds everything build.py staged in .build/stage/ (vendored runtime files,
  pycore) to the site, so site/ stays pure source.
* ``on_config`` lists the staged pycore modules for the PyScript ``files`` config.
* ``on_page_markdown`` replaces ``{{ ex1.result }}``-style placeholders with values from
  ``pycore.calculator.worked_example`` (numbers on pages are computed, never typed), and
  ``{{ widget.calculator }}`` with the calculator's HTML, generated from
  ``pycore.calculator.FIELDS`` so labels, defaults and help text have one source.
* ``on_page_content`` renders arithmatex's ``\\(...\\)`` and ``\\[...\\]`` with KaTeX.
"""
import html
import json
import os
import re
import subprocess
import sys

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAGE = os.path.join(ROOT, ".build", "stage")
sys.path.insert(0, ROOT)

from pycore import calculator  # noqa: E402

PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\.(\w+)\s*\}\}")
MATH = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.S)


def on_config(config):
    if not os.path.isdir(STAGE):
        raise PluginError("nothing staged in .build/stage: build with `python3 build.py`")
    core = os.path.join(STAGE, "assets", "pycore")
    config.extra["pycore_files"] = sorted(f for f in os.listdir(core) if f.endswith(".py"))
    return config


def on_files(files, config):
    for folder, _, names in os.walk(STAGE):
        for name in sorted(names):
            rel = os.path.relpath(os.path.join(folder, name), STAGE).replace(os.sep, "/")
            files.append(File(rel, STAGE, config["site_dir"], config["use_directory_urls"]))
    return files


def on_page_markdown(markdown, page, config, files):
    cache = {}

    def value(match):
        example, key = match.group(1), match.group(2)
        if example == "widget" and key == "calculator":
            return calculator_widget()
        if example not in cache:
            try:
                cache[example] = calculator.worked_example(example)
            except ValueError as err:
                raise PluginError("%s: %s" % (page.file.src_path, err))
        if key not in cache[example]:
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
