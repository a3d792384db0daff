"""Running a study's tasks on a Dask cluster.

Imported only when a Dask backend is asked for, so that the rest of miadeps
works without Dask installed (``pip install 'miadeps[cluster]'``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from miadeps.exceptions import ConfigError
from miadeps.experiments._backends import Backend
from miadeps.experiments._execute import TaskResult, pin_threads, run_task
from miadeps.experiments._trials import Trial

logger = logging.getLogger(__name__)

__all__ = ["DaskBackend", "run_pinned_task"]

_CONNECT_TIMEOUT = "10s"
_WORKER_WAIT_S = 60


def run_pinned_task(trials: list[Trial]) -> TaskResult:
    """A task as a Dask worker runs it: on one compute thread."""
    pin_threads()
    return run_task(trials)


class DaskBackend(Backend):
    """Tasks sent to the workers of a Dask cluster.

    Parameters
    ----------
    address : str, optional
        A running scheduler, e.g. ``tcp://10.0.0.5:8786``.
    local_workers : int, optional
        Start a cluster of this many single-threaded worker processes on
        this machine (loopback only) instead; it stops with the backend.
    retries : int, default=2
        Times a task that raised is sent again. A task whose worker died
        is rescheduled by Dask itself, up to its ``allowed-failures``
        setting (3 by default); after that its trials are recorded as
        failed and run again when the study is.

    Raises
    ------
    ConfigError
        If Dask is not installed, the scheduler cannot be reached, or it
        has no worker within a minute.

    Notes
    -----
    Workers must be able to import miadeps and load the study's dataset
    themselves (from the package, or a ``data_dir`` they can read).
    """

    def __init__(
        self,
        *,
        address: str | None = None,
        local_workers: int | None = None,
        retries: int = 2,
    ) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ConfigError(
                "the Dask backend needs dask.distributed; install it with "
                "pip install 'miadeps[cluster]', or run with --workers N"
            ) from None
        self.retries = retries
        self._cluster = None
        if address is None:
            self._cluster = LocalCluster(
                n_workers=local_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            address = self._cluster.scheduler_address
        try:
            self._client = Client(address, timeout=_CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise ConfigError(
                f"cannot reach a Dask scheduler at {address} ({exc}); start one "
                "with `dask scheduler` and workers with `dask worker ADDRESS`, or "
                "use --cluster local:N"
            ) from None
        try:
            self._client.wait_for_workers(1, timeout=_WORKER_WAIT_S)
        except TimeoutError:
            self.close()
            raise ConfigError(
                f"the Dask scheduler at {address} has no worker after "
                f"{_WORKER_WAIT_S} s; start some with `dask worker {address}`"
            ) from None
        self.address = address
        self.n_workers = max(1, len(self._client.scheduler_info()["workers"]))
        where = "local" if self._cluster is not None else address
        self.name = f"Dask ({where}, {self.n_workers} worker(s))"

    def run(self, tasks: list[list[Trial]]) -> Iterator[TaskResult]:
        from distributed import as_completed

        futures = {
            self._client.submit(
                run_pinned_task, task, pure=False, retries=self.retries
            ): task
            for task in tasks
        }
        try:
            for future in as_completed(futures):
                task = futures.pop(future)
                try:
                    result = future.result()
                except Exception as exc:
                    # KilledWorker and the like: the trials are recorded as
                    # failed, and a rerun of the study runs them again.
                    logger.warning("a task of %d trial(s) failed: %s", len(task), exc)
                    result = TaskResult(
                        failures=[
                            {
                                "key": t.key,
                                "error": type(exc).__name__,
                                "message": str(exc),
                                "traceback": "",
                            }
                            for t in task
                        ]
                    )
                future.release()
                yield result
        finally:
            if futures:
                self._client.cancel(list(futures))

    def close(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
