"""A loopback HTTP server, in a thread, that records each request and answers from a
script: the far end of the fake cloud's webhooks, without any framework in the way."""

from __future__ import annotations

import contextlib
import http.server
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a client hanging up is expected
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Received:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.target).query, keep_blank_values=True)

    def form(self) -> list[tuple[str, str]]:
        return parse_qsl(self.body.decode(), keep_blank_values=True)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    hold: threading.Event | None = None  # wait for this (bounded) before answering


class Recorder:
    """`with Recorder() as target:` ... `target.url`, `target.requests`. Answers 200 "ok"
    unless `answer(...)` queued something else for the next requests."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.arrived = threading.Condition()
        self._script: deque[Answer] = deque()
        self._default = Answer()
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = recorder._record(Received(self.command, self.path, headers, body))
                if answer.hold is not None:
                    answer.hold.wait(10)
                with contextlib.suppress(OSError):  # the client gave up waiting: fine
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False  # idle keep-alive connections must not hold us
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(
        self,
        status: int = 200,
        body: bytes | str = b"ok",
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        hold: threading.Event | None = None,
    ) -> None:
        raw = body.encode() if isinstance(body, str) else body
        for _ in range(times):
            self._script.append(Answer(status, raw, dict(headers or {}), hold))

    def always(self, status: int = 200, body: bytes | str = b"ok") -> None:
        self._default = Answer(status, body.encode() if isinstance(body, str) else body)

    def wait_for(self, n: int, timeout: float = 5.0) -> None:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.requests) >= n, timeout):
                raise TimeoutError(f"{len(self.requests)} requests arrived, not {n}")

    def _record(self, received: Received) -> Answer:
        with self.arrived:
            self.requests.append(received)
            self.arrived.notify_all()
            return self._script.popleft() if self._script else self._default

    def __enter__(self) -> Recorder:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
