"""Query rewriting: one short model call restates a colloquial question the way a regulation would state it
("……应当……"), and the retriever reads those words beside the question's own on the BM25 side
(`Retriever.search(..., rewrite=...)`). It bridges everyday wording and the articles' vocabulary without a
word list: the model, not a table, supplies the regulation's terms.

Optional and never harmful: without a model (template provider) or when the call fails, is cut off by the
deadline with nothing usable, or returns no Chinese text, `restate` returns None and the ranking is the plain
one. Restatements are cached on disk per (provider, model, prompt version, question), so a repeated question
costs no call; a reply cut off by the deadline is used once but not cached."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.config import Settings
from assistant.drafting.llm import LLM, CallSink, Message, call_model

PROMPT_VERSION = "1"
SYSTEM = (
    "你是中国互联网法规专家。针对用户的问题，仿照中国法规条文的写法，写出一条能回答这个问题的规定"
    "（用“……应当……”或“……不得……”的句式），30到60字。不写法规名称和条号，只输出这条规定。"
)
MAX_TOKENS = 80
DEADLINE_SECONDS = 12.0  # a slower call is abandoned (its text so far is still used when long enough)
MAX_CHARS = 160
MIN_CJK = 4
CACHE_NAME = "query-rewrites.jsonl"
_TITLE_RE = re.compile(r"《[^》]*》")
_ARTICLE_RE = re.compile(r"第[零一二三四五六七八九十百千两\d]+条")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_CACHE_LOCK = threading.Lock()


@dataclass
class Rewrite:
    text: str
    seconds: float  # of the model call that produced it (also when it came from the cache)
    cached: bool = False
    cut: bool = False  # stopped by the deadline; the text is what arrived before it


class _Deadline(Exception):
    pass


def clean(text: str) -> str:
    """The first paragraph, without regulation names or article numbers (the question alone may name a
    regulation: a name the model guessed must not filter or steer the search), markdown marks dropped."""
    first = next((p for p in re.split(r"\n\s*\n|\n", text.strip()) if p.strip()), "")
    first = _ARTICLE_RE.sub("", _TITLE_RE.sub("", first))
    first = re.sub(r"[*#`>]+", "", first).strip()
    return first[:MAX_CHARS]


def usable(text: str) -> bool:
    return len(_CJK_RE.findall(text)) >= MIN_CJK


def cache_key(llm: LLM, question: str) -> str:
    raw = json.dumps([getattr(llm, "name", ""), getattr(llm, "model", ""), PROMPT_VERSION, question])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _read_cache(path: Path, key: str) -> Rewrite | None:
    if not path.exists():
        return None
    found = None
    with _CACHE_LOCK, path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a crash; the rest of the file is still good
            if row.get("key") == key:
                found = Rewrite(str(row["text"]), float(row.get("seconds", 0.0)), cached=True)
    return found


def _write_cache(path: Path, key: str, rewrite: Rewrite) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    row = {"key": key, "text": rewrite.text, "seconds": round(rewrite.seconds, 3)}
    with _CACHE_LOCK, path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def rewrite_query(
    question: str, settings: Settings, llm: LLM | None, sink: CallSink | None = None
) -> str | None:
    """The restatement `Retriever.search` reads, when query rewriting is on (`settings.query_rewrite`) and
    there is a model; cached in the data directory."""
    if not settings.query_rewrite:
        return None
    rewrite = restate(question, llm, settings.data_dir / CACHE_NAME, sink)
    return rewrite.text if rewrite else None


def restate(
    question: str,
    llm: LLM | None,
    cache: Path | None,
    sink: CallSink | None = None,
    deadline: float = DEADLINE_SECONDS,
) -> Rewrite | None:
    """The question restated in the regulations' terms, or None (no model, failure, nothing usable)."""
    if llm is None or not question.strip():
        return None
    key = cache_key(llm, question)
    if cache is not None and (hit := _read_cache(cache, key)) is not None:
        return hit
    text, seconds, cut = _call(question, llm, sink, deadline)
    text = clean(text)
    if not usable(text):
        return None
    rewrite = Rewrite(text, seconds, cut=cut)
    if cache is not None and not cut:
        _write_cache(cache, key, rewrite)
    return rewrite


def _call(question: str, llm: LLM, sink: CallSink | None, deadline: float) -> tuple[str, float, bool]:
    """Run the call in a worker thread and wait at most `deadline` seconds; the stream is stopped at the next
    token after that. Returns the text that arrived, the seconds taken and whether it was cut off."""
    parts: list[str] = []
    stop = threading.Event()
    done: list[str] = []
    began = time.perf_counter()

    def on_token(piece: str) -> None:
        if stop.is_set():
            raise _Deadline
        if piece:
            parts.append(piece)
        else:
            parts.clear()  # STREAM_RESET: a retried attempt starts over

    def work() -> None:
        messages = [Message("system", SYSTEM), Message("user", question)]
        with contextlib.suppress(Exception):  # any failure means the plain ranking
            done.append(
                call_model(
                    llm,
                    messages,
                    round="rewrite",
                    sink=sink,
                    on_token=on_token,
                    max_tokens=MAX_TOKENS,
                    temperature=0.0,
                )
            )

    # The in-process model may still be joining or loading its file when the deadline passes: that worker
    # is left to finish (the stream stops at its next token) rather than killed at exit with a half-written
    # file; a remote call is abandoned.
    local = getattr(llm, "name", "") == "local"
    worker = threading.Thread(target=work, name="query-rewrite", daemon=not local)
    worker.start()
    worker.join(deadline)
    stop.set()
    seconds = time.perf_counter() - began
    if done:
        return done[0], seconds, False
    return "".join(parts), seconds, True
