"""A frame on the wire: as JSON text, or as one binary websocket message.

A session describes a frame as plain data whose pictures and weights are NumPy
arrays (a *raw* frame). :func:`to_json` gives today's JSON frame: uint8 arrays as
base64 text, float arrays as nested lists rounded to 5 decimals (null where not
finite). :func:`to_binary` gives the same frame as one binary message, laid out as
:mod:`mlplab.web.player` documents (the page's websocket protocol): a 12-byte preamble
(b"MLPF", the layout version, the header's length), a JSON header in which every array
is a reference ``{"$blob": i}`` (2-D: ``"rows"`` too) into a table of blobs, and the
blobs, uint8 or float32, each at an offset that is a multiple of 4 so that a page views
it as a typed array without copying. :func:`decode` reads it back (tests, benchmarks).
"""

import base64
import json
import struct
from typing import Any

import numpy as np
from numpy.typing import NDArray

MAGIC = b"MLPF"
LAYOUT = 1
DECIMALS = 5  # a JSON frame's weights
BLOB_TYPES: dict[str, np.dtype[Any]] = {"u8": np.dtype("<u1"), "f32": np.dtype("<f4")}


# -- raw -> JSON ---------------------------------------------------------------------------
def to_json(raw: Any) -> Any:
    """The JSON frame (dicts, lists, numbers, base64 text) of a raw one."""
    if isinstance(raw, dict):
        return {key: to_json(value) for key, value in raw.items()}
    if isinstance(raw, list | tuple):
        return [to_json(value) for value in raw]
    if isinstance(raw, np.ndarray):
        if raw.dtype == np.uint8:
            return base64.b64encode(raw.tobytes()).decode()
        rounded = np.round(raw.astype(np.float64), DECIMALS)
        # None makes an object array (null in JSON); numpy's stubs take no None there.
        return np.where(np.isfinite(rounded), rounded, None).tolist()  # type: ignore[call-overload]
    if isinstance(raw, np.generic):
        return raw.item()
    return raw


def json_text(raw: Any) -> str:
    """The JSON frame as text, ready to send."""
    return json.dumps(to_json(raw), allow_nan=False)


# -- raw -> binary -------------------------------------------------------------------------
def to_binary(raw: Any) -> bytes:
    """The frame as one binary message (layout in the module docstring)."""
    arrays: list[NDArray[Any]] = []
    header_frame = _references(raw, arrays)
    # The blobs' offsets depend on the header's length, which holds them: offsets have a
    # fixed width, so a header with zero offsets has the final length.
    frame_text = json.dumps(header_frame, allow_nan=False, separators=(",", ":"))
    table: list[list[Any]] = [[_type(a), 0, int(a.size)] for a in arrays]  # kind, offset, count
    start = _aligned(12 + len(_header(frame_text, table)))
    offset = start
    for entry, array in zip(table, arrays, strict=True):
        entry[1] = offset
        offset = _aligned(offset + array.nbytes)
    header = _header(frame_text, table)
    assert _aligned(12 + len(header)) == start
    out = bytearray(offset)
    out[0:12] = MAGIC + struct.pack("<II", LAYOUT, len(header))
    out[12:12 + len(header)] = header
    for array, (_, position, _) in zip(arrays, table, strict=True):
        data = array.tobytes()
        out[position:position + len(data)] = data
    return bytes(out)


def _references(raw: Any, arrays: list[NDArray[Any]]) -> Any:
    if isinstance(raw, dict):
        return {key: _references(value, arrays) for key, value in raw.items()}
    if isinstance(raw, list | tuple):
        return [_references(value, arrays) for value in raw]
    if isinstance(raw, np.ndarray):
        array = raw if raw.dtype == np.uint8 else raw.astype("<f4")
        arrays.append(np.ascontiguousarray(array))
        reference: dict[str, int] = {"$blob": len(arrays) - 1}
        if array.ndim == 2:
            reference["rows"] = int(array.shape[0])
        return reference
    if isinstance(raw, np.generic):
        return raw.item()
    return raw


def _type(array: NDArray[Any]) -> str:
    return "u8" if array.dtype == np.uint8 else "f32"


def _header(frame_text: str, table: list[list[Any]]) -> bytes:
    """The header's bytes. Offsets take 10 characters (space-padded), so that its
    length does not depend on them."""
    blobs = ",".join(f'["{kind}",{offset:10d},{count}]' for kind, offset, count in table)
    return f'{{"frame":{frame_text},"blobs":[{blobs}]}}'.encode()


def _aligned(position: int) -> int:
    return (position + 3) // 4 * 4


# -- binary -> Python (tests, the benchmark) -----------------------------------------------
def decode(message: bytes | bytearray | memoryview) -> Any:
    """A binary frame as the JSON frame's dict, with NumPy arrays where the page gets
    typed arrays (see the module docstring)."""
    if message[:4] != MAGIC:
        raise ValueError(f"not a binary playground frame: it starts {bytes(message[:4])!r}")
    layout, length = struct.unpack_from("<II", message, 4)
    if layout != LAYOUT:
        raise ValueError(f"binary frame layout {layout}; this mlplab reads layout {LAYOUT}")
    header = json.loads(bytes(message[12:12 + length]))
    blobs = [np.frombuffer(message, dtype=BLOB_TYPES[kind], count=count, offset=offset)
             for kind, offset, count in header["blobs"]]
    return _revive(header["frame"], blobs)


def _revive(value: Any, blobs: list[NDArray[Any]]) -> Any:
    if isinstance(value, list):
        return [_revive(item, blobs) for item in value]
    if not isinstance(value, dict):
        return value
    if "$blob" in value:
        blob = blobs[value["$blob"]]
        return list(blob.reshape(value["rows"], -1)) if "rows" in value else blob
    return {key: _revive(item, blobs) for key, item in value.items()}
