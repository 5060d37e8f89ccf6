"""What a request must be before the playground serves it: for this server, from its page.

The playground has no accounts: whoever can reach its port can use it. What it
must not do is obey a *web page on another site* that the user happens to have
open, which can make the browser send requests to ``localhost``. One ASGI
middleware, :class:`RequestGuard`, stands in front of every route and the
websocket:

- **Host** (DNS rebinding): the ``Host`` header must be a name the server was
  started for (:func:`served_hosts`); others get HTTP 400. Starlette's
  ``TrustedHostMiddleware`` decides; the refusal says which names are served
  and how to add one.
- **Origin** (cross-site request forgery, cross-site websocket hijacking): a
  websocket handshake, and a request that changes something (any method but
  GET, HEAD and OPTIONS), that carries an ``Origin`` must come from the
  playground's own page (the request's own scheme, host and port) or from an
  origin allowed deliberately; others get HTTP 403. A request *without*
  ``Origin`` is served: browsers send one on every websocket handshake and on
  every cross-site POST, PUT and DELETE, so its absence means a program (curl,
  httpx, a test), which could send any ``Origin`` it liked anyway.
- **Size**: a body that streams in past :data:`MAX_REQUEST_BYTES` gets HTTP 413.

Every answer also carries headers that keep the page to itself: a
Content-Security-Policy that runs only the page's own script, ``nosniff``, and
no framing by other sites (but those allowed deliberately).
"""

import socket
from collections.abc import Iterable, Mapping
from typing import TypeAlias
from urllib.parse import urlsplit

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mlplab.errors import InvalidInputError
from mlplab.web.config import MAX_UPLOAD_BYTES

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")  # bind every interface
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 65_536  # the largest upload and its headers' worth
DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_CHECKED = "mlplab.host_checked"  # scope key: the Host check let this request through

OriginKey: TypeAlias = tuple[str, str, int]  # (scheme, host, port)


# -- which hosts and origins -------------------------------------------------------------
def served_hosts(host: str = "127.0.0.1", allowed_hosts: Iterable[str] = ()) -> list[str]:
    """The ``Host`` names a playground bound to ``host`` answers to.

    Always the loopback names; then ``host`` itself, or, for a wildcard bind
    (``0.0.0.0``, ``::``), this machine's name and addresses; then ``allowed_hosts``.
    """
    names = list(LOOPBACK_HOSTS)
    names += machine_names() if host in WILDCARD_HOSTS else [_bracketed(host)]
    names += [_checked_host(name) for name in allowed_hosts]
    return list(dict.fromkeys(name.lower() for name in names))


def machine_names() -> list[str]:
    """This machine's host name (and ``name.local``) and the addresses other machines
    reach it by, found without waiting on DNS: what a class types into the address bar."""
    name = socket.gethostname()
    names, addresses = [name, f"{name}.local"], set[str]()
    try:
        addresses |= {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
    except OSError:
        pass
    # Connecting a UDP socket sends nothing; it only asks which address would be used.
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as udp:
                udp.connect((probe, 9))
                addresses.add(udp.getsockname()[0])
        except OSError:
            pass
    addresses = {address.split("%")[0] for address in addresses}  # no IPv6 zone ids
    return names + sorted(_bracketed(address) for address in addresses)


def _bracketed(host: str) -> str:
    """An address as it appears in a ``Host`` header: IPv6 in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _checked_host(name: object) -> str:
    text = str(name).strip()
    host = urlsplit(f"//{text}").hostname if text and "/" not in text else None
    if not host or text.startswith("*") or urlsplit(f"//{text}").port is not None:
        raise InvalidInputError(
            f"allowed_hosts: {name!r} is not a host name; give a bare name or address such "
            "as lab-pc.local or 192.168.1.20 (no scheme, port or wildcard).")
    return _bracketed(host)


def origin_key(origin: object) -> OriginKey | None:
    """``(scheme, host, port)`` of an ``Origin`` like ``http://localhost:8765``, or None
    if it is not one (``null``, a path, another scheme)."""
    try:
        parts = urlsplit(str(origin).strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment or parts.username or parts.password:
        return None
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def checked_origins(origins: Iterable[str]) -> set[OriginKey]:
    """The ``allowed_origins`` of :func:`~mlplab.web.create_app`, as origin keys."""
    keys = set()
    for origin in origins:
        key = origin_key(origin)
        if key is None or str(origin).strip() == "*":
            raise InvalidInputError(
                f"allowed_origins: {origin!r} is not an origin; give scheme://host[:port] of "
                "the page to allow, e.g. http://192.168.1.20:8000 (no path, no wildcard).")
        keys.add(key)
    return keys


def origin_text(key: OriginKey) -> str:
    """``http://host:port`` of an origin key, as a browser writes it (no default port)."""
    scheme, host, port = key
    shown = f"{scheme}://{_bracketed(host)}"
    return shown if port == DEFAULT_PORTS[scheme] else f"{shown}:{port}"


def own_origin(scope: Scope, headers: Mapping[str, str]) -> OriginKey | None:
    """``(scheme, host, port)`` of the request itself: its page's origin."""
    scheme = str(scope.get("scheme", ""))
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    scheme = scheme if scheme in DEFAULT_PORTS else "http"
    return origin_key(f"{scheme}://{headers.get('host', '')}")


# -- the middleware ------------------------------------------------------------------------
class RequestGuard:
    """ASGI middleware: the Host, Origin and size checks of the module docstring.

    Parameters
    ----------
    app : ASGI app
    hosts : list of str
        ``Host`` names served (see :func:`served_hosts`).
    origins : set of tuple
        Other pages' origins allowed deliberately (see :func:`checked_origins`).
    """

    def __init__(self, app: ASGIApp, hosts: Iterable[str],
                 origins: Iterable[OriginKey] = ()) -> None:
        self.app, self.hosts, self.origins = app, list(hosts), set(origins)
        self.trusted = TrustedHostMiddleware(self._host_passed, allowed_hosts=self.hosts,
                                             www_redirect=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        async def send_or_explain(message: Message) -> None:
            if scope.get(_HOST_CHECKED):
                await send(message)
            elif message["type"].endswith("http.response.start"):  # TrustedHost's refusal:
                await refuse(scope, receive, send, 400, self.host_refusal(scope))  # in our words

        await self.trusted(scope, receive, send_or_explain)

    async def _host_passed(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[_HOST_CHECKED] = True
        headers = _headers(scope)
        origin = headers.get("origin")
        changes = scope["type"] == "websocket" or scope.get("method") not in SAFE_METHODS
        if changes and origin is not None:
            key = origin_key(origin)
            if key is None or (key != own_origin(scope, headers) and key not in self.origins):
                await refuse(scope, receive, send, 403, origin_refusal(origin, scope, headers))
                return
        if scope["type"] == "http":
            receive = _limited(receive)
            send = _with_page_headers(send, page_headers(headers.get("host", ""), self.origins))
        await self.app(scope, receive, send)

    def host_refusal(self, scope: Scope) -> str:
        host = _headers(scope).get("host")
        got = f"Host {host!r} is not" if host else "A request without a Host header is not"
        return (f"{got} a name this playground was started for (it answers to "
                f"{', '.join(self.hosts)}); other names are refused so that a web page cannot "
                "reach it through a DNS name of its own (DNS rebinding). To serve it under "
                "another name, start it with `mlplab playground --host NAME` or "
                "`--allow-host NAME` (Python: create_app(allowed_hosts=[NAME])).")


def origin_refusal(origin: str, scope: Scope, headers: Mapping[str, str]) -> str:
    own = own_origin(scope, headers)
    page = f"{own[0]}://{headers.get('host', '')}" if own else "its own page"
    return (f"Origin {origin!r} may not use this playground: only its own page ({page}) "
            "may change sessions or open their websocket, so that another web site open in "
            "the same browser cannot. To allow a page deliberately, start the playground with "
            f"`mlplab playground --allow-origin {origin}` (Python: "
            f"create_app(allowed_origins=[{origin!r}])).")


async def refuse(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
    """Answer ``{"detail": ...}`` with ``status``; a websocket handshake is refused the same
    way where the server can (else it is closed with code 1008, policy violation)."""
    if scope["type"] == "websocket" and "websocket.http.response" not in scope.get(
            "extensions", {}):
        await send({"type": "websocket.close", "code": 1008,
                    "reason": detail.encode()[:120].decode(errors="ignore")})
        return
    await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)


def _headers(scope: Scope) -> Headers:
    return Headers(scope=scope)


def _limited(receive: Receive) -> Receive:
    """``receive`` that refuses a body past MAX_REQUEST_BYTES (chunked ones too)."""
    received = 0

    async def receive_limited() -> Message:
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        if received > MAX_REQUEST_BYTES:
            raise HTTPException(413, f"the request body has more than {MAX_REQUEST_BYTES:,} "
                                     "bytes, more than any request to the playground needs "
                                     f"(CSV uploads take up to {MAX_UPLOAD_BYTES:,} bytes).")
        return message

    return receive_limited


def page_headers(host: str, origins: Iterable[OriginKey] = ()) -> list[tuple[bytes, bytes]]:
    """Headers on every answer: only the page's own script runs; only the page itself and
    the ``origins`` allowed deliberately may frame it."""
    ancestors = " ".join(["'self'", *sorted(origin_text(key) for key in origins)])
    policy = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              f"connect-src 'self' ws://{host} wss://{host}; object-src 'none'; "
              f"base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}")
    headers = [(b"content-security-policy", policy.encode("latin-1")),
               (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
    if not origins:  # for browsers without frame-ancestors (it cannot name other origins)
        headers.append((b"x-frame-options", b"SAMEORIGIN"))
    return headers


def _with_page_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return send_with_headers
