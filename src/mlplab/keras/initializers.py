"""``keras.initializers``: Keras' names over :mod:`mlplab.engine.initializers`.

The Glorot, He and LeCun initializers have Keras' variances; Keras draws their normal
variants from a normal truncated at two standard deviations (rescaled to the same
variance), mlplab from the plain normal. A Keras initializer's own ``seed`` is not
taken: every draw comes from the model's seed (``keras.utils.set_random_seed``).
"""

from mlplab._validation import short_repr
from mlplab.engine import initializers as engine
from mlplab.errors import InvalidInputError
from mlplab.keras._missing import missing_names

Initializer = engine.Initializer


def _unseeded(owner, seed):
    if seed is not None:
        raise InvalidInputError(
            f"{owner}(seed={short_repr(seed)}): mlplab draws every weight from the model's "
            "seed; drop seed= and call keras.utils.set_random_seed(n) once instead.")


def _named(name, keras_name):
    def make(seed=None):
        _unseeded(keras_name, seed)
        return engine.get(name)

    make.__name__ = make.__qualname__ = keras_name
    make.__doc__ = f"Keras' ``{keras_name}``: mlplab's ``{name!r}``."
    return make


GlorotUniform = _named("glorot_uniform", "GlorotUniform")
GlorotNormal = _named("glorot_normal", "GlorotNormal")
HeUniform = _named("he_uniform", "HeUniform")
HeNormal = _named("he_normal", "HeNormal")
LecunUniform = _named("lecun_uniform", "LecunUniform")
LecunNormal = _named("lecun_normal", "LecunNormal")


def Zeros():  # noqa: N802 - Keras' names
    """Every entry 0 (the default bias)."""
    return engine.get("zeros")


def Ones():  # noqa: N802
    """Every entry 1."""
    return engine.get("ones")


def Constant(value=0.0):  # noqa: N802
    """Every entry ``value``."""
    return engine.Constant(value)


def RandomNormal(mean=0.0, stddev=0.05, seed=None):  # noqa: N802
    """N(mean, stddev**2), Keras' defaults."""
    _unseeded("RandomNormal", seed)
    return engine.Normal(stddev=stddev, mean=mean)


def RandomUniform(minval=-0.05, maxval=0.05, seed=None):  # noqa: N802
    """U(minval, maxval) for a range symmetric about 0 (mlplab's Uniform(limit))."""
    _unseeded("RandomUniform", seed)
    if minval != -maxval:
        raise InvalidInputError(
            f"RandomUniform(minval={minval!r}, maxval={maxval!r}): mlplab draws from "
            f"U(-limit, limit); give minval=-maxval, e.g. RandomUniform(-{abs(maxval)!r}, "
            f"{abs(maxval)!r}).")
    return engine.Uniform(limit=maxval)


def VarianceScaling(scale=1.0, mode="fan_in", distribution="truncated_normal",  # noqa: N802
                    seed=None):
    """Variance ``scale / fan``; "truncated_normal" and "untruncated_normal" are mlplab's
    plain normal (see the module docstring)."""
    _unseeded("VarianceScaling", seed)
    if distribution in ("truncated_normal", "untruncated_normal"):
        distribution = "normal"
    return engine.VarianceScaling(scale, mode, distribution)


_KERAS_NAMES = {"random_normal": RandomNormal, "random_uniform": RandomUniform,
                "glorotuniform": GlorotUniform, "glorotnormal": GlorotNormal,
                "heuniform": HeUniform, "henormal": HeNormal, "lecununiform": LecunUniform,
                "lecunnormal": LecunNormal, "zeros": Zeros, "ones": Ones,
                "randomnormal": RandomNormal, "randomuniform": RandomUniform,
                "variancescaling": VarianceScaling, "constant": Constant}


def get(identifier):
    """A Keras name ("glorot_uniform", "GlorotUniform", "random_normal", ...), an
    initializer, or what :func:`mlplab.engine.initializers.get` takes."""
    if isinstance(identifier, str) and identifier.lower() in _KERAS_NAMES:
        return _KERAS_NAMES[identifier.lower()]()
    if identifier in _KERAS_NAMES.values():  # the class itself, as Keras takes it
        return identifier()
    if isinstance(identifier, str) and identifier.lower() in _LEFT_OUT_BY_NAME:
        return __getattr__(_LEFT_OUT_BY_NAME[identifier.lower()])
    return engine.get(identifier)


_LEFT_OUT = {name: "its initializers are GlorotUniform/Normal, HeUniform/Normal, "
             "LecunUniform/Normal, RandomNormal, RandomUniform, VarianceScaling, Zeros, Ones "
             "and Constant" for name in ("TruncatedNormal", "Orthogonal", "Identity",
                                         "STFT", "IdentityInitializer", "OrthogonalInitializer")}
_LEFT_OUT_BY_NAME = {"truncated_normal": "TruncatedNormal", "orthogonal": "Orthogonal",
                     "identity": "Identity"}
__getattr__ = missing_names("keras.initializers", _LEFT_OUT, [
    "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform", "LecunNormal",
    "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform", "VarianceScaling",
    "Initializer", "get"])
