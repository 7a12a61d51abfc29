"""Text in and out: pasted metric tables, CSV/JSON of values, the chart as SVG.

Pasted or uploaded text is untrusted data, so reading is strict and bounded: at most
MAX_BYTES of text and MAX_ROWS rows, numbers by the same strict rules as the form (digits,
optional sign, dot decimals, e-notation; no "1,5", hex, nan, inf or overflow), and every
refusal is a SpecError naming the line (1-based, in the text as given) and the column.

Writing is exact and identical on CPython and MicroPython: floats go through
``numfmt.py_repr`` (they read back bit for bit), and JSON and SVG are written here rather
than by ``json.dumps``, because MicroPython prints floats and non-ASCII text differently
and its dicts do not keep insertion order (JSON object keys are therefore sorted).
"""
import json
import math

from .errors import SpecError
from .numfmt import format_int, format_sig, py_repr

MAX_BYTES = 5000000
MAX_ROWS = 1000000
COLORS = ("#3f51b5", "#e65100", "#2e7d32", "#8e24aa", "#00838f", "#c62828")

_NOT_A_NUMBER = "enter a number like 0.01 or 1e-3"
_DECIMAL_COMMA = "use a dot for decimals and no thousands separators, e.g. 1.5"


# --- reading -------------------------------------------------------------------------------


def is_digits(text):
    """True for a non-empty run of ASCII digits."""
    return text != "" and text.strip("0123456789") == ""


def read_number(text):
    """Read a cell strictly: (value, None), or (None, why) when it is not a number.

    The site's one number syntax (12, -0.5, .5, 3., 1e-3, 1E+3; nothing else), returning
    the reason instead of raising so a long column reads quickly; ``parse_number`` raises
    it as a SpecError. Plain unsigned decimals, most of any metric file, take a short path.
    """
    s = text.strip()
    if s and not s.strip("0123456789.") and s.count(".") <= 1 and s != ".":
        value = float(s)
        if value != math.inf:
            return value, None
    if not s:
        return None, "enter a number"
    if "," in s:
        return None, _DECIMAL_COMMA
    body = s[1:] if s[0] in "+-" else s
    mantissa, exponent = body, None
    for mark in "eE":
        if mark in body:
            mantissa, exponent = body.split(mark, 1)
            break
    whole, _, frac = mantissa.partition(".")
    ok = (whole != "" or frac != "") and (whole == "" or is_digits(whole)) and (
        frac == "" or is_digits(frac))
    if exponent is not None:
        ok = ok and is_digits(exponent[1:] if exponent[:1] in "+-" else exponent)
    if not ok:
        return None, _NOT_A_NUMBER
    value = float(s)
    if not math.isfinite(value):
        return None, "too large; enter a finite number"
    return value, None


def parse_number(text, field):
    """Parse typed text as a finite decimal number, strictly, or raise SpecError.

    Accepts 12, -0.5, .5, 3., 1e-3 and 1E+3; refuses empty text, spaces inside, commas,
    hex, nan, infinity and anything that overflows (the rules of ``read_number``, the one number
    reader of the site).
    """
    if not isinstance(text, str):
        text = str(text)
    value, why = read_number(text)
    if why is not None:
        raise SpecError(field, text, why)
    return value


def sentence(text):
    """A phrase from a SpecError as the sentence shown next to a field: capitalised."""
    return text[:1].upper() + text[1:]


def _quoted(cell):
    """A cell as messages show it: in single quotes, cut to 30 characters."""
    if len(cell) > 30:
        cell = cell[:27] + "..."
    return "'%s'" % cell


def check_size(text, field):
    """Refuse pasted or uploaded text that is not a string or is over MAX_BYTES in UTF-8,
    before any parsing, so no paste can hold up the page (every paste path calls it)."""
    if type(text) is not str:
        raise SpecError(field, text, "must be text")
    if len(text) > MAX_BYTES or len(text.encode("utf-8")) > MAX_BYTES:
        raise SpecError(field, "%s bytes" % format_int(len(text.encode("utf-8"))),
                        "at most %s bytes (5 MB) of text" % format_int(MAX_BYTES))


MAX_JSON_DEPTH = 64  # lists and objects inside each other; a spec or a log needs a few


def read_json(text, field):
    """JSON from a link, a paste or saved state: the value, or SpecError(field, ...) when
    it is not JSON or nests deeper than MAX_JSON_DEPTH. Deep nesting is refused because
    CPython's parser runs out of recursion on it (RecursionError, a RuntimeError) and
    MicroPython's garbage collector slows to a crawl marking it; the error holds a
    description, never the deep value itself."""
    try:
        value = json.loads(text)
    except ValueError:
        raise SpecError(field, text, "is not valid JSON")
    except RuntimeError:
        raise _too_deep(field)
    if not _nests_within(value, MAX_JSON_DEPTH):
        raise _too_deep(field)
    return value


def _too_deep(field):
    """The SpecError of JSON nested past MAX_JSON_DEPTH."""
    return SpecError(field, "JSON nested more than %d levels deep" % MAX_JSON_DEPTH,
                     "is not valid JSON here: it nests too deeply")


def _nests_within(value, limit):
    """True when value holds lists and objects at most limit levels deep (checked level by
    level, without recursion)."""
    level = [value]
    for _ in range(limit + 1):
        inner = []
        for v in level:
            if isinstance(v, list):
                inner.extend(v)
            elif isinstance(v, dict):
                inner.extend(v.values())
        if not inner:
            return True
        level = inner
    return False


def _text_lines(text, field):
    """The lines of pasted text, after the size check (index + 1 = line number).

    Strips a UTF-8 byte order mark and accepts \\n, \\r\\n and \\r line ends.
    """
    check_size(text, field)
    if text[:1] == "\ufeff":
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def _is_data(line):
    """False for blank lines and comments (lines starting with '#')."""
    s = line.strip()
    return s != "" and s[0] != "#"


def _delimiter(line):
    """The first line's delimiter: tab, semicolon, comma, else " " (runs of whitespace).

    Semicolon before comma: semicolon files come from locales that write decimal commas,
    so their cells may hold commas (refused later with a clear message).
    """
    for mark in "\t;,":
        if mark in line:
            return mark
    return " "


def _split_quoted(line, delimiter, number, field):
    """Split a line whose cells may be in double quotes ("a, b" and "" for a quote).

    One pass over the characters (never indexing the str, which is O(n) on MicroPython):
    a quote inside a quoted cell ends it unless the next character is a quote too."""
    cells, cell, quoted, after_quote, blank = [], [], False, False, True
    for ch in line:
        if after_quote:
            after_quote = False
            if ch == '"':
                cell.append('"')
                continue
            quoted = False
        if quoted:
            if ch == '"':
                after_quote = True
            else:
                cell.append(ch)
        elif ch == '"' and blank:
            quoted, cell = True, []
        elif ch == delimiter:
            cells.append("".join(cell).strip())
            cell, blank = [], True
        else:
            cell.append(ch)
            blank = blank and ch in " \t"
    if after_quote:
        quoted = False
    if quoted:
        raise SpecError(field, line, "line %d: a quoted cell is not closed" % number)
    cells.append("".join(cell).strip())
    return cells


def _split(line, delimiter, number, field):
    """The cells of one line, stripped of surrounding spaces."""
    if delimiter == " ":
        return line.split()
    if '"' in line:
        return _split_quoted(line, delimiter, number, field)
    return [cell.strip() for cell in line.split(delimiter)]


def _cells(count):
    """'1 cell', '3 cells'."""
    return "%d cell%s" % (count, "" if count == 1 else "s")


class _Layout:
    """What the first data line says: delimiter, column names, header or not.

    ``start`` is the index of the first row of values (after the header, if any), ``first``
    the line number of the first data line, ``width`` its number of cells.
    """

    def __init__(self, lines, field):
        self.field = field
        index = 0
        while index < len(lines) and not _is_data(lines[index]):
            index += 1
        self.empty = index == len(lines)
        line = "" if self.empty else lines[index]
        self.delimiter = _delimiter(line)
        cells = _split(line, self.delimiter, index + 1, field)
        self.first, self.width = index + 1, len(cells)
        self.header = _has_label(cells)
        if self.header:
            self.names = [name or str(i + 1) for i, name in enumerate(cells)]
        else:
            self.names = [str(i + 1) for i in range(self.width)]
        self.start = index + 1 if self.header else index

    def row(self, line, number):
        """The cells of a data line, or SpecError when it has a different number of them."""
        cells = _split(line, self.delimiter, number, self.field)
        if len(cells) != self.width:
            raise SpecError(self.field, line, "line %d has %s but line %d has %d; every row "
                            "needs the same number of cells" % (
                                number, _cells(len(cells)), self.first, self.width))
        return cells

    def where(self, index, number):
        """'line 7' for one-column data, 'line 7, column 2 (loss)' for tables."""
        if self.width == 1:
            return "line %d" % number
        if self.header:
            return "line %d, column %d (%s)" % (number, index + 1, self.names[index])
        return "line %d, column %d" % (number, index + 1)


def _has_label(cells):
    """True when a row has a non-empty cell that is not a number: a header row.

    A cell like "0,9" counts as a number here (a decimal comma, refused later with a
    message about its line) rather than as a column name.
    """
    for cell in cells:
        if cell and read_number(cell)[1] not in (None, _DECIMAL_COMMA):
            return True
    return False


def _too_many_rows(field):
    """The SpecError for data past MAX_ROWS rows."""
    return SpecError(field, "more than %s rows" % format_int(MAX_ROWS),
                     "at most %s rows" % format_int(MAX_ROWS))


def _table(text, field):
    """parse_table with the SpecError field chosen by the caller."""
    lines = _text_lines(text, field)
    layout = _Layout(lines, field)
    rows, numbers = [], []
    for index in range(layout.start, len(lines)):
        line = lines[index]
        if _is_data(line):
            rows.append(layout.row(line, index + 1))
            numbers.append(index + 1)
            if len(rows) > MAX_ROWS:
                raise _too_many_rows(field)
    names = [] if layout.empty else layout.names
    return {"columns": names, "rows": rows, "delimiter": layout.delimiter,
            "header": layout.header, "lines": numbers}


def parse_table(text):
    """Read pasted or uploaded tabular text into cells, strictly and within the limits.

    Returns {"columns": names, "rows": [[str cells]], "delimiter": "\\t" | ";" | "," | " "
    (" " = runs of whitespace), "header": bool, "lines": [the 1-based line number of each
    row]}. Blank lines and lines starting with '#' are skipped. The delimiter is the first
    of tab, semicolon and comma found in the first data line; cells may be double-quoted.
    The first row is a header when one of its cells is not a number; header cells left
    empty are named by their 1-based position, and without a header every column is.
    Raises SpecError("data", ...) on over-size text, more than MAX_ROWS rows, or a row with
    a different number of cells (naming its line).
    """
    return _table(text, "data")


def columns(text):
    """The column names for a column <select>, from the first data line.

    [] for one-column or unusable text: parse_series, which reads the same text, says why.
    """
    try:
        layout = _Layout(_text_lines(text, "data"), "data")
    except SpecError:
        return []
    return layout.names if layout.width > 1 else []


def _column_index(layout, column):
    """The 0-based index of the chosen column, or None for automatic choice.

    A header name is matched first, then a 1-based number.
    """
    names = layout.names
    if type(column) is int:
        text = str(column)
    elif isinstance(column, str):
        text = column.strip()
    else:
        raise SpecError("metrics", column, "choose a column by name or number")
    if text == "":
        return None
    if layout.header and text in names:
        return names.index(text)
    if is_digits(text) and 1 <= int(text) <= len(names):
        return int(text) - 1
    shown = names if len(names) <= 20 else names[:20] + ["..."]
    raise SpecError("metrics", column, "no such column; choose one of " + ", ".join(shown))


def _check_decimal_comma(layout, lines):
    """Refuse headerless two-column comma data starting with whole numbers, like "0,9":
    a decimal comma far more often than a table, and reading "9" would be silently wrong."""
    if layout.delimiter != "," or layout.header or layout.width != 2:
        return
    cells = layout.row(lines[layout.start], layout.first)
    first = cells[0][1:] if cells[0][:1] in "+-" else cells[0]
    if is_digits(first) and is_digits(cells[1]):
        raise SpecError("metrics", ",".join(cells), (
            "line %d: %s looks like a decimal comma; write %s, or add a header row to mark "
            "a table" % (layout.first, _quoted(",".join(cells)), ".".join(cells))))


def _not_a_number(layout, column, cell, why, number):
    """The SpecError for a cell that is not a number."""
    return SpecError("metrics", cell, "%s: %s is not a number (%s)" % (
        layout.where(column, number), _quoted(cell), why))


def _read_one(layout, lines):
    """One number per line: ({0: floats}, {}) or ({0: floats so far}, {0: SpecError}).

    The tight loop of the common case (a pasted column of up to MAX_ROWS numbers).
    """
    values = []
    for index in range(layout.start, len(lines)):
        s = lines[index].strip()
        if not s or s[0] == "#":
            continue
        value, why = read_number(s)
        if why is not None:
            return {0: values}, {0: _not_a_number(layout, 0, s, why, index + 1)}
        values.append(value)
        if len(values) > MAX_ROWS:
            raise _too_many_rows("metrics")
    return {0: values}, {}


def _read_columns(layout, lines, wanted):
    """Read the wanted columns in one pass: {index: floats} of the columns that hold only
    numbers, and {index: SpecError} at the first bad cell of the others."""
    if layout.width == 1:
        return _read_one(layout, lines)
    values = dict((i, []) for i in wanted)
    failed = {}
    count = 0
    for index in range(layout.start, len(lines)):
        line = lines[index]
        if not _is_data(line):
            continue
        count += 1
        if count > MAX_ROWS:
            raise _too_many_rows("metrics")
        cells = layout.row(line, index + 1)
        for i in wanted:
            if i in failed:
                continue
            value, why = read_number(cells[i])
            if why is None:
                values[i].append(value)
            else:
                failed[i] = _not_a_number(layout, i, cells[i], why, index + 1)
    return values, failed


def parse_series(text, column=""):
    """Read a metric series: one number per line, or one column of a table.

    ``column`` is a header name or a 1-based number (text or int); "" picks the last column
    whose every cell is a number (e.g. "val_loss" in "epoch,train_loss,val_loss").
    Returns a list of floats; raises SpecError("metrics", cell, "line 7: 'abc' is not a
    number (...)") naming the line and, for tables, the column; headerless "0,9" lines are
    refused as decimal commas unless a column is chosen.
    """
    lines = _text_lines(text, "metrics")
    layout = _Layout(lines, "metrics")
    if layout.start == len(lines):
        raise SpecError("metrics", text, "paste at least one number")
    index = _column_index(layout, column)
    if index is None:
        _check_decimal_comma(layout, lines)
        wanted = list(range(layout.width - 1, -1, -1))
    else:
        wanted = [index]
    values, failed = _read_columns(layout, lines, wanted)
    if not failed and not values[wanted[0]]:
        raise SpecError("metrics", text, "paste at least one number")
    for i in wanted:
        if i not in failed:
            return values[i]
    raise failed[wanted[0]]


# --- writing values ------------------------------------------------------------------------


def _csv_cell(value):
    """One CSV cell: floats exact (py_repr), text quoted when it needs to be."""
    if value is None:
        return ""
    if isinstance(value, float):
        return py_repr(value)
    text = str(value)
    for ch in ',"\n\r':
        if ch in text:
            return '"%s"' % text.replace('"', '""')
    return text


def to_csv(columns, rows):
    """CSV text with a header row, one line per row, "\\n" line ends."""
    return csv_lines([columns]) + csv_lines(rows)


def csv_lines(rows):
    """CSV lines of rows, each ending "\\n" (an export is written a slice at a time)."""
    return "".join(",".join(_csv_cell(v) for v in row) + "\n" for row in rows)


def _whole(value, field, lo):
    """Check an int argument (bool refused) >= lo."""
    if type(value) is bool or not isinstance(value, int) or value < lo:
        raise SpecError(field, value, "must be a whole number >= %d" % lo)
    return value


def export_steps(n, every):
    """Steps 0, every, 2 * every, ... and always the last one, of a run of n steps."""
    _whole(every, "every", 1)
    steps = list(range(0, n, every))
    if n and steps[-1] != n - 1:
        steps.append(n - 1)
    return steps


def series_table(values, every=1, steps_per_epoch=None, momentum=None, stepping="update"):
    """The export table of a run's values: (columns, rows), every k-th step and the last.

    Update stepping: columns "step", "epoch" (step / steps_per_epoch, when given), "lr";
    epoch stepping: "epoch" (the scheduler step is the epoch), "lr". A "momentum" column
    follows when ``momentum`` (one value per step) is given.
    """
    steps = export_steps(len(values), every)
    if momentum is not None and len(momentum) != len(values):
        raise SpecError("momentum", len(momentum), "one value per LR value (%d)" % len(values))
    cols = series_columns(stepping, steps_per_epoch, momentum is not None)
    return cols, series_rows(values, steps, steps_per_epoch, momentum, stepping)


def series_columns(stepping, steps_per_epoch=None, momentum=False):
    """The export table's columns (see series_table)."""
    if stepping not in ("update", "epoch"):
        raise SpecError("stepping", stepping, 'must be "update" or "epoch"')
    if stepping == "update" and steps_per_epoch is not None:
        _whole(steps_per_epoch, "steps_per_epoch", 1)
        cols = ["step", "epoch", "lr"]
    else:
        cols = ["step" if stepping == "update" else "epoch", "lr"]
    return cols + ["momentum"] if momentum else cols


def series_rows(values, steps, steps_per_epoch=None, momentum=None, stepping="update"):
    """The export table's rows for the given steps (see series_table)."""
    with_epoch = stepping == "update" and steps_per_epoch is not None
    rows = []
    for t in steps:
        row = [t, t / steps_per_epoch, values[t]] if with_epoch else [t, values[t]]
        if momentum is not None:
            row.append(momentum[t])
        rows.append(row)
    return rows


def _json_string(text):
    """A JSON string literal as CPython's json.dumps writes it (ASCII only)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif 32 <= code < 127:
            out.append(ch)
        elif ch in _JSON_ESCAPES:
            out.append(_JSON_ESCAPES[ch])
        elif code > 0xFFFF:
            code -= 0x10000
            out.append("\\u%04x\\u%04x" % (0xD800 | (code >> 10), 0xDC00 | (code & 0x3FF)))
        else:
            out.append("\\u%04x" % code)
    out.append('"')
    return "".join(out)


_JSON_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _json(value):
    """JSON text of plain data: floats exact, json.dumps's spacing, object keys sorted
    (whole-number keys, as in map parameters, sorted as numbers and written as text)."""
    if value is None:
        return "null"
    if type(value) is bool:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SpecError("export", value, "JSON has no nan or infinity; export CSV instead")
        return py_repr(value)
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_json(v) for v in value) + "]"
    if isinstance(value, dict):
        kinds = set(type(k) for k in value)
        if len(kinds) > 1 or not kinds <= set((str, int)):
            raise SpecError("export", list(value), "object keys must be all text or all "
                            "whole numbers")
        return "{" + ", ".join(_json_string(str(k)) + ": " + _json(value[k])
                               for k in sorted(value)) + "}"
    raise SpecError("export", value, "numbers, text, lists and objects only")


def to_json(spec, columns, rows):
    """JSON text {"spec": spec, "columns": [...], "rows": [[...]]} with exact floats.

    On CPython the parts equal ``json.dumps(part, sort_keys=True)``; on MicroPython too.
    """
    return json_document(spec, columns, json_rows(rows))


def json_rows(rows):
    """The JSON text of rows, without the enclosing brackets (written a slice at a time,
    joined with ", ")."""
    return ", ".join(_json(row) for row in rows)


def json_document(spec, columns, rows_text):
    """The export's JSON document around rows already written (see json_rows)."""
    return '{"spec": %s, "columns": %s, "rows": [%s]}' % (_json(spec), _json(columns),
                                                          rows_text)


# --- the chart as SVG ----------------------------------------------------------------------

WIDTH = 800
PLOT_TOP = 20
PLOT_BOTTOM = 340
PLOT_LEFT = 84
RIGHT_PLAIN = 24
RIGHT_MOMENTUM = 84
LEGEND_ROW = 20
_TEXT = "#212121"
_GRID = "#e0e0e0"
_AXIS = "#757575"


def _xml(text):
    """Text safe inside XML content and attribute values (labels are user data)."""
    out = []
    for ch in str(text):
        code = ord(ch)
        if ch in _XML_ESCAPES:
            out.append(_XML_ESCAPES[ch])
        elif code >= 32 and not (0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF)):
            out.append(ch)
        elif ch in "\t\n":
            out.append(" ")
    return "".join(out)


_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def _px(v):
    """A coordinate with one decimal, written with integers (same text on every runtime)."""
    tenths = int(math.floor(v * 10 + 0.5))
    whole, frac = divmod(abs(tenths), 10)
    sign = "-" if tenths < 0 else ""
    return sign + str(whole) + ("." + str(frac) if frac else "")


def _tick_label(x):
    """A tick's text: whole numbers with separators, else 3 significant digits."""
    if x == math.floor(x) and abs(x) < 1e15:
        return format_int(int(x))
    return format_sig(x, 3)


def _nice_step(span):
    """A 1, 2 or 5 times a power of ten step giving four to seven ticks over span."""
    raw = span / 5.0
    base = 10.0 ** int(math.floor(math.log10(raw)))
    for m in (1, 2, 5):
        if m * base >= raw * (1 - 1e-9):
            return m * base
    return 10 * base


def _widen(lo, hi):
    """A non-empty range around lo == hi."""
    if lo < hi:
        return lo, hi
    pad = abs(lo) * 0.1 or 1.0
    return lo - pad, hi + pad


def _linear_axis(lo, hi, snap):
    """(lo, hi, ticks) of a linear axis; snap widens the range to whole steps."""
    lo, hi = _widen(lo, hi)
    step = _nice_step(hi - lo)
    first, last = math.floor(lo / step), math.ceil(hi / step)
    if snap:
        lo, hi = first * step, last * step
    ticks = [k * step for k in range(int(first), int(last) + 1)]
    return lo, hi, [t for t in ticks if lo - 1e-9 * step <= t <= hi + 1e-9 * step]


def _log_axis(lo, hi):
    """(log10 lo, log10 hi, ticks) of a log axis over whole decades, about five ticks."""
    e_lo = int(math.floor(math.log10(lo)))
    e_hi = int(math.ceil(math.log10(hi)))
    if e_hi == e_lo:
        e_hi += 1
    span = e_hi - e_lo
    every = (span + 4) // 5
    ticks = []
    for e in range(e_lo, e_hi + 1, every):
        for m in ((1, 2, 5) if span <= 2 else (1,)):
            if e < e_hi or m == 1:
                ticks.append(m * 10.0 ** e)
    return e_lo, e_hi, ticks


class _Scale:
    """Maps data values to pixels along one axis, linear or log10."""

    def __init__(self, lo, hi, p_lo, p_hi, log):
        self.lo, self.hi, self.p_lo, self.p_hi, self.log = lo, hi, p_lo, p_hi, log

    def __call__(self, v):
        """The pixel position of value v."""
        if self.log:
            v = math.log10(v)
        return self.p_lo + (v - self.lo) / (self.hi - self.lo) * (self.p_hi - self.p_lo)


def _usable(x, y, log):
    """True for a point the chart can draw (finite, and positive y on a log axis)."""
    for v in (x, y):
        if v is None or type(v) is bool or not math.isfinite(v):
            return False
    return y > 0 or not log


def _points(curve, log):
    """The drawable (x, y) samples of a curve, in order."""
    return [(x, y) for x, y in zip(curve["x"], curve["y"]) if _usable(x, y, log)]


def _bounds(values, default):
    """(min, max) of values, or default when there are none."""
    return (min(values), max(values)) if values else default


def _y_scale(points, log, p_lo, p_hi, zero_base):
    """The y scale and ticks of one axis over its curves' points."""
    ys = [y for pts in points for _, y in pts]
    if log:
        lo, hi, ticks = _log_axis(*_bounds(ys, (1.0, 1.0)))
        return _Scale(lo, hi, p_lo, p_hi, True), ticks
    lo, hi = _bounds(ys, (0.0, 1.0))
    lo, hi, ticks = _linear_axis(min(lo, 0.0) if zero_base else lo, hi, True)
    return _Scale(lo, hi, p_lo, p_hi, False), ticks


def _value_at(points, x):
    """The y of the last sample at or before x (samples sorted by x), or None."""
    lo, hi = 0, len(points)
    while lo < hi:
        mid = (lo + hi) // 2
        if points[mid][0] <= x:
            lo = mid + 1
        else:
            hi = mid
    return points[lo - 1][1] if lo else None


def _svg_axes(out, sx, sy, sm, ticks, box):
    """Grid, axis lines and tick labels."""
    left, top, right, bottom = box
    xticks, yticks, mticks = ticks
    for t in yticks:
        y = _px(sy(t))
        out.append('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>' % (
            _px(left), y, _px(right), y, _GRID))
        out.append('<text x="%s" y="%s" text-anchor="end">%s</text>' % (
            _px(left - 6), _px(sy(t) + 4), _xml(_tick_label(t))))
    for t in xticks:
        x = _px(sx(t))
        out.append('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>' % (
            x, _px(bottom), x, _px(bottom + 5), _AXIS))
        out.append('<text x="%s" y="%s" text-anchor="middle">%s</text>' % (
            x, _px(bottom + 18), _xml(_tick_label(t))))
    out.append('<polyline fill="none" stroke="%s" points="%s,%s %s,%s %s,%s"/>' % (
        _AXIS, _px(left), _px(top), _px(left), _px(bottom), _px(right), _px(bottom)))
    if sm is not None:
        out.append('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>' % (
            _px(right), _px(top), _px(right), _px(bottom), _AXIS))
        for t in mticks:
            out.append('<text x="%s" y="%s" text-anchor="start">%s</text>' % (
                _px(right + 6), _px(sm(t) + 4), _xml(_tick_label(t))))


def _svg_labels(out, chart, box, has_momentum):
    """The axis titles: x below, LR on the left, momentum on the right."""
    left, top, right, bottom = box
    mid = (top + bottom) / 2.0
    out.append('<text x="%s" y="%s" text-anchor="middle">%s</text>' % (
        _px((left + right) / 2.0), _px(bottom + 40), _xml(chart.get("xlabel", ""))))
    ylabel = chart.get("ylabel", "") + (" (log scale)" if chart.get("log") else "")
    out.append('<text x="16" y="%s" text-anchor="middle" transform="rotate(-90 16 %s)">'
               '%s</text>' % (_px(mid), _px(mid), _xml(ylabel)))
    if has_momentum:
        x = _px(WIDTH - 14)
        out.append('<text x="%s" y="%s" text-anchor="middle" transform="rotate(90 %s %s)">'
                   'momentum</text>' % (x, _px(mid), x, _px(mid)))


def _color(curve, i):
    """The curve's colour from the shared list (by its colour index, else its position)."""
    index = curve.get("color", i)
    if type(index) is not int:
        index = i
    return COLORS[index % len(COLORS)]


def _dash(curve):
    """The stroke-dasharray attribute of pinned curves."""
    return ' stroke-dasharray="6 4"' if curve.get("pinned") else ""


def _svg_curves(out, curves, points, sx, scales):
    """One polyline per curve, in its colour, dashed when pinned."""
    for i, curve in enumerate(curves):
        sy = scales[curve.get("axis") == "momentum"]
        coords = " ".join("%s,%s" % (_px(sx(x)), _px(sy(y))) for x, y in points[i])
        out.append('<polyline fill="none" stroke="%s" stroke-width="1.5"%s points="%s"/>' % (
            _color(curve, i), _dash(curve), coords))


def _svg_marks(out, chart, points, sx, sy, box):
    """The dashed marker line and the reduction triangles on curve 0."""
    left, top, right, bottom = box
    marker = chart.get("marker")
    if marker is not None and _usable(marker, 1.0, False) and sx.lo <= marker <= sx.hi:
        x = _px(sx(marker))
        out.append('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" '
                   'stroke-dasharray="4 3"/>' % (x, _px(top), x, _px(bottom), _AXIS))
    first = points[0] if points else []
    for drop in chart.get("drops") or ():
        y = _value_at(first, drop) if _usable(drop, 1.0, False) else None
        if y is None:
            continue
        px, py = sx(drop), sy(y)
        out.append('<polygon fill="%s" points="%s,%s %s,%s %s,%s"/>' % (
            COLORS[0], _px(px - 4), _px(py - 11), _px(px + 4), _px(py - 11), _px(px),
            _px(py - 4)))


def _svg_legend(out, curves, top):
    """One row per curve: a line swatch in its colour and style, then its label."""
    for i, curve in enumerate(curves):
        y = top + i * LEGEND_ROW
        label = curve.get("label", "")
        if curve.get("axis") == "momentum":
            label += " (right axis)"
        out.append('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"%s/>'
                   % (_px(PLOT_LEFT), _px(y - 4), _px(PLOT_LEFT + 24), _px(y - 4),
                      _color(curve, i), _dash(curve)))
        out.append('<text x="%s" y="%s">%s</text>' % (_px(PLOT_LEFT + 32), _px(y),
                                                      _xml(label)))


def chart_svg(chart):
    """A standalone SVG document of a version-2 chart payload (the explorer's chart).

    Axes with about five ticks (numbers through numfmt), axis titles, each curve as one
    polyline of its samples (non-finite samples, and non-positive ones on a log axis, are
    left out), pinned curves dashed, momentum curves on a linear right axis, the marker as
    a dashed vertical line, reductions as triangles on curve 0, and a legend.
    """
    curves = chart.get("curves") or []
    log = chart.get("log") is True
    has_m = any(c.get("axis") == "momentum" for c in curves)
    points = [_points(c, log and c.get("axis") != "momentum") for c in curves]
    right = WIDTH - (RIGHT_MOMENTUM if has_m else RIGHT_PLAIN)
    box = (PLOT_LEFT, PLOT_TOP, right, PLOT_BOTTOM)
    xs = [x for pts in points for x, _ in pts]
    x_lo, x_hi, xticks = _linear_axis(*_bounds(xs, (0.0, 1.0)), False)
    sx = _Scale(x_lo, x_hi, PLOT_LEFT, right, False)
    lr_points = [p for c, p in zip(curves, points) if c.get("axis") != "momentum"]
    sy, yticks = _y_scale(lr_points, log, PLOT_BOTTOM, PLOT_TOP, True)
    sm, mticks = None, []
    if has_m:
        m_points = [p for c, p in zip(curves, points) if c.get("axis") == "momentum"]
        sm, mticks = _y_scale(m_points, False, PLOT_BOTTOM, PLOT_TOP, False)
    height = PLOT_BOTTOM + 64 + LEGEND_ROW * len(curves)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d"'
           ' font-family="sans-serif" font-size="12" fill="%s">' % (
               WIDTH, height, WIDTH, height, _TEXT),
           '<rect width="100%" height="100%" fill="#ffffff"/>']
    _svg_axes(out, sx, sy, sm, (xticks, yticks, mticks), box)
    _svg_labels(out, chart, box, has_m)
    _svg_curves(out, curves, points, sx, (sy, sm))
    _svg_marks(out, chart, points, sx, sy, box)
    _svg_legend(out, curves, PLOT_BOTTOM + 68)
    out.append("</svg>")
    return "\n".join(out) + "\n"
