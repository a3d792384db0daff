"""The shadow-model attack of Shokri et al. (IEEE S&P 2017)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from miadeps._random import as_generator, draw_seeds
from miadeps.attacks._features import (
    FEATURE_MODES,
    attack_inputs,
    check_prediction_vectors,
    check_shadow_records,
    full_proba,
)
from miadeps.exceptions import ConfigError, DataError, NotFittedError
from miadeps.models import MODEL_KINDS, fit_models
from miadeps.sampling import check_member_rate, split_members

logger = logging.getLogger(__name__)

__all__ = ["ShadowModelAttack", "SHADOW_KINDS", "COMBINE_MODES"]

SHADOW_KINDS = (*MODEL_KINDS, "all")
COMBINE_MODES = ("pool", "stack")

# The attack model of the authors' code is a small net with 5 hidden units.
# It takes a larger step than the target's recipe to converge within 50
# epochs; its batch size follows the amount of attack data (see
# _attack_batch_size).
DEFAULT_ATTACK_PARAMS = {"ann": {"width": 5, "learning_rate": 0.01}}


def _attack_batch_size(rows_per_model: int) -> int:
    """About 20 steps an epoch, within [128, 4096].

    One shadow gives a few thousand rows per attack model, sixteen give a
    hundred thousand; a fixed batch would give the first too few steps to
    learn or the second tens of thousands of steps that add nothing (the
    net has 27 weights) but time.
    """
    return int(np.clip(rows_per_model // 20, 128, 4096))


@dataclass
class _AttackData:
    """Every shadow record the attack learns from, one row each."""

    features: np.ndarray  # attack-model inputs
    membership: np.ndarray  # 1 member of its shadow model, 0 not
    labels: np.ndarray  # the record's true class
    kind: np.ndarray  # index into the shadow kinds used
    fold: np.ndarray  # 0 or 1, for cross-fitted stacking


class ShadowModelAttack(BaseEstimator):
    """Black-box membership inference with shadow models (Shokri et al.).

    ``fit`` trains shadow models that imitate the target on the attacker's
    own records, and attack models that tell the shadows' members from their
    non-members by their prediction vectors. ``decision_function`` then scores
    the target's prediction vectors: higher means "more likely a member".

    Parameters
    ----------
    shadow_model : {"ann", "lr", "svm", "rf", "knn", "all"}, default="ann"
        The kind of the shadow models: the attacker is assumed to know the
        target's kind. ``"all"`` trains ``n_shadows`` shadows of each of the
        five kinds.
    shadow_params : dict, optional
        Hyper-parameters of the shadow models. With ``shadow_model="all"``,
        a dict from kind to that kind's parameters.
    n_shadows : int, default=1
        Shadow models per kind. Each gets its own random member /
        non-member split of the shadow records (the splits of different
        shadows overlap, as in Shokri et al.).
    member_rate : float, default=0.75
        Share of the shadow records each shadow model trains on.
    attack_model : {"ann", "lr", "svm", "rf", "knn"}, default="ann"
        Kind of the attack models; the default is a net with 5 hidden units.
    attack_params : dict, optional
        Hyper-parameters of the attack models, overriding the defaults. The
        default attack net has 5 tanh units, learning rate 0.01, and a batch
        size of a twentieth of its training rows, kept within 128 to 4096.
    per_class : bool, default=True
        One attack model per class, as in Shokri et al.; otherwise one model
        that also sees the record's class.
    features : {"log", "proba"}, default="log"
        What the attack models see of a prediction vector: its logarithm
        (default; it separates confidences near 1, where members and
        non-members differ) or the probabilities as they are, as in Shokri
        et al.
    combine : {"pool", "stack"}, default="pool"
        How shadows of several kinds (``shadow_model="all"``) are combined.
        ``"pool"`` trains the attack models on the pooled outputs of every
        shadow. ``"stack"`` trains attack models per shadow kind and a
        logistic-regression meta-model on their scores; the meta-model learns
        from cross-fitted scores (each kind's data in two folds, every record
        scored by the fold model that did not see it). Ignored for a single
        kind.
    random_state : int, numpy Generator or None
        Seed of every random choice: splits, initialisations, shuffles.

    Attributes
    ----------
    classes_ : ndarray
        The classes seen in the shadow data.
    shadow_kinds_ : tuple of str
        The kinds of shadow model trained.
    shadow_models_ : list
        The fitted shadow models.
    attack_models_ : dict
        Fitted attack models keyed by ``(kind, class, fold)``; ``kind`` and
        ``fold`` are ``None`` where they do not apply, and ``class`` is
        ``None`` when ``per_class=False``.
    meta_model_ : LogisticRegression or None
        The stacking meta-model.
    n_attack_records_ : int
        Rows of shadow output the attack models learnt from.
    """

    def __init__(
        self,
        *,
        shadow_model: str = "ann",
        shadow_params: dict | None = None,
        n_shadows: int = 1,
        member_rate: float = 0.75,
        attack_model: str = "ann",
        attack_params: dict | None = None,
        per_class: bool = True,
        features: str = "log",
        combine: str = "pool",
        random_state=None,
    ):
        self.shadow_model = shadow_model
        self.shadow_params = shadow_params
        self.n_shadows = n_shadows
        self.member_rate = member_rate
        self.attack_model = attack_model
        self.attack_params = attack_params
        self.per_class = per_class
        self.features = features
        self.combine = combine
        self.random_state = random_state

    # -- fitting --------------------------------------------------------------

    def fit(self, X, y):
        """Train the shadow models on ``(X, y)`` and the attack models on them.

        Parameters
        ----------
        X : array-like of shape (n_records, n_features)
            The attacker's records, from the target's distribution.
        y : array-like of shape (n_records,)
            Their true classes.

        Returns
        -------
        self
        """
        self._validate_params()
        X, y, self.classes_ = check_shadow_records(X, y)

        rng = as_generator(self.random_state)
        self.shadow_kinds_ = (
            MODEL_KINDS if self.shadow_model == "all" else (self.shadow_model,)
        )
        data = self._train_shadows(X, y, rng)
        self.n_attack_records_ = int(data.membership.size)
        stacking = self.combine == "stack" and len(self.shadow_kinds_) > 1
        self._fit_attack_models(data, rng, stacking)
        self.meta_model_ = self._fit_meta_model(data) if stacking else None
        return self

    def _validate_params(self) -> None:
        if self.shadow_model not in SHADOW_KINDS:
            raise ConfigError(
                f"unknown shadow model kind {self.shadow_model!r}; choose one of "
                f"{', '.join(SHADOW_KINDS)}"
            )
        if self.attack_model not in MODEL_KINDS:
            raise ConfigError(
                f"unknown attack model kind {self.attack_model!r}; choose one of "
                f"{', '.join(MODEL_KINDS)}"
            )
        if self.features not in FEATURE_MODES:
            raise ConfigError(
                f"unknown attack feature mode {self.features!r}; choose 'log' or "
                "'proba'"
            )
        if self.combine not in COMBINE_MODES:
            raise ConfigError(
                f"unknown combine mode {self.combine!r}; choose 'pool' or 'stack'"
            )
        if (
            isinstance(self.n_shadows, bool)
            or not isinstance(self.n_shadows, (int, np.integer))
            or self.n_shadows < 1
        ):
            raise ConfigError(
                f"n_shadows must be a positive integer; got {self.n_shadows!r}"
            )
        check_member_rate(self.member_rate)

    def _params_for(self, kind: str) -> dict:
        params = dict(self.shadow_params or {})
        if self.shadow_model == "all":
            params = dict(params.get(kind, {}))
        return params

    def _train_shadows(self, X, y, rng) -> _AttackData:
        parts: list[tuple] = []
        self.shadow_models_ = []
        for kind_index, kind in enumerate(self.shadow_kinds_):
            splits = [
                split_members(np.arange(X.shape[0]), self.member_rate, rng)
                for _ in range(self.n_shadows)
            ]
            logger.info("training %d %s shadow model(s)", self.n_shadows, kind)
            models = fit_models(
                kind,
                self._params_for(kind),
                X,
                y,
                [s.members for s in splits],
                draw_seeds(rng, self.n_shadows),
            )
            self.shadow_models_.extend(models)
            for model, split in zip(models, splits, strict=True):
                rows = split.indices
                proba = full_proba(model, X[rows], self.classes_)
                parts.append(
                    (proba, y[rows], split.membership, np.full(rows.size, kind_index))
                )

        proba, labels, membership, kind = (
            np.concatenate(p) for p in zip(*parts, strict=True)
        )
        return _AttackData(
            features=attack_inputs(
                proba, labels, self.classes_, self.per_class, self.features
            ),
            membership=membership,
            labels=labels,
            kind=kind,
            fold=rng.integers(0, 2, size=membership.size),
        )

    def _units(self, data: _AttackData, stacking: bool) -> dict[tuple, np.ndarray]:
        """Which attack-data rows each attack model learns from."""
        kinds = range(len(self.shadow_kinds_)) if stacking else (None,)
        classes = self.classes_ if self.per_class else (None,)
        folds = (0, 1) if stacking else (None,)
        units = {}
        for kind in kinds:
            for cls in classes:
                for fold in folds:
                    mask = np.ones(data.membership.size, bool)
                    if kind is not None:
                        mask &= data.kind == kind
                    if cls is not None:
                        mask &= data.labels == cls
                    if fold is not None:
                        mask &= data.fold == fold
                    units[(kind, cls, fold)] = np.flatnonzero(mask)
        return units

    def _fit_attack_models(self, data: _AttackData, rng, stacking: bool) -> None:
        units = self._units(data, stacking)
        for key, rows in units.items():
            seen = np.unique(data.membership[rows])
            if seen.size < 2:
                raise DataError(
                    f"the attack model for class {key[1]!r} has only "
                    f"{'members' if rows.size and seen[0] == 1 else 'non-members'} "
                    f"({rows.size} records) to learn from; use a larger shadow set, "
                    "a member rate nearer 0.5, or per_class=False"
                )
        params = {
            **DEFAULT_ATTACK_PARAMS.get(self.attack_model, {}),
            **(self.attack_params or {}),
        }
        if self.attack_model == "ann" and "batch_size" not in params:
            sizes = [rows.size for rows in units.values()]
            params["batch_size"] = _attack_batch_size(int(np.median(sizes)))
        logger.info(
            "training %d attack model(s) on %d shadow outputs",
            len(units),
            data.membership.size,
        )
        models = fit_models(
            self.attack_model,
            params,
            data.features,
            data.membership,
            list(units.values()),
            draw_seeds(rng, len(units)),
        )
        self.attack_models_ = dict(zip(units, models, strict=True))

    def _fit_meta_model(self, data: _AttackData) -> LogisticRegression:
        # Out-of-fold scores: a kind's own records are scored by the fold model
        # that did not learn from them, other kinds' records by both folds.
        base = np.empty((data.membership.size, len(self.shadow_kinds_)))
        for kind in range(len(self.shadow_kinds_)):
            for cls in self.classes_ if self.per_class else (None,):
                rows = np.ones(data.membership.size, bool)
                if cls is not None:
                    rows = data.labels == cls
                own = rows & (data.kind == kind)
                for fold in (0, 1):
                    held = own & (data.fold == fold)
                    base[held, kind] = self._unit_score(
                        (kind, cls, 1 - fold), data.features[held]
                    )
                others = rows & (data.kind != kind)
                base[others, kind] = self._kind_score(kind, cls, data.features[others])
        meta = LogisticRegression()
        meta.fit(base, data.membership)
        return meta

    # -- scoring --------------------------------------------------------------

    def _unit_score(self, key: tuple, features: np.ndarray) -> np.ndarray:
        if features.shape[0] == 0:
            return np.empty(0)
        model = self.attack_models_[key]
        proba = full_proba(model, features, np.array([0, 1]))
        return proba[:, 1]

    def _kind_score(self, kind, cls, features: np.ndarray) -> np.ndarray:
        return 0.5 * (
            self._unit_score((kind, cls, 0), features)
            + self._unit_score((kind, cls, 1), features)
        )

    def decision_function(self, proba, labels) -> np.ndarray:
        """Membership scores of records, from a model's outputs on them.

        Parameters
        ----------
        proba : array-like of shape (n_records, n_classes)
            The target model's prediction vectors, one column per class in
            ``classes_``.
        labels : array-like of shape (n_records,)
            The records' true classes.

        Returns
        -------
        ndarray of shape (n_records,)
            Scores in [0, 1]: the attack's probability that each record was a
            member of the target's training set.
        """
        if not hasattr(self, "attack_models_"):
            raise NotFittedError(
                "this ShadowModelAttack is not fitted yet; call fit(X, y) with the "
                "shadow records first"
            )
        proba, labels = check_prediction_vectors(proba, labels, self.classes_)
        features = attack_inputs(
            proba, labels, self.classes_, self.per_class, self.features
        )
        groups = self.classes_ if self.per_class else (None,)
        stacked = self.meta_model_ is not None
        scores = np.empty((labels.size, len(self.shadow_kinds_) if stacked else 1))
        for cls in groups:
            rows = np.ones(labels.size, bool) if cls is None else labels == cls
            if stacked:
                for kind in range(len(self.shadow_kinds_)):
                    scores[rows, kind] = self._kind_score(kind, cls, features[rows])
            else:
                scores[rows, 0] = self._unit_score((None, cls, None), features[rows])
        if stacked:
            return self.meta_model_.predict_proba(scores)[:, 1]
        return scores[:, 0]

    def predict_proba(self, proba, labels) -> np.ndarray:
        """Probabilities of non-member and member, shape (n_records, 2)."""
        scores = self.decision_function(proba, labels)
        return np.column_stack([1.0 - scores, scores])

    def predict(self, proba, labels) -> np.ndarray:
        """1 for records the attack calls members, 0 for the others."""
        return (self.decision_function(proba, labels) >= 0.5).astype(np.int64)
