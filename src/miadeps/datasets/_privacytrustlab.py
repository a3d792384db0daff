"""Reader for the archives of the privacytrustlab/datasets repository.

Purchase100, Texas100 and Location30 (Shokri et al., 2017) are published as
``.tgz`` archives of headerless text files: one record per line, binary
features as comma-separated ``0``/``1``, and a class label that is 1-based
and sometimes quoted (``"13"``) - either as the first field of the feature
line or, for Texas, in a separate file with one label per line.
"""

from __future__ import annotations

import io
import logging
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd

from miadeps.exceptions import DataError, FetchError

__all__: list[str] = []

logger = logging.getLogger(__name__)

_ZERO, _ONE, _COMMA, _NEWLINE = (ord(c) for c in "01,\n")


def read_tar_member(archive: Path, member: str) -> bytes:
    """The bytes of one member of a tar archive, read without extracting.

    Raises FetchError if the archive cannot be read or lacks the member.
    """
    try:
        with tarfile.open(archive, "r:*") as tar:
            try:
                info = tar.getmember(member)
            except KeyError:
                names = tar.getnames()
                raise FetchError(
                    f"{str(archive)!r} has no member {member!r} (it holds "
                    f"{names[:5]}); delete it and fetch the published archive"
                ) from None
            handle = tar.extractfile(info)
            if handle is None:
                raise FetchError(
                    f"member {member!r} of {str(archive)!r} is not a regular file; "
                    "delete the archive and fetch it again"
                )
            return handle.read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise FetchError(
            f"cannot read the archive {str(archive)!r} ({exc}); delete it and "
            "fetch it again"
        ) from exc


def _read_privacytrustlab_csv(
    data: bytes, *, labelled: bool = True, source: str = "<bytes>"
) -> tuple[np.ndarray, np.ndarray | None]:
    """Parse a privacytrustlab text file into features and labels.

    Parameters
    ----------
    data : bytes
        The whole file: one record per line, fields separated by commas.
    labelled : bool, default=True
        Whether each line starts with the class label (optionally quoted).
    source : str
        Name of the file, for error messages.

    Returns
    -------
    X : numpy.ndarray of shape (n_records, n_features), dtype uint8
        The 0/1 features.
    labels : numpy.ndarray of shape (n_records,), dtype int64, or None
        The labels as written in the file (1-based), or None if
        ``labelled`` is false.

    Raises
    ------
    DataError
        If the file is empty, a label is not an integer, rows differ in
        length, or a feature is not 0 or 1.
    """
    if not labelled:
        fast = _fixed_width_rows(data)
        if fast is not None:
            return fast, None

    lines = data.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise DataError(f"{source} holds no records; use the published file")

    labels = None
    if labelled:
        heads, rows = [], []
        for line in lines:
            head, _, rest = line.partition(b",")
            heads.append(head)
            rows.append(rest)
        labels = _parse_labels(heads, source)
        lines = rows

    X = _binary_rows(lines, source)
    logger.debug("parsed %s: %d records, %d features", source, *X.shape)
    return X, labels


def read_label_lines(data: bytes, *, source: str) -> np.ndarray:
    """One integer label per line (quotes allowed), as int64."""
    lines = data.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return _parse_labels(lines, source)


def _parse_labels(heads: list[bytes], source: str) -> np.ndarray:
    labels = np.empty(len(heads), dtype=np.int64)
    for row, head in enumerate(heads):
        text = head.strip().strip(b'"').strip()
        try:
            labels[row] = int(text)
        except ValueError:
            raise DataError(
                f"{source}, line {row + 1}: label {head[:20]!r} is not an integer; "
                "the file is not in the privacytrustlab format"
            ) from None
    return labels


def _fixed_width_rows(data: bytes) -> np.ndarray | None:
    """Fast path: every line is ``d,d,...,d\\n`` with one-digit 0/1 fields.

    Views the bytes as a (rows, width) grid without copying them, and
    returns None when the layout is anything else (CRLF, spaces, ...).
    """
    width = data.find(b"\n") + 1
    if width < 2 or width % 2 or len(data) % width:
        return None
    grid = np.frombuffer(data, dtype=np.uint8).reshape(-1, width)
    digits = grid[:, 0 : width - 1 : 2]
    if (
        (grid[:, -1] != _NEWLINE).any()
        or (grid[:, 1 : width - 1 : 2] != _COMMA).any()
        or ((digits != _ZERO) & (digits != _ONE)).any()
    ):
        return None
    return digits - np.uint8(_ZERO)


def _binary_rows(rows: list[bytes], source: str) -> np.ndarray:
    """Parse lines of comma-separated 0/1 into a uint8 matrix."""
    width = len(rows[0])
    if width % 2 and all(len(row) == width for row in rows):
        grid = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(len(rows), width)
        digits = grid[:, ::2]
        if (grid[:, 1::2] == _COMMA).all() and (
            (digits == _ZERO) | (digits == _ONE)
        ).all():
            return digits - np.uint8(_ZERO)

    # Slow path for files with spaces, longer numbers or ragged rows.
    try:
        table = pd.read_csv(
            io.BytesIO(b"\n".join(rows)), header=None, dtype=np.int16, engine="c"
        )
    except (ValueError, pd.errors.ParserError) as exc:
        reason = str(exc).splitlines()[0]
        raise DataError(
            f"{source}: cannot parse the feature rows ({reason}); every line "
            "needs the same number of comma-separated 0/1 values"
        ) from exc
    values = table.to_numpy()
    bad = (values != 0) & (values != 1)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise DataError(
            f"{source}, line {row + 1}: feature {col + 1} is {values[row, col]}, "
            "not 0 or 1; the file is not a binary privacytrustlab file"
        )
    return values.astype(np.uint8)
