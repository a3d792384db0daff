import numpy as np
import pandas as pd
import pytest

from miadeps.exceptions import DataError
from miadeps.properties import binary_groups


def test_binary_groups_categorical_most_frequent_against_rest():
    groups, text = binary_groups(pd.Series(["a", "b", "b", "c", "b"]), "race")
    assert groups.tolist() == [False, True, True, False, True]
    assert text == "race == 'b'"


def test_binary_groups_numeric_cut_at_median():
    ages = pd.Series(np.arange(20, 60))
    groups, text = binary_groups(ages, "age")
    assert groups.sum() == 20
    assert text == "age > 39.5"


def test_binary_groups_refuses_a_constant_attribute():
    with pytest.raises(DataError, match="sex takes 1 distinct value"):
        binary_groups(["f", "f", None], "sex")
