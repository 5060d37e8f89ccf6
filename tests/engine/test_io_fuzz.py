"""mlplab.load on mutated real model files (hypothesis).

Every outcome must be a model (the original one when the mutation was harmless, a sound
one otherwise) or a ModelFileError naming the file; never another exception, never a
large allocation (each load runs under tracemalloc).
"""

import functools
import io as io_module
import json
import math
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_io import header_bytes, header_of, npy, raw_npy, raw_zip, stored

import mlplab
from mlplab.errors import MlplabError, ModelFileError

PEAK_LIMIT = 8 * 2**20  # the files are a few KB: anything near this is an allocation bug
X_CHECK = np.random.default_rng(7).normal(size=(16, 4))


@functools.cache
def originals():
    """name -> (file bytes, model) for a few real saved models, made once."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    trained = mlplab.Sequential([mlplab.Dense(5, "relu", input_dim=2,
                                              kernel_regularizer={"l2": 1e-3}),
                                 mlplab.Dropout(0.1), mlplab.Dense(1, "sigmoid")],
                                random_state=4)
    trained.compile(loss="binary_crossentropy", optimizer={"name": "sgd", "momentum": 0.9},
                    metrics=["accuracy"])
    trained.fit(X, y, epochs=3)
    small32 = mlplab.Sequential.from_spec([3, 4, 2], dtype="float32", random_state=0).build()
    softmax = mlplab.Sequential.from_spec([4, 6, 3], activation="tanh", random_state=1).build()
    softmax.compile(optimizer="adam", metrics=["accuracy"])
    files = {}
    for name, model in (("trained", trained), ("float32", small32), ("softmax", softmax)):
        buffer = io_module.BytesIO()
        mlplab.engine.io.write_archive(buffer, model.get_config(), model.parameters())
        files[name] = (buffer.getvalue(), model)
    return files


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "model.npz"


def members(data) -> dict:
    with zipfile.ZipFile(io_module.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(parts, methods=None) -> bytes:
    """An archive of ``parts`` (name -> bytes), each with its compression method."""
    buffer = io_module.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = (methods or {}).get(name, zipfile.ZIP_STORED)
            archive.writestr(info, data)
    return buffer.getvalue()


def load(path, data):
    """Write ``data`` to ``path`` and load it: the model, or the ModelFileError."""
    path.write_bytes(data)
    tracemalloc.start()
    try:
        return mlplab.load(path)
    except ModelFileError as exc:
        message = str(exc)
        assert isinstance(exc, MlplabError) and isinstance(exc, (ValueError, TypeError))
        assert repr(str(path)) in message and len(message) > len(repr(str(path))) + 10
        return exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < PEAK_LIMIT, f"loading a {len(data)}-byte file took {peak} bytes"


def assert_sound(model, original):
    """A loaded model that may differ from ``original`` only where the file was edited."""
    assert model.built and model.count_params() == original.count_params()
    outputs = model.predict(X_CHECK[:, :model.input_dim])
    assert np.isfinite(outputs).all()
    again = io_module.BytesIO()
    # and it saves back
    mlplab.engine.io.write_archive(again, model.get_config(), model.parameters())


def assert_equal(model, original):
    assert model.to_spec() == original.to_spec() and model.dtype == original.dtype
    for loaded, saved in zip(model.get_weights(), original.get_weights(), strict=True):
        assert loaded.dtype == saved.dtype and np.array_equal(loaded, saved)
    assert (model.loss is None) == (original.loss is None)
    if model.loss is not None:
        assert model.loss.name == original.loss.name
        assert model.optimizer.config() == original.optimizer.config()
        assert [n for n, _ in model.metrics] == [n for n, _ in original.metrics]
    assert (model.history is None) == (original.history is None)
    if model.history is not None:
        assert model.history.history == original.history.history
        assert model.history.epoch == original.history.epoch


def judge(outcome, original, expect):
    """expect: 'equal' (a harmless mutation), 'refused', or 'either' (a valid edit)."""
    if isinstance(outcome, ModelFileError):
        assert expect != "equal", f"a harmless mutation was refused: {outcome}"
        return
    assert expect != "refused", "a damaged file was loaded"
    assert_sound(outcome, original)
    if expect == "equal":
        assert_equal(outcome, original)


names = st.sampled_from(["trained", "float32", "softmax"])


# -- bytes flipped, truncated, extended ------------------------------------------------------

def interesting_offsets(data):
    """Where the structure is: zip signatures and the .npy headers that follow them."""
    offsets = []
    for marker in (b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"\x93NUMPY"):
        start = data.find(marker)
        while start != -1:
            offsets.append(start)
            start = data.find(marker, start + 1)
    return sorted(offsets)


@st.composite
def mutated_bytes(draw):
    name = draw(names)
    data = bytearray(originals()[name][0])
    anchor = st.sampled_from(interesting_offsets(bytes(data)))
    position = draw(st.one_of(st.integers(0, len(data) - 1),
                              anchor.flatmap(lambda at: st.integers(at, min(len(data) - 1,
                                                                            at + 140)))))
    kind = draw(st.sampled_from(["flip", "flip", "overwrite", "truncate", "extend", "insert",
                                 "delete"]))
    if kind == "flip":
        for offset in [position] + draw(st.lists(st.integers(0, len(data) - 1), max_size=3)):
            data[offset] ^= draw(st.integers(1, 255))
    elif kind == "overwrite":
        chunk = draw(st.binary(min_size=1, max_size=16))
        data[position:position + len(chunk)] = chunk
    elif kind == "truncate":
        del data[position:]
    elif kind == "extend":
        data += draw(st.binary(min_size=1, max_size=64))
    elif kind == "insert":
        data[position:position] = draw(st.binary(min_size=1, max_size=16))
    else:
        del data[position:position + draw(st.integers(1, 16))]
    return name, bytes(data)


@settings(max_examples=250)
@given(mutated_bytes())
def test_mutated_bytes(target, case):
    name, data = case
    saved, original = originals()[name]
    outcome = load(target, data)
    # The CRC-32 of every member guards the header and the weights, so a mutated file that
    # loads differs only where zipfile ignores the bytes (dates, the local copy of a size,
    # bytes before or after the archive): the model must then be the original, bit for bit.
    judge(outcome, original, "equal" if data == saved else "either")
    if not isinstance(outcome, ModelFileError):
        assert_equal(outcome, original)


# -- zip members replaced, dropped, added, recompressed ----------------------------------------

FLOAT_VALUES = st.one_of(st.floats(width=32), st.sampled_from([np.nan, np.inf, -np.inf]))
DTYPES = ["<f8", ">f8", "<f4", "<f2", "<c16", "<i8", "|b1", "<U3", "|S3", "|O"]


@st.composite
def replacement_array(draw, shape, model_dtype):
    """New values (maybe NaN or inf), another dtype, or another shape for one weight array."""
    kind = draw(st.sampled_from(["values", "values", "dtype", "shape"]))
    dtype = np.dtype(draw(st.sampled_from(DTYPES))) if kind == "dtype" else model_dtype
    if kind == "values" and draw(st.booleans()):
        dtype = dtype.newbyteorder(">")  # big-endian: still valid
    if kind == "shape":
        shape = draw(st.sampled_from([shape[::-1], (), (0,), (1,) + shape,
                                      tuple(n + 1 for n in shape)]))
    values = draw(st.lists(FLOAT_VALUES, min_size=1, max_size=4))
    flat = np.resize(np.array(values, dtype=np.float64), math.prod(shape))
    with np.errstate(all="ignore"):
        if dtype.kind in "US":
            array = flat.astype(str).astype(dtype)
        elif dtype.kind == "O":
            array = flat.astype(object)
        else:
            array = flat.astype(dtype)
    array = array.reshape(shape)
    if draw(st.booleans()) and array.ndim == 2:
        array = np.asfortranarray(array)
    return array


@st.composite
def mutated_members(draw):
    name = draw(names)
    data, model = originals()[name]
    parts = members(data)
    shapes = {f"param_{i}.npy": w.shape for i, w in enumerate(model.get_weights())}
    methods = {}
    holds = {slot: ("saved", slot) for slot in shapes}  # what each weight member holds now
    header_replaced = False
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["replace", "replace", "drop", "add", "header",
                                       "compress", "swap"]))
        member = draw(st.sampled_from(sorted(shapes)))
        if action == "replace":
            array = draw(replacement_array(shapes[member], model.dtype))
            parts[member] = npy(array)
            valid = (array.dtype.newbyteorder("=") == model.dtype
                     and array.shape == shapes[member] and bool(np.isfinite(array).all()))
            holds[member] = ("new", valid)
        elif action == "drop":
            parts.pop(draw(st.sampled_from(sorted(parts))))
        elif action == "add":
            extra = draw(st.sampled_from(["notes.txt", f"param_{len(shapes)}.npy", "x.npy",
                                          "folder/", "../up.npy", "param_01.npy"]))
            parts[extra] = npy(np.ones(2))
        elif action == "header":
            parts["mlplab_header.npy"] = draw(st.sampled_from([
                npy(np.zeros(4)), npy(np.frombuffer(b"null", np.uint8)), b"not npy",
                npy(np.frombuffer(json.dumps([1]).encode(), np.uint8)), b""]))
            header_replaced = True
        elif action == "compress":
            methods[draw(st.sampled_from(sorted(parts)))] = draw(st.sampled_from(
                [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                 zipfile.ZIP_LZMA]))
        else:
            other = draw(st.sampled_from(sorted(shapes)))
            if member in parts and other in parts:
                parts[member], parts[other] = parts[other], parts[member]
                holds[member], holds[other] = holds[other], holds[member]
    foreign = any(methods.get(part, zipfile.ZIP_STORED) not in
                  (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for part in parts)
    damaged = any(hold == ("new", False) or hold[0] == "saved" and
                  shapes[hold[1]] != shapes[slot] for slot, hold in holds.items())
    foreign_names = set(parts) != {"mlplab_header.npy", *shapes}
    if header_replaced or foreign_names or foreign or damaged:
        expect = "refused"
    else:
        expect = "equal" if all(hold == ("saved", slot) for slot, hold in holds.items()) \
            else "either"
    return name, zipped(parts, methods), expect


@settings(max_examples=200)
@given(mutated_members())
def test_mutated_members(target, case):
    name, data, expect = case
    judge(load(target, data), originals()[name][1], expect)


# -- header JSON: keys dropped, values retyped -------------------------------------------------

JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.sampled_from([0, 1, -1, 2, 10**9, 2**63, 10**30]),
              st.integers(-5, 50), st.floats(allow_nan=True, allow_infinity=True),
              st.text(max_size=8), st.sampled_from(["float64", "float32", "relu", "sgd",
                                                    "mlplab-model", "dense", "dropout"])),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["name", "output_dim", "input_dim", "units", "type", "rate", "l2",
                         "history", "epoch", "loss", "x"]), children, max_size=3),
    max_leaves=6)
TOP_TYPES = {"format": str, "version": int, "mlplab_version": str, "dtype": str,
             "random_state": (int, type(None)), "layers": list,
             "compile": (dict, type(None)), "history": (dict, type(None))}


def locations(node, path=()):
    """Every (path, value) in the JSON tree, depth first."""
    yield path, node
    children = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, child in children:
        yield from locations(child, path + (key,))


@st.composite
def edited_header(draw):
    name = draw(names)
    data, _ = originals()[name]
    parts = members(data)
    header = header_of(parts)
    places = [path for path, _ in locations(header) if path]
    path = draw(st.sampled_from(places))
    parent = header
    for key in path[:-1]:
        parent = parent[key]
    drop = isinstance(parent, dict) and draw(st.booleans())
    if drop:
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(JSON_VALUES)
    top = path[0]
    type_broken = top not in header or isinstance(header[top], bool) \
        or not isinstance(header[top], TOP_TYPES[top])
    parts["mlplab_header.npy"] = header_bytes(header)
    return name, zipped(parts), "refused" if type_broken else "either"


@settings(max_examples=200)
@given(edited_header())
def test_edited_headers(target, case):
    name, data, expect = case
    judge(load(target, data), originals()[name][1], expect)


# -- .npy headers with huge shapes, odd dtypes, lying zip sizes --------------------------------

SHAPES = st.one_of(
    st.tuples(st.sampled_from([2, 3, 4, 5, 6, 10**9, 2**31, 2**63, 10**30, -1, 0])),
    st.tuples(st.sampled_from([2, 3, 4, 10**9, 2**40, -2]),
              st.sampled_from([1, 2, 3, 4, 5, 6, 10**9, 2**62])),
    st.sampled_from(["()", "(2, 5, 1)", "[2, 5]", "(2.0, 5)", "'2'", "(True, 5)"]))
DESCRS = st.sampled_from(["'<f8'", "'<f4'", "'>f8'", "'<c16'", "'<U5'", "'|O'", "'|V8'",
                          "'<M8[s]'", "{'names': ['a'], 'formats': ['<f8']}", "{'x': 1}",
                          "[('a', '<f8'), ('b', '<f8')]", "'(5,)<f8'", "5", "None", "'foo'"])


@st.composite
def hostile_npy(draw):
    name = draw(names)
    data, model = originals()[name]
    parts = members(data)
    member = draw(st.sampled_from(sorted(parts)))
    shape = draw(SHAPES)
    shape = shape if isinstance(shape, str) else repr(tuple(shape))
    fortran = draw(st.sampled_from(["False", "True", "1", "None"]))
    header = f"{{'descr': {draw(DESCRS)}, 'fortran_order': {fortran}, 'shape': {shape}, }}"
    body = draw(st.binary(max_size=256))
    version = draw(st.sampled_from([(1, 0), (2, 0), (3, 0), (9, 9)]))
    parts[member] = raw_npy(header, body, version if version < (3, 0) else (1, 0))
    if version >= (3, 0):
        parts[member] = parts[member][:6] + bytes(version) + parts[member][8:]
    entries = [stored(part, content) for part, content in parts.items()]
    if draw(st.booleans()):  # the zip also lies about the member's size
        lie = draw(st.sampled_from([2**31, 2**32 - 1, 0, len(parts[member]) + 8]))
        entries = [(n, m, c, lie if n == member else size, crc)
                   for n, m, c, size, crc in entries]
    return name, raw_zip(entries)


@settings(max_examples=150)
@given(hostile_npy())
def test_hostile_npy_headers(target, case):
    name, data = case
    outcome = load(target, data)
    # A body of at most 256 random bytes may by chance form valid weights of the right
    # shape for the 2->5 kernel (80 bytes); then the model must still be sound.
    judge(outcome, originals()[name][1], "either")
