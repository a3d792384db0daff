"""``miadeps properties``: the data properties of a dataset or a sample of it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
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
from miadeps.cli._render import DATA_LABELS, fmt, jsonable
from miadeps.exceptions import ConfigError
from miadeps.properties import data_properties


@app.command()
def properties(
    dataset: str = DATASET,
    data: Path = DATA,
    label: str = LABEL,
    sensitive: list[str] = SENSITIVE,
    positive: str = POSITIVE,
    threshold: float = THRESHOLD,
    size: int = typer.Option(
        None, "--size", help="Measure a random sample of this many records."
    ),
    seed: int = typer.Option(0, help="Seed of the sample and of the MI ranking."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Print the data properties of the study: size, balances, features, entropy."""
    ds = load_data(dataset, data, label, sensitive, positive, threshold)
    if size is not None:
        if not 1 <= size <= ds.n_records:
            raise ConfigError(
                f"--size must be between 1 and the {ds.n_records} records of "
                f"{ds.name}; got {size}"
            )
        rng = np.random.default_rng(seed)
        ds = ds.subset(np.sort(rng.choice(ds.n_records, size, replace=False)))
    values = data_properties(ds, random_state=seed)

    if as_json:
        state["out"].print_json(json.dumps(jsonable({"dataset": ds.name, **values})))
        return
    table = Table(title=f"data properties of {ds.name}")
    table.add_column("property")
    table.add_column("value", justify="right")
    for key, value in values.items():
        table.add_row(DATA_LABELS.get(key, key), fmt(value))
    state["out"].print(table)
