"""Shared fixtures of the datasets tests: real shared data and tiny archives."""

from __future__ import annotations

import dataclasses
import io
import os
import tarfile
from pathlib import Path

import numpy as np
import pytest

from miadeps.datasets import _cache, _fetch

REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_data_dir() -> Path:
    """The project's shared data folder: $MIADEPS_SHARED_DATA or ../shared/data."""
    env = os.environ.get("MIADEPS_SHARED_DATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"shared data folder {path} not present")
    return path


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fail any test that would download, and keep caches out of the home folder."""

    def refuse(url: str, dest: Path) -> None:
        raise AssertionError(f"test tried to download {url}")

    monkeypatch.setattr(_cache, "_download", refuse)
    monkeypatch.setenv(_cache.DATA_ENV, str(tmp_path / "default-data-home"))


def planted_binary(
    n_small: int, n_large: int, n_columns: int, n_classes: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """0/1 records in two clear groups, with 1-based classes nested in them.

    The small group sets mostly the first quarter of the columns, the large
    group the second quarter; the rest is sparse noise. Returns the features
    (uint8), the 1-based classes and the group (1 for the small group).
    """
    rng = np.random.default_rng(seed)
    n = n_small + n_large
    group = np.r_[np.ones(n_small, dtype=np.int64), np.zeros(n_large, dtype=np.int64)]
    quarter = n_columns // 4
    p = np.full((n, n_columns), 0.05)
    p[:n_small, :quarter] = 0.9
    p[n_small:, quarter : 2 * quarter] = 0.9
    X = (rng.random((n, n_columns)) < p).astype(np.uint8)

    half = n_classes // 2
    classes = np.where(
        group == 1,
        rng.integers(1, half + 1, n),
        rng.integers(half + 1, n_classes + 1, n),
    )
    classes[: n_classes // 2] = np.arange(1, half + 1)
    classes[n_small : n_small + n_classes - half] = np.arange(half + 1, n_classes + 1)
    return X, classes, group


def make_lines(X: np.ndarray, labels: np.ndarray | None, quoted: bool) -> bytes:
    """Rows in the privacytrustlab text layout."""
    lines = []
    for row, values in enumerate(X):
        fields = [str(int(v)) for v in values]
        if labels is not None:
            label = str(int(labels[row]))
            fields.insert(0, f'"{label}"' if quoted else label)
        lines.append(",".join(fields))
    return ("\n".join(lines) + "\n").encode()


def make_tgz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def binary_lines():
    """The function that writes rows in the privacytrustlab layout."""
    return make_lines


@pytest.fixture
def write_tgz():
    """The function that writes a .tgz from a dict of member names to bytes."""
    return make_tgz


@dataclasses.dataclass
class ArchiveFixture:
    """A tiny archive in the real layout, and the spec that accepts it."""

    path: Path
    spec: _fetch.ArchiveSpec
    X: np.ndarray
    classes: np.ndarray
    group: np.ndarray


@pytest.fixture
def purchase_archive(tmp_path: Path) -> ArchiveFixture:
    """``dataset_purchase.tgz`` with 60 lines of a label and 600 features."""
    X, classes, group = planted_binary(20, 40, 600, 6)
    server = tmp_path / "server"
    server.mkdir()
    path = make_tgz(
        server / "dataset_purchase.tgz",
        {"dataset_purchase": make_lines(X, classes, quoted=False)},
    )
    spec = dataclasses.replace(
        _fetch.PURCHASE100,
        urls=("https://example.invalid/a.tgz", "https://example.invalid/b.tgz"),
        blob_id=_cache.git_blob_id(path),
        n_records=60,
        n_classes=6,
    )
    return ArchiveFixture(path, spec, X, classes, group)


@pytest.fixture
def texas_archive(tmp_path: Path) -> ArchiveFixture:
    """``dataset_texas.tgz`` with texas/100/feats (60 x 40) and texas/100/labels."""
    X, classes, group = planted_binary(25, 35, 40, 8, seed=1)
    server = tmp_path / "server"
    server.mkdir(exist_ok=True)
    labels = "".join(f"{c}\n" for c in classes).encode()
    path = make_tgz(
        server / "dataset_texas.tgz",
        {
            "texas/100/feats": make_lines(X, None, quoted=False),
            "texas/100/labels": labels,
            "texas/150/labels": labels,
        },
    )
    spec = dataclasses.replace(
        _fetch.TEXAS100,
        urls=("https://example.invalid/texas.tgz",),
        blob_id=_cache.git_blob_id(path),
        n_records=60,
        n_columns=40,
        n_classes=8,
    )
    return ArchiveFixture(path, spec, X, classes, group)
