"""The published filing lists: parsing real and generated .docx lists, idempotent import in one transaction
per file, lookup, number decoding, the registry checks, type suggestion and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from docx import Document

from assistant.checking.checks import run_checks
from assistant.cli import main
from assistant.config import get_settings
from assistant.registry import db as registry_db
from assistant.registry.checks import check_registry_number, check_registry_region, check_registry_type
from assistant.registry.data import registry_spec
from assistant.registry.db import bundled_files, import_files, list_summaries, load_rows
from assistant.registry.index import RegistryIndex, get_index, workspace_for
from assistant.registry.numbers import decode_number, normalize_number
from assistant.registry.parse import ListFormatError, parse_list_file
from assistant.registry.service import get_classifier, purpose_exemplars
from tests.helpers import as_push, facts_with

HEADER = ["序号", "算法名称", "算法类别", "主体名称", "应用产品", "主要用途", "备案编号", "备注"]
ROWS = [
    ["1", "甲推荐算法", "个性化推送类", "甲科技有限公司", "甲(APP)", "应用于商品推荐场景，根据用户行为推荐商品。",
     "网信算备330106123456702250011", ""],
    ["2", "乙搜索算法", "信息检索类", "乙网络有限公司", "乙(网站)", "应用于站内搜索场景，根据用户输入的关键词检索内容。",
     "网信算备440305765432104250013", ""],
    ["3", "丙派单算法", "调度决策类", "丙物流有限公司", "丙(小程序)", "应用于订单分配场景，根据位置与运力分配订单。",
     "网信算备110108111111106250015", "已注销"],
]  # fmt: skip


def write_list(path: Path, header: list[str], rows: list[list[str]], *, title: str | None = None,
               title_row: bool = False) -> Path:  # fmt: skip
    """A list as the CAC publishes it: a title paragraph and one table (optionally with a merged title row)."""
    document = Document()
    if title:
        document.add_paragraph(title)
    table = document.add_table(rows=0, cols=len(header))
    if title_row:
        cells = table.add_row().cells
        merged = cells[0].merge(cells[-1])
        merged.text = "境内互联网信息服务算法备案清单（2026年1月）"
    for values in [header, *rows]:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    document.save(path)
    return path


def general_list(path: Path, rows: list[list[str]] = ROWS, **kwargs: object) -> Path:
    kwargs.setdefault("title", "境内互联网信息服务算法备案清单（2026年1月）")
    return write_list(path, HEADER, rows, **kwargs)  # type: ignore[arg-type]


# --- parsing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", bundled_files(get_settings()), ids=lambda p: p.stem)
def test_every_bundled_list_parses_every_row(path: Path) -> None:
    parsed = parse_list_file(path)
    table = Document(str(path)).tables[0]
    assert len(parsed.rows) == len(table.rows) - 1  # every row but the header
    assert not parsed.unreadable
    assert parsed.batch[:4] in path.stem and f"{int(parsed.batch[5:])}月" in path.stem
    assert parsed.series == ("deep_synthesis" if "深度合成" in path.stem else "general")
    categories = {row.category for row in parsed.rows}
    allowed = (
        registry_spec().roles if parsed.series == "deep_synthesis" else [*registry_spec().types, "检索过滤类"]
    )
    assert categories <= set(allowed)


def test_title_row_reordered_and_extra_columns(tmp_path: Path) -> None:
    order = [6, 1, 3, 2, 5, 4, 0, 7]  # number first, class after entity …
    header = [HEADER[i] for i in order] + ["联系人"]
    rows = [[row[i] for i in order] + ["张三"] for row in ROWS]
    parsed = parse_list_file(write_list(tmp_path / "x.docx", header, rows, title_row=True))
    assert (parsed.series, parsed.batch) == ("general", "2026-01")
    assert [(r.algorithm_name, r.category, r.entity, r.number) for r in parsed.rows] == [
        (row[1], row[2], row[3], row[6]) for row in ROWS
    ]
    assert any("联系人" in note for note in parsed.notes)
    assert parsed.rows[0].row_no == 3  # title row, header, then the first filing


def test_batch_from_file_name_and_series_from_role_column(tmp_path: Path) -> None:
    header = [h if h != "算法类别" else "角色" for h in HEADER]
    rows = [[*row[:2], "服务提供者", *row[3:]] for row in ROWS]
    parsed = parse_list_file(write_list(tmp_path / "清单（2026年3月）.docx", header, rows))
    assert (parsed.series, parsed.batch) == ("deep_synthesis", "2026-03")


def test_not_a_list(tmp_path: Path) -> None:
    document = Document()
    document.add_paragraph("关于某事项的通知")
    document.save(tmp_path / "notice.docx")
    with pytest.raises(ListFormatError, match="没有表格内容"):
        parse_list_file(tmp_path / "notice.docx")
    other = write_list(tmp_path / "other.docx", ["姓名", "电话"], [["张三", "123"]], title="通讯录")
    with pytest.raises(ListFormatError, match="不是备案清单"):
        parse_list_file(other)


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    header = HEADER[:6] + ["备注"]
    rows = [row[:6] + [row[7]] for row in ROWS]
    with pytest.raises(ListFormatError, match="缺少 “备案编号” 列"):
        parse_list_file(write_list(tmp_path / "x（2026年1月）.docx", header, rows))


def test_empty_and_non_docx_files(tmp_path: Path) -> None:
    (tmp_path / "empty.docx").write_bytes(b"")
    with pytest.raises(ListFormatError, match="空文件"):
        parse_list_file(tmp_path / "empty.docx")
    (tmp_path / "fake.docx").write_text("not a zip", encoding="utf-8")
    with pytest.raises(ListFormatError, match=r"无法作为 Word 文档"):
        parse_list_file(tmp_path / "fake.docx")


def test_unreadable_rows_are_reported_by_row_number(tmp_path: Path) -> None:
    rows = [*ROWS, ["4", "丁算法", "个性化推送类", "", "丁(APP)", "用途", "网信算备330106999999902250011", ""],
            ["5", "戊算法", "个性化推送类", "戊公司", "", "", "待补充", ""]]  # fmt: skip
    parsed = parse_list_file(general_list(tmp_path / "x.docx", rows))
    assert [(u.row_no, u.reason) for u in parsed.unreadable] == [
        (5, "缺少主体名称"),
        (6, "备案编号“待补充”中没有数字"),
    ]
    assert len(parsed.rows) == 3


# --- import -----------------------------------------------------------------------------------------


def _workspace():  # noqa: ANN202
    return workspace_for(get_settings().workspace_url)


def test_import_is_idempotent_and_reports_changes(tmp_path: Path) -> None:
    ws = _workspace()
    first = import_files(ws, [general_list(tmp_path / "a.docx")])[0]
    assert (first.added, first.changed, first.unchanged) == (3, 0, 0)
    again = import_files(ws, [general_list(tmp_path / "a.docx")])[0]
    assert (again.added, again.changed, again.unchanged, again.removed) == (0, 0, 3, 0)
    edited = [list(row) for row in ROWS[:2]]
    edited[0][5] = "应用于优惠券推荐场景，根据用户位置推荐优惠券。"
    edited.append(
        ["3", "己检索算法", "信息检索类", "己公司", "己(APP)", "检索", "网信算备330106222222204250019", ""]
    )
    third = import_files(ws, [general_list(tmp_path / "b.docx", edited)])[0]
    assert (third.added, third.changed, third.unchanged, third.removed) == (1, 1, 1, 1)
    rows = [r for r in load_rows(ws.engine) if r.batch == "2026-01"]
    assert sorted(r.algorithm_name for r in rows) == ["乙搜索算法", "己检索算法", "甲推荐算法"]
    assert next(r for r in rows if r.algorithm_name == "甲推荐算法").purpose == edited[0][5]
    assert len({(s["series"], s["batch"]) for s in list_summaries(ws.engine)}) == len(
        list_summaries(ws.engine)
    )


def test_import_loads_the_bundled_lists_too(tmp_path: Path) -> None:
    ws = _workspace()
    import_files(ws, [general_list(tmp_path / "a.docx")])
    batches = {(s["series"], s["batch"]) for s in list_summaries(ws.engine)}
    assert ("general", "2026-01") in batches and len(batches) == len(bundled_files(get_settings())) + 1
    index = get_index(get_settings())
    assert index.source == "database" and index.newest_batch == "2026-01"


def test_a_failing_file_leaves_the_database_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = _workspace()
    import_files(ws, [general_list(tmp_path / "a.docx")])
    before = [r for r in load_rows(ws.engine) if r.batch == "2026-01"]
    new_rows = [
        *ROWS[:1],
        ["9", "庚算法", "排序精选类", "庚公司", "", "排序", "网信算备330106333333303250017", ""],
    ]

    def broken_delete(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(registry_db, "delete", broken_delete)  # fails after the insert and the updates
    with pytest.raises(RuntimeError):
        import_files(ws, [general_list(tmp_path / "b.docx", new_rows)])
    after = [r for r in load_rows(ws.engine) if r.batch == "2026-01"]
    assert after == before


def test_bad_file_is_reported_and_others_still_import(tmp_path: Path) -> None:
    (tmp_path / "empty.docx").write_bytes(b"")
    reports = import_files(_workspace(), [tmp_path / "empty.docx", general_list(tmp_path / "a.docx")])
    assert not reports[0].ok and "空文件" in reports[0].error
    assert reports[1].ok and reports[1].added == 3


# --- numbers and lookup -------------------------------------------------------------------------------


def test_decode_structure() -> None:
    decoded = decode_number("网信算备110108823483904220019号")
    assert (decoded.region_code, decoded.province, decoded.filer_code) == ("110108", "北京市", "8234839")
    assert (decoded.class_code, decoded.class_type, decoded.year, decoded.sequence) == (
        "04",
        "信息检索类",
        2022,
        "0019",
    )
    assert decoded.well_formed
    bad = decode_number("网信算备1101082242366066220017号")
    assert any("22 位" in p for p in bad.problems) and any("16–17 位" in p for p in bad.problems)
    unknown = decode_number("网信算备110108000000009240001号")
    assert any("第 14–15 位类别代码“09”" in p for p in unknown.problems)


def test_full_width_digits_and_spaces() -> None:
    assert normalize_number("网信算备 １１０１０８ 823483904220019 号") == "网信算备110108823483904220019号"
    index = get_index(get_settings())
    row = index.rows[0]
    spaced = "网信算备 " + " ".join(row.digits[i : i + 4] for i in range(0, len(row.digits), 4))
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in spaced)
    hits = index.lookup(full_width)
    assert hits and all(hit.row.digits == row.digits for hit in hits)


def test_fuzzy_lookup_by_entity_algorithm_and_product() -> None:
    index = get_index(get_settings())
    row = next(r for r in index.rows if r.series == "general" and len(r.entity) > 8 and r.products)
    assert any(h.row == row for h in index.lookup(row.entity[2:-4]))  # a partial entity name
    assert index.lookup(row.algorithm_name)[0].row.algorithm_name == row.algorithm_name
    product = row.products.split("、")[0].split("(")[0].split("（")[0]
    assert any(product in h.row.products for h in index.lookup(product))
    assert index.lookup("完全不存在的名称ＸＹＺ") == []


def test_history_and_renames() -> None:
    index = get_index(get_settings())
    renamed = next(r for r in index.rows if registry_spec().rename_re.search(r.remark))
    old, new = registry_spec().rename_re.search(renamed.remark).groups()
    assert {old, new} <= index.names_for(renamed.digits)
    repeated = next(d for d, rows in index.by_digits.items() if len(rows) > 1)
    batches = [r.batch for r in index.history(repeated)]
    assert batches == sorted(batches) and len(batches) > 1


# --- checks ---------------------------------------------------------------------------------------------


def _with_model_number(number: str, provider: str):  # noqa: ANN202
    def mutate(d: dict) -> None:
        model = d["algorithm"]["models"][0]
        model["algorithm_filing_number"], model["provider"] = number, provider

    return facts_with(mutate)


def _findings(fn, facts):  # noqa: ANN001, ANN202
    from assistant.checking.checks import CheckContext
    from assistant.spec import load_spec

    return list(fn(CheckContext(facts, {}, load_spec())))


def _index() -> RegistryIndex:
    return get_index(get_settings())


def test_listed_number_with_its_registered_provider_passes() -> None:
    row = next(
        r for r in _index().rows if r.series == "deep_synthesis" and not r.remark and r.class_code == "01"
    )
    assert _findings(check_registry_number, _with_model_number(row.display_number, row.entity)) == []


def test_listed_number_with_another_provider_blocks_naming_the_registered_entity() -> None:
    row = next(
        r for r in _index().rows if r.series == "deep_synthesis" and not r.remark and r.class_code == "01"
    )
    findings = _findings(
        check_registry_number, _with_model_number(row.display_number, "某某无关科技有限公司")
    )
    assert len(findings) == 1 and findings[0].blocking and row.entity in findings[0].message
    assert findings[0].field == "algorithm.models[0].algorithm_filing_number"


def test_recorded_rename_is_accepted() -> None:
    index = _index()
    renamed = next(
        r for r in index.rows if (m := registry_spec().rename_re.search(r.remark)) and m.group(1) != r.entity
    )
    old = registry_spec().rename_re.search(renamed.remark).group(1)
    findings = _findings(check_registry_number, _with_model_number(renamed.display_number, old))
    assert not [f for f in findings if "登记的主体" in f.message]


def test_withdrawn_number_blocks() -> None:
    row = next(r for r in _index().rows if r.withdrawn)
    findings = _findings(check_registry_number, _with_model_number(row.display_number, row.entity))
    assert any(f.blocking and "注销" in f.message for f in findings)


def test_generative_third_party_number_must_carry_class_01() -> None:
    row = next(r for r in _index().rows if r.class_code == "02" and not r.remark)
    findings = _findings(check_registry_number, _with_model_number(row.display_number, row.entity))
    assert any(f.blocking and "“02”" in f.message and "01" in f.message for f in findings)


def test_unlisted_number_warns_with_the_newest_batch() -> None:
    findings = _findings(
        check_registry_number,
        _with_model_number("网信算备110108000000001240001号", "北京云岫智能科技有限公司"),
    )
    newest = _index().newest_batch
    label = f"{newest[:4]}年{int(newest[5:])}月"
    assert [f.blocking for f in findings] == [False]
    assert f"未在已公布清单（截至{label}）中找到，可能尚未公布" in findings[0].message


def test_malformed_number_is_a_warning_naming_the_digits() -> None:
    findings = _findings(
        check_registry_number, _with_model_number("网信算备 12345 号", "北京云岫智能科技有限公司")
    )
    structure = [f for f in findings if "结构不符" in f.message]
    assert structure and not structure[0].blocking and "共 5 位数字" in structure[0].message
    assert not any(f.blocking for f in findings)


def test_region_code_against_credit_code_is_advisory() -> None:
    def mutate(d: dict) -> None:
        d["filing"]["filing_kind"] = "变更备案"
        d["filing"]["existing_filing_number"] = "网信算备440305111111101240011号"

    facts = facts_with(mutate)
    findings = _findings(check_registry_region, facts)
    assert findings and not findings[0].blocking and "440305" in findings[0].message
    assert facts.entity.credit_code[2:8] in findings[0].message


def test_declared_type_implausible_for_the_algorithm_blocks_with_evidence() -> None:
    facts = facts_with(lambda d: d["filing"].__setitem__("algorithm_type", "调度决策类"))
    findings = _findings(check_registry_type, facts)
    assert len(findings) == 1 and findings[0].blocking and "生成合成类" in findings[0].message
    assert "例如“" in findings[0].message


@pytest.mark.parametrize("mutate", [None, as_push], ids=["generative", "push"])
def test_plausible_declared_type_passes(mutate) -> None:  # noqa: ANN001
    def push_facts(d: dict) -> None:
        as_push(d)
        d["filing"]["algorithm_name"] = "灵犀资讯个性化推荐算法"
        d["algorithm"]["summary"] = (
            "根据用户的浏览、点击和收藏记录构建兴趣画像，从资讯库中召回并排序，为用户推荐感兴趣的资讯内容"
        )

    facts = facts_with(push_facts if mutate else None)
    assert _findings(check_registry_type, facts) == []


def test_example_facts_raise_only_the_unlisted_number_warning() -> None:
    from assistant.drafting.template_drafter import draft_all

    facts = facts_with()
    report = run_checks(facts, draft_all(facts))
    registry_findings = [f for f in report.findings if f.check.startswith("registry_")]
    assert [(f.check, f.blocking) for f in registry_findings] == [("registry_number", False)]


# --- classification and exemplars -----------------------------------------------------------------------


def test_classifier_suggests_classes_with_evidence() -> None:
    classifier = get_classifier()
    generative = classifier.classify(
        "智能写作助手", "应用于文本生成场景，根据用户输入的提示词，生成相应的文章"
    )
    assert generative.cls == "生成合成类" and generative.evidence
    assert all(e.row.purpose for e in generative.evidence)
    push = classifier.classify(
        "商城猜你喜欢推荐算法", "应用于商品推荐场景，根据用户的浏览和购买记录，为用户推荐可能感兴趣的商品"
    )
    assert push.cls == "个性化推送类"
    dispatch = classifier.classify(
        "同城配送派单算法", "应用于即时配送场景，根据订单位置和骑手运力，将订单分配给合适的骑手"
    )
    assert dispatch.cls == "调度决策类"


def test_purpose_exemplars_are_published_sentences_of_the_declared_type() -> None:
    facts = facts_with()
    exemplars = purpose_exemplars(facts, k=3)
    published = {r.purpose for r in _index().rows}
    assert len(exemplars) == 3 and all(e["purpose"] in published for e in exemplars)
    assert all(e["type"] == facts.algorithm_type for e in exemplars)


# --- CLI --------------------------------------------------------------------------------------------------


def test_cli_import_lookup_and_decode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = general_list(tmp_path / "a.docx")
    assert main(["registry", "import", str(path), "--json", "--no-embed"]) == 0
    report = json.loads(capsys.readouterr().out)["files"][0]
    assert (report["added"], report["batch"], report["series"]) == (3, "2026-01", "general")
    assert main(["registry", "import", str(path), "--json", "--no-embed"]) == 0
    assert json.loads(capsys.readouterr().out)["files"][0]["unchanged"] == 3
    assert main(["registry", "lookup", "网信算备３３０１０６ 1234567 02250011", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["algorithm_name"] == "甲推荐算法"
    assert {"number", "algorithm_name", "class", "entity", "products", "purpose", "batch", "remark"} <= set(
        rows[0]
    )
    assert main(["registry", "lookup", "丙物流", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["remark"] == "已注销"
    assert main(["registry", "decode", "网信算备1101082242366066220017号"]) == 1
    assert "22 位" in capsys.readouterr().out


def test_cli_import_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.docx").write_bytes(b"")
    assert main(["registry", "import", str(tmp_path / "empty.docx")]) == 1
    assert "空文件" in capsys.readouterr().err
    assert main(["registry", "import", str(tmp_path / "x.docx"), "--batch", "2026-13"]) == 2


def test_cli_classify_batch_keeps_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items = [
        {"name": "短视频推荐算法", "purpose": "应用于短视频推荐场景，根据用户观看行为推荐视频"},
        "not an object",
        {"name": "AI绘画生成算法", "purpose": "应用于图像生成场景，根据用户输入的文本生成图片"},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items), encoding="utf-8")
    assert main(["registry", "classify", "--batch", str(source)]) == 1  # one line could not be read
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["line"] for line in lines] == [1, 2, 3]
    assert lines[0]["class"] == "个性化推送类" and lines[2]["class"] == "生成合成类"
    assert "error" in lines[1] and lines[0]["evidence"]


# --- UI (streamlit.testing) -------------------------------------------------------------------------------


def _registry_page():  # noqa: ANN202 - streamlit.testing AppTest
    from streamlit.testing.v1 import AppTest

    from assistant.config import PROJECT_ROOT

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("assistant/ui/registry.py").run()
    assert not at.exception, at.exception
    return at


def _open(at, tab: str):  # noqa: ANN001, ANN202
    at.session_state["registry.tab"] = tab
    at.run()
    assert not at.exception, at.exception
    return at


def test_page_search_filters_and_history() -> None:
    at = _registry_page()
    index = _index()
    assert any(f"{len(index.rows)} 条备案" in c.value for c in at.caption)
    row = next(r for d, rows in index.by_digits.items() if len(rows) > 1 for r in rows[:1])
    at.text_input(key="registry.query").set_value(row.algorithm_name).run()
    frame = at.dataframe[0].value
    assert row.algorithm_name in set(frame["算法名称"])
    at.selectbox(key="registry.history").set_value(row.digits).run()
    assert any("份清单中出现" in m.value for m in at.markdown)
    at.text_input(key="registry.query").set_value("").run()
    at.multiselect(key="registry.batch").set_value([index.newest_batch]).run()
    assert set(at.dataframe[0].value["批次"]) == {index.newest_batch}


def test_page_decoder_and_charts() -> None:
    at = _open(_registry_page(), "备案编号解读")
    row = next(r for r in _index().rows if r.class_code == "02")
    at.text_input(key="registry.number").set_value(row.digits).run()
    table = at.table[0].value
    assert row.region_code in set(table["数字"].astype(str)) and "个性化推送类" in set(table["解读"])
    assert any(row.algorithm_name in s.value for s in at.success)
    at.text_input(key="registry.number").set_value("网信算备1101080000000092400011号").run()
    assert any("22 位" in w.value for w in at.warning)
    _open(at, "统计")
    assert len(at.get("vega_lite_chart")) == 2


def test_shipped_vectors_cover_every_bundled_row() -> None:
    from assistant.registry.vectors import load_caches, vector_matrix

    settings = get_settings()
    rows = _index().rows
    _, mask = vector_matrix(rows, load_caches(settings))
    assert mask.all(), f"{int((~mask).sum())} rows lack a vector: run scripts/build_registry_vectors.py"


def test_unknown_class_code_is_a_warning_not_a_block() -> None:
    findings = _findings(
        check_registry_number, _with_model_number("网信算备320106219534870230027号", "某公司")
    )
    assert findings and not any(f.blocking for f in findings)
    assert any("第 14–15 位类别代码“70”" in f.message for f in findings)
