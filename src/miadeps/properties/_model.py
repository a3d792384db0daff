"""Every model property of one trained target, as one flat row."""

from __future__ import annotations

import numpy as np

from miadeps.properties._fairness import (
    group_fairness,
    individual_fairness,
    predictive_fairness,
)
from miadeps.properties._indistinguishability import mia_indistinguishability
from miadeps.properties._utility import accuracy, accuracy_gap

__all__ = ["model_properties"]


def model_properties(
    *,
    y_true_train,
    y_pred_train,
    y_true_test,
    y_pred_test,
    proba_test,
    X_test,
    groups_test,
    n_classes: int = 2,
    n_pairs: int = 10_000,
    metric: str = "euclidean",
    eps: float = 1.0,
    random_state: int | np.random.Generator | None = 0,
) -> dict[str, float]:
    """Utility, fairness and indistinguishability of a trained model.

    Parameters
    ----------
    y_true_train, y_pred_train : array-like of int of shape (n_members,)
        True and predicted classes of the model's training records (the
        members).
    y_true_test, y_pred_test : array-like of int of shape (n_nonmembers,)
        True and predicted classes of held-out records (the non-members).
    proba_test : array-like of shape (n_nonmembers, n_classes)
        Predicted probabilities on the held-out records.
    X_test : array-like of shape (n_nonmembers, n_encoded)
        The held-out records as the model saw them, in [0, 1].
    groups_test : array-like of shape (n_nonmembers,)
        Two-valued group of each held-out record (e.g. ``sex``, or the
        ``groups`` of :func:`~miadeps.properties.feature_vectors`).
    n_classes : int, default=2
        Classes of the model; predictions are in ``0..n_classes-1``.
    n_pairs, metric
        Pair sampling and input distance of :func:`individual_fairness`.
    eps : float, default=1.0
        Pseudo-count of :func:`mia_indistinguishability`.
    random_state : int, numpy Generator or None, default=0
        Seeds the pairs of :func:`individual_fairness`.

    Returns
    -------
    dict of str to float
        ``train_accuracy``, ``test_accuracy`` and ``accuracy_gap`` (train
        minus test); ``group_fairness`` (delta_g), ``predictive_fairness``
        (delta_p) and ``individual_fairness`` (delta_i), each in [0, 1] and
        measured on the held-out records; ``mia_indistinguishability``
        (delta_mi, nats, members' against non-members' predictions).
        A fairness entry is NaN, with a warning, when it is undefined.

    Raises
    ------
    DataError, ConfigError
        As the measures called.

    Notes
    -----
    Fairness is measured on the non-members only: they are the records the
    model did not fit, so the numbers describe how the model treats new
    people rather than how it memorised its training set, and they do not
    depend on how many members a trial uses.
    """
    labels = list(range(n_classes))
    train_accuracy = accuracy(y_true_train, y_pred_train)
    test_accuracy = accuracy(y_true_test, y_pred_test)
    return {
        "train_accuracy": train_accuracy,
        "test_accuracy": test_accuracy,
        "accuracy_gap": accuracy_gap(train_accuracy, test_accuracy),
        "group_fairness": group_fairness(y_pred_test, groups_test, labels=labels),
        "predictive_fairness": predictive_fairness(
            y_true_test, y_pred_test, groups_test, labels=labels
        ),
        "individual_fairness": individual_fairness(
            proba_test,
            X_test,
            n_pairs=n_pairs,
            random_state=random_state,
            metric=metric,
        ),
        "mia_indistinguishability": mia_indistinguishability(
            y_pred_train, y_pred_test, n_classes=n_classes, eps=eps
        ),
    }
