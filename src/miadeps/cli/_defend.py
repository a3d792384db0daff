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


def render_defense(defense: dict) -> Table:
    """The property r the defense measured after each epoch."""
    table = Table(title=f"defense {defense['name']}, lambda {defense['lam']:g}")
    table.add_column("epoch", justify="right")
    table.add_column("r", justify="right")
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
        help="none, l1, l2, group-fairness, predictive-fairness, individual-fairness.",
    ),
    lam: float = typer.Option(0.001, "--lam", help="Weight of the penalty."),
    variant: str = typer.Option(
        "l1_exp", "--variant", help="Property penalty: l1_exp (paper) or l2_lin."
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
    """Train a neural-net target under a defense, attack it, print both."""
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
