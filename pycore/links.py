"""Links: the URL fragment (after "#") that carries a page's state, percent-encoded.

A link is untrusted text (anyone can send one), so decoding is strict: a broken %-escape
or bytes that are not UTF-8 raise SpecError, and each page reads the decoded values with
the same checks as typed input.
"""
from .errors import SpecError

_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()"


def quote(text):
    """Percent-encode text as JavaScript's encodeURIComponent does."""
    out = []
    for ch in text:
        if ch in _UNRESERVED:
            out.append(ch)
        else:
            for b in ch.encode("utf-8"):
                out.append("%%%02X" % b)
    return "".join(out)


def unquote(text):
    """Decode percent-escapes; malformed escapes raise SpecError.

    Works piece by piece between the % signs: MicroPython indexes a str in O(n), so a
    character loop would take quadratic time on a long link."""
    pieces = text.split("%")
    raw = bytearray(pieces[0].encode("utf-8"))
    for piece in pieces[1:]:
        code = piece[:2]
        if len(code) != 2 or not all(c in "0123456789abcdefABCDEF" for c in code):
            raise SpecError("fragment", "%" + code, "has a broken %-escape")
        raw.append(int(code, 16))
        raw.extend(piece[2:].encode("utf-8"))
    try:
        return bytes(raw).decode("utf-8")
    except UnicodeError:
        raise SpecError("fragment", text[:40], "is not valid UTF-8 once decoded")


def fragment_parts(fragment):
    """The key=value parts of a URL fragment ("#" optional), in order, as (key, text,
    error): text percent-decoded, or None with the SpecError when its escape is broken."""
    if fragment.startswith("#"):
        fragment = fragment[1:]
    out = []
    for part in fragment.split("&") if fragment else ():
        key, _, text = part.partition("=")
        try:
            out.append((key, unquote(text), None))
        except SpecError as err:
            out.append((key, None, err))
    return out


MAX_FORM_VALUE = 40  # characters kept of each value a link gives a small form


def form_fragment(raw, keys):
    """The URL fragment (without "#") of a small form: each key's text as typed."""
    return "&".join("%s=%s" % (key, quote(raw[key])) for key in keys)


def read_form_fragment(fragment, defaults):
    """A small form's texts from a URL fragment: the defaults, with each known key the
    link gives (cut to MAX_FORM_VALUE characters). Unknown keys and broken escapes are
    ignored; the page then checks every value like typed text."""
    raw = dict(defaults)
    for key, text, err in fragment_parts(fragment):
        if key in raw and err is None:
            raw[key] = text[:MAX_FORM_VALUE]
    return raw
