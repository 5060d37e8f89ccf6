"""The playground's web server: a FastAPI app over :class:`~mlplab.web.session.Session`.

HTTP (JSON unless said otherwise)::

    GET    /                               the page (all assets served from /static)
    GET    /api/options                    names, limits and defaults the page offers
    GET    /api/health                     {"status": "ok", "sessions": n}
    POST   /api/sessions                   body: a config (optional)
                                           -> {"id", "config", "data", "frame"}
    GET    /api/sessions/{id}              -> {"config", "data", "frame"}
    PUT    /api/sessions/{id}/config       body: a config -> {"rebuilt", "data", "frame"}
    POST   /api/sessions/{id}/upload       body: CSV rows x1,x2,label
                                           -> {"points", "classes", "task"}
    POST   /api/sessions/{id}/step         ?epochs=N -> frame
    POST   /api/sessions/{id}/reset        -> {"data", "frame"}
    PUT    /api/sessions/{id}/weight       body: {"layer", "source", "target", "value"} -> frame
    GET    /api/sessions/{id}/export/model the network file (.npz)
    GET    /api/sessions/{id}/export/script a Python script
    GET    /api/sessions/{id}/export/gif   the training so far as a GIF
    DELETE /api/sessions/{id}

Websocket ``/ws/{id}``: the page sends ``{"type": "play" | "pause" | "step" |
"reset" | "frame"}``; the server answers with ``{"type": "frame", ...}``,
``{"type": "data", ...}`` and, for a message it cannot take,
``{"type": "error", "message": ...}`` (the socket stays open). While playing,
frames stream at up to ``MAX_FPS`` per second.

Every rejected request gets HTTP 422 with ``{"detail": "<field>: <problem>"}``.
"""

import asyncio
import contextlib
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from fastapi import FastAPI, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from mlplab.errors import MlplabError
from mlplab.web import export
from mlplab.web.config import (
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_ROWS,
    PlaygroundConfig,
    options,
    readable,
)
from mlplab.web.session import Session

STATIC = Path(__file__).parent / "static"
MAX_FPS = 30
MESSAGES = ("play", "pause", "step", "reset", "frame")


class WeightEdit(BaseModel):
    """One weight set by hand on the page (``source`` -1 is the bias)."""

    model_config = ConfigDict(extra="forbid")
    layer: int = Field(ge=0)
    source: int = Field(ge=-1)
    target: int = Field(ge=0)
    value: float = Field(ge=-100.0, le=100.0)


class SessionStore:
    """The open sessions; those idle (no socket, no request) for too long are dropped."""

    def __init__(self, idle_seconds=600.0, max_sessions=200):
        self.sessions: dict[str, Session] = {}
        self.idle_seconds = idle_seconds
        self.max_sessions = max_sessions

    def create(self, config):
        self.sweep()
        if len(self.sessions) >= self.max_sessions:
            raise HTTPException(503, f"the playground has {len(self.sessions)} open sessions, "
                                     "its limit; close a tab or try again later.")
        session = Session(config)
        self.sessions[session.id] = session
        return session

    def get(self, session_id):
        session = self.sessions.get(session_id)
        if session is None:
            raise HTTPException(404, f"no session {session_id!r}: it may have been idle for "
                                     "too long; reload the page.")
        session.last_seen = time.monotonic()
        return session

    def sweep(self, now=None):
        """Drop idle sessions; return how many were dropped."""
        now = time.monotonic() if now is None else now
        idle = [key for key, session in self.sessions.items()
                if session.connections == 0 and now - session.last_seen > self.idle_seconds]
        for key in idle:
            del self.sessions[key]
        if idle:
            release_memory()
        return len(idle)


def release_memory():
    """Collect the dropped sessions now and hand freed heap pages back to the system.

    glibc keeps freed memory in per-thread arenas; ``malloc_trim`` returns it, so a
    long-running server's footprint follows its open sessions.
    """
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    name = ctypes.util.find_library("c")
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError, TypeError):  # not glibc: nothing to trim
        pass


def create_app(idle_seconds=600.0, max_sessions=200, sweep_every=None) -> FastAPI:
    """The playground as an ASGI app (run it with uvicorn, or :func:`mlplab.web.serve`).

    Parameters
    ----------
    idle_seconds : float
        A session with no open websocket and no request for this long is dropped.
    max_sessions : int
        Sessions open at once; one more gets HTTP 503 with a message.
    sweep_every : float, optional
        Seconds between sweeps for idle sessions (default: half of ``idle_seconds``,
        at most 30).

    Returns
    -------
    fastapi.FastAPI
    """
    store = SessionStore(idle_seconds, max_sessions)
    sweep_every = min(30.0, idle_seconds / 2) if sweep_every is None else sweep_every

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async def sweeper():
            while True:
                await asyncio.sleep(sweep_every)
                store.sweep()

        task = asyncio.create_task(sweeper())
        yield
        task.cancel()

    app = FastAPI(title="mlplab playground", lifespan=lifespan)
    app.state.store = store
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc):
        return JSONResponse({"detail": readable(exc.errors())}, status_code=422)

    @app.exception_handler(MlplabError)
    async def _mlplab_error(request, exc):
        return JSONResponse({"detail": str(exc)}, status_code=422)

    for add_routes in (_page_routes, _session_routes, _export_routes, _socket_route):
        add_routes(app, store)
    return app


def _page_routes(app, store):
    """The page, what it may ask for, and whether the server is up."""

    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(STATIC / "index.html")

    @app.get("/api/options")
    def get_options():
        return options()

    @app.get("/api/health")
    def health():
        return {"status": "ok", "sessions": len(store.sessions)}


def _session_routes(app, store):
    """Create, read, reconfigure, feed, train and delete sessions."""

    @app.post("/api/sessions", status_code=201)
    def create_session(config: PlaygroundConfig | None = None):
        session = store.create(config)
        return {"id": session.id, **snapshot(session)}

    @app.get("/api/sessions/{session_id}")
    def get_session(session_id: str):
        return snapshot(store.get(session_id))

    @app.put("/api/sessions/{session_id}/config")
    def put_config(session_id: str, config: PlaygroundConfig):
        session = store.get(session_id)
        rebuilt = session.configure(config)
        return {"rebuilt": rebuilt, **snapshot(session)}

    @app.post("/api/sessions/{session_id}/upload")
    async def upload(session_id: str, request: Request):
        session = store.get(session_id)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
            raise too_large(int(declared))
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_UPLOAD_BYTES:
                raise too_large(len(body))
        X, y, task = parse_csv(bytes(body))
        session.set_upload(X, y, task)
        classes = sorted({str(label) for label in y}) if task == "classification" else []
        return {"points": len(X), "task": task, "classes": classes}

    @app.post("/api/sessions/{session_id}/step")
    def step(session_id: str, epochs: int = 1):
        if not 1 <= epochs <= 10_000:
            raise HTTPException(422, f"epochs: must be between 1 and 10000 (got {epochs})")
        return store.get(session_id).advance(epochs)

    @app.post("/api/sessions/{session_id}/reset")
    def reset(session_id: str):
        session = store.get(session_id)
        session.reset()
        return snapshot(session)

    @app.put("/api/sessions/{session_id}/weight")
    def put_weight(session_id: str, edit: WeightEdit):
        return store.get(session_id).set_weight(edit.layer, edit.source, edit.target,
                                                 edit.value)

    @app.delete("/api/sessions/{session_id}", status_code=204)
    def delete_session(session_id: str):
        store.get(session_id)
        store.sessions.pop(session_id, None)


def _export_routes(app, store):
    """What a page can take home: the model, a script, a GIF."""

    @app.get("/api/sessions/{session_id}/export/model")
    def export_model(session_id: str):
        return Response(export.model_bytes(store.get(session_id)),
                        media_type="application/octet-stream",
                        headers={"Content-Disposition":
                                 'attachment; filename="playground_model.npz"'})

    @app.get("/api/sessions/{session_id}/export/script")
    def export_script(session_id: str):
        return PlainTextResponse(export.script(store.get(session_id)), media_type="text/x-python",
                                 headers={"Content-Disposition":
                                          'attachment; filename="playground_run.py"'})

    @app.get("/api/sessions/{session_id}/export/gif")
    def export_gif(session_id: str):
        return Response(export.gif_bytes(store.get(session_id)), media_type="image/gif",
                        headers={"Content-Disposition":
                                 'attachment; filename="playground_training.gif"'})



def _socket_route(app, store):
    """The websocket that plays a session and streams its frames."""

    @app.websocket("/ws/{session_id}")
    async def socket(websocket: WebSocket, session_id: str):
        await websocket.accept()
        session = store.sessions.get(session_id)
        if session is None:
            await websocket.send_json({"type": "error", "message":
                                       f"no session {session_id!r}; reload the page."})
            await websocket.close(code=4404)
            return
        await Player(websocket, session).run()


class Player:
    """One websocket: takes the page's commands and streams frames while playing."""

    def __init__(self, websocket, session):
        self.websocket, self.session = websocket, session
        self.send_lock = asyncio.Lock()
        self.wake = asyncio.Event()

    async def send(self, message):
        async with self.send_lock:
            await self.websocket.send_text(json.dumps(message, allow_nan=False,
                                                      default=_json_default))

    async def run(self):
        session = self.session
        session.connections += 1
        player = asyncio.create_task(self.play())
        try:
            await self.send(await asyncio.to_thread(session.describe_data))
            await self.send(await asyncio.to_thread(session.frame))
            while True:
                text = await self.websocket.receive_text()
                try:
                    kind = parse_message(text)
                    await self.handle(kind)
                except MlplabError as exc:
                    await self.send({"type": "error", "message": str(exc)})
        except WebSocketDisconnect:
            pass
        finally:
            player.cancel()
            session.playing = False
            session.connections -= 1
            session.last_seen = time.monotonic()

    async def handle(self, kind):
        session = self.session
        session.last_seen = time.monotonic()
        if kind == "play":
            session.playing, session.stopped = True, None
            self.wake.set()
        elif kind == "pause":
            session.playing = False
            await self.send(await asyncio.to_thread(session.frame))
        elif kind == "step":
            session.playing = False
            await self.send(await asyncio.to_thread(session.advance))
        elif kind == "reset":
            await asyncio.to_thread(session.reset)
            await self.send(await asyncio.to_thread(session.describe_data))
            await self.send(await asyncio.to_thread(session.frame))
        elif kind == "frame":
            await self.send(await asyncio.to_thread(session.frame))

    async def play(self):
        session = self.session
        while True:
            await self.wake.wait()
            self.wake.clear()
            while session.playing:
                started = time.monotonic()
                frame = await asyncio.to_thread(self._advance_if_playing)
                if frame is not None:
                    await self.send(frame)
                session.last_seen = time.monotonic()
                await asyncio.sleep(max(0.0, 1 / MAX_FPS - (time.monotonic() - started)))

    def _advance_if_playing(self):
        with self.session.lock:
            return self.session.advance() if self.session.playing else None


def snapshot(session):
    return {"config": session.config.model_dump(), "data": session.describe_data(),
            "frame": session.frame()}


def parse_message(text):
    """The command in a websocket message, or an MlplabError saying what is wrong."""
    from mlplab.errors import InvalidInputError

    try:
        message = json.loads(text)
    except json.JSONDecodeError:
        raise InvalidInputError(f"messages must be JSON objects like {{\"type\": \"play\"}}; "
                                f"got {text[:60]!r}.") from None
    if not isinstance(message, dict) or message.get("type") not in MESSAGES:
        got = message.get("type") if isinstance(message, dict) else message
        raise InvalidInputError(f"unknown message type {str(got)[:60]!r}; send one of "
                                f"{', '.join(MESSAGES)} as {{\"type\": ...}}.")
    return message["type"]


def too_large(size):
    return HTTPException(422, f"upload: the file has {size:,} bytes; the playground takes CSV "
                              f"files up to {MAX_UPLOAD_BYTES:,} bytes "
                              f"({MAX_UPLOAD_ROWS:,} rows).")


def parse_csv(body):
    """(X, y, task) from CSV bytes: two numeric feature columns, then the label."""
    from mlplab.data import load_csv
    from mlplab.errors import InvalidInputError

    if not body.strip():
        raise InvalidInputError("upload: the file is empty; send CSV rows 'x1,x2,label'.")
    with tempfile.NamedTemporaryFile(suffix=".csv") as file:
        file.write(body)
        file.flush()
        try:
            X, y = load_csv(file.name, header="infer")
        except InvalidInputError as exc:  # name the upload, not the temporary file
            raise type(exc)(str(exc).replace(repr(file.name), "upload:")) from None
    if X.shape[1] != 2:
        raise InvalidInputError(f"upload: the playground draws 2-D data; the file has "
                                f"{X.shape[1]} feature columns. Send 'x1,x2,label' rows.")
    if len(X) > MAX_UPLOAD_ROWS:
        raise InvalidInputError(f"upload: the file has {len(X):,} rows; the playground takes "
                                f"at most {MAX_UPLOAD_ROWS:,} points.")
    task = "regression" if y.dtype.kind == "f" else "classification"
    return X, y, task


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot send {type(value).__name__} as JSON")
