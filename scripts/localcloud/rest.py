"""The local REST front: the same Chalice app behind the API Gateway emulator, served by gunicorn.

``chalice local`` serves the app with Python's ``http.server`` (listen backlog 5): a burst of a few
hundred connections overflows it and clients wait for SYN retries or fail. Here the same routes and
authorizers (`ApiGatewayEmulator`) sit behind a small WSGI adapter served by gunicorn: 2 worker
processes x 16 threads (gthread) and a backlog of 2,048 (`scripts/bench_rest_front.py` measures both).
The app's ``current_request`` is made thread-local exactly as ``chalice local`` does.

API Gateway's request quotas (REST, regional) hold here too, answered in the API's error body: a URL over
10,240 characters is 414 ``uri_too_long``; a request line and header values over 10,240 bytes together
are 431 ``headers_too_large``; a body over 10 MB is 413 ``payload_too_large``. gunicorn's own parser
limits are set above those, and what it still refuses for size (a request line over 1 MB, one header
over `MAX_HEADER_FIELD_BYTES`) is answered in the same body instead of gunicorn's HTML page.

Run: ``python -m scripts.localcloud.rest --port 8000`` in the local stage's environment
(`scripts.localcloud.environment`); the supervisor does that.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from chalice import Chalice
from chalice.config import Config
from chalice.local import LocalChalice

from chalicelib.api.gateway_responses import MAX_PAYLOAD_BYTES, MAX_REQUEST_LINE_AND_HEADERS_BYTES, MAX_URL_CHARACTERS
from scripts.localcloud.environment import warm_up
from scripts.localcloud.gateway import ApiGatewayEmulator, gateway_response

log = logging.getLogger("localcloud.rest")

MAX_HEADER_FIELD_BYTES = 16 * 1024  # gunicorn's limit per header line: above API Gateway's total
MAX_HEADER_FIELDS = 2048  # gunicorn's limit on the number of headers (API Gateway's is the total size)
WORKERS, THREADS, BACKLOG = 2, 16, 2048


def thread_safe(app: Chalice) -> Chalice:
    """Chalice keeps the current request on the app object; serving threads each need their own."""
    if not isinstance(app, LocalChalice):
        app.__class__ = type("ThreadLocalChalice", (LocalChalice, type(app)), {})
    return app


class RestFront:
    """A WSGI application that hands each HTTP request to the API Gateway emulator and writes its answer."""

    def __init__(self, app: Chalice, config: Config | None = None):
        self._app = thread_safe(app)
        self._config = config or Config.create(chalice_app=self._app, app_name=app.app_name, lambda_timeout=60)
        self._local = threading.local()

    def _gateway(self) -> ApiGatewayEmulator:
        gateway = getattr(self._local, "gateway", None)
        if gateway is None:
            gateway = self._local.gateway = ApiGatewayEmulator(self._app, self._config)
        return gateway

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        refused = exceeded_request_limit(environ)
        if refused:
            return _respond(start_response, gateway_response(refused))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_PAYLOAD_BYTES:
            return _respond(start_response, gateway_response("REQUEST_TOO_LARGE"))
        chunked = environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
        body = environ["wsgi.input"].read(length if length else (MAX_PAYLOAD_BYTES + 1 if chunked else 0))
        if len(body) > MAX_PAYLOAD_BYTES:
            return _respond(start_response, gateway_response("REQUEST_TOO_LARGE"))
        try:
            response = self._gateway().handle_request(
                method=environ["REQUEST_METHOD"], path=_raw_path(environ), headers=_headers(environ), body=body or None
            )
        except Exception:  # the Lambda crashed outside the app's own error handling: API Gateway answers 502
            log.exception("request failed outside the app")
            response = gateway_response("DEFAULT_5XX")
        return _respond(start_response, response)


def exceeded_request_limit(environ: dict[str, Any]) -> str | None:
    """The API Gateway request quota this request breaks (`REQUEST_LIMITS`' type), or None."""
    target = _raw_path(environ)
    if len(target) > MAX_URL_CHARACTERS:
        return "URI_TOO_LONG"
    request_line = f"{environ['REQUEST_METHOD']} {target} {environ.get('SERVER_PROTOCOL', 'HTTP/1.1')}"
    header_values = (value for key, value in environ.items() if key.startswith("HTTP_") or key in _UNPREFIXED)
    if len(request_line.encode("latin-1")) + sum(len(value.encode("latin-1")) for value in header_values) > (
        MAX_REQUEST_LINE_AND_HEADERS_BYTES
    ):
        return "HEADERS_TOO_LARGE"
    return None


_UNPREFIXED = ("CONTENT_TYPE", "CONTENT_LENGTH")  # headers WSGI gives without the HTTP_ prefix


def _raw_path(environ: dict[str, Any]) -> str:
    raw = environ.get("RAW_URI")  # gunicorn: the request target as sent, query string included
    if raw:
        return raw
    path = quote(environ.get("PATH_INFO", "/").encode("latin-1"), safe="/%:@!$&'()*+,;=-._~")
    query = environ.get("QUERY_STRING")
    return f"{path}?{query}" if query else path


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers[name] = environ[key]
    return headers


def _respond(start_response: Callable[..., Any], response: dict[str, Any]) -> Iterable[bytes]:
    body = response.get("body")
    if body is None:
        payload = b""
    elif response.get("isBase64Encoded"):
        payload = base64.b64decode(body)
    else:
        payload = body if isinstance(body, bytes) else str(body).encode("utf-8")
    headers: list[tuple[str, str]] = []
    for name, value in (response.get("headers") or {}).items():
        headers.append((name, str(value)))
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(value)) for value in values)
    names = {name.lower() for name, _ in headers}
    if "content-type" not in names and payload:
        headers.append(("Content-Type", "application/json"))
    headers = [(n, v) for n, v in headers if n.lower() != "content-length"] + [("Content-Length", str(len(payload)))]
    status = response["statusCode"]
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    start_response(f"{status} {phrase}", headers)
    return [payload]


def _limit_answer(response_type: str) -> bytes:
    """A whole HTTP/1.1 response of `gateway_response`, for a request gunicorn refused before any WSGI call."""
    response = gateway_response(response_type)
    body = response["body"].encode()
    status = response["statusCode"]
    head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", "Connection: close"]
    head += [f"{name}: {value}" for name, value in response["headers"].items()]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def _gunicorn_worker() -> type:
    """gunicorn's threaded worker, answering its own size refusals (request line, headers) in the API's error body."""
    from gunicorn import util
    from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
    from gunicorn.workers.gthread import ThreadWorker

    class ApiGatewayLimitsWorker(ThreadWorker):
        def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
            if isinstance(exc, LimitRequestLine | LimitRequestHeaders):
                refused = "URI_TOO_LONG" if isinstance(exc, LimitRequestLine) else "HEADERS_TOO_LARGE"
                self.log.warning("refused a request: %s", exc)
                with contextlib.suppress(OSError):  # the client has gone
                    util.write_nonblock(client, _limit_answer(refused))
                return
            super().handle_error(req, client, addr, exc)

    return ApiGatewayLimitsWorker


def application() -> RestFront:
    from app import app

    return RestFront(app)


def serve(host: str, port: int, *, workers: int = WORKERS, threads: int = THREADS) -> None:
    """gunicorn in this process (its master), preloading the app once before forking the workers."""
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):
        def load_config(self) -> None:
            settings = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": _gunicorn_worker(),
                "limit_request_line": 0,  # no limit of gunicorn's below 1 MB: MAX_URL_CHARACTERS decides
                "limit_request_field_size": MAX_HEADER_FIELD_BYTES,
                "limit_request_fields": MAX_HEADER_FIELDS,
                "backlog": BACKLOG,
                "preload_app": True,
                "keepalive": 5,
                "timeout": 120,
                "graceful_timeout": 5,
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
                "proc_name": "cinema-local-rest",
                "post_fork": lambda _server, _worker: warm_up(),  # each worker builds its own
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> RestFront:
            return application()

    _Gunicorn().run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The local REST front (gunicorn)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--threads", type=int, default=THREADS)
    args = parser.parse_args(argv)
    serve(args.host, args.port, workers=args.workers, threads=args.threads)


if __name__ == "__main__":
    main()
