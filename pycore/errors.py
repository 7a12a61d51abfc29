"""The one error family of pycore.

Every invalid spec, parameter or input raises ``SpecError``. Its message names the field,
the value that was given and what is allowed, so a page can show it next to the input.
"""


class SpecError(ValueError):
    """A spec, parameter or input that pycore refuses.

    ``field`` is the dotted path of the offending value (``"params.decay_steps"``), ``value``
    the value given, ``allowed`` a short phrase saying what would be accepted.
    """

    def __init__(self, field, value, allowed):
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__("%s: got %s; %s" % (field, _shown(value), allowed))


def _shown(value):
    """A short, unambiguous rendering of a rejected value for the message."""
    if isinstance(value, str):
        if len(value) > 40:
            value = value[:37] + "..."
        return '"%s"' % value
    if value is None:
        return "nothing"
    try:
        text = repr(value)
    except RuntimeError:  # nested past the runtime's recursion (JSON from a link)
        text = "a deeply nested " + type(value).__name__
    if len(text) > 40:
        text = text[:37] + "..."
    return text
