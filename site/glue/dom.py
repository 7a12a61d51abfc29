"""DOM helpers shared by every page's glue (loaded next to it as ``dom``).

Text is always set as text, never parsed as HTML, and no style attribute is ever written
(the pages' Content Security Policy forbids inline styles).
"""
import js


def el(key):
    """The element with this id."""
    return js.document.getElementById(key)


def make(tag, cls=None, text=None, attrs=None):
    """A new element with a class, text content and attributes (text is never HTML)."""
    node = js.document.createElement(tag)
    if cls:
        node.className = cls
    if text is not None:
        node.textContent = text
    if attrs:
        for k in attrs:
            node.setAttribute(k, attrs[k])
    return node


def clear(node):
    """Remove every child of node."""
    while node.firstChild:
        node.removeChild(node.firstChild)
