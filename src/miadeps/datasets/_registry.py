"""The datasets miadeps knows by name, and a loader that dispatches on it."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from miadeps.datasets import _compas, _fetch
from miadeps.datasets._cache import data_home, load_npz
from miadeps.datasets._dataset import Dataset
from miadeps.datasets._embedded import (
    ADULT_SOURCE,
    GERMAN_SOURCE,
    load_adult,
    load_german,
)
from miadeps.exceptions import ConfigError

__all__ = ["DatasetInfo", "list_datasets", "load_dataset"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """A summary of one named dataset, cheap to compute.

    Attributes
    ----------
    name : str
        Name accepted by :func:`load_dataset`.
    records : int
        Number of records the loader returns.
    features : int
        Number of raw features in ``X`` (with default options).
    label_balance : float or None
        Share of records in class 1, or None when it depends on a
        computation not yet run (the clustered 100-class sets).
    source : str
        Citation and licence.
    on_disk : bool
        True for data shipped with the package, or when the data folder
        already holds the file (so no download is needed).
    loader : callable
        The function that loads the dataset.
    """

    name: str
    records: int
    features: int
    label_balance: float | None
    source: str
    on_disk: bool
    loader: Callable[..., Dataset]


# Known sizes, so that listing never parses a file. The balances of the two
# UCI sets and of filtered COMPAS are properties of the published files.
_ADULT = ("adult", 48_842, 14, 11_687 / 48_842)
_GERMAN = ("german", 1_000, 20, 700 / 1_000)
_COMPAS = ("compas", 6_172, len(_compas.COMPAS_FEATURES), 2_809 / 6_172)
_DEFAULT_N_FEATURES = 16
_DEFAULT_SEED = 0


def list_datasets(data_dir: str | os.PathLike[str] | None = None) -> list[DatasetInfo]:
    """Describe the datasets available by name.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Data folder of the fetched datasets; default: ``MIADEPS_DATA``, else
        the user cache folder.

    Returns
    -------
    list of DatasetInfo
        adult, german, compas, purchase100, texas100, in that order.

    Notes
    -----
    Nothing is parsed or downloaded: sizes are the known sizes of the
    published files. The class balance of purchase100 and texas100 is read
    from the cache of a previous default fetch (16 features, seed 0), and is
    None before one.
    """
    home = data_home(data_dir)
    compas_on_disk = any(
        (home / name).is_file()
        for name in (_compas.COMPAS_FILE, _compas.COMPAS_FILE + ".gz")
    )
    infos = [
        DatasetInfo(*_ADULT, source=ADULT_SOURCE, on_disk=True, loader=load_adult),
        DatasetInfo(*_GERMAN, source=GERMAN_SOURCE, on_disk=True, loader=load_german),
        DatasetInfo(
            *_COMPAS,
            source=_compas.COMPAS_SOURCE,
            on_disk=compas_on_disk,
            loader=_compas.fetch_compas,
        ),
    ]
    for spec, loader in (
        (_fetch.PURCHASE100, _fetch.fetch_purchase100),
        (_fetch.TEXAS100, _fetch.fetch_texas100),
    ):
        infos.append(
            DatasetInfo(
                name=spec.name,
                records=spec.n_records or 0,
                features=_DEFAULT_N_FEATURES,
                label_balance=_cached_balance(spec, home),
                source=spec.source,
                on_disk=(home / spec.archive).is_file()
                or (home / spec.parsed_cache).is_file(),
                loader=loader,
            )
        )
    return infos


def load_dataset(
    name: str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = False,
) -> Dataset:
    """Load a dataset by name.

    Parameters
    ----------
    name : str
        One of ``adult``, ``german``, ``compas``, ``purchase100``,
        ``texas100`` (case-insensitive).
    data_dir : str or path-like, optional
        Data folder of the fetched datasets; ignored for adult and german.
    download : bool, default=False
        Allow a fetched dataset to be downloaded if it is not on disk.

    Returns
    -------
    Dataset
        As the dataset's own loader returns it, with default options.

    Raises
    ------
    ConfigError
        If the name is unknown.
    FetchError
        If a fetched dataset is not on disk and ``download`` is false.
    """
    key = str(name).strip().lower()
    if key == "adult":
        return load_adult()
    if key == "german":
        return load_german()
    fetchers = {
        "compas": _compas.fetch_compas,
        "purchase100": _fetch.fetch_purchase100,
        "texas100": _fetch.fetch_texas100,
    }
    if key not in fetchers:
        known = ", ".join(["adult", "german", *fetchers])
        raise ConfigError(f"unknown dataset {name!r}; choose one of: {known}")
    return fetchers[key](data_dir=data_dir, download=download)


def _cached_balance(spec: _fetch.ArchiveSpec, home: Path) -> float | None:
    cache = home / _fetch.recipe_cache_name(spec, _DEFAULT_N_FEATURES, _DEFAULT_SEED)
    cached = load_npz(cache, ["cluster_bits", "n_records", "blob_id"])
    if cached is None or str(cached["blob_id"]) != spec.blob_id:
        return None
    bits = np.unpackbits(cached["cluster_bits"], count=int(cached["n_records"]))
    return float(bits.mean())
