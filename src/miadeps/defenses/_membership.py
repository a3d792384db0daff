"""What the membership defenses share: held-out rows, and membership MI.

The "mutual-information" and "adversarial" defenses both compare a net's
training rows with rows that its defender holds out of training.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from miadeps.exceptions import ConfigError, DataError
from miadeps.properties._gaussian_mi import MIN_STD, mixture_mi_bits

__all__ = ["check_reference_sets", "membership_bits"]


def membership_bits(scores: np.ndarray, member: np.ndarray) -> float:
    """Mutual information (bits) of membership and a score, Gaussian per class.

    Parameters
    ----------
    scores : ndarray of shape (n,)
        One score per record, e.g. the logit-scaled confidence on its label.
    member : ndarray of bool of shape (n,)
        Whether each record is a member; at least 2 of each kind.

    Returns
    -------
    float
        ``I(M; S)`` with ``S | M = c`` fitted as a Gaussian (sample mean,
        standard deviation floored at 1e-3) and ``P(M = 1)`` the share of
        members; between 0 and ``H(M)`` (1 bit for a balanced sample).

    Notes
    -----
    ``I = sum_c P(M = c) E[log2 p_c(S) / p(S) | M = c]`` with ``p`` the
    two-component mixture, each expectation integrated on a grid of
    +-8 standard deviations around its own component
    (:func:`miadeps.properties._gaussian_mi.mixture_mi_bits`, shared with
    the I_X estimator).
    """
    member = np.asarray(member, dtype=bool)
    inside, outside = scores[member], scores[~member]
    bits = mixture_mi_bits(
        inside.mean(),
        max(inside.std(ddof=1), MIN_STD),
        outside.mean(),
        max(outside.std(ddof=1), MIN_STD),
        member.mean(),
    )
    return float(bits[0])


def check_reference_sets(
    reference_sets, index_sets: Sequence[np.ndarray], n_records: int, defense: str
) -> list[np.ndarray]:
    """Check the defender's held-out rows, one array per net.

    Parameters
    ----------
    reference_sets : sequence of K array-like of int, or None
        Rows of ``X`` that net ``k`` does not train on.
    index_sets : sequence of K ndarray of int
        Each net's training rows.
    n_records : int
        Rows of ``X``.
    defense : str
        The defense that asks, named in the messages.

    Returns
    -------
    list of K ndarray of int64

    Raises
    ------
    ConfigError
        If ``reference_sets`` is None or does not hold one array per net.
    DataError
        If an array is not 1-d integers in ``0..n_records-1``, has fewer
        than 2 rows, or shares a row with its net's training rows.
    """
    if reference_sets is None:
        raise ConfigError(
            f"defense {defense!r} needs reference_sets: rows the defender holds "
            "out of training, one array per net"
        )
    if len(reference_sets) != len(index_sets):
        raise ConfigError(
            f"reference_sets must hold one array per net ({len(index_sets)}); "
            f"got {len(reference_sets)}"
        )
    out = []
    for k, (held_out, rows) in enumerate(zip(reference_sets, index_sets, strict=True)):
        held_out = np.asarray(held_out)
        if held_out.ndim != 1 or held_out.size < 2:
            raise DataError(
                f"reference_sets[{k}] must be a 1-d array of at least 2 row "
                f"indices; got shape {held_out.shape}"
            )
        if held_out.dtype.kind not in "iu":
            raise DataError(
                f"reference_sets[{k}] must hold integer row indices; got dtype "
                f"{held_out.dtype}"
            )
        if held_out.min() < 0 or held_out.max() >= n_records:
            bad = held_out.min() if held_out.min() < 0 else held_out.max()
            raise DataError(
                f"reference_sets[{k}] holds row {bad}, outside 0..{n_records - 1}"
            )
        shared = np.intersect1d(held_out, rows)
        if shared.size:
            raise DataError(
                f"reference_sets[{k}] shares {shared.size} rows with net {k}'s "
                f"training rows (e.g. row {shared[0]}); hold reference rows out "
                "of training"
            )
        out.append(held_out.astype(np.int64))
    return out
