"""Target, shadow, reference and attack models: five kinds, one interface.

``make_model`` builds any of the five model kinds of the study with its
defaults; ``fit_models`` fits K models of one kind on K index sets into a
shared matrix, training neural nets together through the batched engine
(``train_mlps``), which keeps K nets of one shape as tensors with a leading K
dimension.

The torch-backed names (``MLPStack``, ``train_mlps``, ``mlp_logits``,
``param_shapes``) are imported on first use, so that code using only the
classic models does not load torch.
"""

from __future__ import annotations

import importlib

from miadeps.models._ann import ANNClassifier, fit_ann_batch, seed_from
from miadeps.models._factory import MODEL_KINDS, fit_models, make_model
from miadeps.models._spec import ACTIVATIONS, OPTIMIZERS, MLPSpec
from miadeps.models._svm import SVMClassifier

__all__ = [
    "ACTIVATIONS",
    "ANNClassifier",
    "MLPSpec",
    "MLPStack",
    "MODEL_KINDS",
    "OPTIMIZERS",
    "SVMClassifier",
    "fit_ann_batch",
    "fit_models",
    "make_model",
    "mlp_logits",
    "param_shapes",
    "seed_from",
    "train_mlps",
]

_LAZY = {
    "MLPStack": "miadeps.models._stack",
    "mlp_logits": "miadeps.models._stack",
    "param_shapes": "miadeps.models._stack",
    "train_mlps": "miadeps.models._engine",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
