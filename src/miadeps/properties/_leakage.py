"""Mutual information between a training record and the trained model (I_X).

The study defines I_X as the mean over training records of
``I(x_i; theta) = H(x_i) - H(x_i | theta)`` and gives no estimator. We
measure what the trained model reveals about each record's *inclusion*:
train many models of one recipe, each on a random part of a pool of records,
and estimate, for every record, the mutual information between the bit
"was it in the training set" and the model's output on it. This is the
quantity a membership inference attack exploits, and it is zero exactly when
the model's output on a record has the same distribution whether or not the
record was trained on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from miadeps._random import as_generator, draw_seeds
from miadeps.exceptions import ConfigError
from miadeps.models import fit_models
from miadeps.properties._gaussian_mi import MIN_STD, mixture_mi_bits

logger = logging.getLogger(__name__)

__all__ = ["MutualInformationEstimate", "mutual_information"]

# Outputs of models with hard probabilities (k-NN, forests) are exactly 0 or
# 1; clipping keeps their logits finite.
_EPS = 1e-7
# Below this spread two outputs are the same number for our purposes; it also
# keeps a Gaussian fit of identical outputs finite.
_MIN_STD = MIN_STD


@dataclass(frozen=True)
class MutualInformationEstimate:
    """The I_X estimate and what it rests on.

    Attributes
    ----------
    bits : float
        Mean over records of the bias-corrected mutual information, in bits.
        At most ``max_bits``; near 0 (slightly below is sampling noise) when
        the model's outputs do not depend on its training set.
    per_record : ndarray of shape (n_records,)
        The bias-corrected estimate of each record, in bits.
    raw_bits : float
        Mean of the plug-in estimates before the bias correction.
    null_bits : float
        Mean of the same estimator with inclusion labels shuffled: the bias
        that ``bits`` has been corrected for.
    max_bits : float
        Entropy of the inclusion bit, ``H(inclusion_rate)``: the most any
        output can reveal about it.
    n_models : int
        Models trained.
    inclusion_rate : float
        Share of models that trained on each record.
    """

    bits: float
    per_record: np.ndarray
    raw_bits: float
    null_bits: float
    max_bits: float
    n_models: int
    inclusion_rate: float

    @property
    def normalized(self) -> float:
        """``bits / max_bits``: the share of the inclusion bit revealed."""
        return self.bits / self.max_bits


def _binary_entropy(p: float) -> float:
    return float(-(p * np.log2(p) + (1 - p) * np.log2(1 - p)))


def _inclusion_design(n_records: int, n_models: int, rate: float, rng) -> np.ndarray:
    """in[r, i]: whether model r trains on record i.

    Every record is in exactly ``round(rate * n_models)`` models, so that
    each record has the same number of 'in' and 'out' observations.
    """
    n_in = int(round(rate * n_models))
    if not 2 <= n_in <= n_models - 2:
        raise ConfigError(
            f"with {n_models} models and inclusion rate {rate}, each record is in "
            f"{n_in} models; at least 2 'in' and 2 'out' models are needed, so use "
            "more models or a rate nearer 0.5"
        )
    column = np.zeros(n_models, bool)
    column[:n_in] = True
    return np.stack([rng.permutation(column) for _ in range(n_records)], axis=1)


def _logit_confidence(proba: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """log(p_y / (1 - p_y)) of the true class: near-Gaussian across models."""
    p = np.clip(proba[np.arange(labels.size), labels], _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def _gaussian_mi_bits(stats: np.ndarray, inside: np.ndarray, rate: float) -> np.ndarray:
    """Per-record I(inclusion; output) with a Gaussian fit per inclusion value.

    ``stats`` and ``inside`` have shape (n_models, n_records).
    """

    def moments(mask):
        count = mask.sum(0)
        mean = (stats * mask).sum(0) / count
        var = (((stats - mean) ** 2) * mask).sum(0) / (count - 1)
        return mean, np.maximum(np.sqrt(var), _MIN_STD)

    mu1, sd1 = moments(inside)
    mu0, sd0 = moments(~inside)
    return mixture_mi_bits(mu1, sd1, mu0, sd0, rate)


def mutual_information(
    X,
    y,
    *,
    model: str = "ann",
    params: dict | None = None,
    records=None,
    inclusion_rate: float = 0.5,
    n_models: int = 32,
    n_null: int = 4,
    chunk: int = 64,
    random_state=None,
) -> MutualInformationEstimate:
    """Estimate I_X, the information a trained model holds about its records.

    Parameters
    ----------
    X : array-like of shape (n_rows, n_features)
        Feature matrix.
    y : array-like of shape (n_rows,)
        Labels, coded 0..n_classes-1.
    model : str, default="ann"
        Model kind (see :func:`miadeps.models.make_model`).
    params : dict, optional
        The model's hyper-parameters: I_X is a property of a training recipe.
    records : array-like of int, optional
        Rows that form the pool (default: all rows).
    inclusion_rate : float, default=0.5
        Share of the models that train on each record; each model trains on
        about ``inclusion_rate * len(records)`` records. Use the member rate
        to match a target's training set size.
    n_models : int, default=32
        Models to train. The study used 1,000 retrainings; the estimate's
        noise falls with more.
    n_null : int, default=4
        Shuffles of the inclusion labels used to measure the estimator's
        small-sample bias.
    chunk : int, default=64
        Models trained together per call of the models layer (bounds memory
        of the batched engine).
    random_state : int, numpy Generator or None
        Seed of the design and of every model.

    Returns
    -------
    MutualInformationEstimate

    Notes
    -----
    *Quantity.* For record ``i`` let ``Z_i`` be 1 when it is in a model's
    training set (probability ``inclusion_rate``) and ``S_i`` the model's
    logit-scaled confidence on the record's true class. We estimate
    ``I(Z_i; S_i)`` in bits and average over records. By the data-processing
    inequality this is a lower bound on ``I(Z_i; theta)``, the information the
    parameters hold about the record's inclusion, and it is exactly what a
    black-box attacker can use.

    *Estimator.* ``S_i`` given ``Z_i`` is modelled as Gaussian (its mean and
    spread fitted per record from the models that did and did not train on
    it), as in Carlini et al.'s LiRA; the mixture entropy is integrated
    numerically. The plug-in estimate is biased upwards by the noise of the
    fitted moments, so the same estimator on shuffled inclusion labels (which
    carry no information) is subtracted. With few models the correction is
    itself noisy, so small negative values can occur for a model that leaks
    nothing.

    *Cost.* ``n_models`` trainings on ``inclusion_rate * len(records)``
    records each, plus predictions of every model on the pool; neural nets
    train ``chunk`` at a time through the batched engine.
    """
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y)
    rows = np.arange(X.shape[0]) if records is None else np.asarray(records)
    if not 0.0 < inclusion_rate < 1.0:
        raise ConfigError(
            f"inclusion_rate must lie strictly between 0 and 1; got {inclusion_rate!r}"
        )
    rng = as_generator(random_state)
    inside = _inclusion_design(rows.size, n_models, inclusion_rate, rng)
    seeds = draw_seeds(rng, n_models)
    classes = np.unique(y[rows])

    stats = np.empty((n_models, rows.size))
    for start in range(0, n_models, chunk):
        stop = min(start + chunk, n_models)
        logger.info(
            "I_X: training %s models %d-%d of %d", model, start + 1, stop, n_models
        )
        models = fit_models(
            model,
            dict(params or {}),
            X,
            y,
            [rows[inside[r]] for r in range(start, stop)],
            seeds[start:stop],
        )
        for r, fitted in zip(range(start, stop), models, strict=True):
            proba = np.zeros((rows.size, classes.size))
            proba[:, np.searchsorted(classes, fitted.classes_)] = fitted.predict_proba(
                X[rows]
            )
            stats[r] = _logit_confidence(proba, np.searchsorted(classes, y[rows]))

    raw = _gaussian_mi_bits(stats, inside, inclusion_rate)
    null = np.mean(
        [
            _gaussian_mi_bits(stats, rng.permuted(inside, axis=0), inclusion_rate)
            for _ in range(n_null)
        ],
        axis=0,
    )
    per_record = raw - null
    return MutualInformationEstimate(
        bits=float(per_record.mean()),
        per_record=per_record,
        raw_bits=float(raw.mean()),
        null_bits=float(null.mean()),
        max_bits=_binary_entropy(inclusion_rate),
        n_models=n_models,
        inclusion_rate=inclusion_rate,
    )
