"""The Streamlit app: one module per page plus shared state (`state`) and the facts form (`facts_form`).

Pages are run by `st.navigation` from `app.py`; each page module renders itself when executed as a script
and exposes `render()` for reuse. Heavy dependencies (chromadb, embeddings, llama.cpp) load lazily, only on
the pages that need them."""
