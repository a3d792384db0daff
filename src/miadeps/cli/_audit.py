"""``miadeps audit``: attack the user's own trained model on its own data."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from miadeps.cli._app import app, state
from miadeps.cli._params import parse_params
from miadeps.cli._render import fmt


def render_attacks(summary: dict) -> Table:
    """The attack table ``miadeps audit`` prints."""
    ev = summary["evaluation"]
    table = Table(
        title=escape(
            f"attacks on {summary['model']['path']}: {ev['n_members']} members, "
            f"{ev['n_nonmembers']} non-members (member rate {ev['member_rate']:.2f})"
        ),
    )
    for column in (
        "attack",
        "accuracy",
        "bal. acc.",
        "AUC",
        "adv.",
        "TPR@0.1%",
        "TPR@1%",
    ):
        table.add_column(column, justify="left" if column == "attack" else "right")
    for a in summary["attacks"]:
        table.add_row(
            a["name"],
            fmt(a["accuracy"]),
            fmt(a["balanced_accuracy"]),
            fmt(a["auc"]),
            fmt(a["advantage"]),
            fmt(a["tpr_at_fpr"]["0.001"]),
            fmt(a["tpr_at_fpr"]["0.01"]),
        )
    return table


def render_top(summary: dict) -> Table:
    """The most exposed training records."""
    table = Table(title="most exposed training records (offline LiRA z-score)")
    for column in ("rank", "id", "z", "loss", "label"):
        table.add_column(column, justify="left" if column == "id" else "right")
    for row in summary["risk"]["top"]:
        table.add_row(
            str(row["rank"]),
            escape(row["id"]),
            fmt(row["score"]),
            fmt(row["loss"]),
            str(row["label"]),
        )
    return table


def render_groups(summary: dict) -> Table:
    """Attack success per group, for the ranking attack."""
    groups = summary["groups"]
    result = groups["by_attack"][summary["risk"]["attack"]]
    table = Table(
        title=escape(
            f"offline LiRA per group of {groups['attribute']} ({groups['rule']})"
        )
    )
    for column in ("group", "members", "non-members", "AUC", "TPR@1%", "adv."):
        table.add_column(column, justify="left" if column == "group" else "right")
    for g in result["groups"]:
        table.add_row(
            escape(g["group"]),
            fmt(g["n_members"]),
            fmt(g["n_nonmembers"]),
            fmt(g["auc"]),
            fmt(g["tpr_at_1pct_fpr"]),
            fmt(g["advantage"]),
        )
    gap = result["gaps"]["auc"]
    if gap is not None:
        table.caption = escape(
            f"largest AUC gap {gap['gap']:.4f}: {gap['highest']} vs {gap['lowest']}"
        )
    return table


def render_properties(properties: dict) -> Table:
    """Data and model properties."""
    table = Table(title="properties")
    table.add_column("property")
    table.add_column("value", justify="right")
    for section in ("data", "model"):
        for key, value in properties[section].items():
            table.add_row(f"{section}: {key}", escape(fmt(value)))
    for key in properties["skipped"]:
        table.add_row(f"skipped: {key}", "see report")
    return table


@app.command()
def audit(
    model: Path = typer.Option(
        ...,
        "--model",
        help="The trained model: .skops, .pt/.ts (TorchScript), or .csv of its "
        "prediction vectors. Pickles (.pkl, .joblib) need --trust-pickle.",
    ),
    train: Path = typer.Option(
        ..., "--train", help="CSV of the records the model was trained on."
    ),
    population: Path = typer.Option(
        ...,
        "--population",
        help="CSV of records from the same distribution it was not trained on.",
    ),
    label: str = typer.Option(..., "--label", help="The label column."),
    sensitive: str = typer.Option(
        None, "--sensitive", help="Column whose groups are compared."
    ),
    id_column: str = typer.Option(
        None, "--id", help="Column of record ids (default: file and row number)."
    ),
    positive: str = typer.Option(
        None, "--positive", help="Label value that counts as the positive class."
    ),
    threshold: float = typer.Option(
        None, "--threshold", help="A numeric label is positive above this."
    ),
    shadow: str = typer.Option(
        "ann", "--shadow", help="Shadow/reference model kind: ann lr svm rf knn."
    ),
    shadows: int = typer.Option(4, "--shadows", help="Shadow models per attack."),
    references: int = typer.Option(
        8, "--references", help="Reference models of LiRA and RMIA."
    ),
    shadow_param: list[str] = typer.Option(
        [],
        "--shadow-param",
        help="Shadow/reference hyper-parameter KEY=VALUE (repeatable).",
    ),
    top: int = typer.Option(10, "--top", help="Most exposed records to list."),
    trust_pickle: bool = typer.Option(
        False,
        "--trust-pickle",
        help="Load a pickle model file. Only for files you trust: unpickling can "
        "run any code.",
    ),
    out: Path = typer.Option(
        None, "--out", help="Folder for audit.html, audit.json and records.csv."
    ),
    seed: int = typer.Option(0, help="The seed of every random choice."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Audit a trained model: attacks, most exposed records, groups, properties."""
    # Imported here so that other commands and --help do not pay for the
    # report's plotting stack.
    from miadeps.audit import audit as run_audit
    from miadeps.audit import audit_json, write_audit

    params = parse_params(shadow_param, "--shadow-param")
    status = state["err"].status("auditing", spinner="dots")
    with nullcontext() if as_json else status:
        result = run_audit(
            model,
            train,
            population,
            label,
            sensitive=sensitive,
            id_column=id_column,
            positive=positive,
            threshold=threshold,
            shadow=shadow,
            shadow_params=params,
            n_shadows=shadows,
            n_references=references,
            top=top,
            trust_pickle=trust_pickle,
            random_state=seed,
        )
    paths = write_audit(result, out) if out is not None else None

    if as_json:
        state["out"].print_json(audit_json(result), highlight=False)
        return
    summary = result.summary
    state["out"].print(render_attacks(summary))
    state["out"].print(render_top(summary))
    if summary["groups"] is not None:
        state["out"].print(render_groups(summary))
    state["out"].print(render_properties(summary["properties"]))
    if paths is not None:
        state["err"].print(
            f"wrote {paths['html']}, {paths['json']}, {paths['records']}"
        )
    state["err"].print(f"done in {result.timings['total_s']:.1f} s")
