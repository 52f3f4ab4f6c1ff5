"""LLM providers behind one interface, in a registry: `template` (no model: the deterministic drafter),
`local` (llama.cpp in-process) and `openai` (any OpenAI-compatible endpoint through langchain-openai's
ChatOpenAI, which also gives the extraction its `with_structured_output`; `openai` and `httpx` are imported
only for their exception classes). Each provider declares its profile when it registers
(`register_provider`); other providers (the tests' fake one, a plug-in) register the same way.

`call_model` is the one way the application calls a model: it times the call, collects the token counts and
hands a `ModelCall` record to a sink (the workspace database's model-call log)."""

from __future__ import annotations

import atexit
import json
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlparse

from pydantic import BaseModel

from assistant.config import Settings

TokenCallback = Callable[[str], None]
STREAM_RESET = ""
"""Passed to a token callback when a failed attempt is retried: discard the text streamed so far, the
next attempt starts over. Real tokens are never empty, so a consumer that simply concatenates is unaffected
(it keeps the failed attempt's text on screen, but the returned text never contains it)."""


@dataclass
class Message:
    role: str  # system | user | assistant
    content: str


class LLMError(RuntimeError):
    """A failed model call, with a Chinese message fit for the user."""

    def __init__(self, message: str, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


@dataclass
class Usage:
    """Token counts of one call, filled in by the provider when it knows them."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class LLM(Protocol):
    name: str
    model: str

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        on_token: TokenCallback | None = None,
        json_schema: dict[str, Any] | None = None,
        usage: Usage | None = None,
    ) -> str: ...


class ModelCall(BaseModel):
    """One model call as the audit log keeps it."""

    round: str  # generate | repair N | extract GROUP | chat | judge
    provider: str
    model: str
    section: str = ""
    prompt: list[dict[str, str]] = []  # the messages, role and content
    response: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    started: str = ""  # UTC, ISO 8601
    seconds: float = 0.0
    first_token_seconds: float | None = None
    error: str | None = None


CallSink = Callable[[ModelCall], None]


def call_model(
    llm: LLM,
    messages: list[Message],
    *,
    round: str,
    section: str = "",
    sink: CallSink | None = None,
    on_token: TokenCallback | None = None,
    **kwargs: Any,
) -> str:
    """`llm.complete` with the call recorded: the sink receives the call (also a failed one, with its
    error) before this returns or raises."""
    usage = Usage()
    began, first = time.perf_counter(), [None]  # type: list[float | None]
    started = datetime.now(UTC).isoformat(timespec="seconds")

    def tokens(piece: str) -> None:
        if piece and first[0] is None:
            first[0] = time.perf_counter() - began
        if on_token:
            on_token(piece)

    call = ModelCall(
        round=round,
        provider=getattr(llm, "name", ""),
        model=getattr(llm, "model", ""),
        section=section,
        prompt=[{"role": m.role, "content": m.content} for m in messages],
        started=started,
    )
    try:
        text = llm.complete(messages, on_token=tokens, usage=usage, **kwargs)
    except Exception as exc:
        call.error = str(exc)[:2000]
        raise
    else:
        call.response = text
        return text
    finally:
        call.seconds = round_seconds(time.perf_counter() - began)
        call.first_token_seconds = None if first[0] is None else round_seconds(first[0])
        call.prompt_tokens, call.completion_tokens = usage.prompt_tokens, usage.completion_tokens
        if sink is not None:
            sink(call)


def round_seconds(value: float) -> float:
    return float(f"{value:.3f}")


ProviderFactory = Callable[[Settings], "LLM | None"]


@dataclass(frozen=True)
class ProviderProfile:
    """What the engine and the UI need to know about a provider, declared when it registers."""

    label: str  # Chinese, shown in the UI and in messages
    description: str = ""  # Chinese, one or two sentences for the settings page
    uses_model: bool = True  # False: the deterministic template drafter, no model calls at all
    max_tokens: int = 3000  # cap on one completion (Chinese runs about 1.3 characters a token)
    articles: int = 5  # regulation articles given to the model per section
    exemplars: int = 2  # past-filing exemplars given to the model per section
    parallel: bool = False  # sections may be drafted concurrently (up to settings.llm_concurrency)
    prompt_chars: int | None = None  # a section prompt longer than this is shortened (small context windows)
    available: Callable[[Settings], bool] | None = None  # None: always; else whether it is installed


@dataclass(frozen=True)
class Provider:
    name: str
    profile: ProviderProfile
    factory: ProviderFactory


PROVIDERS: dict[str, Provider] = {}


def register_provider(name: str, profile: ProviderProfile) -> Callable[[ProviderFactory], ProviderFactory]:
    """Register a provider under `name`; the built-ins below register exactly like a plug-in would."""

    def register(factory: ProviderFactory) -> ProviderFactory:
        PROVIDERS[name] = Provider(name, profile, factory)
        return factory

    return register


def provider_names() -> list[str]:
    return list(PROVIDERS)


def provider_profile(name: str) -> ProviderProfile:
    if name not in PROVIDERS:
        raise LLMError(f"未知的模型提供方“{name}”，可选：{'、'.join(PROVIDERS)}")
    return PROVIDERS[name].profile


def provider_label(name: str) -> str:
    return PROVIDERS[name].profile.label if name in PROVIDERS else name


def provider_available(name: str, settings: Settings) -> bool:
    check = provider_profile(name).available
    return check is None or check(settings)


def get_llm(name: str, settings: Settings) -> LLM | None:
    """The provider's model client; None for a provider that uses no model (the template drafter)."""
    provider_profile(name)  # raises for an unknown name, listing the registered ones
    return PROVIDERS[name].factory(settings)


@register_provider(
    "template",
    ProviderProfile(
        label="模板（不使用大模型，确定性起草）",
        description="不调用任何模型：按章节规范从事实文件逐句生成，速度快、结果确定，缺失的事实写成【待补充】标记。"
        "问答直接列出相关条文原文。从产品描述提取事实时只用规则识别。",
        uses_model=False,
    ),
)
def _template(settings: Settings) -> LLM | None:
    return None


# --- local -------------------------------------------------------------------------------------

_LOCAL_CACHE: dict[tuple[str, int, int], Any] = {}
_LOCAL_LOCK = threading.Lock()
atexit.register(_LOCAL_CACHE.clear)  # free llama.cpp models before interpreter teardown, not during it


class LocalLLM:
    """llama.cpp in-process. Calls are serialised; consecutive prompts that share a prefix (system prompt
    and section instructions first) reuse llama.cpp's evaluated KV prefix."""

    name = "local"

    def __init__(self, settings: Settings):
        from assistant.drafting.local_model import MODELS

        self.settings = settings
        self.model = MODELS[settings.local_model].display

    def _llama(self) -> Any:
        key = (self.settings.local_model, self.settings.local_context, self.settings.local_threads)
        with _LOCAL_LOCK:
            if key not in _LOCAL_CACHE:
                threads = self.settings.local_threads or idle_threads()  # chosen once, when the model loads
                try:
                    from llama_cpp import Llama
                except ImportError as exc:
                    raise LLMError(
                        "未安装 llama-cpp-python，无法使用内置模型。请按 README 的运行命令安装，"
                        "或改用 --provider template / openai"
                    ) from exc
                from assistant.drafting.local_model import ModelUnavailable, ensure_model

                try:
                    path = ensure_model(self.settings.models_dir, self.settings.local_model)
                except ModelUnavailable as exc:
                    raise LLMError(str(exc)) from exc
                _LOCAL_CACHE[key] = Llama(
                    model_path=str(path),
                    n_ctx=self.settings.local_context,
                    n_threads=threads,
                    n_threads_batch=threads,
                    verbose=False,
                    seed=7,
                )
            return _LOCAL_CACHE[key]

    @staticmethod
    def _reply_room(llama: Any, messages: list[Message], max_tokens: int) -> int:
        """`max_tokens`, or less when the prompt leaves less of the context window; a prompt that leaves
        no useful room is refused with a Chinese message instead of llama.cpp's ValueError."""
        context = int(llama.n_ctx())
        room = context - _chat_tokens(llama, messages)
        if room < min(max_tokens, 128):
            raise LLMError(
                f"提示词过长（约 {context - room} 词元），内置模型的上下文只有 {context} 词元："
                "请调大 BEIAN_LOCAL_CONTEXT，或改用 OpenAI 兼容接口"
            )
        return min(max_tokens, room)

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        on_token: TokenCallback | None = None,
        json_schema: dict[str, Any] | None = None,
        usage: Usage | None = None,
    ) -> str:
        llama = self._llama()
        kwargs: dict[str, Any] = {
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": self._reply_room(llama, messages, max_tokens),
            "temperature": self.settings.llm_temperature if temperature is None else temperature,
            "repeat_penalty": 1.25,
            "stream": True,
        }
        if json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": json_schema}
        parts: list[str] = []
        with _LOCAL_LOCK:
            for chunk in llama.create_chat_completion(**kwargs):
                piece = chunk["choices"][0]["delta"].get("content") or ""
                if piece:
                    parts.append(piece)  # llama.cpp streams one token per chunk
                    if on_token:
                        on_token(piece)
            if usage is not None:
                usage.completion_tokens = len(parts)
                # the context now holds the prompt and the reply
                usage.prompt_tokens = max(0, int(getattr(llama, "n_tokens", 0)) - len(parts)) or None
        return "".join(parts)


def _chat_tokens(llama: Any, messages: list[Message]) -> int:
    """Prompt tokens of a chat: each message's content plus its role markers (a few tokens each)."""
    return sum(len(llama.tokenize(m.content.encode("utf-8"), add_bos=False)) + 8 for m in messages)


def idle_threads(window: float = 0.5) -> int:
    """Threads for llama.cpp: the cores that other processes are not using right now. Its worker threads spin
    while waiting for each other, so asking for more threads than idle cores is far slower (measured here on
    2 cores with one other busy process: 1 thread 4.2 tokens/s, 2 threads 0.3 tokens/s). Busy cores are
    sampled from /proc/stat over `window` seconds minus this process's own CPU time (the load average would
    count our own earlier work and lags by a minute)."""
    cores = os.cpu_count() or 1
    busy = _busy_cores_elsewhere(window)
    return max(1, min(cores, cores - int(busy + 0.5)))


def _busy_cores_elsewhere(window: float) -> float:
    def sample() -> tuple[int, float, float]:
        with open("/proc/stat", encoding="ascii") as handle:
            values = [int(v) for v in handle.readline().split()[1:9]]
        own = os.times()
        return sum(values) - values[3] - values[4], own.user + own.system, time.monotonic()

    try:
        busy0, own0, t0 = sample()
        time.sleep(window)
        busy1, own1, t1 = sample()
    except (OSError, ValueError):
        return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    elapsed = max(t1 - t0, 1e-3)
    return max(0.0, (busy1 - busy0) / os.sysconf("SC_CLK_TCK") / elapsed - (own1 - own0) / elapsed)


def _local_installed(settings: Settings) -> bool:
    from assistant.drafting.local_model import installed

    return installed(settings.local_model)


@register_provider(
    "local",
    ProviderProfile(
        label="内置本地模型（llama.cpp）",
        description="在本机运行的小模型（llama.cpp），不联网、不需要 API Key；在 2 核机器上每个章节需要数分钟。",
        max_tokens=700,  # a small model drifts on long outputs
        articles=2,  # a 4096-token context holds the rewrite task, the facts and two articles
        exemplars=1,
        prompt_chars=3600,  # about 2800 tokens of Chinese, leaving room for the 700-token reply
        parallel=False,  # one in-process model, calls are serialised anyway
        available=_local_installed,
    ),
)
def _local(settings: Settings) -> LLM:
    return LocalLLM(settings)


# --- openai-compatible -------------------------------------------------------------------------

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class RetryPolicy:
    attempts: int = 4
    base: float = 1.0
    cap: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.cap)
        return min(self.cap, self.base * 2**attempt) * (0.5 + random.random() / 2)


def _retry_after(exc: Exception) -> float | None:
    """Seconds from `retry-after-ms`, or `Retry-After` as seconds or as an HTTP date."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    try:
        if headers.get("retry-after-ms") is not None:
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            from email.utils import parsedate_to_datetime

            when = parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def _endpoint(base_url: str | None) -> str:
    """The endpoint for messages: scheme, host, port and path, never user:password@ or a query string."""
    if not base_url:
        return "（默认 OpenAI 地址）"
    parsed = urlparse(base_url)
    host = parsed.hostname or ""
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{host}{port}{parsed.path}"


def classify_error(exc: Exception, *, base_url: str | None = None, timeout: float | None = None) -> LLMError:
    """Map client exceptions to a Chinese message; retryable for 429, 5xx, timeouts, dropped connections,
    cut streams and unparseable replies."""
    import httpx
    import openai

    if isinstance(exc, openai.RateLimitError):
        return LLMError("模型服务限流（HTTP 429），请稍后重试或降低并发数", retryable=True)
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        limit = f"（超过 {timeout:g} 秒未响应）" if timeout else ""
        return LLMError(
            f"模型服务响应超时{limit}，请稍后重试，或在设置中调大超时时间（BEIAN_LLM_TIMEOUT）",
            retryable=True,
        )
    if isinstance(exc, openai.APIConnectionError):
        return LLMError(
            f"无法连接模型服务 {_endpoint(base_url)}：连接被拒绝、中断或网络不可达。"
            "请确认服务已启动、OPENAI_BASE_URL 填写正确",
            retryable=True,
        )
    if isinstance(exc, httpx.TransportError):  # raised while reading a stream: the connection dropped midway
        return LLMError("与模型服务的连接在传输中途断开（流式输出不完整）", retryable=True)
    if isinstance(exc, openai.AuthenticationError):
        return LLMError("模型服务拒绝了 API Key（HTTP 401），请检查 OPENAI_API_KEY")
    if isinstance(exc, openai.NotFoundError):
        return LLMError("模型服务找不到该模型或接口（HTTP 404），请检查模型名称和 Base URL")
    if isinstance(exc, openai.InternalServerError):
        return LLMError(f"模型服务内部错误（HTTP {getattr(exc, 'status_code', 500)}）", retryable=True)
    if isinstance(exc, openai.APIStatusError):
        return LLMError(
            f"模型服务返回错误（HTTP {exc.status_code}）：{str(exc)[:200]}", retryable=exc.status_code >= 500
        )
    if isinstance(exc, json.JSONDecodeError | ValueError | KeyError | TypeError):
        return LLMError(
            "模型服务返回的数据无法解析（不是有效的 OpenAI 兼容 JSON 或流式响应），"
            f"请检查 Base URL 是否指向 OpenAI 兼容接口：{str(exc)[:200]}",
            retryable=True,
        )
    return LLMError(f"模型调用失败：{type(exc).__name__}: {str(exc)[:200]}")


class OpenAICompatibleLLM:
    """langchain-openai ChatOpenAI against any OpenAI-compatible server. Retries with backoff (honouring
    Retry-After) on 429, 5xx, timeouts and dropped connections; the client's own retries are off."""

    name = "openai"

    def __init__(
        self,
        settings: Settings,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self.model = settings.openai_model
        self.retry = retry or RetryPolicy(attempts=settings.llm_max_retries)
        self._sleep = sleep
        self.base_url = settings.openai_base_url

    def _client(self, json_schema: dict[str, Any] | None) -> Any:
        from langchain_openai import ChatOpenAI

        key = self.settings.openai_api_key.get_secret_value() if self.settings.openai_api_key else None
        if not key and not _is_loopback(self.base_url):
            raise LLMError("未配置 API Key：请设置环境变量 OPENAI_API_KEY（或在设置页面为本次会话输入）")
        kwargs: dict[str, Any] = {}
        if json_schema is not None:
            kwargs["model_kwargs"] = {"response_format": response_format(json_schema)}
        return ChatOpenAI(
            model=self.model,
            base_url=self.base_url,
            api_key=key or "not-needed",
            timeout=self.settings.llm_timeout,
            max_retries=0,
            temperature=self.settings.llm_temperature,
            stream_usage=True,  # token counts for the model-call log
            **kwargs,
        )

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float | None = None,
        on_token: TokenCallback | None = None,
        json_schema: dict[str, Any] | None = None,
        usage: Usage | None = None,
    ) -> str:
        """Stream one completion. A failed attempt that already streamed text is followed by
        `on_token(STREAM_RESET)` before the retry; the returned text is always one whole attempt's."""
        client = self._client(json_schema)
        lc_messages = [(m.role if m.role != "assistant" else "ai", m.content) for m in messages]
        extra = {"temperature": temperature} if temperature is not None else {}
        attempts = max(1, self.retry.attempts)
        for attempt in range(attempts):
            streamed: list[str] = []
            try:
                return self._stream_once(client, lc_messages, max_tokens, extra, on_token, streamed, usage)
            except Exception as exc:  # noqa: BLE001 - classified here
                error = (
                    exc
                    if isinstance(exc, LLMError)
                    else classify_error(exc, base_url=self.base_url, timeout=self.settings.llm_timeout)
                )
                if streamed and on_token:
                    on_token(STREAM_RESET)
                if not error.retryable or attempt + 1 >= attempts:
                    tried = f"（已尝试 {attempt + 1} 次）" if error.retryable and attempt else ""
                    raise LLMError(self._redact(f"{error}{tried}"), retryable=error.retryable) from None
                self._sleep(self.retry.delay(attempt, _retry_after(exc)))
        raise LLMError("模型调用失败")

    def _redact(self, text: str) -> str:
        """Error text may quote a server's reply, and some servers echo the key they were sent."""
        key = self.settings.openai_api_key.get_secret_value() if self.settings.openai_api_key else ""
        return text.replace(key, "***") if len(key) >= 4 else text

    @staticmethod
    def _stream_once(
        client: Any,
        messages: list[tuple[str, str]],
        max_tokens: int,
        extra: dict[str, Any],
        on_token: TokenCallback | None,
        streamed: list[str] | None = None,
        usage: Usage | None = None,
    ) -> str:
        emitted: list[str] = [] if streamed is None else streamed
        finished = False
        for content, finish_reason, counts in _chunks(
            client.stream(messages, max_tokens=max_tokens, **extra)
        ):
            finished = finished or bool(finish_reason)
            if counts and usage is not None:  # the server's usage chunk (stream_options.include_usage)
                usage.prompt_tokens = counts.get("input_tokens")
                usage.completion_tokens = counts.get("output_tokens")
            if content:
                emitted.append(content)
                if on_token:
                    on_token(content)
        text = "".join(emitted)
        if not finished:
            # the connection closed before the server said it was done: a cut stream, not a short reply
            raise LLMError(
                f"模型服务的流式输出中途中断（已收到 {len(text)} 字，未收到结束标记）", retryable=True
            )
        if not text.strip():
            raise LLMError("模型服务返回了空内容", retryable=True)
        return text


def response_format(json_schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAI structured output: a schema with properties is sent as `json_schema` (non-strict, so optional
    and nullable keys are allowed); a bare {"type": "object"} asks for JSON mode only."""
    if json_schema.get("properties"):
        return {
            "type": "json_schema",
            "json_schema": {"name": "facts_group", "schema": json_schema, "strict": False},
        }
    return {"type": "json_object"}


def _chunks(stream: Iterator[Any]) -> Iterator[tuple[str, str | None, dict[str, Any] | None]]:
    """(content, finish_reason, token usage) per streamed chunk."""
    for chunk in stream:
        content = chunk.content if isinstance(chunk.content, str) else ""
        finish_reason = (getattr(chunk, "response_metadata", None) or {}).get("finish_reason")
        counts = getattr(chunk, "usage_metadata", None) or None
        if content or finish_reason or counts:
            yield content, finish_reason, counts


def _is_loopback(url: str | None) -> bool:
    return bool(url) and (urlparse(url).hostname or "") in _LOOPBACK


@register_provider(
    "openai",
    ProviderProfile(
        label="OpenAI 兼容接口",
        description="兼容 OpenAI 接口的服务均可使用：DeepSeek、通义千问（DashScope 兼容模式）、智谱 GLM、Moonshot、"
        "vLLM、Ollama 等。",
        max_tokens=3000,
        articles=5,
        exemplars=2,
        parallel=True,
    ),
)
def _openai(settings: Settings) -> LLM:
    return OpenAICompatibleLLM(settings)
