"""备案清单: the CAC's published filing lists — search with filters (class/role, batch, province), a filing's
history (its remarks across batches), the 备案编号 decoder, type suggestion, charts, and importing a newly
published list."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from assistant.registry.checks import batch_label
from assistant.registry.db import RegistryRow
from assistant.registry.index import RegistryIndex, get_index
from assistant.ui import state

RESULT_LIMIT = 200
COLUMNS = {
    "display_number": "备案编号",
    "algorithm_name": "算法名称",
    "category": "类别/角色",
    "entity": "主体名称",
    "products": "应用产品",
    "purpose": "主要用途",
    "batch": "批次",
    "province": "省份",
    "remark": "备注",
}


def index() -> RegistryIndex:
    return get_index(state.settings())


def rows_frame(rows: list[RegistryRow]) -> pd.DataFrame:
    return pd.DataFrame(
        [{label: getattr(row, name) for name, label in COLUMNS.items()} for row in rows],
        columns=list(COLUMNS.values()),
    )


def filtered(
    idx: RegistryIndex, query: str, categories: list[str], batches: list[str], provinces: list[str]
) -> list[RegistryRow]:
    rows = (
        [hit.row for hit in idx.lookup(query, limit=RESULT_LIMIT)]
        if query.strip()
        else list(reversed(idx.rows))
    )
    return [
        row
        for row in rows
        if (not categories or row.category in categories)
        and (not batches or row.batch in batches)
        and (not provinces or row.province in provinces)
    ][:RESULT_LIMIT]


def search_tab() -> None:
    idx = index()
    query = st.text_input(
        "查询", key="registry.query", placeholder="备案编号（精确）或主体、算法、产品名称（模糊）"
    )
    left, middle, right = st.columns(3)
    categories = left.multiselect(
        "类别/角色", sorted({r.category for r in idx.rows if r.category}), key="registry.class"
    )
    batches = middle.multiselect(
        "批次", list(reversed(idx.batches)), format_func=batch_label, key="registry.batch"
    )
    provinces = right.multiselect(
        "省份", sorted({r.province for r in idx.rows if r.province}), key="registry.province"
    )
    rows = filtered(idx, query, categories, batches, provinces)
    if not rows:
        st.info(f"未在已公布清单（截至{batch_label(idx.newest_batch)}）中找到符合条件的备案。")
        return
    st.caption(f"共 {len(rows)} 条" + ("（最多显示 200 条）" if len(rows) >= RESULT_LIMIT else ""))
    st.dataframe(rows_frame(rows), hide_index=True, width="stretch")
    numbers = list(dict.fromkeys(row.digits for row in rows))
    labels = {row.digits: f"{row.display_number}｜{row.algorithm_name}" for row in rows}
    chosen = st.selectbox("查看备案历史", numbers, format_func=labels.get, key="registry.history")
    if chosen:
        history(idx, chosen)


def history(idx: RegistryIndex, digits: str) -> None:
    rows = idx.history(digits)
    st.markdown(f"**{rows[-1].algorithm_name}**（{rows[-1].entity}）在 {len(rows)} 份清单中出现：")
    for row in rows:
        line = f"- {batch_label(row.batch)}《{row.series_label}》：{row.category}，{row.products or '—'}"
        st.markdown(line + (f"；备注：{row.remark}" if row.remark else "；无备注"))
    if any(row.withdrawn for row in rows):
        st.error("该备案已注销，编号不再有效。")


def decoder_tab() -> None:
    from assistant.registry.numbers import decode_number

    text = st.text_input(
        "备案编号", key="registry.number", placeholder="例如 网信算备110108823483904220019号"
    )
    if not text.strip():
        return
    decoded = decode_number(text)
    parts = [
        ("第 1–6 位", "地区代码", decoded.region_code, decoded.province or "未知省份"),
        ("第 7–13 位", "主体代码", decoded.filer_code, "同一主体的全部备案相同"),
        ("第 14–15 位", "类别代码", decoded.class_code, decoded.class_type or "未知类别"),
        ("第 16–17 位", "年份", str(decoded.year or ""), "备案年份"),
        ("第 18–21 位", "顺序号", decoded.sequence, ""),
    ]
    st.table(pd.DataFrame(parts, columns=["位置", "含义", "数字", "解读"]))
    for problem in decoded.problems:
        st.warning(problem)
    idx = index()
    rows = idx.history(decoded.digits) if decoded.digits else []
    if rows:
        st.success(f"已在清单中找到：{rows[-1].algorithm_name}（{rows[-1].entity}）")
        history(idx, decoded.digits)
    else:
        st.info(f"未在已公布清单（截至{batch_label(idx.newest_batch)}）中找到，可能尚未公布。")


def classify_tab() -> None:
    from assistant.registry.service import get_classifier

    name = st.text_input("算法名称", key="registry.classify.name")
    purpose = st.text_area("主要用途", key="registry.classify.purpose", height=80)
    if not st.button("建议类型", key="registry.classify.run") or not (name.strip() or purpose.strip()):
        return
    with st.spinner("正在比对已公布的备案……"):
        suggestion = get_classifier(state.settings()).classify(name, purpose)
    shares = "，".join(
        f"{c} {s:.0%}" for c, s in sorted(suggestion.shares.items(), key=lambda kv: -kv[1]) if s >= 0.01
    )
    st.success(f"建议类型：{suggestion.cls}（{shares}）")
    st.dataframe(
        pd.DataFrame([e.to_dict() for e in suggestion.evidence]).rename(
            columns={
                "number": "备案编号",
                "algorithm_name": "算法名称",
                "type": "类型",
                "class": "类别/角色",
                "entity": "主体名称",
                "purpose": "主要用途",
                "batch": "批次",
                "score": "相似度",
            }  # fmt: skip
        ),
        hide_index=True,
        width="stretch",
    )


def charts_tab() -> None:
    idx = index()
    st.markdown("**各批次备案数（按类别）**")
    per_batch = pd.DataFrame(idx.per_batch_by_type())
    if not per_batch.empty:
        st.bar_chart(per_batch, x="batch", y="count", color="type", x_label="批次", y_label="备案数")
    st.markdown("**备案数最多的省份**")
    provinces = pd.DataFrame(idx.top_provinces())
    if not provinces.empty:
        st.bar_chart(
            provinces,
            x="province",
            y="count",
            x_label="省份",
            y_label="备案数",
            horizontal=True,
            sort="-count",
        )


def import_tab() -> None:
    from assistant.registry.db import import_files
    from assistant.registry.index import workspace_for

    st.caption(
        "网信办约每两个月公布一批清单；上传新公布的 .docx 附件即可加入。重复导入同一清单不会产生重复行。"
    )
    upload = st.file_uploader("新公布的备案清单（.docx）", type=["docx"], key="registry.upload")
    if upload is None or not st.button("导入", key="registry.import"):
        return
    if upload.size > state.settings().max_upload_bytes:
        st.error("文件过大，清单附件通常小于 1 MB。")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        with st.spinner("正在导入……"):
            report = import_files(workspace_for(state.settings().workspace_url), [path])[0]
    (st.success if report.ok else st.error)(report.summary())


def status(idx: RegistryIndex) -> str:
    general = sum(1 for r in idx.rows if r.series == "general")
    where = "工作区数据库" if idx.source == "database" else "随附清单（尚未运行 beian ingest）"
    return (
        f"{len(idx.batches)} 个批次，{len(idx.rows)} 条备案（算法 {general} 条，深度合成 {len(idx.rows) - general} 条），"
        f"截至 {batch_label(idx.newest_batch)}；来源：{where}"
    )


def page() -> None:
    st.title("备案清单")
    idx = index()
    st.caption(status(idx))
    tabs: dict[str, Any] = {
        "查询": search_tab,
        "备案编号解读": decoder_tab,
        "类型建议": classify_tab,
        "统计": charts_tab,
        "导入新清单": import_tab,
    }
    state.lazy_tabs("registry.tab", tabs)


page()
