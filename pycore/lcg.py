"""A tiny seeded random generator, the same numbers on CPython and MicroPython.

MicroPython has no ``random`` module, and the site's generated data sets and sampled
learning rates must come out bit for bit the same in the browser as in the tests.
"""
import math

_SQRT3 = math.sqrt(3.0)


class Lcg:
    """A 64-bit linear congruential generator (Knuth's MMIX constants)."""

    def __init__(self, seed):
        self.state = seed % (1 << 64)

    def bits(self):
        """The next 64 random bits."""
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return self.state

    def uniform(self, lo=0.0, hi=1.0):
        """A float in [lo, hi) from the top 53 bits."""
        return lo + (hi - lo) * ((self.bits() >> 11) / 9007199254740992.0)

    def normal(self):
        """An approximately standard normal number: the sum of four uniforms, scaled to
        variance 1 (no libm call, so it is bit-identical on both runtimes)."""
        total = 0.0
        for _ in range(4):
            total += self.uniform(-0.5, 0.5)
        return total * _SQRT3
