"""Weight initialisers, named for what they draw.

An initialiser is called as ``init(shape, rng, dtype)`` with ``shape =
(fan_in, fan_out)`` for a kernel or ``(fan_out,)`` for a bias, and returns a
fresh array. Every draw comes from the Generator passed in.

The Glorot/He/LeCun family is one rule, :class:`VarianceScaling`: draw with
variance ``scale / fan``, where ``fan`` is fan_in, fan_out or their average.

======================  =====================================================
glorot_uniform          U(-l, l), l = sqrt(6 / (fan_in + fan_out))
glorot_normal           N(0, 2 / (fan_in + fan_out))
he_uniform / he_normal  variance 2 / fan_in (for ReLU)
lecun_normal            N(0, 1 / fan_in)
normal(stddev)          N(0, stddev^2), e.g. E4's stddev=0.1
truncated_normal(sd)    N(0, sd^2) redrawn beyond 2 sd (Keras' TruncatedNormal)
uniform(limit)          U(-limit, limit)
zeros, ones, constant   fixed values
======================  =====================================================

E2's blog calls ``randn * sqrt(1 / fan_out)`` "Xavier"; it is not: it is
``VarianceScaling(scale=1, mode="fan_out", distribution="normal")``, available
by that honest name as ``"fan_out_normal"``. The named normal rules here draw
plain (untruncated) normals, as PyTorch's ``xavier_normal_``;
``VarianceScaling(distribution="truncated_normal")`` draws Keras' instead (its
``GlorotNormal``, ``HeNormal`` and ``LecunNormal``): a normal truncated at two
standard deviations, widened so that the variance is still ``scale / fan``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

import numpy as np
from numpy.typing import DTypeLike, NDArray

from mlplab._typing import FloatArray
from mlplab._validation import Options, Real, check, did_you_mean, lookup, short_repr
from mlplab.errors import InvalidInputError, InvalidTypeError


class Initializer:
    """Base class. Subclasses are frozen dataclasses, so ``config()`` is their fields.

    ``constraints`` maps each field to what it accepts and an example value;
    the fields are checked (and cleaned) when the initializer is created.
    """

    constraints: ClassVar[dict[str, tuple[Any, Any]]] = {}
    if TYPE_CHECKING:  # every subclass is a dataclass, which asdict needs
        __dataclass_fields__: ClassVar[dict[str, Any]]

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for name, (constraint, example) in self.constraints.items():
            value = check(getattr(self, name), name, constraint, owner=owner,
                          example=f"{owner}({name}={example!r})")
            object.__setattr__(self, name, value)  # frozen: set through object

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator,
                 dtype: DTypeLike) -> FloatArray:
        raise NotImplementedError

    def _drawn(self, draw: Callable[[], NDArray[np.float64]], dtype: DTypeLike) -> FloatArray:
        """``draw()`` (float64 values) as ``dtype``, refusing values beyond its range."""
        limit = float(np.finfo(dtype).max)
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused below
                values = draw()
        except OverflowError:  # numpy's uniform of a range wider than float64 holds
            values = np.array([np.inf])
        if values.size and not max(values.max(), -values.min()) <= limit:  # NaN fails too
            raise InvalidInputError(
                f"{self!r} draws values beyond the range of {np.dtype(dtype)} ({limit:.3g}). "
                "Use smaller parameters" + (" or dtype='float64'." if limit < 1e300 else "."))
        return values.astype(dtype)

    def config(self) -> dict[str, Any]:
        return {"name": REGISTRY_NAMES[type(self)], **asdict(self)}


_FINITE = Real()
_AT_LEAST_0 = Real(0)
# The standard deviation of N(0, 1) truncated to [-2, 2] (Keras' constant): dividing a
# stddev by it gives the truncated draws that stddev.
TRUNCATED_STDDEV = 0.87962566103423978


def truncated_standard_normal(rng: np.random.Generator,
                              shape: tuple[int, ...]) -> NDArray[np.float64]:
    """Draws of N(0, 1) with every value beyond 2 redrawn, float64 of ``shape``.

    Rejection, as Keras' NumPy backend does it: draw a batch of the size wanted, keep
    the values in [-2, 2], repeat until there are enough (each batch keeps 95%).
    """
    n_values = int(np.prod(shape))
    kept = np.empty(0)
    while kept.size < n_values:
        batch = rng.standard_normal(n_values)
        kept = np.concatenate([kept, batch[np.abs(batch) <= 2.0]])
    return kept[:n_values].reshape(shape)


@dataclass(frozen=True)
class VarianceScaling(Initializer):
    """Draw with variance ``scale / fan`` (normal) or the uniform with that variance."""

    scale: float = 1.0
    mode: str = "fan_in"  # "fan_in", "fan_out" or "fan_avg"
    distribution: str = "normal"  # "normal", "truncated_normal" (Keras') or "uniform"

    constraints = {"scale": (Real(0, closed="neither"), 1.0),
                   "mode": (Options(("fan_in", "fan_out", "fan_avg")), "fan_in"),
                   "distribution": (Options(("normal", "truncated_normal", "uniform")),
                                    "normal")}

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator,
                 dtype: DTypeLike) -> FloatArray:
        fan_in, fan_out = (shape[0], shape[-1]) if len(shape) > 1 else (shape[0], shape[0])
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[
            self.mode
        ]
        variance = self.scale / fan
        if self.distribution == "uniform":
            limit = np.sqrt(3.0 * variance)  # U(-l, l) has variance l^2 / 3
            return self._drawn(lambda: rng.uniform(-limit, limit, size=shape), dtype)
        if self.distribution == "truncated_normal":  # Keras: sqrt(scale / fan) / 0.8796...
            stddev = np.sqrt(variance) / TRUNCATED_STDDEV
            return self._drawn(lambda: truncated_standard_normal(rng, shape) * stddev, dtype)
        return self._drawn(lambda: rng.standard_normal(size=shape) * np.sqrt(variance), dtype)

    def config(self) -> dict[str, Any]:
        named = {v: k for k, v in _FAMILY.items()}.get(self)
        return {"name": named} if named else {"name": "variance_scaling", **asdict(self)}


@dataclass(frozen=True)
class Normal(Initializer):
    """N(mean, stddev^2)."""

    stddev: float = 0.05
    mean: float = 0.0

    constraints = {"stddev": (_AT_LEAST_0, 0.05), "mean": (_FINITE, 0.0)}

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator,
                 dtype: DTypeLike) -> FloatArray:
        return self._drawn(lambda: self.mean + self.stddev * rng.standard_normal(size=shape),
                           dtype)


@dataclass(frozen=True)
class TruncatedNormal(Initializer):
    """N(mean, stddev^2) with every value beyond ``mean +- 2 stddev`` redrawn (Keras'
    ``TruncatedNormal``: ``stddev`` is the untruncated normal's, the draws' is 0.88 of it)."""

    stddev: float = 0.05
    mean: float = 0.0

    constraints = {"stddev": (_AT_LEAST_0, 0.05), "mean": (_FINITE, 0.0)}

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator,
                 dtype: DTypeLike) -> FloatArray:
        return self._drawn(
            lambda: self.mean + self.stddev * truncated_standard_normal(rng, shape), dtype)


@dataclass(frozen=True)
class Uniform(Initializer):
    """U(-limit, limit)."""

    limit: float = 0.05

    constraints = {"limit": (_AT_LEAST_0, 0.05)}

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator,
                 dtype: DTypeLike) -> FloatArray:
        return self._drawn(lambda: rng.uniform(-self.limit, self.limit, size=shape), dtype)


@dataclass(frozen=True)
class Constant(Initializer):
    """Every entry equal to ``value``."""

    value: float = 0.0

    constraints = {"value": (_FINITE, 0.0)}

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator,
                 dtype: DTypeLike) -> FloatArray:
        return self._drawn(lambda: np.full(shape, self.value), dtype)


_FAMILY = {
    "glorot_uniform": VarianceScaling(1.0, "fan_avg", "uniform"),
    "glorot_normal": VarianceScaling(1.0, "fan_avg", "normal"),
    "he_uniform": VarianceScaling(2.0, "fan_in", "uniform"),
    "he_normal": VarianceScaling(2.0, "fan_in", "normal"),
    "lecun_normal": VarianceScaling(1.0, "fan_in", "normal"),
    "lecun_uniform": VarianceScaling(1.0, "fan_in", "uniform"),
    "fan_out_normal": VarianceScaling(1.0, "fan_out", "normal"),
}
_FIXED = {"zeros": Constant(0.0), "ones": Constant(1.0)}
_PARAMETRIC = {
    "normal": Normal,
    "truncated_normal": TruncatedNormal,
    "uniform": Uniform,
    "constant": Constant,
    "variance_scaling": VarianceScaling,
}
REGISTRY_NAMES = {Normal: "normal", TruncatedNormal: "truncated_normal", Uniform: "uniform",
                  Constant: "constant"}
ALL_NAMES = {**_FAMILY, **_FIXED, **_PARAMETRIC}


# What a layer's kernel_initializer and bias_initializer accept (see get).
InitializerLike: TypeAlias = str | dict[str, Any] | Initializer


def get(identifier: InitializerLike) -> Initializer:
    """Resolve a name, a ``{"name": ..., **params}`` dict or an Initializer.

    Examples: ``"he_normal"``, ``{"name": "normal", "stddev": 0.1}``,
    ``Normal(stddev=0.1)``.
    """
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, dict):
        params = dict(identifier)
        name = params.pop("name", None)
        kind = lookup(ALL_NAMES, name, "initializer")
        if not isinstance(kind, type):
            if params:
                raise InvalidInputError(
                    f"initializer {name!r} takes no parameters; got {sorted(params)}."
                )
            return kind
        takes = [field.name for field in fields(kind)]
        unknown = [key for key in params if key not in takes]
        if unknown:
            raise InvalidInputError(
                f"initializer {short_repr(name)} got parameters "
                f"{short_repr(sorted(map(str, params)))}; it takes: {', '.join(takes)}."
                + did_you_mean(unknown[0], takes))
        return kind(**params)
    if isinstance(identifier, str):
        kind = lookup(ALL_NAMES, identifier, "initializer")
        return kind() if isinstance(kind, type) else kind
    raise InvalidTypeError(
        f"initializer={identifier!r}: give a name such as 'glorot_uniform', a dict like "
        "{'name': 'normal', 'stddev': 0.1}, or an Initializer object."
    )


def scikit_learn_uniform(widths: Sequence[int], factors: Sequence[float], rng: np.random.Generator,
                         dtype: DTypeLike) -> list[FloatArray]:
    """Every kernel and bias of a Dense stack drawn as scikit-learn's MLP draws them.

    Layer ``i`` (``fan_in = widths[i]``, ``fan_out = widths[i + 1]``) draws its kernel,
    then its bias, from ``U(-l, l)`` with ``l = sqrt(factors[i] / (fan_in + fan_out))``:
    Glorot's uniform for ``factor = 6``; scikit-learn takes ``factor = 2`` when the
    hidden activation is the logistic sigmoid. Unlike ``glorot_uniform`` the bias is
    drawn too, from the same range. The draws are made in float64 (in the order of a
    model's parameters: kernel, bias, layer after layer) and cast to ``dtype``, so a
    ``numpy.random.RandomState`` (or a Generator on its bit generator) seeded as
    scikit-learn's gives its weights bit for bit.

    Returns
    -------
    list of ndarray
        ``[kernel_1 (fan_in, fan_out), bias_1 (fan_out,), kernel_2, ...]``.
    """
    weights = []
    for fan_in, fan_out, factor in zip(widths[:-1], widths[1:], factors, strict=True):
        limit = np.sqrt(factor / (fan_in + fan_out))
        weights.append(rng.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype, copy=False))
        weights.append(rng.uniform(-limit, limit, fan_out).astype(dtype, copy=False))
    return weights
