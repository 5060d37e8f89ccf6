import io as io_module
import re
import struct
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

import mlplab
from mlplab.engine import io
from mlplab.errors import InvalidInputError, ModelFileError


@pytest.fixture
def trained(rng):
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    model = mlplab.Sequential([mlplab.Dense(5, "relu", input_dim=2,
                                            kernel_regularizer={"l2": 1e-3}),
                               mlplab.Dropout(0.1), mlplab.Dense(1, "sigmoid")], random_state=4)
    model.compile(loss="binary_crossentropy", optimizer={"name": "sgd", "momentum": 0.9},
                  metrics=["accuracy"])
    model.fit(X, y, epochs=5)
    return model, X, y


def test_round_trip_gives_identical_predictions(trained, tmp_path):
    model, X, y = trained
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = mlplab.load(path)
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.to_spec() == model.to_spec()
    assert loaded.optimizer.config() == model.optimizer.config()
    assert loaded.history.history == model.history.history
    assert loaded.evaluate(X, y) == model.evaluate(X, y)


def test_float32_round_trip(tmp_path):
    model = mlplab.Sequential.from_spec([3, 4, 2], dtype="float32", random_state=0).build()
    model.save(tmp_path / "m.mlp")  # any extension; nothing is appended
    loaded = mlplab.load(tmp_path / "m.mlp")
    assert loaded.dtype == np.float32 and loaded.loss is None
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights(),
                                                     strict=True))


def test_a_crash_while_writing_leaves_the_old_file_intact(trained, tmp_path, monkeypatch):
    model, X, _ = trained
    path = tmp_path / "model.npz"
    model.save(path)
    before = path.read_bytes()

    def crash(file, **arrays):
        file.write(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(io.np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temp file left behind


def test_truncated_file(trained, tmp_path):
    path = tmp_path / "model.npz"
    trained[0].save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="not an .npz archive|corrupted or truncated"):
        mlplab.load(path)


def test_corrupted_bytes_inside_an_array(trained, tmp_path):
    path = tmp_path / "model.npz"
    trained[0].save(path)
    data = bytearray(path.read_bytes())
    offset = data.find(b"param_0.npy")
    data[offset + 200: offset + 210] = b"\xff" * 10  # inside the array's stored bytes
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="corrupted or truncated"):
        mlplab.load(path)


def test_foreign_and_missing_files(tmp_path):
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ModelFileError, match="not an mlplab model"):
        mlplab.load(tmp_path / "other.npz")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ModelFileError, match="not an .npz archive"):
        mlplab.load(tmp_path / "notes.txt")
    with pytest.raises(ModelFileError, match="no model file"):
        mlplab.load(tmp_path / "missing.npz")


def test_edited_header_and_newer_format(trained, tmp_path):
    def rewrite(header_change, name):
        path = tmp_path / name
        trained[0].save(path)
        with np.load(path) as archive:
            arrays = dict(archive)
        header = io.json.loads(arrays[io.HEADER_KEY].tobytes())
        header_change(header)
        arrays[io.HEADER_KEY] = np.frombuffer(io.json.dumps(header).encode(), dtype=np.uint8)
        np.savez(path, **arrays)
        return path

    newer = rewrite(lambda h: h.update(version=99), "newer.npz")
    with pytest.raises(ModelFileError, match="format version 99.*Upgrade mlplab"):
        mlplab.load(newer)
    broken = rewrite(lambda h: h["layers"][0].update(output_dim=7), "broken.npz")
    with pytest.raises(ModelFileError, match="does not describe a valid model"):
        mlplab.load(broken)


def test_saving_needs_a_built_model_and_an_existing_folder(tmp_path):
    with pytest.raises(mlplab.MlplabError, match="call fit"):  # no input width: no weights
        mlplab.Sequential([mlplab.Dense(1)]).save(tmp_path / "m.npz")
    model = mlplab.Sequential.from_spec([2, 1])  # built at once: the width is declared
    with pytest.raises(InvalidInputError, match="does not exist"):
        model.save(tmp_path / "no" / "such" / "m.npz")
    model.save(tmp_path / "ok.npz")
    assert zipfile.is_zipfile(tmp_path / "ok.npz")


# -- tampered files: every problem is a ModelFileError naming the file and the problem ---------
# (helpers also used by test_io_fuzz.py)

def members_of(path) -> dict:
    """name -> bytes of every member of the archive at ``path``."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_zip(path, members, method=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def npy(array) -> bytes:
    buffer = io_module.BytesIO()
    np.save(buffer, array, allow_pickle=True)  # object arrays too: the reader must refuse them
    return buffer.getvalue()


def raw_npy(header, body=b"", version=(1, 0)) -> bytes:
    """A .npy member with a hand-written header dict (``header`` is its text)."""
    text = (header + " " * (64 - (len(header) + 11) % 64) + "\n").encode("latin1")
    length = struct.pack("<H" if version == (1, 0) else "<I", len(text))
    return b"\x93NUMPY" + bytes(version) + length + text + body


def header_bytes(header) -> bytes:
    return npy(np.frombuffer(io.json.dumps(header).encode(), dtype=np.uint8))


def header_of(members) -> dict:
    return io.json.loads(np.load(io_module.BytesIO(members["mlplab_header.npy"])).tobytes())


def raw_zip(entries) -> bytes:
    """A zip written by hand from (name, method, stored bytes, declared size, crc), so that
    methods and sizes can be anything."""
    body, central = bytearray(), bytearray()
    for name, method, data, size, crc in entries:
        name = name.encode()
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0, crc,
                               len(data), size, len(name), 0, 0, 0, 0, 0, len(body)) + name
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(data),
                            size, len(name), 0) + name + data
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(central), len(body), 0)
    return bytes(body + central + end)


def stored(name, data):
    """A raw_zip entry that stores ``data`` as it is, as np.savez does."""
    return name, zipfile.ZIP_STORED, data, len(data), zlib.crc32(data)


def zeros_deflated(n_chunks, chunk=2**24) -> bytes:
    """A raw deflate stream of n_chunks * chunk zero bytes, made in milliseconds (after a full
    flush, every chunk compresses to the same bytes)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b"\0" * chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * n_chunks + compressor.flush()


@pytest.fixture
def saved(trained, tmp_path):
    path = tmp_path / "model.npz"
    trained[0].save(path)
    return path, members_of(path)


def refused(path, *patterns):
    with pytest.raises(ModelFileError) as caught:
        mlplab.load(path)
    message = str(caught.value)
    assert repr(str(path)) in message, message  # names the file
    for pattern in patterns:
        assert re.search(pattern, message), message
    return message


HEADER_EDITS = [  # (what to change, words the message must contain)
    (lambda h: h.pop("history"), "lacks 'history'"),
    (lambda h: h.update(history=[]), "'history' is a list.*must be an object or null"),
    (lambda h: h.update(history={"history": []}), "'history' is .*must be"),
    (lambda h: h["history"].update(epoch="5"), "'history' is .*must be"),
    (lambda h: h["history"]["history"].update(loss=["a"]), "'history' is .*numbers"),
    (lambda h: h.pop("compile"), "lacks 'compile'"),
    (lambda h: h.update(compile=["sgd"]), "'compile' is a list"),
    (lambda h: h["compile"].pop("metrics"), "'compile' is .*must be"),
    (lambda h: h["compile"].update(optimizer={"name": "sgd", "momentum": "x"}),
     "does not describe a valid model"),
    (lambda h: h["compile"].update(loss="hinge"), "does not describe a valid model"),
    (lambda h: h.pop("layers"), "lacks 'layers'"),
    (lambda h: h.update(layers="dense"), "'layers' is a string"),
    (lambda h: h.update(layers=[]), "lists 0 layers"),
    (lambda h: h.update(layers=[2, 5, 1]), "list of layer objects"),
    (lambda h: h["layers"][0].update(activation="swish"), "does not describe a valid model"),
    (lambda h: h["layers"][0].update(kernel_regularizer={"l2": [1]}),
     "does not describe a valid model"),
    (lambda h: h.update(dtype={"descr": "<f8"}), "'dtype' is an object"),
    (lambda h: h.update(dtype="float16"), "dtype is 'float16'"),
    (lambda h: h.pop("dtype"), "lacks 'dtype'"),
    (lambda h: h.update(version=-1), "format version is -1; versions start at 1"),
    (lambda h: h.update(version=0), "format version is 0"),
    (lambda h: h.update(version=True), "'version' is a boolean"),
    (lambda h: h.update(version="1"), "'version' is a string"),
    (lambda h: h.update(version=1.0), "'version' is a number"),
    (lambda h: h.update(version=2), "format version 2; this mlplab reads up to 1. Upgrade"),
    (lambda h: h.pop("version"), "lacks 'version'"),
    (lambda h: h.update(random_state=-4), "random_state is -4"),
    (lambda h: h.update(random_state="4"), "'random_state' is a string"),
    (lambda h: h.update(mlplab_version=1), "'mlplab_version' is an int"),
    (lambda h: h.update(extra=1), "unknown key 'extra'"),
    (lambda h: h.update(format="keras"), "not an mlplab model's"),
]


@pytest.mark.parametrize(("edit", "pattern"), HEADER_EDITS)
def test_tampered_headers(saved, edit, pattern):
    path, members = saved
    header = header_of(members)
    edit(header)
    write_zip(path, {**members, "mlplab_header.npy": header_bytes(header)})
    refused(path, pattern)


def test_headers_that_are_not_json_objects(saved):
    path, members = saved
    for data in (npy(np.frombuffer(b"[1, 2]", np.uint8)), npy(np.frombuffer(b"{", np.uint8)),
                 npy(np.frombuffer(b"[" * 100_000, np.uint8)),  # deep: RecursionError
                 npy(np.frombuffer(b"\xff\xfe", np.uint8)), npy(np.zeros(3)),
                 npy(np.zeros((2, 2), np.uint8))):
        write_zip(path, {**members, "mlplab_header.npy": data})
        refused(path, "header")


@pytest.mark.parametrize(("weight", "pattern"), [
    (np.array([["ab"] * 5] * 2), "holds <U2 values; this float64 model's weights"),
    (np.array([[object()] * 5] * 2, dtype=object), "holds object values"),
    (np.ones((2, 5), np.complex128), "holds complex128 values"),
    (np.ones((2, 5), np.int64), "holds int64 values"),
    (np.ones((2, 5), np.float32), "holds float32 values"),
    (np.full((2, 5), np.nan), "NaN or infinite"),
    (np.array([[1.0, np.inf, 0, 0, 0]] * 2), "NaN or infinite"),
    (np.ones((5, 2)), r"shape \(5, 2\), but the layer spec implies \(2, 5\)"),
    (np.ones((2, 6)), r"shape \(2, 6\), but the layer spec implies \(2, 5\)"),
    (np.ones((2, 5000)), r"declares .* bytes, but the layer spec implies an array of shape"),
    (np.float64(1.0), "declares .* bytes|shape"),
])
def test_weight_arrays_of_the_wrong_kind(saved, weight, pattern):
    path, members = saved
    write_zip(path, {**members, "param_0.npy": npy(weight)})
    refused(path, "param_0.npy", pattern)


@pytest.mark.parametrize(("descr", "pattern"), [
    ("{'names': ['a'], 'formats': ['<f8']}", "valid .npy header|holds"),  # a dict
    ("{'x': 1}", "does not start with a valid .npy header"),
    ("[('a', '<f8')]", "holds .*values"),
    ("'(5,)<f8'", "holds|shape"),
    ("'<f8', 'extra': 1", "valid .npy header"),
    ("'O'", "holds object values"),
])
def test_odd_dtypes_in_npy_headers(saved, descr, pattern):
    path, members = saved
    body = np.ones((2, 5)).tobytes()
    member = raw_npy(f"{{'descr': {descr}, 'fortran_order': False, 'shape': (2, 5), }}", body)
    write_zip(path, {**members, "param_0.npy": member})
    refused(path, pattern)


def test_members_that_should_not_be_there_or_are_missing(saved):
    path, members = saved
    write_zip(path, {**members, "notes.txt": b"hello"})
    refused(path, "member 'notes.txt', which is not a .npy array")
    write_zip(path, {**members, "param_9.npy": npy(np.ones(3))})
    refused(path, "unexpected member 'param_9.npy'")
    write_zip(path, {k: v for k, v in members.items() if k != "param_3.npy"})
    refused(path, "no 'param_3.npy'")
    with pytest.warns(UserWarning, match="Duplicate name"):
        write_zip(path, {**members, "param_0.npy": members["param_0.npy"]})
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("param_0.npy", members["param_0.npy"])
    refused(path, "holds the member 'param_0.npy' twice")


def test_compression_methods(saved, trained):
    path, members = saved
    write_zip(path, members, zipfile.ZIP_DEFLATED)  # as np.savez_compressed writes: fine
    assert np.array_equal(mlplab.load(path).predict(trained[1]), trained[0].predict(trained[1]))
    write_zip(path, members, zipfile.ZIP_BZIP2)
    refused(path, "compression method 12; mlplab reads stored")
    entries = [stored(name, data) for name, data in members.items()]
    entries[1] = (entries[1][0], 99, *entries[1][2:])
    path.write_bytes(raw_zip(entries))
    refused(path, "member 'param_0.npy' uses compression method 99")


def test_sizes_a_zip_declares_but_cannot_hold(saved):
    path, members = saved
    entries = [stored(name, data) for name, data in members.items()]
    name, _, data, _, crc = entries[1]
    path.write_bytes(raw_zip([*entries[:1], (name, 0, data, 2**31, crc), *entries[2:]]))
    refused(path, "declares 2147483648 bytes, more than its .* stored bytes can hold")
    path.write_bytes(raw_zip([*entries[:1], (name, 8, data[:50], 2**31, crc), *entries[2:]]))
    refused(path, "declares 2147483648 bytes")


def test_a_layer_of_a_billion_units_allocates_nothing(saved):
    path, members = saved
    header = header_of(members)
    header["layers"][0]["output_dim"] = 10**9
    header["layers"][2]["input_dim"] = 10**9
    write_zip(path, {**members, "mlplab_header.npy": header_bytes(header)})
    assert path.stat().st_size < 4000
    tracemalloc.start()
    try:
        # refused by the engine's own memory check or by mlplab.load's cap, before allocating
        refused(path, "implies 22,888.2 MiB of weights, more than max_bytes|GB of memory")
        with pytest.raises(ModelFileError, match="the layer spec implies an array|memory"):
            mlplab.load(path, max_bytes=10**12)  # allowed, but the members do not hold them
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20


@pytest.mark.parametrize("member", ["mlplab_header.npy", "param_0.npy"])
def test_a_small_zip_with_a_2_gb_member_is_not_read(saved, member):
    path, members = saved
    bomb = zeros_deflated(128)  # 2 GiB of zeros in 2 MB
    entries = [(name, 8, bomb, 2**31, 0) if name == member else stored(name, data)
               for name, data in members.items()]
    path.write_bytes(raw_zip(entries))
    assert path.stat().st_size < 3 * 2**20
    tracemalloc.start()
    try:
        refused(path, f"{member}|header", "declares 2147483648 bytes")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20


# -- good files in every form numpy may write them still load --------------------------------

def test_weights_in_other_byte_order_or_fortran_order_load(saved, trained):
    path, members = saved
    model, X, _ = trained
    kernel = model.get_weights()[0]
    for variant in (kernel.astype(">f8"), np.asfortranarray(kernel)):
        write_zip(path, {**members, "param_0.npy": npy(variant)})
        assert np.array_equal(mlplab.load(path).get_weights()[0], kernel)


def test_a_model_that_starts_with_dropout_round_trips(tmp_path):
    model = mlplab.Sequential([mlplab.Dropout(0.2), mlplab.Dense(3, "tanh", input_dim=4),
                               mlplab.Dense(1)], random_state=0).build(4)
    model.save(tmp_path / "m.npz")
    loaded = mlplab.load(tmp_path / "m.npz")
    assert loaded.to_spec() == model.to_spec()
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights(),
                                                     strict=True))


def test_a_diverged_model_is_not_saved(tmp_path):
    model = mlplab.Sequential.from_spec([2, 3, 1], random_state=0).build()
    model.layers[0].kernel[0, 0] = np.nan
    with pytest.raises(InvalidInputError, match="weight array 0 holds NaN.*Nothing was written"):
        model.save(tmp_path / "m.npz")
    assert list(tmp_path.iterdir()) == []


def test_max_bytes_caps_what_a_file_may_make_load_allocate(saved):
    path, _ = saved
    with pytest.raises(ModelFileError, match=r"implies 168 bytes of weights, more than "
                                             r"max_bytes=100 .*mlplab.load\(path, max_bytes"):
        mlplab.load(path, max_bytes=100)  # the model's 21 numbers take 168 bytes
    assert mlplab.load(path, max_bytes=168).count_params() == 21
