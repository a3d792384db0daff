"""One way to turn a ``random_state`` into the seeds of every random choice."""

from __future__ import annotations

import numpy as np

from miadeps.exceptions import ConfigError

_MAX_SEED = 2**31 - 1


def as_generator(random_state=None) -> np.random.Generator:
    """A numpy Generator from an int, a Generator, a RandomState or None."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(_MAX_SEED))
    if isinstance(random_state, bool):
        raise ConfigError(
            f"random_state must be an int or a Generator; got {random_state!r}"
        )
    try:
        return np.random.default_rng(random_state)
    except (TypeError, ValueError):
        raise ConfigError(
            f"random_state must be a non-negative int, a numpy Generator or None; "
            f"got {random_state!r}"
        ) from None


def draw_seeds(rng: np.random.Generator, n: int) -> list[int]:
    """``n`` independent int seeds drawn from ``rng``."""
    return [int(s) for s in rng.integers(0, _MAX_SEED, size=n)]
