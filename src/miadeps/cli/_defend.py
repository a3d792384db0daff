"""``miadeps defend``: train one defended target, attack it, print the outcome."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from miadeps.cli._app import app, state
from miadeps.cli._attack import render_attack
from miadeps.cli._data import (
    DATA,
    DATASET,
    LABEL,
    POSITIVE,
    SENSITIVE,
    THRESHOLD,
    load_data,
)
from miadeps.cli._params import parse_params
from miadeps.cli._render import fmt, jsonable
from miadeps.experiments import AttackConfig, run_attack

# What the defense reports besides r, in the order shown.
_SETTINGS = (
    ("noise_multiplier", "noise multiplier sigma"),
    ("max_grad_norm", "clipping norm C"),
    ("dropout", "dropout rate"),
    ("n_reference", "held-out reference rows"),
    ("epsilon", "epsilon"),
    ("delta", "delta"),
)


def render_defense(defense: dict) -> Table:
    """The defense's settings, its privacy guarantee, and r after each epoch."""
    table = Table(title=f"defense {defense['name']}, lambda {defense['lam']:g}")
    table.add_column("epoch", justify="right")
    table.add_column("r", justify="right")
    for key, label in _SETTINGS:
        if defense.get(key) is not None:
            value = defense[key]
            table.add_row(label, f"{value:.3g}" if key == "delta" else fmt(value))
    for epoch, r in enumerate(defense.get("r_per_epoch", []), start=1):
        table.add_row(str(epoch), fmt(r))
    if "max_diff" in defense:
        table.add_row("max diff", fmt(defense["max_diff"]))
    return table


@app.command()
def defend(
    dataset: str = DATASET,
    data: Path = DATA,
    label: str = LABEL,
    sensitive: list[str] = SENSITIVE,
    positive: str = POSITIVE,
    threshold: float = THRESHOLD,
    defense: str = typer.Option(
        "group-fairness",
        "--defense",
        help="none, l1, l2, group-fairness, predictive-fairness, "
        "individual-fairness, mutual-information, dp-sgd, dropout, adversarial. "
        "mutual-information and adversarial hold out as many records as the "
        "target trains on, taken from those neither set uses.",
    ),
    lam: float = typer.Option(0.001, "--lam", help="Weight of the penalty."),
    variant: str = typer.Option(
        "l1_exp", "--variant", help="Property penalty: l1_exp (paper) or l2_lin."
    ),
    noise_multiplier: float = typer.Option(
        1.0, "--noise-multiplier", help="DP-SGD: noise scale sigma, > 0."
    ),
    max_grad_norm: float = typer.Option(
        1.0, "--max-grad-norm", help="DP-SGD: per-record clipping norm C, > 0."
    ),
    delta: float = typer.Option(
        None, "--delta", help="DP-SGD: delta in (0, 1); default below 1/n."
    ),
    dropout: float = typer.Option(
        0.5, "--dropout", help="dropout: drop rate in [0, 1)."
    ),
    fairness_attribute: str = typer.Option(
        None, "--fairness-attribute", help="Attribute whose two groups r compares."
    ),
    target_size: int = typer.Option(10_000, help="Records in the target set."),
    shadow_size: int = typer.Option(10_000, help="Records in the shadow set."),
    member_rate: float = typer.Option(0.75, help="Share of each set used to train."),
    n_shadows: int = typer.Option(1, "--n-shadows", help="Shadow models."),
    target_param: list[str] = typer.Option(
        [], "--target-param", help="Target hyper-parameter KEY=VALUE (repeatable)."
    ),
    mi_models: int = typer.Option(
        0, "--mi-models", help="Retrainings to estimate I_X (0 skips it)."
    ),
    seed: int = typer.Option(0, help="The seed of every random choice."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Train a neural-net target under a defense, attack it, print both.

    For dp-sgd the (epsilon, delta) guarantee is printed with the defense.
    """
    ds = load_data(dataset, data, label, sensitive, positive, threshold)
    config = AttackConfig(
        target="ann",
        shadow="ann",
        target_params=parse_params(target_param, "--target-param"),
        n_shadows=n_shadows,
        target_size=target_size,
        shadow_size=shadow_size,
        member_rate=member_rate,
        fairness_attribute=fairness_attribute,
        mi_models=mi_models,
        defense=defense,
        lam=lam,
        defense_variant=variant,
        defense_params={
            "noise_multiplier": noise_multiplier,
            "max_grad_norm": max_grad_norm,
            "delta": delta,
            "dropout": dropout,
        },
        seed=seed,
    )
    result = run_attack(ds, config)
    result.pop("timings")
    if as_json:
        state["out"].print_json(json.dumps(jsonable(result)))
        return
    state["out"].print(render_attack(result))
    if "defense" in result:
        state["out"].print(render_defense(result["defense"]))
