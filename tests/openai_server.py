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
    """One scripted failure: kind ∈ status | sleep | malformed | cut_stream | close."""

    kind: str
    status: int = 500
    retry_after: str | None = None
    seconds: float = 0.0


@dataclass
class ServerState:
    responder: Responder = lambda body: "测试回复。"
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self) -> Fault | None:
        with self.lock:
            return self.faults.pop(0) if self.faults else None


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
            fault = state.next_fault()
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
                self._json(fault.status, {"error": {"message": f"scripted {fault.status}", "type": "test"}}, extra)
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
            data = [{"object": "embedding", "index": i, "embedding": _toy_embedding(text)} for i, text in enumerate(inputs)]
            self._json(200, {"object": "list", "data": data, "model": body.get("model", "test"),
                             "usage": {"prompt_tokens": 1, "total_tokens": 1}})

        def _chat(self, body: dict[str, Any], fault: Fault | None) -> None:
            text = state.responder(body)
            model = body.get("model", "test-model")
            if not body.get("stream"):
                self._json(200, {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                                 "model": model, "choices": [{"index": 0, "finish_reason": "stop",
                                                              "message": {"role": "assistant", "content": text}}],
                                 "usage": {"prompt_tokens": 10, "completion_tokens": len(text), "total_tokens": 10 + len(text)}})
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            pieces = [text[i:i + 8] for i in range(0, len(text), 8)]
            cut = fault is not None and fault.kind == "cut_stream"
            for index, piece in enumerate(pieces):
                if cut and index >= max(1, len(pieces) // 2):
                    self.close_connection = True
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                delta = {"role": "assistant", "content": piece} if index == 0 else {"content": piece}
                chunk = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()),
                         "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()
            final = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                     "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            self.wfile.write(f"data: {json.dumps(final)}\n\ndata: [DONE]\n\n".encode())
            self.wfile.flush()
            self.close_connection = True

    return Handler


def _toy_embedding(text: str, dim: int = 16) -> list[float]:
    vector = [0.0] * dim
    for char in text:
        vector[ord(char) % dim] += 1.0
    norm = sum(v * v for v in vector) ** 0.5 or 1.0
    return [v / norm for v in vector]


class OpenAITestServer:
    def __init__(self) -> None:
        self.state = ServerState()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
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
