"""load_csv: reading files, and clear errors for files that cannot be used."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from miadeps.datasets import load_csv
from miadeps.exceptions import DataError

CSV = "age,job,sex,label\n30,clerk,f,yes\n45, smith ,m,no\n?,clerk,m,yes\n52,,f,no\n"


def test_load_csv_reads_file_named_after_its_stem(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(CSV)
    ds = load_csv(path, "label", sensitive=["sex"], positive="yes", na_values=["?"])

    assert ds.name == "people"
    assert ds.y.tolist() == [1, 0, 1, 0]
    assert ds.label_rule == "label is yes"
    assert ds.feature_names == [
        "age",
        "job=clerk",
        "job=smith",
        "job=<missing>",
        "sex=f",
        "sex=m",
    ]
    assert ds.frame["job"].tolist()[1] == "smith"
    assert ds.sensitive.columns.tolist() == ["sex"]
    # Age 30 and 52, with the missing one filled by the median 45.
    np.testing.assert_allclose(ds.X[:, 0], [0.0, 15 / 22, 15 / 22, 1.0])


def test_load_csv_reads_gzip_and_other_separators(tmp_path: Path) -> None:
    path = tmp_path / "people.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(CSV.replace(",", ";"))
    ds = load_csv(
        path,
        "label",
        sep=";",
        na_values=["?"],
        drop_sensitive=True,
        sensitive=["sex"],
        name="renamed",
    )
    assert ds.name == "renamed"
    assert ds.n_records == 4
    assert "sex" not in ds.raw_features


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", r"is empty \(0 bytes\)"),
        (b"age,job,label\n", "has a header but no records"),
        (b"\n\n", r"is empty \(no header"),
        (b"a,label\n1,x\n2,y,3,4\n", "cannot parse CSV file"),
        (b"a,b\n1,2\n3,4\n", "label column 'label' not found"),
        (b"a,label\n1,x\n2,\n", r"label 'label' is missing \(NaN\) in 1 of 2 rows"),
        (b"a,label\n1,x\n2,x\n", "one class only"),
        (b"a,label\n12,0\n7,1\nabc,0\n3,1\n", "column 'a' holds numbers but row 2"),
    ],
)
def test_load_csv_refuses_unusable_files(tmp_path: Path, content, match) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=match):
        load_csv(path, "label")


def test_load_csv_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nowhere\.csv' not found"):
        load_csv(tmp_path / "nowhere.csv", "label")


def test_load_csv_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    with pytest.raises(DataError, match="cannot parse CSV file"):
        load_csv(path, "label")
