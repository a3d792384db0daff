"""Fetchers of Purchase100, Texas100 and COMPAS, all without the network.

The archives are tiny copies in the published layouts (see conftest); the
module-level downloader is replaced, and every test that does not replace it
fails if it tries to download.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import shutil
from pathlib import Path

import numpy as np
import pytest

from miadeps.datasets import (
    _cache,
    _compas,
    _fetch,
    fetch_compas,
    fetch_purchase100,
    fetch_texas100,
)
from miadeps.exceptions import ConfigError, FetchError


class FakeServer:
    """Stands in for ``_cache._download``: serves local files, counts calls."""

    def __init__(self, files: dict[str, Path | bytes]) -> None:
        self.files = files
        self.calls: list[str] = []

    def __call__(self, url: str, dest: Path) -> None:
        self.calls.append(url)
        content = self.files.get(url)
        if content is None:
            raise OSError(f"HTTP Error 404 for {url}")
        if isinstance(content, Path):
            shutil.copyfile(content, dest)
        else:
            dest.write_bytes(content)


@pytest.fixture
def purchase(monkeypatch, purchase_archive):
    monkeypatch.setattr(_fetch, "PURCHASE100", purchase_archive.spec)
    server = FakeServer({purchase_archive.spec.urls[0]: purchase_archive.path})
    monkeypatch.setattr(_cache, "_download", server)
    return purchase_archive, server


def test_fetch_purchase100_downloads_parses_and_binarizes(purchase, tmp_path) -> None:
    archive, server = purchase
    home = tmp_path / "home"
    ds = fetch_purchase100(data_dir=home, n_features=16, random_state=0)

    assert server.calls == [archive.spec.urls[0]]
    assert (home / "dataset_purchase.tgz").read_bytes() == archive.path.read_bytes()
    assert ds.name == "purchase100"
    assert ds.X.shape == (60, 16) and ds.n_features == 16
    assert set(np.unique(ds.X)) <= {0.0, 1.0}
    # Labels shift from 1-based in the file to 0-based.
    np.testing.assert_array_equal(ds.frame["class100"], archive.classes - 1)
    # The mixture recovers the planted groups; class 1 is the smaller one.
    np.testing.assert_array_equal(ds.y, archive.group)
    assert ds.class_balance == pytest.approx(20 / 60)
    columns = [int(name[1:]) for name in ds.feature_names]
    np.testing.assert_array_equal(ds.X, archive.X[:, columns])
    assert all(c < 300 for c in columns), "informative columns are the first half"
    assert ds.sensitive.shape == (60, 0)


def test_fetch_purchase100_second_call_uses_the_cache(purchase, tmp_path) -> None:
    archive, server = purchase
    first = fetch_purchase100(data_dir=tmp_path)
    second = fetch_purchase100(data_dir=tmp_path)
    assert len(server.calls) == 1
    assert second.equals(first)
    assert (tmp_path / "dataset_purchase.parsed.npz").is_file()

    # The parsed cache alone is enough: the archive is not read again.
    (tmp_path / "dataset_purchase.tgz").unlink()
    third = fetch_purchase100(data_dir=tmp_path, download=False)
    assert third.equals(first)
    assert len(server.calls) == 1


def test_fetch_purchase100_same_seed_same_dataset(purchase, tmp_path) -> None:
    a = fetch_purchase100(data_dir=tmp_path, n_features=5, random_state=3)
    b = fetch_purchase100(
        data_dir=tmp_path, n_features=5, random_state=np.random.default_rng(3)
    )
    assert a.equals(b)
    assert a.n_features == 5


def test_fetch_purchase100_uses_environment_folder(
    purchase, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("MIADEPS_DATA", str(tmp_path / "env-home"))
    fetch_purchase100()
    assert (tmp_path / "env-home" / "dataset_purchase.tgz").is_file()


def test_fetch_without_download_and_nothing_on_disk(purchase, tmp_path) -> None:
    archive, server = purchase
    with pytest.raises(FetchError, match=r"not on disk: no dataset_purchase\.tgz in"):
        fetch_purchase100(data_dir=tmp_path, download=False)
    assert server.calls == []


def test_fetch_refuses_a_tampered_archive_on_disk(purchase, tmp_path) -> None:
    archive, server = purchase
    tampered = bytearray(archive.path.read_bytes())
    tampered[-10] ^= 0xFF
    (tmp_path / "dataset_purchase.tgz").write_bytes(bytes(tampered))

    with pytest.raises(FetchError, match="git blob id .* differs.*delete it"):
        fetch_purchase100(data_dir=tmp_path)
    assert server.calls == []
    assert not (tmp_path / "dataset_purchase.parsed.npz").exists()


def test_fetch_refuses_a_tampered_download(purchase, tmp_path, monkeypatch) -> None:
    archive, _ = purchase
    good = archive.path.read_bytes()
    server = FakeServer({url: good[:-1] + b"x" for url in archive.spec.urls})
    monkeypatch.setattr(_cache, "_download", server)

    home = tmp_path / "home"
    with pytest.raises(
        FetchError, match="could not download dataset_purchase.tgz.*place"
    ):
        fetch_purchase100(data_dir=home)
    assert server.calls == list(archive.spec.urls)
    assert list(home.iterdir()) == []


def test_fetch_falls_back_to_the_second_url(purchase, tmp_path, monkeypatch) -> None:
    archive, _ = purchase
    server = FakeServer({archive.spec.urls[1]: archive.path})
    monkeypatch.setattr(_cache, "_download", server)
    ds = fetch_purchase100(data_dir=tmp_path)
    assert server.calls == list(archive.spec.urls)
    assert ds.n_records == 60


def test_fetch_failed_download_names_the_url(purchase, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(_cache, "_download", FakeServer({}))
    with pytest.raises(FetchError, match=r"https://example\.invalid/a\.tgz: OSError"):
        fetch_purchase100(data_dir=tmp_path)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"n_classes": 7}, "6 classes, expected 7"),
        ({"n_classes": 5}, "labels 1..6, expected 1..5"),
        ({"n_records": 61}, "60 records, expected 61"),
        ({"n_columns": 601}, "600 features, expected 601"),
    ],
)
def test_fetch_checks_shape_and_classes(purchase, tmp_path, monkeypatch, change, match):
    archive, _ = purchase
    monkeypatch.setattr(
        _fetch, "PURCHASE100", dataclasses.replace(archive.spec, **change)
    )
    with pytest.raises(FetchError, match=match):
        fetch_purchase100(data_dir=tmp_path, n_features=3)


@pytest.mark.parametrize("n_features", [0, 601, True])
def test_fetch_purchase100_rejects_feature_counts(
    purchase, tmp_path, n_features
) -> None:
    with pytest.raises(ConfigError, match="n_features=.* is out of range"):
        fetch_purchase100(data_dir=tmp_path, n_features=n_features)


def test_fetch_purchase100_quoted_labels(
    monkeypatch, tmp_path, purchase_archive, binary_lines, write_tgz
) -> None:
    path = write_tgz(
        tmp_path / "dataset_purchase.tgz",
        {
            "dataset_purchase": binary_lines(
                purchase_archive.X, purchase_archive.classes, quoted=True
            )
        },
    )
    spec = dataclasses.replace(purchase_archive.spec, blob_id=_cache.git_blob_id(path))
    monkeypatch.setattr(_fetch, "PURCHASE100", spec)
    ds = fetch_purchase100(data_dir=tmp_path, download=False)
    np.testing.assert_array_equal(ds.frame["class100"], purchase_archive.classes - 1)


def test_fetch_texas100_reads_feats_and_labels(
    monkeypatch, texas_archive, tmp_path
) -> None:
    monkeypatch.setattr(_fetch, "TEXAS100", texas_archive.spec)
    server = FakeServer({texas_archive.spec.urls[0]: texas_archive.path})
    monkeypatch.setattr(_cache, "_download", server)

    ds = fetch_texas100(data_dir=tmp_path, n_features=6)
    assert ds.name == "texas100"
    assert ds.X.shape == (60, 6)
    np.testing.assert_array_equal(ds.frame["class100"], texas_archive.classes - 1)
    np.testing.assert_array_equal(ds.y, texas_archive.group)
    assert (tmp_path / "dataset_texas.parsed.npz").is_file()

    again = fetch_texas100(data_dir=tmp_path, n_features=6)
    assert again.equals(ds) and len(server.calls) == 1


# ---------------------------------------------------------------- COMPAS

COMPAS_COLUMNS = (
    "id,name,first,last,compas_screening_date,sex,dob,age,age_cat,race,"
    "juv_fel_count,decile_score,juv_misd_count,juv_other_count,priors_count,"
    "days_b_screening_arrest,c_jail_in,c_jail_out,c_case_number,c_offense_date,"
    "c_arrest_date,c_days_from_compas,c_charge_degree,c_charge_desc,is_recid,"
    "r_case_number,r_charge_degree,r_days_from_arrest,r_offense_date,"
    "r_charge_desc,r_jail_in,r_jail_out,violent_recid,is_violent_recid,"
    "vr_case_number,vr_charge_degree,vr_offense_date,vr_charge_desc,"
    "type_of_assessment,decile_score,score_text,screening_date,"
    "v_type_of_assessment,v_decile_score,v_score_text,v_screening_date,"
    "in_custody,out_custody,priors_count,start,end,event,two_year_recid"
).split(",")

# (sex, age, race, priors, days_b_screening_arrest, is_recid, degree, score, label)
COMPAS_ROWS = [
    ("Male", 25, "Caucasian", 0, "-1", 0, "F", "Low", 0),
    ("Female", 40, "African-American", 3, "0", 1, "M", "High", 1),
    ("Male", 33, "Hispanic", 1, "30", 1, "F", "Medium", 1),
    ("Male", 51, "Other", 7, "-30", 0, "M", "Low", 0),
    ("Male", 22, "Caucasian", 2, "31", 1, "F", "Low", 1),  # arrest too far
    ("Female", 30, "Caucasian", 0, "", 0, "F", "Low", 0),  # no arrest date
    ("Male", 35, "Caucasian", 4, "2", -1, "F", "Low", 0),  # is_recid -1
    ("Male", 45, "Caucasian", 5, "1", 0, "O", "Low", 0),  # ordinary traffic
    ("Female", 28, "Asian", 1, "3", 1, "M", "N/A", 1),  # no score
]


def compas_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COMPAS_COLUMNS)
    for i, (sex, age, race, priors, days, recid, degree, score, label) in enumerate(
        COMPAS_ROWS
    ):
        row = dict.fromkeys(COMPAS_COLUMNS, "")
        row.update(
            id=i + 1,
            name="jane doe",
            first="jane",
            last="doe",
            dob="1980-01-01",
            sex=sex,
            age=age,
            race=race,
            juv_fel_count=0,
            juv_misd_count=i % 2,
            juv_other_count=0,
            priors_count=priors,
            days_b_screening_arrest=days,
            is_recid=recid,
            c_charge_degree=degree,
            score_text=score,
            c_charge_desc="Battery, simple",
            two_year_recid=label,
            decile_score=5,
        )
        writer.writerow([row[c] for c in COMPAS_COLUMNS])
    return out.getvalue().encode()


@pytest.fixture
def compas_fixture(monkeypatch) -> bytes:
    data = compas_csv()
    monkeypatch.setattr(
        _compas, "COMPAS_MD5", hashlib.md5(data, usedforsecurity=False).hexdigest()
    )
    return data


def test_fetch_compas_filters_and_leaves_out_personal_data(
    compas_fixture, tmp_path
) -> None:
    (tmp_path / "compas-scores-two-years.csv").write_bytes(compas_fixture)
    ds = fetch_compas(data_dir=tmp_path, download=False)

    assert ds.n_records == 4
    assert ds.y.tolist() == [0, 1, 1, 0]
    assert ds.raw_features == _compas.COMPAS_FEATURES
    assert ds.frame.columns.tolist() == [*_compas.COMPAS_FEATURES, "two_year_recid"]
    assert ds.sensitive["race"].tolist() == [
        "Caucasian",
        "African-American",
        "Hispanic",
        "Other",
    ]
    assert ds.label_rule == "two_year_recid is 1"


def test_fetch_compas_downloads_and_verifies_md5(
    compas_fixture, tmp_path, monkeypatch
) -> None:
    server = FakeServer({_compas.COMPAS_URL: compas_fixture})
    monkeypatch.setattr(_cache, "_download", server)
    fetch_compas(data_dir=tmp_path)
    fetch_compas(data_dir=tmp_path)
    assert server.calls == [_compas.COMPAS_URL]
    assert (tmp_path / "compas-scores-two-years.csv").read_bytes() == compas_fixture


def test_fetch_compas_refuses_a_changed_file(compas_fixture, tmp_path) -> None:
    (tmp_path / "compas-scores-two-years.csv").write_bytes(compas_fixture + b"\r\n")
    with pytest.raises(FetchError, match="content md5 .* differs"):
        fetch_compas(data_dir=tmp_path)


def test_fetch_compas_missing_without_download(tmp_path) -> None:
    with pytest.raises(FetchError, match=r"COMPAS is not on disk.*csv\.gz"):
        fetch_compas(data_dir=tmp_path, download=False)


def test_fetch_compas_real_file_offline(shared_data: Path) -> None:
    folder = shared_data / "compas"
    if not (folder / "compas-scores-two-years.csv.gz").is_file():
        pytest.skip("shared COMPAS file not present")
    ds = fetch_compas(data_dir=folder, download=False)

    assert ds.n_records == 6_172
    assert int(ds.y.sum()) == 2_809
    assert ds.sensitive.columns.tolist() == ["sex", "race", "age"]
    personal = {"name", "first", "last", "dob", "id", "c_case_number", "decile_score"}
    assert not personal & set(ds.frame.columns)
    assert not np.isnan(ds.X).any() and ds.X.max() <= 1
    assert (
        fetch_compas(data_dir=folder, download=False, drop_sensitive=True).n_features
        == 5
    )
