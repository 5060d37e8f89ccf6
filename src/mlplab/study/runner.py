"""Run a study's cells: in this process, a process pool, or on a Dask cluster.

Every finished cell is saved at once, so a run can stop at any moment: Ctrl+C
stops it promptly (the pool's workers are ended, not waited for) and says how
many cells were kept, and pool workers exit by themselves when the run that
started them dies, even by SIGKILL.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mlplab._typing import PathLike
from mlplab.errors import InvalidInputError
from mlplab.study.spec import Cell, StudySpec
from mlplab.study.store import ResultStore
from mlplab.study.together import run_cells, tasks

EXECUTORS = ("process", "dask")
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class RunSummary:
    """What a run did: cells in the study, already done before, run now, failed.

    After an interruption (``interrupted``), ``ran`` counts the cells that
    finished and were saved before it. ``errors`` holds one line per failed cell:
    ``"moons / net / seed 3: ValueError: ..."``.
    """

    database: Path
    total: int
    skipped: int
    ran: int
    failed: int
    seconds: float
    interrupted: bool = False
    errors: tuple = ()

    @property
    def done(self) -> int:
        """Cells of the study with a result in the database (a failed cell runs again)."""
        return self.skipped + self.ran - self.failed

    def _repr_html_(self) -> str:  # Jupyter
        from mlplab._display import html_table

        return html_table(("cells", "already done", "run now", "failed", "seconds", "results"),
                          [(self.total, self.skipped, self.ran, self.failed,
                            f"{self.seconds:.1f}", self.database)], "study run")


class StudyInterrupted(KeyboardInterrupt):
    """Ctrl+C stopped :func:`run_study`; every cell finished before it is saved.

    A ``KeyboardInterrupt``, so it stops a script or a notebook cell as usual;
    ``summary`` (a :class:`RunSummary`) says what was kept.
    """

    def __init__(self, summary: RunSummary):
        super().__init__(f"stopped: {summary.done} of {summary.total} cells saved in "
                         f"{summary.database}; run again to resume.")
        self.summary = summary


def default_database(spec: StudySpec) -> Path:
    """``<study>.sqlite`` beside the study file; in the working folder for a built-in study
    (``seeds.sqlite``) or a study without a file (``study.sqlite``)."""
    from mlplab.study.builtin import is_builtin

    if not spec.path:
        return Path("study.sqlite")
    folder = Path(".") if is_builtin(spec.path) else Path(spec.path).parent
    return folder / f"{Path(spec.path).stem}.sqlite"


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def worker_count(jobs: int, force: bool = False) -> int:
    """``jobs`` checked, and capped at :func:`usable_cores` with a warning unless ``force``.

    More workers than cores only share the cores, and each holds a copy of the
    libraries (about 250 MB).
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InvalidInputError(f"jobs={jobs!r}: give a positive int, e.g. --jobs 2.")
    cores = usable_cores()
    if jobs > cores and not force:
        plural = "s" if cores > 1 else ""
        warnings.warn(f"jobs={jobs} is more than the {cores} core{plural} this process may use, "
                      f"so {cores} worker{plural} run (more would only share the cores, each "
                      f"using ~250 MB). Pass force_jobs=True (--force-jobs) to start {jobs}.",
                      UserWarning, stacklevel=3)
        return cores
    return jobs


def run_study(spec: StudySpec, *, database: PathLike | None = None, jobs: int = 1,
              executor: Literal["process", "dask"] = "process", scheduler: str | None = None,
              fresh: bool = False, progress: bool = False,
              transform: Callable[[Cell], Cell] | None = None,
              force_jobs: bool = False) -> RunSummary:
    """Run every missing cell of ``spec`` and record it in SQLite.

    Parameters
    ----------
    spec : StudySpec
    database : path, optional
        Default: ``<study file stem>.sqlite`` beside the study file (in the
        working folder for a built-in study).
    jobs : int
        Worker processes (``executor="process"``); 1 runs in this process. More
        than :func:`usable_cores` are capped at it, with a warning.
    executor : "process" or "dask"
        With "dask", cells go to the dask.distributed scheduler at ``scheduler``
        (a local cluster of ``jobs`` workers when None).
    fresh : bool
        Forget earlier results of this study and run everything again.
    transform : callable, optional
        Applied to each cell dict before it runs (tests use it to shorten runs).
    force_jobs : bool
        Start ``jobs`` workers even when there are fewer cores.

    Returns
    -------
    RunSummary

    Raises
    ------
    StudyInterrupted
        On Ctrl+C, after the cells finished so far are saved.
    """
    if executor not in EXECUTORS:
        raise InvalidInputError(f"executor={executor!r}: use 'process' or 'dask'.")
    remote = executor == "dask" and scheduler is not None  # its workers are not on this machine
    jobs = worker_count(jobs, force=force_jobs or remote)
    database = Path(database) if database else default_database(spec)
    cells = [transform(c) if transform else c for c in spec.cells()]
    start = time.perf_counter()
    with ResultStore(database, writable=True) as store:
        store.register(spec)
        if fresh:
            store.forget([c["key"] for c in cells])
        done = store.finished_keys()
        todo = [c for c in cells if c["key"] not in done]
        ran, errors = 0, []
        stream = _results(todo, jobs, executor, scheduler, progress)
        try:
            for pairs in stream:  # a task's cells, saved in one transaction
                store.save_many(pairs)
                ran += len(pairs)
                errors += [f"{cell['dataset']} / {cell['model']} / seed {cell['seed']}: "
                           f"{result.get('error')}" for cell, result in pairs
                           if result["status"] != "done"]
        except KeyboardInterrupt:
            stream.close()  # ends the workers now if Ctrl+C came while a result was saved
            raise StudyInterrupted(RunSummary(
                database, len(cells), len(cells) - len(todo), ran, len(errors),
                time.perf_counter() - start, interrupted=True, errors=tuple(errors))) from None
    return RunSummary(database, len(cells), len(cells) - len(todo), ran, len(errors),
                      time.perf_counter() - start, errors=tuple(errors))


def _results(cells, jobs, executor, scheduler, progress):
    """Yield each task's [(cell, result), ...] as it finishes (a task: the seeds of one
    group, :func:`mlplab.study.together.tasks`), with an optional progress bar."""
    if not cells:
        return
    if scheduler is None:  # the workers are on this machine: they share numba's cache
        compile_kernels_first(cells)
    work = tasks(cells)
    if executor == "dask":
        stream = _dask_results(work, jobs, scheduler)
    elif jobs == 1:
        stream = (list(zip(task, run_cells(task), strict=True)) for task in work)
    else:
        stream = _pool_results(work, jobs)
    if not progress:
        yield from stream
        return
    from mlplab._display import progress_bar

    with progress_bar("study", "cells") as bar:
        counter = bar.add_task("cells", total=len(cells))
        for pairs in stream:
            bar.advance(counter, len(pairs))
            yield pairs


def compile_kernels_first(cells):
    """Compile numba's kernels here, once, before any cell is timed, when its cache lacks
    them (a new machine): otherwise every worker compiles the same kernels at once, and
    each one's first cells count the compiler in their ``fit_time``. Said once, here;
    only the float types the cells train in (float64 unless a cell asks for float32)."""
    from mlplab.fast import epochs, warmup

    if epochs.available() and warmup.needs_compiling():
        asked = {str(cell.get("params", {}).get("dtype", "float64")) for cell in cells}
        warmup.announce()
        warmup.compile_kernels(dtypes=tuple(d for d in ("float64", "float32") if d in asked)
                               or ("float64",))


def task_cost(task):
    """A task's :func:`estimated_cost`: the sum over its cells."""
    return sum(estimated_cost(cell) for cell in task)


def estimated_cost(cell):
    """A rough size of a cell's training: epochs x samples x weights.

    Workers take the largest tasks first, so a long one does not start last and
    leave the other workers idle at the end (longest-processing-time-first).
    """
    params = cell.get("params") or {}
    samples = (cell["dataset_spec"].get("params") or {}).get("n_samples", 1000)
    if isinstance(samples, list | tuple):
        samples = sum(samples)
    if cell.get("baseline"):
        return float(samples)  # scikit-learn baselines fit in milliseconds
    if params.get("layers"):
        widths = [layer.get("output_dim", 1) for layer in params["layers"]]
    else:
        hidden = params.get("hidden_layer_sizes", (100,))
        widths = [hidden] if isinstance(hidden, int) else list(hidden)
    widths = [2, *widths, 1]
    size = sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=True))  # ~ parameters
    return float(params.get("epochs", 200)) * samples * size


def _single_thread_blas():
    """One BLAS (and OpenMP) thread in this worker: cells run in parallel, and threads
    inside each would fight over the cores.

    The variables reach the libraries loaded from now on. A library already loaded read
    them when it loaded (in a forked worker, its parent's BLAS, started with a thread per
    core), so threadpoolctl sets its limit.
    """
    for name in BLAS_THREAD_VARIABLES:
        os.environ[name] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)  # for the worker's life: nothing restores it


def _start_worker(run_pid, start_method):
    """Pool initializer: one BLAS thread, Ctrl+C left to the run, and exit when the run dies."""
    _single_thread_blas()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run decides what Ctrl+C does
    # fork and spawn make the run this worker's parent; a fork server is a parent that
    # exits when the run does.
    _exit_with_parent(run_pid if start_method in ("fork", "spawn") else os.getppid())


def _exit_with_parent(parent_pid):
    """End this process when ``parent_pid`` dies, however it dies (SIGKILL included).

    An orphan is never told: it is re-parented (to init or a subreaper) and would
    wait for work forever. Linux kills it itself once asked (PR_SET_PDEATHSIG);
    everywhere, a daemon thread also sees ``os.getppid()`` change.
    """
    _ask_for_parent_death_signal()
    if os.getppid() != parent_pid:  # the parent died before we got here
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="mlplab-parent-watch",
                     daemon=True).start()


def _ask_for_parent_death_signal():
    """Linux: have the kernel SIGKILL this process when its parent exits."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # no prctl (e.g. a musl build): the thread suffices
        pass


def _watch_parent(parent_pid, interval=0.5):
    while os.getppid() == parent_pid:
        time.sleep(interval)
    os._exit(1)


def _pool_results(work, jobs):
    work = sorted(work, key=task_cost, reverse=True)
    context = multiprocessing.get_context()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker,
                               initargs=(os.getpid(), context.get_start_method()))
    finished = False
    try:
        futures = {pool.submit(run_cells, task): task for task in work}
        for future in as_completed(futures):
            yield list(zip(futures[future], future.result(), strict=True))
        finished = True
    finally:
        if finished:
            pool.shutdown()
        else:  # Ctrl+C, an error, or the caller stopped reading: do not wait for the rest
            _stop_now(pool)


def _stop_now(pool):
    """Cancel the cells not started and end the workers running the others."""
    if hasattr(pool, "terminate_workers"):  # Python 3.14+
        pool.terminate_workers()
        return
    workers = list((pool._processes or {}).values())  # before shutdown() forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.join(timeout=10)


def _dask_results(work, jobs, scheduler):
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError:
        raise InvalidInputError("the dask executor needs dask.distributed: "
                                "pip install 'mlplab[dask]'.") from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                               dashboard_address=None,
                               env=dict.fromkeys(BLAS_THREAD_VARIABLES, "1"))
        scheduler = cluster
    try:
        with Client(scheduler) as client:
            # Dask runs higher priorities first: the largest tasks, as the pool does.
            futures = {client.submit(run_cells, task, pure=False,
                                     priority=int(math.log2(1 + task_cost(task)))): task
                       for task in work}
            for future in dask_completed(futures):
                yield list(zip(futures[future], future.result(), strict=True))
    finally:
        if cluster is not None:
            cluster.close()
