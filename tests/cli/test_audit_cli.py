import json
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
import torch
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from miadeps.cli import main
from miadeps.datasets import FeatureEncoding, from_frame

FIXTURES = Path(__file__).parents[1] / "fixtures"
GERMAN = [
    "--model",
    str(FIXTURES / "german_mlp.skops"),
    "--train",
    str(FIXTURES / "german_train.csv"),
    "--population",
    str(FIXTURES / "german_population.csv"),
    "--label",
    "credit_risk",
]
# Small attacks for the synthetic tables: enough to exercise every path.
FAST = ["--shadows", "2", "--references", "4", "--shadow-param", "epochs=10"]


def _leaves(value, prefix=""):
    """A nested JSON value as a flat dict of path -> leaf."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return {prefix: value}
    flat = {}
    for key, item in items:
        flat.update(_leaves(item, f"{prefix}/{key}"))
    return flat


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _without_timings(text: str) -> dict:
    summary = json.loads(text)
    summary.pop("timings", None)
    return summary


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """Train/population CSVs and one logistic-regression pipeline fitted on train."""
    folder = tmp_path_factory.mktemp("synthetic")
    rng = np.random.default_rng(0)
    n = 360
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n).astype(float),
            "hours": rng.normal(40, 8, n).round(1),
            "colour": rng.choice(["red", "green", "blue"], n),
            "sex": rng.choice(["f", "m"], n),
        }
    )
    score = frame["age"] / 10 + (frame["colour"] == "red") + rng.normal(0, 1.5, n)
    frame["outcome"] = np.where(score > 5.2, "yes", "no")
    train, population = frame.iloc[:120], frame.iloc[120:].reset_index(drop=True)
    train.to_csv(folder / "train.csv", index=False)
    population.to_csv(folder / "population.csv", index=False)

    features = ["age", "hours", "colour", "sex"]
    pipeline = Pipeline(
        [
            (
                "encode",
                ColumnTransformer(
                    [
                        ("cat", OneHotEncoder(), ["colour", "sex"]),
                        ("num", StandardScaler(), ["age", "hours"]),
                    ]
                ),
            ),
            ("lr", LogisticRegression(C=100.0)),
        ]
    ).fit(train[features], train["outcome"])
    sio.dump(pipeline, folder / "model.skops")
    (folder / "model.pkl").write_bytes(pickle.dumps(pipeline))
    return {
        "folder": folder,
        "train": train,
        "population": population,
        "pipeline": pipeline,
        "features": features,
        "args": [
            "--train",
            str(folder / "train.csv"),
            "--population",
            str(folder / "population.csv"),
            "--label",
            "outcome",
        ],
    }


def test_audit_cli_german_fixture_end_to_end(capsys, tmp_path):
    out_dir = tmp_path / "report"
    code, out, err = _run(
        capsys,
        "audit",
        *GERMAN,
        "--id",
        "record",
        "--sensitive",
        "age",
        "--out",
        str(out_dir),
        "--json",
    )
    assert code == 0, err
    summary = json.loads(out)
    keys = [a["key"] for a in summary["attacks"]]
    assert keys == [
        "shadow",
        "loss",
        "confidence",
        "modified_entropy",
        "lira_offline",
        "rmia_offline",
    ]
    for attack in summary["attacks"]:
        assert 0.0 <= attack["auc"] <= 1.0
        assert set(attack["tpr_at_fpr"]) == {"0.001", "0.01"}
    assert summary["evaluation"] == {
        "n_pool": 250,
        "n_members": 250,
        "n_nonmembers": 250,
        "member_rate": 0.5,
    }
    # The fixture's model is overfit (train accuracy 1.0): the attacks must
    # do better than chance, and the properties must show the gap.
    assert max(a["auc"] for a in summary["attacks"]) > 0.6
    assert summary["properties"]["model"]["train_accuracy"] == 1.0
    assert summary["properties"]["model"]["accuracy_gap"] > 0.15
    assert "mutual_information" in summary["properties"]["skipped"]
    top = summary["risk"]["top"]
    assert len(top) == 10 and [r["rank"] for r in top] == list(range(1, 11))
    assert [r["score"] for r in top] == sorted((r["score"] for r in top), reverse=True)
    groups = summary["groups"]["by_attack"]["lira_offline"]["groups"]
    assert sum(g["n_members"] for g in groups) == 250
    assert "timings" not in summary

    html = (out_dir / "audit.html").read_text()
    assert "<script" not in html and "Content-Security-Policy" in html
    assert "data:image/png;base64," in html
    assert 'src="http' not in html and '<link rel="stylesheet' not in html
    assert "Most exposed training records" in html and "RMIA, offline" in html
    assert f">{top[0]['id']}</td>" in html
    records = pd.read_csv(out_dir / "records.csv", dtype={"id": str})
    assert len(records) == 250 and records["id"].is_unique
    train_ids = pd.read_csv(FIXTURES / "german_train.csv")["record"].astype(str)
    assert set(records["id"]) == set(train_ids)
    assert records["id"].iloc[0] == top[0]["id"]
    stored = json.loads((out_dir / "audit.json").read_text())
    assert stored["timings"]["total_s"] > 0
    stored.pop("timings")
    assert stored == summary


def test_audit_cli_same_seed_same_json(capsys, synthetic):
    args = ["audit", "--model", str(synthetic["folder"] / "model.skops")]
    args += [*synthetic["args"], "--sensitive", "age", *FAST, "--json"]
    outputs = []
    for seed in ("3", "3", "4"):
        code, out, err = _run(capsys, *args, "--seed", seed)
        assert code == 0, err
        outputs.append(json.loads(out))
    assert outputs[0] == outputs[1]
    assert outputs[0]["settings"]["seed"] == 3
    # Another seed splits the population differently.
    assert outputs[2]["attacks"] != outputs[0]["attacks"]


def test_audit_cli_prints_tables(capsys, synthetic):
    code, out, err = _run(
        capsys,
        "audit",
        "--model",
        str(synthetic["folder"] / "model.skops"),
        *synthetic["args"],
        "--sensitive",
        "sex",
        "--top",
        "3",
        *FAST,
    )
    assert code == 0, err
    assert "LiRA, offline" in out and "most exposed training records" in out
    assert "train:" in out  # default ids: file and row
    assert "per group of sex" in out
    assert "done in" in err


def test_audit_cli_refuses_pickle_and_runs_nothing(capsys, synthetic, tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Marker(marker))
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(payload)

    code, out, err = _run(capsys, "audit", "--model", str(evil), *synthetic["args"])
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0
    assert err.startswith(f"error: refusing to unpickle {evil}: pickle can run")
    assert not marker.exists()

    # The payload is live: loading it does create the marker.
    pickle.loads(payload).close()
    assert marker.exists()


class _Marker:
    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def test_audit_cli_model_forms_agree(capsys, synthetic, tmp_path):
    """skops, a trusted pickle and a prediction file of one model: one audit."""
    folder, pipeline = synthetic["folder"], synthetic["pipeline"]
    rows = []
    for split in ("train", "population"):
        frame = synthetic[split]
        proba = pipeline.predict_proba(frame[synthetic["features"]])
        part = pd.DataFrame(proba, columns=pipeline.classes_)
        part.insert(0, "row", np.arange(len(frame)))
        part.insert(0, "split", split)
        rows.append(part)
    predictions = tmp_path / "predictions.csv"
    pd.concat(rows).sample(frac=1.0, random_state=0).to_csv(predictions, index=False)

    results = {}
    for name, extra in (
        ("skops", ["--model", str(folder / "model.skops")]),
        ("pickle", ["--model", str(folder / "model.pkl"), "--trust-pickle"]),
        ("predictions", ["--model", str(predictions)]),
    ):
        code, out, err = _run(
            capsys, "audit", *extra, *synthetic["args"], *FAST, "--json"
        )
        assert code == 0, err
        results[name] = json.loads(out)

    assert results["predictions"]["model"]["form"] == "predictions"
    for name in ("pickle", "predictions"):
        for key in ("attacks", "risk", "properties"):
            got, want = _leaves(results[name][key]), _leaves(results["skops"][key])
            assert got.keys() == want.keys()
            for leaf, value in want.items():
                if isinstance(value, float):
                    assert got[leaf] == pytest.approx(value, abs=1e-9), (name, leaf)
                else:
                    assert got[leaf] == value, (name, leaf)
    accuracy = pipeline.score(
        synthetic["train"][synthetic["features"]], synthetic["train"]["outcome"]
    )
    assert results["skops"]["properties"]["model"]["train_accuracy"] == pytest.approx(
        accuracy
    )


class _Linear(torch.nn.Module):
    def __init__(self, weight, bias, probabilities: bool):
        super().__init__()
        self.weight = torch.nn.Parameter(weight)
        self.bias = torch.nn.Parameter(bias)
        self.probabilities = probabilities

    def forward(self, x):
        logits = x @ self.weight.T + self.bias
        if self.probabilities:
            return torch.softmax(logits, dim=1)
        return logits


@pytest.mark.parametrize("probabilities", [False, True])
def test_audit_cli_torchscript_model_gets_miadeps_encoding(
    capsys, synthetic, tmp_path, probabilities
):
    # A model trained on the encoding miadeps documents for TorchScript:
    # fitted on the union of both files.
    union = pd.concat([synthetic["train"], synthetic["population"]], ignore_index=True)
    dataset = from_frame(union, "outcome")
    encoding = FeatureEncoding.from_dataset(dataset)
    X = encoding.transform(dataset.frame)
    n_train = len(synthetic["train"])
    lr = LogisticRegression(C=100.0).fit(X[:n_train], dataset.y[:n_train])
    # Two logits (0, w.x + b) give the same probabilities as the fitted model.
    weight = torch.tensor(
        np.vstack([np.zeros_like(lr.coef_), lr.coef_]), dtype=torch.float32
    )
    bias = torch.tensor([0.0, lr.intercept_[0]], dtype=torch.float32)
    path = tmp_path / "model.pt"
    with warnings.catch_warnings():
        # torch 2.13 deprecates TorchScript; users still have such files.
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.script(_Linear(weight, bias, probabilities)).save(str(path))

    code, out, err = _run(
        capsys, "audit", "--model", str(path), *synthetic["args"], *FAST, "--json"
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["model"]["form"] == "torchscript"
    model = summary["properties"]["model"]
    assert model["train_accuracy"] == pytest.approx(
        lr.score(X[:n_train], dataset.y[:n_train])
    )
    assert model["population_accuracy"] == pytest.approx(
        lr.score(X[n_train:], dataset.y[n_train:])
    )
    assert summary["encoding"]["feature_names"] == encoding.feature_names


def _write(path: Path, frame: pd.DataFrame) -> str:
    frame.to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing_label", "label column 'outcome' not found in the population file"),
        ("nan_label", r"'outcome' is missing \(NaN\) in 1 row\(s\) of the train file"),
        ("empty", r"population file '.*' is empty \(0 bytes\)"),
        ("mismatch", r"different columns \(only in train: \['hours'\]"),
        ("one_class", "holds class 1 only"),
        ("extension", "unknown type '.onnx'; accepted: .skops"),
        ("untrusted", "does not trust: fractions.Fraction"),
        ("duplicate_id", "id '0' appears 2 times in column 'key' of the train"),
    ],
)
def test_audit_cli_bad_input_is_one_line_exit_2(
    capsys, synthetic, tmp_path, case, message
):
    import re

    train, population = synthetic["train"].copy(), synthetic["population"].copy()
    model = str(synthetic["folder"] / "model.skops")
    extra = []
    if case == "missing_label":
        population = population.drop(columns=["outcome"])
    elif case == "nan_label":
        train.loc[5, "outcome"] = np.nan
    elif case == "mismatch":
        population = population.drop(columns=["hours"])
    elif case == "one_class":
        population["outcome"] = "yes"
    elif case == "extension":
        model = str(tmp_path / "model.onnx")
        Path(model).write_bytes(b"\x00")
    elif case == "untrusted":
        import fractions

        model = str(tmp_path / "model.skops")
        sio.dump({"value": fractions.Fraction(1, 3)}, model)
    elif case == "duplicate_id":
        train["key"] = np.arange(len(train)) % 100
        population["key"] = np.arange(len(population))
        extra = ["--id", "key"]
    train_csv = _write(tmp_path / "train.csv", train)
    population_csv = _write(tmp_path / "population.csv", population)
    if case == "empty":
        Path(population_csv).write_bytes(b"")

    code, out, err = _run(
        capsys,
        "audit",
        "--model",
        model,
        "--train",
        train_csv,
        "--population",
        population_csv,
        "--label",
        "outcome",
        *extra,
    )
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.strip().count("\n") == 0, err
    assert re.search(message, err), err
