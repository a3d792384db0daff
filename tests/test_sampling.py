import numpy as np
import pytest

from miadeps.exceptions import ConfigError
from miadeps.sampling import split_members, split_target_shadow


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
