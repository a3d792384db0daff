"""The privacytrustlab text format: fast and slow parse paths, and a real archive."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from miadeps.datasets._cache import git_blob_id
from miadeps.datasets._privacytrustlab import (
    _read_privacytrustlab_csv,
    read_label_lines,
    read_tar_member,
)
from miadeps.exceptions import DataError, FetchError

LOCATION_BLOB = "0cfc2caa0c8c8569cd68a5d4ab369a98c1f98447"


@pytest.fixture
def matrix() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    return (rng.random((12, 9)) < 0.3).astype(np.uint8), rng.integers(1, 30, 12)


@pytest.mark.parametrize("quoted", [False, True])
def test_read_privacytrustlab_csv_labelled(matrix, quoted, binary_lines) -> None:
    X, labels = matrix
    parsed, parsed_labels = _read_privacytrustlab_csv(binary_lines(X, labels, quoted))
    assert parsed.dtype == np.uint8
    np.testing.assert_array_equal(parsed, X)
    np.testing.assert_array_equal(parsed_labels, labels)


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda b: b, id="fixed-width"),
        pytest.param(lambda b: b.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda b: b.rstrip(b"\n"), id="no-final-newline"),
        pytest.param(lambda b: b.replace(b",", b", "), id="spaces"),
    ],
)
def test_read_privacytrustlab_csv_unlabelled_layouts(
    matrix, transform, binary_lines
) -> None:
    X, _ = matrix
    parsed, labels = _read_privacytrustlab_csv(
        transform(binary_lines(X, None, quoted=False)), labelled=False
    )
    assert labels is None
    np.testing.assert_array_equal(parsed, X)


@pytest.mark.parametrize(
    ("data", "labelled", "match"),
    [
        (b"", True, "holds no records"),
        (b"x1,0,1\n", True, "label b'x1' is not an integer"),
        (b"1,0,1\n2,0,2\n", True, "feature 2 is 2, not 0 or 1"),
        (b"0,1\n0,1,1\n", False, "cannot parse the feature rows"),
    ],
)
def test_read_privacytrustlab_csv_refuses_bad_content(data, labelled, match) -> None:
    with pytest.raises(DataError, match=match):
        _read_privacytrustlab_csv(data, labelled=labelled, source="f")


def test_read_label_lines_accepts_quotes() -> None:
    assert read_label_lines(b'3\n"14"\n 7\n\n', source="labels").tolist() == [3, 14, 7]


def test_read_tar_member_missing_member_and_bad_archive(
    tmp_path: Path, write_tgz
) -> None:
    archive = write_tgz(tmp_path / "a.tgz", {"inside": b"1,0\n"})
    assert read_tar_member(archive, "inside") == b"1,0\n"
    with pytest.raises(FetchError, match="has no member 'other'"):
        read_tar_member(archive, "other")
    junk = tmp_path / "junk.tgz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(FetchError, match="cannot read the archive"):
        read_tar_member(junk, "inside")


def test_location30_archive_end_to_end(shared_data: Path) -> None:
    archive = shared_data / "location30" / "dataset_location.tgz"
    if not archive.is_file():
        pytest.skip(f"{archive} not present")
    assert git_blob_id(archive) == LOCATION_BLOB

    X, labels = _read_privacytrustlab_csv(
        read_tar_member(archive, "bangkok"), source="bangkok"
    )
    assert X.shape == (5_010, 446)
    assert X.dtype == np.uint8
    assert labels.min() == 1 and labels.max() == 30
    assert len(np.unique(labels)) == 30
    sizes = np.bincount(labels)[1:]
    assert sizes.min() == 97 and sizes.max() == 308
    assert X.mean() == pytest.approx(0.120, abs=5e-4)
