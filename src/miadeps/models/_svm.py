"""A support vector machine with probability outputs."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC
from sklearn.utils.validation import validate_data

from miadeps.exceptions import NotFittedError

__all__ = ["SVMClassifier"]


class SVMClassifier(ClassifierMixin, BaseEstimator):
    """A kernel SVM whose decision values are mapped to probabilities.

    The attacks need prediction vectors, which an SVM does not give by
    itself. This fits scikit-learn's ``SVC`` and calibrates its decision
    values with a sigmoid (Platt scaling) learnt on cross-validated
    predictions, then refits the SVM on all the data. It is what
    ``SVC(probability=True)`` did, which scikit-learn 1.9 deprecates.

    Parameters
    ----------
    C : float, default=1.0
        Inverse strength of the regularisation.
    kernel : {"rbf", "linear", "poly", "sigmoid"}, default="rbf"
        Kernel of the SVM.
    gamma : {"scale", "auto"} or float, default="scale"
        Kernel coefficient (see ``sklearn.svm.SVC``).
    degree : int, default=3
        Degree of the polynomial kernel.
    coef0 : float, default=0.0
        Independent term of the polynomial and sigmoid kernels.
    cv : int, default=5
        Folds for the calibration; each class needs at least ``cv`` records.
    random_state : int, RandomState or None, default=None
        Shuffles the records before they are split into folds.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen in ``fit``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    calibrated_ : CalibratedClassifierCV
        The fitted SVM and its calibration.
    """

    def __init__(
        self,
        *,
        C: float = 1.0,
        kernel: str = "rbf",
        gamma="scale",
        degree: int = 3,
        coef0: float = 0.0,
        cv: int = 5,
        random_state=None,
    ) -> None:
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.cv = cv
        self.random_state = random_state

    def fit(self, X, y) -> SVMClassifier:
        """Fit the SVM and its calibration on ``X``, ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        SVMClassifier
            ``self``, fitted.
        """
        X, y = validate_data(self, X, y)
        svm = SVC(
            C=self.C,
            kernel=self.kernel,
            gamma=self.gamma,
            degree=self.degree,
            coef0=self.coef0,
        )
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        self.calibrated_ = CalibratedClassifierCV(
            svm, method="sigmoid", cv=folds, ensemble=False
        ).fit(X, y)
        self.classes_ = self.calibrated_.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), rows summing to 1."""
        if not hasattr(self, "calibrated_"):
            raise NotFittedError(
                "this SVMClassifier is not fitted yet; call fit(X, y) first"
            )
        X = validate_data(self, X, reset=False)
        return self.calibrated_.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row, shape (n_samples,)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
