"""Mutual information between a binary variable and a score, Gaussian per value.

Both the I_X estimator (membership of a record across retrained models) and
the membership-MI regularizer (membership across the records of one model)
fit one Gaussian to the score under each value of a binary variable and need
the mutual information of the resulting two-component mixture, which has no
closed form.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MIN_STD", "mixture_mi_bits"]

#: Floor on a fitted standard deviation: a component whose scores are all
#: equal (an overfit net's clipped confidence) stays a narrow Gaussian.
MIN_STD = 1e-3

# Standard normal quadrature on [-8, 8]: the expectation under each component
# is taken on a grid scaled to that component. One grid spanning both
# components would step over a component narrower than its step.
_NODES = np.linspace(-8.0, 8.0, 401)
_NODE_WEIGHTS = np.exp(-0.5 * _NODES**2) / np.exp(-0.5 * _NODES**2).sum()


def mixture_mi_bits(mean1, sd1, mean0, sd0, rate) -> np.ndarray:
    """``I(B; S)`` in bits for ``S | B=1 ~ N(mean1, sd1)``, ``S | B=0 ~ N(mean0, sd0)``.

    Parameters
    ----------
    mean1, sd1, mean0, sd0 : array-like of shape (n,) or float
        The two components (standard deviations > 0; floor them at
        :data:`MIN_STD` first).
    rate : array-like of shape (n,) or float
        ``P(B = 1)``, in (0, 1).

    Returns
    -------
    ndarray of shape (n,)
        Between 0 and the entropy of ``B`` (1 bit at rate 0.5).

    Notes
    -----
    ``I = sum_b P(B=b) E[log2 p_b(S) / p(S) | B=b]`` with ``p`` the mixture;
    each expectation is integrated on 401 points over +-8 standard deviations
    of its own component.
    """
    mean1, sd1, mean0, sd0, rate = np.broadcast_arrays(
        *(
            np.atleast_1d(np.asarray(v, dtype=np.float64))
            for v in (mean1, sd1, mean0, sd0, rate)
        )
    )
    fits = ((rate, mean1, sd1), (1 - rate, mean0, sd0))

    def log_density(x, mean, spread):
        # The 1/sqrt(2 pi) cancels in the ratio of densities.
        return -0.5 * ((x - mean) / spread) ** 2 - np.log(spread)

    nats = np.zeros(mean1.shape)
    nodes = _NODES[:, None]
    with np.errstate(divide="ignore"):
        for weight, mean, spread in fits:
            x = mean + spread * nodes
            mixture = np.logaddexp(
                *(np.log(w) + log_density(x, m, s) for w, m, s in fits)
            )
            gain = _NODE_WEIGHTS @ (log_density(x, mean, spread) - mixture)
            nats += np.where(weight > 0, weight * gain, 0.0)
    return nats / np.log(2)
