"""Parameter types and callbacks that the ``mlplab`` command's modules share."""

import os
from typing import Any

import click


class FilePath(click.Path):
    """A file path option: not a folder, and not empty (``--out ''`` would mean the default)."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False)

    def convert(self, value: str | os.PathLike[str], param: click.Parameter | None,
                ctx: click.Context | None) -> str | bytes | os.PathLike[str]:
        if isinstance(value, str) and not value.strip():
            self.fail(f"{value!r} is not a file name; give the file's path.", param, ctx)
        return super().convert(value, param, ctx)


FILE = FilePath()


def writable(ctx: click.Context, param: click.Parameter, path: Any) -> Any:
    """An output path checked before the work that fills it (training, a study run)."""
    from mlplab._files import writable_target

    if path is not None:
        writable_target(path)  # an MlplabError naming the path and the fix
    return path
