"""The batched engine: K nets trained together equal K nets trained alone."""

from __future__ import annotations

import pickle
from dataclasses import replace

import numpy as np
import pytest
import torch

from miadeps.exceptions import ConfigError, DataError
from miadeps.models import MLPSpec, MLPStack, mlp_logits, param_shapes, train_mlps

N_RECORDS, N_FEATURES = 240, 6
SIZES = (37, 90, 150, 64)  # different lengths: 2, 3, 5 and 2 batches of 32


def make_data(seed: int = 0, n: int = N_RECORDS, n_classes: int = 2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, N_FEATURES)).astype(np.float32)
    score = X[:, 0] - X[:, 1] + 0.5 * rng.normal(size=n)
    edges = np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1])
    return X, np.searchsorted(edges, score).astype(np.int64)


def index_sets(seed: int = 1, sizes=SIZES):
    rng = np.random.default_rng(seed)
    return [rng.choice(N_RECORDS, size=size, replace=False) for size in sizes]


def small_spec(**changes) -> MLPSpec:
    settings = dict(
        n_features=N_FEATURES, width=8, epochs=4, batch_size=32, learning_rate=0.02
    )
    return MLPSpec(**{**settings, **changes})


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("depth", [0, 1, 2])
def test_train_mlps_batched_equals_one_at_a_time(optimizer, depth):
    X, y = make_data(n_classes=3)
    spec = small_spec(optimizer=optimizer, depth=depth, n_classes=3)
    sets, seeds = index_sets(), [11, 12, 13, 14]

    together = train_mlps(X, y, sets, spec, seeds).predict_proba(X)

    for k in range(len(sets)):
        alone = train_mlps(X, y, [sets[k]], spec, [seeds[k]]).predict_proba(X)
        np.testing.assert_allclose(together[k], alone[0], rtol=0, atol=1e-5)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_train_mlps_each_activation_learns(activation):
    X, y = make_data()
    spec = small_spec(activation=activation, epochs=30, optimizer="adam")
    stack = train_mlps(X, y, [np.arange(N_RECORDS)], spec, [0])
    accuracy = (stack.predict_proba(X)[0].argmax(1) == y).mean()
    assert accuracy > 0.85


def test_train_mlps_same_seed_gives_identical_nets():
    X, y = make_data()
    first = train_mlps(X, y, index_sets(), small_spec(), [1, 2, 3, 4])
    second = train_mlps(X, y, index_sets(), small_spec(), [1, 2, 3, 4])
    for name in first.params:
        np.testing.assert_array_equal(first.params[name], second.params[name])


def test_train_mlps_different_seeds_give_different_nets():
    X, y = make_data()
    sets = [np.arange(100)] * 2
    stack = train_mlps(X, y, sets, small_spec(), [1, 2])
    assert not np.allclose(stack.params["W0"][0], stack.params["W0"][1])
    proba = stack.predict_proba(X)
    assert np.abs(proba[0] - proba[1]).max() > 1e-3


def test_train_mlps_net_unaffected_by_other_index_sets():
    X, y = make_data()
    spec = small_spec(optimizer="adam")
    own = index_sets()[0]
    others_a = index_sets(seed=5, sizes=(10, 200, 33))
    others_b = index_sets(seed=6, sizes=(150,))

    first = train_mlps(X, y, [own, *others_a], spec, [7, 1, 2, 3]).select([0])
    second = train_mlps(X, y, [*others_b, own], spec, [9, 7]).select([1])

    np.testing.assert_allclose(
        first.predict_proba(X), second.predict_proba(X), rtol=0, atol=1e-5
    )


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_train_mlps_masked_steps_leave_net_untouched(optimizer):
    # Net 0 has 1 batch per epoch, net 1 has 5: on steps 1..4 net 0 sits out,
    # even though its L2 term and its (large) penalty have non-zero gradients.
    X, y = make_data()
    spec = small_spec(optimizer=optimizer, l2=0.1)
    seen: dict[tuple[int, int], np.ndarray] = {}

    def penalty(params, epoch, step):
        seen[epoch, step] = params["W0"][0].detach().clone().numpy()
        return 10.0 * (params["W0"] ** 2).sum(dim=(1, 2))

    sets = [np.arange(20), np.arange(150)]
    stack = train_mlps(X, y, sets, spec, [3, 4], penalty=penalty)

    for epoch in range(spec.epochs):
        after_own_step = seen[epoch, 1]
        assert not np.array_equal(seen[epoch, 0], after_own_step)
        for step in range(2, 5):
            np.testing.assert_array_equal(seen[epoch, step], after_own_step)
        if epoch + 1 < spec.epochs:
            np.testing.assert_array_equal(seen[epoch + 1, 0], after_own_step)
    np.testing.assert_array_equal(stack.params["W0"][0], seen[spec.epochs - 1, 1])


def test_train_mlps_penalty_changes_training():
    X, y = make_data()
    spec = small_spec(epochs=10)
    sets = index_sets()[:2]

    def shrink(params, epoch, step):
        return 0.5 * sum(
            (params[name] ** 2).flatten(1).sum(1)
            for name in params
            if name.startswith("W")
        )

    plain = train_mlps(X, y, sets, spec, [1, 2])
    shrunk = train_mlps(X, y, sets, spec, [1, 2], penalty=shrink)
    for k in range(2):
        assert (
            np.abs(shrunk.params["W0"][k]).sum()
            < 0.9 * np.abs(plain.params["W0"][k]).sum()
        )


def test_train_mlps_zero_penalty_changes_nothing():
    X, y = make_data()
    calls = []

    def zero(params, epoch, step):
        calls.append((epoch, step))
        return (params["W0"] * 0).sum(dim=(1, 2)) + (params["b0"] * 0).sum(dim=1)

    plain = train_mlps(X, y, index_sets(), small_spec(), [1, 2, 3, 4])
    hooked = train_mlps(X, y, index_sets(), small_spec(), [1, 2, 3, 4], penalty=zero)
    assert len(calls) == 4 * 5 and calls[0] == (0, 0)
    for name in plain.params:
        np.testing.assert_array_equal(plain.params[name], hooked.params[name])


def test_train_mlps_penalty_of_wrong_shape_raises():
    X, y = make_data()
    with pytest.raises(
        ConfigError, match=r"penalty must return a tensor of shape \(2,\)"
    ):
        train_mlps(
            X,
            y,
            index_sets()[:2],
            small_spec(),
            [1, 2],
            penalty=lambda params, epoch, step: torch.zeros(3),
        )


def test_train_mlps_gradient_matches_autograd():
    # One SGD step with learning rate 1 moves the parameters by minus the
    # gradient; compare with autograd through mlp_logits.
    X, y = make_data(n_classes=3)
    spec = small_spec(
        depth=2,
        n_classes=3,
        optimizer="sgd",
        learning_rate=1.0,
        epochs=0,
        l2=0.01,
        batch_size=64,
    )
    rows = [np.arange(50), np.arange(60, 124)]
    start = train_mlps(X, y, rows, spec, [5, 6])
    stepped = train_mlps(X, y, rows, replace(spec, epochs=1), [5, 6])

    for k in range(2):
        params = {
            name: torch.tensor(array[k : k + 1], requires_grad=True)
            for name, array in start.params.items()
        }
        logits = mlp_logits(params, torch.from_numpy(X[rows[k]]), spec.activation)
        loss = torch.nn.functional.cross_entropy(
            logits[0], torch.from_numpy(y[rows[k]])
        )
        loss = loss + spec.l2 * sum(
            (params[name] ** 2).sum() for name in params if name.startswith("W")
        )
        grads = torch.autograd.grad(loss, list(params.values()))
        for name, grad in zip(params, grads, strict=True):
            moved = start.params[name][k] - stepped.params[name][k]
            np.testing.assert_allclose(moved, grad[0].numpy(), rtol=1e-4, atol=1e-6)


def test_train_mlps_initialisation_follows_glorot_and_he():
    X, y = make_data()
    for activation, bound in (
        ("tanh", np.sqrt(6 / (N_FEATURES + 200))),
        ("relu", np.sqrt(6 / N_FEATURES)),
    ):
        spec = small_spec(width=200, epochs=0, activation=activation)
        stack = train_mlps(X, y, [np.arange(10)], spec, [0])
        weights = stack.params["W0"]
        assert np.abs(weights).max() <= bound
        assert np.abs(weights).max() > 0.95 * bound
        assert np.all(stack.params["b0"] == 0)


def test_train_mlps_wide_net_overfits_small_data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 10)).astype(np.float32)
    y = (X[:, 0] + 1.5 * rng.normal(size=400) > 0).astype(np.int64)
    spec = MLPSpec(
        n_features=10, width=256, epochs=300, batch_size=50, learning_rate=0.01, l2=0.0
    )
    stack = train_mlps(X, y, [np.arange(200)], spec, [0])
    predicted = stack.predict_proba(X)[0].argmax(1)
    train_accuracy = (predicted[:200] == y[:200]).mean()
    test_accuracy = (predicted[200:] == y[200:]).mean()
    assert train_accuracy == 1.0
    assert test_accuracy < 0.85


def test_train_mlps_calls_on_epoch_end_with_snapshots():
    X, y = make_data()
    snapshots = []
    stack = train_mlps(
        X,
        y,
        index_sets(),
        small_spec(epochs=3),
        [1, 2, 3, 4],
        on_epoch_end=lambda s, epoch: snapshots.append((epoch, s)),
    )
    assert [epoch for epoch, _ in snapshots] == [0, 1, 2]
    assert all(len(s) == 4 for _, s in snapshots)
    assert not np.array_equal(snapshots[0][1].params["W0"], stack.params["W0"])
    np.testing.assert_array_equal(snapshots[-1][1].params["W0"], stack.params["W0"])


def test_train_mlps_accepts_torch_inputs_and_2d_index_array():
    X, y = make_data()
    sets = np.stack([np.arange(50), np.arange(50, 100)])
    from_numpy = train_mlps(X, y, sets, small_spec(), np.array([1, 2]))
    from_torch = train_mlps(
        torch.from_numpy(X), torch.from_numpy(y), list(sets), small_spec(), [1, 2]
    )
    np.testing.assert_array_equal(from_numpy.params["W0"], from_torch.params["W0"])


def test_train_mlps_reads_readonly_features_without_warning():
    X, y = make_data()
    X.setflags(write=False)
    stack = train_mlps(X, y, index_sets()[:1], small_spec(), [1])
    assert stack.predict_proba(X).shape == (1, N_RECORDS, 2)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"index_sets": []}, ConfigError, "non-empty sequence"),
        (
            {"index_sets": [np.arange(5), np.array([], int)]},
            ConfigError,
            "index set 1 must be a non-empty",
        ),
        (
            {"index_sets": [np.array([0, N_RECORDS])]},
            ConfigError,
            f"holds row {N_RECORDS}, outside",
        ),
        ({"index_sets": [np.array([0.0, 1.0])]}, ConfigError, "must hold integers"),
        ({"seeds": [1, 2]}, ConfigError, "seeds must have one entry per index set"),
        ({"seeds": [-1]}, ConfigError, "seed 0 must be an int"),
        ({"y": np.full(N_RECORDS, 2)}, DataError, "holds label 2, outside 0..1"),
        ({"y": np.zeros(5, int)}, DataError, r"y must have shape \(240,\)"),
        (
            {"X": np.zeros((N_RECORDS, 3), np.float32)},
            DataError,
            r"X must have shape \(n, 6\)",
        ),
        (
            {
                "spec": small_spec(
                    device="cuda:0" if not torch.cuda.is_available() else "nonsense"
                )
            },
            ConfigError,
            "device",
        ),
    ],
)
def test_train_mlps_rejects_bad_input(change, error, match):
    X, y = make_data()
    args = {
        "X": X,
        "y": y,
        "index_sets": [np.arange(10)],
        "spec": small_spec(),
        "seeds": [1],
        **change,
    }
    with pytest.raises(error, match=match):
        train_mlps(
            args["X"], args["y"], args["index_sets"], args["spec"], args["seeds"]
        )


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("depth", -1, "depth must be an integer >= 0; got -1"),
        ("width", 0, "width must be an integer >= 1"),
        ("n_classes", 1, "n_classes must be an integer >= 2"),
        ("epochs", 2.5, "epochs must be an integer"),
        ("activation", "gelu", "activation must be one of 'tanh', 'relu'"),
        ("optimizer", "rmsprop", "optimizer must be one of"),
        ("learning_rate", 0.0, "learning_rate must be a finite number > 0"),
        ("l2", -1e-3, "l2 must be a finite number >= 0"),
        ("batch_size", True, "batch_size must be an integer"),
    ],
)
def test_mlpspec_rejects_bad_field(field, value, match):
    with pytest.raises(ConfigError, match=match):
        small_spec(**{field: value})


def test_mlpstack_predictions_have_documented_shapes():
    X, y = make_data(n_classes=3)
    stack = train_mlps(X, y, index_sets(), small_spec(n_classes=3), [1, 2, 3, 4])
    proba = stack.predict_proba(X, batch_size=7)
    logits = stack.logits(X)
    assert proba.shape == logits.shape == (4, N_RECORDS, 3)
    assert proba.dtype == np.float64 and logits.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=2), 1.0, atol=1e-12)
    np.testing.assert_allclose(proba, stack.predict_proba(X), atol=1e-6)
    softmax = np.exp(logits) / np.exp(logits).sum(axis=2, keepdims=True)
    np.testing.assert_allclose(proba, softmax, atol=1e-5)


def test_mlpstack_select_and_pickle_round_trip():
    X, y = make_data()
    stack = train_mlps(X, y, index_sets(), small_spec(), [1, 2, 3, 4])
    sub = stack.select([3, 1])
    assert len(sub) == 2 and sub.seeds == (4, 2)
    np.testing.assert_array_equal(sub.predict_proba(X), stack.predict_proba(X)[[3, 1]])

    restored = pickle.loads(pickle.dumps(stack))
    assert restored.spec == stack.spec and len(restored) == 4
    np.testing.assert_array_equal(restored.predict_proba(X), stack.predict_proba(X))


def test_mlpstack_rejects_mismatched_params_and_inputs():
    spec = small_spec()
    shapes = param_shapes(spec)
    params = {name: np.zeros((2, *shape), np.float32) for name, shape in shapes.items()}
    stack = MLPStack(spec, params)
    with pytest.raises(DataError, match=r"X must have shape \(n, 6\)"):
        stack.predict_proba(np.zeros((3, 5)))
    with pytest.raises(ConfigError, match="outside|has 2 nets"):
        stack.select([2])
    params["b0"] = np.zeros((3, spec.width), np.float32)
    with pytest.raises(ConfigError, match=r"param 'b0' must have shape \(K, 8\)"):
        MLPStack(spec, params)


@pytest.mark.parametrize(
    ("optimizer", "reference"),
    [
        ("sgd", lambda params, lr: torch.optim.SGD(params, lr=lr)),
        ("momentum", lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9)),
        ("adam", lambda params, lr: torch.optim.Adam(params, lr=lr)),
    ],
    ids=["sgd", "momentum", "adam"],
)
def test_train_mlps_optimizers_match_torch_optim(optimizer, reference):
    # With one batch holding every record the shuffle does not matter, so
    # the engine must retrace torch.optim from the same starting weights.
    X, y = make_data(n_classes=3)
    rows = np.arange(100)
    spec = small_spec(
        optimizer=optimizer,
        n_classes=3,
        depth=2,
        batch_size=128,
        epochs=0,
        l2=0.01,
        learning_rate=0.05,
    )
    start = train_mlps(X, y, [rows], spec, [8])
    trained = train_mlps(X, y, [rows], replace(spec, epochs=15), [8])

    params = {
        name: torch.tensor(array, requires_grad=True)
        for name, array in start.params.items()
    }
    solver = reference(list(params.values()), spec.learning_rate)
    inputs, targets = torch.from_numpy(X[rows]), torch.from_numpy(y[rows])
    for _ in range(15):
        solver.zero_grad()
        logits = mlp_logits(params, inputs, spec.activation)[0]
        loss = torch.nn.functional.cross_entropy(logits, targets)
        loss = loss + spec.l2 * sum(
            (params[name] ** 2).sum() for name in params if name.startswith("W")
        )
        loss.backward()
        solver.step()

    for name, value in params.items():
        np.testing.assert_allclose(
            trained.params[name], value.detach().numpy(), rtol=0, atol=2e-5
        )


def test_train_mlps_groups_of_nets_give_the_same_result(monkeypatch):
    # Force the forward and backward passes over groups of at most 2 of the
    # 5 nets (2, 2, then 1) instead of all at once.
    import miadeps.models._engine as engine

    X, y = make_data()
    spec = small_spec(depth=2)
    sets, seeds = index_sets(sizes=(*SIZES, 101)), [1, 2, 3, 4, 5]
    whole = train_mlps(X, y, sets, spec, seeds)

    groups = []
    gradient = engine._Trainer._gradient
    monkeypatch.setattr(
        engine._Trainer,
        "_gradient",
        lambda self, nets, *args: groups.append(nets) or gradient(self, nets, *args),
    )
    per_net = spec.batch_size * (N_FEATURES + 3 * (2 * spec.width + 2))
    monkeypatch.setattr(engine, "_CHUNK_FLOATS", 2 * per_net)
    grouped = train_mlps(X, y, sets, spec, seeds)

    assert groups[:3] == [slice(0, 2), slice(2, 4), slice(4, 5)]
    np.testing.assert_allclose(
        grouped.predict_proba(X), whole.predict_proba(X), rtol=0, atol=1e-6
    )


def test_train_mlps_logs_diverged_nets(caplog):
    X, y = make_data()
    spec = small_spec(optimizer="sgd", learning_rate=1e30)
    with caplog.at_level("WARNING", logger="miadeps.models._engine"):
        stack = train_mlps(X, y, index_sets()[:2], spec, [1, 2])
    assert "2 of 2 nets diverged" in caplog.text
    assert np.isnan(stack.predict_proba(X)).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_train_mlps_on_cuda_matches_cpu():
    X, y = make_data()
    cpu = train_mlps(X, y, index_sets(), small_spec(), [1, 2, 3, 4])
    gpu = train_mlps(X, y, index_sets(), small_spec(device="cuda"), [1, 2, 3, 4])
    np.testing.assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=1e-4)
