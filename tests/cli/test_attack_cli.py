import json

import numpy as np
import pandas as pd
import pytest

from miadeps.cli import main

SMALL = [
    "--target-size",
    "1000",
    "--shadow-size",
    "1000",
    "--target-param",
    "epochs=5",
    "--shadow-param",
    "epochs=5",
]


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def table_csv(tmp_path):
    rng = np.random.default_rng(0)
    n = 600
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "hours": rng.integers(10, 60, n),
            "colour": rng.choice(["red", "green", "blue"], n),
            "sex": rng.choice(["f", "m"], n),
        }
    )
    df["approved"] = np.where(df["age"] + rng.normal(0, 10, n) > 45, "yes", "no")
    path = tmp_path / "table.csv"
    df.to_csv(path, index=False)
    return path, df


def test_attack_json_has_the_documented_keys_and_is_repeatable(capsys):
    code, out, _ = _run(capsys, "attack", "--dataset", "adult", "--json", *SMALL)
    assert code == 0
    first = json.loads(out)
    for key in ("train_accuracy", "test_accuracy"):
        assert 0.0 <= first["target"][key] <= 1.0
    for key in ("accuracy", "balanced_accuracy", "auc", "advantage"):
        assert key in first["attack"]
    assert set(first["attack"]["tpr_at_fpr"]) == {"0.001", "0.01"}
    assert first["member_rate"] == 0.75 and first["seed"] == 0
    assert first["attack"]["member_rate"] == 0.75
    assert "timings" not in first

    _, again, _ = _run(capsys, "attack", "--dataset", "adult", "--json", *SMALL)
    assert again == out


def test_attack_table_shows_member_rate_next_to_accuracy(capsys):
    code, out, _ = _run(capsys, "--no-color", "attack", *SMALL)
    assert code == 0
    assert "(member rate 0.75)" in out
    assert "attack TPR at 0.1% FPR" in out


def test_attack_on_a_users_csv(capsys, table_csv):
    path, _ = table_csv
    code, out, _ = _run(
        capsys,
        "attack",
        "--data",
        str(path),
        "--label",
        "approved",
        "--positive",
        "yes",
        "--sensitive",
        "sex",
        "--target-size",
        "300",
        "--shadow-size",
        "300",
        "--target",
        "lr",
        "--shadow",
        "lr",
        "--json",
    )
    assert code == 0
    result = json.loads(out)
    assert result["dataset"] == "table"
    assert result["target"]["kind"] == "lr"
    assert result["model"]["fairness_groups"] in ("sex == 'f'", "sex == 'm'")


def _write(tmp_path, text):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (
            lambda p: ["--data", _write(p, "a,b\n1,2\n3,4\n"), "--label", "income"],
            "income",
        ),
        (
            lambda p: ["--data", _write(p, "a,y\n1,1\n2,1\n3,1\n"), "--label", "y"],
            "one class",
        ),
        (lambda p: ["--data", _write(p, "a,y\n1,1\n2,\n3,0\n"), "--label", "y"], "NaN"),
        (
            lambda p: [
                "--data",
                _write(p, "a,y\n1,1\n2,0\nabc,1\n4,0\n5,1\n6,0\n"),
                "--label",
                "y",
            ],
            "abc",
        ),
        (lambda p: ["--data", _write(p, ""), "--label", "y"], "empty"),
        (lambda p: ["--target-size", "40000", "--shadow-size", "20000"], "48842"),
        (lambda p: ["--member-rate", "1.5"], "member rate"),
        (lambda p: ["--member-rate", "0"], "member rate"),
        (lambda p: ["--target", "xgboost"], "xgboost"),
        (lambda p: ["--shadow", "tree"], "tree"),
        (lambda p: ["--dataset", "mnist"], "mnist"),
        (lambda p: ["--target-param", "depthh=2"], "depthh"),
    ],
    ids=[
        "missing-label",
        "one-class",
        "nan-label",
        "text-in-numeric",
        "empty-file",
        "too-large",
        "rate-above-1",
        "rate-zero",
        "unknown-target",
        "unknown-shadow",
        "unknown-dataset",
        "unknown-param",
    ],
)
def test_attack_bad_input_one_line_exit_2(capsys, tmp_path, make_args, message):
    code, out, err = _run(capsys, "attack", *make_args(tmp_path))
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert message in err
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0


def test_attack_json_reports_data_and_model_properties(capsys):
    code, out, _ = _run(capsys, "attack", "--json", "--mi-models", "8", *SMALL)
    assert code == 0
    result = json.loads(out)
    for key in ("size", "class_balance", "feature_balance", "n_features", "entropy"):
        assert key in result["data"]
    assert result["data"]["size"] == 1000
    for key in (
        "group_fairness",
        "predictive_fairness",
        "individual_fairness",
        "mia_indistinguishability",
        "mutual_information",
        "accuracy_gap",
    ):
        assert isinstance(result["model"][key], float)
    assert result["model"]["fairness_groups"] == "sex == 'Male'"


def test_properties_command_prints_the_data_properties(capsys):
    code, out, _ = _run(capsys, "properties", "--dataset", "german", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["size"] == 1000 and result["class_balance"] == 0.7
    assert result["n_features"] == 20


def test_properties_refuses_a_sample_larger_than_the_data(capsys):
    code, _, err = _run(capsys, "properties", "--dataset", "german", "--size", "5000")
    assert code == 2 and "between 1 and the 1000 records" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["attack", "--bogus"], "No such option: --bogus"),
        (["study", "spec"], "Missing argument 'name'"),
        (["study", "spec", "defenses", "--profile", "quick"], "No such option"),
        (["no-such-command"], "No such command"),
    ],
)
def test_cli_usage_errors_exit_2_without_a_traceback(capsys, args, message):
    code, out, err = _run(capsys, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out
