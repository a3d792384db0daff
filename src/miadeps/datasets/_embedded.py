"""Datasets shipped inside the package: UCI Adult and German Credit."""

from __future__ import annotations

import dataclasses
import functools
import logging
from importlib import resources

import pandas as pd

from miadeps.datasets._dataset import Dataset
from miadeps.datasets._encode import assemble, clean_frame

__all__ = ["load_adult", "load_german"]

logger = logging.getLogger(__name__)

ADULT_COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education-num",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital-gain",
    "capital-loss",
    "hours-per-week",
    "native-country",
    "income",
]
ADULT_SOURCE = (
    "Becker & Kohavi (1996), Adult, UCI Machine Learning Repository, "
    "doi:10.24432/C5XW20; licence CC BY 4.0"
)

# Field names of UCI's german.data, in file order; field 21 is the label.
# TODO(issue-2): the categorical values keep UCI's codes (A11, A34,
# ...); map them to the wording of UCI's german.doc so reports are readable.
GERMAN_COLUMNS = [
    "checking_status",
    "duration_months",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings",
    "employment_since",
    "installment_rate",
    "personal_status_sex",
    "other_debtors",
    "residence_since",
    "property",
    "age",
    "other_installment_plans",
    "housing",
    "existing_credits",
    "job",
    "people_liable",
    "telephone",
    "foreign_worker",
    "credit_risk",
]
GERMAN_SOURCE = (
    "Hofmann (1994), Statlog (German Credit Data), UCI Machine Learning "
    "Repository, doi:10.24432/C5NC77; licence CC BY 4.0"
)


def load_adult(*, drop_sensitive: bool = False) -> Dataset:
    """Load the UCI Adult (census income) dataset shipped with miadeps.

    Parameters
    ----------
    drop_sensitive : bool, default=False
        Leave ``sex``, ``race`` and ``age`` out of ``X`` (they stay in
        ``frame`` and ``sensitive``). The study keeps them in.

    Returns
    -------
    Dataset
        48,842 records (training and test splits, in that order), 14 raw
        features, label ``income`` with class 1 for ``">50K"`` (about 23.9%).
        ``sensitive`` holds ``sex``, ``race`` and ``age``.

    Notes
    -----
    The two UCI files are read with ``skipinitialspace`` (fields are
    separated by a comma and a space), ``?`` as missing, the first line of
    the test split skipped (it is not a record), and the trailing ``.`` of
    the test labels removed. The 3,620 records with a missing value are
    kept: their ``workclass``, ``occupation`` or ``native-country`` is
    encoded by the ``=<missing>`` column of that feature.

    The parsed dataset is cached in the process; each call returns a new
    :class:`Dataset` with its own frames and read-only shared arrays.
    Becker & Kohavi (1996), doi:10.24432/C5XW20, CC BY 4.0.
    """
    return _detached(_adult(bool(drop_sensitive)))


def load_german(*, drop_sensitive: bool = False) -> Dataset:
    """Load the UCI Statlog German Credit dataset shipped with miadeps.

    Parameters
    ----------
    drop_sensitive : bool, default=False
        Leave ``personal_status_sex`` (it encodes sex), ``age`` and
        ``foreign_worker`` out of ``X``.

    Returns
    -------
    Dataset
        1,000 records, 20 raw features with readable names, label
        ``credit_risk``: class 1 is ``"good"`` (700 records), 0 is ``"bad"``.
        ``sensitive`` holds ``sex`` (``"female"`` for code A92, else
        ``"male"``), ``age`` and ``foreign_worker`` (A201 yes, A202 no).

    Notes
    -----
    Categorical fields keep UCI's codes (``A11``, ``A34``, ...); see UCI's
    ``german.doc`` for their meaning. The file's label codes 1 (good) and 2
    (bad) are written as ``"good"`` and ``"bad"`` in ``frame``. Good credit
    is the positive class so that, as in Adult, 1 is the favourable outcome.
    UCI's field 9 mixes sex with marital status, and no record has A95
    (single female), so ``sex`` separates A92 from the rest.
    Hofmann (1994), doi:10.24432/C5NC77, CC BY 4.0.
    """
    return _detached(_german(bool(drop_sensitive)))


@functools.lru_cache(maxsize=2)
def _adult(drop_sensitive: bool) -> Dataset:
    parts = []
    for file, skip in (("adult.data.gz", 0), ("adult.test.gz", 1)):
        with _open_data(file) as handle:
            parts.append(
                pd.read_csv(
                    handle,
                    compression="gzip",
                    header=None,
                    names=ADULT_COLUMNS,
                    skipinitialspace=True,
                    na_values="?",
                    skiprows=skip,
                )
            )
    raw = pd.concat(parts, ignore_index=True)
    raw["income"] = raw["income"].str.rstrip(".")

    frame = clean_frame(raw)
    sensitive = ["sex", "race", "age"]
    logger.debug("parsed Adult: %d rows", len(frame))
    return assemble(
        frame,
        "income",
        sensitive=frame[sensitive].copy(),
        drop=sensitive if drop_sensitive else (),
        positive=">50K",
        name="adult",
        source=ADULT_SOURCE,
    )


@functools.lru_cache(maxsize=2)
def _german(drop_sensitive: bool) -> Dataset:
    with _open_data("german.data.gz") as handle:
        raw = pd.read_csv(
            handle, compression="gzip", sep=" ", header=None, names=GERMAN_COLUMNS
        )
    raw["credit_risk"] = raw["credit_risk"].map({1: "good", 2: "bad"})

    frame = clean_frame(raw)
    sensitive = pd.DataFrame(
        {
            "sex": frame["personal_status_sex"]
            .eq("A92")
            .map({True: "female", False: "male"}),
            "age": frame["age"],
            "foreign_worker": frame["foreign_worker"],
        }
    )
    drop = ["personal_status_sex", "age", "foreign_worker"] if drop_sensitive else ()
    return assemble(
        frame,
        "credit_risk",
        sensitive=sensitive,
        drop=drop,
        positive="good",
        name="german",
        source=GERMAN_SOURCE,
    )


def _open_data(file: str):
    """Binary handle on a file of ``miadeps/datasets/data``."""
    return (resources.files("miadeps.datasets") / "data" / file).open("rb")


def _detached(dataset: Dataset) -> Dataset:
    """A copy whose frames and lists a caller may change without harm.

    The arrays are shared: they are read-only already.
    """
    return dataclasses.replace(
        dataset,
        frame=dataset.frame.copy(),
        sensitive=dataset.sensitive.copy(),
        feature_names=list(dataset.feature_names),
        raw_features=list(dataset.raw_features),
        feature_kinds=dict(dataset.feature_kinds),
    )
