"""Weight penalties for the batched engine, fixed or scaled by a measured property.

A penalty here is a callable ``penalty(params, epoch, step) -> Tensor (K,)``
as :func:`~miadeps.models.train_mlps` expects. The property-scaled penalty
also serves as the engine's ``on_epoch_end`` hook: after each epoch it
measures a fairness property of every net on samples of that net's own
training rows, and the next epoch's penalty grows with what it measured
(the paper's Algorithm 1).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import torch

from miadeps.exceptions import ConfigError, DegenerateMetricWarning
from miadeps.models import MLPSpec, MLPStack, mlp_logits
from miadeps.properties import group_fairness, individual_fairness, predictive_fairness

logger = logging.getLogger(__name__)

__all__ = ["PropertyPenalty", "weight_norm_penalty"]

#: Defense name -> the property it measures.
PROPERTY_DEFENSES = ("group-fairness", "predictive-fairness", "individual-fairness")
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
    """Penalty whose weight follows a fairness property measured each epoch.

    Use one instance as both ``penalty`` and (through :meth:`on_epoch_end`)
    ``on_epoch_end`` of :func:`~miadeps.models.train_mlps`.

    Parameters
    ----------
    defense : {"group-fairness", "predictive-fairness", "individual-fairness"}
        The property r: delta_g, delta_p or delta_i of
        :mod:`miadeps.properties`.
    lam : float
        Weight of the penalty, >= 0.
    variant : {"l1_exp", "l2_lin"}
        ``"l1_exp"``: ``lam * sum |W| * exp(r)``; ``"l2_lin"``:
        ``lam * sum W**2 * r``.
    X : ndarray of shape (n, n_features), float32
        The feature matrix the nets train on.
    y : ndarray of int of shape (n,)
        Labels, used by predictive fairness.
    groups : ndarray of shape (n,) or None
        0/1 group of every row of ``X``; not used by individual fairness.
    index_sets : sequence of K ndarray of int
        Each net's training rows, from which its samples are drawn.
    spec : MLPSpec
        The nets' shape.
    repeats : int
        Samples per measurement (l); the largest r of them is kept.
    sample_size : int
        Records per sample (m); a net with fewer rows uses all of them.
    rng : numpy Generator
        Draws the samples and individual fairness's pairs.

    Attributes
    ----------
    r_initial : ndarray of shape (K,)
        r of the initial weights, which set the penalty of epoch 0.
    r_history : list of ndarray of shape (K,)
        r after each finished epoch, in order.

    Notes
    -----
    r is a measured number, not differentiated: the gradient of the penalty
    is that of the weight norm, scaled. A sample whose r is undefined (only
    one group in it, say) is skipped; if all ``repeats`` samples of a net
    are, its r is recorded as NaN and the penalty uses r = 0 for it.
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
    ) -> None:
        self.defense = defense
        self.lam = lam
        self.variant = variant
        self.X = X
        self.y = y
        self.groups = groups
        self.index_sets = index_sets
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
            for _ in range(self.repeats):
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
        features = torch.from_numpy(self.X[sample]).to(net["W0"].device)
        with torch.no_grad():
            logits = mlp_logits(net, features, self.spec.activation)[0]
        proba = torch.softmax(logits.double(), dim=1).cpu().numpy()
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

    def _set_scale(self, r: np.ndarray, device: torch.device) -> None:
        r = np.nan_to_num(r, nan=0.0)
        factor = np.exp(r) if self.variant == "l1_exp" else r
        self._scale = torch.as_tensor(factor, dtype=torch.float32, device=device)
