"""What the membership defenses share: held-out rows, and membership MI.

The "mutual-information" and "adversarial" defenses both compare a net's
training rows with rows that its defender holds out of training.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from miadeps.exceptions import ConfigError, DataError

# The spread floor of the I_X estimator, so that both fit Gaussians alike.
from miadeps.properties._leakage import _MIN_STD

__all__ = ["check_reference_sets", "membership_bits"]

# Standard normal quadrature on [-8, 8]: expectations over one fitted Gaussian
# are taken on a grid scaled to that Gaussian.
_NODES = np.linspace(-8.0, 8.0, 401)
_NODE_WEIGHTS = np.exp(-0.5 * _NODES**2) / np.exp(-0.5 * _NODES**2).sum()


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
    +-8 standard deviations around its own component. A single grid over
    the span of both components (as in :mod:`miadeps.properties`' I_X
    estimator) misses a component narrower than its step, which happens
    when an overfit net gives all its members the same clipped confidence.
    """
    member = np.asarray(member, dtype=bool)
    rate = member.mean()
    fits = [
        (share, scores[rows].mean(), max(scores[rows].std(ddof=1), _MIN_STD))
        for share, rows in ((rate, member), (1 - rate, ~member))
    ]

    def log_density(x, mean, spread):
        # The 1/sqrt(2 pi) cancels in the ratio of densities.
        return -0.5 * ((x - mean) / spread) ** 2 - np.log(spread)

    nats = 0.0
    for weight, mean, spread in fits:
        x = mean + spread * _NODES
        mixture = np.logaddexp(*(np.log(w) + log_density(x, m, s) for w, m, s in fits))
        nats += weight * _NODE_WEIGHTS @ (log_density(x, mean, spread) - mixture)
    return float(nats / np.log(2))


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
