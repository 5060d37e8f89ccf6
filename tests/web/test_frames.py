"""Binary frames against the JSON frame of the same moment; visible thumbnails; labels."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from mlplab.errors import InvalidInputError
from mlplab.web import frames
from mlplab.web.config import PlaygroundConfig
from mlplab.web.session import Session

STATIC = Path(__file__).parents[2] / "src" / "mlplab" / "web" / "static"
SETUPS = {
    "binary": {"dataset": "moons", "layers": [{"units": 8, "activation": "tanh"}] * 2},
    "multiclass": {"dataset": "blobs", "problem": "multiclass", "n_classes": 4,
                   "layers": [{"units": 5, "activation": "relu"}], "baseline": "none"},
    "regression": {"dataset": "regression_plane", "problem": "regression", "loss": "mse",
                   "layers": [{"units": 3, "activation": "sigmoid"}]},
}


def trained(setup, steps=3):
    session = Session(PlaygroundConfig(**SETUPS[setup], n_samples=80, resolution=30))
    for _ in range(steps):
        session.advance()
    return session


def numeric(values):
    """True for a list of numbers or of lists of numbers (a weight array)."""
    return all(isinstance(v, int | float) and not isinstance(v, bool)
               or (isinstance(v, list) and numeric(v)) for v in values) and bool(values)


def assert_same_frame(decoded, json_frame, path="frame"):
    """Same keys and nesting; bytes equal to the base64; numbers equal to float32."""
    if isinstance(json_frame, dict):
        assert isinstance(decoded, dict) and decoded.keys() == json_frame.keys(), path
        for key in json_frame:
            assert_same_frame(decoded[key], json_frame[key], f"{path}.{key}")
    elif isinstance(json_frame, str) and isinstance(decoded, np.ndarray):
        assert decoded.dtype == np.uint8, path
        assert decoded.tobytes() == base64.b64decode(json_frame), path
    elif isinstance(json_frame, list) and not numeric(json_frame):
        assert isinstance(decoded, list) and len(decoded) == len(json_frame), path
        for i, (mine, theirs) in enumerate(zip(decoded, json_frame, strict=True)):
            assert_same_frame(mine, theirs, f"{path}[{i}]")
    elif isinstance(json_frame, list):
        got = np.array([np.asarray(row) for row in decoded], dtype=np.float64)
        expected = np.array(json_frame, dtype=np.float64)
        assert got.shape == expected.shape, path
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=6e-6, err_msg=path)
    else:
        assert decoded == json_frame, path


@pytest.mark.parametrize("setup", SETUPS)
def test_a_binary_frame_decodes_to_the_json_frame(setup):
    raw = trained(setup).frame(raw=True)
    message = frames.to_binary(raw)
    assert message[:4] == b"MLPF"
    json_frame = json.loads(frames.json_text(raw))
    assert_same_frame(frames.decode(message), json_frame)
    assert len(message) < len(frames.json_text(raw))


def test_blobs_are_aligned_for_typed_arrays():
    message = frames.to_binary(trained("multiclass").frame(raw=True))
    length = int.from_bytes(message[8:12], "little")
    table = json.loads(message[12:12 + length])["blobs"]
    assert all(offset % 4 == 0 for _, offset, _ in table)
    assert table[0][1] >= 12 + length
    ends = [offset + count * (1 if kind == "u8" else 4) for kind, offset, count in table]
    assert all(end <= start for end, (_, start, _) in zip(ends, table[1:], strict=False))


def test_the_same_config_and_seed_give_the_same_frames_in_both_forms():
    json_frame = trained("binary", steps=5).frame()
    decoded = frames.decode(frames.to_binary(trained("binary", steps=5).frame(raw=True)))
    assert_same_frame(decoded, json_frame)


def test_a_binary_frame_of_another_layout_is_refused():
    message = bytearray(frames.to_binary(trained("binary", 1).frame(raw=True)))
    message[4] = 9
    with pytest.raises(ValueError, match="layout 9"):
        frames.decode(bytes(message))


# -- visible thumbnails -----------------------------------------------------------------------
def test_thumbnails_only_for_the_visible_neurons():
    session = trained("binary", 1)  # layers 2, 8, 8, 1
    full = session.frame()["neurons"]
    session.set_visible([[0, 2], [3, 6], None, [0, 1]])
    neurons = session.frame()["neurons"]
    assert neurons["ranges"] == [[0, 2], [3, 6], None, [0, 1]]
    assert [None if layer is None else len(layer) for layer in neurons["layers"]] == [2, 3,
                                                                                       None, 1]
    assert neurons["layers"][1] == full["layers"][1][3:6]  # the same pictures, fewer of them
    assert neurons["layers"][0] == full["layers"][0]


def test_visible_ranges_are_clamped_to_the_net_and_bad_ones_refused():
    session = trained("binary", 1)
    session.set_visible([[0, 99], [5, 2], [-3, 1]])  # too long, empty, negative; no output
    assert session.frame()["neurons"]["ranges"] == [[0, 2], None, [0, 1], None]
    for bad in ("all", [[0]], [["0", "2"]], [[True, 2]]):
        with pytest.raises(InvalidInputError, match="visible"):
            session.set_visible(bad)


def test_a_large_net_sends_no_thumbnails_until_the_page_says_which():
    config = PlaygroundConfig(layers=[{"units": 40, "activation": "tanh"}] * 2, n_samples=40,
                              resolution=20)
    session = Session(config)
    neurons = session.frame()["neurons"]
    assert neurons["layers"] == [None] * 4 and neurons["ranges"] == [None] * 4
    session.set_visible([None, [0, 10]])
    assert len(session.frame()["neurons"]["layers"][1]) == 10
    assert session.frame(thumbnails=False)["neurons"] is None


def test_the_confusion_matrix_is_scikit_learns():
    from sklearn.metrics import confusion_matrix

    session = trained("multiclass", 2)
    predicted = session.model.predict_classes(session.F_test)
    expected = confusion_matrix(session.y_test, predicted, labels=range(4)).tolist()
    assert session.frame()["confusion"] == expected
    assert len({tuple(row) for row in expected}) > 1  # not a degenerate matrix


def test_clicked_points_labels_are_the_users_labels():
    points = [[0, 0, 0], [1, 1, 1], [0, 1, 1], [1, 0, 0], [2, 2, 1], [3, 0, 0]]
    session = Session(PlaygroundConfig(dataset="custom", points=points, test_ratio=0))
    assert session.describe_data()["classes"] == ["0", "1"]


def test_drawn_points_keep_room_around_them_and_the_plane_they_were_drawn_on():
    few = [[0.1, 0.1, 0], [0.3, 0.2, 1]]  # two clicks near the middle
    x0, x1, y0, y1 = Session(PlaygroundConfig(dataset="custom", points=few,
                                              test_ratio=0)).bounds
    assert x0 <= -1 and x1 >= 1 and y0 <= -1 and y1 >= 1  # the plane does not shrink onto them
    wide = [[-4, 0, 0], [4, 3, 1], [0, -2, 1]]
    x0, x1, y0, y1 = Session(PlaygroundConfig(dataset="custom", points=wide,
                                              test_ratio=0)).bounds
    assert x0 <= -4 - 2 and x1 >= 4 + 2 and y0 <= -2 - 1.25 and y1 >= 3 + 1.25  # 25% room


# -- the page's decoder, in chromium ------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.parametrize("setup", SETUPS)
def test_the_pages_decoder_gives_the_json_frame(browser, setup):
    raw = trained(setup).frame(raw=True)
    message = frames.to_binary(raw)
    page = browser.new_page()
    page.set_content("<html><body></body></html>")
    page.add_script_tag(path=str(STATIC / "frames.js"))
    decoded = page.evaluate("""(bytes) => {
        const frame = window.MlplabFrames.decode(new Uint8Array(bytes).buffer);
        const kinds = [];
        const plain = (value) => {
          if (value instanceof Uint8Array) { kinds.push("u8"); return {u8: Array.from(value)}; }
          if (value instanceof Float32Array) { kinds.push("f32"); return Array.from(value); }
          if (Array.isArray(value)) return value.map(plain);
          if (value && typeof value === "object")
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
          return value;
        };
        return {frame: plain(frame), kinds};
    }""", list(message))
    page.close()
    assert {"u8", "f32"} <= set(decoded["kinds"])

    def numpy_form(value):
        if isinstance(value, dict) and value.keys() == {"u8"}:
            return np.array(value["u8"], dtype=np.uint8)
        if isinstance(value, dict):
            return {key: numpy_form(item) for key, item in value.items()}
        if isinstance(value, list):
            return [numpy_form(item) for item in value]
        return value

    assert_same_frame(numpy_form(decoded["frame"]), json.loads(frames.json_text(raw)))
