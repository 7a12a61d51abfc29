"""A tiny deterministic generator, identical on CPython and MicroPython."""
import math
import struct

from pycore.lcg import Lcg as _Lcg

AT = (0, 1, 7, 599, 12345, 10 ** 6, 2 ** 40)  # lr_at steps for closed-form schedules


class Lcg(_Lcg):
    """pycore's generator, with the draws the test cases need."""

    def int(self, lo, hi):
        return lo + self.bits() % (hi - lo + 1)

    def choice(self, items):
        return items[self.bits() % len(items)]

    def double(self):
        """Any finite double, from random bits."""
        while True:
            x = struct.unpack("<d", struct.pack("<Q", self.bits()))[0]
            if x == x and x not in (math.inf, -math.inf):
                return x


def case(spec, n=600, at=AT, recursive=False):
    """One parity case."""
    return {"spec": spec, "n": n, "at": at, "recursive": recursive}
