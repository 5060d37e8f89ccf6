"""The accelerated paths: numba kernels that run the engine's maths faster.

:mod:`mlplab.engine` defines every piece of maths, in NumPy; nothing here is new maths.
The engine reaches this package in one place, :mod:`mlplab.engine.runners`, which
chooses the runner of a fit's epochs: the NumPy engine's own or the compiled one here.
Tests hold the two equal (``tests/fast/``).

- :mod:`~mlplab.fast.kernels`: one model's epoch as numba loops (per sample, or BLAS
  products over chunks of a batch).
- :mod:`~mlplab.fast.epochs`: binds a ``Sequential`` to those kernels.
- :mod:`~mlplab.fast.lanes` and :mod:`~mlplab.fast.stack`: ``fit_many``'s kernels for
  many small models at once, and their Python side.
- :mod:`~mlplab.fast.many`: ``fit_many`` for larger nets, each model's own compiled
  epochs on threads.
- :mod:`~mlplab.fast.threads`: the thread pool and one-thread BLAS.

Importing this package needs nothing but NumPy; numba is imported by the kernel modules,
and without it every model trains on the NumPy runner.
"""
