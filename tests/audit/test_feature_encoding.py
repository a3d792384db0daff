import numpy as np
import pandas as pd
import pytest

from miadeps.datasets import FeatureEncoding, from_frame, load_german
from miadeps.exceptions import DataError


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 80, n).astype(float),
            "colour": rng.choice(["red", "green", "blue"], n),
            "label": rng.choice(["no", "yes"], n),
        }
    )


def test_feature_encoding_reproduces_the_dataset_matrix():
    german = load_german()
    encoding = FeatureEncoding.from_dataset(german)
    assert encoding.feature_names == german.feature_names
    np.testing.assert_array_equal(encoding.feature_groups, german.feature_groups)
    np.testing.assert_array_equal(encoding.transform(german.frame), german.X)


def test_feature_encoding_encodes_new_records_like_the_fitted_ones():
    fitted = _table(300, 0)
    dataset = from_frame(fitted, "label")
    encoding = FeatureEncoding.from_dataset(dataset)

    # Records encoded one by one, in another order, get the rows that the
    # fitting encoded for them.
    order = np.random.default_rng(1).permutation(len(fitted))[:50]
    again = encoding.transform(dataset.frame.iloc[order].reset_index(drop=True))
    np.testing.assert_array_equal(again, dataset.X[order])

    # A new table is scaled with the fitted range, not its own.
    new = pd.DataFrame({"age": [18.0, 79.0, 200.0, np.nan], "colour": ["red"] * 4})
    ages = encoding.transform(new)[:, encoding.feature_names.index("age")]
    low, high = fitted["age"].min(), fitted["age"].max()
    assert ages[0] == pytest.approx((18 - low) / (high - low))
    assert ages[2] == 1.0  # clipped
    assert ages[3] == pytest.approx((fitted["age"].median() - low) / (high - low))


def test_feature_encoding_unseen_category_sets_no_column():
    encoding = FeatureEncoding.fit(
        pd.DataFrame({"colour": ["red", "blue", None]}),
        ["colour"],
        {"colour": "categorical"},
    )
    assert encoding.feature_names == ["colour=blue", "colour=red", "colour=<missing>"]
    block = encoding.transform(pd.DataFrame({"colour": ["red", "purple", None]}))
    np.testing.assert_array_equal(block, [[0, 1, 0], [0, 0, 0], [0, 0, 1]])


def test_feature_encoding_missing_feature_is_refused():
    encoding = FeatureEncoding.from_dataset(from_frame(_table(50, 2), "label"))
    with pytest.raises(DataError, match="feature column 'colour' is not in"):
        encoding.transform(pd.DataFrame({"age": [30.0]}))


def test_feature_encoding_to_dict_lists_the_fitted_parameters():
    encoding = FeatureEncoding.from_dataset(from_frame(_table(50, 3), "label"))
    described = encoding.to_dict()
    assert described["levels"]["colour"] == ["blue", "green", "red"]
    assert described["numeric"]["age"]["low"] <= described["numeric"]["age"]["high"]
    assert described["feature_names"] == encoding.feature_names
