"""Index sets into a dataset: target and shadow sets, members and non-members.

Everything here returns integer row indices into one shared feature matrix,
never copies of the data, so that many models can train on subsets of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from miadeps.exceptions import ConfigError

__all__ = [
    "AttackSplit",
    "MemberSplit",
    "check_member_rate",
    "choose_features",
    "sample_with_properties",
    "split_members",
    "split_target_shadow",
]


@dataclass(frozen=True)
class MemberSplit:
    """Members (training records) and non-members (held-out records) of one model.

    Attributes
    ----------
    members : ndarray of shape (n_members,)
        Row indices the model is trained on.
    nonmembers : ndarray of shape (n_nonmembers,)
        Row indices held back from it, drawn from the same distribution.
    """

    members: np.ndarray
    nonmembers: np.ndarray

    @property
    def indices(self) -> np.ndarray:
        """Members followed by non-members, shape (n_members + n_nonmembers,)."""
        return np.concatenate([self.members, self.nonmembers])

    @property
    def membership(self) -> np.ndarray:
        """1 for each member and 0 for each non-member, aligned with ``indices``."""
        return np.concatenate(
            [
                np.ones(self.members.size, np.int64),
                np.zeros(self.nonmembers.size, np.int64),
            ]
        )


@dataclass(frozen=True)
class AttackSplit:
    """The target's records, split into members and non-members, and the
    disjoint pool of records the attacker uses to train shadow models."""

    target: MemberSplit
    shadow_pool: np.ndarray


def check_member_rate(member_rate: float) -> float:
    """Return ``member_rate`` as a float, or raise if it is outside (0, 1)."""
    try:
        rate = float(member_rate)
    except (TypeError, ValueError):
        raise ConfigError(
            f"member rate must be a number in (0, 1); got {member_rate!r}"
        ) from None
    if not 0.0 < rate < 1.0:
        raise ConfigError(
            f"member rate must lie strictly between 0 and 1; got {member_rate!r}. "
            "Use e.g. 0.75 (the study's default: 75% members, 25% held out)"
        )
    return rate


def split_members(indices, member_rate: float = 0.75, random_state=None) -> MemberSplit:
    """Split row indices at random into members and non-members.

    Parameters
    ----------
    indices : array-like of int of shape (n,)
        The rows to split.
    member_rate : float, default=0.75
        Share of ``indices`` that become members; the number of members is
        ``round(member_rate * n)``, kept between 1 and ``n - 1``.
    random_state : int, numpy Generator or None
        Seed of the shuffle.

    Returns
    -------
    MemberSplit
    """
    rate = check_member_rate(member_rate)
    indices = np.asarray(indices, dtype=np.int64)
    if indices.size < 2:
        raise ConfigError(
            f"need at least 2 records to split into members and non-members; "
            f"got {indices.size}"
        )
    rng = np.random.default_rng(random_state)
    shuffled = rng.permutation(indices)
    n_members = min(max(int(round(rate * indices.size)), 1), indices.size - 1)
    return MemberSplit(
        members=np.sort(shuffled[:n_members]), nonmembers=np.sort(shuffled[n_members:])
    )


def split_target_shadow(
    n_records: int,
    *,
    target_size: int,
    shadow_size: int,
    member_rate: float = 0.75,
    random_state=None,
) -> AttackSplit:
    """Draw disjoint target and shadow sets and split the target's records.

    Parameters
    ----------
    n_records : int
        Rows in the dataset.
    target_size : int
        Records given to the target: its members plus its non-members.
    shadow_size : int
        Records in the attacker's shadow pool, disjoint from the target's.
    member_rate : float, default=0.75
        Share of the target's records it is trained on.
    random_state : int, numpy Generator or None
        Seed of every random choice made here.

    Returns
    -------
    AttackSplit

    Raises
    ------
    ConfigError
        When a size is not a positive integer or the two sets do not fit
        into ``n_records``.
    """
    check_member_rate(member_rate)
    for name, value in (("target size", target_size), ("shadow size", shadow_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ConfigError(f"{name} must be an integer; got {value!r}")
        if value < 2:
            raise ConfigError(f"{name} must be at least 2 records; got {value}")
    if target_size + shadow_size > n_records:
        raise ConfigError(
            f"target size {target_size} + shadow size {shadow_size} = "
            f"{target_size + shadow_size} records, but the dataset has only "
            f"{n_records}; lower the sizes so that they sum to at most {n_records}"
        )

    rng = np.random.default_rng(random_state)
    chosen = rng.permutation(n_records)[: target_size + shadow_size]
    target = split_members(chosen[:target_size], member_rate, rng)
    return AttackSplit(target=target, shadow_pool=np.sort(chosen[target_size:]))


def _cell_counts(y: np.ndarray, in_group: np.ndarray) -> np.ndarray:
    """available[g, c]: records in group g (0 or 1) with label c (0 or 1)."""
    return np.array(
        [
            [np.sum(~in_group & (y == 0)), np.sum(~in_group & (y == 1))],
            [np.sum(in_group & (y == 0)), np.sum(in_group & (y == 1))],
        ]
    )


def _share_range(
    available_yes: int, available_no: int, size: int
) -> tuple[float, float]:
    """Shares of 'yes' records that a sample of ``size`` can have."""
    return max(0, size - available_no) / size, min(available_yes, size) / size


def sample_with_properties(
    y,
    size: int,
    *,
    class_balance: float | None = None,
    in_group=None,
    group_share: float | None = None,
    pool=None,
    random_state=None,
) -> np.ndarray:
    """Draw records so that the sample has a requested size, class balance
    and share of one group (the feature-balance group).

    Parameters
    ----------
    y : array-like of shape (n_records,)
        Binary labels.
    size : int
        Records to draw, without replacement.
    class_balance : float, optional
        Requested share of label 1, in [0, 1]. ``None`` leaves it to chance.
    in_group : array-like of bool of shape (n_records,), optional
        Membership of each record in the group whose share is dialled, e.g.
        the records with the most frequent feature vector (see
        :func:`miadeps.properties.feature_vectors`).
    group_share : float, optional
        Requested share of ``in_group`` records; needs ``in_group``.
    pool : array-like of int, optional
        Rows allowed in the sample (default: all).
    random_state : int, numpy Generator or None
        Seed of the draw.

    Returns
    -------
    ndarray of shape (size,)
        Sorted row indices.

    Raises
    ------
    ConfigError
        When the pool cannot supply the request; the message gives the range
        of each share that it can supply at this size.

    Notes
    -----
    Each requested count is ``round(share * size)``, so a share is met within
    half a record. When both shares are requested, the number of records that
    are in the group *and* positive is chosen as close as the pool allows to
    the value under independence, ``round(n_group * n_positive / size)``.
    """
    y = np.asarray(y)
    n = y.size
    pool = np.arange(n) if pool is None else np.asarray(pool, dtype=np.int64)
    if group_share is not None and in_group is None:
        raise ConfigError("group_share needs in_group, the records of the group")
    in_group = np.zeros(n, bool) if in_group is None else np.asarray(in_group, bool)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ConfigError(f"sample size must be a positive integer; got {size!r}")
    if size > pool.size:
        raise ConfigError(
            f"cannot draw {size} records from a pool of {pool.size}; "
            f"ask for at most {pool.size}"
        )
    for name, share in (("class balance", class_balance), ("group share", group_share)):
        if share is not None and not 0.0 <= share <= 1.0:
            raise ConfigError(f"{name} must lie in [0, 1]; got {share!r}")

    available = _cell_counts(y[pool], in_group[pool])
    n_pos = None if class_balance is None else int(round(class_balance * size))
    n_grp = None if group_share is None else int(round(group_share * size))
    counts = _allocate(available, size, n_pos, n_grp)
    if counts is None:
        ranges = {
            "class balance": _share_range(
                available[:, 1].sum(), available[:, 0].sum(), size
            ),
            "group share": _share_range(available[1].sum(), available[0].sum(), size),
        }
        asked = {"class balance": class_balance, "group share": group_share}
        asked = {name: share for name, share in asked.items() if share is not None}
        raise ConfigError(
            f"cannot draw {size} records with "
            + " and ".join(f"{name} {share:.3f}" for name, share in asked.items())
            + ": at this size the pool supplies "
            + " and ".join(
                f"{name} {ranges[name][0]:.3f}-{ranges[name][1]:.3f}" for name in asked
            )
            + (" (not every pair of them)" if len(asked) > 1 else "")
            + "; lower the size or ask for a share inside that range"
        )

    rng = np.random.default_rng(random_state)
    cells_y, cells_g = y[pool], in_group[pool]
    chosen = [
        rng.choice(
            pool[(cells_g == bool(g)) & (cells_y == c)], counts[g, c], replace=False
        )
        for g in (0, 1)
        for c in (0, 1)
    ]
    return np.sort(np.concatenate(chosen))


def _allocate(available: np.ndarray, size: int, n_pos, n_grp) -> np.ndarray | None:
    """Counts per (group, label) cell that meet the requests, or None."""
    a = available
    if n_pos is None and n_grp is None:
        # Neither share requested: draw in proportion to the pool, rounding
        # so that the counts add up to size.
        share = a.ravel() / a.sum()
        counts = np.floor(share * size).astype(int)
        for i in np.argsort(-(share * size - counts))[: size - counts.sum()]:
            counts[i] += 1
        return counts.reshape(2, 2)
    if n_pos is None:
        n_pos = _proportional(a[:, 1].sum(), a.sum(), size, n_grp, a[1, 1], a[1].sum())
    if n_grp is None:
        n_grp = _proportional(a[1].sum(), a.sum(), size, n_pos, a[1, 1], a[:, 1].sum())

    lo = max(0, n_grp + n_pos - size, n_grp - a[1, 0], n_pos - a[0, 1])
    hi = min(n_grp, n_pos, a[1, 1], a[0, 0] - size + n_grp + n_pos)
    if lo > hi:
        return None
    both = int(np.clip(round(n_grp * n_pos / size), lo, hi))
    return np.array([[size - n_grp - n_pos + both, n_pos - both], [n_grp - both, both]])


def _proportional(
    yes: int, total: int, size: int, n_fixed: int, yes_in_fixed: int, fixed_total: int
) -> int:
    """The free count when only the other share is dialled: keep each stratum
    of the dialled variable at the pool's own rate of the free one."""
    rate_in = yes_in_fixed / fixed_total if fixed_total else 0.0
    rate_out = (
        (yes - yes_in_fixed) / (total - fixed_total) if total > fixed_total else 0.0
    )
    return int(round(n_fixed * rate_in + (size - n_fixed) * rate_out))


def choose_features(raw_features, n_features: int, random_state=None) -> list[str]:
    """Pick ``n_features`` raw features at random, keeping their order.

    Raises
    ------
    ConfigError
        When ``n_features`` is not between 1 and the number available.
    """
    names = list(raw_features)
    if (
        isinstance(n_features, bool)
        or not isinstance(n_features, (int, np.integer))
        or not 1 <= n_features <= len(names)
    ):
        raise ConfigError(
            f"number of features must be an integer from 1 to {len(names)}; "
            f"got {n_features!r}"
        )
    rng = np.random.default_rng(random_state)
    keep = np.sort(rng.choice(len(names), n_features, replace=False))
    return [names[i] for i in keep]
