"""The .docx export: files, headings, header table, cover and 目录, closing block, template, fonts, page
numbers, gate, draft mark, names, figure."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from docx import Document as open_docx
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from pypdf import PdfReader

from assistant.checking.checks import CheckReport, Finding
from assistant.drafting.template_drafter import draft_all
from assistant.facts import Facts, parse_facts
from assistant.output import docx_template, export, flowchart, markdown
from assistant.output.export import ExportRefused, export_filing, parse_markdown, safe_filename

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "facts-example.yaml"
SHARED = Path(__file__).resolve().parents[1].parent / "shared/spec/facts-example.yaml"
ARTIFACTS = REPO / "test-artifacts"
ALGORITHM = "灵犀文本生成算法"
SA = f"{ALGORITHM}-算法安全自评估报告.docx"
PUBLICITY = f"{ALGORITHM}-拟公示内容.docx"
COMMON_TITLES = ["算法安全自评估报告", "拟公示内容", "落实算法安全主体责任基本情况", "算法备案承诺书"]
CLEAN = CheckReport([])
WARNING = Finding("length", False, "《算法流程》仅 100 字，少于建议的 150 字", section="algo_flow")
BLOCKING = Finding(
    "hygiene",
    True,
    "《算法流程》仍有 1 处待补充：【待补充：算法流程（algorithm.pipeline）】",
    section="algo_flow",
)
TECHNICAL_SERVICE = {
    "delivery": ["API", "SDK"],
    "customers": "内容平台和企业客户约 40 家",
    "onboarding": "签约前核验客户营业执照和用途说明，禁止用于新闻信息生成",
    "contractual_duties": "服务协议约定客户落实内容审核、生成内容标识和投诉举报义务",
    "label_support": "接口返回显式标识文本，并在导出文件元数据中写入隐式标识",
}


# --- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def facts_data() -> dict:
    source = FIXTURE if FIXTURE.is_file() else SHARED
    if not source.is_file():
        pytest.skip("facts-example.yaml 不存在")
    return yaml.safe_load(source.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def facts(facts_data: dict) -> Facts:
    return parse_facts(facts_data)


@pytest.fixture(scope="module")
def ts_facts(facts_data: dict) -> Facts:
    data = json.loads(json.dumps(facts_data, default=str))
    data["filing"]["role"] = "服务技术支持者"
    data["technical_service"] = TECHNICAL_SERVICE
    return parse_facts(data)


@pytest.fixture(scope="module")
def exported(facts: Facts, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "out"
    export_filing(facts, draft_all(facts), out, CLEAN)
    return out


def _headings(doc: DocxDocument) -> list[tuple[str, str]]:
    return [(p.style.style_id, p.text) for p in doc.paragraphs if p.style.style_id.startswith("Heading")]


def _all_text(doc: DocxDocument) -> str:
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _header_text(doc: DocxDocument) -> str:
    return "\n".join(p.text for p in doc.sections[0].header.paragraphs)


def _title_index(doc: DocxDocument) -> int:
    return next(i for i, p in enumerate(doc.paragraphs) if p.style.name == "Title")


def _east_asian_font(doc: DocxDocument, run, paragraph_style_id: str | None) -> str | None:
    """The East Asian font a run is shown in: its own, else its paragraph style's chain, else the defaults."""
    fonts = run.find(qn("w:rPr"))
    fonts = fonts.find(qn("w:rFonts")) if fonts is not None else None
    if fonts is not None and fonts.get(qn("w:eastAsia")):
        return fonts.get(qn("w:eastAsia"))
    style = next((s for s in doc.styles if s.style_id == paragraph_style_id), None) or doc.styles["Normal"]
    while style is not None:
        rpr = style.element.rPr
        if rpr is not None and rpr.rFonts is not None and rpr.rFonts.get(qn("w:eastAsia")):
            return rpr.rFonts.get(qn("w:eastAsia"))
        style = style.base_style
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    return defaults.find(qn("w:rFonts")).get(qn("w:eastAsia"))


# --- files ----------------------------------------------------------------------------------------


def test_fixture_matches_shared_contract() -> None:
    if not SHARED.is_file():
        pytest.skip("shared/spec/facts-example.yaml 不存在")
    assert FIXTURE.read_bytes() == SHARED.read_bytes(), (
        "tests/fixtures/facts-example.yaml 与契约文件不一致，请重新复制"
    )


def test_service_provider_documents(exported: Path) -> None:
    names = {p.name for p in exported.glob("*.docx")}
    assert names == {f"{ALGORITHM}-{t}.docx" for t in [*COMMON_TITLES, "关联产品及功能信息"]}
    manifest = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    assert {f["name"] for f in manifest["files"]} == names
    assert len(manifest["facts_sha256"]) == 64
    assert manifest["checks"]["passed"] is True
    for entry in manifest["files"]:
        assert entry["sha256"] == export._sha256((exported / entry["name"]).read_bytes())


def test_technical_service_documents(ts_facts: Facts, tmp_path: Path) -> None:
    result = export_filing(ts_facts, draft_all(ts_facts), tmp_path, CLEAN)
    names = {p.name for p in result.files}
    assert names == {f"{ALGORITHM}-{t}.docx" for t in [*COMMON_TITLES, "技术服务方式"]}
    sa = open_docx(tmp_path / SA)
    texts = [text for _, text in _headings(sa)]
    assert "二、技术服务情况" in texts and not any(t[2:] == "服务情况" for t in texts)
    mode = open_docx(tmp_path / f"{ALGORITHM}-技术服务方式.docx")
    assert "内容平台和企业客户约 40 家" in _all_text(mode)


# --- structure ------------------------------------------------------------------------------------


def test_self_assessment_headings(exported: Path) -> None:
    doc = open_docx(exported / SA)
    title = doc.paragraphs[_title_index(doc)]
    assert (title.style.name, title.text) == ("Title", "算法安全自评估报告")
    assert title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    headings = _headings(doc)
    level1 = [text for style, text in headings if style == "Heading1"]
    assert level1 == [
        "一、算法情况",
        "二、服务情况",
        "三、风险研判",
        "四、风险防控情况",
        "五、安全评估结论",
        "六、其他应当说明的相关情况",
    ]
    start = headings.index(("Heading1", "一、算法情况"))
    end = headings.index(("Heading1", "二、服务情况"))
    level2 = [text for style, text in headings[start:end] if style == "Heading2"]
    assert level2 == [
        "（一）算法流程",
        "（二）算法数据",
        "（三）算法模型",
        "（四）干预策略",
        "（五）结果标识",
    ]
    assert ("Heading3", "1. 输入数据") in headings[
        start:end
    ]  # body sub-heading inside a part: 1. under （二）
    assert ("Heading2", "（一）算法滥用风险") in headings[end:]  # body sub-heading of a top-level section


def test_other_documents_numbering(exported: Path) -> None:
    publicity = open_docx(exported / PUBLICITY)
    assert [t for s, t in _headings(publicity) if s == "Heading1"] == [
        "一、算法基本原理",
        "二、算法运行机制",
        "三、算法应用场景",
        "四、算法目的意图",
    ]
    duty = open_docx(exported / f"{ALGORITHM}-落实算法安全主体责任基本情况.docx")
    headings = _headings(duty)
    assert [t for s, t in headings if s == "Heading1"] == [
        "一、算法安全专职机构",
        "二、算法安全管理制度建设",
        "三、附件",
    ]
    assert ("Heading2", "（一）算法安全专职机构设置") in headings


def test_header_table(exported: Path, facts: Facts) -> None:
    doc = open_docx(exported / SA)
    table = doc.tables[0]
    assert table.style.name == "Table Grid"
    rows = {row.cells[0].text: row.cells[1].text for row in table.rows}
    assert rows["主体名称"] == facts.entity.name
    assert rows["统一社会信用代码"] == facts.entity.credit_code
    assert rows["算法名称"] == ALGORITHM
    label = table.rows[0].cells[0]
    assert label._tc.tcPr.find(qn("w:shd")) is not None
    assert all(run.bold for run in label.paragraphs[0].runs)
    body = doc.element.body
    first = next(p for p in doc.paragraphs if p.text == "一、算法情况" and p.style.name == "Heading 1")
    title = doc.paragraphs[_title_index(doc)]
    assert (
        body.index(title._p) < body.index(table._tbl) < body.index(first._p)
    )  # after the title, before 一、


GBT9704_FONTS = {
    "Normal": "仿宋",
    "Title": "宋体",
    "Heading 1": "黑体",
    "Heading 2": "楷体",
    "Heading 3": "仿宋",
}


def test_east_asian_fonts(exported: Path) -> None:
    """Every run shows in a named Chinese font (its style's, not a theme font); headings follow GB/T 9704."""
    for path in exported.glob("*.docx"):
        doc = open_docx(path)
        paragraphs = list(doc.element.body.iter(qn("w:p")))
        assert paragraphs
        for p in paragraphs:
            ppr = p.find(qn("w:pPr"))
            style = (
                ppr.find(qn("w:pStyle")).get(qn("w:val"))
                if ppr is not None and ppr.find(qn("w:pStyle")) is not None
                else None
            )
            for run in p.iter(qn("w:r")):
                assert _east_asian_font(doc, run, style) in set(GBT9704_FONTS.values()), path.name
        for name, font in GBT9704_FONTS.items():
            fonts = doc.styles[name].element.rPr.rFonts
            assert fonts.get(qn("w:eastAsia")) == font, (path.name, name)
            assert fonts.get(qn("w:eastAsiaTheme")) is None
        assert doc.styles["Normal"].font.size == Pt(16) and doc.styles["Heading 1"].font.size == Pt(16)


def test_page_setup_and_page_number(exported: Path) -> None:
    doc = open_docx(exported / SA)
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    # GB/T 9704: 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm
    assert round(section.top_margin.cm, 2) == 3.7 and round(section.left_margin.cm, 2) == 2.8
    assert round(Length(section.page_width - section.left_margin - section.right_margin).cm, 1) == 15.6
    assert round(Length(section.page_height - section.top_margin - section.bottom_margin).cm, 1) == 22.5
    footer = section.footer._element
    kinds = [c.get(qn("w:fldCharType")) for c in footer.iter(qn("w:fldChar"))]
    assert kinds[:3] == ["begin", "separate", "end"] or kinds[:2] == ["begin", "separate"]
    assert "end" in kinds
    assert any(i.text.strip() == "PAGE" for i in footer.iter(qn("w:instrText")))


def test_names_and_properties(exported: Path, facts: Facts) -> None:
    doc = open_docx(exported / SA)
    text = _all_text(doc)
    assert facts.product.name in text and ALGORITHM in text
    props = doc.core_properties
    assert props.title == "算法安全自评估报告"
    assert props.author == facts.entity.name
    assert "python-docx" not in (props.comments or "") + (props.last_modified_by or "")


def test_commitment_signature_right_aligned(exported: Path) -> None:
    doc = open_docx(exported / f"{ALGORITHM}-算法备案承诺书.docx")
    signature = [p for p in doc.paragraphs if p.text.startswith(("法定代表人", "单位（盖章）", "日期"))]
    assert len(signature) == 3
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.RIGHT for p in signature)


def test_lists_keep_numbers_with_hanging_indent(exported: Path) -> None:
    doc = open_docx(exported / SA)
    item = next(p for p in doc.paragraphs if p.text.startswith("1.\t用户在写作页面"))
    assert item.paragraph_format.first_line_indent < 0 < item.paragraph_format.left_indent


def test_cover_and_contents(exported: Path, facts: Facts) -> None:
    """The report opens with a cover page (no page number on it) and a 目录 field listing the headings."""
    doc = open_docx(exported / SA)
    title = _title_index(doc)
    cover = [p for p in doc.paragraphs[:title] if p.style.name == docx_template.COVER_TITLE]
    assert [p.text for p in cover] == [ALGORITHM, "算法安全自评估报告"]
    cover_text = "\n".join(p.text for p in doc.paragraphs[:title])
    assert f"主体名称：{facts.entity.name}" in cover_text and "编制日期：" in cover_text
    assert doc.sections[0].different_first_page_header_footer
    assert not any(
        i.text.strip() == "PAGE" for i in doc.sections[0].first_page_footer._element.iter(qn("w:instrText"))
    )
    instructions = [i.text for i in doc.element.body.iter(qn("w:instrText"))]
    assert any(text.strip().startswith("TOC") for text in instructions)
    entries = [p.text for p in doc.paragraphs[:title] if p.style.name in ("toc 1", "toc 2")]
    level1 = [text for style, text in _headings(doc) if style == "Heading1"]
    assert entries[0] == "一、算法情况" and set(level1) <= set(entries)
    assert "（一）算法流程" in entries and "1. 输入数据" not in entries  # two levels
    breaks = doc.element.body.xpath('.//w:br[@w:type="page"]')
    assert len(breaks) >= 3  # after the cover, after the 目录, after the header table
    settings = doc.settings.element
    assert settings.find(qn("w:updateFields")).get(qn("w:val")) == "true"  # Word fills in page numbers


def test_other_documents_have_no_cover(exported: Path) -> None:
    doc = open_docx(exported / PUBLICITY)
    assert doc.paragraphs[0].style.name == "Title"
    assert not any(i.text.strip().startswith("TOC") for i in doc.element.body.iter(qn("w:instrText")))


def test_closing_signature_and_seal(exported: Path, facts: Facts) -> None:
    doc = open_docx(exported / SA)
    closing = [p for p in doc.paragraphs if p.style.name == docx_template.CLOSING]
    assert [p.text.split("：")[0] for p in closing] == ["主体名称（盖章）", "算法安全负责人（签名）", "日期"]
    assert closing[0].text == f"主体名称（盖章）：{facts.entity.name}"
    assert doc.paragraphs[-1].style.name == docx_template.CLOSING  # the block ends the report
    assert doc.styles[docx_template.CLOSING].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    publicity = [
        p.text for p in open_docx(exported / PUBLICITY).paragraphs if p.style.name == docx_template.CLOSING
    ]
    assert f"统一社会信用代码：{facts.entity.credit_code}" in publicity
    assert f"算法安全负责人：{facts.entity.security_officer.name}" in publicity


def test_closing_missing_fact_is_a_marker(facts_data: dict) -> None:
    data = json.loads(json.dumps(facts_data, default=str))
    del data["entity"]["credit_code"]
    lines = export.fill_closing(parse_facts(data), ["统一社会信用代码：{entity.credit_code}"])
    assert lines == ["统一社会信用代码：【待补充：entity.credit_code】"]


# --- the reference template -----------------------------------------------------------------------


def _style_look(doc: DocxDocument, name: str) -> tuple:
    style = doc.styles[name]
    fmt = style.paragraph_format
    fonts = style.element.rPr.rFonts
    return (
        fonts.get(qn("w:eastAsia")),
        style.font.size,
        style.font.bold,
        fmt.alignment,
        fmt.line_spacing,
        fmt.first_line_indent,
        fmt.space_before,
        fmt.space_after,
    )


def test_template_is_built_by_the_script(tmp_path: Path) -> None:
    """The committed template.docx has the look scripts/build_docx_template.py makes (styles, page, footers)."""
    out = tmp_path / "template.docx"
    subprocess.run(
        [sys.executable, str(REPO / "scripts/build_docx_template.py"), str(out)], check=True, cwd=tmp_path
    )
    built, committed = open_docx(out), open_docx(docx_template.TEMPLATE_PATH)
    for name in docx_template.STYLES:
        assert _style_look(built, name) == _style_look(committed, name), f"{name}：请重新运行脚本生成模板"
    for attribute in ("top_margin", "bottom_margin", "left_margin", "right_margin", "page_width"):
        assert getattr(built.sections[0], attribute) == getattr(committed.sections[0], attribute), attribute
    for doc in (built, committed):
        assert doc.settings.odd_and_even_pages_header_footer
        odd, even = doc.sections[0].footer.paragraphs[0], doc.sections[0].even_page_footer.paragraphs[0]
        assert (odd.alignment, even.alignment) == (WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT)
        assert odd.text.startswith("— ") and odd.text.endswith(" —")


def test_restyled_template_is_used(facts: Facts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user restyles the template (as in Word) and the export follows it: the look lives in template.docx."""
    restyled = open_docx(docx_template.TEMPLATE_PATH)
    docx_template.set_fonts(restyled.styles["Heading 1"].element, "微软雅黑")
    restyled.styles["Normal"].font.size = Pt(14)
    restyled.sections[0].left_margin = docx_template.Cm(3.0)
    path = tmp_path / "mine.docx"
    restyled.save(str(path))
    monkeypatch.setenv(docx_template.TEMPLATE_ENV, str(path))
    export_filing(facts, draft_all(facts), tmp_path / "out", CLEAN)
    doc = open_docx(tmp_path / "out" / SA)
    assert doc.styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsia")) == "微软雅黑"
    assert doc.styles["Normal"].font.size == Pt(14)
    assert round(doc.sections[0].left_margin.cm, 2) == 3.0
    assert "样式模板" not in _all_text(doc)  # the template's sample text is not exported
    heading = next(p for p in doc.paragraphs if p.text == "一、算法情况" and p.style.name == "Heading 1")
    assert all(r._element.rPr is None or r._element.rPr.rFonts is None for r in heading.runs)


def test_missing_template_is_a_clear_error(
    facts: Facts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(docx_template.TEMPLATE_ENV, str(tmp_path / "nope.docx"))
    with pytest.raises(FileNotFoundError, match="样式模板不存在"):
        export_filing(facts, draft_all(facts), tmp_path / "out", CLEAN)


# --- gate, override, draft mark -------------------------------------------------------------------


def test_blocking_finding_refuses_export(facts: Facts, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(ExportRefused) as refused:
        export_filing(facts, draft_all(facts), out, CheckReport([BLOCKING]))
    assert "模板残留" in str(refused.value) and "待补充" in str(refused.value)
    assert refused.value.findings == [BLOCKING]
    assert not out.exists()


def test_short_override_reason_is_rejected(facts: Facts, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="理由"):
        export_filing(
            facts, draft_all(facts), tmp_path / "out", CheckReport([BLOCKING]), override_reason="急用"
        )
    assert not (tmp_path / "out").exists()


def test_override_is_recorded(facts: Facts, tmp_path: Path) -> None:
    reason = "客户要求先提交初稿供法务审阅，流程图由客户另行提供"
    result = export_filing(facts, draft_all(facts), tmp_path, CheckReport([BLOCKING]), override_reason=reason)
    record = json.loads((tmp_path / "export-record.json").read_text(encoding="utf-8"))
    assert record["override"]["reason"] == reason
    assert record["override"]["time"]
    assert record["override"]["findings"][0]["check"] == "hygiene"
    assert result.draft_mark and result.record["override"]["reason"] == reason
    note = f"本稿在 1 项阻断性检查未通过的情况下经人工确认导出，理由：{reason}"
    for path in result.files:
        doc = open_docx(path)
        start = _title_index(doc)
        assert note in [p.text for p in doc.paragraphs[start : start + 3]], path.name
        assert "草稿" in _header_text(doc)
        assert "草稿" in "\n".join(p.text for p in doc.sections[0].even_page_header.paragraphs)
        run = doc.sections[0].header.paragraphs[0].runs[-1]
        assert run.font.color.rgb is not None and str(run.font.color.rgb) == "C00000"
        assert (
            "草稿" in doc.core_properties.subject and doc.core_properties.title == path.stem.split("-", 1)[1]
        )


def test_no_draft_mark_when_only_warnings(facts: Facts, tmp_path: Path) -> None:
    """Blocking checks pass: the paper is clean; the open warnings stay in the export record."""
    result = export_filing(facts, draft_all(facts), tmp_path, CheckReport([WARNING]))
    assert not result.draft_mark
    doc = open_docx(tmp_path / SA)
    assert "草稿" not in _header_text(doc) and "草稿" not in (doc.core_properties.subject or "")
    assert result.record["warnings"][0]["check"] == "length"


def test_no_draft_mark_when_clean(exported: Path) -> None:
    doc = open_docx(exported / SA)
    assert "草稿" not in _header_text(doc)
    assert "草稿" not in (doc.core_properties.subject or "") + (doc.core_properties.keywords or "")
    record = json.loads((exported / "export-record.json").read_text(encoding="utf-8"))
    assert record["draft_mark"] is None and record["override"] is None


def test_nothing_from_the_environment(facts: Facts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("USER", "secret-user")
    result = export_filing(facts, draft_all(facts), tmp_path, CLEAN)
    for path in result.files:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                data = archive.read(name)
                assert secret.encode() not in data and b"secret-user" not in data, (path.name, name)


# --- file names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "a/b:c*?",
        "..",
        "con\x00trol\x1f名\n",
        "名" * 300,
        "C:\\Windows\\system32",
        " 末尾点. . ",
        '<>:"|?*',
    ],
)
def test_malicious_algorithm_name_stays_inside(facts_data: dict, tmp_path: Path, name: str) -> None:
    data = json.loads(json.dumps(facts_data, default=str))
    data["filing"]["algorithm_name"] = name
    facts = parse_facts(data)
    out = tmp_path / "out"
    result = export_filing(facts, draft_all(facts), out, CLEAN)
    assert len(result.files) == 5
    for path in result.files:
        assert path.parent == out.resolve() and path.is_file()
        assert len(path.name.encode("utf-8")) <= 255
        assert not set(path.name) & set('<>:"/\\|?*') and ".." not in path.name
        assert not any(ord(ch) < 32 for ch in path.name)
    assert {p.name for p in out.iterdir()} == {p.name for p in result.files} | {
        "manifest.json",
        "export-record.json",
    }


def test_safe_filename() -> None:
    assert safe_filename("../../etc/passwd") == "etc_passwd"
    assert safe_filename("a/b:c*?") == "a_b_c"
    assert safe_filename("...") == "未命名"
    assert safe_filename("名称. ") == "名称"


# --- Markdown subset ------------------------------------------------------------------------------


def test_parse_markdown() -> None:
    text = (
        "## 算法流程\n（一）输入数据\n\n正文第一段，含**加粗**。\n1. 第一步。\n2. 第二步。\n- 要点\n\n"
        "| 项目 | 内容 |\n| --- | --- |\n| 主体名称 | 某公司 |\n\n（二）这一行很长，不是标题，而是一段以括号编号开头的正文。"
    )
    blocks = parse_markdown(text)
    assert [b.kind for b in blocks] == [
        "heading",
        "heading",
        "paragraph",
        "numbered",
        "numbered",
        "bullet",
        "table",
        "paragraph",
    ]
    assert blocks[3].number == "1." and blocks[3].text == "第一步。"
    assert blocks[6].rows == [["项目", "内容"], ["主体名称", "某公司"]]
    assert list(markdown.inline("含**加粗**和【待补充：名称（a.b）】")) == [
        ("含", False, False),
        ("加粗", True, False),
        ("和", False, False),
        ("【待补充：名称（a.b）】", False, True),
    ]


# --- figure ---------------------------------------------------------------------------------------


def _figure_position(doc: DocxDocument) -> tuple[int, int, int]:
    texts = [p.text if p.style.name.startswith("Heading") else "" for p in doc.paragraphs]
    picture = next(i for i, p in enumerate(doc.paragraphs) if p._p.xpath(".//pic:pic"))
    return texts.index("（一）算法流程"), picture, texts.index("（二）算法数据")


def test_flow_chart_embedded(exported: Path) -> None:
    doc = open_docx(exported / SA)
    assert len(doc.inline_shapes) == 1
    flow, picture, data = _figure_position(doc)
    assert flow < picture < data
    assert doc.paragraphs[picture + 1].text == "图 1 算法流程图"
    record = json.loads((exported / "export-record.json").read_text(encoding="utf-8"))
    assert flowchart.find_cjk_font() is not None, (
        "未找到中文字体：请安装 fonts-noto-cjk（.ci/apt-packages.txt）"
    )
    assert record["notices"] == []


def test_flow_chart_draws_chinese_labels(facts: Facts) -> None:
    """The chart's boxes carry text: drawn with the CJK font there is far more ink than boxes and numbers."""
    from PIL import Image

    steps = list(facts.algorithm.pipeline)
    png, notices = flowchart.render_flowchart(steps)
    assert notices == []
    ink = sum(
        1 for px in Image.open(io.BytesIO(png)).convert("L").get_flattened_data() if px < 40
    )  # text, not box outlines
    no_font = flowchart._cjk_font
    try:
        flowchart._cjk_font = lambda: None
        bare, bare_notices = flowchart.render_flowchart(steps)
    finally:
        flowchart._cjk_font = no_font
    bare_ink = sum(
        1 for px in Image.open(io.BytesIO(bare)).convert("L").get_flattened_data() if px < 40
    )  # text, not box outlines
    assert bare_notices and ink > 3 * bare_ink


def test_declared_font_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    located = flowchart.find_cjk_font()
    if located is None:
        pytest.skip("没有中文字体")
    monkeypatch.setenv(flowchart.FONT_ENV, located[0])
    flowchart.find_cjk_font.cache_clear()
    try:
        assert flowchart.find_cjk_font() == (located[0], 0)
    finally:
        monkeypatch.delenv(flowchart.FONT_ENV)
        flowchart.find_cjk_font.cache_clear()


def test_flow_chart_without_cjk_font(facts: Facts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No CJK font: said loudly in the record, in the document under the chart, and by the CLI."""
    monkeypatch.setattr(flowchart, "find_cjk_font", lambda: None)
    result = export_filing(facts, draft_all(facts), tmp_path, CLEAN)
    assert any("中文字体" in notice for notice in result.notices)
    doc = open_docx(tmp_path / SA)
    assert len(doc.inline_shapes) == 1
    texts = [p.text for p in doc.paragraphs]
    caption = texts.index("图 1 算法流程图")
    assert "中文字体" in texts[caption + 1] and "fonts-noto-cjk" in texts[caption + 1]


# --- rendering ------------------------------------------------------------------------------------

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="same"><family>宋体</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>仿宋</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>楷体</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>黑体</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
</fontconfig>
"""


def _render_first_page(docx: Path, work: Path, stem: str, page: int = 1) -> tuple[Path, int]:
    """docx → PDF with LibreOffice, one page → test-artifacts/<stem>.png; returns the PNG and the page count.

    A fontconfig file maps 宋体/仿宋/楷体/黑体 to the Simplified-Chinese Noto faces, as Windows would show them."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        pytest.skip("需要 libreoffice（soffice）和 pdftoppm（poppler-utils）")
    (work / "fonts.conf").write_text(FONTS_CONF, encoding="utf-8")
    env = {"HOME": str(work), "PATH": "/usr/bin:/bin", "FONTCONFIG_FILE": str(work / "fonts.conf")}
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{work / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env=env,
    )
    pdf = work / docx.with_suffix(".pdf").name
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf),
            str(ARTIFACTS / stem),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return ARTIFACTS / f"{stem}.png", len(PdfReader(pdf).pages)


def test_render_with_libreoffice(facts: Facts, tmp_path: Path) -> None:
    result = export_filing(facts, draft_all(facts), tmp_path / "out", CheckReport([WARNING]))
    files = {p.name: p for p in result.files}
    png, pages = _render_first_page(files[SA], tmp_path, "export-self-assessment-p1")
    assert pages >= 2 and png.is_file() and png.stat().st_size > 0
    for page in (2, 4, 5):  # 目录, the header table, the body with the flow chart
        png, _ = _render_first_page(files[SA], tmp_path, f"export-self-assessment-p{page}", page)
        assert png.stat().st_size > 0
    png, _ = _render_first_page(files[PUBLICITY], tmp_path, "export-publicity-p1")
    assert png.is_file()


def test_cli_says_loudly_without_cjk_font(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli import main

    drafts = tmp_path / "drafts"
    assert main(["draft", str(FIXTURE), "--provider", "template", "-o", str(drafts)]) == 0
    monkeypatch.setattr(flowchart, "find_cjk_font", lambda: None)
    capsys.readouterr()
    assert main(["export", str(FIXTURE), str(drafts), "-o", str(tmp_path / "docx")]) == 0
    err = capsys.readouterr().err
    assert "!!! 警告：未找到可用的中文字体" in err and "fonts-noto-cjk" in err
