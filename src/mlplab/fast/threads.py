"""Threads for the compiled paths: one pool per process, and one-thread BLAS while
our threads share a batch. Plain Python: no numba here."""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any


def _workers():
    """The cores this process may use, fewer if OMP_NUM_THREADS or OPENBLAS_NUM_THREADS
    asks (as a study's worker processes do), at most 8."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        if os.environ.get(name, "").strip().isdigit():
            cores = min(cores or 1, int(os.environ[name]))
    return max(1, min(8, cores or 1))


# Threads that share the chunks of a large batch, each with one-thread BLAS. Two BLAS
# threads on the narrow products of E4's layers mostly wait for each other; whole chunks
# per thread keep both cores busy, element-wise work included (E4's net on 10^6 samples,
# 2 cores: 40 -> 55 GFLOP/s, where a 2000x2000 product reaches ~95).
WORKERS = _workers()


_POOL: list[ThreadPoolExecutor] = []  # the process's worker threads, started when first needed
_LOCK = threading.Lock()  # guards _POOL and the BLAS thread limit below


def thread_pool():
    """Worker threads shared by the compiled paths (chunks of a batch, groups of models),
    started on first use and kept: starting two threads costs ~1 ms here, more than
    many epochs. A forked child starts its own (the parent's threads are not in it).
    Only the caller's thread may wait on it: a job that submitted jobs and waited for
    them could wait for ever once every thread did the same."""
    with _LOCK:
        if not _POOL:
            _POOL.append(ThreadPoolExecutor(8, thread_name_prefix="mlplab"))
        return _POOL[0]


def _after_fork_in_child():
    """A forked child has none of the parent's threads: it starts its own pool, with a
    fresh lock (another thread of the parent may have held the old one)."""
    global _LOCK
    _POOL.clear()
    _LOCK = threading.Lock()
    _BLAS["users"] = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def run_in_threads(function, items):
    """``[function(item) for item in items]``, the first in the calling thread (which
    would only wait otherwise) and the others on ``thread_pool()``, at once."""
    jobs = [thread_pool().submit(function, item) for item in items[1:]]
    try:
        first = function(items[0])
    except BaseException:
        wait(jobs)  # nothing may go on writing into arrays the caller gives up on
        raise
    return [first] + [job.result() for job in jobs]


_BLAS: dict[str, Any] = {"controller": None, "limiter": None, "users": 0}


@contextlib.contextmanager
def one_blas_thread():
    """A context in which BLAS runs on the calling thread only.

    The BLAS that numba's ``np.dot`` calls (SciPy's) is loaded first: a library loaded
    after threadpoolctl listed the libraries would go on using all its threads, and two
    of our threads calling a multi-threaded OpenBLAS at once wait for each other. Fits
    running in several threads at once share one limit: the last to leave restores the
    thread counts that the first found.
    """
    with _LOCK:
        if _BLAS["controller"] is None:
            import scipy.linalg.cython_blas  # noqa: F401 - loads the BLAS numba calls
            from threadpoolctl import ThreadpoolController

            _BLAS["controller"] = ThreadpoolController()
        if _BLAS["users"] == 0:
            _BLAS["limiter"] = _BLAS["controller"].limit(limits=1, user_api="blas")
        _BLAS["users"] += 1
    try:
        yield
    finally:
        with _LOCK:
            _BLAS["users"] -= 1
            if _BLAS["users"] == 0:
                _BLAS["limiter"].restore_original_limits()

