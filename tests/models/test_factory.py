"""make_model and fit_models: the five kinds behind one interface."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

import miadeps
from miadeps.exceptions import ConfigError
from miadeps.models import (
    MODEL_KINDS,
    ANNClassifier,
    SVMClassifier,
    fit_models,
    make_model,
)


def make_data(n: int = 120, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    return X, (X[:, 0] > 0).astype(np.int64)


@pytest.mark.parametrize(
    ("kind", "cls", "defaults"),
    [
        (
            "ann",
            ANNClassifier,
            {
                "depth": 1,
                "width": 50,
                "activation": "tanh",
                "optimizer": "adam",
                "learning_rate": 1e-3,
                "l2": 1e-7,
                "epochs": 50,
                "batch_size": 500,
            },
        ),
        ("lr", LogisticRegression, {"C": 0.01, "solver": "lbfgs", "max_iter": 1000}),
        ("svm", SVMClassifier, {"C": 0.01, "kernel": "rbf"}),
        (
            "rf",
            RandomForestClassifier,
            {"n_estimators": 100, "criterion": "gini", "max_depth": 2},
        ),
        ("knn", KNeighborsClassifier, {"n_neighbors": 3, "p": 2}),
    ],
)
def test_make_model_gives_table1_defaults(kind, cls, defaults):
    model = make_model(kind, random_state=7)
    assert type(model) is cls
    params = model.get_params()
    assert {name: params[name] for name in defaults} == defaults
    if "random_state" in params:
        assert params["random_state"] == 7


def test_make_model_overrides_defaults():
    assert make_model("rf", max_depth=5).max_depth == 5
    assert make_model("ann", width=5).width == 5
    assert make_model("knn", random_state=3).n_neighbors == 3


def test_make_model_rejects_unknown_kind_and_parameter():
    with pytest.raises(
        ConfigError, match="unknown model kind 'cnn'.*'ann', 'lr', 'svm', 'rf', 'knn'"
    ):
        make_model("cnn")
    with pytest.raises(
        ConfigError,
        match="unknown parameter 'hidden' for model kind "
        "'ann'; valid parameters: activation, batch_size",
    ):
        make_model("ann", hidden=3)


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_fit_models_fits_each_kind_on_its_rows(kind):
    X, y = make_data()
    params = (
        {"epochs": 20, "batch_size": 16, "learning_rate": 0.02} if kind == "ann" else {}
    )
    sets = [np.arange(60), np.arange(40, 120)]
    models = fit_models(kind, params, X, y, sets, [1, 2])
    assert len(models) == 2
    for model in models:
        assert model.classes_.tolist() == [0, 1]
        assert model.predict_proba(X).shape == (120, 2)
        if kind != "knn":
            assert model.random_state in (1, 2)
    reference = make_model(kind, random_state=2, **params).fit(X[sets[1]], y[sets[1]])
    np.testing.assert_allclose(
        models[1].predict_proba(X), reference.predict_proba(X), atol=1e-5
    )


def test_fit_models_rejects_random_state_in_params_and_count_mismatch():
    X, y = make_data()
    with pytest.raises(ConfigError, match="must not hold random_state"):
        fit_models("lr", {"random_state": 0}, X, y, [np.arange(10)], [0])
    with pytest.raises(ConfigError, match="random_states must have one entry"):
        fit_models("rf", None, X, y, [np.arange(10)] * 2, [0])
    with pytest.raises(ConfigError, match="holds row 500, outside 0..119"):
        fit_models("knn", None, X, y, [np.array([500])], [0])


def test_classic_models_do_not_import_torch():
    code = (
        "import sys, numpy as np\n"
        "from miadeps.models import fit_models\n"
        "X = np.random.default_rng(0).normal(size=(40, 3)); y = (X[:, 0] > 0) * 1\n"
        "fit_models('lr', None, X, y, [np.arange(40)], [0])\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    source_root = str(Path(miadeps.__file__).parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([source_root, os.environ.get("PYTHONPATH", "")]),
    }
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
