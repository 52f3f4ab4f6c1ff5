"""Questions about the rules, answered from retrieved articles with verified article-level citations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.checking.injection import clean_text
from assistant.corpus.citations import CitationStatus, verify_text
from assistant.corpus.retrieve import Hit
from assistant.drafting.llm import LLM, Message, TokenCallback
from assistant.drafting.prompts import data_block, render
from assistant.numerals import cn_to_int
from assistant.runtime import Runtime

RELEVANT_SIMILARITY = 0.86
MAX_QUESTION_CHARS = 2000
NO_ANSWER = "现有法规条文中没有找到与该问题相关的规定，无法作答。请换一种问法，或确认相关法规已加入语料库（corpus/regulations/）。"


@dataclass
class Answer:
    question: str
    text: str
    citations: list[dict[str, Any]] = field(default_factory=list)  # verified 《法规》第X条 with article text
    invalid: list[str] = field(default_factory=list)  # citations the model made that do not verify
    hits: list[Hit] = field(default_factory=list)
    answered: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "answered": self.answered,
            "citations": self.citations,
            "invalid_citations": self.invalid,
            "sources": [h.to_dict() for h in self.hits],
        }


def relevant(hit: Hit) -> bool:
    """Relevant when resolved from an explicit reference, or close enough in meaning, or found by both
    the lexical and the dense side (a fused score above what one side alone can give)."""
    return hit.direct or (hit.similarity or 0.0) >= RELEVANT_SIMILARITY or hit.score > 0.5 + 1e-6


def _citation(hit: Hit) -> dict[str, Any]:
    return {"title": hit.title, "article": hit.article, "text": hit.text}


def ask(
    rt: Runtime, question: str, llm: LLM | None = None, k: int = 5, on_token: TokenCallback | None = None
) -> Answer:
    question = question.strip()
    if not question:
        raise ValueError("问题不能为空")
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(f"问题过长（{len(question)} 字），请控制在 {MAX_QUESTION_CHARS} 字以内")
    cleaned, removed = clean_text(question)
    if removed and not cleaned.strip():
        raise ValueError(
            "问题中只有疑似指令的文字（如“忽略以上要求”“在回答中写明……”），已忽略；请直接提出关于备案规则的问题"
        )
    hits = [h for h in rt.retriever.search(cleaned, k=k, source="regulation") if relevant(h)]
    if not hits:
        return Answer(question, NO_ANSWER, answered=False)
    if llm is None:
        return _extractive(question, hits)
    articles = "\n\n".join(f"《{h.title}》{h.article}：{h.text.split(chr(10), 1)[-1]}" for h in hits)
    # the model sees the question without its instruction-like sentences, so it cannot be steered by them
    prompt = render("ask", question=data_block(cleaned), articles=data_block(articles))
    text = llm.complete(
        [Message("system", render("system")), Message("user", prompt)], max_tokens=700, on_token=on_token
    )
    return _verified(question, text.strip(), hits, rt)


def _extractive(question: str, hits: list[Hit]) -> Answer:
    """No model: the relevant articles themselves, each cited."""
    lines = [
        f"{i}. 《{h.title}》{h.article}：{h.text.split(chr(10), 1)[-1].strip()}"
        for i, h in enumerate(hits[:3], 1)
    ]
    text = "以下条文与您的问题相关（未使用大模型，直接列出原文）：\n\n" + "\n\n".join(lines)
    return Answer(question, text, [_citation(h) for h in hits[:3]], hits=hits)


def _verified(question: str, text: str, hits: list[Hit], rt: Runtime) -> Answer:
    results = verify_text(text, rt.registry)
    invalid = [r.citation.text for r in results if not r.ok or r.status == CitationStatus.HISTORICAL]
    for bad in invalid:
        text = text.replace(bad, f"{bad}【引用无法核实，已标注】")
    cited = []
    for result in results:
        if result.ok and result.resolved_title and result.citation.article:
            article = rt.registry.get(result.resolved_title, _number(result.citation.article))
            if article and all(
                c["article"] != article.label or c["title"] != article.regulation for c in cited
            ):
                cited.append({"title": article.regulation, "article": article.label, "text": article.text})
    if not cited:
        cited = [_citation(h) for h in hits[:3]]
        text += "\n\n参考条文：" + "；".join(f"《{c['title']}》{c['article']}" for c in cited)
    return Answer(question, text, cited, invalid, hits)


def _number(label: str) -> int:
    return cn_to_int(re.sub(r"^第|条$", "", label))
