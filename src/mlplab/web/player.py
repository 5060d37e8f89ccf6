"""The websocket of one page: its commands in, the session's frames out.

``/ws/{id}`` sends every message as JSON text; ``/ws/{id}?frames=binary`` sends frames
(type "frame") as binary messages instead (below), every other message as JSON text.

The page sends ``{"type": "play" | "pause" | "step" | "reset" | "frame"}``;
``{"type": "hidden", "layer": k}`` to choose its hidden-space view (null: off); and
``{"type": "visible", "units": [[start, stop] | null, ...]}``, one entry per layer of
``neurons.layers`` (inputs first, outputs last): the neurons whose thumbnails are on
screen. Frames then carry only those (``neurons.ranges`` says which range each layer's
list covers; a layer with none is null). Until then: every neuron of a net with up to 64
hidden neurons, none of a larger one. While a large net plays, its thumbnails come at
most 4 times a second: the frames between have ``neurons: null`` (keep the last ones).

The server answers with ``{"type": "frame", ...}``, ``{"type": "data", ...}``,
``{"type": "status", "message": ...}`` while it prepares (workers starting) and, for a
message it cannot take (not text, not JSON, not an object, too long, an unknown type),
``{"type": "error", "message": ...}``; the socket stays open.

A binary frame (:mod:`mlplab.web.frames` writes it, ``MlplabFrames.decode`` in
static/frames.js reads it)::

    offset  size  content
    0       4     b"MLPF"
    4       4     layout version, uint32 little-endian (1)
    8       4     H: bytes of the header, uint32 little-endian
    12      H     header: UTF-8 JSON {"frame": ..., "blobs": [[type, offset, count], ...]}
    ...           zero bytes up to a multiple of 4, then the blobs

The header's ``frame`` is the JSON frame with every array replaced by a reference
``{"$blob": i}`` (2-D: ``{"$blob": i, "rows": r}``). Blob ``i`` is ``count`` elements
of ``type`` ("u8": uint8, "f32": float32, little-endian) at byte ``offset`` of the
message, a multiple of 4. Decoded, a reference is the blob itself (a Uint8Array where the
JSON frame has base64 text: the output image, thumbnails; a Float32Array where it has
numbers: a bias) or, with ``rows``, a list of its ``r`` equal slices (a kernel's rows).
Weights are float32, not rounded; one that is not finite stays NaN (JSON: null).

The socket is read all the time, also while its session trains in its worker
(:mod:`mlplab.web.workers`), so that a closed page is noticed at once and its
training stops at the end of the epoch instead of running on for nobody.
"""

import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mlplab.errors import InvalidInputError

if TYPE_CHECKING:
    from fastapi import WebSocket

    from mlplab.web.pool import Pool, SocketLink

MESSAGES = ("play", "pause", "step", "reset", "frame", "hidden", "visible")
MAX_MESSAGE_CHARS = 2000  # the page's messages are ~20 characters, "visible" ~200
MAX_PENDING = 32  # commands waiting for their answer; more are refused
MAX_SOCKETS_PER_SESSION = 8  # a page has one; a few tabs of one session are fine
EXAMPLE = '{"type": "play"}'


async def serve_socket(websocket: "WebSocket", store: "Pool", session_id: str,
                       binary: bool) -> None:
    """Play session ``session_id`` of ``store`` (a :class:`~mlplab.web.pool.Pool`) on
    ``websocket`` until the page closes it."""
    await websocket.accept()
    placement = store.sessions.get(session_id)
    if placement is None or placement.connections >= MAX_SOCKETS_PER_SESSION:
        message = (f"no session {session_id[:40]!r}; reload the page." if placement is None
                   else f"session {session_id!r} has {placement.connections} open "
                        "websockets, its limit; close a tab of it first.")
        await websocket.send_json({"type": "error", "message": message})
        await websocket.close(code=4404 if placement is None else 4429)
        return
    link = store.open_socket(session_id, websocket, binary)
    try:
        store.command(link, "hello")
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            take(store, link, message)
    finally:
        store.close_socket(link)


def take(store: "Pool", link: "SocketLink", message: Mapping[str, Any]) -> None:
    """Act on play and pause at once; send the rest to the worker in order (errors too)."""
    if link.sid in store.sessions:
        store.sessions[link.sid].last_seen = time.monotonic()
    try:
        kind, detail = parse_message(message)
    except InvalidInputError as exc:
        link.put(error_payload(str(exc)))
        return
    if kind in ("play", "pause"):
        store.play(link, kind == "play")
    elif link.pending >= MAX_PENDING:
        link.put(error_payload(f"{MAX_PENDING} messages are waiting for their answers; wait "
                               "for them before sending more."))
    else:
        store.command(link, kind, detail)


def error_payload(text: str) -> dict[str, str]:
    return {"json": json.dumps({"type": "error", "message": text})}


def parse_message(message: Mapping[str, Any]) -> tuple[str, Any]:
    """The command in an ASGI ``websocket.receive`` message, as ``(type, detail)`` (the
    layer of a "hidden" message, the units of a "visible" one, else None), or an
    InvalidInputError saying what is wrong with it."""
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
    if command["type"] == "visible":
        if "units" not in command:
            raise InvalidInputError('a visible message names the neurons on screen, per '
                                    'layer: {"type": "visible", "units": [[0, 2], [0, 8], '
                                    'null, [0, 1]]} (null: none of that layer).')
        return "visible", command["units"]
    if command["type"] == "hidden":
        if "layer" not in command:
            raise InvalidInputError('a hidden message names its layer: {"type": "hidden", '
                                    '"layer": 1} (or "layer": null to turn the view off).')
        return "hidden", command["layer"]
    return command["type"], None
