"""Train a stack of nets with a training-time regularizer as a defense."""

from __future__ import annotations

import logging
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from miadeps._random import as_generator
from miadeps.defenses._adversarial import train_adversarial
from miadeps.defenses._dropout import train_dropout
from miadeps.defenses._penalties import (
    PROPERTY_DEFENSES,
    VARIANTS,
    PropertyPenalty,
    weight_norm_penalty,
)
from miadeps.exceptions import ConfigError, DataError
from miadeps.models import MLPSpec, MLPStack, train_mlps

logger = logging.getLogger(__name__)

__all__ = ["DEFENSES", "DefendedStack", "train_defended"]

#: Names accepted by :func:`train_defended`.
DEFENSES = (
    "none",
    "l1",
    "l2",
    *PROPERTY_DEFENSES,
    "dp-sgd",
    "dropout",
    "adversarial",
)

# Groups are needed by the two measures that compare g0 with g1.
_NEEDS_GROUPS = ("group-fairness", "predictive-fairness")


@dataclass(frozen=True)
class DefendedStack:
    """K nets trained under one defense, with what the defense measured.

    Attributes
    ----------
    stack : MLPStack
        The K trained nets.
    defense : str
        One of :data:`DEFENSES`.
    lam : float
        Weight of the penalty.
    variant : str or None
        ``"l1_exp"`` or ``"l2_lin"`` for a property defense, else None.
    r_initial : ndarray of shape (K,) or None
        The property of the initial weights (sets epoch 0's penalty); None
        for "none", "l1" and "l2".
    r_history : ndarray of shape (K, epochs) or None
        The property after each epoch; NaN where no sample gave a defined
        value. For "adversarial", the ROC AUC of the inference model,
        members against reference rows.
    max_diff : ndarray of shape (K,) or None
        Largest fall of r from its value after the first epoch,
        ``max_t (r_history[:, 0] - r_history[:, t])``, so >= 0; NaN when
        no epoch was run or r was never defined. The first epoch, not the
        initial weights, is the reference because an untrained net is
        close to a constant, hence close to fair, and would hide the fall.
    epsilon : ndarray of shape (K,) or None
        For "dp-sgd", the epsilon of the (epsilon, delta)-DP guarantee each
        net spent, from Opacus's RDP accountant (``inf`` without noise);
        None for other defenses.
    delta : ndarray of shape (K,) or None
        For "dp-sgd", each net's delta: the one asked for, or by default
        ``1 / (10 * n_k)`` with ``n_k`` the net's training rows, hence an
        array; None for other defenses.
    """

    stack: MLPStack
    defense: str
    lam: float
    variant: str | None = None
    r_initial: np.ndarray | None = None
    r_history: np.ndarray | None = None
    max_diff: np.ndarray | None = None
    epsilon: np.ndarray | None = None
    delta: np.ndarray | None = None


def train_defended(
    X,
    y,
    index_sets: Sequence,
    spec: MLPSpec,
    seeds: Sequence[int],
    *,
    defense: str = "none",
    lam: float = 0.0,
    groups=None,
    reference_sets: Sequence | None = None,
    repeats: int = 5,
    sample_size: int = 1000,
    variant: str = "l1_exp",
    noise_multiplier: float = 1.0,
    max_grad_norm: float = 1.0,
    delta: float | None = None,
    dropout: float = 0.5,
    random_state: int | np.random.Generator | None = None,
) -> DefendedStack:
    """Train K nets under a training-time defense against membership inference.

    Parameters
    ----------
    X : ndarray of shape (n, n_features)
        Feature matrix shared by all nets (converted to float32). Individual
        fairness needs every value in [0, 1].
    y : array-like of int of shape (n,)
        Labels in ``0..spec.n_classes-1``.
    index_sets : sequence of K array-like of int
        Each net's training rows.
    spec : MLPSpec
        Shape and recipe of the nets; its own ``l2`` applies on top of any
        defense.
    seeds : sequence of K int
        One training seed per net (initialisation and shuffling).
    defense : str, default="none"
        One of :data:`DEFENSES`. ``"l1"`` adds ``lam * sum |W|`` to each
        net's loss, ``"l2"`` adds ``lam * sum W**2`` (weights only, biases
        excluded). The property defenses follow the paper's Algorithm 1 (see
        Notes). ``"dp-sgd"`` trains with differentially private SGD and
        ``"dropout"`` with dropout on the hidden units; both train each net
        alone with a torch loop rather than the batched engine (see Notes).
        ``"mutual-information"`` is a property defense whose r is how much
        a net's confidence tells its members from its reference rows (see
        :class:`PropertyPenalty`); ``"adversarial"`` trains each net in a
        min-max game with a membership inference model (Nasr et al., 2018;
        see :func:`~miadeps.defenses._adversarial.train_adversarial`). Both
        need ``reference_sets``.
    lam : float, default=0.0
        Weight of the penalty (for "adversarial", of the inference model's
        gain on members), >= 0; not used by "dp-sgd" and "dropout".
    groups : array-like of shape (n,), optional
        0/1 group of every row of ``X``; required by group and predictive
        fairness.
    reference_sets : sequence of K array-like of int, optional
        Rows of ``X`` that net ``k``'s defender holds out of its training,
        for the defenses that compare members with non-members
        ("mutual-information" and "adversarial" require them).
    repeats : int, default=5
        Samples per measurement (l); the largest r is kept.
    sample_size : int, default=1000
        Records per sample (m), drawn without replacement from the net's own
        training rows; a net with fewer rows uses all of them.
    variant : {"l1_exp", "l2_lin"}, default="l1_exp"
        Penalty of the property defenses: ``lam * sum |W| * exp(r)`` (the
        paper's) or ``lam * sum W**2 * r``.
    noise_multiplier : float, default=1.0
        DP-SGD's sigma >= 0: the Gaussian noise added to a batch's summed
        clipped gradients has standard deviation ``sigma * max_grad_norm``.
    max_grad_norm : float, default=1.0
        DP-SGD's clipping bound C > 0 on each record's gradient norm.
    delta : float, optional
        The delta, in (0, 1), at which DP-SGD's epsilon is reported; by
        default ``1 / (10 * n_k)`` for a net of ``n_k`` training rows.
    dropout : float, default=0.5
        Dropout rate in [0, 1) on every hidden layer's output, in training
        only (inverted dropout: kept units are scaled by ``1 / (1 - rate)``).
    random_state : int, numpy Generator or None, optional
        Seeds the samples of the measurements (and individual fairness's
        pairs). Training itself is seeded by ``seeds`` alone.

    Returns
    -------
    DefendedStack
        The nets; for a property defense r per epoch and its largest fall;
        for DP-SGD each net's epsilon and delta.

    Raises
    ------
    ConfigError
        If ``defense``, ``variant``, ``lam``, ``repeats``, ``sample_size``,
        ``noise_multiplier``, ``max_grad_norm``, ``delta`` or ``dropout`` is
        invalid, ``groups`` is missing for a defense that needs it, or
        ``reference_sets`` does not hold one array per net.
    DataError
        If ``groups`` does not hold one 0/1 value per row of ``X``, or (from
        the engine) ``X`` or ``y`` do not fit ``spec``.

    Notes
    -----
    For a property defense, after every epoch each net is measured
    ``repeats`` times on ``sample_size`` of its training rows, and the
    largest r sets the penalty of the next epoch. Epoch 0's penalty comes
    from a measurement of the initial weights, taken at the first step.

    The paper fits the model on each sample for one pass before measuring
    it. Here the current net is measured as it is, with no extra fitting:
    the penalty is meant to track the unfairness of the net being trained,
    and an extra pass per sample would multiply the cost of training by
    about ``repeats * sample_size / n_k``.

    Neither penalty is differentiated through r, and with ``lam = 0`` every
    penalty defense trains exactly as ``"none"`` with the same seeds.

    "dp-sgd" and "dropout" need autograd on one net at a time, so each net
    is trained alone by a torch loop with the spec's optimizer, learning
    rate, ``l2``, epochs and batch size, from the engine's initial weights
    for its seed. That is slower: on Adult (1,000 rows, the default ANN
    recipe, one thread) we measured about 0.3 s per net with dropout and
    2 s with DP-SGD, against 0.1 s for one net of the engine and 0.07 s per
    net in a stack of 64. Dropout keeps the engine's shuffles, so with rate 0 it
    gives the engine's nets up to float rounding. DP-SGD (through Opacus)
    samples each step's batch by Poisson sampling at rate
    ``batch_size / n_k``, clips every record's gradient to norm
    ``max_grad_norm``, adds Gaussian noise, and applies ``spec.l2`` as
    weight decay outside the privatized gradient.
    """
    _check_options(defense, variant, lam, repeats, sample_size)
    _check_dp_options(noise_multiplier, max_grad_norm, delta, dropout)
    X = np.ascontiguousarray(X, dtype=np.float32)
    sets = [np.asarray(rows, dtype=np.int64) for rows in index_sets]
    lam = float(lam)
    if reference_sets is not None and len(reference_sets) != len(sets):
        raise ConfigError(
            f"reference_sets must hold one array of held-out rows per net "
            f"({len(sets)}); got {len(reference_sets)}"
        )

    if defense == "none":
        return DefendedStack(train_mlps(X, y, sets, spec, seeds), defense, lam)
    if defense in ("l1", "l2"):
        penalty = weight_norm_penalty(defense, lam)
        stack = train_mlps(X, y, sets, spec, seeds, penalty=penalty)
        return DefendedStack(stack, defense, lam)
    if defense == "dropout":
        stack = train_dropout(X, y, sets, spec, seeds, float(dropout))
        return DefendedStack(stack, defense, lam)
    if defense == "adversarial":
        stack, r_initial, history = train_adversarial(
            X,
            y,
            sets,
            reference_sets,
            spec,
            seeds,
            lam=lam,
            sample_size=sample_size,
            random_state=random_state,
        )
        return DefendedStack(
            stack, defense, lam, None, r_initial, history, _max_diff(history)
        )
    if defense == "dp-sgd":
        # Imported here: Opacus takes a second to load, which no other
        # defense needs.
        from miadeps.defenses._dpsgd import train_dpsgd

        stack, epsilon, deltas = train_dpsgd(
            X,
            y,
            sets,
            spec,
            seeds,
            noise_multiplier=float(noise_multiplier),
            max_grad_norm=float(max_grad_norm),
            delta=None if delta is None else float(delta),
        )
        return DefendedStack(stack, defense, lam, epsilon=epsilon, delta=deltas)

    group_codes = _check_groups(groups, len(X), defense)
    hook = PropertyPenalty(
        defense,
        lam,
        variant,
        X,
        np.asarray(y),
        group_codes,
        sets,
        spec,
        repeats,
        sample_size,
        as_generator(random_state),
        reference_sets=reference_sets,
    )
    stack = train_mlps(
        X, y, sets, spec, seeds, penalty=hook, on_epoch_end=hook.on_epoch_end
    )

    history = np.empty((len(sets), 0))
    if hook.r_history:
        history = np.stack(hook.r_history, axis=1)
    r_initial = hook.r_initial
    if r_initial is None:
        # No step was taken (epochs = 0), so the penalty never saw the
        # initial weights; the stack still holds them.
        r_initial = hook.measure(stack.torch_params())
    logger.debug("%s: r per epoch, mean over nets %s", defense, history.mean(axis=0))
    return DefendedStack(
        stack, defense, lam, variant, r_initial, history, _max_diff(history)
    )


def _max_diff(history: np.ndarray) -> np.ndarray:
    """Largest fall of r below its first recorded value, per net (NaN if none)."""
    out = np.full(history.shape[0], np.nan)
    if history.shape[1] == 0:
        return out
    with np.errstate(invalid="ignore"):
        falls = history[:, :1] - history
    defined = np.isfinite(falls).any(axis=1)
    out[defined] = np.nanmax(falls[defined], axis=1)
    return out


def _check_options(defense, variant, lam, repeats, sample_size) -> None:
    if defense not in DEFENSES:
        raise ConfigError(
            f"defense must be one of {', '.join(map(repr, DEFENSES))}; got {defense!r}"
        )
    if variant not in VARIANTS:
        raise ConfigError(
            f"variant must be one of {', '.join(map(repr, VARIANTS))}; got {variant!r}"
        )
    ok = isinstance(lam, numbers.Real) and not isinstance(lam, bool)
    if not ok or not np.isfinite(lam) or lam < 0:
        raise ConfigError(f"lam must be a finite number >= 0; got {lam!r}")
    for name, value, minimum in (
        ("repeats", repeats, 1),
        ("sample_size", sample_size, 2),
    ):
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Integral)
            or value < minimum
        ):
            raise ConfigError(f"{name} must be an integer >= {minimum}; got {value!r}")


def _check_dp_options(noise_multiplier, max_grad_norm, delta, dropout) -> None:
    if not _is_real(noise_multiplier) or not 0 <= noise_multiplier < np.inf:
        raise ConfigError(
            f"noise_multiplier must be a finite number >= 0 (0 adds no noise); "
            f"got {noise_multiplier!r}"
        )
    if not _is_real(max_grad_norm) or not 0 < max_grad_norm < np.inf:
        raise ConfigError(
            f"max_grad_norm must be a finite number > 0 (the clipping bound on "
            f"each record's gradient norm); got {max_grad_norm!r}"
        )
    if delta is not None and (not _is_real(delta) or not 0 < delta < 1):
        raise ConfigError(
            f"delta must be in (0, 1), e.g. 1e-5, or None for 1/(10 n) per net; "
            f"got {delta!r}"
        )
    if not _is_real(dropout) or not 0 <= dropout < 1:
        raise ConfigError(
            f"dropout must be a rate in [0, 1), e.g. 0.5; got {dropout!r}"
        )


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_groups(groups, n_records: int, defense: str) -> np.ndarray | None:
    if groups is None:
        if defense in _NEEDS_GROUPS:
            raise ConfigError(
                f"defense {defense!r} compares two groups; pass groups, one 0/1 "
                "value per row of X"
            )
        return None
    codes = np.asarray(groups)
    if codes.shape != (n_records,):
        raise DataError(
            f"groups must have shape ({n_records},), one value per row of X; "
            f"got {codes.shape}"
        )
    if not np.isin(codes, (0, 1)).all():
        bad = codes[~np.isin(codes, (0, 1))][0].item()
        raise DataError(
            f"groups must hold only 0 and 1; got {bad!r} (binarize the "
            "attribute first, e.g. groups == value)"
        )
    return codes.astype(np.int64)
