import json

import pytest

from miadeps.cli import main

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
    ],
)
def test_defend_bad_input_one_line_exit_2(capsys, args, message):
    code, out, err = _run(capsys, "defend", *args, *SMALL)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err
    assert err.strip().count("\n") == 0
