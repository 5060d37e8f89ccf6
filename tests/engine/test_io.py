import zipfile

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
    with pytest.raises(mlplab.MlplabError, match="call fit"):
        mlplab.Sequential.from_spec([2, 1]).save(tmp_path / "m.npz")
    model = mlplab.Sequential.from_spec([2, 1]).build()
    with pytest.raises(InvalidInputError, match="does not exist"):
        model.save(tmp_path / "no" / "such" / "m.npz")
    model.save(tmp_path / "ok.npz")
    assert zipfile.is_zipfile(tmp_path / "ok.npz")
