import sys

import pytest

from miadeps.experiments import (
    expand_trials,
    group_tasks,
    load_study,
    resolve_spec,
    setting_key,
    trial_seed,
)

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def _spec(tiny_toml, **changes):
    raw = tomllib.loads(tiny_toml)
    raw.update(changes)
    return resolve_spec(raw, source="test")


def test_trial_seed_is_stable_and_depends_on_seed_and_key():
    seed = trial_seed(0, "s/x=1/rep=0")
    assert seed == trial_seed(0, "s/x=1/rep=0")
    assert 0 <= seed < 2**32
    others = {trial_seed(0, "s/x=1/rep=1"), trial_seed(1, "s/x=1/rep=0")}
    assert seed not in others and len(others) == 2


def test_expand_trials_gives_each_setting_reps_times_with_unique_keys(tiny_toml):
    trials = expand_trials(_spec(tiny_toml))
    assert len(trials) == 2 * 3
    assert len({t.key for t in trials}) == 6
    assert len({t.seed for t in trials}) == 6
    first = trials[0]
    assert first.key == "tiny/sampling.class_balance=0.3/rep=0"
    assert first.setting == "tiny/sampling.class_balance=0.3"
    assert first.spec.sampling.class_balance == 0.3
    assert first.seed == trial_seed(3, first.key)


def test_adding_a_grid_value_or_reps_changes_no_other_trial(tiny_toml):
    before = {t.key: t for t in expand_trials(_spec(tiny_toml))}
    wider = _spec(tiny_toml, reps=5, vary={"sampling.class_balance": [0.3, 0.4, 0.5]})
    after = {t.key: t for t in expand_trials(wider)}
    assert len(after) == 15
    for key, trial in before.items():
        assert after[key].seed == trial.seed
        assert after[key].spec == trial.spec


def test_setting_key_writes_whole_floats_as_integers():
    assert setting_key("s", {"a.b": 1.0, "c": "lr", "d": True}) == "s/a.b=1/c=lr/d=true"
    assert setting_key("s", {"x": 1e-05}) == "s/x=1e-05"
    assert setting_key("s", {}) == "s"


def test_study_without_grid_is_one_setting(tiny_toml):
    raw = tomllib.loads(tiny_toml)
    del raw["vary"]
    trials = expand_trials(resolve_spec(raw, source="test"))
    assert [t.key for t in trials] == ["tiny/rep=0", "tiny/rep=1", "tiny/rep=2"]


@pytest.mark.parametrize("n_workers", [1, 2, 8])
def test_group_tasks_covers_every_trial_once_within_one_setting(n_workers):
    trials = expand_trials(load_study("class-balance"))
    tasks = group_tasks(trials, n_workers)
    flat = [t.key for task in tasks for t in task]
    assert sorted(flat) == sorted(t.key for t in trials)
    assert all(len({t.setting for t in task}) == 1 for task in tasks)
    assert max(len(task) for task in tasks) <= 8
    # Round-robin: the first tasks reach every setting before any repeats.
    n_settings = len({t.setting for t in trials})
    assert len({task[0].setting for task in tasks[:n_settings]}) == n_settings


def test_group_tasks_makes_about_four_tasks_per_worker():
    trials = expand_trials(load_study("class-balance"))  # 9 settings x 10 reps
    assert len(group_tasks(trials, 2)) == 18
    assert len(group_tasks(trials, 1)) == 18
    assert len(group_tasks(trials, 30)) == 90
