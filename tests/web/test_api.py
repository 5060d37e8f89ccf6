"""The playground's HTTP and websocket protocol, through FastAPI's TestClient."""

import base64
import io
import time

import numpy as np
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

import mlplab  # noqa: E402
from mlplab.web import create_app  # noqa: E402
from mlplab.web.config import MAX_UPLOAD_BYTES  # noqa: E402

CSV = {"Content-Type": "text/csv"}


@pytest.fixture
def client():
    # TestClient's requests name the host "testserver"; the app answers only to the
    # names it was started for.
    with TestClient(create_app(allowed_hosts=["testserver"])) as client:
        yield client


@pytest.fixture
def session(client):
    response = client.post("/api/sessions")
    assert response.status_code == 201
    return response.json()["id"]


def pixels(image):
    return np.frombuffer(base64.b64decode(image["values"]), dtype=np.uint8)


def test_page_and_assets_are_served_locally(client):
    page = client.get("/")
    assert page.status_code == 200 and "mlplab playground" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN
    for asset in ("/static/app.js", "/static/style.css"):
        response = client.get(asset)
        assert response.status_code == 200 and "https://" not in response.text


def test_options_list_what_the_page_offers(client):
    options = client.get("/api/options").json()
    assert {"xor", "moons", "spirals", "custom", "upload"} <= set(options["datasets"])
    assert options["features"] == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    assert {"sgd", "momentum", "adam", "rmsprop"} == set(options["optimizers"])
    assert options["limits"]["layers"] >= 8 and options["limits"]["units"] >= 32


def test_new_session_describes_data_and_an_untrained_frame(client):
    answer = client.post("/api/sessions", json={"dataset": "moons", "n_samples": 200}).json()
    data, frame = answer["data"], answer["frame"]
    assert len(data["train"]) + len(data["test"]) == 200
    assert data["layers"] == [2, 4, 2, 1]
    assert frame["epoch"] == 0 and frame["output"]["size"] == 100
    assert len(pixels(frame["output"])) == 100 * 100
    assert [len(layer) for layer in frame["neurons"]["layers"]] == [2, 4, 2, 1]
    assert np.array(frame["weights"][0]["kernel"]).shape == (2, 4)


def test_training_steps_lower_the_loss_and_change_the_picture(client):
    config = {"dataset": "xor", "layers": [{"units": 4, "activation": "tanh"}],
              "optimizer": "adam", "learning_rate": 0.03, "seed": 1}
    first = client.post("/api/sessions", json=config).json()
    session = first["id"]
    frame = client.post(f"/api/sessions/{session}/step?epochs=60").json()
    assert frame["epoch"] == 60
    assert frame["test_loss"] < first["frame"]["test_loss"] * 0.8
    assert frame["test_metric"] > 0.85
    change = np.abs(pixels(frame["output"]).astype(int) - pixels(first["frame"]["output"]))
    assert change.mean() > 10


def test_multiclass_with_baseline_and_confusion_matrix(client, session):
    config = {"dataset": "spirals", "problem": "multiclass", "n_classes": 3,
              "baseline": "svc_rbf", "layers": [{"units": 8, "activation": "relu"}]}
    answer = client.put(f"/api/sessions/{session}/config", json=config).json()
    assert answer["rebuilt"] and answer["data"]["classes"] == ["0", "1", "2"]
    assert answer["data"]["baseline"]["output"]["kind"] == "classes"
    assert 0.3 < answer["data"]["baseline"]["train_score"] <= 1.0
    frame = client.post(f"/api/sessions/{session}/step?epochs=2").json()
    confusion = np.array(frame["confusion"])
    assert confusion.shape == (3, 3) and confusion.sum() == len(answer["data"]["test"])
    # each output neuron's thumbnail is its class's probability over the plane
    outputs = frame["neurons"]["layers"][-1]
    assert len(outputs) == 3 and all(0 < o["scale"] <= 1 for o in outputs)


def test_regression_reports_r2(client, session):
    config = {"dataset": "regression_plane", "problem": "regression", "loss": "mse",
              "optimizer": "adam", "layers": [{"units": 4, "activation": "linear"}]}
    client.put(f"/api/sessions/{session}/config", json=config)
    frame = client.post(f"/api/sessions/{session}/step?epochs=40").json()
    assert frame["metric"] == "r2" and frame["test_metric"] > 0.9
    assert frame["output"]["kind"] == "value" and "confusion" not in frame


def test_live_settings_keep_the_weights_and_others_rebuild(client, session):
    client.post(f"/api/sessions/{session}/step?epochs=5")
    kept = client.put(f"/api/sessions/{session}/config", json={"learning_rate": 0.1}).json()
    assert not kept["rebuilt"] and kept["frame"]["epoch"] == 5
    script = client.get(f"/api/sessions/{session}/export/script").text
    assert "the learning rate or batch size changed during training" in script
    rebuilt = client.put(f"/api/sessions/{session}/config", json={"learning_rate": 0.1,
                                                                   "noise": 0.3}).json()
    assert rebuilt["rebuilt"] and rebuilt["frame"]["epoch"] == 0


def test_stop_rule_stops_at_the_epoch_limit(client, session):
    client.put(f"/api/sessions/{session}/config", json={"stop_epochs": 7,
                                                         "epochs_per_frame": 5})
    client.post(f"/api/sessions/{session}/step?epochs=5")
    frame = client.post(f"/api/sessions/{session}/step?epochs=5").json()
    assert frame["epoch"] == 7 and "7 epochs" in frame["stopped"]


def test_features_dropout_and_regularisation_build_the_network(client, session):
    config = {"features": ["x1", "x2", "x1*x2", "sin(x1)"], "dropout": 0.2, "l2": 0.001,
              "layers": [{"units": 3, "activation": "relu"}] * 8}
    answer = client.put(f"/api/sessions/{session}/config", json=config).json()
    assert answer["data"]["layers"] == [4] + [3] * 8 + [1]
    frame = client.post(f"/api/sessions/{session}/step?epochs=2").json()
    assert frame["epoch"] == 2 and len(frame["neurons"]["layers"][0]) == 4


def test_weight_edit_changes_the_network(client, session):
    frame = client.put(f"/api/sessions/{session}/weight",
                       json={"layer": 0, "source": 1, "target": 2, "value": 3.5}).json()
    assert frame["weights"][0]["kernel"][1][2] == 3.5
    frame = client.put(f"/api/sessions/{session}/weight",
                       json={"layer": 2, "source": -1, "target": 0, "value": -1.0}).json()
    assert frame["weights"][2]["bias"][0] == -1.0


def test_clicked_points_make_a_custom_data_set(client, session):
    points = [[-1, -1, 0], [-0.8, -1, 0], [1, 1, 1], [0.9, 1.1, 1], [0.1, 0.2, 1]]
    answer = client.put(f"/api/sessions/{session}/config",
                        json={"dataset": "custom", "points": points, "test_ratio": 0}).json()
    assert len(answer["data"]["train"]) == 5 and answer["data"]["test"] == []
    assert answer["frame"]["test_loss"] is None


def test_upload_of_a_csv_becomes_the_data(client, session):
    rows = "x1,x2,label\n" + "".join(f"{i % 7 - 3},{i % 5 - 2},{'ab'[i % 2]}\n"
                                     for i in range(60))
    answer = client.post(f"/api/sessions/{session}/upload", content=rows.encode(),
                         headers=CSV).json()
    assert answer == {"points": 60, "task": "classification", "classes": ["ab"[0], "ab"[1]]}
    data = client.put(f"/api/sessions/{session}/config", json={"dataset": "upload"}).json()
    assert data["data"]["classes"] == ["a", "b"]


def test_exports_model_script_and_gif(client, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the script saves its model in the working directory
    session = client.post("/api/sessions", json={"optimizer": "adam", "l2": 0.001}).json()["id"]
    for _ in range(4):
        client.post(f"/api/sessions/{session}/step?epochs=5")
    model_file = tmp_path / "model.npz"
    model_file.write_bytes(client.get(f"/api/sessions/{session}/export/model").content)
    model = mlplab.load(model_file)
    script = client.get(f"/api/sessions/{session}/export/script").text
    namespace = {}
    exec(compile(script, "playground_run.py", "exec"), namespace)  # noqa: S102 - our own script
    # The script replays the page's run: the same weights, bit for bit.
    for ours, replayed in zip(model.get_weights(), namespace["model"].get_weights(), strict=True):
        np.testing.assert_array_equal(ours, replayed)
    gif = client.get(f"/api/sessions/{session}/export/gif")
    assert gif.headers["content-type"] == "image/gif"
    from PIL import Image

    image = Image.open(io.BytesIO(gif.content))
    assert image.n_frames == 5  # the untrained network and four frames of training


@pytest.mark.parametrize("config, words", [
    ({"layers": [{"units": 3, "activation": "swish"}]}, "unknown activation 'swish'"),
    ({"layers": [{"units": 3, "activation": "rleu"}]}, "Did you mean 'relu'"),
    ({"layers": [{"units": 0}]}, "layers.0.units"),
    ({"layers": [{"units": 10**6}]}, "less than or equal to 64"),
    ({"layers": [{"units": 2}] * 11}, "layers"),
    ({"dataset": "moon"}, "Did you mean 'moons'"),
    ({"n_samples": 10**6}, "n_samples"),
    ({"points": [[0, 0, 1]] * 1001}, "points"),
    ({"learning_rate": -1}, "learning_rate"),
    ({"features": []}, "features"),
    ({"features": ["x3"]}, "unknown feature 'x3'"),
    ({"dataset": "regression_plane"}, "choose problem 'regression'"),
    ({"problem": "regression", "loss": "cross_entropy"}, "loss 'mse'"),
    ({"dataset": "spirals", "n_classes": 3}, "choose problem 'multiclass'"),
    ({"dataset": "custom"}, "at least 2 points"),
    ({"dataset": "upload"}, "upload a CSV file first"),
    ({"colour": "red"}, "colour: Extra inputs are not permitted"),
])
def test_bad_setups_are_refused_with_a_readable_422(client, session, config, words):
    for response in (client.put(f"/api/sessions/{session}/config", json=config),
                     client.post("/api/sessions", json=config)):
        assert response.status_code == 422
        assert words in response.json()["detail"]
    assert client.get(f"/api/sessions/{session}").status_code == 200  # the session lives on


@pytest.mark.parametrize("body, words", [
    (b"x1,x2,label\n1,oops,0\n2,3,1\n", "'oops' is not a number"),
    (b"1,2,3,0\n4,5,6,1\n", "2-D data"),
    (b"", "empty"),
    (b"1,2,0\n1,3,1\n" * 3000, "at most 5,000 points"),
], ids=["text-cell", "three-columns", "empty", "too-many-rows"])
def test_bad_uploads_are_refused(client, session, body, words):
    response = client.post(f"/api/sessions/{session}/upload", content=body, headers=CSV)
    assert response.status_code == 422 and words in response.json()["detail"]


def test_a_100_megabyte_upload_is_refused_before_it_is_read(client, session):
    body = b"1,2,0\n" * (100_000_000 // 6)
    response = client.post(f"/api/sessions/{session}/upload", content=body, headers=CSV)
    assert response.status_code == 422
    assert f"up to {MAX_UPLOAD_BYTES:,} bytes" in response.json()["detail"]


def test_bad_weight_edits_and_steps_are_refused(client, session):
    for edit, words in [({"layer": 9, "source": 0, "target": 0, "value": 1}, "layer 9"),
                        ({"layer": 0, "source": 5, "target": 0, "value": 1}, "source 5"),
                        ({"layer": 0, "source": 0, "target": 0, "value": 1e9}, "value"),
                        ({"layer": 0, "source": 0, "target": 0}, "value: Field required")]:
        response = client.put(f"/api/sessions/{session}/weight", json=edit)
        assert response.status_code == 422 and words in response.json()["detail"]
    assert client.post(f"/api/sessions/{session}/step?epochs=0").status_code == 422
    assert client.post(f"/api/sessions/{session}/step?epochs=many").status_code == 422


def test_unknown_sessions_are_404_and_deleted_sessions_are_gone(client, session):
    assert client.get("/api/sessions/nope").status_code == 404
    assert client.delete(f"/api/sessions/{session}").status_code == 204
    assert client.get(f"/api/sessions/{session}").status_code == 404
    assert client.get("/api/health").json()["sessions"] == 0


def test_websocket_streams_frames_while_playing(client, session):
    with client.websocket_connect(f"/ws/{session}") as socket:
        assert socket.receive_json()["type"] == "data"
        first = socket.receive_json()
        assert first["type"] == "frame" and first["epoch"] == 0
        socket.send_json({"type": "play"})
        epochs = [socket.receive_json()["epoch"] for _ in range(5)]
        assert epochs == sorted(epochs) and epochs[-1] >= 5
        socket.send_json({"type": "pause"})
        # Frames already on their way may arrive; then the stream stops at a paused frame.
        message = socket.receive_json()
        while message["playing"]:
            message = socket.receive_json()
        socket.send_json({"type": "step"})
        assert socket.receive_json()["epoch"] == message["epoch"] + 1
        socket.send_json({"type": "reset"})
        assert socket.receive_json()["type"] == "data"
        assert socket.receive_json()["epoch"] == 0


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"type": "fly"}', '{"kind": "play"}',
                                  '"play"', "{" * 1000])
def test_malformed_websocket_messages_get_an_error_and_the_socket_stays(client, session, text):
    with client.websocket_connect(f"/ws/{session}") as socket:
        socket.receive_json(), socket.receive_json()
        socket.send_text(text)
        error = socket.receive_json()
        assert error["type"] == "error" and "play" in error["message"]
        socket.send_json({"type": "step"})
        assert socket.receive_json()["epoch"] == 1


def test_websocket_to_an_unknown_session_says_so(client):
    with client.websocket_connect("/ws/nope") as socket:
        message = socket.receive_json()
        assert message["type"] == "error" and "reload" in message["message"]


def test_idle_sessions_are_swept(client):
    store = client.app.state.store
    session = client.post("/api/sessions").json()["id"]
    assert store.sweep() == 0
    store.sessions[session].last_seen -= store.idle_seconds + 1
    assert store.sweep() == 1 and client.get("/api/health").json()["sessions"] == 0


def test_a_closed_session_leaves_nothing_behind(client):
    import gc
    import weakref

    session = client.post("/api/sessions").json()["id"]
    with client.websocket_connect(f"/ws/{session}") as socket:
        socket.receive_json(), socket.receive_json()
        socket.send_json({"type": "play"})
        socket.receive_json()
    reference = weakref.ref(client.app.state.store.local_session(session))
    client.delete(f"/api/sessions/{session}")
    deadline = time.monotonic() + 10  # the worker drops it in its next turn
    while reference() is not None and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.05)
    assert reference() is None  # no task, frame or export keeps the session alive


def test_a_binary_socket_gets_frames_as_bytes_and_the_rest_as_text(client, session):
    from mlplab.web.frames import decode

    with client.websocket_connect(f"/ws/{session}?frames=binary") as socket:
        assert socket.receive_json()["type"] == "data"
        first = decode(socket.receive_bytes())
        assert first["type"] == "frame" and first["epoch"] == 0
        socket.send_json({"type": "step"})
        stepped = decode(socket.receive_bytes())
        assert stepped["epoch"] == 1 and stepped["weights"][0]["kernel"][0].dtype == np.float32
        socket.send_json({"type": "visible", "units": [None, [1, 3], None, None]})
        shown = decode(socket.receive_bytes())["neurons"]
        assert shown["ranges"] == [None, [1, 3], None, None]
        assert shown["layers"][0] is None and len(shown["layers"][1]) == 2
        socket.send_json({"type": "visible"})
        assert "visible message names the neurons" in socket.receive_json()["message"]
    json_frame = client.get(f"/api/sessions/{session}").json()["frame"]
    assert json_frame["epoch"] == 1 and json_frame["neurons"]["ranges"][1] == [1, 3]


def test_a_pauses_frame_is_not_counted_as_an_answered_command(client, session):
    with client.websocket_connect(f"/ws/{session}") as socket:
        socket.receive_json(), socket.receive_json()
        for _ in range(5):  # each pause answers with a frame it was not asked for
            socket.send_json({"type": "pause"})
            assert socket.receive_json()["type"] == "frame"
        socket.send_json({"type": "frame"})
        socket.receive_json()
        (link,) = client.app.state.store.sockets.values()
        assert link.pending == 0  # not -5: the limit of waiting commands still holds


def test_the_points_download_as_csv_that_upload_takes_back(client, session):
    points = [[0.5, 1.25, 1], [-1, 2, 0], [2, -0.5, 1], [1, 1, 0], [0, 0, 1], [3, 1, 0]]
    config = {"dataset": "custom", "points": points, "test_ratio": 0.5}
    client.put(f"/api/sessions/{session}/config", json=config)
    answer = client.get(f"/api/sessions/{session}/export/csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    lines = answer.text.splitlines()
    assert lines[0] == "x1,x2,label" and len(lines) == 7
    assert sorted(lines[1:]) == sorted(f"{a:g},{b:g},{label}" for a, b, label in points)
    other = client.post("/api/sessions").json()["id"]
    uploaded = client.post(f"/api/sessions/{other}/upload", content=answer.content,
                           headers={"Content-Type": "text/csv"}).json()
    assert uploaded == {"points": 6, "task": "classification", "classes": ["0", "1"]}


def test_a_regressions_points_download_with_their_targets(client, session):
    config = {"dataset": "regression_plane", "problem": "regression", "loss": "mse",
              "n_samples": 20}
    data = client.put(f"/api/sessions/{session}/config", json=config).json()["data"]
    rows = client.get(f"/api/sessions/{session}/export/csv").text.splitlines()[1:]
    targets = sorted(float(row.split(",")[2]) for row in rows)
    expected = sorted(label for *_, label in data["train"] + data["test"])
    np.testing.assert_allclose(targets, expected, atol=1e-4)
