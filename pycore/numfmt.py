"""The number formatter: every number a user sees goes through here.

CPython and MicroPython disagree on ``repr``, ``round`` and ``%f`` for some floats, so
nothing here uses them. A float is split exactly into an integer times a power of two
(``math.frexp``) and all decimal rounding is done on integers, which both runtimes do
exactly. The results equal CPython's ``repr(x)`` and ``"%.*g" % (p, x)`` to the letter.
"""
import math

_TWO53 = 9007199254740992.0  # 2**53, exactly representable


def _exact(x):
    """Return (n, e) with x == n * 2**e exactly; x finite and > 0, e >= -1074."""
    m, e = math.frexp(x)
    n = int(m * _TWO53)
    e -= 53
    if e < -1074:  # subnormal: renormalise to the smallest exponent
        n >>= -1074 - e
        e = -1074
    return n, e


def _ratio(n, e, s):
    """Return (num, den) with num / den == n * 2**e / 10**s exactly."""
    num, den = n, 1
    if e >= 0:
        num <<= e
    else:
        den <<= -e
    if s >= 0:
        den *= 10 ** s
    else:
        num *= 10 ** (-s)
    return num, den


def _round_sig(x, p):
    """Round x (finite, > 0) to p significant digits, ties to even.

    Returns (q, s) with 10**(p-1) <= q < 10**p and x ~= q * 10**s.
    """
    n, e = _exact(x)
    k = int(math.floor(math.log10(x)))  # may be off by one; corrected below
    low, high = 10 ** (p - 1), 10 ** p
    while True:
        s = k - p + 1
        num, den = _ratio(n, e, s)
        q, r = divmod(num, den)
        if 2 * r > den or (2 * r == den and q % 2 == 1):
            q += 1
        if q >= high:
            if q == high and num < high * den:  # rounding carried into a new digit
                return low, s + 1
            k += 1
        elif q < low:
            k -= 1
        else:
            return q, s


def _round_trips(x, q, s):
    """True when the decimal q * 10**s reads back as exactly x (round-half-even)."""
    n, e = _exact(x)
    # The interval of reals that round to x is [x - lo/2, x + hi/2] in ulps.
    # Work in units of 2**(e-2): x is 4n, the neighbours' midpoints are 4n +- 2,
    # or 4n - 1 below a power of two whose predecessor has a smaller ulp.
    lower = 4 * n - (1 if (n == 4503599627370496 and e > -1074) else 2)
    upper = 4 * n + 2
    num, den = _ratio(1, e - 2, 0)  # one unit is num/den
    # v = q * 10**s compared to m * num/den  <=>  q*10**s*den vs m*num
    if s >= 0:
        left, scale = q * 10 ** s * den, num
    else:
        left, scale = q * den, num * 10 ** (-s)
    lo, hi = lower * scale, upper * scale
    if lo < left < hi:
        return True
    return (left == lo or left == hi) and n % 2 == 0


def _shortest(x):
    """The shortest digits that read back as x (x finite, > 0), nearest first.

    If some p-digit decimal reads back as x, so does a (p+1)-digit one (append a zero),
    so the shortest length is found by bisection over 1..17 (about 5 tries, not 17).
    The runtime's own repr is tried first, as a hint only: when its digits are exactly
    what the bisection would find at their length and one digit fewer does not fit,
    they are the answer (two tries); otherwise the bisection decides. MicroPython's repr
    is right about 19 times in 20, and an export of many values is about 2.5 times faster.
    """
    hint = _repr_digits(x)
    if hint is not None:
        p = len(hint[0])
        if _digits_that_fit(x, p) == hint and (p == 1 or _digits_that_fit(x, p - 1) is None):
            return hint
    lo, hi = 1, 17
    best = _digits_that_fit(x, 17)
    if best is None:
        q, s = _round_sig(x, 17)
        return str(q), s
    while lo < hi:
        mid = (lo + hi) // 2
        found = _digits_that_fit(x, mid)
        if found is None:
            lo = mid + 1
        else:
            hi, best = mid, found
    return best


def _repr_digits(x):
    """repr(x) of this runtime as (digits, exponent) with no leading or trailing zeros,
    x ~= int(digits) * 10**exponent; None if it is not in a form read here."""
    text = repr(x)
    mantissa, _, power = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    if not digits.isdigit() or not (power == "" or power.lstrip("+-").isdigit()):
        return None
    exponent = (int(power) if power else 0) - len(fraction)
    stripped = digits.rstrip("0")
    return stripped, exponent + len(digits) - len(stripped)


def _digits_that_fit(x, p):
    """The p-digit decimal nearest x that reads back as x, as (digits, exponent), or None."""
    q, s = _round_sig(x, p)
    for cand in (q, q - 1, q + 1):
        if 10 ** (p - 1) <= cand < 10 ** p and _round_trips(x, cand, s):
            return str(cand), s
    return None


def _special(x):
    """The text for nan, infinities and zeros, or None for an ordinary number."""
    if x != x:
        return "nan"
    if x == math.inf:
        return "inf"
    if x == -math.inf:
        return "-inf"
    if x == 0.0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    return None


def _exponent(x10):
    """Exponent suffix as Python writes it: at least two digits, always signed."""
    sign = "-" if x10 < 0 else "+"
    digits = str(abs(x10))
    if len(digits) < 2:
        digits = "0" + digits
    return "e" + sign + digits


def _place(digits, point, use_exp, keep_dot):
    """Write significant digits with the decimal point after `point` digits."""
    if use_exp:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return body + _exponent(point - 1)
    if point <= 0:
        return "0." + "0" * (-point) + digits
    if point >= len(digits):
        return digits + "0" * (point - len(digits)) + (".0" if keep_dot else "")
    return digits[:point] + "." + digits[point:]


def py_repr(x):
    """Exactly what CPython's ``repr(float(x))`` gives, on either runtime."""
    x = float(x)
    special = _special(x)
    if special is not None:
        return special
    sign = "-" if x < 0 else ""
    digits, s = _shortest(abs(x))
    point = len(digits) + s  # value is 0.digits * 10**point
    return sign + _place(digits, point, point <= -4 or point > 16, True)


def format_sig(x, p=6):
    """``"%.{p}g" % x`` as CPython writes it: p significant digits, zeros trimmed."""
    x = float(x)
    special = _special(x)
    if special is not None:
        return special.replace(".0", "")
    if p < 1:
        p = 1
    sign = "-" if x < 0 else ""
    q, s = _round_sig(abs(x), p)
    x10 = s + p - 1
    digits = str(q).rstrip("0") or "0"
    return sign + _place(digits, x10 + 1, x10 < -4 or x10 >= p, False)


def format_int(n):
    """An integer with thousands separators: 1234567 -> "1,234,567"."""
    text = str(abs(int(n)))
    groups = []
    while len(text) > 3:
        groups.insert(0, text[-3:])
        text = text[:-3]
    groups.insert(0, text)
    return ("-" if n < 0 else "") + ",".join(groups)


def format_lr(x):
    """A learning rate for display: six significant digits."""
    return format_sig(x, 6)
