"""Save and load models: one ``.npz`` file holding the weights and a JSON header.

The header (an array of UTF-8 bytes named ``mlplab_header``, so loading never
needs pickle) carries the format name and version, the layer spec, the dtype,
the compile settings and the training history. Files are written to a
temporary file beside the target and renamed over it, so a crash mid-write
leaves the old file intact, never half a new one.
"""

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from mlplab.errors import InvalidInputError, ModelFileError

FORMAT_NAME = "mlplab-model"
FORMAT_VERSION = 1
HEADER_KEY = "mlplab_header"


def _header(model) -> dict:
    seed = model.random_state if isinstance(model.random_state, int) else None
    compiled = None
    if model.loss is not None:
        compiled = {"loss": model.loss.name, "optimizer": model.optimizer.config(),
                    "metrics": [name for name, _ in model.metrics]}
    history = None
    if model.history is not None:
        history = {"history": model.history.history, "epoch": model.history.epoch}
    from mlplab import __version__

    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "mlplab_version": __version__,
            "dtype": str(model.dtype), "random_state": seed, "layers": model.to_spec(),
            "compile": compiled, "history": history}


def atomic_write(path, write) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InvalidInputError(f"cannot save to {str(path)!r}: folder {str(directory)!r} does "
                                "not exist. Create it first or choose another path.")
    try:
        handle, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InvalidInputError(f"cannot save to {str(path)!r}: {exc.strerror}. Choose a "
                                "writable folder.") from None
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def save_model(model, path) -> None:
    """Write ``model`` (built) to ``path``; see the module docstring for the format."""
    model._require_built()
    header = np.frombuffer(json.dumps(_header(model)).encode("utf-8"), dtype=np.uint8)
    arrays = {f"param_{i}": p for i, p in enumerate(model.parameters())}
    atomic_write(path, lambda file: np.savez(file, **{HEADER_KEY: header}, **arrays))


def _read_archive(path):
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"no model file at {str(path)!r}.")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{str(path)!r} is not an mlplab model file (not an .npz "
                             "archive): it may be truncated, or a different kind of file.")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if HEADER_KEY not in archive.files:
                raise ModelFileError(f"{str(path)!r} is an .npz file but not an mlplab model "
                                     "(no mlplab header). Save models with model.save(path).")
            header = json.loads(archive[HEADER_KEY].tobytes().decode("utf-8"))
            arrays = {name: archive[name] for name in archive.files if name != HEADER_KEY}
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as exc:
        raise ModelFileError(f"{str(path)!r} is corrupted or truncated ({exc}). Re-save the "
                             "model, or load an earlier copy.") from None
    return header, arrays


def _check_header(header, path):
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{str(path)!r} has a header that is not an mlplab model's.")
    version = header.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(f"{str(path)!r} uses model format version {version!r}; this "
                             f"mlplab reads up to {FORMAT_VERSION}. Upgrade mlplab.")
    for key in ("layers", "dtype"):
        if key not in header:
            raise ModelFileError(f"{str(path)!r}: the header lacks {key!r}; the file is damaged.")


def load_model(path):
    """Read a model written by :meth:`Sequential.save`; raise ModelFileError if it cannot."""
    from mlplab.engine.callbacks import History
    from mlplab.engine.model import Sequential

    header, arrays = _read_archive(path)
    _check_header(header, path)
    try:
        model = Sequential.from_spec(header["layers"], dtype=header["dtype"],
                                     random_state=header.get("random_state"))
        model.build()
        weights = [arrays[f"param_{i}"] for i in range(len(model.parameters()))]
        if len(arrays) != len(weights):
            raise KeyError("extra arrays")
        model.set_weights(weights)
        if header.get("compile"):
            compiled = header["compile"]
            model.compile(compiled["loss"], compiled["optimizer"], compiled["metrics"])
    except ModelFileError:
        raise
    except (InvalidInputError, KeyError, TypeError) as exc:
        raise ModelFileError(f"{str(path)!r} does not describe a valid model ({exc}); the file "
                             "is damaged or was edited.") from None
    if header.get("history"):
        model.history = History()
        model.history.history = header["history"]["history"]
        model.history.epoch = header["history"]["epoch"]
    return model
