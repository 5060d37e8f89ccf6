"""Generated requests against the playground: every answer is a success or a 4xx that says why.

Bodies (JSON of any shape, near-miss setups, raw bytes under any content type), query
strings, CSV uploads, headers (Origin, Host) and websocket messages (text, bytes, JSON
of any shape). Properties: never a 5xx; a 4xx carries a non-empty ``detail``; every
answer is standard JSON (no NaN or Infinity); a websocket answers every message and
stays open.
"""

import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402
from starlette.testclient import WebSocketDenialResponse  # noqa: E402

from mlplab.data.features import FEATURES  # noqa: E402
from mlplab.web import create_app  # noqa: E402
from mlplab.web.config import (  # noqa: E402
    BASELINES,
    DATASETS,
    HIDDEN_ACTIVATIONS,
    OPTIMIZERS,
    PlaygroundConfig,
)
from mlplab.web.player import MESSAGES  # noqa: E402


def fast(max_examples):
    """Settings for these properties: a request takes milliseconds, a few take more."""
    return settings(max_examples=max_examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


FIELDS = list(PlaygroundConfig.model_fields)

# -- strategies --------------------------------------------------------------------------------
scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12))
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
# Setups: a few fields, each given a value at, just past or far from what it takes (cheap
# to build when valid: no 5,000 points, no 64-wide layers).
NOT_FINITE = [float("nan"), float("inf"), -float("inf")]  # JSON has none; Python's json reads them
floats = st.sampled_from(NOT_FINITE) | st.sampled_from([
    -0.0, 0.0, 1e-300, 0.05, 0.5, 0.9, 0.91, 1.0, 2.0, 2.01, 10.0, 10.5, 1e300, -1.0])
ints = st.sampled_from([-1, 0, 1, 2, 3, 8, 9, 10, 11, 65, 100, 5001, 2**31, 2**63, 10**30])
names = st.text(max_size=8) | st.sampled_from(["", " relu ", "RELU", "rleu", "moon", "x3"])
FIELD_VALUES = {
    "dataset": st.sampled_from(DATASETS) | names, "n_samples": ints, "noise": floats,
    "n_classes": ints, "test_ratio": floats, "seed": ints,
    "points": st.lists(st.tuples(floats, floats, floats | ints), max_size=4)
    | st.lists(st.lists(floats, max_size=4), max_size=3),
    "features": st.lists(st.sampled_from(list(FEATURES)) | names, max_size=4),
    "layers": st.lists(st.fixed_dictionaries({}, optional={
        "units": ints, "activation": st.sampled_from(HIDDEN_ACTIVATIONS) | names,
        "dropout": floats}), max_size=3),
    "problem": st.sampled_from(["binary", "multiclass", "regression"]) | names,
    "loss": st.sampled_from(["cross_entropy", "mse"]) | names, "dropout": floats,
    "optimizer": st.sampled_from(OPTIMIZERS) | names, "learning_rate": floats, "l1": floats,
    "l2": floats, "batch_size": ints, "epochs_per_frame": ints, "stop_epochs": ints | st.none(),
    "stop_loss": floats | st.none(), "baseline": st.sampled_from(BASELINES) | names,
    "resolution": ints, "colour": names,
}
setups = st.lists(st.sampled_from(sorted(FIELD_VALUES)), max_size=3, unique=True).flatmap(
    lambda fields: st.fixed_dictionaries({name: FIELD_VALUES[name] for name in fields}))
near_misses = floats | ints | names | st.sampled_from([None, [], {}, [1], True])
weight_edits = st.dictionaries(st.sampled_from(["layer", "source", "target", "value", "x"]),
                               near_misses | json_values, max_size=5)
cells = (st.floats(allow_nan=True, allow_infinity=True).map(repr) | st.integers().map(str)
         | st.sampled_from(["", "nan", "inf", "-inf", "1e19", "9007199254740993", '"a"', "a b",
                            "<b>x</b>", "1e-400", "0x10", " 1 "])
         | st.text(alphabet=string.ascii_letters + string.digits + " .-_<>\"'", max_size=8))
csv_bodies = st.lists(st.lists(cells, min_size=1, max_size=4), max_size=25).map(
    lambda rows: "\n".join(",".join(row) for row in rows).encode())
content_types = st.sampled_from([None, "application/json", "text/plain", "text/csv",
                                 "application/x-www-form-urlencoded", "multipart/form-data",
                                 "application/json; charset=utf-8", "application/xml", ""])
origins = st.sampled_from(["http://testserver", "http://evil.example", "null", "",
                           "http://testserver:80", "https://testserver", "http://TESTSERVER",
                           "http://testserver/", "http://testserver:99999", "http://[::1"])
SERVED = ["testserver", "localhost:8765", "127.0.0.1", "[::1]:1", "testserver:0", "TESTSERVER"]
hosts = st.sampled_from([*SERVED, "evil.example", "", "a:b:c", "[::g]", "testserver.evil.example",
                         "127.0.0.1.evil.example", "localhost:http"])
websocket_messages = st.one_of(
    st.binary(max_size=64).map(lambda data: {"bytes": data}),
    st.text(max_size=40).map(lambda text: {"text": text}),
    json_values.map(lambda value: {"text": json.dumps(value)}),
    st.fixed_dictionaries({"type": st.sampled_from(MESSAGES) | json_values},
                          optional={"epochs": json_values}).map(
        lambda value: {"text": json.dumps(value)}),
    st.integers(500, 5000).map(lambda n: {"text": "[" * n}),
)


# -- the app and its answers ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def client():
    app = create_app(allowed_hosts=["testserver"], max_sessions=100_000, work_seconds=0.02)
    with TestClient(app) as client:
        yield client


def a_session(client):
    """A session in a cheap setup (a fuzzed request before may have changed or deleted one)."""
    store = client.app.state.store
    store.clear()
    return client.post("/api/sessions", json={"n_samples": 40, "resolution": 20}).json()["id"]


def strict_json(text):
    def refuse(constant):
        raise AssertionError(f"{constant} in an answer")

    return json.loads(text, parse_constant=refuse)


def check(response):
    """A success, or a 4xx with a message; standard JSON either way."""
    assert response.status_code < 500, (response.status_code, response.text[:300])
    is_json = response.headers.get("content-type", "").startswith("application/json")
    assert is_json or response.status_code < 400
    body = strict_json(response.text) if is_json and response.content else None
    if response.status_code >= 400:
        detail = body["detail"]
        assert isinstance(detail, str) and detail.strip(), body
        assert "Traceback" not in detail
    return body


def encoded(value):
    return json.dumps(value, allow_nan=True).encode()


# -- properties --------------------------------------------------------------------------------
@fast(100)
@given(body=setups | json_values)
def test_any_setup_gets_an_answer(client, body):
    session = a_session(client)
    for method, path in (("PUT", f"/api/sessions/{session}/config"), ("POST", "/api/sessions")):
        answer = check(client.request(method, path, content=encoded(body),
                                      headers={"Content-Type": "application/json"}))
        if answer is not None and "frame" in answer:
            assert answer["config"]["dataset"] in DATASETS
    check(client.get(f"/api/sessions/{session}"))  # the session lives on


@fast(30)
@given(field=st.sampled_from([*FIELDS, "layers.units"]))
def test_a_number_json_cannot_carry_is_refused_in_any_field(client, field):
    session = a_session(client)
    for value in NOT_FINITE:
        body = {"layers": [{"units": value}]} if field == "layers.units" else {field: value}
        answer = client.put(f"/api/sessions/{session}/config", content=encoded(body),
                            headers={"Content-Type": "application/json"})
        assert answer.status_code == 422 and check(answer)["detail"]
    assert check(client.get(f"/api/sessions/{session}"))["config"]["noise"] == 0.1


@fast(40)
@given(edit=weight_edits | json_values)
def test_any_weight_edit_gets_an_answer(client, edit):
    session = a_session(client)
    check(client.put(f"/api/sessions/{session}/weight", content=encoded(edit),
                     headers={"Content-Type": "application/json"}))


@fast(40)
@given(query=st.dictionaries(st.sampled_from(["epochs", "x", "epochs[]"]),
                             st.integers(-5, 20_000).map(str) | st.text(max_size=8), max_size=3),
       path=st.sampled_from(["step", "reset", "export/script", "export/model", "nope"]))
def test_any_query_string_gets_an_answer(client, query, path):
    session = a_session(client)
    method = "GET" if path.startswith("export") else "POST"
    check(client.request(method, f"/api/sessions/{session}/{path}", params=query))


@fast(60)
@given(body=st.binary(max_size=200) | json_values.map(encoded), content_type=content_types,
       route=st.sampled_from([("POST", "/api/sessions"), ("PUT", "config"), ("PUT", "weight"),
                              ("POST", "upload"), ("POST", "step"), ("POST", "reset"),
                              ("DELETE", ""), ("PATCH", "config"), ("POST", "/api/nope")]))
def test_any_body_under_any_content_type_gets_an_answer(client, body, content_type, route):
    session = a_session(client)
    method, path = route
    url = path if path.startswith("/") else f"/api/sessions/{session}/{path}".rstrip("/")
    headers = {} if content_type is None else {"Content-Type": content_type}
    check(client.request(method, url, content=body, headers=headers))


@fast(60)
@given(body=csv_bodies, problem=st.sampled_from(["binary", "multiclass", "regression"]))
def test_any_csv_upload_gets_an_answer(client, body, problem):
    session = a_session(client)
    answer = check(client.post(f"/api/sessions/{session}/upload", content=body,
                               headers={"Content-Type": "text/csv"}))
    if answer is not None and "points" in answer:
        assert answer["points"] >= 1
        loss = "mse" if problem == "regression" else "cross_entropy"
        check(client.put(f"/api/sessions/{session}/config",
                         json={"dataset": "upload", "problem": problem, "loss": loss}))
        check(client.post(f"/api/sessions/{session}/step?epochs=2"))


@fast(40)
@given(origin=origins | st.none(), host=hosts,
       route=st.sampled_from([("GET", "/"), ("GET", "/api/options"), ("POST", "/api/sessions"),
                              ("POST", "step"), ("DELETE", ""), ("GET", "/static/app.js")]))
def test_any_origin_and_host_get_an_answer(client, origin, host, route):
    session = a_session(client)
    method, path = route
    url = path if path.startswith("/") else f"/api/sessions/{session}/{path}".rstrip("/")
    headers = {"Host": host, **({} if origin is None else {"Origin": origin})}
    response = client.request(method, url, headers=headers)
    check(response)
    if host not in SERVED:
        assert response.status_code == 400


@fast(80)
@given(message=websocket_messages)
def test_any_websocket_message_gets_an_answer_and_the_socket_stays(client, message):
    session = a_session(client)
    with client.websocket_connect(f"/ws/{session}") as socket:
        assert socket.receive_json()["type"] == "data"
        assert socket.receive_json()["type"] == "frame"
        socket.send({"type": "websocket.receive", **message})
        socket.send_json({"type": "pause"})  # whatever the message began, this ends in a frame
        for _ in range(500):
            reply = strict_json(socket.receive_text())
            assert reply["type"] in ("data", "frame", "error")
            if reply["type"] == "error":
                assert isinstance(reply["message"], str) and reply["message"].strip()
            if reply["type"] == "frame" and not reply["playing"]:
                break
        else:
            raise AssertionError("the socket did not answer the pause")


@fast(30)
@given(origin=origins | st.none(), host=hosts)
def test_any_websocket_handshake_is_served_or_refused_with_a_reason(client, origin, host):
    session = a_session(client)
    headers = {"Host": host, **({} if origin is None else {"Origin": origin})}
    try:
        with client.websocket_connect(f"/ws/{session}", headers=headers) as socket:
            assert socket.receive_json()["type"] == "data"
    except WebSocketDenialResponse as refused:
        assert refused.status_code in (400, 403)
        assert refused.json()["detail"].strip()
