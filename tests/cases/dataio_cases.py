"""pycore.dataio cases run under both CPython and MicroPython (tests/parity_cases.py).

Every value is text or plain data; exported text (CSV, JSON, SVG) must match to the letter.
"""
from pycore import dataio
from pycore.errors import SpecError

TABLES = [
    "0.9\n0.8\n0.8\n0.7\n",
    "\ufeff# validation loss\r\nepoch;loss\r\n1;0.5\r\n\r\n2;0.25\r\n",
    '"Step","run - val_loss"\n0,1.5\n1,1.25\n',
    "epoch\ttrain\tval\n0\t2.5\t2.75\n1\t2\t2.5\n",
    "step  value\n  0   1e-3\n  1   5E-4\n",
    ",loss\n0,0.5\n1,0.4\n",
    "a,b\n1,2\n3\n",
    'a,"b\n1,2\n',
]

SERIES = [
    ("0.9\n0.8\n0.75", ""),
    ("epoch,train_loss,val_loss\n1,0.9,1.1\n2,0.7,0.95\n", ""),
    ("epoch,train_loss,val_loss\n1,0.9,1.1\n2,0.7,0.95\n", "train_loss"),
    ("epoch,train_loss,val_loss\n1,0.9,1.1\n2,0.7,0.95\n", "1"),
    ("epoch,train_loss,val_loss\n1,0.9,1.1\n2,0.7,0.95\n", 2),
    ("epoch,train_loss,val_loss\n1,0.9,1.1\n2,0.7,0.95\n", "nope"),
    ("1\n2\n\n3\nabc\n", ""),
    ("1\n0,5\n", ""),
    ("0,9\n0,8\n", ""),
    ("0,9\n0,8\n", "2"),
    ("1\n1e999\n", ""),
    ("1\nnan\n", ""),
    ("1\n0x10\n", ""),
    ("1\n-.5\n+3.\n2E+2\n", ""),
    ("a,b\n1,x\n2,y\n", ""),
    ("", ""),
    ("# nothing\n\n", ""),
]


def _attempt(fn, *args):
    """fn(*args), or the SpecError's field and message."""
    try:
        return fn(*args)
    except SpecError as err:
        return ["error", err.field, str(err)]


def _chart(log):
    """A small chart payload with an LR curve, a pinned curve and a momentum curve."""
    return {"version": 2, "xlabel": "update", "ylabel": "learning rate", "log": log,
            "marker": 30, "drops": [20],
            "curves": [
                {"key": "main", "label": "pytorch <StepLR> & 'x'", "x": [0, 10, 20, 30, 99],
                 "y": [0.1, 0.1, 0.01, 0.01, 0.001], "stepped": False, "axis": "lr",
                 "pinned": False, "color": 0},
                {"key": "pin0", "label": "optax \u00e9t\u00e9", "x": [0, 50, 99],
                 "y": [0.05, 0.0, 0.02], "stepped": False, "axis": "lr", "pinned": True,
                 "color": 1},
                {"key": "momentum", "label": "momentum", "x": [0, 50, 99],
                 "y": [0.85, 0.95, 0.9], "stepped": False, "axis": "momentum",
                 "pinned": False, "color": 2}]}


def parity(emit):
    """Emit every case: tables, series, columns, exports and the SVG chart."""
    for i, text in enumerate(TABLES):
        emit("dataio.table.%d" % i, _attempt(dataio.parse_table, text))
        emit("dataio.columns.%d" % i, dataio.columns(text))
    for i, (text, column) in enumerate(SERIES):
        emit("dataio.series.%d" % i, _attempt(dataio.parse_series, text, column))
    values = [0.1 * 0.5 ** k for k in range(11)] + [1e-300, 5e-324, 0.30000000000000004]
    momentum = [0.85 + 0.01 * k for k in range(len(values))]
    cols, rows = dataio.series_table(values, 3, 7, momentum)
    emit("dataio.csv.update", dataio.to_csv(cols, rows))
    cols_e, rows_e = dataio.series_table(values, 5, 7, None, "epoch")
    emit("dataio.csv.epoch", dataio.to_csv(cols_e, rows_e))
    spec = {"framework": "pytorch", "name": "LambdaLR", "lr": 0.1,
            "params": {"lr_lambda": "0.95 ** epoch", "last_epoch": -1,
                       "note": "\u00e9\u2028\U0001F600\"\\\n\x01", "flag": True,
                       "none": None, "list": [1, 2.5, 1e-7, 1e22],
                       "map": {30: 0.5, 4: 0.25}}}
    emit("dataio.json", dataio.to_json(spec, cols, rows))
    emit("dataio.svg.linear", dataio.chart_svg(_chart(False)))
    emit("dataio.svg.log", dataio.chart_svg(_chart(True)))
