"""``keras.initializers``: Keras' names over :mod:`mlplab.engine.initializers`.

The Glorot, He and LeCun initializers are Keras' rules (``random_initializers.py``):
their normal variants, ``GlorotNormal``, ``HeNormal`` and ``LecunNormal`` (and the
names ``"glorot_normal"``, ``"he_normal"``, ``"lecun_normal"`` given to a layer here),
draw from a normal truncated at two standard deviations and widened by
``1 / 0.87962566103423978`` so that the variance is ``scale / fan``, as Keras' do;
mlplab's own ``"he_normal"`` (``mlplab.Dense``) stays the plain normal. A Keras
initializer's own ``seed`` is not taken: every draw comes from the model's seed
(``keras.utils.set_random_seed``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeAlias

from mlplab._validation import short_repr
from mlplab.engine import initializers as engine
from mlplab.errors import InvalidInputError
from mlplab.keras._missing import missing_names

Initializer = engine.Initializer


def _unseeded(owner: str, seed: int | None) -> None:
    if seed is not None:
        raise InvalidInputError(
            f"{owner}(seed={short_repr(seed)}): mlplab draws every weight from the model's "
            "seed; drop seed= and call keras.utils.set_random_seed(n) once instead.")


def _named(keras_name: str, scale: float, mode: str,
           distribution: str) -> Callable[..., engine.VarianceScaling]:
    def make(seed: int | None = None) -> engine.VarianceScaling:
        _unseeded(keras_name, seed)
        return engine.VarianceScaling(scale, mode, distribution)

    make.__name__ = make.__qualname__ = keras_name
    make.__doc__ = (f"Keras' ``{keras_name}``: ``VarianceScaling({scale}, {mode!r}, "
                    f"{distribution!r})``.")
    return make


GlorotUniform = _named("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _named("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _named("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _named("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _named("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _named("LecunNormal", 1.0, "fan_in", "truncated_normal")


def Zeros() -> engine.Initializer:  # noqa: N802 - Keras' names
    """Every entry 0 (the default bias)."""
    return engine.get("zeros")


def Ones() -> engine.Initializer:  # noqa: N802
    """Every entry 1."""
    return engine.get("ones")


def Constant(value: float = 0.0) -> engine.Constant:  # noqa: N802
    """Every entry ``value``."""
    return engine.Constant(value)


def RandomNormal(mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> engine.Normal:  # noqa: N802
    """N(mean, stddev**2), Keras' defaults."""
    _unseeded("RandomNormal", seed)
    return engine.Normal(stddev=stddev, mean=mean)


def TruncatedNormal(mean: float = 0.0, stddev: float = 0.05,  # noqa: N802
                    seed: int | None = None) -> engine.TruncatedNormal:
    """N(mean, stddev**2), values beyond 2 stddev from the mean redrawn, Keras' defaults."""
    _unseeded("TruncatedNormal", seed)
    return engine.TruncatedNormal(stddev=stddev, mean=mean)


def RandomUniform(minval: float = -0.05, maxval: float = 0.05,  # noqa: N802
                  seed: int | None = None) -> engine.Uniform:
    """U(minval, maxval) for a range symmetric about 0 (mlplab's Uniform(limit))."""
    _unseeded("RandomUniform", seed)
    if minval != -maxval:
        raise InvalidInputError(
            f"RandomUniform(minval={minval!r}, maxval={maxval!r}): mlplab draws from "
            f"U(-limit, limit); give minval=-maxval, e.g. RandomUniform(-{abs(maxval)!r}, "
            f"{abs(maxval)!r}).")
    return engine.Uniform(limit=maxval)


def VarianceScaling(  # noqa: N802
        scale: float = 1.0, mode: Literal["fan_in", "fan_out", "fan_avg"] = "fan_in",
        distribution: Literal["truncated_normal", "untruncated_normal", "normal",
                              "uniform"] = "truncated_normal",
        seed: int | None = None) -> engine.VarianceScaling:
    """Variance ``scale / fan``, Keras' distributions: "truncated_normal" (also what
    "normal" means in Keras), "untruncated_normal" (mlplab's "normal") or "uniform"."""
    _unseeded("VarianceScaling", seed)
    if isinstance(distribution, str):
        distribution = {"normal": "truncated_normal", "untruncated_normal": "normal"}.get(
            distribution.lower(), distribution.lower())
    return engine.VarianceScaling(scale, mode, distribution)


_KERAS_NAMES: dict[str, Callable[..., engine.Initializer]] = {
                "random_normal": RandomNormal, "random_uniform": RandomUniform,
                "truncated_normal": TruncatedNormal, "truncatednormal": TruncatedNormal,
                "glorot_normal": GlorotNormal, "he_normal": HeNormal,
                "lecun_normal": LecunNormal, "variance_scaling": VarianceScaling,
                "glorotuniform": GlorotUniform, "glorotnormal": GlorotNormal,
                "heuniform": HeUniform, "henormal": HeNormal, "lecununiform": LecunUniform,
                "lecunnormal": LecunNormal, "zeros": Zeros, "ones": Ones,
                "randomnormal": RandomNormal, "randomuniform": RandomUniform,
                "variancescaling": VarianceScaling, "constant": Constant}


# What a Keras layer's kernel_initializer= takes (see get).
InitializerLike: TypeAlias = (str | dict[str, Any] | engine.Initializer
                              | Callable[..., engine.Initializer])

def get(identifier: InitializerLike) -> engine.Initializer:
    """A Keras name ("glorot_uniform", "GlorotUniform", "random_normal", ...), Keras'
    config dict (``{"class_name": "HeNormal", "config": {"seed": None}}``), an
    initializer, or what :func:`mlplab.engine.initializers.get` takes."""
    if isinstance(identifier, dict) and "class_name" in identifier:
        name = identifier["class_name"]
        if not isinstance(name, str) or name.lower() not in _KERAS_NAMES:
            return get(name)  # a name left out, or the engine's "did you mean"
        return _KERAS_NAMES[name.lower()](**identifier.get("config", {}))
    if isinstance(identifier, str) and identifier.lower() in _KERAS_NAMES:
        return _KERAS_NAMES[identifier.lower()]()
    if identifier in _KERAS_NAMES.values():  # the class itself, as Keras takes it
        return identifier()  # type: ignore[operator, call-arg, return-value]  # (one of them)
    if isinstance(identifier, str) and identifier.lower() in _LEFT_OUT_BY_NAME:
        return __getattr__(_LEFT_OUT_BY_NAME[identifier.lower()])
    return engine.get(identifier)  # type: ignore[arg-type]  # (it refuses what is left)


_LEFT_OUT = {name: "its initializers are GlorotUniform/Normal, HeUniform/Normal, "
             "LecunUniform/Normal, RandomNormal, TruncatedNormal, RandomUniform, "
             "VarianceScaling, Zeros, Ones and Constant"
             for name in ("Orthogonal", "Identity", "STFT", "IdentityInitializer",
                          "OrthogonalInitializer")}
_LEFT_OUT_BY_NAME = {"orthogonal": "Orthogonal", "identity": "Identity"}
__getattr__ = missing_names("keras.initializers", _LEFT_OUT, [
    "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform", "LecunNormal",
    "Zeros", "Ones", "Constant", "RandomNormal", "TruncatedNormal", "RandomUniform",
    "VarianceScaling",
    "Initializer", "get"])
