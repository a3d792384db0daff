"""Build the test fixture of ``miadeps audit``: a small overfit German-credit model.

Writes into ``tests/fixtures/``:

- ``german_train.csv``: the 250 records the model trained on (its members);
- ``german_population.csv``: 500 other records of the same data, never seen
  by the model;
- ``german_mlp.skops``: a scikit-learn Pipeline (one-hot encoding of the
  categorical columns and standard scaling of the numeric ones, then an
  MLPClassifier (32 hidden units, L-BFGS, almost no weight decay), trained
  to fit its 250 records closely) saved with ``skops.io.dump``.

Both CSV files have the raw columns of German credit as miadeps loads them
(``load_german().frame``), with the label ``credit_risk`` ("good" or "bad")
and a ``record`` column: the row of the record in the original UCI file.
The data are German credit (Hofmann, UCI, CC BY 4.0); see
``src/miadeps/datasets/data/ATTRIBUTION.md``.

Run from the repository root: ``python tools/make_audit_fixture.py``. The
script prints the scikit-learn and skops versions it ran with. Rebuild the
fixture whenever scikit-learn changes the layout of its fitted estimators:
skops then warns when loading the file (and the tests, which turn warnings
into errors, fail).
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import skops
import skops.io as sio
from pandas.api.types import is_numeric_dtype
from sklearn.compose import ColumnTransformer
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from miadeps.datasets import load_german

SEED = 20260
N_TRAIN = 250
N_POPULATION = 500
LABEL = "credit_risk"
ID = "record"


def build_model(features: pd.DataFrame) -> Pipeline:
    """The unfitted pipeline: encoding by column kind, then a small MLP."""
    numeric = [c for c in features.columns if is_numeric_dtype(features[c])]
    categorical = [c for c in features.columns if c not in numeric]
    encode = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
            ("numeric", StandardScaler(), numeric),
        ]
    )
    # Barely regularised and trained to convergence on 250 records:
    # it fits its training set far better than new records, as an audit's
    # example should.
    net = MLPClassifier(
        hidden_layer_sizes=(32,),
        solver="lbfgs",
        alpha=1e-6,
        max_iter=2000,
        random_state=SEED,
    )
    return Pipeline([("encode", encode), ("net", net)])


def main(folder: Path) -> None:
    """Write the three fixture files into ``folder`` and print a summary."""
    frame = load_german().frame.copy()
    frame.insert(0, ID, np.arange(len(frame)))
    order = np.random.default_rng(SEED).permutation(len(frame))
    train = frame.iloc[order[:N_TRAIN]].reset_index(drop=True)
    population = frame.iloc[order[N_TRAIN : N_TRAIN + N_POPULATION]]
    population = population.reset_index(drop=True)

    features = [c for c in frame.columns if c not in (ID, LABEL)]
    model = build_model(train[features]).fit(train[features], train[LABEL])

    folder.mkdir(parents=True, exist_ok=True)
    train.to_csv(folder / "german_train.csv", index=False)
    population.to_csv(folder / "german_population.csv", index=False)
    sio.dump(model, folder / "german_mlp.skops", compression=zipfile.ZIP_DEFLATED)

    train_acc = model.score(train[features], train[LABEL])
    population_acc = model.score(population[features], population[LABEL])
    print(f"scikit-learn {sklearn.__version__}, skops {skops.__version__}")
    print(
        f"train accuracy {train_acc:.3f} on {len(train)} records, population "
        f"accuracy {population_acc:.3f} on {len(population)} records"
    )
    for name in ("german_train.csv", "german_population.csv", "german_mlp.skops"):
        print(f"{folder / name}: {(folder / name).stat().st_size:,} bytes")
    print(
        "Rebuild this fixture when scikit-learn changes its fitted estimators' "
        "layout (skops warns on load)."
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("tests/fixtures"))
