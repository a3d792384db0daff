"""Optimizers that update K nets at once, each only when it has a batch.

Every net's parameters are one row of a (K, P) tensor. A step takes the
(K, P) gradient and a (K, 1) 0/1 column ``active``: rows with 0 are left
exactly as they are, parameters and optimizer state alike, which is what
training that net alone would have done at a step it does not have.
The arithmetic is the same whatever ``active`` holds (coefficients are
per-row tensors, never Python branches), so a net's result does not depend on
which other nets share its stack.
"""

from __future__ import annotations

import torch

from miadeps.models._spec import MLPSpec

__all__ = ["make_optimizer"]

_MOMENTUM = 0.9
_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8


class _SGD:
    """Plain gradient descent: ``p -= lr * g``."""

    def __init__(self, params: torch.Tensor, learning_rate: float) -> None:
        self.params = params
        self.learning_rate = learning_rate

    def step(self, grad: torch.Tensor, active: torch.Tensor) -> None:
        self.params.addcmul_(grad, active * self.learning_rate, value=-1)


class _Momentum(_SGD):
    """Heavy-ball momentum as PyTorch's SGD has it: ``v = 0.9 v + g; p -= lr v``."""

    def __init__(self, params: torch.Tensor, learning_rate: float) -> None:
        super().__init__(params, learning_rate)
        self.velocity = torch.zeros_like(params)

    def step(self, grad: torch.Tensor, active: torch.Tensor) -> None:
        # Inactive rows: v * 1 + g * 0 and p - 0 * v, both exact.
        decay = torch.where(active > 0, _MOMENTUM, 1.0).to(grad.dtype)
        self.velocity.mul_(decay).addcmul_(grad, active)
        self.params.addcmul_(self.velocity, active * self.learning_rate, value=-1)


class _Adam(_SGD):
    """Adam with PyTorch's defaults; each net keeps its own step count."""

    def __init__(self, params: torch.Tensor, learning_rate: float) -> None:
        super().__init__(params, learning_rate)
        self.mean = torch.zeros_like(params)
        self.square = torch.zeros_like(params)
        self.scratch = torch.empty_like(params)
        self.denom = torch.empty_like(params)
        self.steps = torch.zeros(
            (params.shape[0], 1), dtype=torch.float64, device=params.device
        )

    def step(self, grad: torch.Tensor, active: torch.Tensor) -> None:
        on = active > 0
        dtype = grad.dtype
        self.steps.add_(active)

        # lerp with weight 0 leaves an inactive row exactly as it was.
        self.mean.lerp_(grad, active * (1 - _BETA1))
        torch.mul(grad, grad, out=self.scratch)
        self.square.lerp_(self.scratch, active * (1 - _BETA2))

        # p -= lr / c1 * m / (sqrt(v / c2) + eps), with the bias corrections
        # c1, c2 per net (float64, shape (K, 1)) moved out of the (K, P) terms:
        # p -= (lr * sqrt(c2) / c1) * m / (sqrt(v) + eps * sqrt(c2)).
        # A net that has not stepped yet has c1 = c2 = 0 and gets step 0.
        started = self.steps > 0
        root2 = torch.where(started, 1 - _BETA2**self.steps, 1.0).sqrt()
        correction1 = torch.where(started, 1 - _BETA1**self.steps, 1.0)
        step_size = torch.where(on, self.learning_rate * root2 / correction1, 0.0)
        torch.sqrt(self.square, out=self.denom)
        self.denom.add_((_EPS * root2).to(dtype))
        torch.mul(self.mean, step_size.to(dtype), out=self.scratch)
        self.params.addcdiv_(self.scratch, self.denom, value=-1)


_OPTIMIZERS = {"sgd": _SGD, "momentum": _Momentum, "adam": _Adam}


def make_optimizer(spec: MLPSpec, params: torch.Tensor):
    """The optimizer ``spec.optimizer`` over the (K, P) parameter rows ``params``.

    Parameters
    ----------
    spec : MLPSpec
        Gives the optimizer's name and learning rate.
    params : Tensor of shape (K, P)
        Updated in place by ``step(grad, active)``.

    Returns
    -------
    object
        With a method ``step(grad, active)``: ``grad`` of shape (K, P),
        ``active`` of shape (K, 1) holding 1.0 for nets that take the step.
    """
    return _OPTIMIZERS[spec.optimizer](params, spec.learning_rate)
