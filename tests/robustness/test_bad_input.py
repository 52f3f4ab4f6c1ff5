"""Bad input, property-based: the facts loader and the regulation parser fail only with their own errors, each
naming a key path or a line; uploads are checked for size and type and zip bombs are refused; export file
names cannot leave the output directory."""

from __future__ import annotations

import copy
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.checking.checks import CheckReport
from assistant.config import Settings
from assistant.corpus.importer import FilingImportError, import_filing, read_blocks
from assistant.corpus.regulations import ParseIssue, RegulationParseError, parse_regulation_text
from assistant.facts import FactsError, load_facts_text, parse_facts
from assistant.output.export import (
    NAME_MAX_BYTES,
    WINDOWS_RESERVED,
    _target_path,
    document_filename,
    export_filing,
    safe_filename,
)
from assistant.spec import load_spec
from tests.helpers import example_data

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES_A_PLACE = re.compile(r"字段 \S+|第 \d+ 行|顶层")


def _assert_facts_error_is_located(text: str) -> None:
    try:
        load_facts_text(text)
    except FactsError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert NAMES_A_PLACE.search(problem), problem
            assert re.search(r"[\u4e00-\u9fff]", problem), problem  # a Chinese message


# --- facts ----------------------------------------------------------------------------------------

EXAMPLE = example_data()


def _key_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            paths += _key_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            paths += _key_paths(value, (*prefix, index))
    return paths


PATHS = _key_paths(EXAMPLE)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.dates().map(str),
    st.just("2024-02-30"),
    st.just("9999-99-99"),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner, max_size=3),
    ),
    max_leaves=8,
)


@FAST
@given(st.text(max_size=300))
def test_any_text_loads_or_fails_with_a_located_facts_error(text: str) -> None:
    _assert_facts_error_is_located(text)


@FAST
@given(st.lists(st.tuples(st.sampled_from(PATHS), values), min_size=1, max_size=4))
def test_wrong_types_anywhere_name_the_key_path(replacements: list[tuple[tuple[Any, ...], Any]]) -> None:
    data = copy.deepcopy(EXAMPLE)
    for path, value in replacements:
        node = data
        try:
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement changed the shape above this path
    _assert_facts_error_is_located(yaml.safe_dump(data, allow_unicode=True))


YAML_NOISE = st.sampled_from(
    [
        ":",
        "- ",
        "  ",
        "\t",
        "[",
        "{",
        "}",
        "]",
        "&a ",
        "*a",
        "!!python/object ",
        "? ",
        '"',
        "'",
        "#",
        "|",
        ">",
        "%YAML 1.1\n",
        "---\n",
        "\x00",
        "\x07",
        "2024-02-30",
        "\n",
    ]
)


@FAST
@given(st.lists(st.tuples(st.integers(min_value=0), YAML_NOISE), min_size=1, max_size=5))
def test_corrupted_example_file_fails_with_a_located_error(edits: list[tuple[int, str]]) -> None:
    text = yaml.safe_dump(EXAMPLE, allow_unicode=True, sort_keys=False)
    for position, noise in edits:
        cut = position % (len(text) + 1)
        text = text[:cut] + noise + text[cut:]
    _assert_facts_error_is_located(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "product:\n  launch_date: 2024-02-30\n",
            None,
        ),  # a date that does not exist: text, judged by the checks
        ("[" * 3000, "第 1 行"),  # nesting deep enough to overflow a recursive loader
        ("filing:\n  role: 服务提供者\n\x00\n", "第 3 行"),  # a control character: the line it is on
        ("1: 2\n", "字段 [1]"),
        ("- a\n- b\n", "顶层"),
    ],
)
def test_known_hard_cases(text: str, expected: str | None) -> None:
    if expected is None:
        assert load_facts_text(text).product.launch_date == "2024-02-30"
        return
    with pytest.raises(FactsError) as info:
        load_facts_text(text)
    assert expected in "；".join(info.value.problems)


# --- regulations ------------------------------------------------------------------------------------

NUMERALS = st.text(alphabet="零〇一二三四五六七八九十百千两", min_size=1, max_size=6)
REG_LINES = st.one_of(
    NUMERALS.map(lambda n: f"第{n}条 本规定所称算法推荐技术，是指利用生成合成类等算法技术。"),
    NUMERALS.map(lambda n: f"第{n}条"),
    NUMERALS.map(lambda n: f"## 第{n}章 总则"),
    NUMERALS.map(lambda n: f"### 第{n}节 一般规定"),
    st.sampled_from(
        [
            "",
            "（一）提供互联网信息服务；",
            "# 标题",
            "---",
            "title: 测试",
            "articles: 3",
            "正文内容。",
            "status: historical",
        ]
    ),
    st.text(max_size=30),
)


@FAST
@given(st.booleans(), st.lists(REG_LINES, max_size=25))
def test_regulation_parser_fails_only_with_located_issues(with_header: bool, lines: list[str]) -> None:
    text = ("---\ntitle: 测试规定\n---\n# 测试规定\n" if with_header else "") + "\n".join(lines)
    try:
        _, warnings = parse_regulation_text(text, "test.md")
    except RegulationParseError as exc:
        issues = exc.issues
        assert issues
    else:
        issues = warnings
    line_count = max(1, len(text.splitlines()))
    for issue in issues:
        assert isinstance(issue, ParseIssue) and issue.path == "test.md"
        assert 1 <= issue.line <= line_count, issue
        assert re.search(r"[\u4e00-\u9fff]", issue.message)


@pytest.mark.parametrize("line", ["第零条 内容", "第〇条 内容", "第九千九千条 内容"])
def test_out_of_range_article_numbers_are_issues_not_crashes(line: str) -> None:
    with pytest.raises(RegulationParseError) as info:
        parse_regulation_text(f"---\ntitle: 测试规定\n---\n第一条 内容\n{line}\n", "t.md")
    assert any(issue.line == 5 and "条文编号无效" in issue.message for issue in info.value.issues)


# --- uploads ----------------------------------------------------------------------------------------


@pytest.fixture
def upload_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus")


def test_ten_megabyte_upload_refused(tmp_path: Path, upload_settings: Settings) -> None:
    big = tmp_path / "大文件.md"
    big.write_bytes(("# 算法基本原理\n" + "正文内容。" * 700_000).encode()[: 10 * 1024 * 1024])
    with pytest.raises(FilingImportError, match=r"文件过大：10\.0 MB，上限为 5\.0 MB"):
        import_filing(big, upload_settings)
    assert not upload_settings.imported_filings_dir.exists()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.docx", b"%PDF-1.7\n", "不是有效的 .docx"),
        ("a.pdf", b"PK\x03\x04" + b"\x00" * 40, "不是有效的 PDF"),
        ("a.md", b"PK\x03\x04" + b"\x00" * 40, "不是纯文本"),
        ("a.txt", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40, "不是纯文本"),
        ("a.exe", b"MZ\x90\x00", "不支持的文件类型"),
        ("a", b"text", "不支持的文件类型"),
        ("empty.md", b"", "文件为空"),
    ],
)
def test_wrong_type_refused(
    tmp_path: Path, upload_settings: Settings, name: str, data: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(FilingImportError, match=expected):
        import_filing(path, upload_settings)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_bomb_docx_refused_before_decompressing(tmp_path: Path, upload_settings: Settings) -> None:
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(
        _zip(
            {
                "[Content_Types].xml": b"<Types/>",
                "word/document.xml": b"<w:document/>",
                "word/media/pad.bin": b"\x00" * (120 * 1024 * 1024),
            }
        )
    )
    assert bomb.stat().st_size < upload_settings.max_upload_bytes  # small on disk, huge inside
    with pytest.raises(FilingImportError, match="压缩炸弹"):
        import_filing(bomb, upload_settings)


docx_members = st.dictionaries(
    st.sampled_from(
        [
            "[Content_Types].xml",
            "word/document.xml",
            "_rels/.rels",
            "word/_rels/document.xml.rels",
            "word/styles.xml",
            "docProps/core.xml",
        ]
    ),
    st.one_of(
        st.binary(max_size=64),
        st.sampled_from(
            [
                b"<not xml",
                b"<w:document/>",
                b"<?xml version='1.0'?><x/>",
                b"<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>",
            ]
        ),
    ),
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(st.one_of(docx_members.map(_zip), st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b)))
def test_malformed_docx_fails_only_with_an_import_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("docx") / "x.docx"
    path.write_bytes(data)
    try:
        read_blocks(path, Settings(data_dir=path.parent, corpus_dir=path.parent))
    except FilingImportError as exc:
        assert re.search(r"[\u4e00-\u9fff]", str(exc))


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_malformed_pdf_fails_only_with_an_import_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("pdf") / "x.pdf"
    path.write_bytes(b"%PDF-1.4\n" + data)
    try:
        read_blocks(path, Settings(data_dir=path.parent, corpus_dir=path.parent))
    except FilingImportError as exc:
        assert re.search(r"[\u4e00-\u9fff]", str(exc))


# --- export file names -------------------------------------------------------------------------------

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            [
                "..",
                "/",
                "\\",
                "\x00",
                "\x1f",
                "\x7f",
                "\u202e",
                "CON",
                "NUL",
                "com1",
                "LPT9",
                ".",
                " ",
                "名称",
                "C:",
                "~",
                "／",
                "＼",
                "\n",
                "a" * 120,
                "算" * 100,
                ".docx",
            ]
        ),
        max_size=12,
    ).map("".join),
)


@settings(max_examples=150, deadline=None)
@given(HOSTILE)
def test_export_file_names_stay_inside_the_output_directory(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    base = tmp_path_factory.getbasetemp().resolve()
    safe = safe_filename(name)
    assert safe and "/" not in safe and "\\" not in safe and safe not in (".", "..")
    assert not any(ord(c) < 32 or ord(c) == 127 for c in safe)
    assert len(safe.encode()) <= NAME_MAX_BYTES + 1  # the reserved-name prefix may add one byte
    assert safe.split(".", 1)[0].strip().upper() not in WINDOWS_RESERVED
    facts = parse_facts({**EXAMPLE, "filing": {**EXAMPLE["filing"], "algorithm_name": name}})
    for document in load_spec().documents:
        filename = document_filename(facts, document)
        assert len(filename.encode()) <= 255  # one path component on every common file system
        assert _target_path(base, filename).parent == base


@pytest.mark.parametrize(
    "name", ["../../../tmp/逃逸", "CON", "a\x00b/../c", "\\\\server\\share\\x", "名" * 300]
)
def test_real_export_with_hostile_names_writes_only_inside(tmp_path: Path, name: str) -> None:
    data = example_data()
    data["filing"]["algorithm_name"] = name
    facts = parse_facts(data)
    from assistant.drafting.template_drafter import draft_section

    spec = load_spec()
    drafts = {s.id: draft_section(facts, s.id) for s in spec.applicable_sections(facts)}
    out = tmp_path / "out"
    result = export_filing(facts, drafts, out, CheckReport(findings=[]))
    assert result.files
    written = {p.resolve() for p in tmp_path.rglob("*") if p.is_file()}
    assert all(p.parent == out.resolve() for p in written), written
