"""Index sets into a dataset: target and shadow sets, members and non-members.

Everything here returns integer row indices into one shared feature matrix,
never copies of the data, so that many models can train on subsets of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from miadeps.exceptions import ConfigError

__all__ = ["AttackSplit", "MemberSplit", "check_member_rate", "split_members",
           "split_target_shadow"]


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
            [np.ones(self.members.size, np.int64), np.zeros(self.nonmembers.size, np.int64)]
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


def split_members(
    indices, member_rate: float = 0.75, random_state=None
) -> MemberSplit:
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
