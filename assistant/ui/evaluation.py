"""评估: run the gold-set evaluation for a provider (template by default; a subset of cases and sections),
show the metrics table and charts, and compare two stored runs."""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.config import resource_path
from assistant.ui import state
from assistant.ui.localtime import local_time

GOLD_DIR = resource_path("eval/gold")
UNIT_HINT = "0–1 之间的指标越高越好；编造事实、违规提及、起草失败等计数越低越好。"


def gold_cases() -> list[str]:
    return sorted(p.name for p in GOLD_DIR.iterdir() if p.is_dir()) if GOLD_DIR.exists() else []


def summary_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "指标": r.get("label", r.get("name")),
            "代码": r.get("name"),
            "数值": r.get("value"),
            "样本数": r.get("n"),
        }
        for r in rows
    ]


def show_report(data: dict[str, Any], unit_metrics: set[str]) -> None:
    meta = data.get("meta", {})
    st.caption(
        f"提供方：{meta.get('provider', '')} · 模型：{meta.get('model', '')} · 案例 {len(meta.get('cases', []))} 个 · "
        f"时间：{local_time(meta.get('created', ''))}"
        + (f" · {meta['facts_extraction']}" if meta.get("facts_extraction") else "")
    )
    rows = data.get("summary", [])
    st.dataframe(summary_table(rows), hide_index=True, width="stretch")
    st.caption(UNIT_HINT)
    chart = {
        r.get("label", r.get("name")): r.get("value")
        for r in rows
        if r.get("name") in unit_metrics and isinstance(r.get("value"), int | float)
    }
    if chart:
        st.markdown("**比例类指标（0–1）**")
        st.bar_chart({"数值": chart}, horizontal=True, height=max(220, 28 * len(chart)))
    sections = data.get("sections", [])
    if sections:
        st.markdown("**按章节**")
        st.dataframe(
            [
                {
                    "章节": s.get("title"),
                    "案例数": s.get("n"),
                    "要素覆盖率": s.get("element_coverage"),
                    "无阻断比例": s.get("blocking_pass_rate"),
                    "编造事实": s.get("fabricated_facts"),
                    "chrF": s.get("chrf"),
                    "ROUGE-L": s.get("rouge_l"),
                }
                for s in sections
            ],
            hide_index=True,
            width="stretch",
        )
        coverage = {
            s.get("title"): s.get("element_coverage")
            for s in sections
            if isinstance(s.get("element_coverage"), int | float)
        }
        if coverage:
            st.bar_chart({"要素覆盖率": coverage}, height=260)


def run_form() -> None:
    from assistant.drafting.llm import LLMError
    from assistant.evaluation.run import evaluate

    rt = state.runtime()
    cases = gold_cases()
    if not cases:
        st.warning(f"没有找到金标准数据（{GOLD_DIR}）。")
        return
    providers = state.provider_names()
    columns = st.columns([1, 2])
    provider = columns[0].selectbox(
        "起草方式", providers, key="eval.provider", format_func=state.provider_label
    )
    label_key = state.keep("eval.label", "")
    columns[1].text_input("本次运行的名称（可选）", key=label_key, placeholder="例如：模板基线")
    state.remember(label_key)
    chosen_cases = st.multiselect("案例（不选则全部）", cases, key="eval.cases", placeholder="全部案例")
    titles = {s.id: s.title for s in rt.spec.sections}
    chosen_sections = st.multiselect(
        "章节（不选则全部）",
        list(titles),
        key="eval.sections",
        format_func=lambda sid: titles[sid],
        placeholder="全部章节",
    )
    if state.provider_uses_model(provider):
        st.caption(
            "使用大模型起草全部金标准章节耗时较长（本地 1.5B 模型每节约 1 分钟）；可先选择少量案例和章节。"
        )
    if not st.button("运行评估", type="primary", key="eval.run", icon=":material/play_arrow:"):
        return
    progress = st.progress(0.0, text="准备评估……")

    def on_progress(index: int, total: int, case_id: str) -> None:
        progress.progress(min(1.0, (index - 1) / max(total, 1)), text=f"正在评估 {index}/{total}：{case_id}")

    try:
        from assistant.drafting.llm import get_llm

        llm = get_llm(provider, state.session_settings())
        with st.spinner("评估进行中……"):
            report = evaluate(
                GOLD_DIR,
                provider,
                rt,
                cases=chosen_cases or None,
                sections=chosen_sections or None,
                on_progress=on_progress,
                llm=llm,
            )
    except (LLMError, ValueError, KeyError) as exc:
        st.error(f"评估失败：{exc}")
        return
    progress.progress(1.0, text="评估完成")
    data = report.to_dict()
    label = st.session_state.get(label_key, "").strip() or f"{provider} · {len(report.cases)} 个案例"
    run_id = state.workspace().save_eval(label, data)
    st.session_state["eval.selected"] = run_id
    st.success(f"评估完成，已保存为运行 #{run_id}（{label}）。")


def render() -> None:
    st.title("评估")
    st.caption(
        "用金标准（eval/gold/）衡量草稿质量：要素覆盖、检查通过率、编造事实、引用有效性、与金标准文本的相似度。"
    )
    from assistant.evaluation.reports import compare
    from assistant.evaluation.scoring import UNIT_METRICS

    with st.container(border=True):
        st.markdown("#### 运行评估")
        run_form()
    runs = state.workspace().eval_runs()
    if not runs:
        st.info("还没有评估记录。")
        return
    names = {r["id"]: f"#{r['id']} {r['label']}（{local_time(r['created'])}）" for r in runs}
    st.markdown("#### 评估结果")
    ids = list(names)
    selected = st.session_state.get("eval.selected")
    chosen = st.selectbox(
        "查看运行",
        ids,
        index=ids.index(selected) if selected in ids else 0,
        format_func=names.get,
        key="eval.view",
    )
    show_report(next(r["report"] for r in runs if r["id"] == chosen), UNIT_METRICS)
    if len(runs) < 2:
        return
    st.markdown("#### 比较两次运行")
    columns = st.columns(2)
    a = columns[0].selectbox("运行 A", ids, index=1, format_func=names.get, key="eval.a")
    b = columns[1].selectbox("运行 B", ids, index=0, format_func=names.get, key="eval.b")
    rows = compare(
        next(r["report"] for r in runs if r["id"] == a), next(r["report"] for r in runs if r["id"] == b)
    )
    st.dataframe(
        [{"指标": r["label"], "A": r["a"], "B": r["b"], "变化（B−A）": r["delta"]} for r in rows],
        hide_index=True,
        width="stretch",
    )
    deltas = {
        r["label"]: r["delta"]
        for r in rows
        if isinstance(r["delta"], int | float) and r["metric"] in UNIT_METRICS
    }
    if deltas:
        st.bar_chart({"变化（B−A）": deltas}, horizontal=True, height=max(220, 28 * len(deltas)))


if __name__ == "__main__":
    render()
