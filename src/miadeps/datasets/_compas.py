"""ProPublica's COMPAS recidivism data, downloaded on first use."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd

from miadeps.datasets import _cache
from miadeps.datasets._cache import (
    content_md5,
    data_home,
    download_verified,
    missing_error,
)
from miadeps.datasets._dataset import Dataset
from miadeps.datasets._encode import assemble, clean_frame
from miadeps.exceptions import FetchError

__all__ = ["fetch_compas"]

logger = logging.getLogger(__name__)

COMPAS_FILE = "compas-scores-two-years.csv"
COMPAS_URL = (
    "https://raw.githubusercontent.com/propublica/compas-analysis/master/" + COMPAS_FILE
)
COMPAS_MD5 = "9165d40c400bba93a8cffece2b74622b"
#: Features kept: who the defendant is and their record before screening.
COMPAS_FEATURES = [
    "sex",
    "age",
    "race",
    "juv_fel_count",
    "juv_misd_count",
    "juv_other_count",
    "priors_count",
    "c_charge_degree",
]
COMPAS_SOURCE = (
    "Angwin, Larson, Mattu & Kirchner (2016), Machine Bias, ProPublica, "
    "github.com/propublica/compas-analysis; no licence stated, research use"
)


def fetch_compas(
    *,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
    drop_sensitive: bool = False,
) -> Dataset:
    """ProPublica's COMPAS two-year recidivism data, filtered as they did.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Folder with (or for) ``compas-scores-two-years.csv`` or its
        ``.csv.gz``; default: ``MIADEPS_DATA``, else the user cache folder.
    download : bool, default=True
        Download the CSV if neither form is in the folder.
    drop_sensitive : bool, default=False
        Leave ``sex``, ``race`` and ``age`` out of ``X``.

    Returns
    -------
    Dataset
        6,172 records, label ``two_year_recid`` (class 1: charged again
        within two years, about 45.5%), sensitive ``sex``, ``race``, ``age``.

    Raises
    ------
    FetchError
        If the file is missing and ``download`` is false, the download
        fails, or its md5 is not that of the published CSV.

    Notes
    -----
    Rows are kept when ``days_b_screening_arrest`` is within 30 days,
    ``is_recid != -1``, ``c_charge_degree != "O"`` and
    ``score_text != "N/A"`` (ProPublica's filter). The features are
    ``COMPAS_FEATURES``: sex, age, race, juvenile felony / misdemeanour /
    other counts, prior count and charge degree. Left out: names, birth
    dates, case numbers, dates and ids (personal data); COMPAS's own scores
    (``decile_score``, ``score_text``, ``v_*``), which are predictions; and
    everything recorded after screening (``is_recid``, ``r_*``, ``vr_*``,
    ``event``, ``start``, ``end``, custody dates), which leaks the label.
    ``frame`` holds only the kept features and the label.
    """
    home = data_home(data_dir)
    found = [home / COMPAS_FILE, home / (COMPAS_FILE + ".gz")]
    path = next((p for p in found if p.is_file()), None)

    if path is None:
        if not download:
            raise missing_error(COMPAS_FILE, home, "COMPAS", also=COMPAS_FILE + ".gz")
        path = download_verified(
            [COMPAS_URL],
            home / COMPAS_FILE,
            verify=_md5_problem,
            downloader=_cache._download,
        )
    else:
        problem = _md5_problem(path)
        if problem is not None:
            raise FetchError(
                f"{str(path)!r}: {problem}; delete it and fetch it again "
                "(download=True) or place the published CSV there"
            )

    raw = pd.read_csv(path)
    keep = (
        raw["days_b_screening_arrest"].between(-30, 30)
        & (raw["is_recid"] != -1)
        & (raw["c_charge_degree"] != "O")
        # pandas reads "N/A" as missing; ProPublica's R code saw the text.
        & raw["score_text"].notna()
        & (raw["score_text"] != "N/A")
    )
    label = "two_year_recid"
    frame = clean_frame(raw.loc[keep, [*COMPAS_FEATURES, label]])
    sensitive = ["sex", "race", "age"]
    logger.debug("COMPAS: kept %d of %d rows", len(frame), len(raw))
    return assemble(
        frame,
        label,
        sensitive=frame[sensitive].copy(),
        drop=sensitive if drop_sensitive else (),
        positive=1,
        name="compas",
        source=COMPAS_SOURCE,
    )


def _md5_problem(path: Path) -> str | None:
    found = content_md5(path)
    if found != COMPAS_MD5:
        return f"content md5 {found} differs from the published {COMPAS_MD5}"
    return None
