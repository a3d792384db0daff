"""The records of an audit: the model's training records and a population.

Both files are read raw (the scikit-learn model gets the feature columns as
pandas reads them), checked together, and encoded by one
:class:`~miadeps.datasets._encode.FeatureEncoding` fitted on their union.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from miadeps.datasets import Dataset, from_frame
from miadeps.datasets._csv import CSV_READ_ERRORS, first_line
from miadeps.datasets._feature_encoding import FeatureEncoding, _fmt
from miadeps.exceptions import DataError

__all__ = ["AuditRecords", "read_records"]

logger = logging.getLogger(__name__)

SPLITS = ("train", "population")


@dataclass(frozen=True, eq=False)
class AuditRecords:
    """The model's members and the population, raw and encoded.

    Attributes
    ----------
    raw : dict of str to pandas.DataFrame
        ``"train"`` and ``"population"``: the files as read, without the id
        column.
    ids : dict of str to numpy.ndarray of str
        Record ids per split: the ``id_column`` values, or ``"train:17"``
        (row 17 of the train file) without one.
    row_keys : dict of str to numpy.ndarray of str
        What a prediction file names each record by: the id value, or the
        row number in its file.
    X, y : dict of str to numpy.ndarray
        Encoded features, float32 of shape (n_split, n_encoded), and binary
        labels, int64 of shape (n_split,).
    dataset : Dataset
        The union (train rows first), as :func:`~miadeps.datasets.from_frame`
        builds it: the label rule, feature kinds and sensitive columns.
    encoding : FeatureEncoding
        The encoding fitted on the union of both files.
    features : list of str
        The raw feature columns.
    label_classes : dict of str to int
        Each label value (as text) to its binary class.
    id_column : str or None
        The id column, if one was named.
    """

    raw: dict[str, pd.DataFrame]
    ids: dict[str, np.ndarray]
    row_keys: dict[str, np.ndarray]
    X: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    dataset: Dataset
    encoding: FeatureEncoding
    features: list[str]
    label_classes: dict[str, int]
    id_column: str | None

    def split(self, name: str) -> Dataset:
        """The dataset restricted to the records of one split."""
        n_train = len(self.y["train"])
        rows = (
            np.arange(n_train)
            if name == "train"
            else np.arange(n_train, self.dataset.n_records)
        )
        return self.dataset.subset(rows)


def read_table(path: str | os.PathLike[str], role: str) -> pd.DataFrame:
    """Read one CSV file raw, with one-line errors that name ``role``.

    Raises
    ------
    DataError
        If the file is missing, empty, has no records or cannot be parsed.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"{role} file {str(path)!r} not found; check the path "
            f"(working directory: {os.getcwd()})"
        )
    if path.stat().st_size == 0:
        raise DataError(
            f"{role} file {str(path)!r} is empty (0 bytes); give a CSV file with a "
            "header and records"
        )
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError as exc:
        raise DataError(
            f"{role} file {str(path)!r} has no header and no records; give a CSV "
            "file with both"
        ) from exc
    except CSV_READ_ERRORS as exc:
        raise DataError(
            f"cannot parse {role} file {str(path)!r}: {first_line(exc)}; give a "
            "comma-separated file with a header row"
        ) from exc
    if frame.empty:
        raise DataError(
            f"{role} file {str(path)!r} has a header but no records; add data rows"
        )
    frame.columns = [str(c) for c in frame.columns]
    return frame


def read_records(
    train: str | os.PathLike[str],
    population: str | os.PathLike[str],
    label: str,
    *,
    id_column: str | None = None,
    sensitive: str | None = None,
    positive: Any = None,
    threshold: float | None = None,
) -> AuditRecords:
    """Read, check and encode the train and population files of an audit.

    Parameters
    ----------
    train : str or path-like
        CSV of the records the model trained on (its members).
    population : str or path-like
        CSV of records from the same distribution that the model did not
        train on, with the same columns.
    label : str
        The label column.
    id_column : str, optional
        Column holding a record id; unique within each file. Left out of the
        features.
    sensitive : str, optional
        Column whose groups the audit compares; it stays a feature.
    positive, threshold
        How to make a label with more than two values binary, as in
        :func:`~miadeps.datasets.from_frame`.

    Returns
    -------
    AuditRecords

    Raises
    ------
    DataError
        If a file is missing, empty or unparsable; a named column is absent;
        the files' columns differ; a label is missing (NaN); a file holds one
        class only; or an id repeats.

    Notes
    -----
    The encoding is fitted on the union of both files: the auditor holds
    both, and a single encoding keeps the population's records on the same
    scale as the members', which the shadow and reference models need.
    """
    raw = {
        "train": read_table(train, "train"),
        "population": read_table(population, "population"),
    }
    paths = {"train": train, "population": population}
    _check_columns(raw, paths, label, id_column, sensitive)

    ids, row_keys = {}, {}
    for split, frame in raw.items():
        if frame[label].isna().any():
            n = int(frame[label].isna().sum())
            first = int(np.flatnonzero(frame[label].isna().to_numpy())[0])
            raise DataError(
                f"label {label!r} is missing (NaN) in {n} row(s) of the {split} file "
                f"{paths[split]} (first: row {first}); drop or fill those rows"
            )
        if id_column is None:
            row_keys[split] = np.arange(len(frame)).astype(str)
            ids[split] = np.char.add(f"{split}:", row_keys[split])
        else:
            keys = frame[id_column].map(_fmt).to_numpy(dtype=str)
            _check_unique(keys, split, id_column)
            row_keys[split] = ids[split] = keys
            raw[split] = frame.drop(columns=[id_column])

    union = pd.concat([raw["train"], raw["population"]], ignore_index=True)
    dataset = from_frame(
        union,
        label,
        sensitive=[sensitive] if sensitive else (),
        positive=positive,
        threshold=threshold,
        name="audit",
    )
    n_train = len(raw["train"])
    y = {"train": dataset.y[:n_train], "population": dataset.y[n_train:]}
    for split in SPLITS:
        if np.unique(y[split]).size < 2:
            raise DataError(
                f"the {split} file {paths[split]} holds class {int(y[split][0])} only "
                f"({dataset.label_rule!r} is "
                f"{'true' if y[split][0] else 'false'} for every record); the audit "
                "needs both classes in each file"
            )

    encoding = FeatureEncoding.from_dataset(dataset)
    frame = dataset.frame
    X = {
        "train": encoding.transform(frame.iloc[:n_train]),
        "population": encoding.transform(frame.iloc[n_train:]),
    }
    classes = {
        _fmt(value): int(cls)
        for value, cls in zip(frame[label], dataset.y, strict=True)
    }
    logger.info(
        "audit records: %d train, %d population, %d encoded features",
        n_train,
        len(y["population"]),
        encoding.n_encoded,
    )
    return AuditRecords(
        raw=raw,
        ids=ids,
        row_keys=row_keys,
        X=X,
        y=y,
        dataset=dataset,
        encoding=encoding,
        features=[c for c in raw["train"].columns if c != label],
        label_classes=classes,
        id_column=id_column,
    )


def _check_columns(raw, paths, label, id_column, sensitive) -> None:
    for split, frame in raw.items():
        columns = list(frame.columns)
        for role, name in (
            ("label", label),
            ("id", id_column),
            ("sensitive", sensitive),
        ):
            if name is not None and name not in columns:
                raise DataError(
                    f"{role} column {name!r} not found in the {split} file "
                    f"{paths[split]}; its columns are {_short(columns)}"
                )
    train, population = (list(raw[s].columns) for s in SPLITS)
    if set(train) != set(population):
        only_train = sorted(set(train) - set(population))
        only_population = sorted(set(population) - set(train))
        raise DataError(
            "the train and population files have different columns (only in train: "
            f"{_short(only_train)}; only in population: {_short(only_population)}); "
            "give both files the same columns"
        )
    if id_column is not None and id_column == label:
        raise DataError(f"--id {id_column!r} is the label column; name another column")


def _check_unique(keys: np.ndarray, split: str, id_column: str) -> None:
    values, counts = np.unique(keys, return_counts=True)
    if (counts > 1).any():
        raise DataError(
            f"id {str(values[counts > 1][0])!r} appears "
            f"{int(counts[counts > 1][0])} times in "
            f"column {id_column!r} of the {split} file; ids must be unique"
        )


def _short(names, limit: int = 8) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    more = f", ... ({len(names) - limit} more)" if len(names) > limit else ""
    return f"[{shown}{more}]"
