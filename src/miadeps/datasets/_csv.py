"""Load a user's CSV file into a :class:`Dataset`."""

from __future__ import annotations

import gzip
import logging
import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from miadeps.datasets._dataset import Dataset
from miadeps.datasets._encode import from_frame
from miadeps.exceptions import DataError

__all__ = ["load_csv"]

logger = logging.getLogger(__name__)

#: What pandas and the decompressors raise on a file that is not a readable
#: CSV (bad quoting, wrong encoding, a truncated or corrupt archive).
CSV_READ_ERRORS = (
    pd.errors.ParserError,
    UnicodeDecodeError,
    OSError,
    EOFError,
    zlib.error,
    gzip.BadGzipFile,
)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its class name."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def load_csv(
    path: str | os.PathLike[str],
    label: str,
    *,
    sensitive: Sequence[str] = (),
    positive: Any = None,
    threshold: float | None = None,
    sep: str = ",",
    **kw: Any,
) -> Dataset:
    """Read a CSV file with a header row and build a :class:`Dataset`.

    Parameters
    ----------
    path : str or path-like
        A ``.csv`` file, or a gzip-compressed ``.csv.gz``.
    label : str
        Name of the label column.
    sensitive : sequence of str, default=()
        Sensitive columns, see :func:`from_frame`.
    positive : scalar, optional
        Label value that becomes class 1, see :func:`from_frame`.
    threshold : float, optional
        Numeric label: class 1 is ``label > threshold``.
    sep : str, default=","
        Field separator.
    **kw
        ``drop_sensitive``, ``categorical`` and ``name`` go to
        :func:`from_frame`; anything else (``na_values``, ``encoding``,
        ``usecols``, ...) goes to :func:`pandas.read_csv`.

    Returns
    -------
    Dataset
        Named after the file stem (``data`` for ``data.csv.gz``) unless
        ``name`` is given.

    Raises
    ------
    DataError
        If the file does not exist, is empty, has a header but no records,
        cannot be parsed, or fails a check of :func:`from_frame`.

    Notes
    -----
    Fields are read with pandas' defaults for missing values (empty, ``NA``,
    ``NaN``, ...). Other markers, such as ``?``, need ``na_values=["?"]``.
    """
    path = Path(path)
    frame_kw = {k: kw.pop(k) for k in ("drop_sensitive", "categorical") if k in kw}
    name = kw.pop("name", _stem(path))

    if not path.is_file():
        raise DataError(
            f"CSV file {str(path)!r} not found; check the path "
            f"(working directory: {os.getcwd()})"
        )
    if path.stat().st_size == 0:
        raise DataError(
            f"CSV file {str(path)!r} is empty (0 bytes); give a file with a "
            "header and records"
        )

    try:
        df = pd.read_csv(path, sep=sep, **kw)
    except pd.errors.EmptyDataError as exc:
        raise DataError(
            f"CSV file {str(path)!r} is empty (no header, no records); give a "
            "file with a header and records"
        ) from exc
    except CSV_READ_ERRORS as exc:
        raise DataError(
            f"cannot parse CSV file {str(path)!r}: {first_line(exc)}; check "
            f"sep={sep!r}, the quoting and the compression"
        ) from exc

    if df.empty and len(df.columns):
        raise DataError(
            f"CSV file {str(path)!r} has a header but no records; add data rows"
        )
    logger.debug("read %s: %d rows, %d columns", path, len(df), len(df.columns))
    return from_frame(
        df,
        label,
        sensitive=sensitive,
        positive=positive,
        threshold=threshold,
        name=name,
        **frame_kw,
    )


def _stem(path: Path) -> str:
    """File name without ``.gz`` and ``.csv``: ``a/b.csv.gz`` gives ``b``."""
    name = path.name
    for suffix in (".gz", ".csv", ".tsv", ".txt"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name or path.name
