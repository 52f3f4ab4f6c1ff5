"""A small OpenAI-compatible HTTP server for tests: /v1/chat/completions (plain and SSE streaming) and
/v1/embeddings, with scripted faults. Runs on a loopback port in a thread."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], str]


@dataclass
class Fault:
    """One scripted failure: kind ∈ status | sleep | malformed | malformed_stream | cut_stream | empty | close.

    `status` replies with that HTTP status (and `Retry-After` when given; `echo_auth` puts the request's
    Authorization header into the error message, as some servers do); `sleep` delays the reply by `seconds`;
    `malformed` is a 200 whose body is not JSON; `malformed_stream` an event stream whose second event is
    not JSON; `cut_stream` closes the connection halfway through the streamed reply; `empty` streams a
    completion with no content; `close` drops the connection without replying."""

    kind: str
    status: int = 500
    retry_after: str | None = None
    seconds: float = 0.0
    echo_auth: bool = False


@dataclass
class ServerState:
    responder: Responder = lambda body: "测试回复。"
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    fault_for: Callable[[dict[str, Any]], Fault | None] | None = None  # a fault chosen per request body
    delay: float = 0.0  # seconds before every chat reply (a slow model)
    chunked: bool = False  # stream with Transfer-Encoding: chunked (a cut stream is then a protocol error)

    def next_fault(self, body: dict[str, Any] | None = None) -> Fault | None:
        with self.lock:
            if self.faults:
                return self.faults.pop(0)
        return self.fault_for(body) if self.fault_for is not None and body is not None else None


def _handler(state: ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            return

        def _json(self, status: int, payload: Any, extra: dict[str, str] | None = None) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 - http.server API
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            with state.lock:
                state.requests.append(body)
                state.headers.append({k.lower(): v for k, v in self.headers.items()})
            fault = state.next_fault(body)
            if fault and self._apply(fault):
                return
            if self.path.endswith("/embeddings"):
                self._embeddings(body)
            elif self.path.endswith("/chat/completions"):
                self._chat(body, fault)
            else:
                self._json(404, {"error": {"message": "not found"}})

        def _apply(self, fault: Fault) -> bool:
            if fault.kind == "status":
                extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                message = f"scripted {fault.status}"
                if fault.echo_auth:
                    message += f" (credentials sent: {self.headers.get('Authorization', '')})"
                self._json(fault.status, {"error": {"message": message, "type": "test"}}, extra)
                return True
            if fault.kind == "sleep":
                time.sleep(fault.seconds)
                return False
            if fault.kind == "close":
                self.close_connection = True
                self.connection.close()
                return True
            if fault.kind == "malformed":
                data = b"{not json"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return True
            return False

        def _embeddings(self, body: dict[str, Any]) -> None:
            inputs = body.get("input") or []
            inputs = [inputs] if isinstance(inputs, str) else inputs
            data = [
                {"object": "embedding", "index": i, "embedding": _toy_embedding(text)}
                for i, text in enumerate(inputs)
            ]
            self._json(
                200,
                {
                    "object": "list",
                    "data": data,
                    "model": body.get("model", "test"),
                    "usage": {"prompt_tokens": 1, "total_tokens": 1},
                },
            )

        def _write(self, data: bytes) -> None:
            if state.chunked:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            else:
                self.wfile.write(data)

        def _chat(self, body: dict[str, Any], fault: Fault | None) -> None:
            if state.delay:
                time.sleep(state.delay)
            text = "" if fault is not None and fault.kind == "empty" else state.responder(body)
            model = body.get("model", "test-model")
            if not body.get("stream"):
                self._json(
                    200,
                    {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": text},
                            }
                        ],
                        "usage": _usage(body, text),
                    },
                )
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            if state.chunked:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            pieces = [text[i : i + 8] for i in range(0, len(text), 8)]
            cut = fault is not None and fault.kind == "cut_stream"
            for index, piece in enumerate(pieces):
                if cut and index >= max(1, len(pieces) // 2):
                    self.close_connection = True
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                if fault is not None and fault.kind == "malformed_stream" and index == 1:
                    self._write(b"data: {not json\n\n")
                    continue
                delta = {"role": "assistant", "content": piece} if index == 0 else {"content": piece}
                chunk = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                }
                self._write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()
            final = {
                "id": "chatcmpl-test",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            }
            self._write(f"data: {json.dumps(final)}\n\n".encode())
            if (body.get("stream_options") or {}).get("include_usage"):
                # as OpenAI does: a last chunk without choices carries the call's token counts
                usage = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [],
                    "usage": _usage(body, text),
                }
                self._write(f"data: {json.dumps(usage)}\n\n".encode())
            self._write(b"data: [DONE]\n\n")
            if state.chunked:
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    """Token counts as characters: prompt characters over all messages, reply characters."""
    prompt = sum(len(str(m.get("content") or "")) for m in body.get("messages") or [])
    return {"prompt_tokens": prompt, "completion_tokens": len(text), "total_tokens": prompt + len(text)}


def _toy_embedding(text: str, dim: int = 16) -> list[float]:
    vector = [0.0] * dim
    for char in text:
        vector[ord(char) % dim] += 1.0
    norm = sum(v * v for v in vector) ** 0.5 or 1.0
    return [v / norm for v in vector]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout, kill) leaves a reset connection behind: not worth a traceback."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class OpenAITestServer:
    def __init__(self) -> None:
        self.state = ServerState()
        self.httpd = _QuietServer(("127.0.0.1", 0), _handler(self.state))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> OpenAITestServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def last_user_message(self) -> str:
        messages = self.state.requests[-1]["messages"]
        return next(m["content"] for m in reversed(messages) if m["role"] == "user")
