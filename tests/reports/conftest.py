"""Fixtures: run directories of made-up rows (see report_rows)."""

import pytest
from report_rows import SWEEP_SPEC, make_store, synthetic_rows

from miadeps.experiments import load_study, resolve_spec


@pytest.fixture
def sweep_run(tmp_path):
    """A study of four shadow sizes whose attack accuracy rises with them."""
    spec = resolve_spec(SWEEP_SPEC, source="test")

    def rising(values, rng):
        return 0.70 + 0.00008 * values["sampling.shadow_size"] + rng.normal(0, 0.005)

    return make_store(tmp_path / "sweep", spec, synthetic_rows(spec, attack=rising))


@pytest.fixture
def builtin_run():
    """A run directory of a built-in study (quick profile) with made-up rows."""

    def make(root, name, reps=2, seed=0):
        spec = load_study(name, profile="quick", reps=reps)
        return make_store(root / name, spec, synthetic_rows(spec, seed=seed))

    return make
