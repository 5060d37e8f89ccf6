"""One way to turn a seed into a NumPy random Generator."""

import numbers

import numpy as np

from mlplab.errors import InvalidTypeError


def as_generator(random_state=None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``random_state``.

    Parameters
    ----------
    random_state : None, int or numpy.random.Generator
        ``None`` draws fresh entropy from the operating system (not
        reproducible); an int seeds a new PCG64 generator (reproducible); a
        Generator is used as it is, so draws continue its stream.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise InvalidTypeError(
                f"random_state={random_state}: a seed must be a non-negative int. "
                "Try random_state=0."
            )
        return np.random.default_rng(int(random_state))
    raise InvalidTypeError(
        f"random_state={random_state!r} ({type(random_state).__name__}): expected None, "
        "a non-negative int or a numpy.random.Generator. Try random_state=0."
    )


def seed_from(rng: np.random.Generator) -> int:
    """Draw an int seed from ``rng`` (for libraries that take ints, like scikit-learn)."""
    return int(rng.integers(0, 2**31 - 1))
