"""Regulations, past filings and the chromadb index: loading, chunking, embedding, retrieval, import and anonymisation, citation verification."""
