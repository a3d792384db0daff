"""``miadeps attack``: attack one target model and print what was measured."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path

import typer
from rich.table import Table

from miadeps.cli._app import app, state
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
from miadeps.cli._render import DATA_LABELS, MODEL_LABELS, fmt, jsonable
from miadeps.exceptions import ConfigError
from miadeps.experiments import (
    EXTRA_ATTACKS,
    AttackConfig,
    check_extra_attacks,
    run_attack,
)


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
    table.add_row("target train accuracy", fmt(target["train_accuracy"]))
    table.add_row("target test accuracy", fmt(target["test_accuracy"]))
    table.add_row(
        "attack accuracy",
        f"{fmt(attack['accuracy'])} (member rate {attack['member_rate']:.2f})",
    )
    for key, name in (
        ("balanced_accuracy", "attack balanced accuracy"),
        ("precision", "attack precision"),
        ("recall", "attack recall"),
        ("auc", "attack AUC"),
        ("advantage", "attack advantage (max TPR - FPR)"),
    ):
        table.add_row(name, fmt(attack[key]))
    for fpr, tpr in attack["tpr_at_fpr"].items():
        table.add_row(f"attack TPR at {float(fpr):.1%} FPR", fmt(tpr))
    table.add_section()
    for key, value in result["data"].items():
        table.add_row(f"data: {DATA_LABELS.get(key, key)}", fmt(value))
    table.add_section()
    for key, value in result["model"].items():
        if key in ("train_accuracy", "test_accuracy"):
            continue
        table.add_row(f"model: {MODEL_LABELS.get(key, key)}", fmt(value))
    return table


def render_attacks(result: dict) -> Table:
    """The table of every attack on the target, when ``--also`` named some."""
    table = Table(
        title=f"every attack on the same target (member rate "
        f"{result['attack']['member_rate']:.2f})",
        show_header=True,
    )
    table.add_column("attack")
    for name in ("AUC", "balanced accuracy", "TPR at 0.1% FPR", "TPR at 1% FPR"):
        table.add_column(name, justify="right")
    for key, metrics in result["attacks"].items():
        if not isinstance(metrics, dict):
            continue
        tpr = metrics["tpr_at_fpr"]
        table.add_row(
            key.replace("_", "-"),
            fmt(metrics["auc"]),
            fmt(metrics["balanced_accuracy"]),
            fmt(tpr["0.001"]),
            fmt(tpr["0.01"]),
        )
    return table


def parse_attacks(text: str | None) -> tuple[str, ...]:
    """``"lira-online,rmia-offline"`` as a tuple; ``"all"`` for every attack."""
    if not text:
        return ()
    if text.strip() == "all":
        return EXTRA_ATTACKS
    names = tuple(part.strip() for part in text.split(","))
    if "" in names:
        raise ConfigError(
            f"--also {text!r} has an empty name; give names separated by commas, "
            "e.g. --also lira-online,rmia-offline"
        )
    return names


@app.command()
def attack(
    dataset: str = DATASET,
    data: Path = DATA,
    label: str = LABEL,
    sensitive: list[str] = SENSITIVE,
    positive: str = POSITIVE,
    threshold: float = THRESHOLD,
    target: str = typer.Option("ann", help="Target model kind: ann lr svm rf knn."),
    shadow: str = typer.Option("ann", help="Shadow model kind, or 'all'."),
    n_shadows: int = typer.Option(1, "--n-shadows", help="Shadow models per kind."),
    target_size: int = typer.Option(10_000, help="Records in the target set."),
    shadow_size: int = typer.Option(10_000, help="Records in the shadow set."),
    member_rate: float = typer.Option(0.75, help="Share of each set used to train."),
    attack_model: str = typer.Option("ann", help="Attack model kind."),
    combine: str = typer.Option("pool", help="With --shadow all: pool or stack."),
    attack_features: str = typer.Option(
        "log", "--attack-features", help="Attack model input: log or proba."
    ),
    fairness_attribute: str = typer.Option(
        None,
        "--fairness-attribute",
        help="Sensitive attribute whose two groups fairness compares.",
    ),
    mi_models: int = typer.Option(
        16, "--mi-models", help="Retrainings to estimate I_X (0 skips it)."
    ),
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
    also: str = typer.Option(
        None,
        "--also",
        help="Attacks run on the same target besides the shadow-model attack, "
        f"comma-separated, or 'all': {', '.join(EXTRA_ATTACKS)}.",
    ),
    references: int = typer.Option(
        8, "--references", help="Reference models of LiRA and RMIA (at least 4)."
    ),
    seed: int = typer.Option(0, help="The seed of every random choice."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Train a target model, attack it with shadow models, print the metrics."""
    # Checked before the data load, which takes a while on a large file.
    extra = check_extra_attacks(parse_attacks(also), references)
    ds = load_data(dataset, data, label, sensitive, positive, threshold)
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
        attack_features=attack_features,
        fairness_attribute=fairness_attribute,
        mi_models=mi_models,
        also=extra,
        n_references=references,
        seed=seed,
    )
    status = state["err"].status("attacking", spinner="dots")
    with nullcontext() if as_json else status:
        result = run_attack(ds, config)

    timings = result.pop("timings")
    if as_json:
        state["out"].print_json(json.dumps(jsonable(result)), highlight=False)
        return
    state["out"].print(render_attack(result))
    if "attacks" in result:
        state["out"].print(render_attacks(result))
    state["err"].print(f"done in {timings['total_s']:.1f} s")
