"""Dropout as a defense: nets trained with inverted dropout on hidden units."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import torch

from miadeps.defenses._torch_loop import (
    build_module,
    prepare_data,
    stack_from_modules,
    train_module,
    warn_if_diverged,
)
from miadeps.models import MLPSpec, MLPStack

logger = logging.getLogger(__name__)

__all__ = ["train_dropout"]


def train_dropout(
    X, y, index_sets: Sequence, spec: MLPSpec, seeds: Sequence[int], rate: float
) -> MLPStack:
    """Train K nets, one after another, with dropout after every hidden layer.

    Parameters
    ----------
    X : array-like of shape (n, spec.n_features)
        Feature matrix shared by the nets.
    y : array-like of int of shape (n,)
        Labels in ``0..spec.n_classes-1``.
    index_sets : sequence of K array-like of int
        Each net's training rows.
    spec : MLPSpec
        Shape and recipe (optimizer, learning rate, ``l2``, epochs, batch
        size) of the nets.
    seeds : sequence of K int
        Net ``k``'s initial weights and batches are those the engine draws
        from ``seeds[k]``; its dropout masks come from the seed's own
        "dropout" stream.
    rate : float
        Dropout rate in [0, 1), checked by the caller.

    Returns
    -------
    MLPStack
        The K trained nets. Inference uses no dropout, as inverted dropout
        already scaled the kept units during training.

    Notes
    -----
    With ``rate = 0`` each net is the engine's net for the same seed up to
    float rounding (torch's optimizers and ``tanh`` round differently from
    the engine's fused arithmetic).
    """
    features, labels, sets, seeds = prepare_data(X, y, index_sets, spec, seeds)
    logger.debug("training %d nets with dropout %s", len(sets), rate)

    modules = []
    for rows, seed in zip(sets, seeds, strict=True):
        generator = torch.Generator().manual_seed(seed)
        module = build_module(spec, generator, seed, dropout=rate)
        train_module(module, features, labels, rows, spec, generator)
        modules.append(module)

    stack = stack_from_modules(modules, spec, seeds)
    warn_if_diverged(stack)
    return stack
