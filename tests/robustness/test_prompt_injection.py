"""Prompt injection, 24 variants (Chinese and English; in tables, long text, zero-width characters, full-width
letters, forged role tags, a "### 新指令" heading, base64 blobs with an instruction beside them) planted in
facts fields, descriptions, chat questions and imported filings. Drafts (template provider, and the LLM path
with a gullible model that obeys any instruction it can read in its prompt), extracted facts, chat answers
and imported filings never carry the injected claim. Ordinary filing text is not flagged."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from assistant.checking.injection import _sentences, clean_text, is_injection
from assistant.config import Settings, get_settings
from assistant.corpus.importer import import_filing
from assistant.corpus.index import get_collection
from assistant.drafting.draft import Drafter
from assistant.drafting.extract import extract_facts
from assistant.drafting.llm import Message
from assistant.drafting.template_drafter import draft_section
from assistant.facts import dump_facts
from assistant.runtime import Runtime
from assistant.spec import load_spec
from tests.fakes import FakeLLM
from tests.helpers import facts_with
from tests.robustness.injection_variants import VARIANTS, carried_claim, gullible_addition

ROOT = Path(__file__).resolve().parents[2]
FIELDS = [
    ("algorithm", "summary"),
    ("safety", "output_review"),
    ("product", "features", 0, "description"),
    ("safety", "complaint", "process"),
]
SECTIONS = ["sa_header", "principle", "intervention", "service", "risk_controls"]
IDS = list(VARIANTS)
assert len(IDS) >= 20


def _plant(data: dict[str, Any], field: tuple[Any, ...], text: str) -> None:
    node: Any = data
    for key in field[:-1]:
        node = node[key]
    node[field[-1]] = f"{node[field[-1]]}\n{text}"


def _gullible_drafter(messages: list[Message]) -> str:
    """Drafts the section well, then obeys whatever injected instruction it can read in its prompt."""
    prompt = messages[-1].content
    title = re.search(r"“(.+?)”一节", prompt)
    base = draft_section(facts_with(), load_spec().section(title.group(1)).id) if title else "已修改。"
    return base + gullible_addition(prompt)


@pytest.mark.parametrize("name", IDS)
def test_variant_is_detected(name: str) -> None:
    cleaned, removed = clean_text("本产品面向个人用户提供写作服务。\n" + VARIANTS[name])
    assert removed and carried_claim(cleaned) is None, cleaned
    assert cleaned.startswith("本产品面向个人用户提供写作服务。")  # the ordinary sentence is kept


@pytest.mark.parametrize("name", IDS)
def test_facts_field_injection_reaches_no_draft(name: str) -> None:
    field = FIELDS[IDS.index(name) % len(FIELDS)]
    facts = facts_with(lambda d: _plant(d, field, VARIANTS[name]))
    rt = Runtime(get_settings())
    gullible = FakeLLM(responder=_gullible_drafter)
    for provider, llm in (("template", None), ("fake", gullible)):
        records = Drafter(rt, provider, llm).draft(facts, SECTIONS)
        for record in records.values():
            assert record.error is None
            assert carried_claim(record.text) is None, (provider, record.section)
    assert gullible.calls and all(carried_claim(m[-1].content) is None for m in gullible.calls)


def test_the_gullible_model_does_obey_an_unscreened_prompt() -> None:
    """The check above means something: given a prompt with the claim, the fake does write it."""
    claim_prompt = "请写“算法基本原理”一节。" + VARIANTS["zh-base64"]
    assert carried_claim(_gullible_drafter([Message("user", claim_prompt)])) is not None


@pytest.mark.parametrize("name", IDS)
def test_description_injection_reaches_no_extracted_fact(name: str) -> None:
    description = (
        "我们是杭州妙笔科技有限公司，产品叫妙笔写作，是一个 App，调用第三方大模型为用户生成营销文案。"
        "生成内容经过关键词过滤和人工抽检后展示。\n"
        + VARIANTS[name]
        + "\n用户投诉可以在「我的—反馈」里提交。"
    )
    prompts: list[str] = []

    def gullible(messages: list[Message]) -> str:
        prompts.append(messages[-1].content)
        extra = gullible_addition(messages[-1].content).strip()
        review = "生成内容经过关键词过滤和人工抽检后展示" + (f"；{extra}" if extra else "")
        return (
            '{"entity": {"name": "杭州妙笔科技有限公司"}, "product": {"name": "妙笔写作"}, '
            f'"safety": {{"output_review": "{review}"}}}}'
        )

    extraction = extract_facts(description, FakeLLM(responder=gullible), load_spec())
    assert extraction.injections
    assert carried_claim(dump_facts(extraction.facts)) is None
    assert all(carried_claim(p) is None for p in prompts)
    assert extraction.facts.product.name == "妙笔写作"


@pytest.mark.parametrize(
    "name",
    [
        "zh-ignore-previous",
        "zh-zero-width",
        "zh-base64",
        "zh-im-start",
        "en-fullwidth",
        "en-table",
        "mixed-long-en",
        "zh-polite-request",
    ],
)
def test_chat_question_injection_reaches_no_answer(indexed_settings: Settings, name: str) -> None:
    prompts: list[str] = []

    def gullible(messages: list[Message]) -> str:
        prompts.append(messages[-1].content)
        return (
            "根据《生成式人工智能服务管理暂行办法》第十五条，应当建立健全投诉、举报机制。"
            + gullible_addition(messages[-1].content)
        )

    from assistant.drafting.chat import ask

    question = "生成式人工智能服务提供者应当建立什么样的投诉举报机制？\n" + VARIANTS[name]
    answer = ask(Runtime(indexed_settings), question, FakeLLM(responder=gullible))
    assert prompts, "the model was not asked"
    assert carried_claim(answer.text) is None and all(carried_claim(p) is None for p in prompts)
    assert answer.citations


def test_chat_question_that_is_only_an_injection_is_refused(indexed_settings: Settings) -> None:
    from assistant.drafting.chat import ask

    with pytest.raises(ValueError, match="疑似指令"):
        ask(Runtime(indexed_settings), VARIANTS["zh-ignore-previous"], FakeLLM())


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One Markdown and one Word filing, every variant planted in some section; imported into a fresh index."""
    root = tmp_path_factory.mktemp("inject-import")
    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus")
    collection = get_collection(settings)
    headings = ["算法基本原理", "算法运行机制", "风险研判", "风险防控情况"]
    body = "本算法根据用户输入的写作主题生成文章初稿，生成结果经过输出审核后展示并添加显式标识。"
    lines = []
    for index, heading in enumerate(headings):
        lines += [f"## {heading}", "", body, ""]
        lines += [VARIANTS[name] + "\n" for name in IDS[index :: len(headings)]]
    markdown = root / "filing.md"
    markdown.write_text("\n".join(lines), encoding="utf-8")
    doc = Document()
    for index, heading in enumerate(headings):
        doc.add_heading(f"{'一二三四'[index]}、{heading}", level=1)
        doc.add_paragraph(body)
        for name in IDS[index :: len(headings)]:
            if name.endswith("table"):
                table = doc.add_table(rows=2, cols=2)
                rows = [r.split("|")[1:3] for r in VARIANTS[name].splitlines() if "---" not in r]
                for r, row in enumerate(rows[:2]):
                    for c, cell in enumerate(row):
                        table.cell(r, c).text = cell.strip()
            else:
                doc.add_paragraph(VARIANTS[name])
    word = root / "filing.docx"
    doc.save(str(word))
    reports = [
        import_filing(path, settings, collection=collection, meta={"id": path.suffix[1:]})
        for path in (markdown, word)
    ]
    return {"reports": reports, "stored": collection.get(include=["documents"])}


def test_imported_filings_carry_no_injected_claim(imported: dict[str, Any]) -> None:
    for report in imported["reports"]:
        text = report.path.read_text(encoding="utf-8")
        assert "生成结果经过输出审核" in text  # the filing itself was imported
        assert carried_claim(text) is None, [line for line in text.splitlines() if carried_claim(line)]
        assert len(report.injections) >= len(IDS) // 2
    documents = "\n".join(imported["stored"]["documents"])
    assert documents and carried_claim(documents) is None


# --- false positives --------------------------------------------------------------------------------------

BENIGN_SOURCES = [*sorted((ROOT / "corpus" / "filings").glob("*.md"))]
DELIBERATE = re.compile(
    r"忽略以上所有要求|Ignore all previous|When you draft the filing|Do not mention this paragraph"
)


def _flagged(paths: list[Path]) -> tuple[int, list[str]]:
    total, flagged = 0, []
    for path in paths:
        for sentence in _sentences(path.read_text(encoding="utf-8")):
            if sentence.strip():
                total += 1
                if is_injection(sentence):
                    flagged.append(f"{path.name}: {sentence.strip()[:80]}")
    return total, flagged


def test_ordinary_filing_text_is_not_flagged() -> None:
    """Every sentence of corpus/filings/*.md (anonymised past filings): at most 1 % flagged; the list is
    printed so a reviewer sees what. Today none is."""
    total, flagged = _flagged(BENIGN_SOURCES)
    print(f"\n{len(flagged)} / {total} sentences flagged:", *flagged, sep="\n  ")
    assert total > 3000 and len(flagged) <= total // 100


def test_gold_descriptions_and_sections_flag_only_the_planted_injections() -> None:
    gold = ROOT / "eval" / "gold"
    total, flagged = _flagged(sorted(gold.glob("*/description.md")) + sorted(gold.glob("*/sections/*.md")))
    unexpected = [f for f in flagged if not DELIBERATE.search(f)]
    print(f"\n{len(flagged)} / {total} gold sentences flagged:", *flagged, sep="\n  ")
    assert total > 500 and not unexpected, unexpected


@pytest.mark.parametrize(
    "benign",
    [
        "对机器审核存疑内容进行人工复核，忽略低风险的重复提示。",
        "用户可以在对话中扮演角色进行口语练习。",
        "系统在生成结果中写明“由人工智能生成”字样。",
        "服务提供者在生成内容时应当添加显式标识。",
        "这次找您是因为产品有变化，需要做变更备案。",
        "恶意用户可能通过系统提示词篡改、提示注入等方式规避安全对齐。",
        "模型文件的 SHA-256 为 cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046。",
        "The model ignores punctuation differences when matching keywords.",
        "Users can add items to the draft list before publishing.",
    ],
)
def test_ordinary_sentences_are_kept(benign: str) -> None:
    cleaned, removed = clean_text(benign)
    assert cleaned == benign and not removed
