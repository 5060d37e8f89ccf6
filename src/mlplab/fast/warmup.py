"""Compiling the kernels: said once when it happens, and done ahead by ``mlplab warmup``.

numba compiles each kernel the first time it runs on a machine (~30-60 s for all of them)
and keeps the machine code in its on-disk cache (``__pycache__`` beside the kernels'
files), which later processes load in well under a second. A student's first ``fit``
would otherwise sit silent for those seconds: :func:`announce` tells them once per
process, and :func:`compile_kernels` (``mlplab warmup``) does the compiling ahead, e.g.
when a classroom image is built. Set ``MLPLAB_QUIET=1`` to silence the notice.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TextIO

import numpy as np

NOTICE = ("mlplab: compiling the fast kernels for this machine (once, up to a minute; later runs "
          "load them from numba's cache). `mlplab warmup` does this ahead of time; "
          "MLPLAB_QUIET=1 hides this notice.")
_announced = False


def kernel_modules() -> tuple[ModuleType, ...]:
    from mlplab.fast import kernels, lanes, objective

    return (kernels, lanes, objective)


def _dispatchers():
    """Every cached numba kernel of the fast package."""
    from numba.core.registry import CPUDispatcher

    for module in kernel_modules():
        for value in vars(module).values():
            # Kernels inlined into others ("always") are never compiled on their own.
            if (isinstance(value, CPUDispatcher) and value._cache is not None  # type: ignore[attr-defined, unused-ignore]
                    and value.targetoptions.get("inline") != "always"):
                yield value


def needs_compiling() -> bool:
    """Whether some kernel has no machine code in numba's cache yet (a new machine, a
    new mlplab). A kernel whose cache exists but not for the types asked (float32 when
    only float64 ran) still compiles on its first call; that takes a few seconds only."""
    try:
        return any(not os.path.exists(d._cache._cache_file._index_path)
                   for d in _dispatchers())
    except AttributeError:  # numba's cache layout changed: say nothing rather than guess
        return False


def announce(stream: TextIO | None = None) -> bool:
    """Print :data:`NOTICE` once per process if the kernels must compile; True if printed.

    Decided on the first call only: looking at the cache takes ~1 ms, and every compiled
    fit calls this (a playground frame, an animation's fits)."""
    global _announced
    if _announced:
        return False
    _announced = True
    if os.environ.get("MLPLAB_QUIET") or not needs_compiling():
        return False
    print(NOTICE, file=stream or sys.stderr, flush=True)
    return True


def compile_kernels(report: Callable[[str], object] | None = None,
                    dtypes: Sequence[str] = ("float64", "float32")) -> float:
    """Run every compiled path once on tiny data, in each of ``dtypes``, so that numba
    compiles and caches each kernel; return the seconds it took. ``report(step)`` is
    called before each step (a progress display)."""
    import mlplab

    global _announced
    _announced = True  # the caller says what is happening
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    for dtype in dtypes:
        for name, optimizer, batch_size, metrics in [
                ("per-sample epochs", "sgd", 1, ["accuracy"]),
                ("batched epochs", "adam", 600, ["accuracy"]),
                ("blocks of epochs", {"name": "sgd", "momentum": 0.9}, 8, []),
                ("blocks of batched epochs", "adam", 600, [])]:
            if report:
                report(f"{name} ({dtype})")
            model = _net(dtype)
            model.compile(loss="binary_crossentropy", optimizer=optimizer, metrics=metrics)
            model.fit(X.astype(dtype), y, epochs=2, batch_size=batch_size, random_state=0)
        if report:
            report(f"several seeds at once ({dtype})")
        models = [_net(dtype, seed) for seed in range(3)]
        for model in models:
            model.compile(loss="binary_crossentropy", optimizer="sgd")
        mlplab.fit_many(models, X.astype(dtype), y, epochs=2, batch_size=16, random_state=0)
        if report:
            report(f"L-BFGS objective ({dtype})")
        model = _net(dtype)
        model.compile(loss="binary_crossentropy", optimizer=mlplab.LBFGS(maxiter=3))
        model.fit(X.astype(dtype), y, epochs=3)
    return time.perf_counter() - start


def _net(dtype, seed=0):
    import mlplab

    return mlplab.Sequential.from_spec([2, 4, 1], activation="tanh", random_state=seed,
                                       dtype=dtype)
