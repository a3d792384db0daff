"""Utility of a model: accuracy and the train-test accuracy gap."""

from __future__ import annotations

import numpy as np

from miadeps.exceptions import DataError
from miadeps.properties._checks import as_vector, same_length

__all__ = ["accuracy", "accuracy_gap"]


def accuracy(y_true, y_pred) -> float:
    """Share of records whose predicted class is the true class.

    Parameters
    ----------
    y_true : array-like of shape (n_records,)
        True classes.
    y_pred : array-like of shape (n_records,)
        Predicted classes.

    Returns
    -------
    float
        Accuracy in [0, 1].

    Raises
    ------
    DataError
        If the arrays are empty, differ in length or have missing values.
    """
    y_true = as_vector("y_true", y_true)
    y_pred = as_vector("y_pred", y_pred)
    same_length(y_true=y_true, y_pred=y_pred)
    return float(np.mean(y_true == y_pred))


def accuracy_gap(train_accuracy: float, test_accuracy: float) -> float:
    """Train accuracy minus test accuracy: the generalisation gap.

    Parameters
    ----------
    train_accuracy : float
        Accuracy on the training records (members), in [0, 1].
    test_accuracy : float
        Accuracy on held-out records (non-members), in [0, 1].

    Returns
    -------
    float
        The gap, in [-1, 1]; positive when the model does better on its
        training data (overfitting).

    Raises
    ------
    DataError
        If an accuracy is not a number in [0, 1].

    Notes
    -----
    Pass accuracies computed with :func:`accuracy`, or any other source.
    """
    for name, value in (
        ("train_accuracy", train_accuracy),
        ("test_accuracy", test_accuracy),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise DataError(f"{name} must be a number in [0, 1], got {value!r}")
        if not 0 <= value <= 1:
            raise DataError(
                f"{name}={value!r} is not an accuracy in [0, 1]; pass a fraction, "
                "not a percentage"
            )
    return float(train_accuracy) - float(test_accuracy)
