"""Workers: sessions take turns fairly, stay whole across processes, and are bounded."""

import asyncio
import collections
import json
import queue

import numpy as np
import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

import mlplab  # noqa: E402
from mlplab.web import create_app, frames  # noqa: E402
from mlplab.web.config import PlaygroundConfig  # noqa: E402
from mlplab.web.pool import Pool  # noqa: E402
from mlplab.web.session import Session  # noqa: E402
from mlplab.web.workers import Worker  # noqa: E402

SMALL = {"dataset": "moons", "n_samples": 60, "resolution": 20,
         "layers": [{"units": 4, "activation": "tanh"}]}


class Driver:
    """A Worker driven by hand: messages in, what it sends collected."""

    def __init__(self, work_seconds=10.0):
        self.inbox, self.sent = queue.Queue(), []
        self.worker = Worker(self._receive, self.sent.append, work_seconds)
        self.ids = iter(range(1, 10**6))

    def _receive(self, timeout):
        try:
            return self.inbox.get_nowait()
        except queue.Empty:
            return None

    def tell(self, *message):
        self.worker.take(message)

    def create(self, sid, config=SMALL):
        self.tell("call", next(self.ids), sid, "create", (PlaygroundConfig(**config),))
        assert self.sent[-1][2], self.sent[-1]

    def run(self, turns, acknowledge=True):
        """``turns`` units of work; play frames are acknowledged as soon as sent."""
        for _ in range(turns):
            before = len(self.sent)
            self.worker.work_once()
            for message in self.sent[before:]:
                if message[0] == "out" and message[4] is not None and acknowledge:
                    self.tell("sent", message[4])

    def play_frames(self):
        return collections.Counter(m[4] for m in self.sent if m[0] == "out" and m[4])


def test_playing_sessions_take_turns_fairly(monkeypatch):
    monkeypatch.setattr("mlplab.web.workers.MAX_FPS", 10**9)  # no pacing: only turns
    driver = Driver()
    for sid in "abc":
        driver.create(sid, {**SMALL, "n_samples": {"a": 40, "b": 200, "c": 400}[sid]})
        driver.tell("attach", sid, sid, True)
        driver.tell("play", sid, sid, True)
    driver.run(60)
    assert driver.play_frames() == {"a": 20, "b": 20, "c": 20}  # not by cost: by turn


def test_a_session_whose_frames_are_not_yet_sent_waits_and_others_go_on(monkeypatch):
    monkeypatch.setattr("mlplab.web.workers.MAX_FPS", 10**9)
    driver = Driver()
    for sid in "ab":
        driver.create(sid)
        driver.tell("attach", sid, sid, sid == "b")  # a's page reads JSON, b's binary
        driver.tell("play", sid, sid, True)
    driver.run(20, acknowledge=False)
    assert driver.play_frames() == {"a": 2, "b": 2}  # FRAMES_IN_FLIGHT each, then wait
    payloads = {m[4]: m[2] for m in driver.sent if m[0] == "out" and m[4]}
    assert set(payloads["a"]) == {"json"} and set(payloads["b"]) == {"binary"}
    assert frames.decode(payloads["b"]["binary"])["type"] == "frame"


def test_a_long_step_shares_its_worker_with_a_playing_session(monkeypatch):
    # Slices of 2 ms: the step (300 epochs of 200 single-sample updates) takes many turns,
    # with the compiled loop and on the NumPy runner alike (where 3,000 epochs would meet
    # the 10 s limit of a request).
    monkeypatch.setattr("mlplab.web.workers.STEP_SLICE_SECONDS", 0.002)
    monkeypatch.setattr("mlplab.web.workers.MAX_FPS", 10**9)
    driver = Driver()
    driver.create("long", {**SMALL, "n_samples": 400, "batch_size": 1})
    driver.create("play")
    driver.tell("attach", "play", 1, False)
    driver.tell("play", "play", 1, True)
    driver.tell("call", 99, "long", "step", (300,))
    while not any(m[0] == "reply" and m[1] == 99 for m in driver.sent):
        driver.run(1)
    reply = next(m for m in driver.sent if m[0] == "reply" and m[1] == 99)
    assert reply[2] and json.loads(reply[3])["epoch"] == 300
    assert driver.play_frames()["play"] >= 5  # it played while the step trained


def test_a_cancelled_step_stops_at_once():
    driver = Driver()
    driver.create("a", {**SMALL, "n_samples": 400, "batch_size": 1})
    driver.tell("call", 7, "a", "step", (10_000,))
    driver.inbox.put(("cancel", 7))  # arrives while it trains: read after an epoch
    driver.run(1)
    reply = next(m for m in driver.sent if m[0] == "reply" and m[1] == 7)
    assert reply[2] and 1 <= json.loads(reply[3])["epoch"] < 10


def test_past_max_sessions_a_new_one_gets_503_with_the_limit_and_what_to_do():
    with TestClient(create_app(allowed_hosts=["testserver"], max_sessions=2)) as client:
        for _ in range(2):
            assert client.post("/api/sessions", json=SMALL).status_code == 201
        refused = client.post("/api/sessions", json=SMALL)
        assert refused.status_code == 503
        detail = refused.json()["detail"]
        assert "2 open sessions" in detail and "--max-sessions" in detail
        assert "try again later" in detail


@pytest.mark.slow
def test_sessions_spread_across_worker_processes_stay_whole():
    """Four sessions on two worker processes, stepped in turns; each ends with the
    weights of a Session stepped the same way in this process."""
    setups = [{**SMALL, "seed": seed, "layers": [{"units": 3 + seed, "activation": "tanh"}]}
              for seed in range(4)]

    async def main():
        pool = Pool(workers=2, max_sessions=10)
        pool.start()
        try:
            ids = [json.loads(await pool.create(PlaygroundConfig(**setup)))["id"]
                   for setup in setups]
            spread = collections.Counter(pool.sessions[sid].link.index for sid in ids)
            for _ in range(10):
                await asyncio.gather(*(pool.call(sid, "step", 3) for sid in ids))
            models = [await pool.call(sid, "export", "model") for sid in ids]
            return spread, models
        finally:
            pool.stop()

    spread, models = asyncio.run(main())
    assert spread == {0: 2, 1: 2}
    for setup, model_bytes in zip(setups, models, strict=True):
        reference = Session(PlaygroundConfig(**setup))
        for _ in range(10):
            reference.advance(3)
        got = _load(model_bytes)
        for mine, theirs in zip(got.get_weights(), reference.model.get_weights(), strict=True):
            np.testing.assert_array_equal(mine, theirs)


def _load(model_bytes):
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".npz") as file:
        file.write(model_bytes)
        file.flush()
        return mlplab.load(file.name)


@pytest.mark.slow
def test_a_worker_that_dies_takes_only_its_own_sessions():
    from fastapi import HTTPException

    async def main():
        pool = Pool(workers=2, max_sessions=10)
        pool.start()
        try:
            slow = {**SMALL, "n_samples": 400, "batch_size": 1}  # 10,000 epochs: ~10 s
            first, second = [json.loads(await pool.create(PlaygroundConfig(**slow)))["id"]
                             for _ in range(2)]
            lost = pool.sessions[first].link
            step = asyncio.ensure_future(pool.call(first, "step", 10_000))
            await asyncio.sleep(0.3)
            lost.process.kill()
            with pytest.raises(HTTPException) as failed:
                await asyncio.wait_for(step, 10)
            assert failed.value.status_code == 500 and "reload" in failed.value.detail
            with pytest.raises(HTTPException) as gone:
                await pool.call(first, "snapshot")
            assert gone.value.status_code == 404
            assert json.loads(await pool.call(second, "step", 2))["epoch"] == 2
            third = json.loads(await pool.create(PlaygroundConfig(**SMALL)))["id"]
            assert pool.sessions[third].link is not lost
        finally:
            pool.stop()

    asyncio.run(main())
