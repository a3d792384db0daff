"""Which records and which groups an attack exposes most."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from miadeps.metrics import attack_report

__all__ = ["disparate_vulnerability", "record_risk", "sensitive_groups"]

# Probabilities are floored before the log, so a record the model gets
# certainly wrong has a large finite loss.
_FLOOR = 1e-12
# A numeric attribute with more distinct values than this is cut at its
# median, as properties.binary_groups does; fewer are taken as categories.
_MAX_CODES = 10
MISSING = "<missing>"


def record_risk(
    ids: np.ndarray, scores: np.ndarray, proba: np.ndarray, labels: np.ndarray
) -> pd.DataFrame:
    """Rank the model's training records by their membership score.

    Parameters
    ----------
    ids : array-like of str of shape (n_records,)
        Record ids.
    scores : array-like of shape (n_records,)
        Membership scores, higher meaning more exposed.
    proba : array-like of shape (n_records, 2)
        The model's prediction vectors on the records.
    labels : array-like of int of shape (n_records,)
        The records' binary classes.

    Returns
    -------
    pandas.DataFrame
        One row per record, most exposed first: ``rank`` (1 = most exposed),
        ``id``, ``score``, ``loss`` (cross-entropy of the true class, nats),
        ``confidence`` (probability of the true class) and ``label``.

    Notes
    -----
    Equal scores are ordered by lower loss first (a record the model fits
    better is the likelier member), then by position, so the ranking is
    fully determined by its inputs.
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    confidence = np.asarray(proba, dtype=np.float64)[np.arange(labels.size), labels]
    # Adding 0.0 turns the -0.0 of a certain record into 0.0.
    loss = -np.log(np.maximum(confidence, _FLOOR)) + 0.0
    order = np.lexsort((np.arange(labels.size), loss, -scores))
    return pd.DataFrame(
        {
            "rank": np.arange(1, labels.size + 1),
            "id": np.asarray(ids, dtype=str)[order],
            "score": scores[order],
            "loss": loss[order],
            "confidence": confidence[order],
            "label": labels[order],
        }
    )


def sensitive_groups(values, name: str) -> tuple[np.ndarray, str]:
    """Group records by one attribute: categories, or halves at the median.

    Parameters
    ----------
    values : array-like of shape (n_records,)
        The attribute's raw values.
    name : str
        The attribute's name, used in the group labels.

    Returns
    -------
    groups : numpy.ndarray of str of shape (n_records,)
        The group label of each record, e.g. ``"sex = female"`` or
        ``"age > 33"``.
    rule : str
        How the groups were formed.

    Notes
    -----
    A numeric attribute with more than 10 distinct values is cut at the
    median of these records, ``<=`` against ``>``; any other attribute has
    one group per value. Missing values form a group of their own.
    """
    series = pd.Series(values).reset_index(drop=True)
    present = series.dropna()
    if pd.api.types.is_numeric_dtype(series) and present.nunique() > _MAX_CODES:
        cut = float(present.median())
        groups = np.where(series > cut, f"{name} > {cut:g}", f"{name} <= {cut:g}")
        groups = np.where(series.isna(), f"{name} = {MISSING}", groups)
        return groups.astype(str), f"{name} cut at its median {cut:g}"
    text = series.map(lambda v: MISSING if pd.isna(v) else _text(v))
    return (f"{name} = " + text).to_numpy(dtype=str), f"one group per value of {name}"


def _text(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def disparate_vulnerability(
    membership: np.ndarray, scores: np.ndarray, groups: np.ndarray
) -> dict:
    """How an attack's success differs between groups of records.

    Parameters
    ----------
    membership : array-like of int of shape (n_records,)
        1 for the model's members, 0 for non-members.
    scores : array-like of shape (n_records,)
        The attack's membership scores.
    groups : array-like of str of shape (n_records,)
        Group label of each record.

    Returns
    -------
    dict
        ``groups``: a list, one dict per group in sorted order, with
        ``group``, ``n_members``, ``n_nonmembers``, ``auc``,
        ``tpr_at_1pct_fpr`` and ``advantage`` (NaN for a group that lacks
        members or non-members); ``gaps``: for each of the three measures,
        the largest minus the smallest over the groups where it is defined,
        with the two groups (``None`` with fewer than two such groups).
    """
    membership = np.asarray(membership, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.float64)
    groups = np.asarray(groups, dtype=str)
    rows = []
    for group in sorted(np.unique(groups)):
        mask = groups == group
        n_members = int(membership[mask].sum())
        row = {
            "group": str(group),
            "n_members": n_members,
            "n_nonmembers": int(mask.sum()) - n_members,
            "auc": math.nan,
            "tpr_at_1pct_fpr": math.nan,
            "advantage": math.nan,
        }
        # Metrics of a group with one side only are undefined; skip them
        # here rather than let the metric warn.
        if row["n_members"] and row["n_nonmembers"]:
            report = attack_report(membership[mask], scores[mask], fprs=(0.01,))
            row["auc"] = report["auc"]
            row["tpr_at_1pct_fpr"] = report["tpr_at_fpr"]["0.01"]
            row["advantage"] = report["advantage"]
        rows.append(row)

    gaps = {}
    for measure in ("auc", "tpr_at_1pct_fpr", "advantage"):
        defined = [r for r in rows if not math.isnan(r[measure])]
        if len(defined) < 2:
            gaps[measure] = None
            continue
        high = max(defined, key=lambda r: r[measure])
        low = min(defined, key=lambda r: r[measure])
        gaps[measure] = {
            "gap": high[measure] - low[measure],
            "highest": high["group"],
            "lowest": low["group"],
        }
    return {"groups": rows, "gaps": gaps}
