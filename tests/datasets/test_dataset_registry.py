"""list_datasets and load_dataset."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from miadeps.datasets import (
    DatasetInfo,
    _fetch,
    fetch_purchase100,
    list_datasets,
    load_adult,
    load_dataset,
    load_german,
)
from miadeps.exceptions import ConfigError, FetchError

NAMES = ["adult", "german", "compas", "purchase100", "texas100"]


def by_name(infos: list[DatasetInfo]) -> dict[str, DatasetInfo]:
    return {info.name: info for info in infos}


def test_list_datasets_describes_every_dataset(tmp_path: Path) -> None:
    infos = list_datasets(tmp_path)
    assert [info.name for info in infos] == NAMES
    table = by_name(infos)

    assert (table["adult"].records, table["adult"].features) == (48_842, 14)
    assert table["adult"].label_balance == pytest.approx(0.2393, abs=5e-4)
    assert table["german"].label_balance == pytest.approx(0.7)
    assert table["compas"].records == 6_172
    assert table["purchase100"].records == 197_324
    assert table["texas100"].records == 67_330
    assert table["purchase100"].label_balance is None
    assert [info.on_disk for info in infos] == [True, True, False, False, False]
    assert table["adult"].loader is load_adult
    assert "CC BY 4.0" in table["german"].source


def test_list_datasets_constants_match_the_loaders() -> None:
    table = by_name(list_datasets())
    for loader in (load_adult, load_german):
        ds = loader()
        info = table[ds.name]
        assert (info.records, info.features) == (ds.n_records, ds.n_features)
        assert info.label_balance == pytest.approx(ds.class_balance)


def test_list_datasets_sees_files_on_disk(tmp_path: Path, shared_data: Path) -> None:
    source = shared_data / "compas" / "compas-scores-two-years.csv.gz"
    if not source.is_file():
        pytest.skip("shared COMPAS file not present")
    shutil.copyfile(source, tmp_path / source.name)
    info = by_name(list_datasets(tmp_path))["compas"]
    assert info.on_disk
    ds = load_dataset("compas", data_dir=tmp_path)
    assert (info.records, info.features) == (ds.n_records, ds.n_features)
    assert info.label_balance == pytest.approx(ds.class_balance)


def test_list_datasets_reads_balance_of_a_default_fetch(
    monkeypatch, purchase_archive, tmp_path: Path
) -> None:
    monkeypatch.setattr(_fetch, "PURCHASE100", purchase_archive.spec)
    shutil.copyfile(purchase_archive.path, tmp_path / "dataset_purchase.tgz")
    ds = fetch_purchase100(data_dir=tmp_path, download=False)

    info = by_name(list_datasets(tmp_path))["purchase100"]
    assert info.on_disk
    assert info.label_balance == pytest.approx(ds.class_balance)


@pytest.mark.parametrize("name", ["adult", " German "])
def test_load_dataset_dispatches_by_name(name: str) -> None:
    ds = load_dataset(name)
    assert ds.name == name.strip().lower()


def test_load_dataset_unknown_name_lists_known_ones() -> None:
    with pytest.raises(
        ConfigError, match="unknown dataset 'mnist'.*adult, german, compas"
    ):
        load_dataset("mnist")


def test_load_dataset_does_not_download_by_default(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="purchase100 is not on disk"):
        load_dataset("purchase100", data_dir=tmp_path)
