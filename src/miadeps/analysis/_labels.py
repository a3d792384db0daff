"""Readable names and units of result columns, for sentences, axes and tables."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["axis_label", "column_label", "column_unit", "setting_label"]

# column -> (name for a sentence, unit or "" when the value has none)
_LABELS: dict[str, tuple[str, str]] = {
    "attack.accuracy": ("attack accuracy", ""),
    "attack.balanced_accuracy": ("attack balanced accuracy", ""),
    "attack.auc": ("attack AUC", ""),
    "attack.advantage": ("attack advantage (TPR - FPR)", ""),
    "attack.precision": ("attack precision", ""),
    "attack.recall": ("attack recall", ""),
    "attack.tpr_at_fpr.0.001": ("attack TPR at 0.1% FPR", ""),
    "attack.tpr_at_fpr.0.01": ("attack TPR at 1% FPR", ""),
    "target.train_accuracy": ("target train accuracy", ""),
    "target.test_accuracy": ("target test accuracy", ""),
    "model.train_accuracy": ("target train accuracy", ""),
    "model.test_accuracy": ("target test accuracy", ""),
    "model.accuracy_gap": ("train - test accuracy gap", ""),
    "model.group_fairness": ("group unfairness delta_g", ""),
    "model.predictive_fairness": ("predictive unfairness delta_p", ""),
    "model.individual_fairness": ("individual unfairness delta_i", ""),
    "model.mia_indistinguishability": (
        "deviation from MIA-indistinguishability",
        "nats",
    ),
    "model.mutual_information": ("mutual information I_X", "bits"),
    "data.size": ("target set size", "records"),
    "data.class_balance": ("measured class balance", "share of label 1"),
    "data.feature_balance": ("measured feature balance", "share"),
    "data.n_features": ("number of features", "features"),
    "data.entropy": ("dataset entropy", "bits"),
    "spec.dataset.name": ("dataset", ""),
    "spec.sampling.shadow_size": ("shadow set size", "records"),
    "spec.sampling.target_size": ("target set size", "records"),
    "spec.sampling.class_balance": ("class balance", "share of label 1"),
    "spec.sampling.feature_balance": (
        "feature balance",
        "share of the most frequent top-5 feature vector",
    ),
    "spec.sampling.n_features": ("number of features kept", "features"),
    "spec.target.params.depth": ("depth", "hidden layers"),
    "spec.target.params.width": ("width", "units per layer"),
    "spec.target.params.learning_rate": ("learning rate", ""),
    "spec.target.params.l2": ("L2 weight", ""),
    "spec.target.params.epochs": ("training epochs", "epochs"),
    "spec.target.kind": ("target model kind", ""),
    "spec.shadow.kind": ("shadow model kind", ""),
}


# Keys of the extra attacks' columns (``attacks.<key>.<metric>``).
_ATTACK_NAMES = {
    "shadow": "shadow-model attack",
    "loss": "loss threshold",
    "confidence": "confidence threshold",
    "entropy": "entropy threshold",
    "modified_entropy": "modified-entropy threshold",
    "lira_online": "LiRA (online)",
    "lira_offline": "LiRA (offline)",
    "rmia_online": "RMIA (online)",
    "rmia_offline": "RMIA (offline)",
}


def column_label(column: str) -> str:
    """A result column's name in words, e.g. ``"attack AUC"``.

    An extra attack's column, ``attacks.lira_online.auc``, reads like the
    shadow-model attack's with the attack named: ``"LiRA (online) AUC"``.
    Columns without a known name are shown as they are, without the
    ``spec.`` prefix.
    """
    known = _LABELS.get(column)
    if known:
        return known[0]
    if column.startswith("attacks."):
        key, _, metric = column.removeprefix("attacks.").partition(".")
        base = _LABELS.get(f"attack.{metric}")
        if key in _ATTACK_NAMES and base:
            return base[0].replace("attack", _ATTACK_NAMES[key], 1)
    return column.removeprefix("spec.")


def column_unit(column: str) -> str:
    """The unit of a column's values (``"records"``, ``"bits"``...), or ``""``."""
    known = _LABELS.get(column)
    return known[1] if known else ""


def axis_label(column: str) -> str:
    """Name and unit for a figure axis: ``"shadow set size (records)"``."""
    unit = column_unit(column)
    name = column_label(column)
    return f"{name[0].upper()}{name[1:]}" + (f" ({unit})" if unit else "")


def _value_text(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def setting_label(columns: Sequence[str], values: Sequence) -> str:
    """A setting in words: ``"depth 1, L2 weight 0.01"``.

    Parameters
    ----------
    columns : sequence of str
        The varied columns.
    values : sequence
        Their values in the setting, in the same order.
    """
    return ", ".join(
        f"{column_label(c)} {_value_text(v)}"
        for c, v in zip(columns, values, strict=True)
    )
