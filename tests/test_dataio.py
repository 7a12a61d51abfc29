"""pycore.dataio: pasted tables and metric series in; CSV, JSON and SVG out."""
import json
import math
import struct
import xml.etree.ElementTree as ET

import pytest

from cases import keras, optax, pytorch, pytorch_cycles, timm, transformers
from cases.lcg import Lcg
from pycore import calculator, dataio
from pycore.errors import SpecError

SVG = "{http://www.w3.org/2000/svg}"


def random_doubles(count, seed=99):
    """Finite doubles from random bits (every exponent and mantissa shape)."""
    rng, out = Lcg(seed), []
    while len(out) < count:
        x = struct.unpack("<d", struct.pack("<Q", rng.bits()))[0]
        if math.isfinite(x):
            out.append(x)
    return out


def refusal(fn, *args):
    """The SpecError fn(*args) raises."""
    with pytest.raises(SpecError) as info:
        fn(*args)
    return info.value


# --- parse_table -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, delimiter", [
    ("a,b\n1,2\n", ","),
    ("a\tb\n1\t2\n", "\t"),
    ("a;b\n1;2\n", ";"),
    ("a  b\n 1 2\n", " "),
])
def test_table_detects_the_delimiter(text, delimiter):
    table = dataio.parse_table(text)
    assert (table["delimiter"], table["columns"], table["rows"]) == (
        delimiter, ["a", "b"], [["1", "2"]])


def test_semicolon_wins_over_comma_so_decimal_commas_stay_inside_cells():
    assert dataio.parse_table("1,5;2,5\n")["rows"] == [["1,5", "2,5"]]


def test_series_of_decimal_commas_fails_at_the_first_line():
    err = refusal(dataio.parse_series, "0,9;1,5\n0,8;1,4\n")
    assert err.allowed.startswith("line 1, column 2: '1,5' is not a number (use a dot")


@pytest.mark.parametrize("text, header, names", [
    ("epoch,loss\n1,0.5\n", True, ["epoch", "loss"]),
    ("1,0.5\n2,0.4\n", False, ["1", "2"]),
    ("0.9\n0.8\n", False, ["1"]),
    (",loss\n0,0.5\n", True, ["1", "loss"]),
    ("step,1e-3\n0,0.5\n", True, ["step", "1e-3"]),
])
def test_table_header_is_a_first_row_with_a_non_number(text, header, names):
    table = dataio.parse_table(text)
    assert (table["header"], table["columns"]) == (header, names)


def test_table_strips_bom_and_carriage_returns_and_skips_blank_and_comment_lines():
    table = dataio.parse_table("\ufeff# exported\r\nepoch;loss\r\n\r\n  # note\r\n1;0.5\r2;0.4")
    assert table["rows"] == [["1", "0.5"], ["2", "0.4"]]
    assert table["lines"] == [5, 6]


def test_table_reads_double_quoted_cells():
    table = dataio.parse_table('"Step","run, ""a"" - loss"\n0,1.5\n')
    assert table["columns"] == ["Step", 'run, "a" - loss']


def test_table_refuses_an_unclosed_quote():
    err = refusal(dataio.parse_table, 'a,b\n"1,2\n')
    assert (err.field, err.allowed) == ("data", "line 2: a quoted cell is not closed")


def test_table_refuses_a_row_with_another_cell_count_naming_its_line():
    err = refusal(dataio.parse_table, "a,b\n1,2\n\n3,4,5\n")
    assert err.field == "data"
    assert err.allowed.startswith("line 4 has 3 cells but line 1 has 2")


def test_table_refuses_text_over_the_byte_limit():
    err = refusal(dataio.parse_table, "1\n" * (dataio.MAX_BYTES // 2) + "1")
    assert "5,000,000 bytes" in err.allowed


def test_table_counts_bytes_not_characters():
    text = "\u00e9" * (dataio.MAX_BYTES // 2 + 1)  # two UTF-8 bytes each
    assert "5,000,000 bytes" in refusal(dataio.parse_table, text).allowed


def test_table_refuses_more_than_max_rows():
    err = refusal(dataio.parse_table, "1\n" * (dataio.MAX_ROWS + 1))
    assert err.allowed == "at most 1,000,000 rows"


def test_table_refuses_what_is_not_text():
    assert refusal(dataio.parse_table, b"1\n2").allowed == "must be text"


def test_table_of_nothing_is_empty():
    assert dataio.parse_table("# only a comment\n\n") == {
        "columns": [], "rows": [], "delimiter": " ", "header": False, "lines": []}


# --- columns ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text, names", [
    ("epoch,train_loss,val_loss\n1,0.9,1.1\n", ["epoch", "train_loss", "val_loss"]),
    ("1\t0.9\n2\t0.8\n", ["1", "2"]),
    ("0.9\n0.8\n", []),
    ("loss\n0.9\n", []),
    ("", []),
    (None, []),
    ('"a,b\n', []),
])
def test_columns_lists_the_names_for_a_select(text, names):
    assert dataio.columns(text) == names


# --- parse_series ----------------------------------------------------------------------------

TABLE = "epoch,train_loss,val_loss\n1,0.9,1.1\n2,0.7,0.95\n"


def test_series_reads_one_number_per_line():
    assert dataio.parse_series("0.9\n  0.8 \n\n# plateau\n0.8\n") == [0.9, 0.8, 0.8]


@pytest.mark.parametrize("column, values", [
    ("", [1.1, 0.95]),
    ("train_loss", [0.9, 0.7]),
    (" val_loss ", [1.1, 0.95]),
    ("1", [1.0, 2.0]),
    (2, [0.9, 0.7]),
])
def test_series_picks_a_column_by_name_or_number_else_the_last(column, values):
    assert dataio.parse_series(TABLE, column) == values


def test_series_auto_skips_trailing_columns_that_are_not_numbers():
    assert dataio.parse_series("loss,note\n0.5,ok\n0.4,fine\n") == [0.5, 0.4]


def test_series_matches_a_header_name_before_a_number():
    assert dataio.parse_series("2,x\n5,0.1\n", "2") == [5.0]


@pytest.mark.parametrize("column", ["nope", "0", "4", -1, 1.5])
def test_series_refuses_an_unknown_column(column):
    err = refusal(dataio.parse_series, TABLE, column)
    assert err.field == "metrics"


def test_series_unknown_column_message_lists_the_columns():
    err = refusal(dataio.parse_series, TABLE, "nope")
    assert err.allowed == "no such column; choose one of epoch, train_loss, val_loss"


@pytest.mark.parametrize("cell, why", [
    ("abc", "enter a number like 0.01 or 1e-3"),
    ("1,5", "use a dot for decimals and no thousands separators, e.g. 1.5"),
    ("0x10", "enter a number like 0.01 or 1e-3"),
    ("nan", "enter a number like 0.01 or 1e-3"),
    ("inf", "enter a number like 0.01 or 1e-3"),
    ("-Infinity", "enter a number like 0.01 or 1e-3"),
    ("1e999", "too large; enter a finite number"),
    ("1" * 400, "too large; enter a finite number"),
    ("1_000", "enter a number like 0.01 or 1e-3"),
    ("\u0661", "enter a number like 0.01 or 1e-3"),
    ("--1", "enter a number like 0.01 or 1e-3"),
    ("1.2.3", "enter a number like 0.01 or 1e-3"),
    (".", "enter a number like 0.01 or 1e-3"),
    ("1e", "enter a number like 0.01 or 1e-3"),
    ("e5", "enter a number like 0.01 or 1e-3"),
    ("1 2", "enter a number like 0.01 or 1e-3"),
])
def test_series_refuses_a_cell_that_is_not_a_number_naming_its_line(cell, why):
    err = refusal(dataio.parse_series, "0.5\n\n" + cell + "\n0.4")
    assert (err.field, err.value) == ("metrics", cell)
    assert err.allowed == "line 3: %s is not a number (%s)" % (
        dataio._quoted(cell), why)


@pytest.mark.parametrize("text, value", [
    (".5", 0.5), ("3.", 3.0), ("+3", 3.0), ("-0.5", -0.5), ("1e-3", 0.001),
    ("1E+3", 1000.0), ("0", 0.0), ("007", 7.0), ("1e-400", 0.0),
])
def test_series_reads_every_strict_number_form(text, value):
    assert dataio.parse_series(text) == [value]


def test_series_number_rules_are_the_forms_rules():
    inputs = ["", " ", "abc", "1e999", "-0", "NaN", "Infinity", "0x10", "1,5", "1" * 400,
              "-1", "0", "2.5", "1e-3", ".5", "5.", "+3", "1e", "e5", "--1", "1.2.3",
              "\u0661", "1_0", "1e+", "+.5e-2"]
    for text in inputs:
        try:
            expected = calculator.parse_number(text, "x")
        except SpecError:
            expected = None
        assert dataio.read_number(text)[0] == expected, text


def test_series_error_names_the_column_of_a_table():
    err = refusal(dataio.parse_series, "epoch,loss\n1,0.5\n2,n/a\n", "loss")
    assert err.allowed == ("line 3, column 2 (loss): 'n/a' is not a number "
                           "(enter a number like 0.01 or 1e-3)")


def test_series_error_for_an_empty_cell():
    err = refusal(dataio.parse_series, "1,0.5\n2,\n", "2")
    assert err.allowed == "line 2, column 2: '' is not a number (enter a number)"


def test_series_with_no_numeric_column_reports_the_last_column():
    err = refusal(dataio.parse_series, "a,b\nx,y\n")
    assert err.allowed.startswith("line 2, column 2 (b): 'y' is not a number")


def test_series_line_numbers_are_those_of_the_original_text():
    err = refusal(dataio.parse_series, "\ufeff# loss\r\n\r\n0.5\r\n0.4\r\nbad\r\n")
    assert err.allowed.startswith("line 5:")


@pytest.mark.parametrize("text", ["", "  \n\n", "# nothing\n", "loss\n", "loss\n\n# x\n"])
def test_series_refuses_text_without_numbers(text):
    err = refusal(dataio.parse_series, text)
    assert (err.field, err.allowed) == ("metrics", "paste at least one number")


def test_series_refuses_a_headerless_decimal_comma():
    err = refusal(dataio.parse_series, "0,9\n0,8\n")
    assert err.allowed == ("line 1: '0,9' looks like a decimal comma; write 0.9, or add a "
                           "header row to mark a table")


def test_series_reads_a_headerless_integer_pair_when_the_column_is_chosen():
    assert dataio.parse_series("0,9\n1,8\n", "2") == [9.0, 8.0]


def test_series_reads_a_headerless_table_with_decimals():
    assert dataio.parse_series("1,0.5\n2,0.25\n") == [0.5, 0.25]


@pytest.mark.parametrize("text", [
    "1\n" * (dataio.MAX_BYTES // 2) + "1",
    "1\n" * (dataio.MAX_ROWS + 1),
    "a,b\n" + "1,2\n" * (dataio.MAX_ROWS + 1),
    "a,b\n1,2\n3\n",
])
def test_series_reports_table_errors_under_metrics(text):
    assert refusal(dataio.parse_series, text).field == "metrics"


def test_series_accepts_exactly_max_rows():
    assert len(dataio.parse_series("1\n" * dataio.MAX_ROWS)) == dataio.MAX_ROWS


def test_series_reads_exact_doubles():
    doubles = random_doubles(300)
    assert dataio.parse_series("\n".join(repr(x) for x in doubles)) == doubles


# --- to_csv and series_table -----------------------------------------------------------------


def test_csv_has_a_header_and_exact_floats():
    doubles = random_doubles(200)
    text = dataio.to_csv(["step", "lr"], [[i, x] for i, x in enumerate(doubles)])
    lines = text.splitlines()
    assert lines[0] == "step,lr"
    assert [float(line.split(",")[1]) for line in lines[1:]] == doubles
    assert text.endswith("\n")


def test_csv_quotes_cells_that_need_it():
    text = dataio.to_csv(["a,b", 'say "hi"', "plain"], [[None, 1, "x\ny"]])
    assert text == '"a,b","say ""hi""",plain\n,1,"x\ny"\n'


def test_series_table_update_stepping_has_step_epoch_and_lr():
    cols, rows = dataio.series_table([0.1, 0.2, 0.3], steps_per_epoch=2)
    assert cols == ["step", "epoch", "lr"]
    assert rows == [[0, 0.0, 0.1], [1, 0.5, 0.2], [2, 1.0, 0.3]]


def test_series_table_without_steps_per_epoch_has_no_epoch_column():
    assert dataio.series_table([0.1, 0.2]) == (["step", "lr"], [[0, 0.1], [1, 0.2]])


def test_series_table_epoch_stepping_counts_epochs():
    cols, rows = dataio.series_table([0.1, 0.2], steps_per_epoch=50, stepping="epoch")
    assert (cols, rows) == (["epoch", "lr"], [[0, 0.1], [1, 0.2]])


def test_series_table_every_kth_step_keeps_the_last():
    cols, rows = dataio.series_table(list(range(10)), every=4)
    assert [r[0] for r in rows] == [0, 4, 8, 9]


def test_series_table_adds_momentum():
    cols, rows = dataio.series_table([0.1, 0.2], momentum=[0.95, 0.85])
    assert cols == ["step", "lr", "momentum"]
    assert rows == [[0, 0.1, 0.95], [1, 0.2, 0.85]]


def test_series_table_epoch_is_the_exact_quotient():
    rows = dataio.series_table([0.0] * 10, steps_per_epoch=3)[1]
    assert [r[1] for r in rows] == [t / 3 for t in range(10)]


@pytest.mark.parametrize("kwargs, field", [
    ({"every": 0}, "every"),
    ({"every": True}, "every"),
    ({"every": 2.0}, "every"),
    ({"steps_per_epoch": 0}, "steps_per_epoch"),
    ({"stepping": "batch"}, "stepping"),
    ({"momentum": [0.9]}, "momentum"),
])
def test_series_table_refuses_bad_arguments(kwargs, field):
    assert refusal(lambda: dataio.series_table([0.1, 0.2], **kwargs)).field == field


def test_series_table_of_no_values_is_empty():
    assert dataio.series_table([]) == (["step", "lr"], [])


# --- to_json ---------------------------------------------------------------------------------


def catalogue_specs():
    """Every parity case spec of every framework."""
    rng, out = Lcg(20261123), []
    for module in (pytorch, pytorch_cycles, transformers, keras, optax, timm):
        out.extend(c["spec"] for c in module.cases(rng))
    return out


def test_json_parts_are_what_json_dumps_writes():
    cols, rows = dataio.series_table([0.1, 1 / 3, 5e-324], steps_per_epoch=7)
    for spec in catalogue_specs():
        text = dataio.to_json(spec, cols, rows)
        assert text == '{"spec": %s, "columns": %s, "rows": %s}' % (
            json.dumps(spec, sort_keys=True), json.dumps(cols), json.dumps(rows))


def test_json_reads_back_the_exact_floats():
    doubles = random_doubles(500)
    data = json.loads(dataio.to_json({"lr": doubles[0]}, ["lr"], [[x] for x in doubles]))
    assert [r[0] for r in data["rows"]] == doubles
    assert data["spec"] == {"lr": doubles[0]}


def test_json_escapes_text_like_json_dumps():
    text = 'a"b\\c\n\t\x01\u00e9\u2028\U0001F600'
    assert dataio._json(text) == json.dumps(text)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_json_refuses_non_finite_numbers(value):
    assert refusal(dataio.to_json, {}, ["lr"], [[value]]).field == "export"


def test_json_writes_whole_number_keys_as_text_in_numeric_order():
    assert dataio.to_json({10: 0.5, 9: 0.25}, [], []) == (
        '{"spec": {"9": 0.25, "10": 0.5}, "columns": [], "rows": []}')


@pytest.mark.parametrize("spec", [{1: 2, "a": 3}, {1.5: 2}, {True: 1}])
def test_json_refuses_other_keys(spec):
    assert refusal(dataio.to_json, spec, [], []).field == "export"


def test_json_refuses_other_objects():
    assert refusal(dataio.to_json, {"a": {1, 2}}, [], []).field == "export"


# --- chart_svg -------------------------------------------------------------------------------


def curve(x, y, axis="lr", pinned=False, color=0, label="lr"):
    return {"key": label, "label": label, "x": x, "y": y, "stepped": False, "axis": axis,
            "pinned": pinned, "color": color}


def chart(*curves, log=False, marker=None, drops=()):
    return {"version": 2, "xlabel": "update", "ylabel": "learning rate", "log": log,
            "marker": marker, "curves": list(curves), "drops": list(drops)}


def parse(svg):
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    return root


def polylines(root):
    """The curve polylines (the axis polyline has no stroke-width)."""
    return [p for p in root.iter(SVG + "polyline") if p.get("stroke-width")]


def points(line):
    return [tuple(float(v) for v in p.split(",")) for p in line.get("points").split()]


def texts(root):
    return [t.text for t in root.iter(SVG + "text")]


def test_svg_is_well_formed_and_starts_with_a_declaration():
    svg = dataio.chart_svg(chart(curve([0, 1, 2], [0.1, 0.05, 0.01]), marker=1))
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    parse(svg)


def test_svg_escapes_labels():
    label = '</text><script>alert("x")</script> & \'q\' \x00\x1b\ud800'
    root = parse(dataio.chart_svg(chart(curve([0, 1], [1.0, 2.0], label=label))))
    assert root.find(SVG + "script") is None
    assert '</text><script>alert("x")</script> & \'q\' ' in texts(root)


def test_svg_has_one_point_per_envelope_sample():
    x = list(range(0, 4000, 3))
    y = [0.1 * math.cos(t / 700.0) ** 2 for t in x]
    lines = polylines(parse(dataio.chart_svg(chart(curve(x, y)))))
    assert [len(points(line)) for line in lines] == [len(x)]


def test_svg_log_scale_skips_non_positive_values():
    c = curve([0, 1, 2, 3, 4], [0.1, 0.0, 0.01, -1.0, 0.001])
    line = polylines(parse(dataio.chart_svg(chart(c, log=True))))[0]
    assert len(points(line)) == 3


def test_svg_log_scale_ticks_are_powers_of_ten():
    c = curve(list(range(5)), [1.0, 0.1, 0.01, 0.001, 0.0001])
    labels = texts(parse(dataio.chart_svg(chart(c, log=True))))
    assert ["0.0001", "0.001", "0.01", "0.1", "1"] == labels[:5]


def test_svg_linear_ticks_are_formatted_through_numfmt():
    c = curve([0, 100000], [0.1, 0.0])
    labels = texts(parse(dataio.chart_svg(chart(c))))
    assert labels[:6] == ["0", "0.02", "0.04", "0.06", "0.08", "0.1"]
    assert labels[6:12] == ["0", "20,000", "40,000", "60,000", "80,000", "100,000"]


def test_svg_curves_map_into_the_plot_box():
    line = polylines(parse(dataio.chart_svg(chart(curve([0, 10], [0.0, 0.1])))))[0]
    (x0, y0), (x1, y1) = points(line)
    assert (x0, x1) == (dataio.PLOT_LEFT, dataio.WIDTH - dataio.RIGHT_PLAIN)
    assert (y0, y1) == (dataio.PLOT_BOTTOM, dataio.PLOT_TOP)


def test_svg_colours_follow_the_colour_index_and_pins_are_dashed():
    root = parse(dataio.chart_svg(chart(curve([0, 1], [1.0, 0.5]),
                                        curve([0, 1], [0.9, 0.4], pinned=True, color=7))))
    lines = polylines(root)
    assert [line.get("stroke") for line in lines] == [dataio.COLORS[0], dataio.COLORS[1]]
    assert [line.get("stroke-dasharray") for line in lines] == [None, "6 4"]


def test_svg_momentum_gets_a_right_axis_only_when_present():
    lr = curve([0, 1], [0.1, 0.2])
    plain = texts(parse(dataio.chart_svg(chart(lr))))
    both = texts(parse(dataio.chart_svg(chart(lr, curve([0, 1], [0.95, 0.85],
                                                         axis="momentum", color=1)))))
    assert "momentum" not in plain
    assert "momentum" in both and "momentum (right axis)" not in plain


def test_svg_momentum_uses_its_own_scale():
    root = parse(dataio.chart_svg(chart(curve([0, 1], [0.1, 0.2]),
                                        curve([0, 1], [0.95, 0.85], axis="momentum"))))
    momentum = points(polylines(root)[1])
    assert momentum[0][1] < dataio.PLOT_BOTTOM - 100  # not squashed onto the LR scale


def test_svg_marker_is_a_dashed_vertical_line():
    root = parse(dataio.chart_svg(chart(curve([0, 10], [1.0, 0.5]), marker=5)))
    dashed = [l for l in root.iter(SVG + "line") if l.get("stroke-dasharray") == "4 3"]
    assert len(dashed) == 1 and dashed[0].get("x1") == dashed[0].get("x2")


@pytest.mark.parametrize("marker", [None, 50, math.nan])
def test_svg_marker_outside_the_run_is_not_drawn(marker):
    root = parse(dataio.chart_svg(chart(curve([0, 10], [1.0, 0.5]), marker=marker)))
    assert not [l for l in root.iter(SVG + "line") if l.get("stroke-dasharray") == "4 3"]


def test_svg_drops_are_triangles_on_the_first_curve():
    c = curve([0, 1, 2, 3], [1.0, 1.0, 0.1, 0.1])
    root = parse(dataio.chart_svg(chart(c, drops=[2, 99, -5])))
    assert len(list(root.iter(SVG + "polygon"))) == 2  # -5 is before the first sample


def test_svg_legend_lists_every_curve():
    root = parse(dataio.chart_svg(chart(curve([0, 1], [1.0, 0.5], label="main"),
                                        curve([0, 1], [0.9, 0.8], label="pin"))))
    assert texts(root)[-2:] == ["main", "pin"]


@pytest.mark.parametrize("payload", [
    chart(),
    chart(curve([], [])),
    chart(curve([5], [0.1])),
    chart(curve([0, 1], [0.0, 0.0]), log=True),
    chart(curve([0, 1, 2], [math.inf, math.nan, 0.1])),
])
def test_svg_of_degenerate_charts_is_still_well_formed(payload):
    parse(dataio.chart_svg(payload))


def test_svg_is_deterministic():
    payload = chart(curve([0, 1, 2], [0.3, 0.2, 0.1]), marker=1)
    assert dataio.chart_svg(payload) == dataio.chart_svg(payload)
