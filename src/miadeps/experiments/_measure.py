"""The data and model properties recorded next to every attack result."""

from __future__ import annotations

import logging
import warnings

import numpy as np

from miadeps.datasets import Dataset
from miadeps.exceptions import ConfigError, DegenerateMetricWarning
from miadeps.properties import (
    binary_groups,
    data_properties,
    feature_vectors,
    model_properties,
    mutual_information,
    top_mi_features,
)
from miadeps.sampling import MemberSplit

logger = logging.getLogger(__name__)


def fairness_groups(dataset: Dataset, attribute: str | None) -> tuple[np.ndarray, str]:
    """Two groups of ``dataset``'s records for the fairness measures.

    ``attribute`` names a sensitive column; by default the first one the
    dataset has, and without any, the records with the most frequent
    feature vector of the top-5 mutual-information features against the
    others (the study's feature-vector groups).
    """
    if attribute is None and len(dataset.sensitive.columns):
        attribute = str(dataset.sensitive.columns[0])
    if attribute is not None:
        if attribute in dataset.sensitive.columns:
            values = dataset.sensitive[attribute]
        elif attribute in dataset.frame.columns:
            values = dataset.frame[attribute]
        else:
            raise ConfigError(
                f"fairness attribute {attribute!r} is not a column of "
                f"{dataset.name}; choose one of "
                f"{', '.join(map(str, dataset.sensitive.columns)) or 'its columns'}"
            )
        return binary_groups(values, attribute)
    features = top_mi_features(dataset, k=min(5, dataset.n_features))
    _, groups = feature_vectors(dataset, features)
    return np.asarray(groups, bool), "most frequent top-5 feature vector"


def measure_target(
    dataset: Dataset,
    split: MemberSplit,
    target,
    *,
    model: str,
    params: dict,
    member_rate: float,
    fairness_attribute: str | None,
    mi_models: int,
    seed: int,
) -> tuple[dict, dict]:
    """Properties of the target's data and of the trained target.

    Returns
    -------
    data : dict
        :func:`~miadeps.properties.data_properties` of the target set.
    model : dict
        :func:`~miadeps.properties.model_properties` of the target, the
        fairness groups used, and, when ``mi_models > 0``, the mutual
        information I_X of its training recipe in bits (from ``mi_models``
        retrainings on the target set at the member rate).
    """
    target_set = dataset.subset(split.indices)
    data = data_properties(target_set, random_state=seed)

    groups, described = fairness_groups(dataset, fairness_attribute)
    X, y = dataset.X, dataset.y
    members, nonmembers = split.members, split.nonmembers
    proba_test = target.predict_proba(X[nonmembers])
    with warnings.catch_warnings():
        # An undefined fairness entry is NaN in the row, which says so.
        warnings.simplefilter("ignore", DegenerateMetricWarning)
        model_row = model_properties(
            y_true_train=y[members],
            y_pred_train=target.predict(X[members]),
            y_true_test=y[nonmembers],
            y_pred_test=np.asarray(target.classes_)[proba_test.argmax(1)],
            proba_test=proba_test,
            X_test=X[nonmembers],
            groups_test=groups[nonmembers],
            random_state=seed,
        )
    model_row["fairness_groups"] = described

    if mi_models > 0:
        logger.info("estimating I_X from %d retrainings", mi_models)
        estimate = mutual_information(
            X,
            y,
            model=model,
            params=params,
            records=split.indices,
            inclusion_rate=member_rate,
            n_models=mi_models,
            random_state=seed,
        )
        model_row["mutual_information"] = estimate.bits
        model_row["mutual_information_max"] = estimate.max_bits
    return data, model_row
