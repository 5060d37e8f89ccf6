"""One flat array holding several arrays end to end, and views of it shaped like them.

A model keeps all its parameters in one such array (``Sequential.parameter_buffer``,
kernel after bias, layer after layer, each kernel row-major), and an optimizer keeps
each kind of state the same way (``Optimizer.buffers``). The layers' ``kernel`` and
``bias``, and the optimizer's ``state[(i, name)]``, are views of those arrays: whatever
updates one updates the other. NumPy's runner updates the views one by one; a compiled
runner (:mod:`mlplab.fast`) can update the flat array in one loop, and both see the same
numbers.
"""

import numpy as np

from mlplab.errors import InvalidInputError


def views(flat, shapes):
    """Views of the 1-D array ``flat``, one per shape, end to end."""
    result, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape, dtype=np.int64))
        result.append(flat[start:start + size].reshape(shape))
        start += size
    return result


def is_flat(flat, arrays) -> bool:
    """Whether ``arrays`` are exactly the views of ``flat`` that :func:`views` makes."""
    if flat is None or flat.ndim != 1 or flat.size != sum(a.size for a in arrays):
        return False
    start = flat.__array_interface__["data"][0]
    position = 0
    for array in arrays:
        if (array.base is not flat or not array.flags.c_contiguous
                or array.__array_interface__["data"][0] != start + position * flat.itemsize):
            return False
        position += array.size
    return True


def flatten(arrays, dtype=None):
    """A new flat array holding ``arrays`` end to end, and its views shaped like them."""
    flat = np.concatenate([np.ravel(a) for a in arrays]).astype(dtype or arrays[0].dtype,
                                                                copy=False)
    return flat, views(flat, [a.shape for a in arrays])


def assign(targets, weights, dtype) -> None:
    """Overwrite the arrays ``targets`` with ``weights`` in place (so that views of them,
    and the optimizer's state keyed by them, still see the new values): a model's
    ``set_weights``, its shapes checked."""
    if len(weights) != len(targets):
        raise InvalidInputError(f"set_weights got {len(weights)} arrays; this model has "
                                f"{len(targets)} (kernel and bias per Dense layer).")
    for index, (target, value) in enumerate(zip(targets, weights, strict=True)):
        value = np.asarray(value, dtype=dtype)
        if value.shape != target.shape:
            raise InvalidInputError(f"set_weights: array {index} has shape {value.shape}, "
                                    f"expected {target.shape}.")
        target[...] = value
