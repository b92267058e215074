"""moto's server for the local cloud: every request into moto runs alone, under one lock.

moto's backends take no locks. Served concurrently (moto's own threaded server), a cancelled
``TransactWriteItems`` restores a snapshot taken before other clients' writes and erases them, and
concurrent copies of a table fail with 500s (tests/contract/localcloud shows both). `SerializedMoto`
wraps moto's WSGI application so that one request at a time reaches the backends; connections are
still accepted and parsed by many threads, and responses are written after the lock is released.

Long polls: an SQS ``ReceiveMessage`` with ``WaitTimeSeconds`` would hold the lock for up to 20 s,
freezing every other AWS call. It is run as a series of short polls, each under the lock, until a
message arrives or the wait is over (JSON protocol, which boto3 uses; a queue's own
``ReceiveMessageWaitTimeSeconds`` default is not applied: pass ``WaitTimeSeconds``).

Run: ``python -m scripts.localcloud.moto_server --port 5000``. ``--transactions moto`` keeps moto's
own whole-table transaction snapshot (for `scripts/bench_moto.py`); the default is the per-item one
of `moto_transactions`, which is only correct because of the lock here. `TransactWriteItems` honours its
``ClientRequestToken`` as DynamoDB does (`moto_idempotency`), whatever the options.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import ThreadedWSGIServer

from scripts.localcloud import (
    moto_dispatch,
    moto_expressions,
    moto_fast_json,
    moto_idempotency,
    moto_projection,
    moto_query,
    moto_sqs,
    moto_transactions,
)
from scripts.localcloud.environment import EVENT_PUMP_APP_ID, configure_logging

log = logging.getLogger("localcloud.moto")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
LONG_POLL_STEP_SECONDS = 0.05


EVENT_PUMP_AGENT = f"app/{EVENT_PUMP_APP_ID}"


class PumpFirstLock:
    """One request at a time in moto; one of the event pump's waits for at most the running call and one of the API's.

    On AWS the functions behind queues and streams (the surge line's consumer, the seat stream) call DynamoDB
    beside the API, never behind it. Through one plain lock a burst's REST threads kept the line's consumer
    waiting behind dozens of them at every call: 1,210 of 10,000 requests were decided while the burst was
    sent, the rest after it. Here the API's requests queue at a gate, and the one through it steps aside while a
    pump call waits: only a call that passed the gate before the pump arrived can still go first. No condition
    variable (a notify per request measured slower): the API's call at the gate polls while a pump call waits.
    """

    STEP_ASIDE_SECONDS = 0.0002

    def __init__(self) -> None:
        self._moto = threading.Lock()
        self._gate = threading.Lock()
        self._counting = threading.Lock()
        self._pumps_waiting = 0

    @contextmanager
    def held(self, *, pump: bool) -> Iterator[None]:
        if pump:
            with self._counting:
                self._pumps_waiting += 1
            self._moto.acquire()
            with self._counting:
                self._pumps_waiting -= 1
        else:
            with self._gate:
                while self._pumps_waiting:  # Python's locks are not fair: without this the API could barge again
                    time.sleep(self.STEP_ASIDE_SECONDS)
                self._moto.acquire()
        try:
            yield
        finally:
            self._moto.release()


class SerializedMoto:
    """A WSGI application that lets one request at a time into moto, the event pump's first (`PumpFirstLock`)."""

    def __init__(self, app: WsgiApp, lock: PumpFirstLock | None = None):
        self._app = app
        self._lock = lock or PumpFirstLock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET") == "AmazonSQS.ReceiveMessage":
            return self._receive(environ, start_response)
        status, headers, body = self._once(environ)
        start_response(status, headers)
        return [body]

    def _once(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        """Run one request to completion (body included) under the lock."""
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured[:] = [status, headers]
            return lambda _data: None

        with self._lock.held(pump=EVENT_PUMP_AGENT in environ.get("HTTP_USER_AGENT", "")):
            result = self._app(environ, capture)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        return captured[0], captured[1], body

    def _receive(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            request = json.loads(raw or b"{}")
            wait = float(request.get("WaitTimeSeconds") or 0)
        except (ValueError, TypeError, AttributeError):
            request, wait = None, 0.0
        if request is not None and request.get("WaitTimeSeconds") != 0:
            # also when absent: moto would wait for the queue's ReceiveMessageWaitTimeSeconds under the lock
            raw = json.dumps({**request, "WaitTimeSeconds": 0}).encode()
        deadline = time.monotonic() + wait
        while True:
            status, headers, body = self._once(_with_body(environ, raw))
            if not status.startswith("200") or time.monotonic() >= deadline or _has_messages(body):
                break
            time.sleep(LONG_POLL_STEP_SECONDS)
        start_response(status, headers)
        return [body]


def _with_body(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    return {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}


def _has_messages(body: bytes) -> bool:
    try:
        return bool(json.loads(body).get("Messages"))
    except (ValueError, AttributeError):
        return True  # not what a short poll answers: hand it to the client as it is


def freeze_survivors_of_full_collections() -> None:
    """After each full garbage collection, move what survived out of the collector's sight (``gc.freeze``).

    moto's data (items, messages) lives as long as the server; Python's full collections scan every live
    object, so each one cost more as holds piled up (a seat-map Query measured 2x slower after 3,000 holds,
    flat with the survivors frozen). moto's data holds no reference cycles to reclaim.
    """

    def freeze(phase: str, info: dict) -> None:
        if phase == "stop" and info.get("generation") == 2:
            gc.freeze()

    if freeze not in gc.callbacks:
        gc.callbacks.append(freeze)


class KeepAliveHandler(MotoRequestHandler):
    """moto's request handler with HTTP/1.1 keep-alive: werkzeug's development server closes every connection
    after one answer, so each AWS call here cost a new TCP connection on both sides and a new server thread
    (measured: 800 calls of one boto3 client left 794 connections in TIME-WAIT; the accept loop alone took a
    sixth of moto's CPU in the contention benchmark).

    werkzeug closes because http.server cannot drain a request body the application left unread. Here the
    body is read whole before the application runs (``Content-Length``; a chunked or length-less request keeps
    werkzeug's close), so the next request line is always where the stream is.
    """

    _keep_alive = False
    # An answer leaves in two writes (headers, then body). On a kept connection Nagle's algorithm holds the
    # body until the client acknowledges the headers, which it delays (~40 ms): measured 46.9 ms per GetItem
    # before this, against ~2 ms. socketserver sets TCP_NODELAY when asked.
    disable_nagle_algorithm = True

    def run_wsgi(self) -> None:
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") or not (length or "0").isdigit():
            return super().run_wsgi()  # werkzeug's way: the connection closes after the answer
        connection_stream, self.rfile = self.rfile, io.BytesIO(self.rfile.read(int(length or 0)))
        self._keep_alive = True
        try:
            # werkzeug reads the body from self.rfile, and afterwards drains "what is left" from it: the rest of
            # this request, never the next request line
            super().run_wsgi()
        finally:
            self.rfile, self._keep_alive = connection_stream, False

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """werkzeug formats a line per request (path, date, colours) even when its logger drops it."""
        if logging.getLogger("werkzeug").isEnabledFor(logging.INFO):
            super().log_request(code, size)

    def send_header(self, keyword: str, value: str) -> None:
        if self._keep_alive and keyword.lower() == "connection" and value.lower() == "close":
            return  # the request's body is read: the connection can carry the next request
        super().send_header(keyword, value)


class CachedDispatch:
    """moto's `DomainDispatcherApplication` with its choice of service application remembered.

    moto finds the application for every request again: it lists its service modules (a directory walk),
    tries URL patterns and parses the signature's credential scope, a twentieth of its CPU here. For a
    SigV4-signed request the choice depends only on the scope's region and service, the ``X-Amz-Target``
    prefix (DynamoDB and DynamoDB Streams sign alike) and the path's first segment; anything else goes to
    moto's own lookup.
    """

    def __init__(self, dispatcher: DomainDispatcherApplication):
        self._dispatcher = dispatcher
        self._apps: dict[tuple[str, ...], WsgiApp] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.application(environ)(environ, start_response)

    def application(self, environ: dict[str, Any]) -> WsgiApp:
        key = self.key(environ)
        app = self._apps.get(key) if key is not None else None
        if app is None:
            app = self._dispatcher.get_application(environ)
            if key is not None:
                self._apps[key] = app
        return app

    @staticmethod
    def key(environ: dict[str, Any]) -> tuple[str, ...] | None:
        auth = environ.get("HTTP_AUTHORIZATION") or ""
        path = environ.get("PATH_INFO") or ""
        if not auth.startswith("AWS4-HMAC-SHA256 ") or path.startswith(("/moto-api", "/latest/", "/favicon")):
            return None
        try:
            _, _, region, service, _ = auth.split(",")[0].split()[1].split("/")
        except ValueError:
            return None
        target = (environ.get("HTTP_X_AMZ_TARGET") or "").split(".")[0]
        return (region, service, target, path.split("/", 2)[1] if path.count("/") else path)


class _ThreadedServer(ThreadedWSGIServer):
    request_queue_size = 1024  # a burst of clients waits in the backlog instead of being refused
    daemon_threads = True


def moto_app() -> WsgiApp:
    return CachedDispatch(DomainDispatcherApplication(create_backend_app))


class MotoServer:
    """moto on host:port in a background thread, serialized; `port=0` picks a free port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, serialized: bool = True):
        app: WsgiApp = moto_app()
        self.app = SerializedMoto(app) if serialized else app
        self._server = _ThreadedServer(host, port, self.app, KeepAliveHandler)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def serve_forever(self) -> None:
        """In the calling thread, until SIGINT/SIGTERM (the supervisor stops its children with SIGTERM)."""
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=self._server.shutdown).start())
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._server.server_close()

    def start(self) -> MotoServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--transactions", choices=["per-item", "moto"], default="per-item")
    parser.add_argument(
        "--speedups",
        choices=["on", "off"],
        default="on",
        help=(
            "method names per class once, fast JSON answers, update expressions parsed once, direct projections,"
            " Query by partition, indexed SQS"
        ),
    )
    args = parser.parse_args(argv)
    configure_logging()
    try:
        moto_transactions.require_pinned_moto()
    except moto_transactions.UnsupportedMotoVersion as exc:
        raise SystemExit(str(exc)) from exc
    moto_idempotency.install()  # DynamoDB's ClientRequestToken, which moto ignores: behaviour, not a speed-up
    if args.transactions == "per-item":
        moto_transactions.install()
    if args.speedups == "on":
        moto_dispatch.install()
        moto_fast_json.install()
        moto_expressions.install()
        moto_projection.install()
        moto_query.install()
        moto_sqs.install()
    freeze_survivors_of_full_collections()
    server = MotoServer(args.host, args.port)
    log.info("moto serving on %s (serialized, %s transactions)", server.url, args.transactions)
    server.serve_forever()


if __name__ == "__main__":
    main()
