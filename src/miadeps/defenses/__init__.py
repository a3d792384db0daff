"""Training-time defenses against membership inference.

:func:`train_defended` trains a stack of nets with the batched engine under a
penalty: a fixed L1 or L2 penalty on the weights, or one that grows with a
fairness property of the nets measured every epoch (the paper's Algorithm
1). Defenses sit above the models and properties layers; neither imports
this package.
"""

from __future__ import annotations

from miadeps.defenses._penalties import PropertyPenalty, weight_norm_penalty
from miadeps.defenses._train import DEFENSES, DefendedStack, train_defended

__all__ = [
    "DEFENSES",
    "DefendedStack",
    "PropertyPenalty",
    "train_defended",
    "weight_norm_penalty",
]
