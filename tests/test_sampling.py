import numpy as np
import pytest

from miadeps.exceptions import ConfigError
from miadeps.sampling import (
    choose_features,
    sample_with_properties,
    split_members,
    split_target_shadow,
)


def test_split_target_shadow_disjoint_sizes_and_rate():
    split = split_target_shadow(
        1000, target_size=400, shadow_size=300, member_rate=0.75, random_state=0
    )
    target = split.target.indices
    assert split.target.members.size == 300
    assert split.target.nonmembers.size == 100
    assert split.shadow_pool.size == 300
    assert np.intersect1d(target, split.shadow_pool).size == 0
    assert np.unique(target).size == 400
    assert split.target.membership.sum() == 300


def test_split_target_shadow_same_seed_same_split():
    a = split_target_shadow(500, target_size=100, shadow_size=100, random_state=7)
    b = split_target_shadow(500, target_size=100, shadow_size=100, random_state=7)
    c = split_target_shadow(500, target_size=100, shadow_size=100, random_state=8)
    assert np.array_equal(a.target.members, b.target.members)
    assert np.array_equal(a.shadow_pool, b.shadow_pool)
    assert not np.array_equal(a.target.members, c.target.members)


def test_split_target_shadow_too_large_names_what_fits():
    with pytest.raises(ConfigError, match="only 100; lower the sizes"):
        split_target_shadow(100, target_size=80, shadow_size=40)


@pytest.mark.parametrize("rate", [0, 1, 1.5, -0.1, "abc"])
def test_member_rate_outside_open_interval_is_refused(rate):
    with pytest.raises(ConfigError, match="member rate"):
        split_members(np.arange(10), rate)


def test_split_members_keeps_one_of_each():
    split = split_members(np.arange(3), 0.99, random_state=0)
    assert split.members.size == 2 and split.nonmembers.size == 1


def _labels_and_groups(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    in_group = rng.random(n) < np.where(y == 1, 0.6, 0.2)
    return y, in_group


@pytest.mark.parametrize("balance", [0.1, 0.25, 0.5, 0.7])
def test_sample_with_properties_meets_class_balance_within_a_record(balance):
    y, _ = _labels_and_groups()
    idx = sample_with_properties(y, 1001, class_balance=balance, random_state=1)
    assert idx.size == 1001 and np.unique(idx).size == 1001
    assert abs(y[idx].mean() - balance) <= 1 / 1001


@pytest.mark.parametrize(("balance", "share"), [(0.2, 0.1), (0.3, 0.5), (0.45, 0.8)])
def test_sample_with_properties_meets_both_shares(balance, share):
    y, in_group = _labels_and_groups()
    idx = sample_with_properties(
        y,
        999,
        class_balance=balance,
        in_group=in_group,
        group_share=share,
        random_state=2,
    )
    assert abs(y[idx].mean() - balance) <= 1 / 999
    assert abs(in_group[idx].mean() - share) <= 1 / 999


def test_sample_with_properties_group_share_alone():
    y, in_group = _labels_and_groups()
    idx = sample_with_properties(
        y, 500, in_group=in_group, group_share=0.6, random_state=0
    )
    assert abs(in_group[idx].mean() - 0.6) <= 1 / 500


def test_sample_with_properties_impossible_request_says_what_fits():
    y, _ = _labels_and_groups()  # about 1,200 positives of 4,000
    with pytest.raises(ConfigError, match=r"supplies class balance 0\.000-0\.59"):
        sample_with_properties(y, 2000, class_balance=0.9)


def test_sample_with_properties_respects_the_pool_and_seed():
    y, _ = _labels_and_groups()
    pool = np.arange(0, 4000, 2)
    a = sample_with_properties(y, 300, class_balance=0.5, pool=pool, random_state=3)
    b = sample_with_properties(y, 300, class_balance=0.5, pool=pool, random_state=3)
    assert np.isin(a, pool).all()
    assert np.array_equal(a, b)


def test_choose_features_picks_n_and_refuses_too_many():
    names = [f"f{i}" for i in range(10)]
    picked = choose_features(names, 4, random_state=0)
    assert len(picked) == 4 and picked == sorted(picked, key=names.index)
    with pytest.raises(ConfigError, match="from 1 to 10; got 11"):
        choose_features(names, 11)


def test_sample_with_properties_on_adult_feature_vectors():
    from miadeps.datasets import load_adult
    from miadeps.properties import (
        class_balance,
        feature_balance,
        feature_vectors,
        top_mi_features,
    )

    adult = load_adult()
    features = top_mi_features(adult, k=5)
    codes, in_group = feature_vectors(adult, features)
    top = np.bincount(codes).argmax()
    idx = sample_with_properties(
        adult.y,
        2000,
        class_balance=0.3,
        in_group=in_group,
        group_share=0.5,
        random_state=0,
    )
    assert abs(class_balance(adult.y[idx]) - 0.3) <= 1 / 2000
    assert abs(feature_balance(codes[idx], combination=top) - 0.5) <= 1 / 2000

    with pytest.raises(ConfigError, match="cannot draw 20000 records with class"):
        sample_with_properties(adult.y, 20000, class_balance=0.9)
