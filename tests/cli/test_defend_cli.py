import json

import pytest

from miadeps.cli import main
from miadeps.defenses import DEFENSES

SMALL = ["--target-size", "1000", "--shadow-size", "1000", "--target-param", "epochs=4"]


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_defend_json_reports_r_per_epoch_and_the_attack(capsys):
    code, out, _ = _run(
        capsys,
        "defend",
        "--defense",
        "group-fairness",
        "--lam",
        "0.01",
        "--json",
        *SMALL,
    )
    assert code == 0
    result = json.loads(out)
    defense = result["defense"]
    assert defense["name"] == "group-fairness" and defense["lam"] == 0.01
    assert len(defense["r_per_epoch"]) == 4
    assert all(0.0 <= r <= 1.0 for r in defense["r_per_epoch"])
    assert defense["max_diff"] >= 0.0
    assert "auc" in result["attack"] and "group_fairness" in result["model"]


def test_defend_with_lambda_zero_equals_no_defense(capsys):
    _, none, _ = _run(capsys, "defend", "--defense", "none", "--json", *SMALL)
    _, zero, _ = _run(
        capsys, "defend", "--defense", "group-fairness", "--lam", "0", "--json", *SMALL
    )
    none, zero = json.loads(none), json.loads(zero)
    zero.pop("defense")
    none.pop("defense", None)
    for part in ("config",):
        none.pop(part)
        zero.pop(part)
    assert none == zero


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--defense", "dp"], "unknown defense 'dp'"),
        (["--lam", "-1"], "lam must be a number >= 0"),
        (["--variant", "cubic"], "cubic"),
        (["--noise-multiplier", "0"], "noise_multiplier must be a number > 0; got 0"),
        (["--max-grad-norm", "-1"], "max_grad_norm must be a number > 0; got -1"),
        (["--delta", "2"], "delta must lie in (0, 1)"),
        (["--dropout", "1.5"], "dropout must lie in [0, 1)"),
    ],
)
def test_defend_bad_input_one_line_exit_2(capsys, args, message):
    code, out, err = _run(capsys, "defend", *args, *SMALL)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err
    assert err.strip().count("\n") == 0


@pytest.mark.skipif("dp-sgd" not in DEFENSES, reason="needs DP-SGD")
def test_defend_dp_sgd_prints_its_epsilon(capsys):
    tiny = ["--target-size", "300", "--shadow-size", "300", "--target-param"]
    args = ["defend", "--defense", "dp-sgd", "--noise-multiplier", "2", *tiny]
    args += ["epochs=2"]
    code, out, _ = _run(capsys, *args, "--delta", "1e-4", "--json")
    assert code == 0
    defense = json.loads(out)["defense"]
    assert defense["noise_multiplier"] == 2.0 and defense["delta"] == 1e-4
    assert 0 < defense["epsilon"] < float("inf")

    code, out, _ = _run(capsys, *args, "--delta", "1e-4")
    assert code == 0
    assert "noise multiplier sigma" in out and "epsilon" in out
    assert f"{defense['epsilon']:.4f}" in out
