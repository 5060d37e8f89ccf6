"""``model.summary()`` as Keras 3 prints it: a table of layers (name and type, output
shape, parameter count) and the totals with their size in bytes (keras'
``utils/summary_utils.py``), drawn with rich as Keras draws it."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from numpy.typing import DTypeLike

from mlplab.engine.optimizers import Optimizer

if TYPE_CHECKING:
    from mlplab.keras.models import Sequential

JUSTIFY: tuple[Literal["left", "right"], ...] = ("left", "left", "right")  # the columns'


def readable_size(n_bytes: float) -> str:
    """Keras' ``readable_memory_size``: 84.00 B, 1.17 KB, ..."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n_bytes / 1024 < 1:
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.2f} PB"


def optimizer_variables(model: Sequential) -> tuple[int, int]:
    """(count, bytes) of what Keras calls the optimizer's variables once it has stepped:
    ``iterations`` (int64), the learning rate unless a schedule gives it, and one array
    per parameter for each kind of state (SGD's momentum, Adam's two moments, ...)."""
    optimizer = model.optimizer
    if optimizer is None or not getattr(optimizer, "iterations", 0):
        return 0, 0
    item = model.parameters()[0].itemsize
    state = len(optimizer.state_names()) * model.count_params()
    # The learning rate is a variable too, unless a schedule computes it (L-BFGS has none).
    learning_rate = isinstance(optimizer, Optimizer) and not optimizer.scheduled
    floats = state + (1 if learning_rate else 0)
    return 1 + floats, 8 + floats * item


def summary_text(model: Sequential, line_length: int | None = None,
                 positions: Sequence[float] | None = None) -> str:
    """Keras' summary of ``model``: its table (``line_length`` wide, columns ending at
    ``positions``) and totals, as one string."""
    import rich.box
    import rich.console
    import rich.markup
    import rich.table

    line_length = line_length or min(88, shutil.get_terminal_size().columns - 4)
    positions = positions or [0.45, 0.80, 1.0]
    widths, current = [], 0
    for position in positions:
        widths.append(int(position * line_length) - current)
        current += widths[-1]
    columns = [rich.table.Column(name, justify=justify, width=width) for name, justify, width
               in zip(("Layer (type)", "Output Shape", "Param #"), JUSTIFY, widths, strict=True)]
    table = rich.table.Table(*columns, width=line_length, show_lines=True)
    for layer in model.layers:
        name = rich.markup.escape(f"{layer.name} ({type(layer).__name__})")
        if layer.built:
            table.add_row(name, f"(None, {layer.output_dim})", f"{layer.n_parameters():,}")
        else:
            table.add_row(name, "?", "0 (unbuilt)")
    trainable = sum(layer.n_parameters() for layer in model.layers if layer.built)
    item = model.parameters()[0].itemsize if model.built else _itemsize(model.dtype)
    optimizer_count, optimizer_bytes = optimizer_variables(model)
    console = rich.console.Console(highlight=False, force_terminal=False, color_system=None,
                                   width=line_length + 4)
    console.begin_capture()
    console.print(f'Model: "{rich.markup.escape(model.name)}"')
    console.print(table)
    total = trainable + optimizer_count
    console.print(f" Total params: {total:,} "
                  f"({readable_size(trainable * item + optimizer_bytes)})")
    console.print(f" Trainable params: {trainable:,} ({readable_size(trainable * item)})")
    console.print(" Non-trainable params: 0 (0.00 B)")
    if optimizer_count:
        console.print(f" Optimizer params: {optimizer_count:,} "
                      f"({readable_size(optimizer_bytes)})")
    return console.end_capture()


def _itemsize(dtype: DTypeLike) -> int:
    import numpy as np

    return np.dtype(dtype).itemsize
