"""Where tasks run: in this process, in a local pool of processes, or on Dask.

Every backend takes a list of tasks (each a list of trials) and yields each
task's :class:`~miadeps.experiments._execute.TaskResult` as soon as it is
done, in any order. The runner consumes them the same way for all backends.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from miadeps.exceptions import ConfigError
from miadeps.experiments._execute import (
    TaskResult,
    pin_threads,
    run_task,
    single_threaded,
)
from miadeps.experiments._trials import Trial

logger = logging.getLogger(__name__)

__all__ = ["Backend", "InlineBackend", "LocalBackend", "make_backend"]

# A pool whose worker dies (killed, out of memory) is rebuilt this many
# times before the run gives up.
_POOL_RESTARTS = 3


class Backend:
    """Runs tasks and yields their results as they finish.

    Attributes
    ----------
    name : str
        How the backend is described in logs.
    n_workers : int
        Tasks that run at the same time.
    """

    name = "backend"
    n_workers = 1

    def run(self, tasks: list[list[Trial]]) -> Iterator[TaskResult]:
        """Run ``tasks``; yield each one's result when it is done."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the workers."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class InlineBackend(Backend):
    """Run tasks one after the other in this process (for debugging)."""

    name = "this process"

    def run(self, tasks: list[list[Trial]]) -> Iterator[TaskResult]:
        with single_threaded():
            for task in tasks:
                yield run_task(task)


def _start_worker() -> None:
    """Set up a pool worker: one thread, no Ctrl-C, exit with the parent."""
    pin_threads()
    # The parent handles Ctrl-C and stops the pool; a worker interrupted
    # mid-trial would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()

    def watch() -> None:
        # A parent killed with SIGKILL cannot stop its pool; the workers
        # notice and leave instead of waiting for work forever.
        parent.join()
        os._exit(0)

    if parent is not None:
        threading.Thread(target=watch, daemon=True, name="miadeps-watch").start()


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now, running tasks included."""
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:
        terminate()
    else:
        # TODO(issue-4): Python < 3.14 has no public way to stop the
        # workers of a ProcessPoolExecutor; this reads its private table.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
    # Futures are not cancelled: Python 3.11's pool fails on cancelled
    # futures when it finds its workers dead; it fails them all itself.
    pool.shutdown(wait=False)


class LocalBackend(Backend):
    """A pool of worker processes on this machine.

    Parameters
    ----------
    n_workers : int
        Worker processes, each computing on one thread.

    Notes
    -----
    Workers are started with ``spawn``, so that they inherit no threads or
    locks from the parent (torch and DuckDB both hold some); a script that
    uses this backend needs the ``if __name__ == "__main__":`` guard, and
    each worker spends a few seconds importing torch before its first
    task. If a worker dies, the pool is rebuilt and the unfinished tasks
    are sent again, up to three times.
    """

    def __init__(self, n_workers: int) -> None:
        if isinstance(n_workers, bool) or not isinstance(n_workers, int):
            raise ConfigError(f"workers must be an integer; got {n_workers!r}")
        if n_workers < 1:
            raise ConfigError(
                f"workers must be at least 1 (0 runs in this process); got {n_workers}"
            )
        self.n_workers = n_workers
        self.name = f"{n_workers} local worker process(es)"
        self._pool: ProcessPoolExecutor | None = None
        self._unfinished = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.n_workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
        )

    def run(self, tasks: list[list[Trial]]) -> Iterator[TaskResult]:
        pending = dict(enumerate(tasks))
        self._unfinished = len(pending)
        restarts = 0
        while pending:
            self._pool = self._pool or self._new_pool()
            futures = {self._pool.submit(run_task, t): i for i, t in pending.items()}
            try:
                while futures:
                    done, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for future in done:
                        index = futures.pop(future)
                        result = future.result()
                        del pending[index]
                        self._unfinished = len(pending)
                        yield result
            except BrokenProcessPool:
                restarts += 1
                if restarts > _POOL_RESTARTS:
                    raise
                logger.warning(
                    "a worker process died; restarting the pool and resending "
                    "%d unfinished task(s)",
                    len(pending),
                )
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None

    def close(self) -> None:
        """Stop the workers; those still running a task are terminated."""
        if self._pool is None:
            return
        if self._unfinished:
            _kill_workers(self._pool)
        else:
            # Idle workers take a second or two to tear torch down; nothing
            # waits for them.
            self._pool.shutdown(wait=False)
        self._pool = None


def default_workers() -> int:
    """The CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def make_backend(
    workers: int | None = None,
    scheduler: str | None = None,
    cluster: str | None = None,
) -> Backend:
    """The backend for the command-line choices.

    Parameters
    ----------
    workers : int, optional
        Local worker processes; 0 runs in this process. Default: one per CPU.
    scheduler : str, optional
        Address of a running Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    cluster : str, optional
        ``"local:N"`` starts a Dask cluster of N worker processes here.

    Returns
    -------
    Backend

    Raises
    ------
    ConfigError
        If more than one is given, or one is malformed.
    """
    given = [
        f"--{name}"
        for name, value in (
            ("workers", workers),
            ("scheduler", scheduler),
            ("cluster", cluster),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise ConfigError(f"give only one of {' and '.join(given)}")
    if scheduler is not None:
        from miadeps.experiments._dask import DaskBackend

        return DaskBackend(address=scheduler)
    if cluster is not None:
        kind, _, count = cluster.partition(":")
        if kind != "local" or not count.isdigit() or int(count) < 1:
            raise ConfigError(
                f"--cluster takes local:N, e.g. local:4 for a Dask cluster of 4 "
                f"worker processes on this machine; got {cluster!r}"
            )
        from miadeps.experiments._dask import DaskBackend

        return DaskBackend(local_workers=int(count))
    if workers == 0:
        return InlineBackend()
    return LocalBackend(default_workers() if workers is None else workers)
