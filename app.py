"""备案助手 — Streamlit entry point: `streamlit run app.py`. Pages and widgets live in assistant/ui/."""

from __future__ import annotations

import streamlit as st

from assistant.ui import access, state

st.set_page_config(page_title="备案助手", page_icon=":material/verified:", layout="wide")
if not access.allowed():  # a login is configured and this session has not logged in
    st.stop()

pages = {
    key: st.Page(
        info.file, title=info.title, icon=info.icon, url_path=info.url_path, default=key == "projects"
    )
    for key, info in state.PAGES.items()
}
navigation = st.navigation(
    {
        "备案材料": [pages["projects"], pages["drafting"], pages["review"]],
        "知识与质量": [pages["chat"], pages["registry"], pages["evaluation"], pages["settings"]],
    }
)
navigation.run()
state.sidebar()  # after the page, so that it shows what the page changed (project, model)
