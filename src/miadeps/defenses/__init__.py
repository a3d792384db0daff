"""Training-time defenses against membership inference.

:func:`train_defended` trains a stack of nets with the batched engine under a
penalty: a fixed L1 or L2 penalty on the weights, or one that grows with a
fairness property of the nets measured every epoch (the paper's Algorithm
1), or with the field's baselines DP-SGD (through Opacus) and dropout, which
train each net alone with a torch loop (:func:`initial_module`,
:func:`stack_from_modules`). Two defenses also use rows the defender holds
out of training: a penalty scaled by how much each net's confidence tells
members from those rows ("mutual-information"), and adversarial training
against a membership inference model ("adversarial"). Defenses sit above
the models and properties layers; neither imports this package.
"""

from __future__ import annotations

from miadeps.defenses._penalties import PropertyPenalty, weight_norm_penalty
from miadeps.defenses._torch_loop import initial_module, stack_from_modules
from miadeps.defenses._train import DEFENSES, DefendedStack, train_defended

__all__ = [
    "DEFENSES",
    "DefendedStack",
    "PropertyPenalty",
    "initial_module",
    "stack_from_modules",
    "train_defended",
    "weight_norm_penalty",
]
