"""Parameter sets per framework for the MicroPython parity run (tests/parity_cases.py).

Each module has ``cases(rng)``: a list of dicts with ``spec``, ``n`` (series length),
``at`` (steps for lr_at) and ``recursive`` (True when the series replays a recursion, so
one-ulp libm differences may compound along it). These modules run under MicroPython too:
plain Python, no random module (``rng`` is ``cases.lcg.Lcg``).
"""
