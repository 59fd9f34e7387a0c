"""The event-loop server (uvicorn) for the live stream: every open `/api/v1/stream` is held by
one loop (services/live/fanout.py), not by a thread, so a city's 10,000 phones and walls do not
take the threads ordinary requests need.

A stream's opening (who asks, what they may see, what they missed) is the Flask view's, run in
a thread like any request: one policy, one scope rule and one replay for every server. The view
hands the live part to the loop through the environ (`api.stream.HOLD`). Under `flask serve`,
nginx sends streams here and everything else to gunicorn; run alone (the tests, `flask serve
--no-proxy`) this serves the rest too, through a2wsgi's thread pool.

Measured against nginx + nchan before choosing (bench/stream_shapes/README.md): both held
10,000 streams at ~13.5 kB each, but nchan resumes only from its own ids (not our numbered
events), loses its buffer on a reload, and asks the app to authorise every (re)connect through
gunicorn; here the hub, the scope rule, replay and revocation stay as they are.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
from typing import Any, Awaitable, Callable

import uvicorn
from a2wsgi import WSGIMiddleware
from a2wsgi.wsgi import Body, build_environ
from flask import Flask
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .api import stream as stream_api
from .services.live.fanout import Fanout

log = logging.getLogger(__name__)

ABORT = "gridmap.abort"          # scope["extensions"]: drop this connection now
STREAM_PATH = "/api/v1/stream"
GRACE_SECONDS = 5.0              # what a stop waits for streams to write their last chunk
CENSUS_SECONDS = 60.0            # how often the number of open streams is logged (when it changed)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


class Application:
    def __init__(self, flask_app: Flask, wsgi_threads: int = 32):
        self.flask = flask_app
        self.hub = stream_api.hub(flask_app)
        self._rest = WSGIMiddleware(flask_app, workers=wsgi_threads)
        self._fanouts: dict[asyncio.AbstractEventLoop, Fanout] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http" and scope["path"] == STREAM_PATH and scope["method"] == "GET":
            await self._stream(scope, receive, send)
        else:
            await self._rest(scope, receive, send)

    def fanout(self) -> Fanout:
        loop = asyncio.get_running_loop()
        if loop not in self._fanouts:
            self._fanouts[loop] = Fanout(self.hub, loop)
        return self._fanouts[loop]

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.fanout()
                self.hub.listen(wait=False)      # listening before the first stream asks
                sender = self.flask.extensions.get("gridmap.notify")
                if sender is not None:
                    sender.start()               # messages to reporters (services/notify)
                census = asyncio.get_running_loop().create_task(self._census())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                census.cancel()
                fanout = self._fanouts.pop(asyncio.get_running_loop(), None)
                if fanout is not None:
                    fanout.close()
                if sender is not None:           # the message being sent is finished and marked
                    await asyncio.to_thread(sender.stop, GRACE_SECONDS)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _census(self) -> None:
        """How many streams are open, in the log: what an operator of the servers watches."""
        said = None
        while True:
            await asyncio.sleep(CENSUS_SECONDS)
            count = self.fanout().count
            if count != said:
                log.info("%d live stream(s) open", count)
                said = count

    async def _stream(self, scope: Scope, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        handed: dict = {}
        environ = build_environ(scope, Body(loop, receive))
        environ[stream_api.HOLD] = lambda subscription, heartbeat: handed.update(
            subscription=subscription, heartbeat=heartbeat)
        status, headers, body = await asyncio.to_thread(_answer, self.flask, environ)
        subscription = handed.get("subscription")
        try:
            if subscription is not None:
                headers = [(k, v) for k, v in headers if k != b"content-length"]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": subscription is not None})
            if subscription is None:
                return

            async def write(data: bytes, more: bool) -> None:
                await send({"type": "http.response.body", "body": data, "more_body": more})

            await self.fanout().hold(subscription, write, handed["heartbeat"],
                                     abort=scope.get("extensions", {}).get(ABORT),
                                     gone=lambda: _disconnected(receive))
        finally:
            if subscription is not None:
                self.hub.unsubscribe(subscription)


def _answer(app: Flask, environ: dict) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The Flask app's whole answer to one request (a stream's opening is finite)."""
    started: dict = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
        started["status"] = int(status.split(" ", 1)[0])
        started["headers"] = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]

    iterable = app(environ, start_response)
    try:
        body = b"".join(iterable)
    finally:
        if hasattr(iterable, "close"):
            iterable.close()
    return started["status"], started["headers"], body


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class _Protocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, letting a stream drop its own connection: a slow reader's
    write waits on flow control, which no ASGI message can cut short."""

    def on_headers_complete(self) -> None:
        self.scope.setdefault("extensions", {})[ABORT] = self.transport.abort
        super().on_headers_complete()


class Server(uvicorn.Server):
    """uvicorn, ending the open streams first when told to stop: they never end by themselves,
    so uvicorn would wait out its whole graceful timeout; ended, browsers reconnect at once (to
    the next server) and replay what they missed by Last-Event-ID."""

    def __init__(self, config: uvicorn.Config):
        super().__init__(config)
        self.application: Application = config.app

    def run(self, sockets=None) -> None:
        # each request's thread runs in a copy of the loop's context: a Flask app context the
        # caller had pushed (a CLI command's) would be every request's, one database session
        # shared by them all
        contextvars.Context().run(super().run, sockets)

    async def shutdown(self, sockets=None) -> None:
        for server in getattr(self, "servers", []):
            server.close()                    # no stream opens after the others are ended
        self.application.hub.end_streams()
        await super().shutdown(sockets)


def config(flask_app: Flask, **options) -> uvicorn.Config:
    """uvicorn's settings for `flask_app`: `options` are uvicorn.Config's (uds or host/port…)."""
    options.setdefault("timeout_graceful_shutdown", GRACE_SECONDS)
    options.setdefault("backlog", 8192)       # a wall of reconnects after a restart
    return uvicorn.Config(Application(flask_app), http=_Protocol, lifespan="on", **options)
