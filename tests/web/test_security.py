"""The security review's findings, through the API: each is refused, or survived, as promised.

Host (DNS rebinding), Origin (cross-site requests and websocket hijacking), declared
content types, a diverging network, malformed websocket messages, bounded work.
"""

import json
import math
import os
import time

import numpy as np
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402
from starlette.testclient import WebSocketDenialResponse  # noqa: E402

import mlplab  # noqa: E402
from mlplab.errors import InvalidInputError  # noqa: E402
from mlplab.web import create_app  # noqa: E402
from mlplab.web.guard import MAX_REQUEST_BYTES, served_hosts  # noqa: E402
from mlplab.web.session import MAX_SNAPSHOT_BYTES, Session  # noqa: E402

OWN = "http://testserver"  # the origin of TestClient's page
EVIL = "http://evil.example"
CSV = {"Content-Type": "text/csv"}
# Learning rate 10, four ReLU layers of 64, batch 1: all allowed, and the loss diverges.
DIVERGING = {"learning_rate": 10, "batch_size": 1,
             "layers": [{"units": 64, "activation": "relu"}] * 4}


@pytest.fixture
def client():
    with TestClient(create_app(allowed_hosts=["testserver"])) as client:
        yield client


@pytest.fixture
def session(client):
    return client.post("/api/sessions").json()["id"]


def strict_json(text):
    """JSON as the standard has it: NaN and Infinity are errors."""
    def refuse(constant):
        raise AssertionError(f"{constant} in the answer")

    return json.loads(text, parse_constant=refuse)


def sessions(client):
    return client.get("/api/health").json()["sessions"]


# -- Origin -----------------------------------------------------------------------------
def test_a_foreign_page_cannot_create_sessions(client):
    for _ in range(300):  # past the cap of 200: nothing is created, nothing fills up
        response = client.post("/api/sessions", headers={"Origin": EVIL})
        assert response.status_code == 403
    assert sessions(client) == 0
    detail = response.json()["detail"]
    assert EVIL in detail and f"--allow-origin {EVIL}" in detail and "allowed_origins" in detail


@pytest.mark.parametrize("method, path", [
    ("PUT", "config"), ("POST", "upload"), ("POST", "step"), ("POST", "reset"),
    ("PUT", "weight"), ("DELETE", ""),
])
@pytest.mark.parametrize("origin", [EVIL, "null", "http://testserver:8080",
                                    "https://testserver", "http://testserver.evil.example"])
def test_foreign_origins_cannot_change_a_session(client, session, method, path, origin):
    url = f"/api/sessions/{session}/{path}".rstrip("/")
    response = client.request(method, url, headers={"Origin": origin})
    assert response.status_code == 403 and "--allow-origin" in response.json()["detail"]
    assert client.get(f"/api/sessions/{session}").json()["frame"]["epoch"] == 0


def test_the_own_page_and_programs_without_origin_are_served(client, session):
    assert client.post("/api/sessions", headers={"Origin": OWN}).status_code == 201
    assert client.post(f"/api/sessions/{session}/step", headers={"Origin": OWN}).status_code \
        == 200
    assert client.post(f"/api/sessions/{session}/step").status_code == 200  # curl, httpx
    # Reading is not refused: another site's page cannot read the answer (no CORS).
    assert client.get(f"/api/sessions/{session}", headers={"Origin": EVIL}).status_code == 200


def test_a_foreign_page_cannot_open_a_sessions_websocket(client, session):
    with pytest.raises(WebSocketDenialResponse) as refused:
        with client.websocket_connect(f"/ws/{session}", headers={"Origin": EVIL}):
            pass
    assert refused.value.status_code == 403
    assert "--allow-origin" in refused.value.json()["detail"]
    with client.websocket_connect(f"/ws/{session}", headers={"Origin": OWN}) as socket:
        assert socket.receive_json()["type"] == "data"


def test_origins_can_be_allowed_deliberately():
    app = create_app(allowed_hosts=["testserver"], allowed_origins=["http://lab.example:8000"])
    with TestClient(app) as client:
        allowed = client.post("/api/sessions", headers={"Origin": "http://lab.example:8000"})
        assert allowed.status_code == 201
        other = client.post("/api/sessions", headers={"Origin": "http://lab.example:8001"})
        assert other.status_code == 403
        with client.websocket_connect(f"/ws/{allowed.json()['id']}",
                                      headers={"Origin": "http://lab.example:8000"}) as socket:
            assert socket.receive_json()["type"] == "data"
        # That page may read the answers (CORS) and frame the playground; others may not.
        preflight = {"Access-Control-Request-Method": "PUT",
                     "Access-Control-Request-Headers": "content-type"}
        asked = client.options("/api/sessions", headers={"Origin": "http://lab.example:8000",
                                                         **preflight})
        assert asked.headers["access-control-allow-origin"] == "http://lab.example:8000"
        assert "access-control-allow-origin" not in client.options(
            "/api/sessions", headers={"Origin": EVIL, **preflight}).headers
        policy = allowed.headers["content-security-policy"]
        assert "frame-ancestors 'self' http://lab.example:8000" in policy
        assert "x-frame-options" not in allowed.headers


@pytest.mark.parametrize("origin", ["*", "lab.example", "http://lab.example/page",
                                    "ftp://lab.example", "http://"])
def test_a_bad_allowed_origin_is_refused_with_the_form_to_use(origin):
    with pytest.raises(InvalidInputError, match="scheme://host"):
        create_app(allowed_origins=[origin])


# -- Host -------------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example",
                                  "localhost.evil.example", "[::2]:8765", ""])
def test_foreign_host_names_are_refused(host):
    with TestClient(create_app()) as client:
        response = client.get("/api/health", headers={"Host": host})
        assert response.status_code == 400
        detail = response.json()["detail"]
        assert "--allow-host" in detail and "DNS rebinding" in detail
        for url in ("/", "/api/options"):
            assert client.get(url, headers={"Host": host}).status_code == 400
        with pytest.raises(WebSocketDenialResponse) as refused:  # Host: testserver
            with client.websocket_connect("/ws/anything"):
                pass
        assert refused.value.status_code == 400


@pytest.mark.parametrize("base", ["http://localhost:8765", "http://127.0.0.1:8765",
                                  "http://[::1]:8765", "http://LOCALHOST"])
def test_loopback_names_are_served(base):
    with TestClient(create_app(), base_url=base) as client:
        assert client.get("/api/health").status_code == 200
        assert client.post("/api/sessions", headers={"Origin": base.lower()}).status_code == 201


def test_the_host_given_and_the_machines_names_are_served():
    assert "lab-pc.local" in served_hosts("lab-pc.local")
    assert "[fe80::1]" in served_hosts("fe80::1")
    wildcard = served_hosts("0.0.0.0", allowed_hosts=["class.example"])
    assert "class.example" in wildcard and "*" not in wildcard
    import socket

    assert socket.gethostname().lower() in wildcard
    with pytest.raises(InvalidInputError, match="not a host name"):
        served_hosts(allowed_hosts=["http://lab.example:8000"])
    with pytest.raises(InvalidInputError, match="wildcard"):
        served_hosts(allowed_hosts=["*"])


# -- content types and sizes ----------------------------------------------------------------
@pytest.mark.parametrize("method, path, body", [
    ("POST", "/api/sessions", "{}"), ("POST", "/api/sessions", ""),
    ("PUT", "/api/sessions/{id}/config", '{"noise": 0.3}'),
    ("PUT", "/api/sessions/{id}/weight", '{"layer": 0, "source": 0, "target": 0, "value": 1}'),
    ("POST", "/api/sessions/{id}/step", ""), ("POST", "/api/sessions/{id}/upload", "1,2,0\n3,4,1"),
])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_bodies_a_cross_site_form_could_send_are_refused(client, session, method, path, body,
                                                         content_type):
    before = sessions(client)
    response = client.request(method, path.format(id=session), content=body.encode(),
                              headers={"Content-Type": content_type})
    assert response.status_code == 415
    assert "Content-Type: " in response.json()["detail"]  # the header to send instead
    assert sessions(client) == before
    assert client.get(f"/api/sessions/{session}").json()["config"]["noise"] == 0.1


def test_declared_bodies_are_served(client, session):
    assert client.post("/api/sessions", json={"noise": 0.2}).status_code == 201
    assert client.post("/api/sessions", headers={"Content-Type": "application/json"}
                       ).status_code == 201  # the page declares JSON even with no body
    rows = b"1,2,0\n3,4,1\n2,2,0\n4,4,1\n"
    assert client.post(f"/api/sessions/{session}/upload", content=rows,
                       headers={"Content-Type": "text/csv; charset=utf-8"}).status_code == 200


def test_a_huge_json_body_is_refused_as_it_streams_in(client, session):
    body = b'{"points": [' + b"[0, 0, 0], " * (MAX_REQUEST_BYTES // 10) + b"[0, 0, 1]]}"

    def chunks():
        for start in range(0, len(body), 65536):
            yield body[start:start + 65536]

    response = client.put(f"/api/sessions/{session}/config", content=chunks(),
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and f"{MAX_REQUEST_BYTES:,} bytes" in \
        response.json()["detail"]


@pytest.mark.parametrize("body, words", [
    (b'{"noise": NaN}', "noise: Input should be a finite number"),
    (b'{"stop_loss": Infinity}', "stop_loss: Input should be a finite number"),
    (b'{"dataset": "custom", "points": [[1e300, 0, 0], [0, 0, 1]]}', "points.0.0"),
    (b'{"dataset": "custom", "points": [[0, 0, NaN], [0, 0, 1]]}', "points.0.2"),
])
def test_numbers_json_cannot_carry_are_refused(client, session, body, words):
    response = client.put(f"/api/sessions/{session}/config", content=body,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and words in response.json()["detail"]


@pytest.mark.parametrize("rows", [b"1e300,0,a\n0,1,b\n", b"0,0,0.5\n1,1,1e300\n"],
                         ids=["coordinate", "regression-target"])
def test_uploads_too_large_to_draw_are_refused(client, session, rows):
    response = client.post(f"/api/sessions/{session}/upload", content=rows, headers=CSV)
    assert response.status_code == 422 and "Rescale the data" in response.json()["detail"]


def test_answers_carry_headers_that_keep_the_page_its_own(client):
    for url in ("/", "/api/options", "/static/app.js"):
        headers = client.get(url).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'self';" in headers["content-security-policy"] + ";"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "SAMEORIGIN"


def test_the_page_script_never_parses_strings_as_html():
    from mlplab.web.app import STATIC

    script = (STATIC / "app.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "srcdoc"):
        assert sink not in script, sink


# -- a diverging network ---------------------------------------------------------------------
def test_a_diverged_session_answers_200_says_why_and_reset_recovers(client, session):
    client.put(f"/api/sessions/{session}/config", json=DIVERGING)
    step = client.post(f"/api/sessions/{session}/step?epochs=5")
    assert step.status_code == 200
    frame = strict_json(step.text)
    assert "diverged during epoch 1" in frame["diverged"] and "NaN" in frame["diverged"]
    assert "learning rate 10" in frame["diverged"] and "Reset" in frame["diverged"]
    assert frame["epoch"] == 0 and math.isfinite(frame["train_loss"])  # the network before
    for answer in (client.get(f"/api/sessions/{session}"),
                   client.post(f"/api/sessions/{session}/step")):
        assert answer.status_code == 200
        body = strict_json(answer.text)
        assert (body.get("frame") or body)["diverged"] == frame["diverged"]
    with client.websocket_connect(f"/ws/{session}") as socket:
        socket.receive_json()
        assert socket.receive_json()["diverged"]
        socket.send_json({"type": "play"})  # trains no more: the frame says why
        played = socket.receive_json()
        assert played["diverged"] and not played["playing"] and played["epoch"] == 0
        socket.send_json({"type": "reset"})
        assert socket.receive_json()["type"] == "data"
        assert socket.receive_json()["diverged"] is None
    # The exports are of the network before it diverged: loadable, finite.
    model_file = client.get(f"/api/sessions/{session}/export/model")
    assert model_file.status_code == 200
    assert client.get(f"/api/sessions/{session}/export/gif").status_code == 200
    # Reset with a learning rate the network can take: it trains.
    client.put(f"/api/sessions/{session}/config", json={**DIVERGING, "learning_rate": 0.001})
    trained = strict_json(client.post(f"/api/sessions/{session}/step?epochs=2").text)
    assert trained["diverged"] is None and trained["epoch"] == 2


def test_the_exported_model_of_a_diverged_session_loads(client, session, tmp_path):
    client.put(f"/api/sessions/{session}/config", json=DIVERGING)
    client.post(f"/api/sessions/{session}/step?epochs=3")
    path = tmp_path / "model.npz"
    path.write_bytes(client.get(f"/api/sessions/{session}/export/model").content)
    assert all(np.isfinite(w).all() for w in mlplab.load(path).get_weights())


def test_weights_that_are_not_numbers_still_give_a_frame(client, session):
    model = client.app.state.store.local_session(session).model
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    answer = client.get(f"/api/sessions/{session}")
    assert answer.status_code == 200
    frame = strict_json(answer.text)["frame"]
    assert frame["train_loss"] is None and frame["weights"][0]["kernel"][0][0] is None
    assert frame["neurons"]["layers"][1][0]["scale"] is None
    step = strict_json(client.post(f"/api/sessions/{session}/step").text)
    assert step["diverged"]


def test_a_diverged_sessions_script_says_so(client, session):
    client.put(f"/api/sessions/{session}/config", json=DIVERGING)
    client.post(f"/api/sessions/{session}/step")
    script = client.get(f"/api/sessions/{session}/export/script").text
    assert "the loss diverged after epoch 0" in script


# -- malformed websocket messages -----------------------------------------------------------
@pytest.mark.parametrize("message, words", [
    ({"bytes": b"\x00\xff" * 10}, "binary message (20 bytes)"),
    ({"bytes": b'{"type": "play"}'}, "binary message"),
    ({"text": "[" * 100_000}, "100,000 characters"),
    ({"text": "x" * 5_000_000}, "5,000,000 characters"),
    ({"text": '{"a":' * 150 + "1" + "}" * 150}, "unknown message type"),
    ({"text": "[" * 500 + "]" * 500}, "unknown message type"),
    ({"text": "null"}, "unknown message type"),
    ({"text": "3.5"}, "unknown message type"),
    ({"text": '{"type": ["play"]}'}, "unknown message type"),
    ({"text": '{"type": NaN}'}, "unknown message type"),
    ({"text": "\ud800"}, "JSON objects"),
], ids=["binary", "binary-json", "huge-nested", "huge", "deep-object", "deep-list", "null",
        "number", "list-type", "nan-type", "lone-surrogate"])
def test_malformed_websocket_messages_get_an_error_on_an_open_socket(client, session, message,
                                                                     words):
    with client.websocket_connect(f"/ws/{session}") as socket:
        socket.receive_json(), socket.receive_json()
        socket.send({"type": "websocket.receive", **message})
        error = socket.receive_json()
        assert error["type"] == "error" and words in error["message"]
        assert "play" in error["message"]  # what to send instead
        socket.send_json({"type": "step"})
        assert socket.receive_json()["epoch"] == 1


def test_a_flood_of_commands_is_answered_or_refused_and_the_socket_stays(client, session):
    with client.websocket_connect(f"/ws/{session}") as socket:
        socket.receive_json(), socket.receive_json()
        for _ in range(200):
            socket.send_json({"type": "frame"})
        kinds = [socket.receive_json()["type"] for _ in range(200)]
        assert set(kinds) <= {"frame", "error"} and "frame" in kinds
        socket.send_json({"type": "step"})
        while (message := socket.receive_json())["type"] != "frame" or message["epoch"] != 1:
            pass


def test_websockets_per_session_are_bounded(client, session):
    from contextlib import ExitStack

    from mlplab.web.app import MAX_SOCKETS_PER_SESSION

    with ExitStack() as stack:
        for _ in range(MAX_SOCKETS_PER_SESSION):
            socket = stack.enter_context(client.websocket_connect(f"/ws/{session}"))
            assert socket.receive_json()["type"] == "data"
        with client.websocket_connect(f"/ws/{session}") as extra:
            assert "its limit; close a tab" in extra.receive_json()["message"]
    with client.websocket_connect(f"/ws/{session}") as socket:  # the others have closed
        assert socket.receive_json()["type"] == "data"


# -- bounded work ---------------------------------------------------------------------------
def test_epochs_per_request_are_bounded(client, session):
    response = client.post(f"/api/sessions/{session}/step?epochs=10001")
    assert response.status_code == 422
    assert "between 1 and 10000" in response.json()["detail"]


def test_a_long_step_is_cut_short_at_the_time_limit_and_says_so():
    with TestClient(create_app(allowed_hosts=["testserver"], work_seconds=0.3)) as client:
        config = {"n_samples": 2000, "batch_size": 1,
                  "layers": [{"units": 32, "activation": "tanh"}] * 4}
        session = client.post("/api/sessions", json=config).json()["id"]
        started = time.monotonic()
        frame = client.post(f"/api/sessions/{session}/step?epochs=10000").json()
        assert time.monotonic() - started < 5
        assert 1 <= frame["epoch"] < 10000
        assert f"trained {frame['epoch']:,} of 10,000 epochs" in frame["interrupted"]
        assert "at most 0.3 s" in frame["interrupted"]


def test_snapshots_for_the_gif_are_bounded_in_bytes(monkeypatch):
    from mlplab.web import session as session_module
    from mlplab.web.config import PlaygroundConfig

    budget = 500_000  # ~4 snapshots of four layers of 64 (MAX_SNAPSHOT_BYTES: 12 of ten)
    monkeypatch.setattr(session_module, "MAX_SNAPSHOT_BYTES", budget)
    config = PlaygroundConfig(layers=[{"units": 64, "activation": "tanh"}] * 4, n_samples=40,
                              batch_size=40, resolution=20)
    session = Session(config)
    for _ in range(30):
        session.advance()
    size = sum(sum(w.nbytes for w in weights) for _, weights in session.snapshots)
    assert 2 <= len(session.snapshots) and size <= budget
    assert session.snapshots[-1][0] == 30  # the latest is always kept
    assert MAX_SNAPSHOT_BYTES >= 10 * size / len(session.snapshots)


# -- a real server: work stops when the client goes ---------------------------------------------
# Ten layers of 64 and batch 1, as large as the page allows, on 1,500 points: an epoch takes
# ~0.1 s (on 5,000 points, ~0.35 s), so 10,000 epochs would take far past the time limit.
LARGE = {"dataset": "spirals", "problem": "multiclass", "n_classes": 8, "n_samples": 1500,
         "test_ratio": 0, "batch_size": 1, "epochs_per_frame": 100, "resolution": 100,
         "features": ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"],
         "layers": [{"units": 64, "activation": "tanh"}] * 10}


def cpu_seconds(pid, process_tree):
    """CPU time of the server and its worker processes (where sessions train)."""
    total = 0
    for process in process_tree(pid):
        with open(f"/proc/{process}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def busy_fraction(pid, process_tree, seconds=1.0):
    start = cpu_seconds(pid, process_tree)
    time.sleep(seconds)
    return (cpu_seconds(pid, process_tree) - start) / seconds


def training_ends(url, session, started):
    """Seconds from ``started`` until the session's training ends (a read waits for it)."""
    import httpx

    httpx.get(f"{url}/api/sessions/{session}", timeout=60).raise_for_status()
    return time.monotonic() - started


@pytest.mark.slow
def test_training_stops_soon_after_the_client_goes(server, process_tree):
    import httpx

    url, process = server
    session = httpx.post(f"{url}/api/sessions", json=LARGE, timeout=60).json()["id"]
    httpx.post(f"{url}/api/sessions/{session}/step", timeout=60)  # compile, warm up
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):  # the client gives up after a second
        httpx.post(f"{url}/api/sessions/{session}/step?epochs=10000", timeout=1.0)
    assert training_ends(url, session, started) < 6  # not at the 10 s limit, nor at 10,000
    assert busy_fraction(process.pid, process_tree) < 0.2, (
        "the server trains on for a client that has gone")

    websockets = pytest.importorskip("websockets.sync.client")
    with websockets.connect(url.replace("http", "ws") + f"/ws/{session}",
                            max_size=2**26) as socket:
        socket.recv(), socket.recv()
        socket.send(json.dumps({"type": "step"}))  # 100 epochs: ~10 s
        time.sleep(0.5)
        started = time.monotonic()
    assert training_ends(url, session, started) < 5
    assert busy_fraction(process.pid, process_tree) < 0.2, (
        "the server trains on for a socket that has closed")
