"""The schedules pycore knows, each with exactly its framework's semantics.

Every schedule is a small object built once from validated parameters:

* ``at(t)`` is the closed form: the LR of update t (0-based), O(1) in t.
* ``series(n)`` is the LR of updates 0..n-1 as the framework produces them when driven its
  documented way. For PyTorch's chainable schedulers that is the recursive update of the
  previous LR, replayed in PyTorch's own operation order, so the values are bit-identical
  to torch; ``at`` then differs from it by rounding drift only (within 1e-11 of the
  base LR).

Keras schedules are evaluated in float64 (Keras with ``floatx`` float64); Keras's default
float32 rounds them to about 1e-7 relative.
"""
import math

from .params import Param

PYTORCH_LR = Param("lr", "float", lo=0.0, lo_open=True,
                   help="The optimizer's base learning rate (the param group's initial_lr).")


class Schedule:
    """A learning-rate schedule: ``at`` for one update, ``series`` for the first n."""

    def at(self, t):
        """The LR used by update t (closed form)."""
        raise NotImplementedError

    def series(self, n):
        """The LRs used by updates 0..n-1, as the framework produces them."""
        at = self.at
        return [at(t) for t in range(n)]


class _KerasDecay(Schedule):
    """What Keras's ExponentialDecay and InverseTimeDecay share: p = step / decay_steps."""

    def __init__(self, p):
        self.lr0 = p["initial_learning_rate"]
        self.steps = p["decay_steps"]
        self.rate = p["decay_rate"]
        self.staircase = p["staircase"]

    def progress(self, t):
        """Keras's p: steps over decay_steps, floored with staircase."""
        p = t / self.steps
        return math.floor(p) if self.staircase else p


class InverseTimeDecay(_KerasDecay):
    """Keras ``InverseTimeDecay``: lr0 / (1 + decay_rate * p), p = step / decay_steps."""

    params = (
        Param("initial_learning_rate", "float", lo=0.0, lo_open=True,
              help="The learning rate at step 0."),
        Param("decay_steps", "float", lo=0.0, lo_open=True,
              help="Steps per unit of p; with staircase, how often the LR changes."),
        Param("decay_rate", "float", lo=0.0,
              help="How fast the LR falls: it halves when decay_rate * p reaches 1."),
        Param("staircase", "bool", False,
              help="Floor p, so the LR changes only every decay_steps steps."),
    )

    def at(self, t):
        return self.lr0 / (1.0 + self.rate * self.progress(t))


class ExponentialDecay(_KerasDecay):
    """Keras ``ExponentialDecay``: lr0 * decay_rate ** p, p = step / decay_steps."""

    params = (
        Param("initial_learning_rate", "float", lo=0.0, lo_open=True,
              help="The learning rate at step 0."),
        Param("decay_steps", "float", lo=0.0, lo_open=True,
              help="Steps over which the LR is multiplied by decay_rate once."),
        Param("decay_rate", "float", lo=0.0, lo_open=True,
              help="Factor applied every decay_steps steps (below 1 decays)."),
        Param("staircase", "bool", False,
              help="Floor p, so the LR changes only every decay_steps steps."),
    )

    def at(self, t):
        return self.lr0 * self.rate ** self.progress(t)


class StepLR(Schedule):
    """PyTorch ``StepLR``: multiply the LR by gamma every step_size scheduler steps."""

    params = (
        Param("step_size", "int", lo=1, help="Scheduler steps between two decays."),
        Param("gamma", "float", 0.1, lo=0.0, lo_open=True,
              help="Factor applied at each decay."),
    )

    def __init__(self, p, lr):
        self.lr = lr
        self.size = p["step_size"]
        self.gamma = p["gamma"]

    def at(self, t):
        return self.lr * self.gamma ** (t // self.size)

    def series(self, n):
        # torch 2.13 get_lr: keep the LR unless t is a non-zero multiple of step_size.
        out = []
        lr, size, gamma = self.lr, self.size, self.gamma
        for t in range(n):
            if t != 0 and t % size == 0:
                lr = lr * gamma
            out.append(lr)
        return out


class CosineAnnealingLR(Schedule):
    """PyTorch ``CosineAnnealingLR``: half a cosine from lr down to eta_min over T_max.

    Past T_max it rises again (the curve is periodic with period 2 * T_max), as in torch.
    """

    params = (
        Param("T_max", "int", lo=1, help="Scheduler steps from the base LR down to eta_min."),
        Param("eta_min", "float", 0.0, lo=0.0, help="The lowest LR, reached at T_max."),
    )

    def __init__(self, p, lr):
        self.lr = lr
        self.T_max = p["T_max"]
        self.eta_min = p["eta_min"]

    def at(self, t):
        return self.eta_min + (self.lr - self.eta_min) * (
            1 + math.cos(math.pi * t / self.T_max)) / 2

    def series(self, n):
        # torch 2.13 get_lr, in its operation order: a ratio of cosines times the previous
        # LR, with the special branch right after each minimum where that ratio is 0/0.
        out = []
        base, T, eta = self.lr, self.T_max, self.eta_min
        lr = base
        bump = (base - eta) * (1 - math.cos(math.pi / T)) / 2
        for t in range(n):
            if t == 0:
                pass
            elif (t - 1 - T) % (2 * T) == 0:
                lr = lr + bump
            else:
                lr = ((1 + math.cos(math.pi * t / T))
                      / (1 + math.cos(math.pi * (t - 1) / T))
                      * (lr - eta) + eta)
            out.append(lr)
        return out


# (framework, name) -> schedule class. Torch-based frameworks take the top-level "lr".
REGISTRY = {
    ("keras", "InverseTimeDecay"): InverseTimeDecay,
    ("keras", "ExponentialDecay"): ExponentialDecay,
    ("pytorch", "StepLR"): StepLR,
    ("pytorch", "CosineAnnealingLR"): CosineAnnealingLR,
}

TORCH_BASED = ("pytorch", "transformers", "timm")
