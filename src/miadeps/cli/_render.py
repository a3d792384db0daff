"""Formatting shared by the commands: numbers, JSON, labels of measures."""

from __future__ import annotations

import math

import numpy as np


def jsonable(value):
    """NaN and infinities are not JSON; write them as null."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def fmt(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{value:,}"
    return "n/a" if value is None or math.isnan(value) else f"{value:.4f}"


DATA_LABELS = {
    "size": "records",
    "class_balance": "class balance (share of label 1)",
    "feature_balance": "feature balance (top-5 MI features)",
    "n_features": "number of features",
    "entropy": "entropy (bits)",
}
MODEL_LABELS = {
    "accuracy_gap": "train - test accuracy",
    "group_fairness": "group unfairness delta_g",
    "predictive_fairness": "predictive unfairness delta_p",
    "individual_fairness": "individual unfairness delta_i",
    "mia_indistinguishability": "MIA-indistinguishability deviation (nats)",
    "fairness_groups": "fairness groups",
    "mutual_information": "mutual information I_X (bits)",
    "mutual_information_max": "I_X upper bound (bits)",
}
