"""Adversarial regularization: each net trains against a membership inference model.

Nasr, Shokri and Houmansadr (CCS 2018) train a classifier f together with an
inference model h that reads f's prediction vector and the true label and
gives the probability that the record was one of f's training rows. The two
play a min-max game: h learns to tell f's training rows from rows that the
defender holds out of training (the reference set), and f learns its task
while making h's guesses on its training rows come out low.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from torch import nn
from torch.nn import functional as F
from torch.nn.utils import skip_init

from miadeps._random import as_generator
from miadeps.defenses._membership import check_reference_sets
from miadeps.defenses._torch_loop import (
    build_module,
    make_torch_optimizer,
    prepare_data,
    stack_from_modules,
    warn_if_diverged,
)
from miadeps.models import MLPSpec, MLPStack

logger = logging.getLogger(__name__)

__all__ = ["train_adversarial"]

#: Steps of the inference model before each step of the classifier (k).
ADVERSARY_STEPS = 5
#: Adam step size of the inference model.
ADVERSARY_LEARNING_RATE = 1e-2
#: Units of the inference model's narrowest layers.
ADVERSARY_WIDTH = 32

# Mixed into a net's seed to seed its inference model's own stream, so that
# the classifier's batches stay those the engine draws for the seed.
_ADVERSARY_STREAM = 0x616476


def train_adversarial(
    X: np.ndarray,
    y,
    index_sets: Sequence,
    reference_sets: Sequence | None,
    spec: MLPSpec,
    seeds: Sequence[int],
    *,
    lam: float,
    sample_size: int = 1000,
    random_state: int | np.random.Generator | None = None,
    adversary_steps: int = ADVERSARY_STEPS,
    adversary_width: int = ADVERSARY_WIDTH,
    adversary_learning_rate: float = ADVERSARY_LEARNING_RATE,
) -> tuple[MLPStack, np.ndarray, np.ndarray]:
    """Train K nets, each in a min-max game with its own inference model.

    Parameters
    ----------
    X : ndarray of shape (n, n_features), float32
        Feature matrix shared by all nets.
    y : array-like of int of shape (n,)
        Labels in ``0..spec.n_classes-1``.
    index_sets : sequence of K array-like of int
        Each net's training rows (its members).
    reference_sets : sequence of K array-like of int
        Rows each net does not train on, held out by the defender; the
        inference model learns what non-members look like from them.
    spec : MLPSpec
        Shape and recipe of the nets (optimizer, step size, ``l2``, epochs,
        batch size).
    seeds : sequence of K int
        One seed per net. Its initial weights and batches are those the
        engine draws from the seed; the inference model's initial weights
        and batches come from a stream of its own, derived from the seed.
    lam : float
        Weight of the adversary's gain in the classifier's loss, >= 0.
    sample_size : int, default=1000
        Members and reference rows (each) on which the inference model is
        scored after every epoch; a net with fewer uses all of them.
    random_state : int, numpy Generator or None, optional
        Draws those samples. Training is seeded by ``seeds`` alone.
    adversary_steps : int, default=5
        Steps of the inference model before each step of the classifier (k).
    adversary_width : int, default=32
        Width of the inference model (its widest layer has twice as many).
    adversary_learning_rate : float, default=1e-2
        Adam step size of the inference model.

    Returns
    -------
    stack : MLPStack
        The K trained classifiers.
    r_initial : ndarray of shape (K,)
        ROC AUC of each (untrained) inference model against its initial
        classifier, members against reference rows.
    r_history : ndarray of shape (K, spec.epochs)
        The same AUC after every epoch: how well the adversary tells the
        net's members from held-out rows at that point (0.5: not at all).

    Raises
    ------
    ConfigError
        If ``reference_sets`` is missing or does not hold one array per net,
        or (from the engine) the index sets or seeds are invalid.
    DataError
        If a reference set is malformed or overlaps its net's training rows,
        or ``X`` or ``y`` do not fit ``spec``.

    Notes
    -----
    Every step of the classifier walks its shuffled training rows in
    batches of ``spec.batch_size``, as the engine does. Before each, the
    inference model h takes ``adversary_steps`` Adam steps that maximise its
    gain ``mean log h(members) + mean log(1 - h(reference))`` on a random
    batch of each (drawn with replacement), with the classifier held fixed.
    Then the classifier f takes one step of its own optimizer on

        mean cross-entropy + spec.l2 * sum W**2 + lam * mean log h(f(x), y)

    over its batch: the last term is the adversary's gain on members, which
    f lowers by making its outputs on training rows look, to h, like its
    outputs on rows it has not seen. h reads the softmax output and the
    one-hot label through separate layers, then a shared head, the layout
    of Nasr et al.'s attack model at a much smaller size.

    Each net plays alone, one after the other, with autograd on its own
    small tensors (the torch loop of the "dp-sgd" and "dropout" defenses):
    the batched engine's hand-written backward pass has no place for a
    second model. The inference model draws from its own stream, so with
    ``lam = 0`` the classifier is the engine's net for the same seed up to
    float rounding; h is still trained and scored, which gives r.

    r is the inference model's ROC AUC rather than its gain or accuracy: it
    needs no threshold, and 0.5 means the same for every net. The AUC is
    taken on rows h has trained on, as h would be used in the game.
    """
    features, labels, sets, seeds = prepare_data(X, y, index_sets, spec, seeds)
    held_out = check_reference_sets(
        reference_sets, [rows.numpy() for rows in sets], len(labels), "adversarial"
    )
    rng = as_generator(random_state)
    adversary = dict(
        steps=adversary_steps, width=adversary_width, lr=adversary_learning_rate
    )

    modules, r_initial, r_history = [], [], []
    for k, seed in enumerate(seeds):
        game = _Game(
            features, labels, sets[k], held_out[k], spec, seed, lam, **adversary
        )
        r_initial.append(game.adversary_auc(sample_size, rng))
        history = []
        for epoch in range(spec.epochs):
            game.play_epoch()
            history.append(game.adversary_auc(sample_size, rng))
            logger.debug("adversarial net %d epoch %d: AUC %.4f", k, epoch, history[-1])
        game.classifier.eval()
        modules.append(game.classifier)
        r_history.append(history)

    stack = stack_from_modules(modules, spec, seeds)
    warn_if_diverged(stack)
    history = np.asarray(r_history, dtype=float).reshape(len(sets), spec.epochs)
    return stack, np.asarray(r_initial, dtype=float), history


class _InferenceModel(nn.Module):
    """h(p, y): the logit of P(member) from a prediction vector and a label."""

    def __init__(self, n_classes: int, width: int, generator, device) -> None:
        super().__init__()

        def linear(fan_in, fan_out):
            return skip_init(nn.Linear, fan_in, fan_out, device=device)

        # tanh, not ReLU: with ReLU units and Adam at 1e-2 we saw every unit
        # of an inference model die within tens of epochs, leaving a
        # constant h that neither pushes back on the classifier nor measures.
        self.prediction = nn.Sequential(
            linear(n_classes, 2 * width),
            nn.Tanh(),
            linear(2 * width, width),
            nn.Tanh(),
        )
        self.label = nn.Sequential(linear(n_classes, width), nn.Tanh())
        self.head = nn.Sequential(linear(2 * width, width), nn.Tanh(), linear(width, 1))
        # torch's default bounds, drawn from the game's generator rather than
        # the global one.
        with torch.no_grad():
            for layer in self.modules():
                if isinstance(layer, nn.Linear):
                    bound = 1 / math.sqrt(layer.in_features)
                    for tensor in (layer.weight, layer.bias):
                        draw = torch.rand(tensor.shape, generator=generator)
                        tensor.copy_((2 * draw - 1) * bound)

    def forward(self, proba: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:
        joint = torch.cat([self.prediction(proba), self.label(onehot)], dim=1)
        return self.head(joint).squeeze(1)


class _Game:
    """One net, its inference model, and their two optimizers."""

    def __init__(
        self, features, labels, members, held_out, spec, seed, lam, *, steps, width, lr
    ) -> None:
        device = features.device
        self.features, self.labels = features, labels
        self.onehot = F.one_hot(labels, spec.n_classes).to(features.dtype)
        self.members = members
        self.held_out = torch.from_numpy(held_out)
        self.spec = spec
        self.lam = float(lam)
        self.steps = steps

        # The classifier's generator drew its weights and goes on to draw its
        # batches, exactly as the engine's does for this seed.
        self.generator = torch.Generator().manual_seed(seed)
        self.classifier = build_module(spec, self.generator, seed)
        self.optimizer = make_torch_optimizer(self.classifier, spec)
        self.adversary_generator = torch.Generator().manual_seed(_adversary_seed(seed))
        self.adversary = _InferenceModel(
            spec.n_classes, width, self.adversary_generator, device
        )
        self.adversary_optimizer = torch.optim.Adam(
            self.adversary.parameters(), lr=lr, foreach=True
        )

    def play_epoch(self) -> None:
        """One pass of the classifier over its rows, adversary steps before each."""
        order = self.members[
            torch.randperm(self.members.numel(), generator=self.generator)
        ]
        for begin in range(0, order.numel(), self.spec.batch_size):
            for _ in range(self.steps):
                self._adversary_step()
            self._classifier_step(order[begin : begin + self.spec.batch_size])

    def adversary_auc(self, sample_size: int, rng: np.random.Generator) -> float:
        """ROC AUC of the inference model, sampled members against held-out rows."""
        members = _sample(self.members, sample_size, rng)
        held_out = _sample(self.held_out, sample_size, rng)
        rows = torch.cat([members, held_out])
        with torch.no_grad():
            scores = self._adversary_logits(rows).cpu().numpy()
        if not np.isfinite(scores).all():
            # A diverged classifier (warned about at the end) has no AUC.
            return float("nan")
        is_member = np.arange(rows.numel()) < members.numel()
        return float(roc_auc_score(is_member, scores))

    def _logits(self, rows: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features[rows.to(self.features.device)])

    def _adversary_logits(self, rows, logits=None) -> torch.Tensor:
        logits = self._logits(rows) if logits is None else logits
        onehot = self.onehot[rows.to(self.features.device)]
        return self.adversary(torch.softmax(logits, dim=1), onehot)

    def _adversary_step(self) -> None:
        size, draw = self.spec.batch_size, self.adversary_generator
        members = torch.randint(self.members.numel(), (size,), generator=draw)
        held_out = torch.randint(self.held_out.numel(), (size,), generator=draw)
        rows = torch.cat([self.members[members], self.held_out[held_out]])
        with torch.no_grad():
            logits = self._logits(rows)

        # Minus the gain: log h = -softplus(-z) and log(1 - h) = -softplus(z)
        # for the logit z, without the round trip through a probability.
        z = self._adversary_logits(rows, logits)
        loss = F.softplus(-z[:size]).mean() + F.softplus(z[size:]).mean()
        self.adversary_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.adversary_optimizer.step()

    def _classifier_step(self, rows: torch.Tensor) -> None:
        logits = self._logits(rows)
        loss = F.cross_entropy(logits, self.labels[rows.to(self.features.device)])
        if self.lam > 0:
            gain = F.logsigmoid(self._adversary_logits(rows, logits)).mean()
            loss = loss + self.lam * gain

        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()


def _sample(rows: torch.Tensor, size: int, rng: np.random.Generator) -> torch.Tensor:
    if rows.numel() <= size:
        return rows
    return rows[torch.from_numpy(rng.choice(rows.numel(), size, replace=False))]


def _adversary_seed(seed: int) -> int:
    state = np.random.SeedSequence([seed, _ADVERSARY_STREAM]).generate_state(2)
    return (int(state[0]) << 31) ^ int(state[1])
