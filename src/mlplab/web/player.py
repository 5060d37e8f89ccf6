"""The websocket of one page: its commands in, the session's frames out.

The page sends ``{"type": "play" | "pause" | "step" | "reset" | "frame"}``, and
``{"type": "hidden", "layer": k}`` to choose its hidden-space view (null: off); the
server answers with ``{"type": "frame", ...}``, ``{"type": "data", ...}`` and,
for a message it cannot take (not text, not JSON, not an object, too long, an
unknown type), ``{"type": "error", "message": ...}``; the socket stays open.

The socket is read all the time, also while a command trains in a worker
thread, so that a closed page is noticed at once: ``gone`` is set and the
training stops at the end of its epoch instead of running on for nobody.
"""

import asyncio
import json
import logging
import threading
import time

import numpy as np
from fastapi import WebSocketDisconnect

from mlplab.errors import InvalidInputError, MlplabError

MAX_FPS = 30
MESSAGES = ("play", "pause", "step", "reset", "frame", "hidden")
MAX_MESSAGE_CHARS = 1000  # the page's messages are ~20 characters
MAX_PENDING = 32  # commands waiting for their answer; more are refused
EXAMPLE = '{"type": "play"}'
log = logging.getLogger(__name__)


class Player:
    """One websocket on one session."""

    def __init__(self, websocket, session):
        self.websocket, self.session = websocket, session
        self.send_lock = asyncio.Lock()
        self.wake = asyncio.Event()
        self.commands = asyncio.Queue(MAX_PENDING)
        self.gone = threading.Event()  # read by training threads

    async def run(self):
        session = self.session
        session.connections += 1
        tasks = [asyncio.create_task(self.work()), asyncio.create_task(self.play())]
        try:
            self.commands.put_nowait(("hello", None))
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                await self.take(message)
        finally:
            self.gone.set()
            for task in tasks:
                task.cancel()
            session.playing = False
            session.connections -= 1
            session.last_seen = time.monotonic()

    async def take(self, message):
        """Act on play and pause at once; queue the rest (and errors) in order."""
        session = self.session
        session.last_seen = time.monotonic()
        try:
            kind, detail = parse_message(message)
        except InvalidInputError as exc:
            kind, detail = "error", str(exc)
        if kind == "play" and not session.diverged:
            session.playing, session.stopped = True, None
            self.wake.set()
            return
        if kind == "play":  # a diverged session trains no more: the frame says why
            kind = "frame"
        if kind == "pause":
            session.playing, kind = False, "frame"
        try:
            self.commands.put_nowait((kind, detail))
        except asyncio.QueueFull:
            await self.send({"type": "error", "message": (
                f"{MAX_PENDING} messages are waiting for their answers; wait for them "
                "before sending more.")})

    async def work(self):
        """Answer the queued commands one after the other."""
        while True:
            kind, detail = await self.commands.get()
            try:
                await self.handle(kind, detail)
            except WebSocketDisconnect:
                self.gone.set()
                return
            except MlplabError as exc:
                await self.send({"type": "error", "message": str(exc)})
            except Exception:  # a bug: say so on the socket, keep it, log the traceback
                log.exception("playground websocket: %s failed", kind)
                await self.send({"type": "error", "message": (
                    f"the server failed to answer {kind!r} (a bug; its log has the details). "
                    "Reset or reload the page.")})

    async def handle(self, kind, detail):
        session = self.session
        if kind == "error":
            await self.send({"type": "error", "message": detail})
        elif kind == "hello":
            await self.send(await asyncio.to_thread(session.describe_data))
            await self.send(await asyncio.to_thread(session.frame))
        elif kind == "step":
            session.playing = False
            await self.send(await asyncio.to_thread(session.advance, None, self.gone.is_set))
        elif kind == "reset":
            await asyncio.to_thread(session.reset)
            await self.send(await asyncio.to_thread(session.describe_data))
            await self.send(await asyncio.to_thread(session.frame))
        elif kind == "frame":
            await self.send(await asyncio.to_thread(session.frame))
        elif kind == "hidden":
            await self.send(await asyncio.to_thread(session.set_hidden_layer, detail))

    async def play(self):
        """While the session plays: train a frame's epochs, send the frame, at most MAX_FPS."""
        session = self.session
        try:
            while True:
                await self.wake.wait()
                self.wake.clear()
                while session.playing and not self.gone.is_set():
                    started = time.monotonic()
                    frame = await asyncio.to_thread(self._advance_if_playing)
                    if frame is not None:
                        await self.send(frame)
                    session.last_seen = time.monotonic()
                    await asyncio.sleep(max(0.0, 1 / MAX_FPS - (time.monotonic() - started)))
        except WebSocketDisconnect:
            self.gone.set()

    def _advance_if_playing(self):
        session = self.session
        with session.lock:
            if not session.playing:
                return None
            return session.advance(stop=lambda: self.gone.is_set() or not session.playing)

    async def send(self, message):
        text = json.dumps(message, allow_nan=False, default=_json_default)
        async with self.send_lock:
            await self.websocket.send_text(text)


def parse_message(message):
    """The command in an ASGI ``websocket.receive`` message, as ``(type, detail)`` (the
    layer of a "hidden" message, else None), or an InvalidInputError saying what is wrong
    with it."""
    text = message.get("text")
    if text is None:
        size = len(message.get("bytes") or b"")
        raise InvalidInputError(f"got a binary message ({size:,} bytes); send text: JSON "
                                f"objects like {EXAMPLE}, with type one of "
                                f"{', '.join(MESSAGES)}.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInputError(f"got a message of {len(text):,} characters; messages are "
                                f"JSON objects like {EXAMPLE} (type one of "
                                f"{', '.join(MESSAGES)}), at most {MAX_MESSAGE_CHARS:,} "
                                "characters.")
    try:
        command = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidInputError(f"messages must be JSON objects like {EXAMPLE}; got "
                                f"{text[:60]!r}.") from None
    if not isinstance(command, dict) or command.get("type") not in MESSAGES:
        got = command.get("type") if isinstance(command, dict) else command
        raise InvalidInputError(f"unknown message type {str(got)[:60]!r}; send one of "
                                f"{', '.join(MESSAGES)} as {{\"type\": ...}}.")
    if command["type"] == "hidden":
        if "layer" not in command:
            raise InvalidInputError('a hidden message names its layer: {"type": "hidden", '
                                    '"layer": 1} (or "layer": null to turn the view off).')
        return "hidden", command["layer"]
    return command["type"], None


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot send {type(value).__name__} as JSON")
