"""The shape and training recipe shared by a stack of neural nets."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from miadeps.exceptions import ConfigError

__all__ = ["MLPSpec", "ACTIVATIONS", "OPTIMIZERS"]

ACTIVATIONS = ("tanh", "relu", "sigmoid")
OPTIMIZERS = ("sgd", "momentum", "adam")


@dataclass(frozen=True)
class MLPSpec:
    """One fully connected net's shape and how it is trained.

    Every net of a :class:`~miadeps.models.MLPStack` shares one spec; only
    their data, initialisation and shuffling differ.

    Parameters
    ----------
    n_features : int
        Width of the input, the number of columns of ``X``.
    n_classes : int, default=2
        Number of output units (softmax over classes ``0..n_classes-1``).
    depth : int, default=1
        Number of hidden layers. ``0`` gives multinomial logistic regression.
    width : int, default=50
        Units in every hidden layer.
    activation : {"tanh", "relu", "sigmoid"}, default="tanh"
        Non-linearity of the hidden layers.
    optimizer : {"sgd", "momentum", "adam"}, default="adam"
        ``"sgd"`` is plain mini-batch gradient descent, ``"momentum"`` adds
        heavy-ball momentum 0.9 (PyTorch's convention, no dampening),
        ``"adam"`` uses PyTorch's default betas (0.9, 0.999) and eps 1e-8.
    learning_rate : float, default=1e-3
        Step size of the optimizer.
    l2 : float, default=1e-7
        Weight of the L2 penalty: each net's loss is its mean cross-entropy
        over the mini-batch plus ``l2`` times the sum of its squared weights.
        Biases are not penalised. Note there is no factor 1/2.
    epochs : int, default=50
        Passes over each net's training records. ``0`` leaves the nets at
        their initialisation.
    batch_size : int, default=500
        Records per mini-batch; the last batch of an epoch may be shorter.
    device : str, default="cpu"
        Torch device to train on, e.g. ``"cpu"`` or ``"cuda"``.

    Raises
    ------
    ConfigError
        If a field is out of range or of the wrong type.

    Notes
    -----
    The default optimizer is Adam rather than the plain SGD of the paper's
    Table 1; see :class:`~miadeps.models.ANNClassifier` for the reason.
    """

    n_features: int
    n_classes: int = 2
    depth: int = 1
    width: int = 50
    activation: str = "tanh"
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    l2: float = 1e-7
    epochs: int = 50
    batch_size: int = 500
    device: str = "cpu"

    def __post_init__(self) -> None:
        _check_int("n_features", self.n_features, 1)
        _check_int("n_classes", self.n_classes, 2)
        _check_int("depth", self.depth, 0)
        _check_int("width", self.width, 1)
        _check_int("epochs", self.epochs, 0)
        _check_int("batch_size", self.batch_size, 1)
        _check_choice("activation", self.activation, ACTIVATIONS)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_float("learning_rate", self.learning_rate, strictly_positive=True)
        _check_float("l2", self.l2, strictly_positive=False)
        if not isinstance(self.device, str) or not self.device:
            raise ConfigError(
                f"device must be a torch device name such as 'cpu' or 'cuda'; "
                f"got {self.device!r}"
            )

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Units per layer from input to output, e.g. ``(105, 50, 2)``."""
        return (self.n_features, *([self.width] * self.depth), self.n_classes)


def _check_int(name: str, value, minimum: int) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < minimum
    ):
        raise ConfigError(f"{name} must be an integer >= {minimum}; got {value!r}")


def _check_float(name: str, value, *, strictly_positive: bool) -> None:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        value_f = float(value)
        ok = value_f == value_f and value_f != float("inf")
        ok = ok and (value_f > 0 if strictly_positive else value_f >= 0)
    if not ok:
        bound = "> 0" if strictly_positive else ">= 0"
        raise ConfigError(f"{name} must be a finite number {bound}; got {value!r}")


def _check_choice(name: str, value, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(
            f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}"
        )
