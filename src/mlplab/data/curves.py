"""Functions of one input, for regression on one feature (universal approximation).

Every generator returns ``(X, y)``: ``X`` float64 of shape (n_samples, 1), uniform on
[-1, 1], and ``y`` float64 of shape (n_samples,), the curve at ``X`` plus Gaussian noise
of standard deviation ``noise``. Draws come from ``random_state`` in that order (X, then
the noise), so the same seed gives the same X for every curve.

>>> from mlplab import data
>>> x, y = data.sine(n_samples=200, noise=0.05, random_state=0)
>>> x.shape, y.shape
((200, 1), (200,))
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from mlplab._rng import as_generator
from mlplab._typing import FloatArray, RandomState, Targets
from mlplab._validation import check_positive_int
from mlplab.data.generators import _check_noise
from mlplab.errors import InvalidInputError, InvalidTypeError


def sine(n_samples: int = 200, *, periods: float = 1.0, noise: float = 0.0,
         random_state: RandomState = None) -> Targets:
    """``y = sin(pi * periods * x)``: ``periods`` full waves over [-1, 1].

    Parameters
    ----------
    n_samples : int
        Number of points.
    periods : float
        Waves over the interval; more need more hidden units.
    noise : float
        Standard deviation of Gaussian noise added to ``y``.
    random_state : None, int or numpy.random.Generator
        Seed of the draw; None draws fresh entropy (not the global NumPy state).

    Returns
    -------
    X : ndarray, shape (n_samples, 1), float64, uniform in [-1, 1]
    y : ndarray, shape (n_samples,), float64
    """
    periods = _check_real(periods, "periods", "sine(periods=2)", positive=True)
    return _curve_samples(lambda x: np.sin(np.pi * periods * x), n_samples, noise,
                          random_state)


def step(n_samples: int = 200, *, at: float = 0.0, noise: float = 0.0,
         random_state: RandomState = None) -> Targets:
    """``y = 1`` where ``x >= at``, else 0: a jump no smooth unit fits exactly.

    Parameters
    ----------
    n_samples, noise, random_state
        As in :func:`sine`.
    at : float
        Where the step is, in [-1, 1].

    Returns
    -------
    X : ndarray, shape (n_samples, 1), float64, uniform in [-1, 1]
    y : ndarray, shape (n_samples,), float64 in {0, 1} before noise
    """
    at = _check_real(at, "at", "step(at=0.0)")
    return _curve_samples(lambda x: (x >= at).astype(np.float64), n_samples, noise,
                          random_state)


def absolute(n_samples: int = 200, *, noise: float = 0.0,
             random_state: RandomState = None) -> Targets:
    """``y = |x|``: two ReLUs (``relu(x) + relu(-x)``) fit it exactly.

    Parameters
    ----------
    n_samples, noise, random_state
        As in :func:`sine`.

    Returns
    -------
    X : ndarray, shape (n_samples, 1), float64, uniform in [-1, 1]
    y : ndarray, shape (n_samples,), float64 in [0, 1] before noise
    """
    return _curve_samples(np.abs, n_samples, noise, random_state)


def polynomial(n_samples: int = 200, *,
               coefficients: Sequence[float] | ArrayLike = (0.0, -1.0, 0.0, 1.5),
               noise: float = 0.1, random_state: RandomState = None) -> Targets:
    """A noisy polynomial, ``y = c0 + c1 x + c2 x^2 + ...`` (default ``1.5 x^3 - x``).

    Parameters
    ----------
    n_samples, random_state
        As in :func:`sine`.
    coefficients : sequence of float
        ``c0, c1, ...``, lowest power first (as ``numpy.polynomial``).
    noise : float
        Standard deviation of Gaussian noise added to ``y`` (0.1 by default: noisy).

    Returns
    -------
    X : ndarray, shape (n_samples, 1), float64, uniform in [-1, 1]
    y : ndarray, shape (n_samples,), float64
    """
    coefficients = _check_coefficients(coefficients)
    return _curve_samples(lambda x: np.polynomial.polynomial.polyval(x, coefficients),
                          n_samples, noise, random_state)


def _curve_samples(curve: Callable[[FloatArray], FloatArray], n_samples: int,
                   noise: float, random_state: RandomState) -> Targets:
    """``X`` uniform in [-1, 1] as one column and ``y = curve(x)`` plus Gaussian noise."""
    n_samples = check_positive_int(n_samples, "n_samples", "n_samples=200")
    noise = _check_noise(noise)
    rng = as_generator(random_state)
    x = rng.uniform(-1.0, 1.0, size=n_samples)
    return x[:, None], curve(x) + rng.normal(scale=noise, size=n_samples)


def _check_real(value: float, name: str, example: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidTypeError(f"{name}={value!r}: must be a number, e.g. {example}.")
    if not np.isfinite(value) or (positive and value <= 0):
        what = "a positive, finite number" if positive else "a finite number"
        raise InvalidInputError(f"{name}={value!r}: must be {what}, e.g. {example}.")
    return float(value)


def _check_coefficients(coefficients: Sequence[float] | ArrayLike) -> FloatArray:
    values = np.asarray(coefficients, dtype=object).ravel() if not isinstance(
        coefficients, (str, bytes)) else None
    if values is None or values.size == 0 or not all(
            isinstance(c, numbers.Real) and not isinstance(c, bool)
            and np.isfinite(c) for c in values):  # type: ignore[call-overload]  # (numbers')
        raise InvalidInputError(f"coefficients={coefficients!r}: give finite numbers, lowest "
                                "power first, e.g. coefficients=(0, -1, 0, 1.5).")
    return values.astype(np.float64)
