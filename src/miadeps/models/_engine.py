"""Train K small fully connected nets of one shape in one vectorized pass.

Each net has its own rows of a shared feature matrix, its own seed, its own
initialisation and its own shuffling; the nets only share arithmetic. Every
parameter tensor carries a leading K dimension, mini-batches are gathered by
index from the shared matrix, and one batched matrix product serves all K
nets at every layer. The backward pass is written out by hand (no autograd
graph per step), and the optimizers update one (K, P) tensor.

Activations are kept feature-major, (K, units, batch), so that every product
has the units on the short side: the skinny products of a 2-class output
layer ran 3-7x faster this way than batch-major on our 2-core CPU.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch

from miadeps.exceptions import ConfigError, DataError
from miadeps.models._checks import check_index_sets, check_labels, check_seeds
from miadeps.models._layout import BatchPlan, ParamLayout, torch_device
from miadeps.models._optim import make_optimizer
from miadeps.models._spec import MLPSpec
from miadeps.models._stack import MLPStack, activate_, as_float_tensor

logger = logging.getLogger(__name__)

__all__ = ["train_mlps"]

# Floats of one group of nets' batch, activations and gradients (8 MiB): small
# enough to stay in the last-level cache between the steps of a pass.
_CHUNK_FLOATS = 1 << 21

Penalty = Callable[[Mapping[str, torch.Tensor], int, int], torch.Tensor]
EpochCallback = Callable[[MLPStack, int], None]


def train_mlps(
    X,
    y,
    index_sets: Sequence,
    spec: MLPSpec,
    seeds: Sequence[int],
    *,
    penalty: Penalty | None = None,
    on_epoch_end: EpochCallback | None = None,
) -> MLPStack:
    """Train K independent nets of one shape at once, each on its own rows.

    Net ``k`` trains on ``X[index_sets[k]]``, ``y[index_sets[k]]`` with
    ``seeds[k]``, and ends where it would have ended trained alone with the
    same seed (up to float rounding): its result does not depend on K or on
    the other nets.

    Parameters
    ----------
    X : ndarray or Tensor of shape (n, n_features)
        Feature matrix shared by all nets, float32 (other dtypes are
        converted). Rows are gathered from it batch by batch, never copied
        per net.
    y : array-like of int of shape (n,)
        Labels in ``0..spec.n_classes-1``.
    index_sets : sequence of K array-like of int
        Rows of ``X`` that each net trains on; lengths may differ.
    spec : MLPSpec
        Shape and recipe shared by the nets.
    seeds : sequence of K int
        One seed per net, in ``0..2**63-1``.
    penalty : callable, optional
        ``penalty(params, epoch, step) -> Tensor of shape (K,)``, added to
        each net's loss before its gradient is taken. ``params`` maps
        ``"W{l}"`` to shape (K, fan_out, fan_in) and ``"b{l}"`` to
        (K, fan_out) (see :func:`~miadeps.models.mlp_logits` to run the
        nets inside it); it must not modify them. ``epoch`` and ``step``
        count from 0. Net ``k``'s penalty must depend on net ``k``'s
        parameters only.
    on_epoch_end : callable, optional
        ``on_epoch_end(stack, epoch)`` after every epoch, with a copy of the
        nets as an :class:`MLPStack`.

    Returns
    -------
    MLPStack
        The K trained nets, in the order of ``index_sets``.

    Raises
    ------
    ConfigError
        If the index sets, seeds or device are invalid, or the penalty
        returns the wrong shape.
    DataError
        If ``X`` or ``y`` do not fit ``spec``, or a label is out of range.

    Notes
    -----
    Each epoch, net ``k`` draws a permutation of its own index set from a
    ``torch.Generator`` seeded with ``seeds[k]`` (the same generator first
    drew its initial weights), then walks it in batches of
    ``spec.batch_size``. The last batch of an epoch may be short; its loss is
    the mean over the records it has. Nets with fewer batches than the
    longest set sit out the remaining steps of the epoch: no update, no
    weight decay, no change to momentum or Adam's moments or step count.

    Weights start Glorot/Xavier uniform, ``U(-a, a)`` with
    ``a = sqrt(6 / (fan_in + fan_out))``, for tanh and sigmoid, and He
    uniform, ``a = sqrt(6 / fan_in)``, for relu. Biases start at 0.

    The loss of net ``k`` on a batch is its mean cross-entropy plus
    ``spec.l2`` times the sum of its squared weights (biases excluded), plus
    its penalty term.
    """
    # TODO(issue-2): the CUDA path has not yet run on a GPU (none where it
    # was written); tests/models/test_engine.py has a CPU-vs-CUDA test that
    # runs wherever torch sees one.
    device = torch_device(spec.device)
    features = as_float_tensor(_check_features(X, spec), device)
    sets = check_index_sets(index_sets, features.shape[0])
    labels = _label_tensor(y, features.shape[0], spec.n_classes, device)
    seeds = check_seeds(seeds, len(sets))
    logger.debug(
        "training %d nets %s with %s on %s",
        len(sets),
        spec.layer_sizes,
        spec.optimizer,
        device,
    )

    generators = [torch.Generator().manual_seed(seed) for seed in seeds]
    layout = ParamLayout(spec, len(sets), device)
    flat = layout.initial(generators)
    plan = BatchPlan(sets, spec.batch_size, device)
    trainer = _Trainer(spec, layout, flat, features, penalty)

    with torch.no_grad():
        for epoch in range(spec.epochs):
            rows = plan.shuffle(generators)
            row_labels = labels[rows]
            for step in range(plan.n_steps):
                slots = slice(step * spec.batch_size, (step + 1) * spec.batch_size)
                trainer.step(
                    rows[:, slots],
                    row_labels[:, slots],
                    plan.weights[step],
                    plan.active[step],
                    epoch,
                    step,
                )
            if on_epoch_end is not None:
                on_epoch_end(layout.stack(flat, seeds), epoch)

    diverged = (~torch.isfinite(flat).all(dim=1)).nonzero().flatten().tolist()
    if diverged:
        logger.warning(
            "%d of %d nets diverged (non-finite weights; nets %s); their outputs "
            "are NaN; lower the learning rate",
            len(diverged),
            len(sets),
            diverged[:10],
        )
    return layout.stack(flat, seeds)


def _check_features(X, spec: MLPSpec):
    shape = tuple(X.shape) if hasattr(X, "shape") else np.shape(X)
    if len(shape) != 2 or shape[1] != spec.n_features:
        raise DataError(
            f"X must have shape (n, {spec.n_features}) to match spec.n_features; "
            f"got {shape}"
        )
    return X


def _label_tensor(y, n_records: int, n_classes: int, device) -> torch.Tensor:
    if isinstance(y, torch.Tensor):
        y = y.detach().cpu().numpy()
    y = check_labels(y, n_records)
    if y.dtype.kind not in "iu":
        raise DataError(
            f"y must hold integer class codes 0..{n_classes - 1}; got dtype "
            f"{y.dtype} (encode labels first, e.g. with np.unique(..., "
            "return_inverse=True))"
        )
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        bad = y.min() if y.min() < 0 else y.max()
        raise DataError(
            f"y holds label {bad}, outside 0..{n_classes - 1} for n_classes = "
            f"{n_classes}; encode labels as 0..n_classes-1"
        )
    return torch.from_numpy(y.astype(np.int64)).to(device)


# Gradient through the hidden non-linearity from its output, written to `out`.
_BACKWARD = {
    "tanh": lambda grad, output, out: torch.ops.aten.tanh_backward.grad_input(
        grad, output, grad_input=out
    ),
    "sigmoid": lambda grad, output, out: torch.ops.aten.sigmoid_backward.grad_input(
        grad, output, grad_input=out
    ),
    "relu": lambda grad, output, out: torch.ops.aten.threshold_backward.grad_input(
        grad, output, 0, grad_input=out
    ),
}


class _Trainer:
    """One optimizer step of all K nets: gather, forward, backward, update.

    The forward and backward passes run over groups of nets (``chunk`` at a
    time) whose batch, activations and gradients fit in the CPU's cache:
    measured on 2 cores, a training step of 64 default nets ran about 15%
    faster in groups of 13 (8 MiB) than all at once. Every intermediate lives in
    a buffer allocated once, because a fresh multi-MB tensor per step costs
    page faults on first touch that we measured at about the time of the
    matrix products themselves.
    """

    def __init__(self, spec, layout, flat, features, penalty) -> None:
        self.spec = spec
        self.layout = layout
        self.flat = flat
        self.features = features
        self.penalty = penalty
        self.grad = torch.zeros_like(flat)
        self.params = layout.views(flat)
        self.grads = layout.views(self.grad)
        self.n_layers = len(self.params) // 2
        self.optimizer = make_optimizer(spec, flat)
        self.backward = _BACKWARD[spec.activation]

        batch, sizes = spec.batch_size, spec.layer_sizes
        floats_per_net = batch * (sizes[0] + 3 * sum(sizes[1:]))
        n_chunks = math.ceil(layout.n_models / max(1, _CHUNK_FLOATS // floats_per_net))
        self.chunk = math.ceil(layout.n_models / n_chunks)
        chunk = self.chunk

        def buffer(*shape, dtype=torch.float32):
            return torch.empty(shape, dtype=dtype, device=flat.device)

        self.inputs = buffer(chunk * batch, sizes[0])
        self.targets = buffer(chunk, sizes[-1], batch)
        self.probs = buffer(chunk, sizes[-1], batch)
        # Per layer l: outputs, the weight gradient (contiguous, because a
        # product written into a strided view falls back to one call per net),
        # and for l > 0 the transposed weight and the gradient it passes down.
        self.outputs = [buffer(chunk, size, batch) for size in sizes[1:]]
        self.weight_grads = [
            buffer(chunk, fan_out, fan_in)
            for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True)
        ]
        self.weights_t = [None] + [
            buffer(chunk, fan_in, fan_out)
            for fan_in, fan_out in zip(sizes[1:-1], sizes[2:], strict=True)
        ]
        self.upstream = [None] + [buffer(chunk, s, batch) for s in sizes[1:-1]]
        self.deltas = [buffer(chunk, s, batch) for s in sizes[1:-1]]

    def step(self, rows, labels, weights, active, epoch: int, step: int) -> None:
        """Update every net on its batch: ``rows``, ``labels`` of shape (K, batch)."""
        for start in range(0, self.layout.n_models, self.chunk):
            nets = slice(start, min(start + self.chunk, self.layout.n_models))
            self._gradient(
                nets, rows[nets].reshape(-1), labels[nets].unsqueeze(1), weights[nets]
            )

        if self.spec.l2 > 0:
            self.grad.addcmul_(self.flat, self.layout.decay)
        if self.penalty is not None:
            self._add_penalty(epoch, step)
        self.optimizer.step(self.grad, active)

    def _gradient(self, nets: slice, rows, labels, weights) -> None:
        """Write the data-loss gradient of the nets ``nets`` into ``self.grad``."""
        n_nets, batch = nets.stop - nets.start, self.spec.batch_size
        params = {name: value[nets] for name, value in self.params.items()}
        grads = {name: value[nets] for name, value in self.grads.items()}
        tanh = self.spec.activation == "tanh"

        # The batch as a (nets, d, batch) view of rows gathered from the shared X.
        inputs = torch.index_select(
            self.features, 0, rows, out=self.inputs[: rows.numel()]
        )
        acts = [inputs.view(n_nets, batch, -1).transpose(1, 2)]
        for layer, buffer in enumerate(self.outputs):
            hidden = layer < self.n_layers - 1
            scale = 2.0 if hidden and tanh else 1.0
            out = torch.baddbmm(
                params[f"b{layer}"].unsqueeze(2),
                params[f"W{layer}"],
                acts[-1],
                beta=scale,
                alpha=scale,
                out=buffer[:n_nets],
            )
            if hidden:
                activate_(out, self.spec.activation, doubled=tanh)
            acts.append(out)

        # d(mean cross-entropy)/d(logits) = (softmax - onehot) * slot weight.
        targets = self.targets[:n_nets].zero_()
        targets.scatter_(1, labels, weights)
        delta = torch.ops.aten._softmax.out(acts[-1], 1, False, out=self.probs[:n_nets])
        delta.mul_(weights).sub_(targets)

        for layer in reversed(range(self.n_layers)):
            weight_grad = torch.bmm(
                delta,
                acts[layer].transpose(1, 2),
                out=self.weight_grads[layer][:n_nets],
            )
            grads[f"W{layer}"].copy_(weight_grad)
            torch.sum(delta, dim=2, out=grads[f"b{layer}"])
            if layer > 0:
                weight_t = self.weights_t[layer][:n_nets]
                weight_t.copy_(params[f"W{layer}"].transpose(1, 2))
                upstream = torch.bmm(weight_t, delta, out=self.upstream[layer][:n_nets])
                delta = self.backward(
                    upstream, acts[layer], self.deltas[layer - 1][:n_nets]
                )

    # TODO(issue-6): the hook sees the parameters only, once per batch, so
    # DP-SGD (per-record clipping, then noise) trains one net at a time on
    # miadeps.defenses' plain torch loop with Opacus, about 20x slower per
    # net than this engine; the manual backward pass here could give the
    # per-record gradient norms and batch DP-SGD too.
    def _add_penalty(self, epoch: int, step: int) -> None:
        with torch.enable_grad():
            leaf = self.flat.detach().requires_grad_(True)
            value = self.penalty(self.layout.views(leaf), epoch, step)
            if not isinstance(value, torch.Tensor) or value.shape != (
                self.layout.n_models,
            ):
                shape = tuple(value.shape) if hasattr(value, "shape") else value
                raise ConfigError(
                    f"penalty must return a tensor of shape ({self.layout.n_models},),"
                    f" one value per net; got {shape!r} at epoch {epoch} step {step}"
                )
            if value.requires_grad:
                (grad,) = torch.autograd.grad(value.sum(), leaf, allow_unused=True)
                if grad is not None:
                    self.grad.add_(grad)
