"""Where K nets keep their parameters, and which rows they see at each step."""

from __future__ import annotations

import math

import numpy as np
import torch

from miadeps.exceptions import ConfigError
from miadeps.models._spec import MLPSpec
from miadeps.models._stack import MLPStack, param_shapes

__all__ = ["BatchPlan", "ParamLayout", "torch_device"]


def torch_device(name: str) -> torch.device:
    """The torch device a spec names, refused in one line if unusable."""
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(
            f"device {name!r} is not a torch device; use 'cpu' or 'cuda'"
        ) from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            f"device {name!r} asked for, but torch sees no CUDA device; use 'cpu'"
        )
    return device


class ParamLayout:
    """Where each parameter lives in the (K, P) rows the optimizer updates."""

    def __init__(self, spec: MLPSpec, n_models: int, device: torch.device) -> None:
        self.spec = spec
        self.n_models = n_models
        self.device = device
        self.shapes = param_shapes(spec)
        self.offsets = {}
        offset = 0
        for name, shape in self.shapes.items():
            self.offsets[name] = offset
            offset += math.prod(shape)
        self.size = offset

        # 2 * l2 on weight entries, 0 on biases: the gradient of l2 * sum W^2.
        decay = torch.zeros((1, self.size))
        for name, shape in self.shapes.items():
            if name.startswith("W"):
                start = self.offsets[name]
                decay[0, start : start + math.prod(shape)] = 2 * spec.l2
        self.decay = decay.to(device)

    def views(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """Views of each parameter, shape (K, *shape), into ``flat``."""
        return {
            name: flat[:, start : start + math.prod(shape)].view(-1, *shape)
            for (name, shape), start in zip(
                self.shapes.items(), self.offsets.values(), strict=True
            )
        }

    def initial(self, generators: list[torch.Generator]) -> torch.Tensor:
        """Initial rows, drawn on the CPU so a seed gives the same nets anywhere."""
        flat = torch.zeros((self.n_models, self.size))
        views = self.views(flat)
        relu = self.spec.activation == "relu"
        for k, generator in enumerate(generators):
            for name, shape in self.shapes.items():
                if not name.startswith("W"):
                    continue
                fan_out, fan_in = shape
                bound = math.sqrt(6 / (fan_in if relu else fan_in + fan_out))
                draw = torch.rand((fan_out, fan_in), generator=generator)
                views[name][k] = draw.mul_(2 * bound).sub_(bound)
        return flat.to(self.device)

    def stack(self, flat: torch.Tensor, seeds: list[int]) -> MLPStack:
        """A numpy copy of the nets."""
        rows = flat.detach().cpu().numpy()
        params = {
            name: view.numpy().copy()
            for name, view in self.views(torch.from_numpy(rows)).items()
        }
        return MLPStack(self.spec, params, seeds)


class BatchPlan:
    """Which rows each net sees at each step of an epoch, padded to one grid.

    Every net's epoch is laid out on ``n_steps`` batches of ``batch_size``
    slots. Net k fills its first ``n_k`` slots; the rest are padding (row 0,
    weight 0). A slot's weight is 1 / (records in its batch), so a batch's
    loss is the mean over its real records, and a batch with none is marked
    inactive.
    """

    def __init__(self, sets: list[np.ndarray], batch_size: int, device) -> None:
        self.sizes = np.array([rows.size for rows in sets])
        self.batch_size = batch_size
        self.n_steps = int(np.ceil(self.sizes.max() / batch_size))
        self.device = device

        slots = np.arange(self.n_steps * batch_size)
        padded = np.zeros((len(sets), slots.size), dtype=np.int64)
        for k, rows in enumerate(sets):
            padded[k, : rows.size] = rows
        self.padded_sets = torch.from_numpy(padded)
        counts = np.clip(
            self.sizes[:, None] - np.arange(self.n_steps)[None, :] * batch_size,
            0,
            batch_size,
        )  # (K, n_steps)
        per_slot = counts[:, slots // batch_size]
        weights = np.where(
            slots[None, :] < self.sizes[:, None], 1.0 / np.maximum(per_slot, 1), 0.0
        )
        grid = (len(sets), self.n_steps, 1, batch_size)
        self.weights = (
            torch.from_numpy(weights.astype(np.float32).reshape(grid))
            .transpose(0, 1)
            .contiguous()
            .to(device)
        )  # (n_steps, K, 1, batch)
        self.active = (
            torch.from_numpy((counts.T > 0).astype(np.float32)).unsqueeze(2).to(device)
        )  # (n_steps, K, 1)

    def shuffle(self, generators: list[torch.Generator]) -> torch.Tensor:
        """This epoch's rows, shape (K, n_steps * batch_size), one row per net."""
        # Net k's permutation of its own slots; padding slots pick slot 0.
        perms = [
            torch.randperm(int(size), generator=generator)
            for size, generator in zip(self.sizes, generators, strict=True)
        ]
        order = torch.nn.utils.rnn.pad_sequence(perms, batch_first=True)
        order = torch.nn.functional.pad(
            order, (0, self.padded_sets.shape[1] - order.shape[1])
        )
        return torch.gather(self.padded_sets, 1, order).to(self.device)
