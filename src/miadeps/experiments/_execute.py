"""Running trials where the work happens: draw the records, attack, flatten.

Everything here runs inside a worker (a local process, a Dask worker, or
the caller's process) and returns plain data: rows and failures. Nothing
here writes to the results store.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from miadeps.datasets import Dataset, load_csv, load_dataset
from miadeps.exceptions import ConfigError
from miadeps.experiments._attack_trial import AttackConfig, run_attack
from miadeps.experiments._defended import reference_size
from miadeps.experiments._spec import DatasetSpec, TrialSpec
from miadeps.experiments._trials import Trial
from miadeps.models import make_model
from miadeps.properties import feature_vectors, top_mi_features
from miadeps.sampling import choose_features, sample_with_properties

logger = logging.getLogger(__name__)

__all__ = [
    "TaskResult",
    "attack_config",
    "check_setting",
    "flatten",
    "pin_threads",
    "run_task",
    "run_trial",
    "single_threaded",
    "spec_dataset",
]

# A second entropy word keeps the sampling stream apart from the streams
# that run_attack spawns from the trial seed itself.
_SAMPLING_STREAM = 1

# Loaded once per process: workers run many trials on one dataset.
_DATASETS: dict[str, Dataset] = {}
_GROUPS: dict[str, np.ndarray] = {}


@dataclass
class TaskResult:
    """What a worker sends back for one task.

    Attributes
    ----------
    rows : list of dict
        One flat row per finished trial (see :func:`run_trial`).
    failures : list of dict
        ``key``, ``error`` (the exception's class), ``message`` and
        ``traceback`` of each trial that raised.
    """

    rows: list[dict] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)


def spec_dataset(spec: DatasetSpec) -> Dataset:
    """The dataset a spec names, loaded once per process.

    Raises
    ------
    ConfigError, FetchError, DataError
        As :func:`~miadeps.datasets.load_dataset` or
        :func:`~miadeps.datasets.load_csv`.
    """
    cache_key = spec.model_dump_json()
    if cache_key not in _DATASETS:
        if spec.name is not None:
            dataset = load_dataset(spec.name, data_dir=spec.data_dir)
        else:
            path = Path(spec.csv)
            if not path.is_file():
                raise ConfigError(
                    f"dataset csv {spec.csv} is not a file; give a path relative "
                    "to the spec file or an absolute one"
                )
            dataset = load_csv(
                path,
                spec.label,
                sensitive=spec.sensitive,
                positive=spec.positive,
                threshold=spec.threshold,
            )
        _DATASETS[cache_key] = dataset
    return _DATASETS[cache_key]


def _balance_groups(spec: DatasetSpec, dataset: Dataset) -> np.ndarray:
    """Records whose top-5 feature vector is the dataset's most frequent."""
    cache_key = spec.model_dump_json()
    if cache_key not in _GROUPS:
        features = top_mi_features(dataset, k=min(5, dataset.n_features))
        _, groups = feature_vectors(dataset, features)
        _GROUPS[cache_key] = np.asarray(groups, bool)
    return _GROUPS[cache_key]


def attack_config(spec: TrialSpec, seed: int) -> AttackConfig:
    """The :class:`AttackConfig` of a trial spec.

    A shadow kind of ``"same"`` becomes the target's kind.
    """
    shadow = spec.target.kind if spec.shadow.kind == "same" else spec.shadow.kind
    return AttackConfig(
        target=spec.target.kind,
        shadow=shadow,
        target_params=dict(spec.target.params),
        shadow_params=dict(spec.shadow.params),
        n_shadows=spec.shadow.n_shadows,
        target_size=spec.sampling.target_size,
        shadow_size=spec.sampling.shadow_size,
        member_rate=spec.sampling.member_rate,
        attack_model=spec.attack.model,
        attack_params=dict(spec.attack.params),
        per_class=spec.attack.per_class,
        attack_features=spec.attack.features,
        combine=spec.attack.combine,
        also=tuple(spec.attack.also),
        n_references=spec.attack.n_references,
        fairness_attribute=spec.measure.fairness_attribute,
        mi_models=spec.measure.mi_models,
        defense=spec.defense.name,
        lam=spec.defense.lam,
        defense_variant=spec.defense.variant,
        defense_params=spec.defense.model_dump(
            include={"noise_multiplier", "max_grad_norm", "delta", "dropout"}
        ),
        seed=seed,
    )


def _draw(spec: TrialSpec, dataset: Dataset, seed: int) -> tuple[Dataset, dict]:
    """The trial's records (target and shadow together) and features."""
    sampling = spec.sampling
    rng = np.random.default_rng([seed, _SAMPLING_STREAM])
    in_group = None
    if sampling.feature_balance is not None:
        in_group = _balance_groups(spec.dataset, dataset)
    # A defense that learns from held-out rows gets them drawn here too:
    # run_attack takes them from the records neither set uses.
    held_out = reference_size(
        spec.defense.name, sampling.target_size, sampling.member_rate
    )
    rows = sample_with_properties(
        dataset.y,
        sampling.target_size + sampling.shadow_size + held_out,
        class_balance=sampling.class_balance,
        in_group=in_group,
        group_share=sampling.feature_balance,
        random_state=rng,
    )
    working = dataset.subset(rows)
    drawn = {"records": int(rows.size)}
    if in_group is not None:
        # The share asked for, as drawn; data.feature_balance differs, as it
        # is measured on the target's records with their own top-5 features.
        drawn["group_share"] = float(in_group[rows].mean())
    if sampling.n_features is not None:
        names = choose_features(dataset.raw_features, sampling.n_features, rng)
        working = working.select_features(names)
        drawn["features"] = ",".join(names)
    return working, drawn


def check_setting(spec: TrialSpec, dataset: Dataset) -> None:
    """Fail early, before any training, if a setting cannot run.

    Checks the model kinds and parameter names, and that the dataset can
    supply the requested sizes, balances and feature count.

    Raises
    ------
    ConfigError
        Naming the setting's problem and its fix.
    """
    config = attack_config(spec, seed=0).validate()
    make_model(config.target, **config.target_params)
    if config.shadow != "all":
        make_model(config.shadow, **config.resolved_shadow_params())
    make_model(config.attack_model, **config.attack_params)
    _draw(spec, dataset, seed=0)


def flatten(data: dict, prefix: str = "") -> dict:
    """Nested dicts to one level with dotted keys; numpy scalars to Python."""
    flat = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, np.generic):
            flat[name] = value.item()
        elif isinstance(value, (list, tuple)):
            flat[name] = json.dumps(value)
        else:
            flat[name] = value
    return flat


def run_trial(trial: Trial) -> dict:
    """Run one trial and return its row.

    Parameters
    ----------
    trial : Trial
        What to run and its seed.

    Returns
    -------
    dict
        One flat row: ``key``, ``study``, ``setting``, ``rep``, ``seed``,
        ``spec_json`` (the trial spec), ``spec.*`` (the same, one column per
        field), ``sampling.*`` (records drawn, share of the feature-balance
        group among them, features kept), and every
        entry of :func:`~miadeps.experiments.run_attack`'s result except its
        ``config`` (which ``spec.*`` holds): ``dataset``, ``member_rate``,
        ``target.*``, ``data.*``, ``model.*``, ``attack.*``, ``attacks.*``
        (when the spec asks for extra attacks; ROC curves as JSON lists),
        ``timings.*`` and ``version``. Only ``timings.*`` differ between runs.
    """
    started = time.perf_counter()
    dataset = spec_dataset(trial.spec.dataset)
    working, drawn = _draw(trial.spec, dataset, trial.seed)
    sampled = time.perf_counter()

    result = run_attack(working, attack_config(trial.spec, trial.seed))
    result.pop("config")
    spec_data = trial.spec.model_dump(mode="json")
    row = {
        "key": trial.key,
        "study": trial.study,
        "setting": trial.setting,
        "rep": trial.rep,
        "seed": trial.seed,
        "spec_json": json.dumps(spec_data, sort_keys=True),
        **flatten(spec_data, "spec."),
        **flatten(drawn, "sampling."),
        **flatten(result),
    }
    row["timings.sample_s"] = sampled - started
    row["timings.trial_s"] = time.perf_counter() - started
    return row


def run_task(trials: list[Trial]) -> TaskResult:
    """Run a task's trials one after the other; a failing trial is recorded.

    Parameters
    ----------
    trials : list of Trial
        Trials of one setting.

    Returns
    -------
    TaskResult
    """
    result = TaskResult()
    # TODO(issue-4): the targets of a task share a shape and could train in
    # one engine call; that needs run_attack split into steps, and saves
    # about 7% of a quick trial (benchmarks/bench_runner.py measures it).
    for trial in trials:
        try:
            result.rows.append(run_trial(trial))
        except Exception as exc:
            # One bad draw must not end a sweep of hundreds; it is recorded
            # and retried when the study is run again.
            logger.warning("trial %s failed: %s", trial.key, exc)
            result.failures.append(
                {
                    "key": trial.key,
                    "error": type(exc).__name__,
                    "message": str(exc),
                    "traceback": traceback.format_exc(),
                }
            )
    return result


_PINNED: list = []


def pin_threads() -> None:
    """Make this worker process compute on one thread, for good.

    Small nets train many times faster on one thread than on several that
    compete with other workers for the cores, and the thread count must be
    the same everywhere for a trial to give the same numbers on every
    backend.
    """
    if _PINNED:
        return
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    # Kept referenced: the limits hold while the object lives.
    _PINNED.append(threadpool_limits(limits=1))


@contextmanager
def single_threaded():
    """One compute thread inside the block, the caller's settings after it."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(before)
