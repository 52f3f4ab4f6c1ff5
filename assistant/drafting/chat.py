"""Questions about filing, answered from two kinds of knowledge: regulation articles (法规规定, cited
《法规》第X条 and verified against the corpus) and practice notes (实务做法, corpus/practice/, cited by note
with its sources). An answer says when only practice supports it, and declines with a suggestion when
neither source covers the question. With a project open, questions about the project itself ("我们还缺什么？")
are answered from its facts, check report and filing decision (`ProjectContext`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.checking.injection import clean_text
from assistant.corpus.citations import CitationStatus, find_citations, verify_text
from assistant.corpus.retrieve import Hit
from assistant.corpus.rewrite import rewrite_query
from assistant.corpus.thesaurus import domain_terms, project_intent
from assistant.drafting import answer_points as grounding
from assistant.drafting.answer_points import article_citation, article_number
from assistant.drafting.llm import LLM, CallSink, Message, TokenCallback, call_model
from assistant.drafting.prompts import data_block, render
from assistant.runtime import Runtime

RELEVANT_SIMILARITY = 0.85  # a noise floor; the topic is decided by shared domain words (on_topic)
PRACTICE_SIMILARITY = 0.85
SUPPORTED_SIMILARITY = 0.848
MARGIN = 0.02  # hits much further in meaning than the best one of their kind are left out
MAX_QUESTION_CHARS = 2000
MAX_ARTICLES = 3
MAX_NOTES = 3
MAX_PROJECT_ITEMS = 12
NO_ANSWER = (
    "现有法规条文和实务笔记中都没有找到与该问题相关的内容，无法作答。"
    "建议：换一种问法，写明涉及的环节（如备案材料、审核时限、备案号展示、变更注销、生成内容标识），"
    "或确认相关法规已加入语料库（corpus/regulations/）。"
)
PRACTICE_ONLY = "（法规条文中没有找到直接规定，以下要点仅有实务做法支持。）"


@dataclass
class Answer:
    question: str
    text: str
    citations: list[dict[str, Any]] = field(default_factory=list)  # each with its source kind
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


@dataclass
class ProjectContext:
    """What the app knows about the open project: its facts, check report and filing decision."""

    name: str
    facts: Any  # assistant.facts.Facts
    report: Any  # assistant.checking.checks.CheckReport
    decision: Any  # assistant.checking.checks.FilingDecision


def relevant(hit: Hit, close: float = RELEVANT_SIMILARITY) -> bool:
    """Relevant when resolved from an explicit reference, or close enough in meaning, or found by both
    the lexical and the dense side (a fused score above what one side alone can give) while not far in
    meaning (a lexical match on common words alone, such as 不 or 怎么, is no support)."""
    similarity = hit.similarity or 0.0
    both = hit.score > 0.5 + 1e-6 and similarity >= SUPPORTED_SIMILARITY
    return hit.direct or similarity >= close or both


def relevant_note(hit: Hit) -> bool:
    return relevant(hit, PRACTICE_SIMILARITY)


def _note_citation(hit: Hit) -> dict[str, Any]:
    meta = hit.metadata
    return {
        "source": "practice",
        "title": hit.title,
        "article": "",
        "heading": meta.get("heading", ""),
        "note": meta.get("note_id", ""),
        "text": hit.text.split("\n", 1)[-1].strip(),
        "sources": meta.get("note_sources", ""),
        "confidence": meta.get("confidence", ""),
    }


def _body(text: str) -> str:
    return text.split("\n", 1)[-1].strip()


# --- retrieval over both kinds -------------------------------------------------------------------------


@dataclass
class Evidence:
    articles: list[dict[str, Any]]  # regulation citations (verified articles)
    notes: list[dict[str, Any]]  # practice-note sections (practice only)
    hits: list[Hit]
    sections: list[Hit] = field(default_factory=list)  # every section of the matched notes, best note first


def gather(rt: Runtime, question: str, k: int = 5, rewrite: str | None = None) -> Evidence:
    """Relevant articles and practice-note sections. A relevant note's 法规规定 section names the articles
    behind its topic (verified when the notes are tested), so those articles join the retrieved ones.
    `rewrite`: the question restated in the regulations' terms (assistant.corpus.rewrite), read by both
    searches beside the question."""
    search = rt.retriever.search
    article_hits = _close(
        [h for h in search(question, k=k, source="regulation", rewrite=rewrite) if relevant(h)]
    )
    note_hits = _close(
        [h for h in search(question, k=k, source="practice", rewrite=rewrite) if relevant_note(h)]
    )
    if article_hits and note_hits and _best(note_hits) < _best(article_hits) - MARGIN / 2:
        note_hits = []  # a rule question: the notes found are about something else
    articles: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()

    def add(title: str, label: str, text: str) -> None:
        if (title, label) not in seen and len(articles) < MAX_ARTICLES + 3:
            seen.add((title, label))
            articles.append(article_citation(title, label, text))

    note_ids = list(dict.fromkeys(str(h.metadata.get("note_id")) for h in note_hits))
    sections = {note: rt.retriever.note_sections(note) for note in note_ids[:2]}
    for hit in article_hits[:2]:  # the best-matching articles first, then the matched notes' legal basis
        add(hit.title, hit.article, _body(hit.text))
    for note in sections.values():
        for hit in note:
            if hit.metadata.get("regulatory"):
                for title, label, text in _cited_articles(hit.text, rt):
                    add(title, label, text)
    for hit in article_hits[2:MAX_ARTICLES]:
        add(hit.title, hit.article, _body(hit.text))
    practice = [h for h in note_hits if not h.metadata.get("regulatory")]
    if not practice:  # a note found through its rule section still has practice worth showing
        practice = [h for note in sections.values() for h in note if not h.metadata.get("regulatory")]
    notes = [_note_citation(h) for h in practice[:MAX_NOTES]]
    return Evidence(
        articles, notes, article_hits + note_hits, [h for note in sections.values() for h in note]
    )


def _best(hits: list[Hit]) -> float:
    return max((h.similarity or 0.0) for h in hits)


def _close(hits: list[Hit]) -> list[Hit]:
    """Hits within MARGIN of the best similarity among them (explicit references always stay)."""
    if not hits:
        return hits
    best = _best(hits)
    return [h for h in hits if h.direct or (h.similarity or 0.0) >= best - MARGIN]


def _cited_articles(text: str, rt: Runtime) -> list[tuple[str, str, str]]:
    found = []
    for result in verify_text(text, rt.registry):
        if result.status == CitationStatus.OK and result.resolved_title and result.citation.article:
            article = rt.registry.get(result.resolved_title, article_number(result.citation.article))
            if article:
                found.append((article.regulation, article.label, article.text))
    return found


def on_topic(question: str, evidence: Evidence, rt: Runtime) -> bool:
    """The question shares a filing-domain word (assistant.corpus.thesaurus.domain_terms) with a passage it
    would be answered from. Closeness
    in meaning alone is no proof of topic: a question about taxes or cooking can come as close to an
    article as a vague filing question does. An explicit article reference is always on topic."""
    if any(h.direct for h in evidence.hits):
        return True
    asked = domain_terms(question)
    passages = [h.text.lower() for h in evidence.hits] + [a["text"].lower() for a in evidence.articles]
    return any(term in passage for term in asked for passage in passages)


# --- answering -------------------------------------------------------------------------------------------


def ask(
    rt: Runtime,
    question: str,
    llm: LLM | None = None,
    k: int = 5,
    on_token: TokenCallback | None = None,
    project: ProjectContext | None = None,
    sink: CallSink | None = None,
    rewrite: bool = True,
) -> Answer:
    """Answer from the retrieved articles and practice notes (or the open project's facts and checks); a
    model call, when there is one, goes to `sink` (round `chat`). With a model and `rewrite` (and
    `settings.query_rewrite`), the retrieval also reads the model's restatement of the question (one short
    call, round `rewrite`, cached)."""
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
    if project is not None:
        intent = project_intent(cleaned)
        if intent:
            return project_answer(question, intent, project)
    restated = rewrite_query(cleaned, rt.settings, llm, sink) if rewrite else None
    evidence = gather(rt, cleaned, k, restated)
    if not evidence.articles and not evidence.notes or not on_topic(cleaned, evidence, rt):
        return Answer(question, NO_ANSWER, hits=evidence.hits, answered=False)
    if llm is None:
        return _extractive(question, evidence)
    return _grounded(question, cleaned, evidence, rt, llm, on_token, sink)


def _grounded(
    question: str,
    cleaned: str,
    evidence: Evidence,
    rt: Runtime,
    llm: LLM,
    on_token: TokenCallback | None,
    sink: CallSink | None,
) -> Answer:
    """The model composes the selected points into a direct answer (assistant.drafting.answer_points); points it
    dropped are restored under 依据要点; citations it made that do not verify, and time limits or amounts
    no point states, are marked."""
    pool = grounding.candidates(evidence.articles, _rule_texts(evidence), _practice_sections(evidence), rt)
    best_note = str(evidence.sections[0].metadata.get("note_id", "")) if evidence.sections else ""
    points = grounding.select(cleaned, pool, rt, best_note)
    # the model sees the question without its instruction-like sentences, so it cannot be steered by them
    prompt = render("ask", question=data_block(cleaned), points=data_block(grounding.points_block(points)))
    messages = [Message("system", render("ask_system")), Message("user", prompt)]
    reply = call_model(llm, messages, round="chat", sink=sink, max_tokens=700, on_token=on_token)
    text, _ = grounding.expand_markers(grounding.tidy(reply, cleaned), points)
    text, invalid = _mark_invalid(text, rt)
    text, _ = grounding.mark_unsupported_quantities(text, points)
    text, _ = grounding.restore(text, points)
    cited = _verified_articles(text, rt)
    notes: list[dict[str, Any]] = []
    for note in [p.citation for p in points if p.kind == "practice"] + evidence.notes:
        if note["title"] in text and note not in notes:
            notes.append(note)
    if not cited and notes and PRACTICE_ONLY not in text:
        text = PRACTICE_ONLY + "\n" + text
    return Answer(question, text, cited + notes, invalid, evidence.hits)


def _rule_texts(evidence: Evidence) -> list[tuple[str, str]]:
    return [
        (str(h.metadata.get("note_id", "")), h.text)
        for h in evidence.sections
        if h.metadata.get("regulatory")
    ]


def _practice_sections(evidence: Evidence) -> list[dict[str, Any]]:
    """The retrieved practice sections plus the other practice sections of the best-matching note."""
    notes = list(evidence.notes)
    best = evidence.sections[0].metadata.get("note_id") if evidence.sections else None
    for hit in evidence.sections:
        if hit.metadata.get("note_id") == best and not hit.metadata.get("regulatory"):
            note = _note_citation(hit)
            if all((note["note"], note["heading"]) != (n["note"], n["heading"]) for n in notes):
                notes.append(note)
    return notes


def _mark_invalid(text: str, rt: Runtime) -> tuple[str, list[str]]:
    """Citations that do not verify against the corpus (or name a historical text), marked in place."""
    results = verify_text(text, rt.registry)
    invalid = list(
        dict.fromkeys(r.citation.text for r in results if not r.ok or r.status == CitationStatus.HISTORICAL)
    )
    for bad in invalid:
        text = text.replace(bad, f"{bad}【引用无法核实，已标注】")
    return text, invalid


def _verified_articles(text: str, rt: Runtime) -> list[dict[str, Any]]:
    cited: list[dict[str, Any]] = []
    for result in verify_text(text, rt.registry):
        if result.ok and result.resolved_title and result.citation.article:
            article = rt.registry.get(result.resolved_title, article_number(result.citation.article))
            if article and all(
                c["article"] != article.label or c["title"] != article.regulation for c in cited
            ):
                cited.append(article_citation(article.regulation, article.label, article.text))
    return cited


def _extractive(question: str, evidence: Evidence) -> Answer:
    """No model: the relevant articles (法规规定) and practice-note sections (实务做法), each cited."""
    parts = ["以下内容与您的问题相关（未使用大模型，直接列出原文和实务笔记）："]
    notes = _practice_sections(evidence)
    if evidence.articles:
        lines = [
            f"{i}. 《{a['title']}》{a['article']}：{a['text']}" for i, a in enumerate(evidence.articles, 1)
        ]
        parts.append("【法规规定】\n" + "\n".join(lines))
    if notes:
        lines = [
            f"{i}. 〔实务：{n['title']}·{n['heading']}〕\n{n['text']}\n（来源：{n['sources']}；可信度：{n['confidence']}）"
            for i, n in enumerate(notes, 1)
        ]
        lead = "" if evidence.articles else PRACTICE_ONLY + "\n"
        parts.append("【实务做法】（实务经验，非法规条文）\n" + lead + "\n".join(lines))
    return Answer(question, "\n\n".join(parts), evidence.articles + notes, hits=evidence.hits)


# --- the user's own project ----------------------------------------------------------------------------------


def project_answer(question: str, intent: str, project: ProjectContext) -> Answer:
    """Answer from the open project's check report ("missing") or filing decision ("filings")."""
    if intent == "filings":
        decision = project.decision
        lines = [f"{i}. {name}" for i, name in enumerate(decision.filings, 1)]
        text = (
            f"根据项目“{project.name}”的事实文件，需要办理：\n"
            + "\n".join(lines)
            + "\n\n理由："
            + "；".join(decision.reasons)
            + "。"
        )
        citation = {
            "source": "project",
            "title": f"项目“{project.name}”的备案判断",
            "article": "",
            "text": "；".join(decision.reasons),
        }
        return Answer(question, text, [citation])
    report = project.report
    blocking = report.blocking
    if not blocking:
        text = f"项目“{project.name}”当前没有阻断项，可以导出。" + (
            f"另有 {len(report.warnings)} 条警告供复核。" if report.warnings else ""
        )
    else:
        items = [f"{i}. {f.title}：{f.message}" for i, f in enumerate(blocking[:MAX_PROJECT_ITEMS], 1)]
        more = f"\n……另有 {len(blocking) - MAX_PROJECT_ITEMS} 项" if len(blocking) > MAX_PROJECT_ITEMS else ""
        text = (
            f"项目“{project.name}”还有 {len(blocking)} 个阻断项需要处理（警告 {len(report.warnings)} 条）：\n"
            + "\n".join(items)
            + more
            + "\n\n缺失的事实请在「项目」页补充；补齐后重新起草相关章节并运行检查。"
        )
    citation = {
        "source": "project",
        "title": f"项目“{project.name}”的检查报告",
        "article": "",
        "text": f"阻断 {len(blocking)} 项，警告 {len(report.warnings)} 项",
    }
    return Answer(question, text, [citation])


def cited_regulations(text: str) -> list[str]:
    """《法规》第X条 references in a text (for the scoring of answers)."""
    return [c.text for c in find_citations(text) if c.article]
