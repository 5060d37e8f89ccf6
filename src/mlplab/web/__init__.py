"""The playground: a local web page to build, train and watch a network live.

>>> from mlplab.web import create_app   # doctest: +SKIP
>>> app = create_app()                   # an ASGI app for uvicorn

Needs the ``web`` extra: ``pip install "mlplab[web]"``. Start it with
``mlplab playground`` or :func:`serve`.
"""

from mlplab.web.app import create_app

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(host="127.0.0.1", port=8765, idle_seconds=600.0, log_level="warning", echo=print):
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
    """
    import uvicorn

    if host not in LOOPBACK:
        echo(f"Warning: serving on {host}, not on loopback: every machine that can reach "
             f"this one on port {port} can use the playground. Use --host 127.0.0.1 to keep "
             "it local.")
    shown = f"[{host}]" if ":" in host else host
    echo(f"mlplab playground: open http://{shown}:{port}/ in a browser (Ctrl+C stops it).")
    uvicorn.run(create_app(idle_seconds=idle_seconds), host=host, port=port,
                log_level=log_level)


__all__ = ["create_app", "serve"]
