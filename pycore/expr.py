"""The formula language of LambdaLR and MultiplicativeLR: a safe expression of the step.

PyTorch takes ``lr_lambda`` as a Python function of the step counter; a spec holds it as a
string such as ``"0.95 ** step"`` or ``"min(1, (step + 1) / 100)"``. This module parses
that string itself (operator-precedence parsing with explicit stacks, never ``eval``),
compiles it once into nested closures for speed, evaluates it with Python's own number
semantics (ints stay ints where Python keeps them, ``/`` is true division), and renders it
back as the Python expression the code export puts in ``lambda epoch: ...``. ``value``
and that expression give the same number in CPython, so a pycore series equals what torch
computes.

The language: numbers (``1``, ``0.5``, ``.5``, ``1e-3``), ``step`` and ``epoch`` (both the
scheduler's step counter), ``pi``, the operators ``+ - * / % **`` with Python's precedence
(``**`` binds tighter than a unary minus on its left: ``-2 ** 2 == -4``), parentheses, and
the functions in ``FUNCTIONS``. Formulas are at most ``MAX_LENGTH`` characters with at
most ``MAX_DEPTH`` operations nested in one another, so hostile input can neither hang nor
exhaust the stack: evaluating, compiling and rendering recurse once per nesting level, and
MicroPython's stack holds only about 150 small frames.

Where Python itself would not give a finite number (division by zero, the log of 0, a
complex power such as ``(-8) ** (1 / 3)``, an overflow) ``value`` raises ``SpecError``
naming the step. One deliberate refusal: an integer power of 2**1024 or more (``2 **
step`` past step 1023) is an overflow, as it is for floats, although Python would keep it
as an exact integer; this keeps ``2 ** step`` at step 10**6 from building a huge integer.
Only a formula that shrinks such an integer again (``1 / 2 ** step``; write ``0.5 **
step``) gives a number in Python where pycore refuses.

Checks are explicit where CPython and MicroPython differ (a float power overflowing gives
inf on MicroPython, exp raises a different error type), so both refuse the same steps with
the same message. Their libm may still differ in the last bit of pow, exp, sin and cos.
"""
import math

from .errors import SpecError

NAMES = ("step", "epoch", "pi")
FUNCTIONS = ("min", "max", "abs", "floor", "ceil", "exp", "log", "sqrt", "sin", "cos")
HELP = ("a formula of the step counter: numbers, step (or epoch), pi, + - * / % ** and "
        "parentheses, and the functions min, max, abs, floor, ceil, exp, log, sqrt, sin, "
        "cos; for example 0.95 ** step or min(1, (step + 1) / 100)")
MAX_LENGTH = 500
MAX_DEPTH = 32

_ALLOWED = "must be a formula of step"
_VOCABULARY = ("the names are step, epoch and pi; the functions are "
               + ", ".join(FUNCTIONS))
_DIGITS = "0123456789"
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_SPACE = " \t\r\n"
_OPERATORS = ("**", "+", "-", "*", "/", "%", "(", ")", ",")
_MATH = ("floor", "ceil", "exp", "log", "sqrt", "sin", "cos")  # rendered as math.<name>
_INF = float("inf")
_INT_LIMIT = 1 << 1024  # the first integer a float cannot hold
_TOO_LARGE = "a number too large for a float"
_INT_TOO_LARGE = "an integer power too large for a float (2**1024 or more)"


# ---------------------------------------------------------------------------- parsing

class _Syntax(Exception):
    """A parse failure: what is wrong, the 1-based column where it is, and an optional
    hint shown after the column."""

    def __init__(self, what, column, hint=""):
        super().__init__(what)
        self.what = what
        self.column = column
        self.hint = hint


def parse(text, field):
    """The Formula that ``text`` spells, or SpecError(field, text, ...) with the column."""
    if not isinstance(text, str):
        raise SpecError(field, text, _ALLOWED + " (a string)")
    if len(text) > MAX_LENGTH:
        raise SpecError(field, text, "%s of at most %d characters" % (_ALLOWED, MAX_LENGTH))
    if not text.strip():
        raise SpecError(field, text, _ALLOWED + "; the formula is empty")
    try:
        parser = _Parser(_tokens(text))
        tree = parser.formula()
    except _Syntax as e:
        raise SpecError(field, text, "%s: %s at column %d%s"
                        % (_ALLOWED, e.what, e.column, e.hint))
    return Formula(text, field, tree, parser.uses_math)


def _tokens(text):
    """The tokens of text as (kind, text, column) triples, ending with ("end", "", n + 1).

    Kinds: "number", "name", and "op" for operators, parentheses and commas.
    """
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _SPACE:
            i += 1
        elif c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS):
            j = _number_end(text, i)
            out.append(("number", text[i:j], i + 1))
            i = j
        elif c in _LETTERS:
            j = i + 1
            while j < n and (text[j] in _LETTERS or text[j] in _DIGITS):
                j += 1
            out.append(("name", text[i:j], i + 1))
            i = j
        elif text.startswith("//", i):
            raise _Syntax("// is not in the language", i + 1, "; write floor(a / b)")
        else:
            for op in _OPERATORS:
                if text.startswith(op, i):
                    out.append(("op", op, i + 1))
                    i += len(op)
                    break
            else:
                raise _Syntax("unexpected character %s" % _quoted(c), i + 1)
    out.append(("end", "", n + 1))
    return out


def _number_end(text, i):
    """The index just past the decimal number starting at text[i]: digits, an optional
    fraction and an optional exponent, as Python reads them."""
    n = len(text)
    j = _digits_end(text, i)
    if j < n and text[j] == ".":
        j = _digits_end(text, j + 1)
    if j < n and text[j] in "eE":
        k = j + 1
        if k < n and text[k] in "+-":
            k += 1
        if k == n or text[k] not in _DIGITS:
            raise _Syntax("the exponent of a number needs digits", k + 1)
        j = _digits_end(text, k)
    if j < n and (text[j] in _LETTERS or text[j] == "."):
        raise _Syntax("malformed number", i + 1)
    return j


def _digits_end(text, i):
    """The index just past the run of digits starting at text[i]."""
    while i < len(text) and text[i] in _DIGITS:
        i += 1
    return i


def _quoted(token):
    """A token shown in a message, in quotes it does not contain."""
    return ('"%s"' if "'" in token else "'%s'") % token


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2, "**": 4}  # as in Python
_UNARY_PRECEDENCE = 3  # above * and below ** on its right: -2 ** 2 == -(2 ** 2)


class _Parser:
    """Operator-precedence parsing over the tokens with explicit stacks (no recursion, so
    deep input cannot exhaust MicroPython's small stack), building a tree of tuples:
    ("number", value, source), ("step",), ("pi",), (op, x) for a unary + or -,
    (op, a, b) for a binary operator, and ("call", name, args).

    ``operands`` holds (tree, depth) pairs, depth counting the operations nested in the
    tree; ``operators`` holds [kind, token, column, precedence or argument count] entries
    of kind "binary", "unary", "(" or "call".
    """

    def __init__(self, tokens):
        self.tokens = tokens
        self.pos = 0
        self.operands = []
        self.operators = []
        self.uses_math = False

    def formula(self):
        """The whole token list as one tree."""
        want_operand = True
        while True:
            kind, token, column = self.tokens[self.pos]
            self.pos += 1
            if want_operand:
                want_operand = self.operand(kind, token, column)
            elif kind == "end":
                self.reduce_group(None, column)
                return self.operands[0][0]
            else:
                want_operand = self.operator(kind, token, column)

    def operand(self, kind, token, column):
        """Take a token where an operand must start; True if another operand must follow
        (after a sign, an opening parenthesis or a function name)."""
        if kind == "number":
            self.operands.append((_number(token, column), 0))
            return False
        if kind == "name":
            return self.name(token, column)
        if token == "(":
            self.operators.append(["(", token, column, 0])
            return True
        if token in ("+", "-"):
            self.operators.append(["unary", token, column, _UNARY_PRECEDENCE])
            return True
        got = "the end" if kind == "end" else _quoted(token)
        raise _Syntax("expected a number, name or (, got %s" % got, column)

    def name(self, token, column):
        """Take a name: a variable, pi, or a function with its opening parenthesis."""
        called = self.tokens[self.pos][1] == "("
        if token in FUNCTIONS:
            if not called:
                raise _Syntax("%s is a function: write %s(...)" % (token, token), column)
            self.pos += 1
            if self.tokens[self.pos][1] == ")":
                _check_arity(token, 0, column)
            self.uses_math = self.uses_math or token in _MATH
            self.operators.append(["call", token, column, 1])
            return True
        if token not in NAMES:
            raise _Syntax("unknown name %s" % _quoted(token), column, "; " + _VOCABULARY)
        if called:
            raise _Syntax("%s is not a function" % token, column)
        self.uses_math = self.uses_math or token == "pi"
        self.operands.append((("pi",) if token == "pi" else ("step",), 0))
        return False

    def operator(self, kind, token, column):
        """Take a token after a complete operand: a binary operator, ) or a comma; True if
        an operand must follow."""
        if kind == "op" and token in _PRECEDENCE:
            precedence = _PRECEDENCE[token]
            right = token == "**"
            while self.operators and self.operators[-1][0] in ("binary", "unary"):
                top = self.operators[-1][3]
                if top < precedence or (top == precedence and right):
                    break
                self.reduce()
            self.operators.append(["binary", token, column, precedence])
            return True
        if token == ")":
            opener = self.reduce_group(")", column)
            if opener[0] == "call":
                self.reduce_call(opener)
            return False
        if token == ",":
            opener = self.reduce_group(",", column)
            opener[3] += 1
            self.operators.append(opener)
            return True
        raise _Syntax("expected an operator, got %s" % _quoted(token), column)

    def reduce_group(self, closer, column):
        """Apply the operators back to the innermost ( or function call and pop it (None:
        apply all, at the end). Returns the popped opener."""
        while self.operators and self.operators[-1][0] in ("binary", "unary"):
            self.reduce()
        if closer is None:
            if self.operators:
                raise _Syntax("expected ), got the end", column)
            return None
        if not self.operators:
            if closer == ",":
                raise _Syntax("a comma outside a function's arguments", column)
            raise _Syntax("unmatched )", column)
        opener = self.operators.pop()
        if closer == "," and opener[0] != "call":
            raise _Syntax("a comma outside a function's arguments", column)
        return opener

    def reduce(self):
        """Apply the operator on top of the stack to its operands."""
        kind, token, column, _ = self.operators.pop()
        count = 1 if kind == "unary" else 2
        self.push((token,), count, column)

    def reduce_call(self, opener):
        """Apply a function to its arguments once its ) is reached."""
        kind, name, column, count = opener
        _check_arity(name, count, column)
        self.push(("call", name), count, column, True)

    def push(self, head, count, column, grouped=False):
        """Replace the top ``count`` operands by the node head + those operands (grouped
        into one tuple for a call), refusing it if it nests too deeply."""
        taken = self.operands[len(self.operands) - count:]
        del self.operands[len(self.operands) - count:]
        depth = 1 + max(d for _, d in taken)
        if depth > MAX_DEPTH:
            raise _Syntax("more than %d operations nested" % MAX_DEPTH, column)
        trees = tuple(tree for tree, _ in taken)
        self.operands.append((head + ((trees,) if grouped else trees), depth))


def _number(token, column):
    """The number node of a literal: an int for plain digits, else a finite float."""
    if "." in token or "e" in token or "E" in token:
        value = float(token)
        if value - value != 0:
            raise _Syntax("the number %s is too large" % token, column)
        return ("number", value, token)
    value = int(token)
    return ("number", value, str(value))


def _check_arity(name, count, column):
    """Refuse a call with the wrong number of arguments for its function."""
    if name in ("min", "max"):
        if count < 2:
            raise _Syntax("%s takes 2 or more arguments, got %d" % (name, count), column)
    elif count != 1:
        raise _Syntax("%s takes 1 argument, got %d" % (name, count), column)


# ---------------------------------------------------------------------------- evaluation

class _Fault(Exception):
    """An evaluation that Python would refuse (or that pycore refuses: see the module
    docstring), carrying the phrase for the message."""


def _power(a, b):
    """a ** b as Python computes it, refusing what would not give a finite real number."""
    if type(a) is int and type(b) is int:
        if b >= 0:
            return _int_power(a, b)
        if a == 0:
            raise _Fault("0 raised to a negative power")
        return a ** b
    if a == 0 and b < 0 and b - b == 0:
        raise _Fault("0 raised to a negative power")
    if a < 0 and b - b == 0 and b % 1 != 0:
        if a - a == 0:
            raise _Fault("a negative number raised to a fractional power (a complex "
                         "number)")
        return _INF if b > 0 else 0.0  # CPython's (-inf) ** b; MicroPython gives a complex
    r = a ** b
    if r - r != 0 and a - a == 0 and b - b == 0:
        raise _Fault(_TOO_LARGE)
    return r


def _int_power(a, b):
    """a ** b for ints with b >= 0, refused when the result reaches 2**1024. A lower bound
    of the result's size is checked first, so a huge exponent costs nothing."""
    size = abs(a)
    if size < 2:
        return a ** b
    if b * _log2_floor_bound(size) >= 1024:
        raise _Fault(_INT_TOO_LARGE)
    r = a ** b
    if abs(r) >= _INT_LIMIT:
        raise _Fault(_INT_TOO_LARGE)
    return r


def _log2_floor_bound(n):
    """A lower bound of log2(n) for an int n >= 2 within a factor of about 16, from its
    hexadecimal length (MicroPython's ints have no bit_length)."""
    digits = len("%x" % n)
    return 4 * (digits - 1) if digits > 1 else 1


def _constant_power(c):
    """The closure for c ** x with a float constant c > 0, the common ``0.95 ** step``:
    no zero, sign or integer checks are needed, only the overflow one."""

    def power(x):
        r = c ** x
        if r == _INF and x - x == 0:
            raise _Fault(_TOO_LARGE)
        return r
    return power


_REFUSED = {  # what math.<name> refuses, for the functions that raise rather than check
    "floor": "floor of an infinite or undefined number",
    "ceil": "ceil of an infinite or undefined number",
    "exp": "exp of a number above about 709.78 (too large for a float)",
    "sin": "sin of an infinite number",
    "cos": "cos of an infinite number",
}


def _guarded(name, f):
    """The closure of math.<name>(f(t)), refusing what it raises with a clear phrase
    (CPython and MicroPython raise different error types for the same refusal)."""
    func = getattr(math, name)
    phrase = _REFUSED[name]

    def run(t):
        x = f(t)
        try:
            return func(x)
        except (OverflowError, ValueError):
            raise _Fault(phrase)
    return run


def _log(f):
    """The closure of the natural log of f(t), refusing 0 and negative numbers."""
    log = math.log

    def run(t):
        x = f(t)
        if x <= 0:
            raise _Fault("log of a number <= 0")
        return log(x)
    return run


def _sqrt(f):
    """The closure of the square root of f(t), refusing negative numbers."""
    sqrt = math.sqrt

    def run(t):
        x = f(t)
        if x < 0:
            raise _Fault("sqrt of a negative number")
        return sqrt(x)
    return run


# Binary operators as closure makers, one per shape of the operands: both computed, left
# computed and right constant, left constant and right computed. Writing the operator
# into each closure (rather than calling a function for it) keeps an evaluation to one
# Python call per computed node.
_BINARY = {
    "+": (lambda f, g: lambda t: f(t) + g(t),
          lambda f, b: lambda t: f(t) + b,
          lambda a, g: lambda t: a + g(t)),
    "-": (lambda f, g: lambda t: f(t) - g(t),
          lambda f, b: lambda t: f(t) - b,
          lambda a, g: lambda t: a - g(t)),
    "*": (lambda f, g: lambda t: f(t) * g(t),
          lambda f, b: lambda t: f(t) * b,
          lambda a, g: lambda t: a * g(t)),
    "/": (lambda f, g: lambda t: f(t) / g(t),
          lambda f, b: lambda t: f(t) / b,
          lambda a, g: lambda t: a / g(t)),
    "%": (lambda f, g: lambda t: f(t) % g(t),
          lambda f, b: lambda t: f(t) % b,
          lambda a, g: lambda t: a % g(t)),
    "**": (lambda f, g: lambda t: _power(f(t), g(t)),
           lambda f, b: lambda t: _power(f(t), b),
           lambda a, g: lambda t: _power(a, g(t))),
}

_STEP_BINARY = {  # the same with the step itself on one side: step / 1000, pi * step
    "+": (lambda b: lambda t: t + b, lambda a: lambda t: a + t),
    "-": (lambda b: lambda t: t - b, lambda a: lambda t: a - t),
    "*": (lambda b: lambda t: t * b, lambda a: lambda t: a * t),
    "/": (lambda b: lambda t: t / b, lambda a: lambda t: a / t),
    "%": (lambda b: lambda t: t % b, lambda a: lambda t: a % t),
    "**": (lambda b: lambda t: _power(t, b), lambda a: lambda t: _power(a, t)),
}


def _step(t):
    """The step itself, as a computed operand."""
    return t


def _compile(tree):
    """The tree as ("constant", value), ("step", None) or ("computed", closure of t).

    Operations on constants only are computed once here (constant folding), unless that
    fails, in which case they stay computed so the error names the step it occurs at.
    """
    kind = tree[0]
    if kind == "number":
        return ("constant", tree[1])
    if kind == "pi":
        return ("constant", math.pi)
    if kind == "step":
        return ("step", None)
    parts = []
    for sub in (tree[2] if kind == "call" else tree[1:]):
        parts.append(_compile(sub))
    if kind == "call":
        made = _call(tree[1], parts)
    elif len(parts) == 1:
        made = _unary(kind, parts[0])
    else:
        made = _binary(kind, parts[0], parts[1])
    for part in parts:
        if part[0] != "constant":
            return ("computed", made)
    try:
        return ("constant", made(0))
    except (ZeroDivisionError, OverflowError, ValueError, _Fault):
        return ("computed", made)


def _closure(part):
    """Any compiled operand as a closure of t."""
    kind, obj = part
    if kind == "computed":
        return obj
    if kind == "step":
        return _step
    return lambda t: obj


def _unary(op, part):
    """The closure of -x or +x."""
    f = _closure(part)
    if op == "-":
        return lambda t: -f(t)
    return lambda t: +f(t)


def _binary(op, left, right):
    """The closure of left op right, specialised to the shapes of its operands."""
    if op == "**" and left[0] == "constant" and type(left[1]) is float and left[1] > 0:
        power = _constant_power(left[1])
        if right[0] == "step":
            return power
        g = _closure(right)
        return lambda t: power(g(t))
    if right[0] == "constant" and left[0] == "step":
        return _STEP_BINARY[op][0](right[1])
    if left[0] == "constant" and right[0] == "step":
        return _STEP_BINARY[op][1](left[1])
    both, left_computed, right_computed = _BINARY[op]
    if right[0] == "constant":
        return left_computed(_closure(left), right[1])
    if left[0] == "constant":
        return right_computed(left[1], _closure(right))
    return both(_closure(left), _closure(right))


def _call(name, parts):
    """The closure of a function call with compiled arguments."""
    if name in ("min", "max"):
        return _extreme(min if name == "min" else max, parts)
    f = _closure(parts[0])
    if name == "abs":
        return lambda t: abs(f(t))
    if name == "log":
        return _log(f)
    if name == "sqrt":
        return _sqrt(f)
    return _guarded(name, f)


def _extreme(pick, parts):
    """The closure of min or max over the arguments, kept in their order (Python returns
    the first of equal values, and order matters with NaN)."""
    if len(parts) > 2:
        fs = [_closure(p) for p in parts]
        return lambda t: pick([f(t) for f in fs])
    left, right = parts
    if left[0] == "constant":
        a, g = left[1], _closure(right)
        return lambda t: pick(a, g(t))
    if right[0] == "constant":
        f, b = _closure(left), right[1]
        return lambda t: pick(f(t), b)
    f, g = _closure(left), _closure(right)
    return lambda t: pick(f(t), g(t))


# ---------------------------------------------------------------------------- rendering

_SUM, _TERM, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 5
_LEVEL = {"+": _SUM, "-": _SUM, "*": _TERM, "/": _TERM, "%": _TERM, "**": _POWER}


def _render(tree, var):
    """(source, level): Python source for the tree and the precedence level of its outer
    operator, so a parent adds parentheses only where Python needs them."""
    kind = tree[0]
    if kind == "number":
        return tree[2], _ATOM
    if kind == "pi":
        return "math.pi", _ATOM
    if kind == "step":
        return var, _ATOM
    if kind == "call":
        name = "math." + tree[1] if tree[1] in _MATH else tree[1]
        args = []
        for arg in tree[2]:
            args.append(_render(arg, var)[0])
        return "%s(%s)" % (name, ", ".join(args)), _ATOM
    if len(tree) == 2:
        return kind + _wrapped(_render(tree[1], var), _UNARY), _UNARY
    level = _LEVEL[kind]
    left, right = _render(tree[1], var), _render(tree[2], var)
    if kind == "**":  # right-associative; a signed base needs parentheses: (-2) ** 2
        left, right = _wrapped(left, _ATOM), _wrapped(right, _UNARY)
    else:  # left-associative: a - (b - c) keeps its parentheses
        left, right = _wrapped(left, level), _wrapped(right, level + 1)
    return "%s %s %s" % (left, kind, right), level


def _wrapped(rendered, least):
    """The source of a rendered subtree, parenthesised if its level is below ``least``."""
    source, level = rendered
    return source if level >= least else "(" + source + ")"


# ---------------------------------------------------------------------------- the formula

class Formula:
    """A parsed formula: ``value(t)`` evaluates it at step t, ``python(var)`` renders it.

    ``uses_math`` says whether the rendering needs ``import math``.
    """

    def __init__(self, text, field, tree, uses_math):
        self.text = text
        self.field = field
        self.tree = tree
        self.uses_math = uses_math
        self._run = _closure(_compile(tree))

    def __repr__(self):
        """The formula as written, for debugging."""
        return "Formula(%r)" % self.text

    def value(self, t):
        """The formula at integer step t as a finite float, equal to what CPython computes
        for ``python(...)``; SpecError naming the step where that is not a finite number."""
        try:
            r = float(self._run(t))
        except ZeroDivisionError:
            raise self._failure(t, "division by zero")
        except OverflowError:
            raise self._failure(t, _TOO_LARGE)
        except ValueError:
            raise self._failure(t, "a math domain error")
        except _Fault as e:
            raise self._failure(t, e.args[0])
        if r != r:
            raise self._failure(t, "the result is not a number (nan)")
        if r - r != 0:  # inf: CPython raises OverflowError where MicroPython gives inf
            raise self._failure(t, _TOO_LARGE)
        return r

    def factor(self, t):
        """The formula at step t as a multiple of an LR: ``value(t)``, refused with the
        step when negative, since a negative LR climbs the loss (torch's optimizers refuse
        lr < 0 too) and no schedule means it."""
        r = self.value(t)
        if r < 0:
            raise SpecError(self.field, self.text,
                            "%s that gives a factor >= 0; at step %d it is negative, and "
                            "a negative LR climbs the loss" % (_ALLOWED, t))
        return r

    def _failure(self, t, what):
        """The SpecError for an evaluation failing at step t."""
        return SpecError(self.field, self.text,
                         "%s that gives a finite number; at step %d: %s"
                         % (_ALLOWED, t, what))

    def python(self, var):
        """Python source computing the formula from the variable ``var``, with ``math.``
        functions and the builtins min, max and abs."""
        return _render(self.tree, var)[0]

