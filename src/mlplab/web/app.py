"""The playground's web server: a FastAPI app over :class:`~mlplab.web.session.Session`.

HTTP (JSON unless said otherwise)::

    GET    /                               the page (all assets served from /static)
    GET    /api/options                    names, limits and defaults the page offers
    GET    /api/health                     {"status": "ok", "sessions": n}
    POST   /api/sessions                   body: a config (optional)
                                           -> {"id", "config", "data", "frame"}
    GET    /api/sessions/{id}              -> {"config", "data", "frame"}
    PUT    /api/sessions/{id}/config       body: a config -> {"rebuilt", "data", "frame"}
    POST   /api/sessions/{id}/upload       body: CSV rows x1,x2,label (Content-Type: text/csv)
                                           -> {"points", "classes", "task"}
    POST   /api/sessions/{id}/step         ?epochs=N (1..10000, at most 10 s) -> frame
    POST   /api/sessions/{id}/reset        -> {"data", "frame"}
    PUT    /api/sessions/{id}/weight       body: {"layer", "source", "target", "value"} -> frame
    GET    /api/sessions/{id}/export/model the network file (.npz)
    GET    /api/sessions/{id}/export/script a Python script
    GET    /api/sessions/{id}/export/gif   the training so far as a GIF
    GET    /api/sessions/{id}/export/csv   the points as CSV (x1,x2,label; upload takes it)
    DELETE /api/sessions/{id}

Websocket ``/ws/{id}`` (``?frames=binary`` for binary frames): see
:mod:`mlplab.web.player`.

Sessions live in workers (:mod:`mlplab.web.pool`, :mod:`mlplab.web.workers`): processes
with ``workers=N``, one thread of this process with ``workers=0``. Past ``max_sessions``
open sessions a new one gets HTTP 503 with a message saying so.

A JSON body must come with ``Content-Type: application/json`` (else HTTP 415).
Requests for another host name (400) and changes from another site's page (403)
are refused before any route: see :mod:`mlplab.web.guard`. A frame whose network
diverged says so in ``diverged`` (HTTP 200); one cut short by the time limit, in
``interrupted``; training stops when the client goes away.

Every rejected request gets a 4xx with ``{"detail": "<field>: <problem>"}``
(422 for a setting that cannot work).
"""

import asyncio
import contextlib
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from mlplab._typing import FloatArray, NDArray
from mlplab.errors import MlplabError
from mlplab.web.build import check_plane
from mlplab.web.config import (
    MAX_EPOCHS_PER_REQUEST,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_ROWS,
    MAX_WORK_SECONDS,
    PlaygroundConfig,
    options,
    readable,
)
from mlplab.web.guard import RequestGuard, checked_origins, origin_text, served_hosts
from mlplab.web.player import MAX_SOCKETS_PER_SESSION, serve_socket
from mlplab.web.pool import Pool
from mlplab.web.workers import MAX_FPS

STATIC = Path(__file__).parent / "static"
DEFAULT_MAX_SESSIONS = 60  # a class of 30 with a tab or two each
__all__ = ["DEFAULT_MAX_SESSIONS", "MAX_FPS", "MAX_SOCKETS_PER_SESSION", "create_app"]


class JSONText(Response):
    """An answer whose JSON the worker has already written (a frame of a 10x64 net took
    ~60 ms to encode here, in the event loop that feeds every page's socket)."""

    # Starlette's Response declares media_type = None (its JSONResponse does this too).
    media_type = "application/json"  # type: ignore[assignment]


class WeightEdit(BaseModel):
    """One weight set by hand on the page (``source`` -1 is the bias)."""

    model_config = ConfigDict(extra="forbid")
    layer: int = Field(ge=0)
    source: int = Field(ge=-1)
    target: int = Field(ge=0)
    value: float = Field(ge=-100.0, le=100.0)


def create_app(idle_seconds: float = 600.0, max_sessions: int = DEFAULT_MAX_SESSIONS,
               sweep_every: float | None = None, host: str = "127.0.0.1",
               allowed_hosts: Iterable[str] = (), allowed_origins: Iterable[str] = (),
               work_seconds: float = MAX_WORK_SECONDS, workers: int = 0) -> FastAPI:
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
    host : str
        The address the server binds: requests must name it, or a loopback name, in
        their ``Host`` header (others get 400). For ``0.0.0.0`` or ``::``, this machine's
        name and addresses. (``TestClient`` calls itself ``testserver``: allow that.)
    allowed_hosts : sequence of str
        More host names to answer to, e.g. ``["lab-pc.school.example"]``.
    allowed_origins : sequence of str
        Pages of other origins (``"http://host:port"``) allowed to change sessions and
        open websockets; by default only the playground's own page may (others get 403).
    work_seconds : float
        One request, or one frame while playing, trains at most this long.
    workers : int
        Worker processes that hold the sessions (each pinned to one), e.g. the number
        of cores; 0 keeps them in one thread of this process.

    Returns
    -------
    fastapi.FastAPI
    """
    hosts, origins = served_hosts(host, allowed_hosts), checked_origins(allowed_origins)
    store = Pool(workers, idle_seconds, max_sessions, work_seconds)
    sweep_every = min(30.0, idle_seconds / 2) if sweep_every is None else sweep_every

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async def sweeper():
            while True:
                await asyncio.sleep(sweep_every)
                store.sweep()

        store.start()
        await store.wait_ready()  # the first page gets its frames at once
        task = asyncio.create_task(sweeper())
        yield
        task.cancel()
        store.stop()

    app = FastAPI(title="mlplab playground", lifespan=lifespan)
    app.state.store, app.state.hosts, app.state.origins = store, hosts, origins
    if origins:  # pages allowed deliberately may also read the answers (CORS)
        app.add_middleware(CORSMiddleware, allow_origins=sorted(map(origin_text, origins)),
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Content-Type"])
    app.add_middleware(RequestGuard, hosts=hosts, origins=origins)  # outermost: first
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


def declared_body(*media_types: str, example: str) -> Any:
    """A dependency: a request body must declare one of ``media_types``.

    A page on another site can send only ``text/plain``, form or empty bodies
    without asking the server first (a CORS preflight, which this server grants
    only to origins allowed deliberately), so a JSON or CSV type is one more thing
    such a page cannot forge.
    """

    def check(request: Request) -> None:
        declared = request.headers.get("content-type")
        media = (declared or "").split(";")[0].strip().lower()
        has_body = request.headers.get("content-length", "0") not in ("", "0") or (
            "transfer-encoding" in request.headers)
        if media in media_types or (declared is None and not has_body):
            return
        got = f"Content-Type {declared!r}" if declared else "a body without a Content-Type"
        raise HTTPException(415, f"{request.method} {request.url.path} takes "
                                 f"{' or '.join(media_types)}; got {got}. Send the header "
                                 f"'Content-Type: {media_types[0]}', e.g. {example}.")

    return Depends(check)


JSON_BODY = declared_body("application/json", example="curl -H 'Content-Type: "
                          "application/json' -d '{\"dataset\": \"moons\"}' URL")
CSV_BODY = declared_body("text/csv", example="curl -H 'Content-Type: text/csv' "
                         "--data-binary @points.csv URL")


def _page_routes(app: FastAPI, store: Pool) -> None:
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


def _session_routes(app: FastAPI, store: Pool) -> None:
    """Create, read, reconfigure, feed, train and delete sessions."""

    @app.post("/api/sessions", status_code=201, dependencies=[JSON_BODY])
    async def create_session(config: PlaygroundConfig | None = None):
        return JSONText(await store.create(config), status_code=201)

    @app.get("/api/sessions/{session_id}")
    async def get_session(session_id: str):
        return JSONText(await store.call(session_id, "snapshot"))

    @app.put("/api/sessions/{session_id}/config", dependencies=[JSON_BODY])
    async def put_config(session_id: str, config: PlaygroundConfig):
        return JSONText(await store.call(session_id, "configure", config))

    @app.post("/api/sessions/{session_id}/upload", dependencies=[CSV_BODY])
    async def upload(session_id: str, request: Request):
        store.get(session_id)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
            raise too_large(int(declared))
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_UPLOAD_BYTES:
                raise too_large(len(body))
        X, y, task = await asyncio.to_thread(parse_csv, bytes(body))
        await store.call(session_id, "upload", X, y, task)
        classes = sorted({str(label) for label in y}) if task == "classification" else []
        return {"points": len(X), "task": task, "classes": classes}

    @app.post("/api/sessions/{session_id}/step", dependencies=[JSON_BODY])
    async def step(session_id: str, request: Request, epochs: int = 1):
        if not 1 <= epochs <= MAX_EPOCHS_PER_REQUEST:
            raise HTTPException(422, f"epochs: must be between 1 and {MAX_EPOCHS_PER_REQUEST} "
                                     f"(got {epochs}); send several steps for more.")
        return JSONText(await store.call(session_id, "step", epochs,
                                         disconnected=request.is_disconnected))

    @app.post("/api/sessions/{session_id}/reset", dependencies=[JSON_BODY])
    async def reset(session_id: str):
        return JSONText(await store.call(session_id, "reset"))

    @app.put("/api/sessions/{session_id}/weight", dependencies=[JSON_BODY])
    async def put_weight(session_id: str, edit: WeightEdit):
        return JSONText(await store.call(session_id, "set_weight", edit.layer, edit.source,
                                         edit.target, edit.value))

    @app.delete("/api/sessions/{session_id}", status_code=204, dependencies=[JSON_BODY])
    def delete_session(session_id: str):
        store.get(session_id)
        store.drop(session_id)


def _export_routes(app: FastAPI, store: Pool) -> None:
    """What a page can take home: the model, a script, a GIF, the points."""

    @app.get("/api/sessions/{session_id}/export/model")
    async def export_model(session_id: str):
        return Response(await store.call(session_id, "export", "model"),
                        media_type="application/octet-stream",
                        headers={"Content-Disposition":
                                 'attachment; filename="playground_model.npz"'})

    @app.get("/api/sessions/{session_id}/export/script")
    async def export_script(session_id: str):
        return PlainTextResponse(await store.call(session_id, "export", "script"),
                                 media_type="text/x-python",
                                 headers={"Content-Disposition":
                                          'attachment; filename="playground_run.py"'})

    @app.get("/api/sessions/{session_id}/export/csv")
    async def export_csv(session_id: str):
        return PlainTextResponse(await store.call(session_id, "export", "csv"),
                                 media_type="text/csv",
                                 headers={"Content-Disposition":
                                          'attachment; filename="playground_points.csv"'})

    @app.get("/api/sessions/{session_id}/export/gif")
    async def export_gif(session_id: str):
        return Response(await store.call(session_id, "export", "gif"), media_type="image/gif",
                        headers={"Content-Disposition":
                                 'attachment; filename="playground_training.gif"'})


def _socket_route(app: FastAPI, store: Pool) -> None:
    """The websocket that plays a session and streams its frames."""

    @app.websocket("/ws/{session_id}")
    async def socket(websocket: WebSocket, session_id: str):
        binary = websocket.query_params.get("frames") == "binary"
        await serve_socket(websocket, store, session_id, binary)


def too_large(size: int) -> HTTPException:
    return HTTPException(422, f"upload: the file has {size:,} bytes; the playground takes CSV "
                              f"files up to {MAX_UPLOAD_BYTES:,} bytes "
                              f"({MAX_UPLOAD_ROWS:,} rows).")


def parse_csv(body: bytes) -> tuple[FloatArray, NDArray[Any], str]:
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
    check_plane(X, y if task == "regression" else None)
    return X, y, task
