"""One net of an MLPSpec as a torch module, and the plain loop that trains it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from miadeps.defenses import initial_module, stack_from_modules
from miadeps.defenses._torch_loop import (
    SeededDropout,
    build_module,
    prepare_data,
    train_module,
)
from miadeps.exceptions import ConfigError, DataError
from miadeps.models import MLPSpec, train_mlps

N_RECORDS, N_FEATURES = 400, 6
SETS = [np.arange(0, 250), np.arange(150, 400)]
SEEDS = [11, 12]


def make_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_RECORDS, N_FEATURES)).astype(np.float32)
    y = (X[:, 0] - X[:, 1] + 0.3 * rng.normal(size=N_RECORDS) > 0).astype(np.int64)
    return X, y


def make_spec(**changes) -> MLPSpec:
    settings = dict(
        n_features=N_FEATURES, width=12, epochs=6, batch_size=40, learning_rate=0.01
    )
    return MLPSpec(**{**settings, **changes})


def loop_stack(X, y, spec: MLPSpec):
    """The nets of SETS and SEEDS trained by the plain loop."""
    features, labels, sets, seeds = prepare_data(X, y, SETS, spec, SEEDS)
    modules = []
    for rows, seed in zip(sets, seeds, strict=True):
        generator = torch.Generator().manual_seed(seed)
        module = build_module(spec, generator, seed)
        train_module(module, features, labels, rows, spec, generator)
        modules.append(module)
    return stack_from_modules(modules, spec, seeds)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("depth", [0, 1, 3])
def test_initial_module_equals_engine_with_zero_epochs(activation, depth):
    X, y = make_data()
    spec = make_spec(activation=activation, depth=depth, epochs=0)
    engine = train_mlps(X, y, SETS, spec, SEEDS)
    stack = stack_from_modules([initial_module(spec, s) for s in SEEDS], spec, SEEDS)

    assert stack.params.keys() == engine.params.keys()
    for name, value in engine.params.items():
        np.testing.assert_array_equal(stack.params[name], value)
    assert stack.seeds == tuple(SEEDS)


def test_initial_module_leaves_global_torch_rng_alone():
    before = torch.get_rng_state()
    initial_module(make_spec(depth=2), 5, dropout=0.3)
    assert torch.equal(torch.get_rng_state(), before)


def test_initial_module_puts_dropout_after_every_hidden_activation():
    module = initial_module(make_spec(depth=2), 5, dropout=0.3)
    kinds = [type(layer).__name__ for layer in module]
    assert kinds == [
        "Linear",
        "Tanh",
        "SeededDropout",
        "Linear",
        "Tanh",
        "SeededDropout",
        "Linear",
    ]


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_stack_from_modules_round_trip_matches_module_softmax(activation):
    X, _ = make_data()
    spec = make_spec(activation=activation, depth=2)
    modules = [initial_module(spec, s) for s in SEEDS]
    # Move off the initialisation so the biases are not all 0.
    with torch.no_grad():
        for module in modules:
            for parameter in module.parameters():
                parameter.add_(0.1)
    stack = stack_from_modules(modules, spec)

    with torch.no_grad():
        expected = np.stack(
            [torch.softmax(m(torch.from_numpy(X)).double(), 1).numpy() for m in modules]
        )
    np.testing.assert_allclose(stack.predict_proba(X), expected, rtol=0, atol=1e-6)


def test_stack_from_modules_rejects_a_module_of_another_shape():
    spec = make_spec()
    wrong = initial_module(make_spec(width=7), 1)
    with pytest.raises(ConfigError, match="module 1 must hold Linear layers"):
        stack_from_modules([initial_module(spec, 0), wrong], spec)


def test_stack_from_modules_rejects_no_modules():
    with pytest.raises(ConfigError, match="at least one module"):
        stack_from_modules([], make_spec())


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("l2", [0.0, 1e-3])
def test_train_module_follows_engine(optimizer, l2):
    X, y = make_data()
    spec = make_spec(optimizer=optimizer, l2=l2, depth=2)
    engine = train_mlps(X, y, SETS, spec, SEEDS)
    loop = loop_stack(X, y, spec)

    np.testing.assert_allclose(
        loop.predict_proba(X), engine.predict_proba(X), rtol=0, atol=1e-5
    )
    # The nets did move: they are far from their initialisation.
    initial = train_mlps(X, y, SETS, make_spec(epochs=0, depth=2), SEEDS)
    assert np.abs(loop.params["W0"] - initial.params["W0"]).max() > 0.01


def test_seeded_dropout_masks_follow_generator_and_keep_mean():
    inputs = torch.ones((200, 50))

    def draw(seed):
        layer = SeededDropout(0.4, torch.Generator().manual_seed(seed))
        return layer(inputs)

    first, again, other = draw(1), draw(1), draw(2)
    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    np.testing.assert_allclose(first.unique().numpy(), [0.0, 1 / 0.6], rtol=1e-6)
    assert abs(first.mean().item() - 1.0) < 0.03


def test_seeded_dropout_is_identity_in_eval_mode():
    layer = SeededDropout(0.9, torch.Generator().manual_seed(0)).eval()
    inputs = torch.randn((5, 3), generator=torch.Generator().manual_seed(1))
    assert torch.equal(layer(inputs), inputs)


@pytest.mark.parametrize(
    ("X_shape", "y", "match"),
    [
        ((N_RECORDS, N_FEATURES + 1), None, "X must have shape"),
        ((N_RECORDS, N_FEATURES), np.full(N_RECORDS, 2), "outside 0..1"),
        ((N_RECORDS, N_FEATURES), np.zeros(N_RECORDS, float), "integer class codes"),
    ],
)
def test_prepare_data_rejects_bad_data(X_shape, y, match):
    X = np.zeros(X_shape, np.float32)
    y = np.zeros(N_RECORDS, np.int64) if y is None else y
    with pytest.raises(DataError, match=match):
        prepare_data(X, y, SETS, make_spec(), SEEDS)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize(
    ("device", "match"),
    [("cuda", "torch sees no CUDA device"), ("gpu0", "not a torch")],
)
def test_prepare_data_rejects_unusable_device(device, match):
    X, y = make_data()
    with pytest.raises(ConfigError, match=match):
        prepare_data(X, y, SETS, make_spec(device=device), SEEDS)
