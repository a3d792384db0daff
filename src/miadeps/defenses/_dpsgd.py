"""DP-SGD as a defense: per-record clipping and Gaussian noise, through Opacus.

Each net is trained alone by a plain torch loop: Poisson-sampled batches,
per-record gradients from Opacus's ``GradSampleModule``, clipping and noise
by its ``DPOptimizer``, and the privacy spent counted by its RDP accountant.
"""

from __future__ import annotations

import functools
import logging
import math
import warnings
from collections.abc import Sequence

import numpy as np
import torch
from opacus import GradSampleModule
from opacus.accountants import RDPAccountant
from opacus.optimizers import DPOptimizer
from opacus.utils.uniform_sampler import UniformWithReplacementSampler
from torch import nn

from miadeps.defenses._torch_loop import (
    build_module,
    child_generator,
    make_torch_optimizer,
    prepare_data,
    stack_from_modules,
    warn_if_diverged,
)
from miadeps.models import MLPSpec, MLPStack

logger = logging.getLogger(__name__)

__all__ = ["train_dpsgd"]


def train_dpsgd(
    X,
    y,
    index_sets: Sequence,
    spec: MLPSpec,
    seeds: Sequence[int],
    *,
    noise_multiplier: float,
    max_grad_norm: float,
    delta: float | None,
) -> tuple[MLPStack, np.ndarray, np.ndarray]:
    """Train K nets, one after another, with DP-SGD.

    Parameters
    ----------
    X : array-like of shape (n, spec.n_features)
        Feature matrix shared by the nets.
    y : array-like of int of shape (n,)
        Labels in ``0..spec.n_classes-1``.
    index_sets : sequence of K array-like of int
        Each net's training rows (its private data set, of ``n_k`` rows).
    spec : MLPSpec
        Shape and recipe of the nets; ``batch_size`` becomes the expected
        batch size of Poisson sampling.
    seeds : sequence of K int
        Net ``k``'s initial weights are the engine's for ``seeds[k]``, its
        batches are drawn from the same generator, and its noise from the
        seed's "noise" stream.
    noise_multiplier : float
        sigma >= 0: the noise added to a batch's summed clipped gradient has
        standard deviation ``sigma * max_grad_norm``.
    max_grad_norm : float
        C > 0: every record's gradient is scaled down to L2 norm at most C.
    delta : float or None
        The delta of the reported (epsilon, delta) guarantee; None takes
        ``1 / (10 * n_k)`` for net ``k``.

    Returns
    -------
    stack : MLPStack
        The K trained nets.
    epsilon : ndarray of shape (K,)
        The epsilon each net spent at its delta, from the RDP accountant:
        0 when no step was taken, ``inf`` when ``noise_multiplier`` is 0.
    delta : ndarray of shape (K,)
        The delta of each net's guarantee.

    Notes
    -----
    Each step samples every training record independently with probability
    ``q = min(1, batch_size / n_k)`` (Poisson sampling, as the accountant
    assumes), so batch sizes vary and may be 0; an epoch is
    ``ceil(n_k / batch_size)`` steps, the engine's count. The summed clipped
    gradient plus noise is divided by the expected batch size ``q * n_k``.

    ``spec.l2`` is applied as weight decay on the privatized gradient, not
    through the loss: Opacus's per-record gradients come from the layers'
    inputs and outputs and would not see a term of the weights alone. The
    decay depends on no record, so it is neither clipped nor costs privacy.
    """
    features, labels, sets, seeds = prepare_data(X, y, index_sets, spec, seeds)
    logger.debug(
        "training %d nets with DP-SGD, sigma %s, C %s",
        len(sets),
        noise_multiplier,
        max_grad_norm,
    )

    modules, epsilons, deltas = [], [], []
    for rows, seed in zip(sets, seeds, strict=True):
        net_delta = 1.0 / (10 * rows.numel()) if delta is None else float(delta)
        module, epsilon = _train_one(
            features,
            labels,
            rows,
            spec,
            seed,
            noise_multiplier,
            max_grad_norm,
            net_delta,
        )
        modules.append(module)
        epsilons.append(epsilon)
        deltas.append(net_delta)

    stack = stack_from_modules(modules, spec, seeds)
    warn_if_diverged(stack)
    return stack, np.array(epsilons), np.array(deltas)


def _train_one(
    features, labels, rows, spec, seed, noise_multiplier, max_grad_norm, delta
) -> tuple[nn.Module, float]:
    """Train net ``seed`` on ``rows`` with DP-SGD; return it and its epsilon."""
    generator = torch.Generator().manual_seed(seed)
    module = build_module(spec, generator, seed)
    n_rows = rows.numel()
    sample_rate = min(1.0, spec.batch_size / n_rows)
    sampler = UniformWithReplacementSampler(
        num_samples=n_rows,
        sample_rate=sample_rate,
        generator=generator,
        steps=math.ceil(n_rows / spec.batch_size),
    )

    # The loss is summed so that the hooks see each record's own gradient
    # whatever the batch's size, even 0; the optimizer then divides the noisy
    # sum by the expected batch size, as DP-SGD's mean does.
    wrapped = GradSampleModule(module, batch_first=True, loss_reduction="sum")
    wrapped.forbid_grad_accumulation()
    optimizer = DPOptimizer(
        make_torch_optimizer(module, spec),
        noise_multiplier=noise_multiplier,
        max_grad_norm=max_grad_norm,
        expected_batch_size=sample_rate * n_rows,
        loss_reduction="mean",
        generator=child_generator(seed, "noise", features.device),
        secure_mode=False,
    )
    accountant = RDPAccountant()
    optimizer.attach_step_hook(accountant.get_optimizer_hook_fn(sample_rate))

    wrapped.train()
    with warnings.catch_warnings():
        # Opacus hooks the layers with full backward hooks; torch warns that
        # they fire on the outputs' gradients since the inputs need none. That
        # is what Opacus needs, and the features should not carry gradients.
        warnings.filterwarnings(
            "ignore",
            message="Full backward hook is firing when gradients are computed",
            category=UserWarning,
        )
        for _ in range(spec.epochs):
            for picked in sampler:
                _step(wrapped, optimizer, features, labels, rows[picked])
    wrapped.cleanup()
    return module, _epsilon(accountant, noise_multiplier, delta)


def _step(wrapped, optimizer, features, labels, batch) -> None:
    """One DP-SGD step on the records ``batch`` (a CPU tensor of row numbers)."""
    batch = batch.to(features.device)
    logits = wrapped(features[batch])
    loss = nn.functional.cross_entropy(logits, labels[batch], reduction="sum")
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def _epsilon(accountant: RDPAccountant, noise_multiplier: float, delta: float):
    if not accountant.history:
        return 0.0
    if noise_multiplier == 0:
        # No noise, no privacy; the accountant would say so too, with a
        # warning about its orders.
        return math.inf
    return _epsilon_of(tuple(accountant.history), delta)


@functools.lru_cache(maxsize=256)
def _epsilon_of(history: tuple, delta: float) -> float:
    """Epsilon at ``delta`` of an RDP accountant's ``history``.

    Cached: nets of one training set size spend the same budget, and the
    RDP sums over fractional orders took about 0.5 s per net, a third of
    training one Adult net.
    """
    accountant = RDPAccountant()
    accountant.history = list(history)
    with warnings.catch_warnings(record=True) as caught:
        # Opacus warns "Optimal order is the smallest/largest alpha" when the
        # best RDP order sits at the edge of its default grid: the epsilon is
        # then valid but looser than it could be. Log it instead, as pytest's
        # -W error would turn it into a failure.
        warnings.filterwarnings(
            "always", message="Optimal order is the", category=UserWarning
        )
        epsilon = accountant.get_epsilon(delta)
    for warning in caught:
        logger.info("RDP accountant: %s (epsilon %s)", warning.message, epsilon)
    return float(epsilon)
