"""Expanding a study into trials, each with a key and a seed of its own."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

from miadeps.experiments._spec import Scalar, StudySpec, TrialSpec, format_value

__all__ = ["Trial", "expand_trials", "group_tasks", "setting_key", "trial_seed"]

# scikit-learn takes seeds below 2**32 only, and the trial seed reaches it.
_SEED_BITS = 32


@dataclass(frozen=True)
class Trial:
    """One attack trial of a study.

    Attributes
    ----------
    key : str
        Unique within the study: its name, the varied values and the
        repetition, e.g. ``"class-balance/sampling.class_balance=0.1/rep=3"``.
    study : str
        The study's name.
    setting : str
        The key without the repetition: trials of one setting differ only
        in their seed.
    rep : int
        Repetition number, from 0.
    seed : int
        Derived from the study seed and ``key`` (see :func:`trial_seed`).
    values : dict of str to scalar
        The varied parameters and their values in this trial.
    spec : TrialSpec
        Everything the trial does.
    """

    key: str
    study: str
    setting: str
    rep: int
    seed: int
    values: dict[str, Scalar] = field(hash=False)
    spec: TrialSpec = field(hash=False)


def setting_key(study: str, values: dict[str, Scalar]) -> str:
    """``study/path=value/...`` for one assignment of the varied parameters."""
    return "/".join([study, *(f"{p}={format_value(v)}" for p, v in values.items())])


def trial_seed(study_seed: int, key: str) -> int:
    """A trial's seed: a stable hash of the study seed and the trial key.

    Parameters
    ----------
    study_seed : int
        The study's seed.
    key : str
        The trial's key.

    Returns
    -------
    int
        In ``0 .. 2**32 - 1`` (scikit-learn's range); the same on every
        machine and Python version, unlike ``hash()``. Adding or removing
        other trials does not change it.
    """
    digest = hashlib.sha256(f"{study_seed}|{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - _SEED_BITS)


def expand_trials(spec: StudySpec) -> list[Trial]:
    """Every trial of a study: each setting of its grids, ``spec.reps`` times.

    Parameters
    ----------
    spec : StudySpec
        A validated study.

    Returns
    -------
    list of Trial
        Setting after setting, repetitions in order.
    """
    trials = []
    for values in spec.settings():
        setting = setting_key(spec.name, values)
        trial_spec = spec.trial_spec(values)
        for rep in range(spec.reps):
            key = f"{setting}/rep={rep}"
            trials.append(
                Trial(
                    key=key,
                    study=spec.name,
                    setting=setting,
                    rep=rep,
                    seed=trial_seed(spec.seed, key),
                    values=dict(values),
                    spec=trial_spec,
                )
            )
    return trials


def group_tasks(trials: list[Trial], n_workers: int, *, max_size: int = 8):
    """Group trials into tasks, each a few trials of one setting.

    Parameters
    ----------
    trials : list of Trial
        The trials to run.
    n_workers : int
        Workers that will run the tasks; about four tasks per worker keep
        them all busy to the end.
    max_size : int, default=8
        Most trials in a task: a killed run loses at most the tasks in
        flight.

    Returns
    -------
    list of list of Trial
        Tasks in round-robin order over the settings, so that a partial run
        covers every setting with a few repetitions.
    """
    by_setting: dict[str, list[Trial]] = {}
    for trial in trials:
        by_setting.setdefault(trial.setting, []).append(trial)
    target = max(1, min(max_size, math.ceil(len(trials) / (4 * max(n_workers, 1)))))

    chunked = []
    for members in by_setting.values():
        n_chunks = math.ceil(len(members) / target)
        size = math.ceil(len(members) / n_chunks)
        chunked.append([members[i : i + size] for i in range(0, len(members), size)])
    tasks = []
    for round_ in range(max((len(c) for c in chunked), default=0)):
        tasks.extend(c[round_] for c in chunked if round_ < len(c))
    return tasks
