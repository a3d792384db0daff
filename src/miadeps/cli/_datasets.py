"""``miadeps datasets``: what data miadeps knows and whether it is on disk."""

from __future__ import annotations

from rich.table import Table

from miadeps.cli._app import app, state
from miadeps.datasets import list_datasets


@app.command()
def datasets() -> None:
    """List the datasets: records, features, label balance, source, on disk."""
    table = Table(title="datasets")
    for column, justify in (
        ("name", "left"),
        ("records", "right"),
        ("features", "right"),
        ("positive share", "right"),
        ("on disk", "left"),
        ("source", "left"),
    ):
        table.add_column(column, justify=justify)
    for info in list_datasets():
        balance = "?" if info.label_balance is None else f"{info.label_balance:.3f}"
        table.add_row(
            info.name,
            f"{info.records:,}",
            str(info.features),
            balance,
            "yes" if info.on_disk else "no",
            info.source,
        )
    state["out"].print(table)
