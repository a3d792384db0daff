"""Running a study: plan its trials, skip finished ones, store the rest.

The runner is the only writer of a run's store. Workers return rows; the
runner writes each task's rows in one transaction as soon as the task is
done, so a killed run loses only the tasks in flight, and running the same
study again resumes where it stopped.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from miadeps import __version__
from miadeps.exceptions import ConfigError, StoreError
from miadeps.experiments._backends import Backend, make_backend
from miadeps.experiments._execute import check_setting, flatten, spec_dataset
from miadeps.experiments._spec import StudySpec
from miadeps.experiments._store import STORE_FILE, ResultStore
from miadeps.experiments._toml import dumps_toml
from miadeps.experiments._trials import expand_trials, group_tasks

logger = logging.getLogger(__name__)

__all__ = ["RunSummary", "default_run_dir", "open_run", "run_study"]

SPEC_TOML = "spec.toml"
SPEC_JSON = "spec.json"
# A study whose first trials all fail is stopped: the cause is almost
# certainly its configuration, and every further trial would fail too.
_FAILURES_BEFORE_STOP = 10


@dataclass
class RunSummary:
    """What one call of :func:`run_study` did.

    Attributes
    ----------
    study : str
        The study's name.
    run_dir : Path
        The run directory.
    total : int
        Trials in the study.
    skipped : int
        Trials finished by an earlier run, not run again.
    finished : int
        Trials run and stored now.
    failed : int
        Trials that raised now (recorded in the store's ``failures``).
    seconds : float
        Wall time of the call.
    backend : str
        Where the trials ran.
    failures : list of dict
        ``key``, ``error`` and ``message`` of each failed trial.
    """

    study: str
    run_dir: Path
    total: int
    skipped: int = 0
    finished: int = 0
    failed: int = 0
    seconds: float = 0.0
    backend: str = ""
    failures: list[dict] = field(default_factory=list)


def default_run_dir(name: str) -> Path:
    """``runs/<name>`` under the current directory."""
    return Path("runs") / name


def _fresh(run_dir: Path) -> None:
    """Remove a run's store and spec files (and nothing else)."""
    for name in (STORE_FILE, STORE_FILE + ".wal", SPEC_TOML, SPEC_JSON):
        path = run_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _differences(old: str, new: str) -> list[str]:
    a, b = flatten(json.loads(old)), flatten(json.loads(new))
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def _prepare_store(spec: StudySpec, run_dir: Path, fresh: bool) -> ResultStore:
    path = run_dir / STORE_FILE
    if fresh:
        _fresh(run_dir)
    if path.exists():
        store = ResultStore.open(path)
        meta = store.meta()
        if meta.get("fingerprint") != spec.fingerprint():
            fields = _differences(meta.get("fingerprint") or "{}", spec.fingerprint())
            raise StoreError(
                f"{path} holds results of study {meta.get('study')!r} with other "
                f"settings (they differ in {', '.join(fields[:5]) or 'the spec'}); "
                "run with --fresh to discard them, or with --out to write to "
                "another folder"
            )
        written_with = meta.get("last_run_with", meta.get("created_with"))
        if written_with != __version__:
            logger.warning(
                "%s was written by miadeps %s; this is %s, and the new rows say so",
                path,
                written_with,
                __version__,
            )
    else:
        run_dir.mkdir(parents=True, exist_ok=True)
        store = ResultStore.create(
            path, {"study": spec.name, "fingerprint": spec.fingerprint()}
        )

    spec_json = spec.model_dump_json(indent=2)
    store.update_meta({"spec_json": spec_json, "last_run_with": __version__})
    (run_dir / SPEC_JSON).write_text(spec_json + "\n")
    toml = dumps_toml(spec.model_dump(mode="json", exclude_none=True))
    (run_dir / SPEC_TOML).write_text(toml)
    return store


def open_run(run_dir: str | Path) -> tuple[StudySpec, ResultStore]:
    """The spec and store of a run directory.

    Raises
    ------
    StoreError
        If the directory holds no readable store.
    """
    store = ResultStore.open(Path(run_dir) / STORE_FILE)
    spec_json = store.meta().get("spec_json")
    if spec_json is None:
        raise StoreError(
            f"{store.path} has no study spec yet; run the study into this folder"
        )
    return StudySpec.model_validate_json(spec_json), store


def run_study(
    spec: StudySpec,
    run_dir: str | Path | None = None,
    *,
    backend: Backend | None = None,
    fresh: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RunSummary:
    """Run every trial of a study that its store does not hold yet.

    Parameters
    ----------
    spec : StudySpec
        The study (see :func:`~miadeps.experiments.load_study`).
    run_dir : str or Path, optional
        Its run directory, created if needed; default ``runs/<name>``. It
        holds ``results.duckdb``, ``spec.toml`` and ``spec.json``.
    backend : Backend, optional
        Where trials run; default one local worker process per CPU (see
        :func:`~miadeps.experiments.make_backend`), closed on return. A
        backend passed in stays open for more studies; close it yourself.
    fresh : bool, default=False
        Discard the run directory's store and start over.
    progress : callable, optional
        Called as ``progress(done, total)`` at the start and after every
        task, ``done`` counting trials finished or failed, earlier ones
        included.

    Returns
    -------
    RunSummary

    Raises
    ------
    ConfigError
        If a setting cannot run (unknown dataset or model, impossible
        sampling request), or the first trials all fail.
    StoreError
        If the run directory holds a store that is not this study's, or not
        a miadeps store at all; the file is left as it was.

    Notes
    -----
    Trials are grouped into tasks of up to 8 repetitions of one setting
    (one model shape), handed to the backend in round-robin order over the
    settings. Within a task the trials run one after the other. The batched
    engine trains together the nets of one trial (its shadows, the I_X
    retrainings), not the targets of different trials, so that a trial's
    row is the same whichever trials share its task or backend.
    """
    started = time.perf_counter()
    run_dir = Path(run_dir) if run_dir is not None else default_run_dir(spec.name)
    store = _prepare_store(spec, run_dir, fresh)
    trials = expand_trials(spec)
    done = store.finished_keys()
    todo = [t for t in trials if t.key not in done]
    summary = RunSummary(spec.name, run_dir, len(trials), len(trials) - len(todo))
    if progress is not None:
        progress(summary.skipped, summary.total)
    if not todo:
        logger.info("%s: all %d trials are finished", spec.name, len(trials))
        summary.seconds = time.perf_counter() - started
        return summary

    _preflight(todo)
    owned = backend is None
    backend = make_backend() if owned else backend
    summary.backend = backend.name
    logger.info(
        "%s: %d trials, %d finished before, %d to run on %s",
        spec.name,
        summary.total,
        summary.skipped,
        len(todo),
        backend.name,
    )
    results = backend.run(group_tasks(todo, backend.n_workers))
    try:
        for result in results:
            store.write(result.rows, result.failures)
            before = summary.finished + summary.failed
            _count(summary, result)
            _log_progress(spec.name, summary, before, len(todo))
            if progress is not None:
                progress(
                    summary.skipped + summary.finished + summary.failed, summary.total
                )
            if summary.failed >= _FAILURES_BEFORE_STOP and not summary.finished:
                first = summary.failures[0]
                raise ConfigError(
                    f"the first {summary.failed} trials of {spec.name} all failed, "
                    f"e.g. {first['key']}: {first['error']}: {first['message']}; "
                    "fix the spec and run again"
                )
    finally:
        # Stops what is still queued, also when a caller's backend lives on.
        results.close()
        if owned:
            backend.close()
    summary.seconds = time.perf_counter() - started
    logger.info(
        "%s: %d trials stored, %d failed, in %.1f s",
        spec.name,
        summary.finished,
        summary.failed,
        summary.seconds,
    )
    return summary


def _log_progress(name: str, summary: RunSummary, before: int, todo: int) -> None:
    """A line per task at DEBUG, and one per tenth of the work at INFO."""
    now = summary.finished + summary.failed
    logger.debug("%s: %d of %d trials run (%d failed)", name, now, todo, summary.failed)
    if now * 10 // todo > before * 10 // todo:
        logger.info(
            "%s: %d of %d trials run, %d failed", name, now, todo, summary.failed
        )


def _count(summary: RunSummary, result) -> None:
    summary.finished += len(result.rows)
    summary.failed += len(result.failures)
    summary.failures.extend(
        {k: f[k] for k in ("key", "error", "message")} for f in result.failures
    )


def _preflight(trials) -> None:
    """Check each setting once, in this process, before any worker starts."""
    seen = set()
    for trial in trials:
        if trial.setting in seen:
            continue
        seen.add(trial.setting)
        try:
            check_setting(trial.spec, spec_dataset(trial.spec.dataset))
        except ConfigError as exc:
            raise ConfigError(f"{trial.setting}: {exc}") from None
