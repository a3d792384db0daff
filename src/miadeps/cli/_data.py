"""Choosing the data a command works on: a named dataset or the user's CSV."""

from __future__ import annotations

from pathlib import Path

import typer

from miadeps.datasets import Dataset, load_csv, load_dataset
from miadeps.exceptions import ConfigError

# Options shared by every command that reads data.
DATASET = typer.Option(
    None, "--dataset", help="A dataset by name (see `miadeps datasets`)."
)
DATA = typer.Option(None, "--data", help="Your own CSV file instead of --dataset.")
LABEL = typer.Option(None, "--label", help="Label column of --data.")
SENSITIVE = typer.Option(
    [], "--sensitive", help="Sensitive column of --data (repeatable)."
)
POSITIVE = typer.Option(
    None, "--positive", help="Label value that counts as the positive class."
)
THRESHOLD = typer.Option(
    None, "--threshold", help="A numeric label is positive above this."
)


def load_data(
    dataset: str | None,
    data: Path | None,
    label: str | None,
    sensitive: list[str],
    positive: str | None,
    threshold: float | None,
) -> Dataset:
    """The dataset named by ``--dataset`` (default Adult) or read from ``--data``."""
    if dataset is not None and data is not None:
        raise ConfigError("give either --dataset NAME or --data FILE.csv, not both")
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
