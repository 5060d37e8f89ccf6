"""The playground's sessions at work: a worker owns some sessions and does all their work.

A :class:`Worker` runs in a process of its own (``mlplab playground --workers N``) or in
a thread of the server (``workers=0``: tests, embedding). The server's main process
keeps HTTP and the websockets and sends the worker messages (tuples, below); the worker
answers with messages of its own. A session lives in one worker only, so its state is
always whole, and a worker does one thing at a time, so nothing needs a lock.

Work is shared fairly: sessions take turns (round robin), each turn one unit of work:
one queued command (a request, a socket's message), one slice of a long step, or one
frame of a playing session. A playing session gets its next frame once the main
process has sent the last one (:data:`FRAMES_IN_FLIGHT`), at most MAX_FPS per second,
so a slow page slows only itself.

Why processes and not threads: a small net's frame (2-8-8-1, ~1.5 ms) is mostly Python,
which holds the GIL, so all the threads of one process share one core. (On a machine
whose other core is busy anyway, one worker thread does as well: thirty pages got ~17
frames per second each both ways, measured with the benchmark's load on two cores.)

Main -> worker::

    ("call", call_id, sid, method, args)    a request; answered ("reply", call_id, ok, value)
    ("cancel", call_id)                     its client went away: stop at the next epoch
    ("attach", sid, sock, binary)           a websocket opened on sid (binary frames or JSON)
    ("detach", sid, sock)
    ("command", sid, sock, kind, detail)    a socket's message (step, reset, frame, ...)
    ("play", sid, sock, on)                 play (True) or pause (False), at once
    ("sent", sid)                           a play frame went out to every socket of sid
    ("stop",)

Worker -> main::

    ("ready",)                              warmed up (numba's kernels loaded)
    ("reply", call_id, ok, value)           value: the result (a dict as JSON text, encoded
                                            here, not in the event loop), or (error class,
                                            message)
    ("out", sock, payload, done, play_sid)  payload {"json": text, "binary": bytes} (either or
                                            both) to one socket, or (sock None) to every socket
                                            of play_sid; done: it ends that socket's command;
                                            play_sid: a play frame of that session (answer
                                            ("sent", play_sid) once it is out)
"""

import collections
import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeAlias

from mlplab.errors import InvalidInputError, MlplabError
from mlplab.web import export, frames
from mlplab.web.config import PlaygroundConfig
from mlplab.web.session import Session

MAX_FPS = 30  # frames per second of one playing session, at most
FRAMES_IN_FLIGHT = 2  # play frames computed but not yet sent, per session
STEP_SLICE_SECONDS = 0.1  # a long step trains this long, then lets other sessions work
PLAY_FRAME_SECONDS = 1.0  # a play frame trains at most this long (others wait meanwhile)
THUMBNAIL_SECONDS = 0.25  # a large net's thumbnails while playing: at most 4 per second
IDLE_WAIT_SECONDS = 1.0
RELEASE_AFTER_IDLE_SECONDS = 1.0  # a dropped session's memory goes back after this idle
log = logging.getLogger(__name__)
WorkerMessage: TypeAlias = tuple[Any, ...]  # a message between the main process and a worker
# A queued unit of work: (origin "call" or "socket", call id or sock, method or kind,
# its arguments or detail, a long step's progress or None).
Job: TypeAlias = tuple[str, Any, Any, Any, dict[str, Any] | None]


class Seat:
    """A session in its worker: its queued work and its sockets."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.pending: collections.deque[Job] = collections.deque()  # calls, socket commands
        self.sockets: dict[int, bool] = {}  # sock -> True for binary frames
        self.in_flight = 0
        self.next_frame = 0.0  # monotonic time of the next play frame
        self.next_thumbnails = 0.0

    def wants_frame(self, now: float) -> bool:
        return bool(self.session.playing and self.sockets
                    and self.in_flight < FRAMES_IN_FLIGHT and now >= self.next_frame)


class Worker:
    """Sessions and their scheduler; ``receive(timeout)`` gives the next message or None,
    ``send(message)`` answers the main process."""

    def __init__(self, receive: Callable[[float], WorkerMessage | None],
                 send: Callable[[WorkerMessage], object], work_seconds: float) -> None:
        self.receive, self.send, self.work_seconds = receive, send, work_seconds
        self.seats: dict[str, Seat] = {}
        self.turns: collections.deque[str] = collections.deque()  # session ids, round robin
        self.cancelled: set[int] = set()  # call ids whose clients went away
        self.stopping = False
        self.release_due = False  # a session was dropped: give its memory back when idle

    def run(self) -> None:
        self.send(("ready",))
        while not self.stopping:
            wait = self._wait()
            if self.release_due:  # once a second with no message and no work has passed
                wait = min(wait, RELEASE_AFTER_IDLE_SECONDS)
            message = self.receive(wait)
            if message is None and self.release_due and wait == RELEASE_AFTER_IDLE_SECONDS:
                self.release_due = False
                release_memory()  # a full collection, ~10-100 ms: only while nothing waits
                continue
            if message is not None and message[0] == "stop":
                return
            if message is not None:
                self.take_safely(message)
            self.poll()
            if not self.stopping:
                self.work_once()

    def _wait(self) -> float:
        """Seconds to wait for a message: none while there is work."""
        now = time.monotonic()
        waits = [IDLE_WAIT_SECONDS]
        for seat in self.seats.values():
            if seat.pending:
                return 0
            if seat.session.playing and seat.sockets and seat.in_flight < FRAMES_IN_FLIGHT:
                waits.append(max(0.0, seat.next_frame - now))
        return min(waits)

    # -- messages --------------------------------------------------------------------------
    def take(self, message: WorkerMessage) -> None:
        """Act on one message: queue work, or change a flag (cheap: also mid-epoch)."""
        kind, *rest = message
        if kind == "cancel":
            self.cancelled.add(rest[0])
            return
        if kind == "call":
            call_id, sid, method, args = rest
            if method == "create":
                self._create(call_id, sid, args[0])
            elif sid not in self.seats:
                self.send(("reply", call_id, False, ("InvalidInputError",
                                                     f"no session {sid!r}")))
            else:
                self.seats[sid].pending.append(("call", call_id, method, args, None))
            return
        seat = self.seats.get(rest[0])
        if seat is not None:
            getattr(self, f"_on_{kind}")(seat, *rest[1:])

    def poll(self) -> None:
        """Take the messages that have come in meanwhile (called after every epoch, so
        that a pause, a closed socket or a cancelled request stops training at once)."""
        while (message := self.receive(0)) is not None:
            if message[0] == "stop":
                self.stopping = True
                return
            self.take_safely(message)

    def take_safely(self, message: WorkerMessage) -> None:
        try:
            self.take(message)
        except Exception:  # a bug: keep the worker and its other sessions
            log.exception("playground worker: message %r failed", message[:3])
            if message[0] == "call":
                self.send(("reply", message[1], False, ("bug", (
                    f"the server failed to answer {message[3]!r} (a bug; its log has the "
                    "details). Reload the page."))))

    def _create(self, call_id: int, sid: str, config: PlaygroundConfig | None) -> None:
        try:
            session = Session(config)
        except MlplabError as exc:
            self.send(("reply", call_id, False, (type(exc).__name__, str(exc))))
            return
        session.id, session.work_seconds = sid, self.work_seconds
        self.seats[sid] = Seat(session)
        self.turns.append(sid)
        self.send(("reply", call_id, True, frames.json_text(snapshot(session))))

    def _on_command(self, seat: Seat, sock: int, kind: str, detail: object) -> None:
        seat.pending.append(("socket", sock, kind, detail, None))

    def _on_attach(self, seat: Seat, sock: int, binary: bool) -> None:
        seat.sockets[sock] = binary

    def _on_detach(self, seat: Seat, sock: int) -> None:
        seat.sockets.pop(sock, None)
        seat.pending = collections.deque(item for item in seat.pending
                                         if item[0] != "socket" or item[1] != sock)
        if not seat.sockets:
            seat.session.playing = False
            seat.in_flight = 0

    def _on_play(self, seat: Seat, sock: int, on: bool) -> None:
        session = seat.session
        if on and not session.diverged:
            session.playing, session.stopped = True, None
            return
        session.playing = False  # pause, or play a diverged session: the frame says why
        seat.pending.append(("socket", sock, "paused", None, None))

    def _on_sent(self, seat: Seat) -> None:
        seat.in_flight = max(0, seat.in_flight - 1)

    # -- work ------------------------------------------------------------------------------
    def work_once(self) -> None:
        """One unit of work for the next session that has some (round robin)."""
        now = time.monotonic()
        for _ in range(len(self.turns)):
            sid = self.turns[0]
            self.turns.rotate(-1)
            seat = self.seats.get(sid)
            if seat is None:
                continue
            if seat.pending:
                self._do(seat, seat.pending.popleft())
                return
            if seat.wants_frame(now):
                self._play_frame(seat, now)
                return

    def _do(self, seat: Seat, item: Job) -> None:
        origin, key, kind, detail, job = item
        try:
            if origin == "call":
                self._call(seat, key, kind, detail, job)
            else:
                self._socket_command(seat, key, kind, detail, job)
        except MlplabError as exc:
            self._fail(origin, key, kind, type(exc).__name__, str(exc))
        except Exception:  # a bug: say so, keep the worker, log the traceback
            log.exception("playground worker: %s failed", kind)
            self._fail(origin, key, kind, "bug", f"the server failed to answer {kind!r} (a "
                                                 "bug; its log has the details). Reset or "
                                                 "reload the page.")

    def _fail(self, origin: str, key: Any, kind: str | None, name: str, text: str) -> None:
        if origin == "call":
            self.send(("reply", key, False, (name, text)))
        else:  # a pause's frame was not asked for: it ends no command
            self.send(("out", key, {"json": frames.json_text(
                {"type": "error", "message": text})}, kind != "paused", None))

    def _call(self, seat: Seat, call_id: int, method: str, args: tuple[Any, ...],
              job: dict[str, Any] | None) -> None:
        session = seat.session
        if method == "step":
            self._step_slice(seat, ("call", call_id), args[0], job)
            return
        if method == "drop":
            self.seats.pop(session.id, None)
            self.turns.remove(session.id)
            for origin, key, *_ in seat.pending:  # none come after a drop; but be sure
                self._fail(origin, key, None, "InvalidInputError",
                           f"session {session.id!r} was closed; reload the page.")
            del seat, session
            self.release_due = True  # not now: a full collection would hold up the others
            result: Any = None
        elif method == "export":
            result = EXPORTS[args[0]](session)
        else:
            result = CALLS[method](session, *args)
            result = None if result is None else frames.json_text(result)
        self.send(("reply", call_id, True, result))

    def _step_slice(self, seat: Seat, origin: tuple[str, Any], epochs: int | None,
                    job: dict[str, Any] | None) -> None:
        """Train a slice of a step's epochs (a request's, or a socket's: one frame's);
        queue the rest first in line, or answer with the frame."""
        session, (kind, key) = seat.session, origin
        if job is None:
            session.playing = False
            epochs = session.config.epochs_per_frame if epochs is None else epochs
            job = {"asked": epochs, "ran": 0, "deadline": time.monotonic() + self.work_seconds}
        slice_end = min(job["deadline"], time.monotonic() + STEP_SLICE_SECONDS)

        def stop() -> bool:
            self.poll()
            return time.monotonic() > slice_end or self._gone(seat, origin)

        before = session.epoch  # thumbnails only for the frame that answers, below
        frame = session.advance(job["asked"] - job["ran"], stop=stop, raw=True,
                                thumbnails=False)
        job["ran"] += session.epoch - before
        over = time.monotonic() > job["deadline"]
        if job["ran"] < job["asked"] and not (over or self._gone(seat, origin)
                                              or session.diverged or session.stopped):
            seat.pending.appendleft((kind, key, "step", (epochs,) if kind == "call" else None,
                                     job))
            return
        self.cancelled.discard(key)
        frame["neurons"] = session.neurons()
        if over and job["ran"] < job["asked"] and not session.diverged:
            frame["interrupted"] = (
                f"trained {job['ran']:,} of {job['asked']:,} epochs: one request trains for "
                f"at most {self.work_seconds:g} s; send another step to go on.")
        if kind == "call":
            self.send(("reply", key, True, frames.json_text(frame)))
        elif key in seat.sockets:
            self._out(seat, key, frame, done=True)

    def _gone(self, seat: Seat, origin: tuple[str, Any]) -> bool:
        kind, key = origin
        return key in self.cancelled if kind == "call" else key not in seat.sockets

    def _socket_command(self, seat: Seat, sock: int, kind: str, detail: Any,
                        job: dict[str, Any] | None) -> None:
        session = seat.session
        if kind == "step":
            self._step_slice(seat, ("socket", sock), None, job)
            return
        if kind in ("hello", "reset"):
            if kind == "reset":
                session.reset()
            self._out(seat, sock, session.describe_data())
        elif kind == "hidden":
            session.set_hidden_layer(detail)
        elif kind == "visible":
            session.set_visible(detail)
        self._out(seat, sock, session.frame(raw=True), done=kind != "paused")

    def _play_frame(self, seat: Seat, now: float) -> None:
        session = seat.session
        seat.next_frame = now + 1 / MAX_FPS
        fresh = not large(session) or now >= seat.next_thumbnails
        if fresh:
            seat.next_thumbnails = now + THUMBNAIL_SECONDS
        frame_end = now + min(self.work_seconds, PLAY_FRAME_SECONDS)

        def stop() -> bool:
            self.poll()
            return time.monotonic() > frame_end or not session.playing

        frame = session.advance(stop=stop, raw=True, thumbnails=fresh)
        session.last_seen = time.monotonic()
        if not seat.sockets:  # all closed meanwhile
            return
        seat.in_flight += 1
        self._out(seat, None, frame, play=True)

    def _out(self, seat: Seat, sock: int | None, message: dict[str, Any], done: bool = False,
             play: bool = False) -> None:
        """Send ``message`` (a raw frame, or a JSON-able dict) to one socket or (None) to
        every socket of the session, in the forms they read."""
        payload: dict[str, str | bytes] = {}
        if message.get("type") != "frame":
            payload["json"] = frames.json_text(message)
        else:
            formats = set(seat.sockets.values()) if sock is None else {seat.sockets.get(sock)}
            if True in formats:
                payload["binary"] = frames.to_binary(message)
            if formats - {True}:
                payload["json"] = frames.json_text(message)
        self.send(("out", sock, payload, done, seat.session.id if play else None))


def release_memory() -> None:
    """Collect a dropped session now and hand freed heap pages back to the system.

    glibc keeps freed memory in per-thread arenas; ``malloc_trim`` returns it, so a
    long-running server's footprint follows its open sessions.
    """
    import gc

    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, looked up once (``find_library`` runs ldconfig: ~100 ms,
    which every dropped session paid before), or None where the C library has none."""
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc: nothing to trim
        return None


def large(session: Session) -> bool:
    """A net whose thumbnails come at a lower rate than its output while it plays."""
    from mlplab.web.pictures import SMALL_NET_UNITS

    return sum(layer.units for layer in session.config.layers) > SMALL_NET_UNITS


def snapshot(session: Session) -> dict[str, Any]:
    """What a page gets on opening a session: its config, its data and its frame."""
    return {"config": session.config.model_dump(), "data": session.describe_data(),
            "frame": session.frame()}


def _configure(session: Session, config: PlaygroundConfig) -> dict[str, Any]:
    rebuilt = session.configure(config)
    return {"rebuilt": rebuilt, **snapshot(session)}


def _reset(session: Session) -> dict[str, Any]:
    session.reset()
    return snapshot(session)


# What the main process may call on a session (Pool.call), and the exports.
CALLS: dict[str, Callable[..., dict[str, Any] | None]] = {
    "snapshot": snapshot,
    "configure": _configure,
    "upload": lambda session, X, y, task: session.set_upload(X, y, task),
    "reset": _reset,
    "set_weight": lambda session, *edit: session.set_weight(*edit),
}
EXPORTS: dict[str, Callable[[Session], bytes | str]] = {
    "model": export.model_bytes, "script": export.script, "gif": export.gif_bytes,
    "csv": export.points_csv}


def error_from(name: str, text: str) -> Exception:
    """The exception a worker's ``(name, text)`` stands for, raised in the main process."""
    import mlplab.errors as errors

    kind = getattr(errors, name, None)
    if isinstance(kind, type) and issubclass(kind, MlplabError):
        return kind(text)
    return RuntimeError(text) if name == "bug" else InvalidInputError(text)
