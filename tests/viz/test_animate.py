import re

import numpy as np
import pytest
from matplotlib import animation
from PIL import Image

import mlplab
from mlplab import data, viz
from mlplab.errors import InvalidInputError, NotFittedError


def fresh_net(seed=0):
    model = mlplab.Sequential.from_spec([2, 4, 3, 1], activation="sigmoid", random_state=seed)
    return model.compile(optimizer=mlplab.SGD(learning_rate=0.5))


@pytest.fixture(scope="module")
def xor():
    return data.xor(n_samples=120, random_state=0)


def frames_of(path):
    image = Image.open(path)
    frames = []
    for index in range(image.n_frames):
        image.seek(index)
        frames.append(np.asarray(image.convert("RGB"), dtype=int))
    return frames


def test_gif_has_the_requested_frames_and_they_change(xor, tmp_path):
    X, y = xor
    result = viz.animate_training(fresh_net(), X, y, epochs=60, every=2, batch_size=1,
                                  frames=12, out=tmp_path / "xor.gif", resolution=40)
    assert result.path == tmp_path / "xor.gif" and result.n_frames == 12
    frames = frames_of(result.path)
    assert len(frames) == 12
    assert np.abs(frames[0] - frames[-1]).mean() > 5  # the boundary moved
    epochs = [s["epoch"] for s in result.snapshots]
    assert epochs[0] == 0 and epochs[-1] == 60 and epochs == sorted(epochs)
    assert not list(tmp_path.glob(".*partial*"))


def test_html_is_self_contained(xor, tmp_path):
    X, y = xor
    result = viz.animate_training(fresh_net(), X, y, epochs=6, out=tmp_path / "xor.html",
                                  resolution=30)
    html = (tmp_path / "xor.html").read_text()
    assert len(re.findall(r"data:image/png;base64,", html)) == result.n_frames == 7
    assert "https://" not in html and "http://" not in html  # nothing to fetch
    assert "&#x25B6;" in html  # the play button has its symbol


def test_replay_recorded_snapshots_keeps_the_final_weights(xor, tmp_path):
    X, y = xor
    model = fresh_net()
    recorder = mlplab.WeightSnapshots(every=5)
    model.fit(X, y, epochs=20, batch_size=8, callbacks=[recorder])
    final = model.get_weights()
    result = viz.animate_training(model, X, y, snapshots=recorder.snapshots, resolution=30,
                                  out=tmp_path / "replay.gif")
    assert result.n_frames == 5 and len(frames_of(tmp_path / "replay.gif")) == 5
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), final, strict=True))


def test_errors(xor, tmp_path, monkeypatch):
    X, y = xor
    monkeypatch.setattr(animation.writers, "is_available", lambda name: False)
    with pytest.raises(InvalidInputError, match="MP4 needs ffmpeg.*xor.gif or xor.html"):
        viz.animate_training(fresh_net(), X, y, epochs=2, out=tmp_path / "xor.mp4")
    with pytest.raises(InvalidInputError, match="does not exist or is not writable"):
        viz.animate_training(fresh_net(), X, y, epochs=2, out=tmp_path / "nope" / "a.gif")
    with pytest.raises(InvalidInputError, match="use a .gif, .mp4 or .html"):
        viz.animate_training(fresh_net(), X, y, epochs=2, out=tmp_path / "a.avi")
    with pytest.raises(NotFittedError):  # no weights at all
        viz.animate_training(mlplab.Sequential([mlplab.Dense(3), mlplab.Dense(1)]), X, y)
    with pytest.raises(InvalidInputError, match="give epochs= to train"):  # nothing to animate
        viz.animate_training(mlplab.Sequential.from_spec([2, 3, 1]), X, y)
    with pytest.raises(InvalidInputError, match="has 3 features"):
        viz.animate_training(fresh_net(), np.zeros((4, 3)), np.zeros(4), epochs=1)


@pytest.mark.skipif(not animation.writers.is_available("ffmpeg"),
                    reason="ffmpeg is not installed here (.ci/run installs it)")
def test_mp4_with_ffmpeg(xor, tmp_path):
    X, y = xor
    result = viz.animate_training(fresh_net(), X, y, epochs=4, out=tmp_path / "xor.mp4",
                                  resolution=30)
    assert result.path.stat().st_size > 1000
    assert (tmp_path / "xor.mp4").read_bytes()[4:8] == b"ftyp"  # an MP4 container


def test_keras_dialect_models_animate(xor, tmp_path):
    from mlplab import keras
    from mlplab.keras import layers

    X, y = xor
    model = keras.Sequential([layers.Dense(3, activation="tanh", input_shape=[2]),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    result = viz.animate_training(model, X, y, epochs=4, resolution=20,
                                  out=tmp_path / "keras.gif")
    assert result.n_frames == 5 and result.path.exists()
