"""``miadeps attack``: attack one target model and print what was measured."""

from __future__ import annotations

import json
import math
from contextlib import nullcontext
from pathlib import Path

import typer
from rich.table import Table

from miadeps.cli._app import app, state
from miadeps.cli._params import parse_params
from miadeps.datasets import load_csv, load_dataset
from miadeps.exceptions import ConfigError
from miadeps.experiments import AttackConfig, run_attack


def _load(
    dataset: str | None,
    data: Path | None,
    label: str | None,
    sensitive: list[str],
    positive: str | None,
    threshold: float | None,
):
    if data is not None:
        if label is None:
            raise ConfigError(
                f"--data {data} needs --label COLUMN naming the column to predict"
            )
        return load_csv(
            data,
            label=label,
            sensitive=tuple(sensitive),
            positive=positive,
            threshold=threshold,
        )
    return load_dataset(dataset or "adult")


def _jsonable(value):
    """NaN and infinities are not JSON; write them as null."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _fmt(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.4f}"


def render_attack(result: dict) -> Table:
    """The table ``miadeps attack`` prints."""
    target, attack = result["target"], result["attack"]
    table = Table(
        title=f"{target['kind']} target on {result['dataset']}, "
        f"{attack['n_shadows']} {attack['shadow']} shadow model(s), "
        f"seed {result['seed']}",
        show_header=True,
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("target train accuracy", _fmt(target["train_accuracy"]))
    table.add_row("target test accuracy", _fmt(target["test_accuracy"]))
    table.add_row(
        "attack accuracy",
        f"{_fmt(attack['accuracy'])} (member rate {attack['member_rate']:.2f})",
    )
    for key, name in (
        ("balanced_accuracy", "attack balanced accuracy"),
        ("precision", "attack precision"),
        ("recall", "attack recall"),
        ("auc", "attack AUC"),
        ("advantage", "attack advantage (max TPR - FPR)"),
    ):
        table.add_row(name, _fmt(attack[key]))
    for fpr, tpr in attack["tpr_at_fpr"].items():
        table.add_row(f"attack TPR at {float(fpr):.1%} FPR", _fmt(tpr))
    return table


@app.command()
def attack(
    dataset: str = typer.Option(
        None, "--dataset", help="A dataset by name (see `miadeps datasets`)."
    ),
    data: Path = typer.Option(
        None, "--data", help="Your own CSV file instead of --dataset."
    ),
    label: str = typer.Option(None, "--label", help="Label column of --data."),
    sensitive: list[str] = typer.Option(
        [], "--sensitive", help="Sensitive column of --data (repeatable)."
    ),
    positive: str = typer.Option(
        None, "--positive", help="Label value that counts as the positive class."
    ),
    threshold: float = typer.Option(
        None, "--threshold", help="A numeric label is positive above this."
    ),
    target: str = typer.Option("ann", help="Target model kind: ann lr svm rf knn."),
    shadow: str = typer.Option("ann", help="Shadow model kind, or 'all'."),
    n_shadows: int = typer.Option(1, "--n-shadows", help="Shadow models per kind."),
    target_size: int = typer.Option(10_000, help="Records in the target set."),
    shadow_size: int = typer.Option(10_000, help="Records in the shadow set."),
    member_rate: float = typer.Option(0.75, help="Share of each set used to train."),
    attack_model: str = typer.Option("ann", help="Attack model kind."),
    combine: str = typer.Option("pool", help="With --shadow all: pool or stack."),
    per_class: bool = typer.Option(
        True,
        "--per-class/--single-attack-model",
        help="One attack model per class (Shokri et al.) or one for all.",
    ),
    target_param: list[str] = typer.Option(
        [], "--target-param", help="Target hyper-parameter KEY=VALUE (repeatable)."
    ),
    shadow_param: list[str] = typer.Option(
        [], "--shadow-param", help="Shadow hyper-parameter KEY=VALUE (repeatable)."
    ),
    seed: int = typer.Option(0, help="The seed of every random choice."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Train a target model, attack it with shadow models, print the metrics."""
    if dataset is not None and data is not None:
        raise ConfigError("give either --dataset NAME or --data FILE.csv, not both")
    ds = _load(dataset, data, label, sensitive, positive, threshold)
    config = AttackConfig(
        target=target,
        shadow=shadow,
        target_params=parse_params(target_param, "--target-param"),
        shadow_params=parse_params(shadow_param, "--shadow-param"),
        n_shadows=n_shadows,
        target_size=target_size,
        shadow_size=shadow_size,
        member_rate=member_rate,
        attack_model=attack_model,
        combine=combine,
        per_class=per_class,
        seed=seed,
    )
    status = state["err"].status("attacking", spinner="dots")
    with nullcontext() if as_json else status:
        result = run_attack(ds, config)

    timings = result.pop("timings")
    if as_json:
        state["out"].print_json(json.dumps(_jsonable(result)), highlight=False)
        return
    state["out"].print(render_attack(result))
    state["err"].print(f"done in {timings['total_s']:.1f} s")
