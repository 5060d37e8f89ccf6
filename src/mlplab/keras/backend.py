"""``keras.backend``: the float type, the session's names and its seed.

mlplab keeps no hidden global state of its own; this module is the one place where
``mlplab.keras`` keeps what Keras keeps per session, so that notebooks behave as they do
with Keras:

- the float type of new models (``floatx()``, Keras' "float32");
- the counters that name layers and models ("dense", "dense_1", ... across models);
- the seed that ``keras.utils.set_random_seed(n)`` sets: every model built afterwards
  draws its own ``random_state`` from one generator seeded by ``n``, so a notebook run
  again gives the same numbers.

``clear_session()`` resets the names and the seed.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from mlplab._validation import Integer, Options, check
from mlplab.keras._missing import TENSORS, missing_names

_FLOATX = ["float32"]
_NAMES: dict = {}  # prefix -> how many objects were named with it
_SEEDS: list = [None]  # the Generator set_random_seed made, or None (unseeded)


def floatx() -> str:
    """The float type of new models: "float32", as in Keras, unless set."""
    return _FLOATX[0]


def set_floatx(value: Literal["float32", "float64"]) -> None:
    """Make new models use ``value`` ("float32" or "float64"; mlplab has no float16)."""
    _FLOATX[0] = check(value, "value", Options(("float32", "float64")), owner="set_floatx",
                       example="set_floatx('float64')")


def epsilon() -> float:
    """Keras' fuzz factor, 1e-7 (the engine's losses work from logits and need none)."""
    return 1e-7


def unique_name(prefix: str) -> str:
    """``prefix``, then ``prefix_1``, ``prefix_2``, ... within the session, as Keras names."""
    count = _NAMES.get(prefix, 0)
    _NAMES[prefix] = count + 1
    return prefix if count == 0 else f"{prefix}_{count}"


def set_seed(seed: int | None) -> None:
    """Seed the session (what ``keras.utils.set_random_seed`` calls)."""
    seed = check(seed, "seed", Integer(0, 2**32 - 1), owner="set_random_seed",
                 example="set_random_seed(42)")
    _SEEDS[0] = np.random.default_rng(seed)


def draw_seed() -> int | None:
    """A new model's ``random_state``: the next int of the session's seeded generator, or
    None (fresh entropy, as an unseeded Keras session) when no seed was set."""
    generator = _SEEDS[0]
    return None if generator is None else int(generator.integers(2**63 - 1))


def clear_session(free_memory: bool = True) -> None:
    """Forget the session: names start again at "dense", "sequential", and the seed that
    set_random_seed set is dropped (as in Keras, call set_random_seed again after it)."""
    _NAMES.clear()
    _SEEDS[0] = None


__getattr__ = missing_names("keras.backend", {
    name: TENSORS for name in ("variable", "constant", "placeholder", "eval", "get_value",
                               "set_value", "std", "mean", "sum", "dot", "ones", "zeros")},
    ["floatx", "set_floatx", "epsilon", "clear_session"])
