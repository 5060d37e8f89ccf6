"""The main process's side of the workers: where each session lives, and the way to it.

:class:`Pool` starts the workers (:mod:`mlplab.web.workers`): ``workers`` processes,
each with one BLAS thread, or with ``workers=0`` one worker thread in this process.
A new session goes to the worker with the fewest; every request for it (:meth:`Pool.call`)
and every message of its websockets go there, and what the worker answers comes back
through one reader thread per worker into the event loop, which sends it on.

Each websocket has one sender task and a queue, so its messages leave in order, and a
play frame is acknowledged to its worker once it is out on every socket of the session:
the worker computes the next one only then (a slow page slows only itself).
"""

import asyncio
import itertools
import json
import logging
import os
import queue
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, TypeAlias

from fastapi import HTTPException, WebSocket

from mlplab.web.config import PlaygroundConfig
from mlplab.web.workers import Worker, WorkerMessage, error_from

if TYPE_CHECKING:
    from mlplab.web.session import Session

DISCONNECT_POLL_SECONDS = 0.2  # how often a long request looks whether its client has gone
THREAD_LIMITS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                 "NUMBA_NUM_THREADS")
log = logging.getLogger(__name__)
Payload: TypeAlias = dict[str, Any]  # {"json": text, "binary": bytes}: either or both
Dispatch: TypeAlias = Callable[["WorkerLink", WorkerMessage], None]


class Placement:
    """A session as the main process knows it: its worker and its open sockets."""

    def __init__(self, link: "WorkerLink") -> None:
        self.link = link
        self.sockets: dict[int, SocketLink] = {}  # sock id -> SocketLink
        self.calls = 0  # requests waiting for their answers
        self.last_seen = time.monotonic()

    @property
    def connections(self) -> int:
        return len(self.sockets)


class Ticket:
    """A play frame on its way to ``count`` sockets; the worker hears once all have it."""

    def __init__(self, link: "WorkerLink", sid: str, count: int) -> None:
        self.link, self.sid, self.count = link, sid, count

    def release(self) -> None:
        self.count -= 1
        if self.count == 0:
            self.link.send(("sent", self.sid))


class SocketLink:
    """One websocket of a session: its format, its queue of messages, its open commands."""

    def __init__(self, sock: int, sid: str, websocket: WebSocket, binary: bool) -> None:
        self.sock, self.sid, self.websocket, self.binary = sock, sid, websocket, binary
        self.outbox: asyncio.Queue[tuple[Payload, bool, Ticket | None]] = asyncio.Queue()
        self.pending = 0  # commands sent to the worker and not yet answered
        self.task = asyncio.ensure_future(self._send_all())

    def put(self, payload: Payload, done: bool = False, ticket: Ticket | None = None) -> None:
        self.outbox.put_nowait((payload, done, ticket))

    async def _send_all(self) -> None:
        while True:
            payload, done, ticket = await self.outbox.get()
            self.pending -= done  # its answer is leaving: room for another command
            try:
                if self.binary and "binary" in payload:
                    await self.websocket.send_bytes(payload["binary"])
                else:
                    await self.websocket.send_text(payload["json"])
            except Exception:  # the socket has gone: its reader ends the session's link
                self.outbox.put_nowait((payload, False, ticket))
                return
            if ticket is not None:
                ticket.release()

    def close(self) -> None:
        self.task.cancel()
        while not self.outbox.empty():
            _, _, ticket = self.outbox.get_nowait()
            if ticket is not None:
                ticket.release()


class WorkerLink:
    """One worker: a thread of this process, or a process and two pipe threads."""

    def __init__(self, index: int, work_seconds: float, in_process: bool) -> None:
        self.index, self.work_seconds, self.in_process = index, work_seconds, in_process
        self.sessions: set[str] = set()
        self.ready = False
        self.alive = True
        self.stopping = False
        self.worker: Worker | None = None  # the Worker itself, in-process only
        self.send: Callable[[WorkerMessage], None]  # to the worker: set by start

    def start(self, dispatch: Dispatch) -> None:
        if self.in_process:
            inbox: queue.Queue[WorkerMessage] = queue.Queue()
            self.send = inbox.put
            self.worker = Worker(lambda timeout: _get(inbox, timeout),
                                 lambda message: dispatch(self, message), self.work_seconds)
            threading.Thread(target=self.worker.run, name="mlplab-worker", daemon=True).start()
            return
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        mine, theirs = context.Pipe()
        saved = {name: os.environ.get(name) for name in THREAD_LIMITS}
        os.environ.update({name: "1" for name in THREAD_LIMITS})  # one core each
        try:
            self.process = context.Process(target=worker_main, args=(theirs, self.work_seconds),
                                           name=f"mlplab-worker-{self.index}", daemon=True)
            self.process.start()
        finally:
            for name, value in saved.items():
                os.environ.pop(name, None) if value is None else os.environ.update({name: value})
        theirs.close()
        outgoing: queue.SimpleQueue[WorkerMessage] = queue.SimpleQueue()
        self.send = outgoing.put
        threading.Thread(target=_write, args=(mine, outgoing), daemon=True).start()
        threading.Thread(target=_read, args=(mine, lambda m: dispatch(self, m)),
                         daemon=True).start()

    def stop(self) -> None:
        self.stopping = True
        self.send(("stop",))
        if not self.in_process:
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.terminate()


def _get(inbox: "queue.Queue[WorkerMessage]", timeout: float) -> WorkerMessage | None:
    try:
        return inbox.get(timeout=timeout) if timeout else inbox.get_nowait()
    except queue.Empty:
        return None


def _write(connection: Connection, outgoing: "queue.SimpleQueue[WorkerMessage]") -> None:
    while True:
        message = outgoing.get()
        try:
            connection.send(message)
        except (OSError, ValueError):
            return
        if message[0] == "stop":
            return


def _read(connection: Connection, deliver: Callable[[WorkerMessage], None]) -> None:
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            deliver(("dead",))
            return
        deliver(message)


def worker_main(connection: Connection, work_seconds: float) -> None:
    """A worker process: warm up (numba's cache), then serve the main process."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the main process, which
    try:  # stops its workers
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass
    from mlplab.web.session import Session

    Session().advance()  # loads the compiled kernels before the first page needs them

    def receive(timeout: float) -> WorkerMessage | None:
        return connection.recv() if connection.poll(timeout) else None

    try:
        Worker(receive, connection.send, work_seconds).run()
    except (EOFError, OSError, BrokenPipeError):  # the main process has gone
        pass


class Pool:
    """The workers and the sessions on them (``app.state.store``)."""

    def __init__(self, workers: int = 0, idle_seconds: float = 600.0, max_sessions: int = 60,
                 work_seconds: float = 10.0) -> None:
        count = max(1, workers)
        self.links = [WorkerLink(i, work_seconds, in_process=workers == 0) for i in range(count)]
        self.sessions: dict[str, Placement] = {}
        self.idle_seconds, self.max_sessions = idle_seconds, max_sessions
        # call id -> (its answer to come, the worker that gives it)
        self.futures: dict[int, tuple[asyncio.Future[Any], WorkerLink]] = {}
        self.ids = itertools.count(1)
        self.socket_ids = itertools.count(1)
        self.sockets: dict[int, SocketLink] = {}
        self.loop: asyncio.AbstractEventLoop | None = None  # set by start

    # -- lifetime --------------------------------------------------------------------------
    def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        for link in self.links:
            link.start(self._from_worker)

    async def wait_ready(self, seconds: float = 120.0) -> None:
        """Wait until every worker has warmed up (~2 s for a process), at most ``seconds``;
        a socket opened before then is told that the server is starting."""
        deadline = time.monotonic() + seconds
        while not all(link.ready or not link.alive for link in self.links):
            if time.monotonic() > deadline:
                log.warning("playground workers not ready after %.0f s; serving anyway", seconds)
                return
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        for link in self.links:
            link.stop()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self.loop is None:
            raise RuntimeError(
                "the playground's workers have not started: run the app with its lifespan "
                "(uvicorn does; in a test, `with TestClient(create_app()) as client:`).")
        return self.loop

    def _from_worker(self, link: WorkerLink, message: WorkerMessage) -> None:  # in a reader thread
        assert self.loop is not None  # start set it before it started the workers
        try:
            self.loop.call_soon_threadsafe(self._dispatch, link, message)
        except RuntimeError:  # the loop has closed: the server is stopping
            pass

    def _dispatch(self, link: WorkerLink, message: WorkerMessage) -> None:
        kind = message[0]
        if kind == "ready":
            link.ready = True
            for placement in self.sessions.values():
                if placement.link is link:
                    for socket in placement.sockets.values():
                        socket.put(status_payload(""))
        elif kind == "reply":
            future, _ = self.futures.pop(message[1], (None, None))
            if future is not None and not future.done():
                future.set_result(message[2:])
        elif kind == "out":
            self._deliver(link, *message[1:])
        elif kind == "dead":
            self._lost(link)

    def _deliver(self, link: WorkerLink, sock: int | None, payload: Payload, done: bool,
                 play_sid: str | None) -> None:
        if play_sid is None:
            socket = self.sockets.get(sock) if sock is not None else None
            if socket is not None:
                socket.put(payload, done)
            return
        placement = self.sessions.get(play_sid)
        targets = list(placement.sockets.values()) if placement else []
        if not targets:
            link.send(("sent", play_sid))
            return
        ticket = Ticket(link, play_sid, len(targets))
        for socket in targets:
            socket.put(payload, ticket=ticket)

    def _lost(self, link: WorkerLink) -> None:
        """A worker process ended (killed, out of memory): its sessions are gone."""
        link.alive = False
        if link.stopping:
            return
        log.error("playground worker %d stopped; its sessions are lost", link.index)
        lost = (False, ("bug", "the server's worker process stopped, and this session with "
                               "it; reload the page for a new one."))
        for sid, placement in [(sid, p) for sid, p in self.sessions.items() if p.link is link]:
            self._forget(sid)
            for socket in placement.sockets.values():
                socket.put({"json": json.dumps({"type": "error", "message": lost[1][1]})})
        for call_id, (future, owner) in list(self.futures.items()):
            if owner is link:
                self.futures.pop(call_id)
                future.set_result(lost)

    # -- sessions --------------------------------------------------------------------------
    async def create(self, config: PlaygroundConfig | None) -> str:
        """A new session on the least busy worker: its id and snapshot as JSON text."""
        self.sweep()
        if len(self.sessions) >= self.max_sessions:
            raise HTTPException(503, (
                f"the playground has {len(self.sessions)} open sessions, its limit "
                f"(--max-sessions {self.max_sessions}): close a tab or try again later, or "
                "ask whoever started it to start it with a larger --max-sessions."))
        alive = [link for link in self.links if link.alive]
        if not alive:
            raise HTTPException(503, "the playground's worker processes have stopped (see "
                                     "its log); restart `mlplab playground`.")
        link = min(alive, key=lambda link: (len(link.sessions), link.index))
        sid = secrets.token_urlsafe(12)
        self.sessions[sid] = Placement(link)
        link.sessions.add(sid)
        try:
            answer = await self.call(sid, "create", config)
            return f'{{"id": {json.dumps(sid)}, {answer[1:]}'  # {"id", "config", ...}
        except Exception:
            self._forget(sid)
            raise

    def get(self, sid: str) -> Placement:
        placement = self.sessions.get(sid)
        if placement is None:
            raise HTTPException(404, f"no session {sid!r}: it may have been idle for "
                                     "too long; reload the page.")
        placement.last_seen = time.monotonic()
        return placement

    async def call(self, sid: str, method: str, *args: Any,
                   disconnected: Callable[[], Awaitable[bool]] | None = None) -> Any:
        """``method`` of session ``sid`` in its worker (see :mod:`workers`): a dict comes
        back as JSON text. With ``disconnected`` (an async function), the worker is told
        to stop once it is true."""
        placement = self.get(sid)
        call_id = next(self.ids)
        future = self._running_loop().create_future()
        self.futures[call_id] = (future, placement.link)
        placement.calls += 1
        placement.link.send(("call", call_id, sid, method, args))
        try:
            while not future.done():
                await asyncio.wait([future], timeout=DISCONNECT_POLL_SECONDS
                                   if disconnected else None)
                if not future.done() and disconnected and await disconnected():
                    placement.link.send(("cancel", call_id))
                    disconnected = None
        finally:
            placement.calls -= 1
            placement.last_seen = time.monotonic()
        ok, value = future.result()
        if ok:
            return value
        if value[0] == "bug":  # the page shows the detail: what happened, what to do
            raise HTTPException(500, value[1])
        raise error_from(*value)

    def drop(self, sid: str) -> None:
        placement = self._forget(sid)
        if placement is not None:
            placement.link.send(("call", 0, sid, "drop", ()))

    def _forget(self, sid: str) -> Placement | None:
        placement = self.sessions.pop(sid, None)
        if placement is not None:
            placement.link.sessions.discard(sid)
        return placement

    def sweep(self, now: float | None = None) -> int:
        """Drop idle sessions (no socket, no request for idle_seconds); return how many."""
        now = time.monotonic() if now is None else now
        idle = [sid for sid, p in self.sessions.items() if not p.sockets and not p.calls
                and now - p.last_seen > self.idle_seconds]
        for sid in idle:
            self.drop(sid)
        return len(idle)

    def clear(self) -> None:
        for sid in list(self.sessions):
            self.drop(sid)

    def local_session(self, sid: str) -> "Session":
        """The Session itself, for tests of an in-process pool (workers=0)."""
        worker = self.sessions[sid].link.worker
        assert worker is not None, "local_session: only an in-process pool (workers=0)"
        return worker.seats[sid].session

    # -- sockets ---------------------------------------------------------------------------
    def open_socket(self, sid: str, websocket: WebSocket, binary: bool) -> SocketLink:
        placement = self.get(sid)
        link = SocketLink(next(self.socket_ids), sid, websocket, binary)
        self.sockets[link.sock] = link
        placement.sockets[link.sock] = link
        placement.link.send(("attach", sid, link.sock, binary))
        if not placement.link.ready:
            link.put(status_payload("The server is starting its workers (loading the "
                                    "compiled kernels): the first frame comes in a moment."))
        return link

    def command(self, link: SocketLink, kind: str, detail: object = None) -> None:
        placement = self._placement_of(link)
        if placement is not None:
            link.pending += 1
            placement.link.send(("command", link.sid, link.sock, kind, detail))

    def play(self, link: SocketLink, on: bool) -> None:
        placement = self._placement_of(link)
        if placement is not None:
            placement.link.send(("play", link.sid, link.sock, on))

    def _placement_of(self, link: SocketLink) -> Placement | None:
        """The session of a socket, or None (and a message) once it was deleted."""
        placement = self.sessions.get(link.sid)
        if placement is None:
            link.put({"json": json.dumps({"type": "error", "message": (
                f"session {link.sid!r} was closed; reload the page.")})})
        return placement

    def close_socket(self, link: SocketLink) -> None:
        link.close()
        self.sockets.pop(link.sock, None)
        placement = self.sessions.get(link.sid)
        if placement is not None:
            placement.sockets.pop(link.sock, None)
            placement.last_seen = time.monotonic()
            placement.link.send(("detach", link.sid, link.sock))


def status_payload(text: str) -> Payload:
    return {"json": json.dumps({"type": "status", "message": text})}
