"""One net of an :class:`MLPSpec` as a torch module, trained by a plain loop.

The batched engine (:func:`miadeps.models.train_mlps`) writes its backward
pass by hand for K nets at once, so it cannot host what needs autograd's
view of a single net: dropout masks, or Opacus's per-record gradients. The
helpers here build one net as an ``nn.Sequential`` that starts from the very
weights the engine draws for the same seed, train it with torch's
optimizers set up as the engine's, and gather trained modules back into an
:class:`~miadeps.models.MLPStack`, so a defended net is used like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import torch
from torch import nn

from miadeps.exceptions import ConfigError, DataError
from miadeps.models import MLPSpec, MLPStack
from miadeps.models._checks import check_index_sets, check_labels, check_seeds
from miadeps.models._layout import ParamLayout, torch_device

logger = logging.getLogger(__name__)

__all__ = [
    "SeededDropout",
    "build_module",
    "child_generator",
    "initial_module",
    "make_torch_optimizer",
    "prepare_data",
    "stack_from_modules",
    "train_module",
    "warn_if_diverged",
]

_ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid}
_MOMENTUM = 0.9

#: Random streams a net draws besides its initialisation and batches.
STREAMS = {"dropout": 1, "noise": 2}


def child_generator(seed: int, stream: str, device="cpu") -> torch.Generator:
    """A torch generator for one random stream of the net trained with ``seed``.

    Initial weights and batches come from ``torch.Generator().manual_seed(seed)``,
    as in the engine; dropout masks and DP noise come from their own streams,
    so that turning them on or off leaves the batches of a seed unchanged.

    Parameters
    ----------
    seed : int
        The net's training seed.
    stream : {"dropout", "noise"}
        Which stream.
    device : str or torch.device, default="cpu"
        Where the generator draws; a CUDA generator gives other numbers than
        a CPU one for the same seed.

    Returns
    -------
    torch.Generator
    """
    words = np.random.SeedSequence([int(seed), STREAMS[stream]]).generate_state(2)
    child = (int(words[0]) << 31) ^ int(words[1])
    return torch.Generator(device=device).manual_seed(child)


class SeededDropout(nn.Module):
    """Inverted dropout whose masks come from a given generator.

    ``nn.Dropout`` draws from torch's global generator, which this package
    never seeds; this layer draws from its own, so a seed fixes the masks.
    In training mode each entry is zeroed with probability ``rate`` and the
    rest are scaled by ``1 / (1 - rate)``; in eval mode it is the identity.

    Parameters
    ----------
    rate : float
        Probability of dropping an entry, in [0, 1).
    generator : torch.Generator
        Source of the masks, on the device of the inputs.
    """

    def __init__(self, rate: float, generator: torch.Generator) -> None:
        super().__init__()
        self.rate = float(rate)
        self.generator = generator

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if not self.training or self.rate == 0:
            return inputs
        draws = torch.rand(inputs.shape, generator=self.generator, device=inputs.device)
        keep = (draws >= self.rate).to(inputs.dtype)
        return inputs * keep * (1.0 / (1.0 - self.rate))

    def extra_repr(self) -> str:
        return f"rate={self.rate}"


def initial_module(spec: MLPSpec, seed: int, *, dropout: float = 0.0) -> nn.Sequential:
    """Net ``seed`` of ``spec`` at its initialisation, as a torch module.

    Parameters
    ----------
    spec : MLPSpec
        Shape of the net; the module is placed on ``spec.device``.
    seed : int
        Training seed, in ``0..2**63-1``. The weights equal those of
        ``train_mlps(..., spec with epochs=0, [seed])`` exactly.
    dropout : float, default=0.0
        If > 0, a :class:`SeededDropout` of this rate follows every hidden
        activation, its masks drawn from the seed's "dropout" stream.

    Returns
    -------
    torch.nn.Sequential
        ``Linear, activation, [dropout,] ..., Linear``; the last layer gives
        logits of shape (batch, n_classes).
    """
    seed = check_seeds([seed], 1)[0]
    return build_module(spec, torch.Generator().manual_seed(seed), seed, dropout)


def build_module(
    spec: MLPSpec, generator: torch.Generator, seed: int, dropout: float = 0.0
) -> nn.Sequential:
    """:func:`initial_module` drawing the weights from ``generator``.

    The generator is advanced exactly as the engine advances a net's
    generator before its first shuffle, so a caller can go on to shuffle
    from it.
    """
    layout = ParamLayout(spec, 1, torch.device("cpu"))
    params = layout.views(layout.initial([generator]))
    device = torch.device(spec.device)
    n_layers = len(spec.layer_sizes) - 1

    layers: list[nn.Module] = []
    for layer in range(n_layers):
        fan_out, fan_in = params[f"W{layer}"].shape[1:]
        # skip_init: nn.Linear's own initialisation would draw from torch's
        # global generator, only to be overwritten.
        linear = nn.utils.skip_init(nn.Linear, fan_in, fan_out)
        with torch.no_grad():
            linear.weight.copy_(params[f"W{layer}"][0])
            linear.bias.copy_(params[f"b{layer}"][0])
        layers.append(linear)
        if layer < n_layers - 1:
            layers.append(_ACTIVATIONS[spec.activation]())
            if dropout > 0:
                masks = child_generator(seed, "dropout", device)
                layers.append(SeededDropout(dropout, masks))
    return nn.Sequential(*layers).to(device)


def stack_from_modules(
    modules: Sequence[nn.Module], spec: MLPSpec, seeds: Sequence[int] | None = None
) -> MLPStack:
    """Gather the weights of trained modules into one :class:`MLPStack`.

    Parameters
    ----------
    modules : sequence of K torch.nn.Module
        Nets whose ``nn.Linear`` layers, in the order of ``modules()``, have
        the shapes of ``spec`` (other layers, such as dropout, or an Opacus
        wrapper around the net, are ignored).
    spec : MLPSpec
        Shape shared by the nets.
    seeds : sequence of K int, optional
        Training seeds, kept in the stack for provenance.

    Returns
    -------
    MLPStack
        ``params["W{l}"]`` of shape (K, fan_out, fan_in) and ``params["b{l}"]``
        of shape (K, fan_out), copies of the modules' weights.

    Raises
    ------
    ConfigError
        If there are no modules, or a module's linear layers do not match
        ``spec``.
    """
    if len(modules) == 0:
        raise ConfigError("stack_from_modules needs at least one module; got none")
    sizes = spec.layer_sizes
    expected = [(fan_out, fan_in) for fan_in, fan_out in pairwise(sizes)]
    weights: dict[str, list[np.ndarray]] = {}
    for k, module in enumerate(modules):
        linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
        shapes = [tuple(linear.weight.shape) for linear in linears]
        if shapes != expected or any(linear.bias is None for linear in linears):
            raise ConfigError(
                f"module {k} must hold Linear layers with biases of weight shapes "
                f"{expected} to match spec.layer_sizes {sizes}; got {shapes}"
            )
        for layer, linear in enumerate(linears):
            for name, value in (
                (f"W{layer}", linear.weight),
                (f"b{layer}", linear.bias),
            ):
                weights.setdefault(name, []).append(value.detach().cpu().numpy())
    params = {name: np.stack(values) for name, values in weights.items()}
    return MLPStack(spec, params, seeds)


def make_torch_optimizer(module: nn.Module, spec: MLPSpec) -> torch.optim.Optimizer:
    """A torch optimizer that updates ``module`` as the engine updates a net.

    ``spec.optimizer`` "sgd" and "momentum" become ``torch.optim.SGD``
    (momentum 0.9, no dampening), "adam" becomes ``torch.optim.Adam`` with
    its default betas and eps, all at ``spec.learning_rate``. ``spec.l2``
    enters as weight decay ``2 * l2`` on the weights only (biases excluded),
    the gradient of the engine's ``l2 * sum W**2`` term.

    Parameters
    ----------
    module : torch.nn.Module
        The net; its ``nn.Linear`` weights get the decay.
    spec : MLPSpec
        Gives the optimizer, learning rate and ``l2``.

    Returns
    -------
    torch.optim.Optimizer
    """
    linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
    groups = [
        {"params": [m.weight for m in linears], "weight_decay": 2 * spec.l2},
        {"params": [m.bias for m in linears], "weight_decay": 0.0},
    ]
    if spec.optimizer == "adam":
        return torch.optim.Adam(groups, lr=spec.learning_rate)
    momentum = _MOMENTUM if spec.optimizer == "momentum" else 0.0
    return torch.optim.SGD(groups, lr=spec.learning_rate, momentum=momentum)


# TODO(issue-2): the CUDA path (module, features and the dropout and noise
# generators on spec.device) has not run on a GPU; none where it was written.
def prepare_data(X, y, index_sets: Sequence, spec: MLPSpec, seeds: Sequence[int]):
    """Validate the inputs of a plain-loop training and put them on the device.

    Parameters
    ----------
    X : array-like of shape (n, spec.n_features)
        Feature matrix shared by the nets.
    y : array-like of int of shape (n,)
        Labels in ``0..spec.n_classes-1``.
    index_sets : sequence of K array-like of int
        Each net's training rows.
    spec : MLPSpec
        Shape of the nets.
    seeds : sequence of K int
        One training seed per net.

    Returns
    -------
    features : Tensor of shape (n, n_features), float32 on ``spec.device``
    labels : Tensor of shape (n,), int64 on ``spec.device``
    sets : list of K Tensor of shape (n_k,), int64 on the CPU
    seeds : list of K int

    Raises
    ------
    ConfigError
        If the index sets, seeds or ``spec.device`` are invalid.
    DataError
        If ``X`` or ``y`` do not fit ``spec``.
    """
    features = np.asarray(X, dtype=np.float32)
    if features.ndim != 2 or features.shape[1] != spec.n_features:
        raise DataError(
            f"X must have shape (n, {spec.n_features}) to match spec.n_features; "
            f"got {features.shape}"
        )
    labels = check_labels(y, features.shape[0])
    if labels.dtype.kind not in "iu":
        raise DataError(
            f"y must hold integer class codes 0..{spec.n_classes - 1}; got dtype "
            f"{labels.dtype} (encode labels first)"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= spec.n_classes):
        bad = labels.min() if labels.min() < 0 else labels.max()
        raise DataError(
            f"y holds label {bad}, outside 0..{spec.n_classes - 1} for n_classes = "
            f"{spec.n_classes}; encode labels as 0..n_classes-1"
        )
    sets = check_index_sets(index_sets, features.shape[0])
    seeds = check_seeds(seeds, len(sets))

    device = torch_device(spec.device)
    return (
        torch.tensor(features, device=device),
        torch.tensor(labels, dtype=torch.int64, device=device),
        [torch.from_numpy(rows) for rows in sets],
        seeds,
    )


def train_module(
    module: nn.Module,
    features: torch.Tensor,
    labels: torch.Tensor,
    rows: torch.Tensor,
    spec: MLPSpec,
    generator: torch.Generator,
) -> None:
    """Train ``module`` in place on ``rows`` with the engine's batches.

    Each of ``spec.epochs`` epochs draws ``torch.randperm(len(rows))`` from
    ``generator`` and walks it in batches of ``spec.batch_size`` (the last
    may be short); each batch takes one step of
    :func:`make_torch_optimizer` on its mean cross-entropy. With the
    generator that drew the module's weights (see :func:`build_module`),
    these are the batches the engine gives the same seed.

    Parameters
    ----------
    module : torch.nn.Module
        The net, returning logits; left in eval mode.
    features : Tensor of shape (n, n_features)
        Shared float32 features, on the module's device.
    labels : Tensor of shape (n,)
        int64 labels, on the module's device.
    rows : Tensor of shape (n_k,)
        The net's training rows (int64, CPU).
    spec : MLPSpec
        Gives the epochs, batch size and optimizer.
    generator : torch.Generator
        CPU generator of the shuffles.
    """
    optimizer = make_torch_optimizer(module, spec)
    module.train()
    for _ in range(spec.epochs):
        order = rows[torch.randperm(rows.numel(), generator=generator)]
        order = order.to(features.device)
        for start in range(0, order.numel(), spec.batch_size):
            batch = order[start : start + spec.batch_size]
            loss = nn.functional.cross_entropy(module(features[batch]), labels[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    module.eval()


def warn_if_diverged(stack: MLPStack) -> None:
    """Log a warning naming the nets whose weights are not all finite."""
    finite = np.ones(len(stack), dtype=bool)
    for value in stack.params.values():
        finite &= np.isfinite(value.reshape(len(stack), -1)).all(axis=1)
    diverged = np.flatnonzero(~finite).tolist()
    if diverged:
        logger.warning(
            "%d of %d nets diverged (non-finite weights; nets %s); their outputs "
            "are NaN; lower the learning rate",
            len(diverged),
            len(stack),
            diverged[:10],
        )
