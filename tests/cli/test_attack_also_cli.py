"""``miadeps attack --also``: more attacks on the same target."""

import json

import pytest

from miadeps.cli import main

SMALL = [
    "attack",
    "--target-size",
    "400",
    "--shadow-size",
    "400",
    "--target-param",
    "epochs=5",
    "--mi-models",
    "0",
]


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_attack_also_prints_a_row_per_attack(capsys):
    code, out, err = _run(
        capsys,
        "--no-color",
        *SMALL,
        "--also",
        "loss,lira-offline",
        "--references",
        "4",
    )
    assert code == 0, err
    assert "every attack on the same target (member rate 0.75)" in out
    rows = [line.split("│")[1].strip() for line in out.splitlines() if "│" in line]
    assert {"shadow", "loss", "lira-offline"} <= set(rows)


def test_attack_also_json_holds_each_attacks_metrics(capsys):
    code, out, _ = _run(capsys, *SMALL, "--also", "rmia-online", "--json")
    assert code == 0
    attacks = json.loads(out)["attacks"]
    assert set(attacks) == {"roc_fpr", "shadow", "rmia_online"}
    assert set(attacks["rmia_online"]["tpr_at_fpr"]) == {"0.001", "0.01"}
    assert len(attacks["rmia_online"]["roc_tpr"]) == len(attacks["roc_fpr"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--also", "lira"], "unknown attack 'lira'"),
        (["--also", "loss,,entropy"], "has an empty name"),
        (["--also", "loss", "--references", "2"], "at least 4; got 2"),
    ],
)
def test_attack_also_bad_input_one_line_exit_2(capsys, args, message):
    code, out, err = _run(capsys, *SMALL, *args)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and message in err
    assert err.strip().count("\n") == 0
