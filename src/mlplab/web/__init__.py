"""The playground: a local web page to build, train and watch a network live.

>>> from mlplab.web import create_app   # doctest: +SKIP
>>> app = create_app()                   # an ASGI app for uvicorn

Needs the ``web`` extra: ``pip install "mlplab[web]"``. Start it with
``mlplab playground`` or :func:`serve`.
"""

from collections.abc import Callable, Iterable

from mlplab.web.app import create_app

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(host: str = "127.0.0.1", port: int = 8765, idle_seconds: float = 600.0,
          log_level: str = "warning", echo: Callable[[str], object] = print,
          allowed_hosts: Iterable[str] = (), allowed_origins: Iterable[str] = (),
          max_sessions: int = 60, workers: int | None = None) -> None:
    """Run the playground with uvicorn until interrupted.

    Parameters
    ----------
    host : str
        Address to bind. The default, loopback, keeps the page on this machine;
        any other address lets other machines train on this one, and is announced.
    port : int
        TCP port.
    idle_seconds : float
        A session with no open page for this long is dropped.
    log_level : str
        uvicorn's log level.
    echo : callable
        Where the address (and the warning) are printed.
    allowed_hosts : sequence of str
        More host names to answer to (see :func:`create_app`).
    allowed_origins : sequence of str
        Other pages allowed to use the playground, as ``http://host:port``.
    max_sessions : int
        Sessions open at once; one more gets HTTP 503 with a message.
    workers : int, optional
        Worker processes that train the sessions (default: one per core; 0: in this
        process).
    """
    import os

    import uvicorn

    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)

    app = create_app(idle_seconds=idle_seconds, host=host, allowed_hosts=allowed_hosts,
                     allowed_origins=allowed_origins, max_sessions=max_sessions,
                     workers=workers)
    if host not in LOOPBACK:
        echo(f"Warning: serving on {host}, not on loopback: every machine that can reach "
             f"this one on port {port} can use the playground, with no password (sessions, "
             "uploads and exports included). Use --host 127.0.0.1 to keep it local.")
        addresses = [name for name in app.state.hosts if name not in ("localhost", "127.0.0.1",
                                                                      "[::1]")]
        echo("It answers to: " + ", ".join(f"http://{name}:{port}/" for name in addresses)
             + " (add a name with --allow-host).")
    shown = f"[{host}]" if ":" in host else host
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else shown
    echo(f"mlplab playground: open http://{shown}:{port}/ in a browser (Ctrl+C stops it).")
    # No per-message deflate: on loopback or a class's network, compressing every frame
    # would cost more of the two cores than it saves.
    uvicorn.run(app, host=host, port=port, log_level=log_level, ws_per_message_deflate=False)


__all__ = ["create_app", "serve"]
