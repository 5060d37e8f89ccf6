"""Model files: one ``.npz`` archive holding the weights and a JSON header.

This module only writes and reads archives; it knows nothing of models. A model
describes itself through a config (``Sequential.get_config`` and ``from_config``), and
``Sequential.save`` / ``mlplab.load`` (:func:`mlplab.engine.saving.load_model`) hand
that config and the weight arrays to :func:`save_archive` and :func:`read_archive`.

The file is what ``np.savez`` writes: a zip of ``.npy`` members, ``mlplab_header.npy``
(the UTF-8 bytes of a JSON object, so loading never needs pickle) and
``param_0.npy``, ``param_1.npy``, ... (kernel and bias of each Dense layer, in
order). The header holds the format name and version, the mlplab version, the
dtype, the seed, the layer spec, the compile settings and the training
history. Files are written with :func:`mlplab._files.atomic_write`, so a crash
mid-write leaves the old file intact, never half a new one.

Loading trusts nothing in the file, and checks before it reads or allocates:
the zip's member list (names, compression, declared sizes) first, then the
header (at most :data:`MAX_HEADER_BYTES`; every key present and of its type),
then the layer spec, which says what every weight array must be. Only then
are the arrays read, each after its ``.npy`` header has shown the expected
shape and dtype and the zip has declared exactly that many bytes; their total
is capped (``max_bytes``). Every problem is a :class:`ModelFileError` that
names the file and what is wrong with it.
"""

import json
import struct
import zipfile
import zlib
from contextlib import contextmanager

import numpy as np
from numpy.lib import format as npy_format

from mlplab._files import atomic_write, readable_file
from mlplab._version import __version__
from mlplab.errors import InvalidInputError, MlplabError, ModelFileError

FORMAT_NAME = "mlplab-model"
FORMAT_VERSION = 1
HEADER_KEY = "mlplab_header"
MAX_HEADER_BYTES = 64 * 2**20  # the JSON header: spec, settings and history
MAX_WEIGHT_BYTES = 512 * 2**20  # default cap on all weights together (67M float64 numbers)
MAX_LAYERS = 10_000
_NPY_PRELUDE = 12 + 10_000  # magic, length and numpy's largest accepted .npy header
_DEFLATE_RATIO = 1032  # deflate cannot expand more than this (RFC 1951's longest match)
_CHUNK = 16 * 2**20
_AGAIN = "Re-save the model, or load an earlier copy."
# What zipfile, zlib and numpy's .npy parser raise on damaged input.
_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError,
                ValueError, TypeError, KeyError, struct.error, SyntaxError, RecursionError,
                OverflowError, NotImplementedError)
_PARSE_ERRORS = (ValueError, TypeError, KeyError, struct.error, SyntaxError, RecursionError,
                 OverflowError)
_HEADER_TYPES = {  # key -> (allowed types, how the message says it)
    "format": ((str,), "a string"), "version": ((int,), "an int"),
    "mlplab_version": ((str,), "a string"), "dtype": ((str,), "a string"),
    "random_state": ((int, type(None)), "an int or null"), "layers": ((list,), "a list"),
    "compile": ((dict, type(None)), "an object or null"),
    "history": ((dict, type(None)), "an object or null"),
}


# -- saving -----------------------------------------------------------------------------------

def archive_header(config) -> dict:
    """The file's JSON header: the format, its version and mlplab's, then ``config``
    (a model's ``get_config()``: dtype, seed, layers, compile settings, history)."""
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "mlplab_version": __version__,
            **config}


def write_archive(file, config, weights) -> None:
    """Write ``config`` (as the header) and the arrays ``weights`` to the binary file
    object ``file``."""
    _check_finite(weights, "cannot write the model")
    text = json.dumps(archive_header(config), default=_plain)
    header_array = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    np.savez(file, **{HEADER_KEY: header_array},  # type: ignore[arg-type]  # (numpy's stub
             **{f"param_{i}": weight for i, weight in enumerate(weights)})  # takes these
    # for its allow_pickle flag)


def save_archive(path, config, weights):
    """Write ``config`` and ``weights`` to ``path`` atomically; return the path."""
    _check_finite(weights, f"cannot save to {str(path)!r}")
    return atomic_write(path, lambda file: write_archive(file, config, weights))


def _check_finite(weights, doing):
    for index, weight in enumerate(weights):
        if not np.isfinite(weight).all():
            raise InvalidInputError(
                f"{doing}: weight array {index} holds NaN or infinite values (training "
                "diverged), and mlplab.load refuses such files. Nothing was written. Lower the "
                "learning rate, or stop with TerminateOnNaN and keep an earlier checkpoint.")


def _plain(value):
    """JSON for NumPy scalars and arrays that a history or config may hold."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# -- loading ----------------------------------------------------------------------------------

def read_archive(path, describe, *, max_bytes=MAX_WEIGHT_BYTES):
    """Read and check a model file; return ``(header, described, weights)``.

    ``describe(header)`` turns the checked header into what it describes, with nothing
    allocated yet (``Sequential.from_config``): its ``dtype`` and ``weight_shapes()``
    say what every weight array must be, and they are checked against the file before
    any is read. ``max_bytes`` caps the weights together. Every problem is a
    :class:`ModelFileError` naming the file.
    """
    path = readable_file(path, what="model file", error=ModelFileError)
    shown = repr(str(path))
    with _zip(path, shown) as archive:
        members = _members(archive, path, shown)
        header = _read_header(archive, members, shown)
        _check_header(header, shown)
        if header["dtype"] not in ("float64", "float32"):
            raise ModelFileError(f"{shown}: the header's dtype is {header['dtype']!r}; mlplab "
                                 f"models are 'float64' or 'float32'. {_AGAIN}")
        with _spec_errors(shown):
            described = describe(header)
            shapes = described.weight_shapes()
        _check_members(members, shapes, described.dtype, max_bytes, shown)
        weights = [_read_weight(archive, members[f"param_{i}.npy"], shape, described.dtype,
                                shown)
                   for i, shape in enumerate(shapes)]
    return header, described, weights


@contextmanager
def rebuild_errors(path):
    """Errors while a model is made from a file's checked header and weights, as the
    :class:`ModelFileError` of a damaged file."""
    with _spec_errors(repr(str(path))):
        yield


@contextmanager
def _zip(path, shown):
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{shown} is not an mlplab model file (not an .npz archive): it "
                             "may be truncated, or a different kind of file.")
    with _read_errors(shown), zipfile.ZipFile(path) as archive:
        yield archive


@contextmanager
def _read_errors(shown):
    try:
        yield
    except MlplabError:
        raise
    except _READ_ERRORS as exc:
        raise ModelFileError(f"{shown} is corrupted or truncated ({type(exc).__name__}: "
                             f"{exc}). {_AGAIN}") from None


@contextmanager
def _spec_errors(shown):
    try:
        yield
    except (MlplabError, TypeError, ValueError, KeyError, OverflowError) as exc:
        raise ModelFileError(f"{shown} does not describe a valid model ({exc}); the file is "
                             f"damaged or was edited. {_AGAIN}") from None


def _members(archive, path, shown) -> dict:
    """name -> ZipInfo, after checking names, compression and what the sizes could be."""
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if f"{HEADER_KEY}.npy" not in names:
        raise ModelFileError(f"{shown} is an .npz file but not an mlplab model (no mlplab "
                             "header). Save models with model.save(path).")
    if len(set(names)) != len(names):
        twice = sorted({name for name in names if names.count(name) > 1})
        raise ModelFileError(f"{shown} holds the member {twice[0]!r} twice; {_AGAIN}")
    available = path.stat().st_size
    for info in infos:
        _check_member(info, available, shown)
    if sum(info.compress_size for info in infos) > available:
        raise ModelFileError(f"{shown}: its members declare more bytes than the file has; it "
                             f"is truncated or damaged. {_AGAIN}")
    return {info.filename: info for info in infos}


def _check_member(info, available, shown):
    name = info.filename
    if not name.endswith(".npy"):
        raise ModelFileError(f"{shown} holds the member {name!r}, which is not a .npy array; "
                             f"an mlplab model file holds only .npy arrays. {_AGAIN}")
    if info.flag_bits & 0x1:
        raise ModelFileError(f"{shown}: member {name!r} is encrypted; mlplab writes none.")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ModelFileError(f"{shown}: member {name!r} uses compression method "
                             f"{info.compress_type}; mlplab reads stored (0) or deflated (8) "
                             f"members only. {_AGAIN}")
    stored = info.compress_type == zipfile.ZIP_STORED
    possible = info.compress_size if stored else info.compress_size * _DEFLATE_RATIO + 1024
    if info.compress_size > available or info.file_size > possible \
            or (stored and info.file_size != info.compress_size):
        raise ModelFileError(f"{shown}: member {name!r} declares {info.file_size} bytes, more "
                             f"than its {info.compress_size} stored bytes can hold; the file is "
                             f"damaged. {_AGAIN}")


def _read_header(archive, members, shown) -> dict:
    info = members[f"{HEADER_KEY}.npy"]
    if info.file_size > MAX_HEADER_BYTES + _NPY_PRELUDE:
        raise ModelFileError(f"{shown}: its header declares {info.file_size} bytes, more than "
                             f"the {MAX_HEADER_BYTES} an mlplab header may have. {_AGAIN}")
    with _read_errors(shown), archive.open(info) as stream:
        shape, _, dtype = _npy_header(stream, info, shown)
        if dtype != np.uint8 or len(shape) != 1:
            raise ModelFileError(f"{shown}: its header is an array of {dtype} with shape "
                                 f"{shape}, not the bytes of a JSON text. {_AGAIN}")
        text = _read_exactly(stream, info, shape[0], shown)
    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelFileError(f"{shown}: its header is not valid JSON ({type(exc).__name__}); "
                             f"the file is damaged or was edited. {_AGAIN}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{shown} has a header that is not an mlplab model's.")
    return header


def _check_header(header, shown):
    for key, (types, wanted) in _HEADER_TYPES.items():
        if key not in header:
            raise ModelFileError(f"{shown}: the header lacks {key!r}; the file is damaged or "
                                 f"was edited. {_AGAIN}")
        value = header[key]
        if isinstance(value, bool) or not isinstance(value, types):
            raise ModelFileError(f"{shown}: the header's {key!r} is {_kind(value)}; it must be "
                                 f"{wanted}. The file is damaged or was edited. {_AGAIN}")
    unknown = sorted(set(header) - set(_HEADER_TYPES))
    if unknown:
        raise ModelFileError(f"{shown}: the header has an unknown key {unknown[0]!r}; it was "
                             "written by another program or edited.")
    version = header["version"]
    if version > FORMAT_VERSION:
        raise ModelFileError(f"{shown} uses model format version {version}; this mlplab reads "
                             f"up to {FORMAT_VERSION}. Upgrade mlplab.")
    if version < 1:
        raise ModelFileError(f"{shown}: the header's format version is {version}; versions "
                             f"start at 1. The file is damaged or was edited. {_AGAIN}")
    if header["random_state"] is not None and header["random_state"] < 0:
        raise ModelFileError(f"{shown}: the header's random_state is {header['random_state']};"
                             f" a seed is a non-negative int. {_AGAIN}")
    if not 1 <= len(header["layers"]) <= MAX_LAYERS:
        raise ModelFileError(f"{shown}: the header lists {len(header['layers'])} layers; a "
                             f"model has 1 to {MAX_LAYERS}. {_AGAIN}")
    if not all(isinstance(layer, dict) for layer in header["layers"]):
        raise ModelFileError(f"{shown}: the header's 'layers' is {_short(header['layers'])}; "
                             f"it must be a list of layer objects. {_AGAIN}")
    _check_compile(header["compile"], shown)
    _check_history(header["history"], shown)


def _check_compile(compiled, shown):
    if compiled is None:
        return
    expected = {"loss": str, "optimizer": dict, "metrics": list}
    if set(compiled) != set(expected) or any(
            not isinstance(compiled[key], kind) for key, kind in expected.items()) \
            or not all(isinstance(name, str) for name in compiled["metrics"]):
        raise ModelFileError(f"{shown}: the header's 'compile' is {_short(compiled)}; it must "
                             "be {'loss': name, 'optimizer': {...}, 'metrics': [names]}. "
                             f"{_AGAIN}")


def _check_history(history, shown):
    if history is None:
        return
    ok = set(history) == {"history", "epoch"} and isinstance(history["history"], dict) \
        and isinstance(history["epoch"], list) \
        and all(_is_int(epoch) for epoch in history["epoch"]) \
        and all(isinstance(values, list) and all(_is_number(v) for v in values)
                for values in history["history"].values())
    if not ok:
        raise ModelFileError(f"{shown}: the header's 'history' is {_short(history)}; it must be "
                             "{'history': {name: [numbers]}, 'epoch': [ints]}. The file is "
                             f"damaged or was edited. {_AGAIN}")


def _check_members(members, shapes, dtype, max_bytes, shown):
    """The members are exactly the header and the weights, each of a size the spec allows."""
    expected = {f"{HEADER_KEY}.npy"} | {f"param_{i}.npy" for i in range(len(shapes))}
    extra, missing = sorted(set(members) - expected), sorted(expected - set(members))
    if extra or missing:
        problem = f"an unexpected member {extra[0]!r}" if extra else f"no {missing[0]!r}"
        raise ModelFileError(f"{shown} has {problem}, but its layer spec implies "
                             f"{len(shapes)} weight arrays. {_AGAIN}")
    sizes = [int(np.prod(shape, dtype=object)) * dtype.itemsize for shape in shapes]
    if sum(sizes) > max_bytes:
        raise ModelFileError(
            f"{shown}: its layer spec implies {_size(sum(sizes))} of weights, more than "
            f"max_bytes={max_bytes} ({_size(max_bytes)}). If you trust the file, load it with "
            "mlplab.load(path, max_bytes=...) and enough memory.")
    for index, size in enumerate(sizes):
        info = members[f"param_{index}.npy"]
        if not size <= info.file_size <= size + _NPY_PRELUDE:
            raise ModelFileError(f"{shown}: member {info.filename!r} declares {info.file_size} "
                                 f"bytes, but the layer spec implies an array of shape "
                                 f"{shapes[index]} ({size} bytes). {_AGAIN}")


def _read_weight(archive, info, shape, dtype, shown):
    with _read_errors(shown), archive.open(info) as stream:
        found_shape, fortran_order, found_dtype = _npy_header(stream, info, shown)
        if found_dtype.newbyteorder("=") != dtype:
            raise ModelFileError(f"{shown}: member {info.filename!r} holds {found_dtype} "
                                 f"values; this {dtype} model's weights must be {dtype}. "
                                 f"{_AGAIN}")
        if found_shape != shape:
            raise ModelFileError(f"{shown}: member {info.filename!r} has shape {found_shape}, "
                                 f"but the layer spec implies {shape}. {_AGAIN}")
        weight = np.empty(shape[::-1] if fortran_order else shape, dtype=found_dtype)
        _read_exactly(stream, info, weight.nbytes, shown, into=weight)
    weight = weight.T if fortran_order else weight
    if not np.isfinite(weight).all():
        raise ModelFileError(f"{shown}: member {info.filename!r} holds NaN or infinite "
                             f"weights; the file is damaged or was edited. {_AGAIN}")
    return weight.astype(dtype, copy=False)


def _npy_header(stream, info, shown):
    """(shape, fortran_order, dtype) from the ``.npy`` header at the start of ``stream``."""
    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            return npy_format.read_array_header_1_0(stream)
        if version == (2, 0):
            return npy_format.read_array_header_2_0(stream)
    except MlplabError:
        raise
    except _PARSE_ERRORS:  # damaged zip data (a CRC error) propagate as "corrupted"
        raise ModelFileError(f"{shown}: member {info.filename!r} does not start with a valid "
                             f".npy header; the file is damaged or was edited. {_AGAIN}") from None
    raise ModelFileError(f"{shown}: member {info.filename!r} is a .npy file of version "
                         f"{version}; mlplab reads versions (1, 0) and (2, 0). {_AGAIN}")


def _read_exactly(stream, info, size, shown, into=None):
    """Read the ``size`` bytes after the .npy header: the zip must declare exactly these."""
    if info.file_size - stream.tell() != size:
        raise ModelFileError(f"{shown}: member {info.filename!r} declares "
                             f"{info.file_size - stream.tell()} data bytes, but its .npy header "
                             f"implies {size}. {_AGAIN}")
    buffer = memoryview(into.reshape(-1).view(np.uint8)) if into is not None \
        else memoryview(bytearray(size))
    for start in range(0, size, _CHUNK):
        chunk = stream.read(min(_CHUNK, size - start))
        if len(chunk) != min(_CHUNK, size - start):
            raise ModelFileError(f"{shown}: member {info.filename!r} ends early. {_AGAIN}")
        buffer[start:start + len(chunk)] = chunk
    if stream.read(1):  # also makes zipfile check the CRC-32 of the whole member
        raise ModelFileError(f"{shown}: member {info.filename!r} is longer than declared. "
                             f"{_AGAIN}")
    return bytes(buffer) if into is None else into


def _size(n_bytes):
    return f"{n_bytes} bytes" if n_bytes < 2**20 else f"{n_bytes / 2**20:,.1f} MiB"


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _kind(value):
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            int: "an int", float: "a number", type(None): "null"}.get(type(value), "a value") \
        + (f" ({_short(value)})" if not isinstance(value, (dict, list)) else "")


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."
