"""Experiments: configurations expanded into trials, trials into result rows.

- one trial: :func:`run_attack` with an :class:`AttackConfig`;
- a study: a :class:`StudySpec` (TOML, see :func:`load_study`; one built in
  for every experiment of the paper, :data:`PAPER_STUDIES`), expanded into
  :class:`Trial` objects whose seeds derive from the study seed and their
  keys (:func:`expand_trials`);
- running it: :func:`run_study` hands tasks to a backend (this process, a
  local process pool, or Dask: :func:`make_backend`) and writes each
  finished trial to the run's :class:`ResultStore`, resuming where an
  earlier run stopped;
- summarising it: :func:`aggregate` and :func:`study_table` give means and
  Student-t confidence intervals per setting.

:class:`DaskBackend` is imported on first use, as it needs dask.distributed.
"""

from __future__ import annotations

import importlib

from miadeps.experiments._aggregate import aggregate, study_table, varied_columns
from miadeps.experiments._attack_trial import AttackConfig, run_attack
from miadeps.experiments._backends import (
    Backend,
    InlineBackend,
    LocalBackend,
    make_backend,
)
from miadeps.experiments._builtin import (
    BUILTIN_STUDIES,
    EXTRA_STUDIES,
    PAPER_STUDIES,
    SUITE,
    StudyInfo,
    builtin_spec_text,
    list_studies,
    load_study,
    study_targets,
)
from miadeps.experiments._execute import TaskResult, run_task, run_trial
from miadeps.experiments._extra_attacks import (
    EXTRA_ATTACKS,
    ROC_FPR_GRID,
    attack_key,
    check_extra_attacks,
    roc_on_grid,
)
from miadeps.experiments._runner import (
    RunSummary,
    default_run_dir,
    open_run,
    run_study,
)
from miadeps.experiments._spec import (
    DEFAULT_METRICS,
    AttackSpec,
    DatasetSpec,
    MeasureSpec,
    ModelSpec,
    SamplingSpec,
    ShadowSpec,
    StudySpec,
    TrialSpec,
    resolve_spec,
)
from miadeps.experiments._store import STORE_FILE, ResultStore
from miadeps.experiments._trials import (
    Trial,
    expand_trials,
    group_tasks,
    setting_key,
    trial_seed,
)

__all__ = [
    "BUILTIN_STUDIES",
    "DEFAULT_METRICS",
    "EXTRA_ATTACKS",
    "EXTRA_STUDIES",
    "PAPER_STUDIES",
    "ROC_FPR_GRID",
    "STORE_FILE",
    "SUITE",
    "AttackConfig",
    "AttackSpec",
    "Backend",
    "DaskBackend",
    "DatasetSpec",
    "InlineBackend",
    "LocalBackend",
    "MeasureSpec",
    "ModelSpec",
    "ResultStore",
    "RunSummary",
    "SamplingSpec",
    "ShadowSpec",
    "StudyInfo",
    "StudySpec",
    "TaskResult",
    "Trial",
    "TrialSpec",
    "aggregate",
    "attack_key",
    "builtin_spec_text",
    "check_extra_attacks",
    "default_run_dir",
    "expand_trials",
    "group_tasks",
    "list_studies",
    "load_study",
    "make_backend",
    "open_run",
    "resolve_spec",
    "roc_on_grid",
    "run_attack",
    "run_study",
    "run_task",
    "run_trial",
    "setting_key",
    "study_table",
    "study_targets",
    "trial_seed",
    "varied_columns",
]


def __getattr__(name: str):
    if name == "DaskBackend":
        return importlib.import_module("miadeps.experiments._dask").DaskBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
