"""Weight penalties for the batched engine, fixed or scaled by a measured property.

A penalty here is a callable ``penalty(params, epoch, step) -> Tensor (K,)``
as :func:`~miadeps.models.train_mlps` expects. The property-scaled penalty
also serves as the engine's ``on_epoch_end`` hook: after each epoch it
measures a property of every net (a fairness measure, or how much the net's
confidence tells members from held-out rows) on samples of that net's rows,
and the next epoch's penalty grows with what it measured (the paper's
Algorithm 1).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import torch

from miadeps.defenses._membership import check_reference_sets, membership_bits
from miadeps.exceptions import ConfigError, DegenerateMetricWarning
from miadeps.models import MLPSpec, MLPStack, mlp_logits
from miadeps.properties import group_fairness, individual_fairness, predictive_fairness

# The confidence statistic of the I_X estimator, reused so that the proxy
# reads a net's outputs as I_X does.
from miadeps.properties._leakage import _logit_confidence

logger = logging.getLogger(__name__)

__all__ = ["PropertyPenalty", "weight_norm_penalty"]

#: Defenses that scale a weight penalty by a property measured each epoch.
PROPERTY_DEFENSES = (
    "group-fairness",
    "predictive-fairness",
    "individual-fairness",
    "mutual-information",
)
#: Penalty forms of the property defenses.
VARIANTS = ("l1_exp", "l2_lin")


def _weights(params: Mapping[str, torch.Tensor]) -> list[torch.Tensor]:
    return [value for name, value in params.items() if name.startswith("W")]


def _l1(params: Mapping[str, torch.Tensor]) -> torch.Tensor:
    return sum(w.abs().flatten(1).sum(dim=1) for w in _weights(params))


def _l2(params: Mapping[str, torch.Tensor]) -> torch.Tensor:
    return sum(w.square().flatten(1).sum(dim=1) for w in _weights(params))


def weight_norm_penalty(kind: str, lam: float):
    """A fixed L1 or L2 penalty on every net's weights (biases excluded).

    Parameters
    ----------
    kind : {"l1", "l2"}
        ``"l1"`` adds ``lam * sum |W|``, ``"l2"`` adds ``lam * sum W**2``
        (no factor 1/2, as the engine's own ``spec.l2``).
    lam : float
        Weight of the penalty, >= 0.

    Returns
    -------
    callable
        ``penalty(params, epoch, step) -> Tensor of shape (K,)``.

    Raises
    ------
    ConfigError
        If ``kind`` is neither "l1" nor "l2".
    """
    if kind not in ("l1", "l2"):
        raise ConfigError(f"kind must be 'l1' or 'l2'; got {kind!r}")
    norm = _l1 if kind == "l1" else _l2

    def penalty(params, epoch: int, step: int) -> torch.Tensor:
        return lam * norm(params)

    return penalty


class PropertyPenalty:
    """Penalty whose weight follows a property of the nets measured each epoch.

    Use one instance as both ``penalty`` and (through :meth:`on_epoch_end`)
    ``on_epoch_end`` of :func:`~miadeps.models.train_mlps`.

    Parameters
    ----------
    defense : {"group-fairness", "predictive-fairness", "individual-fairness", \
"mutual-information"}
        The property r: delta_g, delta_p or delta_i of
        :mod:`miadeps.properties`, or the membership mutual information
        described in Notes.
    lam : float
        Weight of the penalty, >= 0.
    variant : {"l1_exp", "l2_lin"}
        ``"l1_exp"``: ``lam * sum |W| * exp(r)``; ``"l2_lin"``:
        ``lam * sum W**2 * r``.
    X : ndarray of shape (n, n_features), float32
        The feature matrix the nets train on.
    y : ndarray of int of shape (n,)
        Labels, used by predictive fairness and mutual information.
    groups : ndarray of shape (n,) or None
        0/1 group of every row of ``X``; not used by individual fairness
        and mutual information.
    index_sets : sequence of K ndarray of int
        Each net's training rows, from which its samples are drawn.
    spec : MLPSpec
        The nets' shape.
    repeats : int
        Samples per measurement (l); the largest r of them is kept.
    sample_size : int
        Records per sample (m); a net with fewer rows uses all of them.
        Mutual information draws m training rows and m reference rows
        (m no more than either has), and measures once when that sample is
        all of both.
    rng : numpy Generator
        Draws the samples and individual fairness's pairs.
    reference_sets : sequence of K ndarray of int, optional
        Rows each net does not train on, held out by the defender; required
        by mutual information (see :func:`check_reference_sets`), ignored
        by the other properties.

    Attributes
    ----------
    r_initial : ndarray of shape (K,)
        r of the initial weights, which set the penalty of epoch 0.
    r_history : list of ndarray of shape (K,)
        r after each finished epoch, in order.

    Raises
    ------
    ConfigError
        If ``defense`` is "mutual-information" and ``reference_sets`` is
        None.
    DataError
        If ``reference_sets`` does not fit ``index_sets`` (see
        :func:`check_reference_sets`).

    Notes
    -----
    r is a measured number, not differentiated: the gradient of the penalty
    is that of the weight norm, scaled. A sample whose r is undefined (only
    one group in it, say) is skipped; if all ``repeats`` samples of a net
    are, its r is recorded as NaN and the penalty uses r = 0 for it.

    *Mutual information.* For one net, r is the mutual information, in
    bits, between a record's membership M (1 for the net's training rows,
    0 for its reference rows) and the net's logit-scaled confidence on the
    true label, ``phi = log p_y - log(1 - p_y)``, over a balanced sample of
    m rows of each kind (so r is at most 1 bit), estimated by
    :func:`membership_bits`: ``phi`` given M fitted as one Gaussian per
    value of M, as :func:`~miadeps.properties.mutual_information` does per
    record. It is the plug-in value, without that function's
    shuffled-label bias correction: with m in the hundreds the bias is a
    few thousandths of a bit, and the same bias at every epoch does not
    move the penalty's trend.

    This is a cheap proxy, not the paper's I_X. I_X is about one record and
    the parameters, ``I(x_i; theta)``, over the randomness of training, and
    estimating it takes many retrained models; this is about membership and
    output across the records of one trained net, measurable in one forward
    pass per epoch. It is what a loss-threshold attack on this net exploits,
    and it falls to 0 when members and held-out rows get confidences of the
    same distribution.

    In bits this r is small for most trained nets (we saw 0.002-0.08), so
    the factor ``exp(r)`` of "l1_exp" stays near 1 and that variant acts
    almost as a fixed L1 penalty of the same ``lam`` (on a small synthetic
    overfitting task the two gave the same attack AUC to 3 decimals);
    "l2_lin", proportional to r, follows the measurement far more.
    """

    def __init__(
        self,
        defense: str,
        lam: float,
        variant: str,
        X: np.ndarray,
        y: np.ndarray,
        groups: np.ndarray | None,
        index_sets: Sequence[np.ndarray],
        spec: MLPSpec,
        repeats: int,
        sample_size: int,
        rng: np.random.Generator,
        reference_sets: Sequence[np.ndarray] | None = None,
    ) -> None:
        if defense == "mutual-information":
            reference_sets = check_reference_sets(
                reference_sets, index_sets, len(X), defense
            )
        self.defense = defense
        self.lam = lam
        self.variant = variant
        self.X = X
        self.y = y
        self.groups = groups
        self.index_sets = index_sets
        self.reference_sets = reference_sets
        self.spec = spec
        self.repeats = repeats
        self.sample_size = sample_size
        self.rng = rng
        self.r_initial: np.ndarray | None = None
        self.r_history: list[np.ndarray] = []
        self._scale: torch.Tensor | None = None

    def __call__(self, params, epoch: int, step: int) -> torch.Tensor:
        # The engine builds the initial weights itself, so they are first
        # seen here, at the first step, before any update.
        if self._scale is None:
            with torch.no_grad():
                detached = {name: value.detach() for name, value in params.items()}
                self.r_initial = self.measure(detached)
            self._set_scale(self.r_initial, next(iter(params.values())).device)

        norm = _l1(params) if self.variant == "l1_exp" else _l2(params)
        return self.lam * norm * self._scale

    def on_epoch_end(self, stack: MLPStack, epoch: int) -> None:
        """Measure r of every net after ``epoch``; it scales the next epoch."""
        r = self.measure(stack.torch_params())
        self.r_history.append(r)
        self._set_scale(r, torch.device(self.spec.device))
        logger.debug(
            "%s after epoch %d: mean r %.4g", self.defense, epoch, np.nanmean(r)
        )

    def measure(self, params: Mapping[str, torch.Tensor]) -> np.ndarray:
        """The largest r over ``repeats`` samples of each net's rows.

        Parameters
        ----------
        params : mapping of str to Tensor
            ``"W{l}"`` (K, fan_out, fan_in) and ``"b{l}"`` (K, fan_out).

        Returns
        -------
        ndarray of shape (K,)
            NaN for a net none of whose samples gave a defined r.
        """
        out = np.full(len(self.index_sets), np.nan)
        for k, rows in enumerate(self.index_sets):
            net = {name: value[k : k + 1] for name, value in params.items()}
            size = min(self.sample_size, len(rows))
            values = []
            for _ in range(self._repeats(k)):
                if self.defense == "mutual-information":
                    values.append(self._membership_mi(net, k))
                    continue
                sample = self.rng.choice(rows, size=size, replace=False)
                values.append(self._property(net, sample))
            values = np.asarray(values)
            if np.isfinite(values).any():
                out[k] = np.nanmax(values)
        return out

    # TODO(issue-6): the paper first fits the model on the sample for one
    # pass, then measures; this measures the current net as it is (see
    # train_defended's Notes for why).
    def _property(self, net, sample: np.ndarray) -> float:
        proba = self._proba(net, sample)
        y_pred = proba.argmax(axis=1)
        labels = list(range(self.spec.n_classes))

        # Undefined samples are expected now and then (a small sample may
        # miss a group); they are skipped, not reported to the caller.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateMetricWarning)
            if self.defense == "group-fairness":
                return group_fairness(y_pred, self.groups[sample], labels=labels)
            if self.defense == "predictive-fairness":
                return predictive_fairness(
                    self.y[sample], y_pred, self.groups[sample], labels=labels
                )
            return individual_fairness(proba, self.X[sample], random_state=self.rng)

    def _repeats(self, k: int) -> int:
        if self.defense != "mutual-information":
            return self.repeats
        # A sample that holds every row of both kinds gives the same r each
        # time (the estimate ignores order): one is enough.
        n_members, n_held_out = len(self.index_sets[k]), len(self.reference_sets[k])
        covers_all = n_members == n_held_out <= self.sample_size
        return 1 if covers_all else self.repeats

    # TODO(issue-6): a per-net proxy for I_X (membership against output
    # across records), not I_X itself, which needs many retrained models
    # per estimate; see the class Notes.
    def _membership_mi(self, net, k: int) -> float:
        """MI (bits) of membership and confidence on m members, m held-out rows."""
        members, held_out = self.index_sets[k], self.reference_sets[k]
        size = min(self.sample_size, len(members), len(held_out))
        rows = np.concatenate(
            [
                self.rng.choice(members, size=size, replace=False),
                self.rng.choice(held_out, size=size, replace=False),
            ]
        )
        phi = _logit_confidence(self._proba(net, rows), self.y[rows])
        return membership_bits(phi, np.arange(rows.size) < size)

    def _proba(self, net, rows: np.ndarray) -> np.ndarray:
        features = torch.from_numpy(self.X[rows]).to(net["W0"].device)
        with torch.no_grad():
            logits = mlp_logits(net, features, self.spec.activation)[0]
        return torch.softmax(logits.double(), dim=1).cpu().numpy()

    def _set_scale(self, r: np.ndarray, device: torch.device) -> None:
        r = np.nan_to_num(r, nan=0.0)
        factor = np.exp(r) if self.variant == "l1_exp" else r
        self._scale = torch.as_tensor(factor, dtype=torch.float32, device=device)
