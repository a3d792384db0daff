"""Loading and encoding of tabular datasets.

``load_*`` functions read data shipped with the package, ``fetch_*``
functions download on first use and cache, and :func:`from_frame` /
:func:`load_csv` turn a user's own table into a :class:`Dataset`. The module
knows nothing of models: it returns encoded arrays and the raw table.
"""

from __future__ import annotations

from miadeps.datasets._compas import fetch_compas
from miadeps.datasets._csv import load_csv
from miadeps.datasets._dataset import Dataset
from miadeps.datasets._embedded import load_adult, load_german
from miadeps.datasets._encode import from_frame
from miadeps.datasets._feature_encoding import FeatureEncoding
from miadeps.datasets._fetch import fetch_purchase100, fetch_texas100
from miadeps.datasets._registry import DatasetInfo, list_datasets, load_dataset

__all__ = [
    "Dataset",
    "DatasetInfo",
    "FeatureEncoding",
    "fetch_compas",
    "fetch_purchase100",
    "fetch_texas100",
    "from_frame",
    "list_datasets",
    "load_adult",
    "load_csv",
    "load_dataset",
    "load_german",
]
