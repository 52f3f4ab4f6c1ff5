"""Import of real past filings (.docx, .md, .txt, .pdf) into the library: split by section, anonymise,
screen for prompt injection, refuse while personal data remains, write corpus/filings/imported-*.md, index.

The placeholder → original mapping is written only under the data directory
(`import-mappings/<id>.json`), never into corpus/ or the index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.checking.injection import clean_text
from assistant.config import Settings
from assistant.corpus.anonymize import AnonymizeResult, anonymize, residual_scan
from assistant.corpus.filings import FilingFormatError, parse_filing_text
from assistant.facts import ALGORITHM_TYPES, ROLES
from assistant.spec import SpecBook, load_spec

SUPPORTED = (".docx", ".md", ".txt", ".pdf")
MAX_ZIP_MEMBERS = 2000
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100
RATIO_MIN_BYTES = 5 * 1024 * 1024
MAX_PDF_PAGES = 500
MODALITIES = ("文本", "图像", "音频", "视频", "数字人", "三维", "结构化数据")
PROVENANCES = ("自研", "基于开源模型微调", "第三方API", "不适用")


class FilingImportError(ValueError):
    """The file cannot be imported (size, type, structure); the message is for the user, in Chinese."""


class ImportRefused(FilingImportError):
    """Personal data would remain after anonymisation: nothing is written or indexed."""

    def __init__(self, findings: list[str]):
        self.findings = findings
        listed = "；".join(findings[:20]) + ("……" if len(findings) > 20 else "")
        super().__init__(
            f"匿名化后仍检测到 {len(findings)} 处个人或识别信息，已拒绝入库：{listed}。"
            "请手工处理这些内容后重新导入。"
        )


@dataclass
class ImportReport:
    filing_id: str
    path: Path
    sections: list[str]
    replacements: dict[str, int]
    injections: list[tuple[str, str]]  # (section id, removed sentence)
    mapping_path: Path
    meta: dict[str, Any] = field(default_factory=dict)
    skipped_headings: list[str] = field(default_factory=list)
    chunks_indexed: int = 0

    def summary(self) -> str:
        from assistant.corpus.anonymize import KIND_NAMES

        replaced = "、".join(
            f"{KIND_NAMES.get(k, k)} {n} 处" for k, n in sorted(self.replacements.items()) if n
        )
        lines = [
            f"已导入 {self.filing_id}：{self.path}",
            f"识别章节 {len(self.sections)} 个：{', '.join(self.sections)}",
            f"替换：{replaced or '无'}",
            f"对照表（仅保存在本机，不入索引）：{self.mapping_path}",
        ]
        if self.injections:
            lines.append(f"移除疑似提示词注入语句 {len(self.injections)} 句：")
            lines += [f"  [{sid}] {sentence.strip()}" for sid, sentence in self.injections]
        if self.skipped_headings:
            lines.append(f"未归入任何章节的标题：{'；'.join(self.skipped_headings)}")
        return "\n".join(lines)


# ------------------------------------------------------------------------------- reading and checks


@dataclass
class Block:
    """One paragraph (or table row group) of the source, with what its formatting says about headings."""

    text: str
    style_level: int | None = None  # Word Heading N / Markdown #×N
    bold: bool = False
    table: bool = False


def _read_checked(path: Path, settings: Settings) -> tuple[str, bytes]:
    if not path.is_file():
        raise FilingImportError(f"找不到文件：{path}")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise FilingImportError(f"不支持的文件类型“{suffix or '无扩展名'}”，仅支持 {'、'.join(SUPPORTED)}")
    size = path.stat().st_size
    if size > settings.max_upload_bytes:
        raise FilingImportError(
            f"文件过大：{size / 1024 / 1024:.1f} MB，上限为 {settings.max_upload_bytes / 1024 / 1024:.1f} MB"
        )
    if size == 0:
        raise FilingImportError("文件为空")
    data = path.read_bytes()
    _check_content_type(suffix, data)
    return suffix, data


def _check_content_type(suffix: str, data: bytes) -> None:
    is_zip, is_pdf = data[:4] == b"PK\x03\x04", data[:5] == b"%PDF-"
    if suffix == ".docx" and not is_zip:
        raise FilingImportError(
            "文件内容不是有效的 .docx（Word 文档应为 ZIP 格式），请确认文件未损坏、扩展名正确"
        )
    if suffix == ".pdf" and not is_pdf:
        raise FilingImportError("文件内容不是有效的 PDF（缺少 %PDF 文件头），请确认扩展名正确")
    if suffix in (".md", ".txt") and (is_zip or is_pdf or b"\x00" in data[:8192]):
        raise FilingImportError(f"文件内容不是纯文本，与扩展名 {suffix} 不符")


def _check_zip(archive: zipfile.ZipFile) -> None:
    """Refuse zip bombs before anything decompresses: member count, declared total size, ratios."""
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise FilingImportError(f"文档压缩包内文件过多（{len(members)} 个），疑似恶意构造，已拒绝")
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise FilingImportError(f"文档解压后体积过大（{total / 1024 / 1024:.0f} MB），疑似压缩炸弹，已拒绝")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO:
            raise FilingImportError(
                f"文档内“{member.filename}”的压缩比异常（{ratio:.0f} 倍），疑似压缩炸弹，已拒绝"
            )
    if "word/document.xml" not in {m.filename for m in members}:
        raise FilingImportError("文件不是有效的 Word 文档：压缩包中没有 word/document.xml")


def _heading_level(style_name: str) -> int | None:
    match = re.match(r"^(?:Heading|标题)\s*(\d)$", style_name.strip(), re.I)
    if match:
        return int(match.group(1))
    return 1 if style_name.strip().lower() in ("title", "标题") else None


def _docx_blocks(data: bytes) -> list[Block]:
    from docx import Document

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_zip(archive)
        document = Document(io.BytesIO(data))
        return _docx_body(document)
    except FilingImportError:
        raise
    except zipfile.BadZipFile as exc:
        raise FilingImportError(f"Word 文档已损坏，无法读取：{exc}") from exc
    except (KeyError, ValueError) as exc:
        raise FilingImportError(f"Word 文档结构无效，无法读取：{exc}") from exc
    except Exception as exc:  # noqa: BLE001 - python-docx/lxml raise many kinds on a malformed package
        raise FilingImportError(
            f"Word 文档结构无效，无法读取（{type(exc).__name__}）；请用 Word 或 WPS 打开后另存为 .docx 再导入"
        ) from exc


def _docx_body(document: Any) -> list[Block]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[Block] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            text = paragraph.text.strip()
            if text:
                runs = [r for r in paragraph.runs if r.text.strip()]
                bold = bool(runs) and all(r.bold for r in runs)
                blocks.append(
                    Block(text, _heading_level(paragraph.style.name if paragraph.style else ""), bold)
                )
        elif tag == "tbl":
            blocks.append(Block(_table_markdown(Table(child, document)), table=True))
    return [b for b in blocks if b.text]


def _table_markdown(table: Any) -> str:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if not cells or cells[-1] != text:  # merged cells repeat
                cells.append(text.replace("|", "｜"))
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
    if len(rows) > 1:
        width = rows[0].count(" | ") + 1
        rows.insert(1, "|" + " --- |" * width)
    return "\n".join(rows)


def _pdf_blocks(data: bytes) -> list[Block]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise FilingImportError("PDF 已加密，无法读取内容，请先解除密码保护")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise FilingImportError(f"PDF 页数过多（{len(reader.pages)} 页），上限为 {MAX_PDF_PAGES} 页")
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except FilingImportError:
        raise
    except PdfReadError as exc:
        raise FilingImportError(f"PDF 文件已损坏，无法读取：{exc}") from exc
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on a malformed file
        raise FilingImportError(f"PDF 文件结构无效，无法读取（{type(exc).__name__}）") from exc
    return _join_wrapped(_text_blocks(text))


def _join_wrapped(blocks: list[Block]) -> list[Block]:
    """PDF text is hard-wrapped: join a line to the previous one unless either looks like a heading."""
    joined: list[Block] = []
    for block in blocks:
        previous = joined[-1] if joined else None
        if (
            previous
            and not _numbering(block.text)[0]
            and not _numbering(previous.text)[0]
            and not re.search(r"[。！？；：:]$", previous.text)
            and heading_target(previous.text) is None
            and heading_target(block.text) is None
        ):
            previous.text += block.text
        else:
            joined.append(block)
    return joined


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FilingImportError("无法识别文本编码，请保存为 UTF-8 后重新导入")


def _text_blocks(text: str) -> list[Block]:
    blocks = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if match := re.match(r"^(#{1,6})\s+(.+)$", line):
            blocks.append(Block(match.group(2).strip(), style_level=len(match.group(1))))
        elif match := re.match(r"^\*\*(.+?)\*\*[：:]?$", line):
            blocks.append(Block(match.group(1).strip(), bold=True))
        else:
            blocks.append(Block(line))
    return blocks


# ------------------------------------------------------------------------------- section splitting

_NUMBERING = [
    ("part", r"第[一二三四五六七八九十百\d]+(?:部分|章|篇)"),
    ("node", r"第[一二三四五六七八九十百\d]+节"),
    ("cn", r"[一二三四五六七八九十]+[、.．]"),
    ("cn_paren", r"[（(][一二三四五六七八九十]+[)）]"),
    ("num_paren", r"[（(]\d+[)）]"),
    ("dotted", r"\d+(?:[.．]\d+)+[.．、]?"),
    ("num", r"\d+[、.．](?!\d)"),
]
_NUMBERING_RE = re.compile("^(?:" + "|".join(f"(?P<{name}>{p})" for name, p in _NUMBERING) + r")\s*")
HEADING_ALIASES = {
    "基本原理": "principle",
    "算法原理": "principle",
    "运行机制": "mechanism",
    "应用场景": "scenarios",
    "目的意图": "purpose",
    "算法目的": "purpose",
    "算法流程图": "algo_flow",
    "风险研判情况": "risk_assessment",
    "安全风险研判": "risk_assessment",
    "风险防控": "risk_controls",
    "风险防控措施": "risk_controls",
    "安全风险防控情况": "risk_controls",
    "评估结论": "conclusion",
    "自评估结论": "conclusion",
    "其他需要说明的情况": "other_matters",
    "其他应当说明的情况": "other_matters",
    "其他情况": "other_matters",
    "专职机构": "org",
    "算法安全专职机构设置": "org",
    "管理制度建设": "systems",
    "算法安全管理制度": "systems",
    "人工干预策略": "intervention",
    "生成合成内容标识": "labeling",
    "标识情况": "labeling",
    "关联产品及功能": "products",
    "技术服务方式说明": "service_mode",
}


def _numbering(line: str) -> tuple[str | None, str]:
    """(numbering form, rest of the line); the form of `1.1` records its depth (dotted2)."""
    match = _NUMBERING_RE.match(line)
    if not match:
        return None, line
    form = match.lastgroup or ""
    if form == "dotted":
        form = "dotted" + str(len(re.findall(r"\d+", match.group(0))))
    return form, line[match.end() :].strip()


def _targets(spec: SpecBook) -> dict[str, tuple[str, str]]:
    """Heading text → (kind, value): kind is section (value = id), part or document."""
    targets: dict[str, tuple[str, str]] = {}
    for document in spec.documents:
        targets[document.title] = ("document", document.id)
    for section in spec.sections:
        if section.part:
            targets[section.part] = ("part", section.part)
    for alias, section_id in HEADING_ALIASES.items():
        targets[alias] = ("section", section_id)
    for section in spec.sections:
        targets[section.title] = ("section", section.id)
        targets[section.id] = ("section", section.id)
    return targets


def heading_target(text: str, spec: SpecBook | None = None) -> tuple[str, str] | None:
    """What a heading names, for the real-world variants 一、算法情况 / 1. 算法情况 / 第一部分 算法情况 /
    （一）算法流程 / 1.1 算法流程 / 算法流程："""
    targets = _targets(spec or load_spec())
    _, rest = _numbering(text.strip())
    rest = re.sub(r"[\s*#]+", "", rest).rstrip("：:。.")
    for candidate in (
        rest,
        rest.removesuffix("情况"),
        rest + "情况",
        rest.removeprefix("算法"),
        "算法" + rest,
    ):
        if candidate in targets:
            return targets[candidate]
    return None


@dataclass
class _Heading:
    target: tuple[str, str] | None
    forms: frozenset[str]  # numbering form (cn, dotted2 …) and style form (style1, bold)
    remainder: str = ""


def _as_heading(block: Block, spec: SpecBook) -> _Heading | None:
    if block.table:
        return None
    form, rest = _numbering(block.text)
    style = f"style{block.style_level}" if block.style_level else ("bold" if block.bold else None)
    forms = frozenset(f for f in (form, style) if f) or frozenset({"plain"})
    target = heading_target(block.text, spec)
    if target:
        return _Heading(target, forms)
    inline = re.match(r"^(.{2,20}?)[：:]\s*(.+)$", rest)
    if inline and (target := heading_target(inline.group(1), spec)) and target[0] == "section":
        return _Heading(target, forms, inline.group(2))
    short = len(rest) <= 30 and not re.search(r"[。；;，,]$", rest)
    if (style or (form and short)) and not re.search(r"[。；]", rest):
        return _Heading(None, forms)
    return None


def _closes(forms: frozenset[str], active: set[str]) -> bool:
    """An unrecognised heading ends the current section when it sits at the level of the section's own
    heading or of an enclosing part: same numbering form, or a Word/Markdown heading level as high."""
    for form in forms:
        if form.startswith("style"):
            level = int(form[5:])
            if any(a.startswith("style") and int(a[5:]) >= level for a in active):
                return True
        elif form not in ("bold", "plain") and form in active:
            return True
    return False


@dataclass
class Split:
    sections: dict[str, str]
    skipped_headings: list[str]


def split_sections(blocks: Iterable[Block], spec: SpecBook | None = None) -> Split:
    """Assign blocks to sections by their headings. Part headings (算法情况) and document titles group
    their children; an unrecognised heading at the level of the current section (or of a part) ends it."""
    spec = spec or load_spec()
    parts: dict[str, list[str]] = {}
    skipped: list[str] = []
    current: str | None = None
    section_forms: frozenset[str] = frozenset()
    container_forms: set[str] = set()
    for block in blocks:
        heading = _as_heading(block, spec)
        if heading and heading.target:
            kind, value = heading.target
            if kind == "section":
                current, section_forms = value, heading.forms
                parts.setdefault(current, [])
                if heading.remainder:
                    parts[current].append(heading.remainder)
            else:
                current = None
                container_forms |= heading.forms
            continue
        if heading and current and _closes(heading.forms, set(section_forms) | container_forms):
            current = None
        if current:
            parts[current].append(_body_line(block))
        elif heading:
            skipped.append(block.text[:40])
    sections = {sid: "\n\n".join(lines).strip() for sid, lines in parts.items()}
    return Split({k: v for k, v in sections.items() if v}, skipped)


def _body_line(block: Block) -> str:
    text = block.text
    if block.table:
        return text
    if block.bold or block.style_level:
        return f"**{text}**"
    return re.sub(r"^#+\s*", "", text)  # a stray Markdown heading must not become a section heading


# ------------------------------------------------------------------------------- metadata

_TYPE_WORDS = {
    "生成合成类": r"生成合成|生成式|深度合成|大模型|文生图|AIGC|数字人|语音合成",
    "个性化推送类": r"个性化推送|个性化推荐|推荐算法|信息流推荐|兴趣推荐",
    "排序精选类": r"排序精选|热搜|榜单|热榜|精选",
    "检索过滤类": r"检索过滤|搜索|检索|过滤",
    "调度决策类": r"调度决策|派单|调度|配送|运力",
}
_MODALITY_WORDS = {
    "文本": r"文本|文字|文章",
    "图像": r"图像|图片|照片|绘画",
    "音频": r"音频|语音|声音|音乐",
    "视频": r"视频",
    "数字人": r"数字人|虚拟人|虚拟形象",
    "三维": r"三维|3D",
    "结构化数据": r"结构化数据",
}


def detect_meta(text: str) -> dict[str, Any]:
    """Algorithm type, role, modalities, provenance and year from the wording of the filing."""
    explicit = [t for t in ALGORITHM_TYPES if t in text]
    scores = {t: len(re.findall(p, text)) for t, p in _TYPE_WORDS.items()}
    algorithm_type = explicit[0] if len(explicit) == 1 else max(scores, key=lambda t: scores[t])
    role = (
        "服务技术支持者"
        if re.search(r"服务技术支持者|技术支持者", text) and "服务提供者" not in text
        else "服务提供者"
    )
    modalities = [m for m, p in _MODALITY_WORDS.items() if len(re.findall(p, text)) >= 2] or ["文本"]
    if re.search(r"第三方(?:大)?模型|调用.{0,12}(?:接口|API)|第三方API", text):
        provenance = "第三方API"
    elif re.search(r"开源模型|开源.{0,8}微调|基于.{0,12}微调", text):
        provenance = "基于开源模型微调"
    elif re.search(r"自研|自主研发", text):
        provenance = "自研"
    else:
        provenance = "不适用"
    this_year = dt.date.today().year
    years = [int(y) for y in re.findall(r"(20\d\d)\s*年", text) if 2015 <= int(y) <= this_year]
    return {
        "algorithm_type": algorithm_type,
        "role": role,
        "modalities": modalities,
        "provenance": provenance,
        "year": max(years) if years else this_year,
    }


def _validated_meta(meta: dict[str, Any] | None, detected: dict[str, Any]) -> dict[str, Any]:
    meta = dict(meta or {})
    result = {**detected, **{k: v for k, v in meta.items() if k in detected and v not in (None, "", [])}}
    if result["algorithm_type"] not in ALGORITHM_TYPES:
        raise FilingImportError(
            f"算法类型“{result['algorithm_type']}”无效，可选：{'、'.join(ALGORITHM_TYPES)}"
        )
    if result["role"] not in ROLES:
        raise FilingImportError(f"备案主体角色“{result['role']}”无效，可选：{'、'.join(ROLES)}")
    if result["provenance"] not in PROVENANCES:
        raise FilingImportError(f"模型来源“{result['provenance']}”无效，可选：{'、'.join(PROVENANCES)}")
    modalities = result["modalities"]
    modalities = [modalities] if isinstance(modalities, str) else list(modalities)
    unknown = [m for m in modalities if m not in MODALITIES]
    if unknown:
        raise FilingImportError(f"模态“{'、'.join(map(str, unknown))}”无效，可选：{'、'.join(MODALITIES)}")
    result["modalities"] = modalities
    try:
        result["year"] = int(result["year"])
    except (TypeError, ValueError) as exc:
        raise FilingImportError(f"年份“{result['year']}”无效") from exc
    if meta.get("id") is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,60}", str(meta["id"])):
        raise FilingImportError("备案编号 id 只能包含英文字母、数字、连字符和下划线")
    return result


# ------------------------------------------------------------------------------- pipeline


_SEPARATOR = "\n\n⟦{}⟧\n\n"


def _anonymize_sections(
    sections: dict[str, str], known_names: Iterable[str]
) -> tuple[dict[str, str], AnonymizeResult]:
    """One anonymisation pass over all sections, so that placeholders are consistent across the file."""
    ids = list(sections)
    joined = "".join(_SEPARATOR.format(i) + sections[sid] for i, sid in enumerate(ids))
    result = anonymize(joined, list(known_names))
    pieces = re.split(r"\n\n⟦(\d+)⟧\n\n", result.text)
    texts = {ids[int(pieces[i])]: pieces[i + 1].strip() for i in range(1, len(pieces) - 1, 2)}
    if set(texts) != set(ids):
        raise FilingImportError("匿名化过程中章节边界丢失，已停止导入")
    return texts, result


def _render(filing_id: str, meta: dict[str, Any], sections: dict[str, str], spec: SpecBook) -> str:
    header = {
        "id": filing_id,
        "algorithm_type": meta["algorithm_type"],
        "role": meta["role"],
        "modalities": meta["modalities"],
        "provenance": meta["provenance"],
        "year": meta["year"],
        "note": "导入",
    }
    front = yaml.safe_dump(header, allow_unicode=True, sort_keys=False, default_flow_style=None).strip()
    order = [s.id for s in spec.sections]
    body = "\n\n".join(
        f"## {spec.section(sid).title}\n\n{sections[sid]}" for sid in sorted(sections, key=order.index)
    )
    return f"---\n{front}\n---\n{body}\n"


def _filing_id(meta: dict[str, Any] | None, data: bytes) -> str:
    """`imported-<slug>`: the slug is meta["id"] or a content hash, so a file name that holds a company
    name never reaches the corpus or the index."""
    slug = str(meta["id"]) if meta and meta.get("id") else hashlib.sha256(data).hexdigest()[:12]
    return slug if slug.startswith("imported-") else f"imported-{slug}"


def _write_mapping(settings: Settings, filing_id: str, source: Path, result: AnonymizeResult) -> Path:
    directory = settings.data_dir / "import-mappings"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{filing_id}.json"
    payload = {
        "filing_id": filing_id,
        "source_file": str(source),
        "imported_at": dt.datetime.now().isoformat(),
        "mapping": result.mapping,
        "aliases": result.aliases,
        "counts": result.counts,
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def read_blocks(path: Path, settings: Settings) -> tuple[list[Block], bytes, dict[str, Any]]:
    """Checked read of a supported file into blocks; a corpus-format Markdown file also yields its front matter."""
    suffix, data = _read_checked(path, settings)
    if suffix == ".docx":
        return _docx_blocks(data), data, {}
    if suffix == ".pdf":
        return _pdf_blocks(data), data, {}
    text = _decode(data)
    if suffix == ".md" and text.startswith("---"):
        try:
            doc = parse_filing_text(text, path.name)
        except FilingFormatError:
            pass
        else:
            spec = load_spec()
            blocks = [
                b
                for sid, body in doc.sections.items()
                for b in [Block(spec.section(sid).title, style_level=2), *_text_blocks(body)]
            ]
            return blocks, data, {k: v for k, v in doc.meta.items() if k != "id"}
    return _text_blocks(text), data, {}


def import_filing(
    path: Path,
    settings: Settings,
    *,
    meta: dict[str, Any] | None = None,
    collection: Any = None,
    known_names: Iterable[str] = (),
) -> ImportReport:
    """Import one past filing; raises FilingImportError (or ImportRefused) with a Chinese message."""
    path = Path(path)
    spec = load_spec()
    blocks, data, file_meta = read_blocks(path, settings)
    split = split_sections(blocks, spec)
    if not split.sections:
        raise FilingImportError(
            "未识别到任何备案章节标题（如“算法基本原理”“一、算法情况”“1.1 算法流程”），无法导入"
        )
    texts, anonymized = _anonymize_sections(split.sections, known_names)
    injections: list[tuple[str, str]] = []
    for section_id, text in list(texts.items()):
        cleaned, removed = clean_text(text)
        texts[section_id] = cleaned
        injections += [(section_id, sentence.strip()) for sentence in removed]
    texts = {k: v for k, v in texts.items() if v.strip()}
    all_meta = _validated_meta({**file_meta, **(meta or {})}, detect_meta("\n".join(texts.values())))
    filing_id = _filing_id(meta, data)
    rendered = _render(filing_id, all_meta, texts, spec)
    findings = residual_scan(rendered)
    if findings:
        raise ImportRefused(findings)
    parse_filing_text(rendered, filing_id)  # the written file must load as a library filing
    settings.imported_filings_dir.mkdir(parents=True, exist_ok=True)  # user data: never the shipped corpus
    target = settings.imported_filings_dir / f"{filing_id}.md"
    target.write_text(rendered, encoding="utf-8")
    mapping_path = _write_mapping(settings, filing_id, path, anonymized)
    chunks = _index(settings, collection)
    return ImportReport(
        filing_id,
        target,
        list(texts),
        dict(anonymized.counts),
        injections,
        mapping_path,
        all_meta,
        split.skipped_headings,
        chunks,
    )


def _index(settings: Settings, collection: Any) -> int:
    from assistant.corpus.index import ingest

    report = ingest(settings, collection=collection)
    return report.chunks_written
