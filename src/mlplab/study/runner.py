"""Run a study's cells: in this process, a process pool, or on a Dask cluster."""

import math
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from mlplab.errors import InvalidInputError
from mlplab.study.cell import run_cell
from mlplab.study.store import ResultStore

EXECUTORS = ("process", "dask")


@dataclass(frozen=True)
class RunSummary:
    """What a run did: cells in the study, already done before, run now, failed."""

    database: Path
    total: int
    skipped: int
    ran: int
    failed: int
    seconds: float

    def _repr_html_(self):  # Jupyter
        from mlplab.engine.describe import html_table

        return html_table(("cells", "already done", "run now", "failed", "seconds", "results"),
                          [(self.total, self.skipped, self.ran, self.failed,
                            f"{self.seconds:.1f}", self.database)], "study run")


def default_database(spec):
    """``results.sqlite`` beside the study file (or in the working folder)."""
    folder = Path(spec.path).parent if spec.path else Path(".")
    return folder / f"{Path(spec.path).stem if spec.path else 'study'}.sqlite"


def _single_thread_blas():
    # Cells run in parallel; BLAS threads inside each would fight over the cores.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"


def run_study(spec, *, database=None, jobs=1, executor="process", scheduler=None, fresh=False,
              progress=False, transform=None):
    """Run every missing cell of ``spec`` and record it in SQLite.

    Parameters
    ----------
    spec : StudySpec
    database : path, optional
        Default: ``<study file stem>.sqlite`` beside the study file.
    jobs : int
        Worker processes (``executor="process"``); 1 runs in this process.
    executor : "process" or "dask"
        With "dask", cells go to the dask.distributed scheduler at ``scheduler``
        (a local cluster of ``jobs`` workers when None).
    fresh : bool
        Forget earlier results of this study and run everything again.
    transform : callable, optional
        Applied to each cell dict before it runs (tests use it to shorten runs).

    Returns
    -------
    RunSummary
    """
    if executor not in EXECUTORS:
        raise InvalidInputError(f"executor={executor!r}: use 'process' or 'dask'.")
    if not isinstance(jobs, int) or jobs < 1:
        raise InvalidInputError(f"jobs={jobs!r}: give a positive int, e.g. --jobs 2.")
    database = Path(database) if database else default_database(spec)
    cells = [transform(c) if transform else c for c in spec.cells()]
    start = time.perf_counter()
    with ResultStore(database) as store:
        store.register(spec)
        if fresh:
            store.forget([c["key"] for c in cells])
        done = store.finished_keys()
        todo = [c for c in cells if c["key"] not in done]
        failed = 0
        for cell, result in _results(todo, jobs, executor, scheduler, progress):
            store.save(cell, result)
            failed += result["status"] != "done"
    return RunSummary(database, len(cells), len(cells) - len(todo), len(todo), failed,
                      time.perf_counter() - start)


def _results(cells, jobs, executor, scheduler, progress):
    """Yield (cell, result) as cells finish, with an optional progress bar."""
    if not cells:
        return
    if executor == "dask":
        stream = _dask_results(cells, jobs, scheduler)
    elif jobs == 1:
        stream = ((cell, run_cell(cell)) for cell in cells)
    else:
        stream = _pool_results(cells, jobs)
    if not progress:
        yield from stream
        return
    from mlplab.engine.callbacks import progress_bar

    with progress_bar("study", "cells") as bar:
        task = bar.add_task("cells", total=len(cells))
        for item in stream:
            bar.advance(task)
            yield item


def estimated_cost(cell):
    """A rough size of a cell's training: epochs x samples x weights.

    Workers take the largest cells first, so a long cell does not start last and
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


def _pool_results(cells, jobs):
    cells = sorted(cells, key=estimated_cost, reverse=True)
    with ProcessPoolExecutor(max_workers=jobs, initializer=_single_thread_blas) as pool:
        futures = {pool.submit(run_cell, cell): cell for cell in cells}
        for future in as_completed(futures):
            yield futures[future], future.result()


def _dask_results(cells, jobs, scheduler):
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
                               env={"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
        scheduler = cluster
    try:
        with Client(scheduler) as client:
            # Dask runs higher priorities first: the largest cells, as the pool does.
            futures = {client.submit(run_cell, cell, pure=False,
                                     priority=int(math.log2(1 + estimated_cost(cell)))): cell
                       for cell in cells}
            for future in dask_completed(futures):
                yield futures[future], future.result()
    finally:
        if cluster is not None:
            cluster.close()
